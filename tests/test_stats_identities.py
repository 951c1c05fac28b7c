"""The special-function forms nuexp uses instead of importing scipy.stats (a quarter of a
second of every cold run) agree with scipy.stats: exact identities, so to rounding."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from nuexp.stats.contours import critical_delta_chi2
from nuexp.stats.pvalue import (
    p_value_from_significance,
    p_value_poisson_gauss,
    p_value_poisson_lognormal,
    poisson_p_value,
)


@settings(max_examples=60, deadline=None)
@given(cl=st.floats(1e-6, 1 - 1e-9), dof=st.integers(1, 12))
def test_wilks_critical_value_is_the_chi2_quantile(cl, dof):
    assert critical_delta_chi2(cl, dof) == pytest.approx(stats.chi2.ppf(cl, dof), rel=1e-9)


def test_wilks_known_values():
    """PDG Statistics review, Table 40.2: Δχ² = 2.71 (90 %, 1 dof), 4.61 (90 %, 2 dof)."""
    assert critical_delta_chi2(0.90, 1) == pytest.approx(2.7055, abs=1e-4)
    assert critical_delta_chi2(0.90, 2) == pytest.approx(4.6052, abs=1e-4)


@settings(max_examples=60, deadline=None)
@given(z=st.floats(-8.0, 8.0))
def test_p_value_of_a_significance_is_the_normal_tail(z):
    assert p_value_from_significance(z) == pytest.approx(stats.norm.sf(z), rel=1e-12)


@settings(max_examples=80, deadline=None)
@given(n=st.integers(0, 400), b=st.floats(1e-3, 300.0))
def test_poisson_tail_is_the_incomplete_gamma(n, b):
    expected = stats.poisson.sf(n - 1, b) if n > 0 else 1.0
    assert poisson_p_value(n, b) == pytest.approx(expected, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize(("n", "b", "sb"), [(12, 5.0, 1.0), (160, 143.0, 12.0), (3, 0.4, 0.3)])
def test_prior_averaged_p_values_match_scipy_densities(n, b, sb):
    grid = np.linspace(max(b - 10 * sb, 0.0), b + 12 * sb, 20001)
    grid = grid[grid > 0]
    tail = stats.poisson.sf(n - 1, grid)
    w = stats.norm.pdf(grid, b, sb)
    assert p_value_poisson_gauss(n, b, sb) == pytest.approx(np.sum(tail * w) / w.sum(),
                                                            rel=1e-10)
    s2 = np.log1p((sb / b) ** 2)
    w = stats.lognorm.pdf(grid, np.sqrt(s2), scale=b * np.exp(-0.5 * s2))
    assert p_value_poisson_lognormal(n, b, sb) == pytest.approx(np.sum(tail * w) / w.sum(),
                                                                rel=1e-10)
