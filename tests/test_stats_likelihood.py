"""Statistics layer: likelihood identities, pulls vs covariance, fits, scans, bad inputs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from nuexp.exceptions import FitDidNotConverge, InvalidConfiguration, UnphysicalParameter
from nuexp.stats.fit import asimov_covariance, asimov_errors, fit
from nuexp.stats.likelihood import (
    BinnedLikelihood,
    ProfiledChi2,
    asimov,
    covariance_chi2,
    covariance_from_jacobian,
    pearson_chi2,
    poisson_deviance,
    poisson_deviance_profiled,
)
from nuexp.stats.nuisances import CorrelatedPrior, Parameter, ParameterSet
from nuexp.stats.scan import ordering_delta_chi2, profile_scan

SHAPE = np.array([50.0, 120.0, 200.0, 160.0, 90.0, 40.0])


def _gauss_model(x):
    centre, width, amp = x
    e = np.arange(SHAPE.size)
    return amp * 100 * np.exp(-0.5 * ((e - centre) / width) ** 2) + 5.0


def _gauss_lik(stat="poisson", **kw):
    ps = ParameterSet([Parameter("centre", 2.5, step=0.1), Parameter("width", 1.5, step=0.05),
                       Parameter("amp", 1.0, step=0.01, prior=(1.0, 0.05))])
    return BinnedLikelihood(_gauss_model, _gauss_model(ps.values), ps, statistic=stat, **kw)


@pytest.mark.parametrize("stat", ["poisson", "pearson"])
def test_asimov_is_zero_at_truth(stat):
    lik = _gauss_lik(stat, relative_uncertainty=0.01)
    assert lik(lik.parameters.values) == pytest.approx(0.0, abs=1e-10)
    res = fit(lik)
    assert res.fval == pytest.approx(0.0, abs=1e-4)
    np.testing.assert_allclose(res.x, lik.parameters.values, atol=2e-3)


def test_poisson_deviance_identities():
    n = np.array([0.0, 3.0, 10.0])
    assert poisson_deviance(n, n + (n == 0) * 0.0) == 0.0
    # single bin: 2 (mu - n + n ln(n/mu))
    assert poisson_deviance([4.0], [2.0]) == pytest.approx(2 * (2 - 4 + 4 * np.log(2)))
    with pytest.raises(UnphysicalParameter):
        poisson_deviance([1.0], [-1.0])


def test_barlow_beeston_lite_matches_numerical_profile():
    n, mu, eps = 37.0, 30.0, 0.1

    def f(g):
        m = g * mu
        return 2 * (m - n + n * np.log(n / m)) + (g - 1) ** 2 / eps**2

    brute = minimize_scalar(f, bounds=(0.5, 2.0), method="bounded", options={"xatol": 1e-10}).fun
    assert poisson_deviance_profiled([n], [mu], eps) == pytest.approx(brute, rel=1e-7)


def test_pure_normalisation_nuisance_exact_delta_chi2():
    # data = (1 + d) * mu0; one linear norm nuisance of sigma s: chi2_min = d^2 / (s^2 + 1/N)
    d, s = 0.03, 0.02
    N = SHAPE.sum()
    ps = ParameterSet([Parameter("dummy", 0.0, fixed=True)])
    lik = ProfiledChi2(lambda x: (SHAPE, SHAPE[:, None]), (1 + d) * SHAPE, ps, ["norm"], [s])
    assert lik(ps.values) == pytest.approx(d**2 / (s**2 + 1 / N), rel=1e-12)
    # the same nuisance as a bin covariance (pull <-> covariance equivalence), variance mu0
    cov = covariance_from_jacobian(SHAPE[:, None], [s])
    assert covariance_chi2((1 + d) * SHAPE, SHAPE, cov) == pytest.approx(d**2 / (s**2 + 1 / N), rel=1e-10)


def test_norm_nuisance_in_general_likelihood_with_fit():
    d, s = 0.05, 0.03
    N = SHAPE.sum()
    ps = ParameterSet([Parameter("norm", 0.0, prior=(0.0, s))])
    lik = BinnedLikelihood(lambda x: (1 + x[0]) * SHAPE, (1 + d) * SHAPE, ps, statistic="pearson")
    res = fit(lik)
    # Pearson variance moves with the nuisance: close to, not exactly, d^2/(s^2 + 1/N)
    assert res.fval == pytest.approx(d**2 / (s**2 + 1 / N), rel=0.05)


def test_fisher_matches_hesse():
    lik = _gauss_lik("pearson")
    names, cov = asimov_covariance(lik)
    res = fit(lik)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), np.sqrt(np.diag(res.covariance)), rtol=0.03)
    errs = asimov_errors(lik, fix=["amp"])
    assert set(errs) == {"centre", "width"}


def test_profiled_fisher_is_schur_complement_of_full_fit():
    ps = ParameterSet([Parameter("slope", 0.0, step=0.01)])
    e = np.linspace(-1, 1, SHAPE.size)

    def model(x):
        mu0 = SHAPE * (1 + x[0] * e)
        return mu0, np.stack([mu0, 5.0 * np.ones_like(e)], axis=1)

    lik = ProfiledChi2(model, model(ps.values)[0], ps, ["norm", "bkg"], [0.02, 0.3])
    err = asimov_errors(lik)["slope"]
    # brute force: HESSE on the profiled chi2
    res = fit(lik)
    assert err == pytest.approx(res.errors["slope"], rel=0.02)


def test_profile_scan_parabola_and_ordering():
    lik = _gauss_lik("pearson")
    sig = asimov_errors(lik)["centre"]
    scan = profile_scan(lik, "centre", 2.5 + np.array([-1, 0, 1]) * sig)
    np.testing.assert_allclose(scan.delta_chi2, [1.0, 0.0, 1.0], atol=0.05)
    assert scan.failed == []


def test_ordering_delta_chi2_symmetric_model():
    # a model depending only on |m|: both signs fit equally well -> delta chi2 = 0
    ps = ParameterSet([Parameter("m", 2.0, step=0.05)])
    def model(x):
        return SHAPE * (1 + 0.1 * np.abs(x[0]))

    lik = BinnedLikelihood(model, model(ps.values), ps)
    out = ordering_delta_chi2(lik, "m", [-2.5, -1.5])
    assert out.delta_chi2 == pytest.approx(0.0, abs=1e-4)
    with pytest.raises(InvalidConfiguration):
        ordering_delta_chi2(lik, "m", [1.0, 2.0])


def test_fit_not_converged_raises():
    ps = ParameterSet([Parameter("a", 1.0), Parameter("b", 1.0)])
    lik = BinnedLikelihood(lambda x: SHAPE * np.exp(x[0] * x[1]), SHAPE * 3, ps)
    with pytest.raises(FitDidNotConverge) as info:
        fit(lik, ncall=3)
    assert set(info.value.last_parameters) == {"a", "b"}


def test_bad_inputs():
    ps = ParameterSet([Parameter(f"n{i}", 0.0, prior=(0.0, 0.1)) for i in range(3)])
    with pytest.raises(InvalidConfiguration, match="2 bins but the model has 3 nuisance"):
        BinnedLikelihood(lambda x: np.ones(2), np.ones(2), ps)
    with pytest.raises(InvalidConfiguration, match="statistic"):
        BinnedLikelihood(lambda x: np.ones(3), np.ones(3), ps, statistic="gauss")
    with pytest.raises(UnphysicalParameter, match="prior sigma"):
        Parameter("x", 0.0, prior=(0.0, 0.0))
    with pytest.raises(UnphysicalParameter, match="data"):
        BinnedLikelihood(lambda x: np.ones(3), [1.0, -1.0, 2.0], ps)
    with pytest.raises(InvalidConfiguration, match="duplicate"):
        ParameterSet([Parameter("x", 0.0), Parameter("x", 1.0)])
    with pytest.raises(UnphysicalParameter, match="positive definite"):
        CorrelatedPrior(["a", "b"], [0, 0], [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(UnphysicalParameter, match="zero expected"):
        pearson_chi2([1.0], [0.0])


def test_correlated_prior_matches_independent_when_diagonal():
    ps = ParameterSet([Parameter("a", 0.0), Parameter("b", 0.0)])
    g = CorrelatedPrior(["a", "b"], [0.0, 0.0], [[0.04, 0.0], [0.0, 0.09]])
    lik = BinnedLikelihood(lambda x: SHAPE * (1 + x[0] + x[1]), asimov(SHAPE), ps,
                           correlated_priors=[g])
    assert lik(np.array([0.2, 0.3])) - poisson_deviance(SHAPE, SHAPE * 1.5) == pytest.approx(2.0)


def test_ordering_with_alternative_starts_finds_offset_minimum():
    # model sensitive to the sign only through a small asymmetric term: the alternative
    # minimum sits at a shifted |m|, found from a start point without a grid
    ps = ParameterSet([Parameter("m", 2.0, step=0.05)])
    def model(x):
        return SHAPE * (1 + 0.1 * np.abs(x[0]) + 0.01 * x[0] * np.linspace(0, 1, SHAPE.size))

    lik = BinnedLikelihood(model, model(ps.values), ps, statistic="pearson")
    out = ordering_delta_chi2(lik, "m", alternative_starts=[{"m": -2.0}])
    assert out.chi2_true == pytest.approx(0.0, abs=1e-6)
    assert out.delta_chi2 > 0
    assert out.fit_alternative.values["m"] < 0
    # a brute-force 1-D minimisation over m < 0 agrees
    grid = -np.linspace(1.0, 3.0, 4001)
    brute = min(lik(np.array([g])) for g in grid)
    assert out.delta_chi2 == pytest.approx(brute, rel=1e-3, abs=1e-6)
    with pytest.raises(InvalidConfiguration):
        ordering_delta_chi2(lik, "m")


_counts = st.lists(st.floats(0.0, 500.0), min_size=3, max_size=8)


@given(_counts, st.floats(0.5, 2.0), st.floats(0.0, 0.3))
def test_deviance_properties(n, scale, eps):
    n = np.asarray(n)
    mu = np.maximum(n * scale, 0.1)
    d = poisson_deviance(n, mu)
    assert d >= -1e-9
    # profiling per-bin factors can only lower the deviance, never below zero
    p = poisson_deviance_profiled(n, mu, eps)
    assert -1e-9 <= p <= d + 1e-9


@given(st.floats(-0.1, 0.1), st.floats(0.005, 0.1))
def test_profiled_chi2_below_unprofiled(d, s):
    ps = ParameterSet([Parameter("dummy", 0.0, fixed=True)])
    lik = ProfiledChi2(lambda x: (SHAPE, SHAPE[:, None]), (1 + d) * SHAPE, ps, ["norm"], [s])
    unprofiled = pearson_chi2((1 + d) * SHAPE, SHAPE)
    assert 0.0 <= lik(ps.values) <= unprofiled + 1e-9
