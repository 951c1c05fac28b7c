"""12C(νe,e−)12N_gs (JSNS2 2025, Sec. IV and VIII.2): kinematics, model, flux average."""

import numpy as np
import pytest
from hepunits import MeV, cm2

from nuexp.exceptions import UnknownName, UnphysicalParameter
from nuexp.interactions.beta_decay import N12_DECAY
from nuexp.interactions.carbon12 import (
    MEASURED_CROSS_SECTIONS,
    NUCLEAR_MASS_DIFFERENCE,
    Q_VALUE,
    THRESHOLD,
    InteractingSpectrum,
    cross_section,
    flux_averaged_cross_section,
    prompt_electron_kinetic_energy,
    weighted_average,
)
from nuexp.sources.decay_at_rest import MICHEL_ENDPOINT


def test_q_value_and_beta_endpoint_consistent():
    # JSNS2 2025 Sec. IV: Q = 17.3 MeV; 12N β+ endpoint 16.83 MeV total = Q − m_e
    assert Q_VALUE / MeV == pytest.approx(17.3, abs=0.05)
    assert NUCLEAR_MASS_DIFFERENCE / MeV == pytest.approx(N12_DECAY.endpoint / MeV, abs=0.005)


def test_threshold_behaviour():
    assert cross_section(THRESHOLD - 0.01 * MeV) == 0.0
    assert cross_section(0.0) == 0.0
    e = THRESHOLD + np.array([0.1, 1.0, 5.0, 20.0]) * MeV
    s = cross_section(e)
    assert np.all(s > 0) and np.all(np.diff(s) > 0)
    # allowed approximation: σ ∝ p_e E_e F ≈ E_e² far above threshold
    ratio = cross_section(50 * MeV) / cross_section(35 * MeV)
    def ee(ev):
        return ev - NUCLEAR_MASS_DIFFERENCE / MeV

    assert ratio == pytest.approx((ee(50) / ee(35)) ** 2, rel=0.03)


def test_prompt_electron_kinetic_energy():
    assert prompt_electron_kinetic_energy(40 * MeV) / MeV == pytest.approx(40 - 17.338, abs=1e-3)
    with pytest.raises(UnphysicalParameter, match="threshold"):
        prompt_electron_kinetic_energy(10 * MeV)


def test_weighted_average_of_karmen_lsnd():
    # Sec. VIII.2: (9.3 ± 0.9) and (8.9 ± 0.9) → 9.1 (paper quotes ± 0.7; the
    # inverse-variance error is 0.9/√2 = 0.64)
    vals = [m.value for m in MEASURED_CROSS_SECTIONS]
    errs = [m.uncertainty for m in MEASURED_CROSS_SECTIONS]
    mean, err = weighted_average(vals, errs)
    assert mean / cm2 == pytest.approx(9.1e-42, rel=1e-9)
    assert err / cm2 == pytest.approx(0.9e-42 / np.sqrt(2), rel=1e-9)
    with pytest.raises(UnphysicalParameter):
        weighted_average([1.0, 2.0], [1.0, 0.0])


def test_flux_average_within_20_percent_of_measurement():
    avg = flux_averaged_cross_section()
    assert avg / cm2 == pytest.approx(9.1e-42, rel=0.20)
    # a spectrum entirely below threshold gives zero
    assert flux_averaged_cross_section(lambda e: np.ones_like(e), e_max=15 * MeV) == 0.0


def test_flux_average_scales_with_ft():
    # σ ∝ 1/ft exactly in the allowed approximation
    a = flux_averaged_cross_section(log_ft=4.0)
    b = flux_averaged_cross_section(log_ft=4.3)
    assert a / b == pytest.approx(10**0.3, rel=1e-9)


def test_interacting_spectrum_normalised_and_sampled():
    spec = InteractingSpectrum()
    t = np.linspace(0, MICHEL_ENDPOINT - Q_VALUE, 20001)
    assert np.trapezoid(spec.kinetic_pdf(t), t) == pytest.approx(1.0, abs=1e-4)
    x = spec.sample_kinetic_energy(100_000, rng=7)
    assert x.min() >= 0 and x.max() <= MICHEL_ENDPOINT - Q_VALUE
    assert np.mean(x > 20 * MeV) == pytest.approx(spec.kinetic_fraction(20 * MeV, 40 * MeV), abs=5e-3)


def test_bad_model_and_energy():
    with pytest.raises(UnknownName, match="allowed-ft"):
        cross_section(30 * MeV, model="nonsense")
    with pytest.raises(UnphysicalParameter):
        cross_section(np.nan)
    with pytest.raises(UnphysicalParameter):
        cross_section(-1.0)
