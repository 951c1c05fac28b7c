"""Liquid mixtures → nuclei per isotope (JSNS2 2025, Sec. VIII.3) and cylinder geometry."""

import numpy as np
import pytest
from hepunits import cm, cm3, g, kg
from scipy.constants import Avogadro

from nuexp.detector.geometry import JSNS2_ACRYLIC_VESSEL, Cylinder, fiducial_cylinder
from nuexp.exceptions import InvalidConfiguration, UnphysicalParameter
from nuexp.targets.isotopes import natural_composition
from nuexp.targets.mixture import Liquid, Mixture

GDLS = Liquid("Gd-LS", 0.860 * g / cm3, weight_fractions={"C": 0.877, "H": 0.121, "Gd": 0.00103})
DIN = Liquid("DIN", 0.958 * g / cm3, formula="C16H20")


def test_jsns2_carbon12_in_fiducial_volume():
    # Sec. VIII.3: |z| < 100 cm, R < 140 cm → 1.23e4 L and 4.68e29 12C
    fv = fiducial_cylinder(140 * cm, 100 * cm)
    assert fv.volume / (1000 * cm3) == pytest.approx(1.23e4, rel=0.005)
    n = Mixture([(GDLS, 0.9), (DIN, 0.1)]).count("C12", fv.volume)
    assert n == pytest.approx(4.68e29, rel=0.01)


def test_hand_computation_of_din_carbon():
    # 1 kg of C16H20 has 16 N_A / M C atoms, 98.9 % of them 12C (NIST)
    n = DIN.nuclei(1 * kg)
    molar = 16 * 12.011 + 20 * 1.008
    c12 = [v for k, v in n.items() if k.name == "C12"][0]
    frac12 = [f for iso, f in natural_composition("C").items() if iso.A == 12][0]
    assert c12 == pytest.approx(1000 / molar * 16 * Avogadro * frac12, rel=2e-4)


def test_nuclei_scale_with_volume_and_fraction():
    mix = Mixture([(GDLS, 0.9), (DIN, 0.1)])
    assert mix.count("C12", 2000 * cm3) == pytest.approx(2 * mix.count("C12", 1000 * cm3), rel=1e-12)
    pure = Mixture([(DIN, 1.0)])
    assert pure.density == pytest.approx(DIN.density)
    assert mix.density / (g / cm3) == pytest.approx(0.9 * 0.860 + 0.1 * 0.958)
    fr = mix.element_mass_fractions()
    assert sum(fr.values()) == pytest.approx(1.0)


def test_bad_volume_fractions():
    with pytest.raises(InvalidConfiguration, match="sum to"):
        Mixture([(GDLS, 0.8), (DIN, 0.1)])
    with pytest.raises(UnphysicalParameter, match="volume fraction"):
        Mixture([(GDLS, 1.2), (DIN, -0.2)])


def test_bad_weight_fractions():
    with pytest.raises(InvalidConfiguration, match="weight_fractions sum"):
        Liquid("LS", 0.86 * g / cm3, weight_fractions={"C": 87.7, "H": 12.1})  # percent
    with pytest.raises(InvalidConfiguration, match="weight_fractions sum"):
        Liquid("LS", 0.86 * g / cm3, weight_fractions={"C": 0.80, "H": 0.12})
    with pytest.raises(InvalidConfiguration, match="exactly one"):
        Liquid("LS", 0.86 * g / cm3)
    with pytest.raises(UnphysicalParameter, match="density"):
        Liquid("LS", -1.0, formula="C16H20")


def test_cylinder_geometry_and_vessel_check():
    assert JSNS2_ACRYLIC_VESSEL.radius / cm == 160 and JSNS2_ACRYLIC_VESSEL.height / cm == 250
    with pytest.raises(InvalidConfiguration, match="fiducial.radius"):
        fiducial_cylinder(170 * cm, 100 * cm)
    with pytest.raises(InvalidConfiguration, match="fiducial.half_height"):
        fiducial_cylinder(140 * cm, 130 * cm)
    fv = fiducial_cylinder(160 * cm, 125 * cm)  # the whole vessel is allowed
    assert fv.volume == pytest.approx(JSNS2_ACRYLIC_VESSEL.volume)
    c = Cylinder(1.0, 1.0)
    pts = c.sample_uniform(100_000, rng=2)
    assert np.all(c.contains(*pts.T))
    # uniformity: fraction inside half the radius is 1/4
    assert np.mean(np.hypot(pts[:, 0], pts[:, 1]) < 0.5) == pytest.approx(0.25, abs=5e-3)
