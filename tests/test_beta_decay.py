"""12N_gs β+ decay (JSNS2 2025, Sec. IV, Eq. 2): Fermi-function convention, endpoint,
normalisation, exact decay-time fractions, sampling."""

import numpy as np
import pytest
from hepunits import MeV, ms
from scipy import integrate

from nuexp.exceptions import UnphysicalParameter
from nuexp.interactions.beta_decay import (
    ELECTRON_MASS,
    FINE_STRUCTURE,
    N12_DECAY,
    BetaDecay,
    decay_time_fraction,
    fermi_function,
)


def test_fermi_function_positron_matches_paper_form():
    # JSNS2 Eq. 2: 2πη/(e^{2πη} − 1), η = Zα/β, for the positron; Z = 6 (daughter 12C).
    e = np.linspace(0.6, 16.8, 50) * MeV
    beta = np.sqrt(e**2 - ELECTRON_MASS**2) / e
    eta = 6 * FINE_STRUCTURE / beta
    paper = 2 * np.pi * eta / np.expm1(2 * np.pi * eta)
    np.testing.assert_allclose(fermi_function(6, e, charge=+1), paper, rtol=1e-12)


def test_fermi_function_sign_convention():
    e = np.array([1.0, 5.0, 30.0]) * MeV
    assert np.all(fermi_function(7, e, charge=-1) > 1.0)   # electron: attraction
    assert np.all(fermi_function(6, e, charge=+1) < 1.0)   # positron: repulsion
    np.testing.assert_allclose(fermi_function(0, e, charge=+1), 1.0)
    # F(−η) = F(η) e^{−2πη}: electron and positron functions are related exactly
    x = 2 * np.pi * 6 * FINE_STRUCTURE / (np.sqrt(e**2 - ELECTRON_MASS**2) / e)
    np.testing.assert_allclose(fermi_function(6, e, +1), fermi_function(6, e, -1) * np.exp(-x),
                               rtol=1e-12)


def test_fermi_function_at_rest_is_finite():
    assert 0.0 <= fermi_function(6, ELECTRON_MASS, +1) < 1e-100
    assert np.isfinite(fermi_function(7, ELECTRON_MASS * (1 + 1e-9), -1))


def test_spectrum_normalised_and_zero_beyond_endpoint():
    val, _ = integrate.quad(lambda x: float(N12_DECAY.pdf(x)), ELECTRON_MASS, N12_DECAY.endpoint,
                            limit=200)
    assert val == pytest.approx(1.0, abs=1e-8)
    assert N12_DECAY.pdf(16.84 * MeV) == 0.0
    assert N12_DECAY.pdf(0.4 * MeV) == 0.0


def test_endpoint_is_16p83_total_16p3_kinetic():
    # JSNS2 2025 Sec. IV: E_max = 16.83 MeV total; "end point of 16.3 MeV" for the positron
    assert N12_DECAY.endpoint / MeV == pytest.approx(16.83)
    assert N12_DECAY.kinetic_endpoint / MeV == pytest.approx(16.32, abs=0.01)
    # (E0 − E)² behaviour near the endpoint: pdf ratio at distances d and 2d → 1/4
    d = 0.01 * MeV
    r = N12_DECAY.pdf(N12_DECAY.endpoint - d) / N12_DECAY.pdf(N12_DECAY.endpoint - 2 * d)
    assert r == pytest.approx(0.25, rel=2e-3)


def test_samples_follow_cdf():
    x = N12_DECAY.sample(200_000, rng=1)
    assert x.min() >= ELECTRON_MASS and x.max() <= N12_DECAY.endpoint
    assert np.mean(x) == pytest.approx(N12_DECAY.mean_energy(), rel=3e-3)
    frac = np.mean((x + ELECTRON_MASS > 10 * MeV) & (x + ELECTRON_MASS < 18 * MeV))
    assert frac == pytest.approx(N12_DECAY.visible_fraction(10 * MeV, 18 * MeV), abs=3e-3)
    np.testing.assert_array_equal(N12_DECAY.sample(10, 5), N12_DECAY.sample(10, 5))


def test_visible_energy_includes_annihilation():
    e = np.array([1.0, 10.0]) * MeV
    np.testing.assert_allclose(N12_DECAY.visible_energy(e), e + ELECTRON_MASS)
    np.testing.assert_allclose(N12_DECAY.visible_energy(e, annihilation=False), e - ELECTRON_MASS)
    # maximum visible energy = 16.83 + 0.511 = 17.34 MeV, inside the 10–18 MeV cut
    assert N12_DECAY.visible_fraction(0.5 * MeV, 18 * MeV) == pytest.approx(1.0, abs=1e-9)


def test_delayed_energy_fraction_near_table1():
    # JSNS2 2025 Table 1: 10 ≤ E_d ≤ 18 MeV has 37.9 % (simulation with detector effects);
    # the bare spectrum + annihilation should be close (resolution and escape lower it).
    frac = N12_DECAY.visible_fraction(10 * MeV, 18 * MeV)
    assert 0.36 < frac < 0.41


def test_decay_time_fractions_exact():
    # Table 1: 0.2–12 ms → 51.8 %, 0.2–25 ms → 78.1 % for τ = 15.9 ms
    assert N12_DECAY.time_fraction(0.2 * ms, 12 * ms) == pytest.approx(
        np.exp(-0.2 / 15.9) - np.exp(-12 / 15.9), rel=1e-14)
    assert N12_DECAY.time_fraction(0.2 * ms, 12 * ms) == pytest.approx(0.518, abs=0.002)
    assert N12_DECAY.time_fraction(0.2 * ms, 25 * ms) == pytest.approx(0.781, abs=0.002)
    t = N12_DECAY.sample_decay_time(400_000, rng=3)
    assert np.mean((t > 0.2 * ms) & (t < 12 * ms)) == pytest.approx(0.5174, abs=3e-3)
    assert decay_time_fraction(0, 1e9 * ms, 15.9 * ms) == pytest.approx(1.0)


@pytest.mark.parametrize("kwargs", [dict(t_min=2 * ms, t_max=1 * ms, lifetime=1 * ms),
                                    dict(t_min=-1 * ms, t_max=1 * ms, lifetime=1 * ms),
                                    dict(t_min=0, t_max=1 * ms, lifetime=0)])
def test_bad_time_windows(kwargs):
    with pytest.raises(UnphysicalParameter):
        decay_time_fraction(**kwargs)


def test_bad_inputs():
    with pytest.raises(UnphysicalParameter, match="charge"):
        fermi_function(6, 2 * MeV, charge=0)
    with pytest.raises(UnphysicalParameter, match="m_e"):
        fermi_function(6, 0.1 * MeV, charge=1)
    with pytest.raises(UnphysicalParameter, match="endpoint"):
        BetaDecay(6, +1, endpoint=0.3 * MeV, lifetime=1 * ms)
    with pytest.raises(UnphysicalParameter, match="rng"):
        N12_DECAY.sample(3, None)


def test_electron_spectrum_softer_than_positron_for_same_endpoint():
    # Coulomb attraction (β−) enhances low energies, repulsion (β+) suppresses them
    beta_minus = BetaDecay(6, -1, endpoint=N12_DECAY.endpoint, lifetime=1 * ms)
    beta_none = BetaDecay(0, -1, endpoint=N12_DECAY.endpoint, lifetime=1 * ms)
    assert beta_minus.mean_energy() < beta_none.mean_energy() < N12_DECAY.mean_energy()
    e = np.linspace(ELECTRON_MASS, N12_DECAY.endpoint, 4001)
    for d in (beta_minus, beta_none):
        assert np.trapezoid(d.pdf(e), e) == pytest.approx(1.0, abs=1e-5)
