"""CEvNS cross section and form factors: limits, kinematics, normalisation, bad input."""

import numpy as np
import pytest
from hepunits import MeV, cm2, fermi, keV
from hepunits.constants import hbarc
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import trapezoid

from nuexp.exceptions import UnknownName, UnphysicalParameter
from nuexp.interactions.cevns import (
    FERMI_CONSTANT,
    SIN2_THETA_W_LOW_ENERGY,
    SIN2_THETA_W_MZ,
    differential_cross_section,
    folded_differential_cross_section,
    max_recoil,
    min_neutrino_energy,
    total_cross_section,
    weak_charge,
)
from nuexp.interactions.form_factors import (
    FORM_FACTORS,
    get_form_factor,
    helm,
    klein_nystrand,
    momentum_transfer,
)
from nuexp.sources.decay_at_rest import MICHEL_ENDPOINT, NUMU_PROMPT_ENERGY, nue_spectrum
from nuexp.sources.spectrum import NeutrinoSpectrum
from nuexp.targets.isotopes import isotope

CS = isotope("Cs133")
I127 = isotope("I127")


@pytest.mark.parametrize("name", list(FORM_FACTORS))
@pytest.mark.parametrize("A", [12, 40, 127, 133])
def test_form_factor_is_one_at_zero_and_tends_to_one(name, A):
    ff = get_form_factor(name)
    assert ff(0.0, A) == pytest.approx(1.0, abs=1e-15)
    # F(q) = 1 − q²R²/6 + ...: at q = 1 keV the deviation is < 1e-6
    assert ff(1e-3 * MeV, A) == pytest.approx(1.0, abs=1e-6)
    q = np.linspace(0, 60, 200) * MeV
    f = ff(q, A)
    assert np.all(np.isfinite(f)) and np.all(f <= 1.0 + 1e-15)


def test_form_factor_small_q_gives_the_rms_radius():
    # F ≈ 1 − q² <r²>/6: Klein–Nystrand <r²> = 3/5 R_A² + 6 a_k² (sphere ⊗ Yukawa).
    A, q = 133, 2.0 * MeV
    r_a, a_k = 1.2 * A ** (1 / 3) * fermi, 0.7 * fermi
    r2 = 0.6 * r_a**2 + 6 * a_k**2
    k = q / hbarc
    assert klein_nystrand(q, A) == pytest.approx(1 - k**2 * r2 / 6, abs=1e-5)


def test_helm_and_klein_nystrand_agree_where_coherent():
    # At COHERENT/CLOVERS momentum transfers (q ≲ 60 MeV) both describe the same nucleus:
    # they differ by less than 5 % (Klein & Nystrand 1999; Lewin & Smith 1996).
    q = np.linspace(1, 60, 50) * MeV
    assert np.allclose(helm(q, 133), klein_nystrand(q, 133), rtol=0.05)
    assert not np.allclose(helm(q, 133), klein_nystrand(q, 133), rtol=0.01)


def test_unknown_form_factor():
    with pytest.raises(UnknownName, match="form factor 'gauss'.*helm"):
        get_form_factor("gauss")
    assert get_form_factor("Klein_Nystrand") is klein_nystrand


def test_weak_charge_values():
    # Q_W = N − (1 − 4 sin²θW) Z; Cs-133: 78 − 0.04572·55 = 75.485 (low energy, PDG 0.23857).
    assert weak_charge(55, 78) == pytest.approx(75.4854, abs=1e-4)
    assert weak_charge(55, 78, "z-pole") == pytest.approx(78 - (1 - 4 * 0.23122) * 55, abs=1e-12)
    assert weak_charge(55, 78, 0.25) == 78.0
    with pytest.raises(UnknownName, match="sin2_theta_w"):
        weak_charge(55, 78, "on-shell")
    with pytest.raises(UnphysicalParameter, match="sin2_theta_w"):
        weak_charge(55, 78, 1.5)
    assert SIN2_THETA_W_LOW_ENERGY > SIN2_THETA_W_MZ


def test_max_recoil_kinematics():
    # T_max = 2E²/(M + 2E): 30 MeV on Cs-133 (M = 123.8 GeV) → 14.5 keV.
    m = CS.nuclear_mass
    assert max_recoil(30 * MeV, m) == pytest.approx(2 * 900 / (m + 60) * MeV, rel=1e-12)
    assert 14.4 * keV < max_recoil(30 * MeV, m) < 14.6 * keV
    assert max_recoil(0.0, m) == 0.0


@given(st.floats(min_value=1e-3, max_value=300.0))
def test_min_energy_inverts_max_recoil(e_mev):
    m = I127.nuclear_mass
    t = max_recoil(e_mev * MeV, m)
    assert min_neutrino_energy(t, m) == pytest.approx(e_mev * MeV, rel=1e-9)


def test_cross_section_vanishes_above_tmax():
    e = 30 * MeV
    tmax = max_recoil(e, CS.nuclear_mass)
    t = np.array([0.5, 0.999, 1.001, 2.0]) * tmax
    ds = differential_cross_section(e, t, CS)
    assert np.all(ds[:2] > 0) and np.all(ds[2:] == 0)


def test_total_cross_section_without_form_factor():
    # Analytic: ∫(1 − T/E − MT/2E²) dT over [0, Tmax] × G_F² M Q_W²/(4π) → G_F² Q_W² E²/(4π)
    # for E ≪ M, up to corrections of order E/M (~2.4e-4 at 30 MeV).
    e = 30 * MeV
    qw = weak_charge(CS.Z, CS.N)
    expected = FERMI_CONSTANT**2 * qw**2 * e**2 * hbarc**2 / (4 * np.pi)
    sigma = total_cross_section(e, CS, form_factor="none")
    assert sigma == pytest.approx(expected, rel=2e-3)
    assert 2.0e-38 < sigma / cm2 < 2.3e-38
    # the form factor only reduces it (by ~20 % at 30 MeV for Cs)
    helm_sigma = total_cross_section(e, CS, form_factor="helm")
    assert 0.7 < helm_sigma / sigma < 0.9


def test_sin2_choice_changes_rate_by_q_w_squared():
    e, t = 30 * MeV, 5 * keV
    low = differential_cross_section(e, t, CS, sin2_theta_w="low-energy")
    z = differential_cross_section(e, t, CS, sin2_theta_w="z-pole")
    assert low / z == pytest.approx((weak_charge(55, 78) / weak_charge(55, 78, "z-pole")) ** 2)


def test_folded_equals_brute_force_integral():
    # The tail-moment method against a direct 2-D trapezoid on a fine grid.
    spec = NeutrinoSpectrum.from_function(nue_spectrum, 0.0, MICHEL_ENDPOINT)
    t = np.linspace(0, 45, 91) * keV
    e = np.linspace(0, MICHEL_ENDPOINT, 8001)
    brute = trapezoid(nue_spectrum(e)[None, :] *
                      differential_cross_section(e[None, :], t[:, None], I127), e, axis=1)
    folded = folded_differential_cross_section(t, spec, I127)
    assert np.allclose(folded, brute, rtol=1e-4, atol=1e-6 * folded.max())


def test_line_spectrum_equals_monochromatic_cross_section():
    line = NeutrinoSpectrum.line(NUMU_PROMPT_ENERGY, weight=2.5)
    t = np.linspace(0, 20, 41) * keV
    direct = 2.5 * differential_cross_section(NUMU_PROMPT_ENERGY, t, CS, form_factor="klein-nystrand")
    assert np.allclose(folded_differential_cross_section(t, line, CS, form_factor="klein-nystrand"),
                       direct, rtol=1e-12, atol=0)


def test_bad_energies_refused():
    with pytest.raises(UnphysicalParameter, match="neutrino energy"):
        differential_cross_section(-1 * MeV, 1 * keV, CS)
    with pytest.raises(UnphysicalParameter, match="recoil energy"):
        differential_cross_section(30 * MeV, np.nan, CS)
    with pytest.raises(UnphysicalParameter, match="recoil energy"):
        momentum_transfer(-1.0, CS.nuclear_mass)
