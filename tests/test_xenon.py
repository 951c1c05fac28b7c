"""Xenon target composition and the liquid-xenon ionisation (S2-only) response."""

import numpy as np
import pytest
from hepunits import keV, kg
from hypothesis import given
from hypothesis import strategies as st

from nuexp.detector import xenon
from nuexp.exceptions import UnknownName, UnphysicalParameter
from nuexp.targets.isotopic_composition import ElementTarget, composition_from_fractions


def test_natural_xenon_nine_isotopes_sum_to_one():
    xe = ElementTarget.natural("Xe")
    assert sorted(i.A for i in xe.composition) == [124, 126, 128, 129, 130, 131, 132, 134, 136]
    assert sum(xe.composition.values()) == pytest.approx(1.0, abs=1e-12)
    # IUPAC standard atomic weight of Xe: 131.293(6)
    assert xe.mean_atomic_mass_u == pytest.approx(131.293, abs=0.006)
    # Avogadro / 131.293 g/mol atoms in 1 kg
    assert xe.atoms(1 * kg) == pytest.approx(6.02214076e26 / 131.293, rel=1e-4)


def test_custom_composition_validation():
    comp = composition_from_fractions("Xe", {"Xe136": 0.9, "Xe134": 0.1})
    assert sum(comp.values()) == pytest.approx(1.0)
    with pytest.raises(UnphysicalParameter):
        composition_from_fractions("Xe", {"Xe136": 0.8, "Xe134": 0.1})
    with pytest.raises(UnknownName):
        composition_from_fractions("Xe", {"Cs133": 1.0})
    with pytest.raises(UnknownName):
        ElementTarget.natural("Xx")
    with pytest.raises(UnphysicalParameter):
        composition_from_fractions("Xe", {"Xe136": 1.2})


def test_relics_pe_to_recoil_mapping():
    # RELICS arXiv:2405.05554v3 abstract: 120–300 PE ↔ average recoils 0.63–1.36 keV.
    # The NEST mean-electron ratio must match 300/120 = 2.5, and 120 PE must be ≈4
    # electrons (≈30 PE per ionisation electron).
    ne = xenon.nr_mean_electrons(np.array([0.63, 1.36]) * keV, drift_field=500.0)
    assert ne[1] / ne[0] == pytest.approx(2.5, rel=0.05)
    assert 3.5 < ne[0] < 4.6


def test_nest_identities():
    e = np.linspace(0.0, 50.0, 201) * keV
    ne = xenon.nr_mean_electrons(e, 300.0)
    assert ne[0] == 0.0
    assert np.all(ne <= xenon.nr_total_quanta(e) + 1e-12)
    assert np.all(xenon.nr_charge_yield(e[1:], 1000.0) > xenon.nr_charge_yield(e[1:], 100.0))


def test_lindhard_xenon_value():
    # k = 0.166 Lindhard factor for Xe at 10 keV is ≈0.2 (Sorensen & Dahl 2011, Fig. 1)
    assert xenon.lindhard_quenching(10 * keV) == pytest.approx(0.2, abs=0.02)


@given(st.floats(0.05, 5.0))
def test_window_probabilities_add_up(t_kev):
    r = xenon.XenonS2Response(500.0, 0.9, 34.3)
    t = np.array([t_kev]) * keV
    a = r.window_probability(t, 120.0, 180.0)
    b = r.window_probability(t, 180.0, 240.0)
    ab = r.window_probability(t, 120.0, 240.0)
    assert a + b == pytest.approx(ab, abs=1e-12)
    assert 0.0 <= ab[0] <= 1.0


def test_window_limits():
    r = xenon.XenonS2Response(500.0, 0.9, 34.3)
    assert r.window_probability(np.array([20.0]) * keV, 120.0)[0] == pytest.approx(1.0, abs=1e-9)
    assert r.window_probability(np.array([0.01]) * keV, 120.0)[0] < 1e-6
    assert r.threshold_electrons(120.0) == pytest.approx(120.0 / (0.9 * 34.3))


def test_bad_response_inputs():
    with pytest.raises(UnphysicalParameter):
        xenon.XenonS2Response(500.0, 0.9, -1.0)
    with pytest.raises(UnphysicalParameter):
        xenon.XenonS2Response(500.0, 1.5, 30.0)
    r = xenon.XenonS2Response(500.0, 0.9, 34.3)
    with pytest.raises(UnphysicalParameter):
        r.window_probability(np.array([1.0]) * keV, -5.0)
    with pytest.raises(UnphysicalParameter):
        r.window_probability(np.array([1.0]) * keV, 240.0, 120.0)
    with pytest.raises(UnphysicalParameter):
        xenon.nr_mean_electrons(-1.0 * keV, 500.0)


def test_cevns_rate_is_the_abundance_weighted_isotope_sum():
    # natural Xe = Σ_i f_i × (pure isotope i), per atom: an exact identity of the chain
    from hepunits import GW, m

    from nuexp.rates import recoil_spectra
    from nuexp.sources.reactor import FissionFractions
    from nuexp.sources.reactor_low_energy import reactor_flux_spectrum

    flux = {"nuebar": reactor_flux_spectrum(3 * GW, 25 * m, FissionFractions.preset("juno"))}
    t = np.linspace(0.0, 1.5, 151) * keV
    nat = ElementTarget.natural("Xe")
    total = recoil_spectra(t, flux, nat.nuclei(1 * kg)).total()
    parts = sum(
        f * recoil_spectra(t, flux, ElementTarget.from_fractions("Xe", {iso.name: 1.0}).nuclei(1 * kg)).total()
        * nat.atoms(1 * kg) / ElementTarget.from_fractions("Xe", {iso.name: 1.0}).atoms(1 * kg)
        for iso, f in nat.composition.items())
    assert np.allclose(total, parts, rtol=1e-12, atol=0)
    # the even-N isotopes dominate as N²: 132Xe (26.9 %, N = 78) > 136Xe (8.9 %, N = 82)
    by = recoil_spectra(t, flux, nat.nuclei(1 * kg)).by_isotope()
    assert by["Xe132"][10] > by["Xe136"][10]
