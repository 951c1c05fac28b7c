"""β-spectrum shapes of the summation method against analytic limits and ENSDF mean energies."""

from __future__ import annotations

import numpy as np
import pytest
from hepunits import MeV, keV
from scipy.integrate import quad

from nuexp.exceptions import UnphysicalParameter
from nuexp.interactions.beta_decay import fermi_function as fermi_nonrelativistic
from nuexp.sources.summation import beta_shape as bs


def test_fermi_function_is_one_at_z0_and_nonrelativistic_at_small_z():
    W = np.linspace(1.05, 20.0, 50)
    R = bs.nuclear_radius(92)
    assert np.array_equal(bs.fermi_function(0, W, R), np.ones_like(W))
    # γ → 1 as αZ → 0: F₀ → 2πη/(1 − e^{−2πη}) (the point-charge, non-relativistic form)
    rel = bs.fermi_function(1, W, R)
    nonrel = fermi_nonrelativistic(1, W * bs.ELECTRON_MASS, charge=-1)
    np.testing.assert_allclose(rel, nonrel, rtol=1e-3)      # O((αZ)² ln pR) differences


@pytest.mark.parametrize("kind", ["allowed", "1U", "2U"])
@pytest.mark.parametrize("corrections", [True, False])
def test_spectra_are_normalised(kind, corrections):
    E0 = 5.3 * MeV
    for spectrum in (bs.electron_spectrum, bs.antineutrino_spectrum):
        def density(x, f=spectrum):
            return float(f(np.array([x]), 55, 140, E0, kind=kind, corrections=corrections)[0])

        value, _ = quad(density, 0.0, E0, limit=400, points=[1e-6 * E0])
        assert value == pytest.approx(1.0, abs=2e-6)


def test_endpoint_behaviour():
    E0 = 4.0 * MeV
    # electron spectrum vanishes like (E0 − T)² at the endpoint; zero outside (0, E0)
    d = np.array([1e-3, 2e-3]) * MeV
    s = bs.electron_spectrum(E0 - d, 40, 100, E0, corrections=False)
    assert s[1] / s[0] == pytest.approx(4.0, rel=2e-3)
    # Sirlin's g adds a ln(W0 − W) to the (E0 − T)² fall-off (percent level here)
    s = bs.electron_spectrum(E0 - d, 40, 100, E0)
    assert s[1] / s[0] == pytest.approx(4.0, rel=0.01)
    assert np.all(bs.electron_spectrum(np.array([-1.0, E0, E0 + 1.0]) * MeV, 40, 100, E0) == 0)
    # antineutrino spectrum starts like E_ν² and stays finite (p F(Z, W) → const) at E0
    e = np.array([1e-3, 2e-3]) * MeV
    v = bs.antineutrino_spectrum(e, 40, 100, E0)
    assert v[1] / v[0] == pytest.approx(4.0, rel=2e-3)
    top = bs.antineutrino_spectrum(np.array([E0 - 1e-4 * MeV, E0 - 2e-4 * MeV]), 40, 100, E0)
    assert top[0] > 0 and top[0] == pytest.approx(top[1], rel=0.02)


def test_unique_shape_factor_at_z0():
    W = np.array([1.5, 3.0, 4.5])
    W0, p2, q = 5.0, W * W - 1.0, 5.0 - W
    np.testing.assert_allclose(bs.shape_factor("1U", 0, W, W0, 0.01), q**2 + p2)
    np.testing.assert_allclose(bs.shape_factor("2U", 0, W, W0, 0.01),
                               q**4 + 10.0 / 3.0 * q**2 * p2 + p2**2)
    assert np.all(bs.shape_factor("1NU", 30, W, W0, 0.01) == 1.0)
    with pytest.raises(UnphysicalParameter):
        bs.shape_factor("5U", 30, W, W0, 0.01)


@pytest.mark.parametrize("endpoint_mev", [0.5, 2.0, 8.1, 12.0])
def test_radiative_corrections_give_the_same_total_rate(endpoint_mev):
    # Sirlin, PRD 84, 014021 (2011), Sec. 3: the electron and antineutrino corrections are two
    # projections of the same decay rate, so their spectrum-weighted averages coincide.
    W0 = 1.0 + endpoint_mev * MeV / bs.ELECTRON_MASS

    def base(W):
        return np.sqrt(W * W - 1.0) * W * (W0 - W) ** 2

    norm = quad(base, 1.0, W0)[0]
    ge = quad(lambda W: base(W) * (bs.radiative_electron(np.array(W), W0) - 1), 1, W0,
              limit=200)[0] / norm
    gn = quad(lambda W: base(W) * (bs.radiative_antineutrino(np.array(W)) - 1), 1, W0,
              limit=200)[0] / norm
    assert 0.003 < ge < 0.03
    assert gn == pytest.approx(ge, rel=1e-7)


def test_weak_magnetism_slope():
    # CVC estimate ≈ 0.5 %/MeV (Huber, PRC 84, 024617 (2011), Sec. II E)
    assert bs.WEAK_MAGNETISM_SLOPE * MeV == pytest.approx(0.0052, abs=0.0003)


@pytest.mark.parametrize(("Z", "A", "endpoint_kev", "kind", "mean_kev"), [
    (40, 90, 2278.5, "1U", 932.4),     # ⁹⁰Y → ⁹⁰Zr g.s., ENSDF 2023: <E_β> = 932.4(7) keV
    (38, 92, 8104.0, "allowed", 3719.4),  # ⁹²Rb → ⁹²Sr g.s. (1st non-unique): 3719.4(29) keV
    (39, 90, 545.9, "1U", 195.7),      # ⁹⁰Sr → ⁹⁰Y g.s.: 195.7(5) keV
])
def test_single_branch_mean_energy_matches_ensdf(Z, A, endpoint_kev, kind, mean_kev):
    # ENSDF (2023) mean β energies of the main branches (paceENSDF 0.6.3 JSON,
    # averageBetaMinusEnergy), computed there with the Fermi function, finite size and
    # screening but without the outer radiative correction: agreement within 1 %.
    E0 = endpoint_kev * keV
    T = np.linspace(0.0, E0, 100001)
    s = bs.electron_spectrum(T, Z, A, E0, kind=kind)
    assert np.trapezoid(s, T) == pytest.approx(1.0, abs=1e-4)
    assert T[s > 0].max() < E0
    assert np.trapezoid(T * s, T) / keV == pytest.approx(mean_kev, rel=0.01)
    # and the antineutrino carries the rest of the endpoint energy
    v = bs.antineutrino_spectrum(T, Z, A, E0, kind=kind)
    assert np.trapezoid(T * v, T) / keV == pytest.approx(endpoint_kev - mean_kev, rel=0.012)
