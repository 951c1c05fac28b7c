"""IBD cross sections and kinematics against Vogel & Beacom (1999), Strumia & Vissani (2003)."""

import numpy as np
import pytest
from hepunits import MeV, cm2, kg, second
from hypothesis import given
from hypothesis import strategies as st

from nuexp.exceptions import NuexpError, UnknownName, UnphysicalParameter
from nuexp.interactions import ibd
from nuexp.targets.protons import free_protons


def test_threshold_value():
    # E_th = ((m_n + m_e)^2 - m_p^2) / 2 m_p = 1.806 MeV (VB 1999 Sec. II, SV 2003 Eq. 10)
    assert ibd.THRESHOLD / MeV == pytest.approx(1.806, abs=5e-4)
    for model in ibd.MODELS:
        assert float(ibd.cross_section(ibd.THRESHOLD * 0.999, model)) == 0.0
        assert float(ibd.cross_section(ibd.THRESHOLD + 0.05 * MeV, model)) > 0.0


def test_vogel_beacom_zeroth_order_normalisation():
    # VB 1999 Eq. 9: sigma^(0) = 0.0952e-42 cm^2 (E_e p_e / MeV^2) with tau_n = 886.8 s
    E = np.array([2.5, 4.0, 6.0, 9.0]) * MeV
    Ee = (E - ibd.DELTA_NP) / MeV
    pe = np.sqrt(Ee**2 - (ibd.ELECTRON_MASS / MeV) ** 2)
    coeff = ibd.cross_section(E, "vogel-beacom-0") / cm2 / (Ee * pe)
    np.testing.assert_allclose(coeff, 0.0952e-42, rtol=4e-3)


def test_vogel_beacom_neutron_lifetime_scaling():
    # sigma0 is inversely proportional to tau_n (VB Eq. 9)
    E = 5.0 * MeV
    a = ibd.cross_section_vogel_beacom(E, neutron_lifetime=886.8 * second)
    b = ibd.cross_section_vogel_beacom(E, neutron_lifetime=878.4 * second)
    assert float(b / a) == pytest.approx(886.8 / 878.4, rel=1e-12)


def test_first_order_correction_small_and_negative():
    # VB 1999: the O(1/M) terms (recoil, weak magnetism) lower the total cross section by
    # a few per cent at reactor energies relative to the zeroth order.
    E = np.array([3.0, 5.0, 8.0]) * MeV
    ratio = ibd.cross_section(E, "vogel-beacom") / ibd.cross_section(E, "vogel-beacom-0")
    assert np.all(ratio < 1.0) and np.all(ratio > 0.93)


def test_strumia_vissani_full_vs_their_approximation():
    # SV 2003 Eq. 25 reproduces their full result to a few per mille for E <~ 300 MeV
    E = np.array([2.5, 3.0, 5.0, 10.0, 20.0, 40.0]) * MeV
    full = ibd.cross_section(E, "strumia-vissani")
    approx = ibd.cross_section(E, "strumia-vissani-approx")
    np.testing.assert_allclose(approx / full, 1.0, atol=5e-3)


def test_vogel_beacom_vs_strumia_vissani_reactor_range():
    # SV 2003 compare with VB: at reactor energies the O(1/M) VB result and the full SV
    # result agree to ~1-2 % (differences: g_A, tau_n normalisation, higher orders)
    E = np.linspace(2.0, 10.0, 17) * MeV
    ratio = ibd.cross_section(E, "vogel-beacom") / ibd.cross_section(E, "strumia-vissani")
    np.testing.assert_allclose(ratio, 1.0, atol=0.02)


def test_large_energy_divergence_of_first_order():
    # SV 2003: the O(1/M) expansion fails at tens of MeV (VB falls > 5 % below SV at 50 MeV)
    r = float(ibd.cross_section(50 * MeV, "vogel-beacom") / ibd.cross_section(50 * MeV, "strumia-vissani"))
    assert r < 0.95


def test_prompt_energy_kinematics():
    # E_prompt = E_e + m_e ~= E_nu - 0.78 MeV, lowered by the neutron recoil ~ E^2/m_p
    E = np.array([2.0, 3.0, 5.0, 8.0]) * MeV
    Ep = ibd.prompt_energy(E)
    naive = E - ibd.DELTA_NP + ibd.ELECTRON_MASS
    assert np.all(Ep < naive)
    # SV 2003: <E_e> = E - delta - E_cm_nu E_cm_e / m_p ~= E - Delta - E (E - Delta)/m_p
    recoil = (E / MeV) * (E - ibd.DELTA_NP) / MeV / 938.27
    np.testing.assert_allclose((naive - Ep) / MeV, recoil, rtol=0.05, atol=1e-3)
    np.testing.assert_allclose(ibd.neutrino_energy_from_prompt(Ep), E, rtol=1e-10)


@given(st.floats(1.9, 12.0), st.floats(-1.0, 1.0))
def test_positron_energy_within_limits(E, c):
    Ee = float(ibd.positron_energy(E * MeV, c))
    E1, E2 = ibd._sv_limits(np.array(E * MeV))
    assert float(E1) - 1e-9 <= Ee <= float(E2) + 1e-9


def test_free_protons_lab():
    # 20 kt of LAB (C18H30 on average, 12.3 % hydrogen by mass) holds ~1.45e33 free protons
    n = free_protons(20e6 * kg, formula="C18H30")
    assert 1.40e33 < n < 1.50e33
    m = free_protons(20e6 * kg, hydrogen_mass_fraction=0.1227)
    assert m == pytest.approx(n, rel=5e-3)


@pytest.mark.parametrize("bad", [-1.0, 0.0, np.nan])
def test_bad_energy(bad):
    with pytest.raises(UnphysicalParameter, match="E_nu"):
        ibd.cross_section(bad * MeV)


def test_bad_inputs():
    with pytest.raises(UnknownName, match="cross-section model"):
        ibd.cross_section(3 * MeV, "nope")
    with pytest.raises(UnphysicalParameter, match="hydrogen_mass_fraction"):
        free_protons(1 * kg, hydrogen_mass_fraction=1.5)
    with pytest.raises(NuexpError):
        free_protons(1 * kg)
    with pytest.raises(UnphysicalParameter, match="threshold"):
        ibd.prompt_energy(1.0 * MeV)
