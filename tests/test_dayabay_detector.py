"""Detector pieces of the Daya Bay chain: LSNL distortion matrix, IAV rescaling, CNP χ²."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nuexp.detector.iav import rescale_offdiagonal
from nuexp.detector.lsnl import combine_curves, distortion_matrix, refine_relative_curve
from nuexp.exceptions import UnphysicalParameter
from nuexp.stats.chi2 import (
    CovarianceChi2,
    chi2_cnp,
    cnp_variance,
    covariance_from_jacobian,
    numerical_jacobian,
)

EDGES = np.linspace(0.0, 12.0, 241)


def test_identity_map_gives_identity_matrix():
    x = np.linspace(0.5, 12.1, 50)
    m = distortion_matrix(EDGES, x, x)
    inside = (EDGES[:-1] >= 0.5)
    np.testing.assert_allclose(np.diag(m)[inside], 1.0)
    assert np.all(m[:, ~inside] == 0.0)                  # below the curve's domain: not mapped
    np.testing.assert_allclose(m - np.diag(np.diag(m)), 0.0)


@given(st.floats(0.90, 0.99))
def test_linear_scale_conserves_events_and_moves_the_mean(scale):
    x = np.linspace(0.0, 12.0, 30)
    m = distortion_matrix(EDGES, x, scale * x)
    np.testing.assert_allclose(m.sum(axis=0), 1.0, atol=1e-12)   # nothing lost (scale < 1)
    centres = 0.5 * (EDGES[1:] + EDGES[:-1])
    spectrum = np.exp(-0.5 * ((centres - 4.0) / 1.0) ** 2)
    out = m @ spectrum
    mean_in = centres @ spectrum / spectrum.sum()
    mean_out = centres @ out / out.sum()
    assert mean_out == pytest.approx(scale * mean_in, rel=2e-3)


def test_non_monotonic_map_refused():
    x = np.linspace(0, 12, 10)
    y = x.copy()
    y[5] = y[3]
    with pytest.raises(UnphysicalParameter, match="strictly increasing"):
        distortion_matrix(EDGES, x, y)


def test_refine_and_combine_curves():
    e = np.linspace(1.0, 12.0, 12)
    rel = 0.9 + 0.01 * e
    x, y = refine_relative_curve(e, rel, refine=4, new_min=0.5, new_max=12.1)
    step = (e[1] - e[0]) / 4
    assert x[0] == pytest.approx(0.5) and 12.1 - step < x[-1] <= 12.1 + 1e-9
    np.testing.assert_allclose(np.interp(e, x, y), rel * e, rtol=1e-10)   # through the points
    pulls = np.vstack([y * 1.01, y * 0.99])
    np.testing.assert_allclose(combine_curves(y, pulls, [0.0, 0.0]), y)
    np.testing.assert_allclose(combine_curves(y, pulls, [1.0, 0.0], scale=2.0), 2.0 * 1.01 * y)


def test_iav_rescaling():
    rng = np.random.default_rng(1)
    m = np.triu(rng.random((6, 6)))
    m /= m.sum(axis=0, keepdims=True)
    np.testing.assert_allclose(rescale_offdiagonal(m, 1.0), m)
    out = rescale_offdiagonal(m, 1.04)
    np.testing.assert_allclose(out.sum(axis=0), 1.0)
    off = ~np.eye(6, dtype=bool)
    # off-diagonal weight grows, diagonal shrinks, relative to the original
    assert out[off].sum() > m[off].sum() and np.all(np.diag(out)[1:] < np.diag(m)[1:])
    np.testing.assert_allclose(np.diag(rescale_offdiagonal(m, 0.0)), 1.0)
    with pytest.raises(UnphysicalParameter):
        rescale_offdiagonal(m, -1.0)


def test_cnp_variance_and_chi2():
    """Ji et al., NIM A 961 (2020) 163677, Eq. 18: σ² = 3/(1/M + 2/μ); = μ when M = μ."""
    assert cnp_variance(100.0, 100.0) == pytest.approx(100.0)
    assert cnp_variance(0.0, 4.0) == pytest.approx(2.0)           # M = 0: Poisson 2μ term
    M = np.array([100.0, 120.0])
    mu = np.array([110.0, 110.0])
    expected = np.sum((M - mu) ** 2 * (1 / M + 2 / mu) / 3)
    assert chi2_cnp(M, mu) == pytest.approx(expected)
    J = np.array([[3.0], [4.0]])
    V = covariance_from_jacobian(J)
    assert chi2_cnp(M, mu, V) < chi2_cnp(M, mu)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    A = rng.random((8, 3)) * 50 + 10
    M = A @ np.array([1.0, 2.0, 0.5]) + rng.normal(0, 5, 8)
    V = covariance_from_jacobian(rng.random((8, 2)) * 3)
    chi2 = CovarianceChi2(M, V)
    theta = np.array([1.1, 1.9, 0.6])
    val, grad = chi2.value_and_gradient(A @ theta, A)
    num = numerical_jacobian(lambda t: np.array([chi2(A @ t)]), theta, step=1e-5)[0]
    np.testing.assert_allclose(grad, num, rtol=1e-5)
    H = chi2.gauss_newton_hessian(A @ theta, A)
    assert np.all(np.linalg.eigvalsh(H) > 0)
