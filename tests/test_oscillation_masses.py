"""Derived quantities of the talk: Jarlskog, m_β with the KATRIN bound, m_ββ band."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nuexp.exceptions import UnphysicalParameter
from nuexp.oscillation import OscillationParameters
from nuexp.oscillation.masses import (
    KATRIN_M_BETA_LIMIT_EV,
    effective_mass_beta,
    effective_mass_betabeta,
    effective_mass_betabeta_band,
    lightest_mass_bound,
    neutrino_masses,
)
from nuexp.report.oscillation import plot_effective_masses

NO = OscillationParameters.preset("nufit-5.2-no")
IO = OscillationParameters.preset("nufit-5.2-io")


def test_mass_spectrum_reproduces_splittings():
    for p in (NO, IO):
        m = neutrino_masses(p, np.array([0.0, 0.05]))
        assert np.allclose(m[:, 1] ** 2 - m[:, 0] ** 2, p.dm2_21, rtol=1e-12)
        assert np.allclose(m[:, 2] ** 2 - m[:, 0] ** 2, p.dm2_31, rtol=1e-12)
    assert neutrino_masses(NO, 0.0)[0] == 0.0 and neutrino_masses(IO, 0.0)[2] == 0.0


def test_m_beta_minimum_values():
    # NuFIT 5.2 ranges (arXiv:2007.14792 style): m_β ≥ 8.8 meV (NO), ≥ 49 meV (IO)
    assert float(effective_mass_beta(NO, 0.0)) == pytest.approx(8.8e-3, abs=0.2e-3)
    assert float(effective_mass_beta(IO, 0.0)) == pytest.approx(49.5e-3, abs=1e-3)
    # quasi-degenerate: m_β → m_lightest
    assert float(effective_mass_beta(NO, 1.0)) == pytest.approx(1.0, rel=1e-4)


def test_katrin_bound_on_lightest_mass():
    # KATRIN m_ν < 0.45 eV (seed 004): the lightest mass is < 0.4499 (NO), < 0.4473 (IO) eV
    for p in (NO, IO):
        m0 = lightest_mass_bound(p, KATRIN_M_BETA_LIMIT_EV)
        assert float(effective_mass_beta(p, m0)) == pytest.approx(0.45, rel=1e-12)
        assert 0.44 < m0 < 0.45
    assert lightest_mass_bound(IO) < lightest_mass_bound(NO)
    with pytest.raises(UnphysicalParameter, match="m_beta_limit_ev"):
        lightest_mass_bound(IO, 0.01)


def test_m_betabeta_band_contains_every_phase_choice():
    m0 = np.geomspace(1e-4, 0.3, 30)
    for p in (NO, IO):
        lo, hi = effective_mass_betabeta_band(p, m0)
        rng = np.random.default_rng(5)
        for a21, a31, d in rng.uniform(0, 2 * math.pi, (40, 3)):
            mbb = effective_mass_betabeta(p.replace(alpha_21=a21, alpha_31=a31, delta_cp=d), m0)
            assert np.all(mbb >= lo - 1e-15) and np.all(mbb <= hi + 1e-15)
    # IO band bottom at m3 = 0 is ≈ 19 meV (cos2θ12 term), top ≈ 49 meV
    lo, hi = effective_mass_betabeta_band(IO, 0.0)
    assert float(lo) == pytest.approx(0.0187, abs=1.5e-3) and float(hi) == pytest.approx(0.049,
                                                                                          abs=1.5e-3)
    # NO: cancellation possible (band touches 0) around m1 ~ few meV
    lo, _ = effective_mass_betabeta_band(NO, np.geomspace(1e-3, 1e-2, 100))
    assert lo.min() == 0.0


def test_mass_plot_builds():
    fig = plot_effective_masses(NO, IO)
    assert len(fig.axes) == 2
    with pytest.raises(UnphysicalParameter):
        plot_effective_masses(IO, NO)
    import matplotlib.pyplot as plt
    plt.close("all")
