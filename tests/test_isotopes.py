"""Isotopes and compounds: NIST masses/abundances, name parsing, bad input."""

import math

import pytest
from hepunits import MeV, g, kg

from nuexp.exceptions import UnknownName, UnphysicalParameter
from nuexp.targets.compound import Compound
from nuexp.targets.isotopes import (
    ATOMIC_MASS_UNIT,
    ELECTRON_MASS,
    electron_binding_energy,
    isotope,
    natural_composition,
)


@pytest.mark.parametrize("name", ["Cs133", "Cs-133", "cs133", "133Cs", "Cs 133", "CS_133"])
def test_name_forms(name):
    iso = isotope(name)
    assert (iso.symbol, iso.Z, iso.N, iso.A) == ("Cs", 55, 78, 133)
    assert str(iso) == "Cs133"


def test_carbon12_defines_the_mass_unit():
    # Exact by definition of u: M(12C atom) = 12 u.
    c12 = isotope("C12")
    assert c12.mass_u == 12.0
    assert c12.atomic_mass == pytest.approx(12 * 931.49410372 * MeV, rel=1e-9)


def test_nuclear_mass_of_cs133():
    # AME2020 atomic mass of 133Cs: 132.905451961 u (NIST lists 132.905451959(8)).
    cs = isotope("Cs133")
    assert cs.mass_u == pytest.approx(132.905451961, abs=1e-7)
    expected = 132.905451961 * ATOMIC_MASS_UNIT - 55 * ELECTRON_MASS
    # electron binding is ~0.2 MeV: relative effect ~2e-6, smaller than 1e-5
    assert cs.nuclear_mass == pytest.approx(expected, rel=1e-5)
    assert cs.nuclear_mass != expected


def test_electron_binding_is_small_but_positive():
    # Lunney et al. RMP 75 (2003) Eq. A4: hydrogen 14.4 eV (vs 13.6 eV exact), Cs ~0.21 MeV.
    assert electron_binding_energy(1) == pytest.approx(14.4381e-6 * MeV, rel=1e-3)
    assert 0.15 * MeV < electron_binding_energy(55) < 0.3 * MeV


def test_natural_abundances():
    # NIST: Cs and I are mono-isotopic; Xe-129 26.401 %, Xe-132 26.909 %.
    assert natural_composition("Cs") == {isotope("Cs133"): 1.0}
    assert natural_composition("I") == {isotope("I127"): 1.0}
    xe = natural_composition("xe")
    assert math.isclose(sum(xe.values()), 1.0, rel_tol=1e-12)
    assert xe[isotope("Xe129")] == pytest.approx(0.26401, rel=1e-3)
    assert xe[isotope("Xe132")] == pytest.approx(0.26909, rel=1e-3)
    assert len(xe) == 9
    assert isotope("Xe-131").abundance == pytest.approx(0.21232, rel=1e-3)


@pytest.mark.parametrize("bad", ["Qq12", "Cs999", "xx", "", "12", "Cs", 133])
def test_unknown_isotope_names_are_refused(bad):
    with pytest.raises(UnknownName, match="isotope"):
        isotope(bad)


def test_element_without_natural_isotopes():
    with pytest.raises(UnknownName, match="Tc"):
        natural_composition("Tc")
    with pytest.raises(UnknownName, match="Zz"):
        natural_composition("Zz")


def test_csi_nuclei_count():
    # 12 kg of CsI (CLOVERS Sec. 3): M(CsI) = 132.905 + 126.904 = 259.81 g/mol,
    # so N = 12000 g / 259.81 g/mol × N_A = 2.7815e25 of each of Cs-133 and I-127.
    csi = Compound("CsI")
    n = csi.nuclei(12 * kg)
    assert set(map(str, n)) == {"Cs133", "I127"}
    expected = 12000 / (132.905451959 + 126.904471) * 6.02214076e23
    for count in n.values():
        assert count == pytest.approx(expected, rel=1e-6)
    assert csi.molar_mass_u == pytest.approx(259.8099, abs=1e-3)
    assert sum(csi.mass_fractions().values()) == pytest.approx(1.0, rel=1e-12)


def test_hydrocarbon_and_explicit_isotopes():
    # C16H20: 16 carbons (98.94 % C-12), 20 hydrogens; D2O uses deuterium only.
    per = Compound("C16H20").isotopes_per_unit
    assert per[isotope("C12")] + per[isotope("C13")] == pytest.approx(16.0, rel=1e-12)
    assert per[isotope("H1")] + per[isotope("H2")] == pytest.approx(20.0, rel=1e-12)
    assert per[isotope("C12")] == pytest.approx(16 * 0.9893, rel=2e-3)
    d2o = Compound("D2O").isotopes_per_unit
    assert d2o[isotope("H2")] == 2.0 and isotope("H1") not in d2o
    # Molar mass of water from isotopes agrees with the standard atomic weights (18.015).
    assert Compound("H2O").molar_mass_u == pytest.approx(18.015, abs=2e-3)
    assert Compound("H2O").formula_units(18.015 * g) == pytest.approx(6.022e23, rel=1e-3)


@pytest.mark.parametrize("mass", [0.0, -1 * kg, float("nan")])
def test_bad_mass_refused(mass):
    with pytest.raises(UnphysicalParameter, match="target mass"):
        Compound("CsI").nuclei(mass)


@pytest.mark.parametrize("bad", ["Qz", "", "CsI)"])
def test_bad_formula_refused(bad):
    with pytest.raises(UnknownName, match="formula"):
        Compound(bad)
