"""Low-energy reactor ν̄e spectrum (Kopeikin 2012 joined to Huber–Mueller)."""

import numpy as np
import pytest
from hepunits import GW, MeV, cm, m, s
from hypothesis import given
from hypothesis import strategies as st

from nuexp.exceptions import UnknownName, UnphysicalParameter
from nuexp.sources import reactor_low_energy as rle
from nuexp.sources.reactor import ENERGY_PER_FISSION, FissionFractions, spectrum_per_fission

PWR = FissionFractions.preset("juno")


def test_antineutrinos_per_fission_literature():
    # ≈6 ν̄ per fission from fission fragments (Vogel & Engel, PRD 39 (1989) 3378) plus
    # 2 × ≈0.6 from 239U/239Np after 238U(n,γ) (Kopeikin et al., Phys. At. Nucl. 60 (1997)
    # 172): 6.5–7.5 per fission in total for a PWR.
    n = rle.antineutrinos_per_fission(PWR)
    assert 6.3 < n < 7.5


def test_most_antineutrinos_below_ibd_threshold():
    below = rle.antineutrinos_per_fission(PWR, emax=rle.IBD_THRESHOLD)
    total = rle.antineutrinos_per_fission(PWR)
    # about three quarters of reactor ν̄e are below the IBD threshold (Kopeikin 2012)
    assert 0.65 < below / total < 0.8


def test_join_preserves_huber_mueller_above_ibd_threshold():
    e = np.linspace(rle.IBD_THRESHOLD, 10 * MeV, 4001)
    hm = np.trapezoid(spectrum_per_fission(e, PWR, outside="extrapolate"), e)
    joined = rle.antineutrinos_per_fission(PWR, emin=rle.IBD_THRESHOLD)
    assert joined == pytest.approx(hm, rel=0.015)


def test_join_is_smooth():
    e = np.linspace(1.9, 3.5, 801) * MeV
    s_ = rle.joined_spectrum(e, PWR)
    step = np.abs(np.diff(np.log(s_)))
    # log-slope of the spectrum is about −0.8 /MeV; a 2 keV step changes it by < 0.3 %
    assert step.max() < 3e-3
    w = rle.join_weight(e)
    assert np.all(np.diff(w) <= 0) and w[0] > 0.99 and w[-1] < 1e-3


def test_kopeikin_table_values_and_zero_energy_limit():
    assert rle.kopeikin_spectrum(2.0 * MeV) * MeV == pytest.approx(1.30)
    assert rle.kopeikin_spectrum(0.0) == 0.0
    e = np.array([2.5e-3, 5e-3]) * MeV
    ratio = rle.kopeikin_spectrum(e[1]) / rle.kopeikin_spectrum(e[0])
    assert ratio == pytest.approx(4.0)  # ∝ E² phase space below the table


def test_fission_rate_identity():
    pure = FissionFractions(1.0, 0.0, 0.0, 0.0)
    expected = 1e9 / (ENERGY_PER_FISSION["U235"] / MeV * 1.602176634e-13)  # per second
    assert rle.fission_rate(1 * GW, pure) * s == pytest.approx(expected, rel=1e-9)


def test_relics_flux_order_of_magnitude():
    # Talk (W. Wang 2024, page "RELICS"): 3.4 GW_th, 25 m, flux "> 1e13 ν/cm²/s".
    flux = rle.flux_at_distance(3.4 * GW, 25 * m, PWR) * cm**2 * s
    assert 5e12 < flux < 2e13


@given(st.floats(1.0, 1000.0))
def test_flux_inverse_square(distance_m):
    f1 = rle.flux_at_distance(3 * GW, distance_m * m, PWR)
    f2 = rle.flux_at_distance(3 * GW, 2 * distance_m * m, PWR)
    assert f1 / f2 == pytest.approx(4.0, rel=1e-12)


def test_flux_spectrum_integrates_to_total_flux():
    spec = rle.reactor_flux_spectrum(3.4 * GW, 25 * m, PWR)
    assert spec.total() == pytest.approx(rle.flux_at_distance(3.4 * GW, 25 * m, PWR), rel=1e-9)


def test_bad_inputs():
    with pytest.raises(UnphysicalParameter):
        rle.kopeikin_spectrum(-1.0 * MeV)
    with pytest.raises(UnphysicalParameter):
        rle.fission_rate(-1 * GW, PWR)
    with pytest.raises(UnphysicalParameter):
        rle.joined_spectrum(np.array([1.0]) * MeV, {"U235": 0.5, "U238": 0.1, "Pu239": 0.1, "Pu241": 0.1})
    with pytest.raises(UnknownName):
        rle.joined_spectrum(np.array([1.0]) * MeV, {"U233": 1.0})
    with pytest.raises(UnphysicalParameter):
        rle.flux_at_distance(3 * GW, 0.0, PWR)
