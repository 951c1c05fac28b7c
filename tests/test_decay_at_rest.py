"""Stopped-pion / muon decay-at-rest spectra and timing (nuexp.sources.decay_at_rest)."""

import numpy as np
import pytest
from scipy.integrate import quad

from nuexp.sources import decay_at_rest as dar


def test_prompt_numu_line_energy():
    # (m_pi^2 - m_mu^2) / (2 m_pi) with PDG masses: 29.79 MeV (CLOVERS 2023, Sec. 2.1).
    assert dar.NUMU_PROMPT_ENERGY == pytest.approx(29.79, abs=0.01)


def test_michel_endpoint_is_half_muon_mass():
    # JSNS2 2025, Eq. 1: the nue spectrum ends at m_mu / 2 = 52.8 MeV.
    assert dar.MICHEL_ENDPOINT == pytest.approx(52.83, abs=0.01)
    assert dar.nue_spectrum(dar.MICHEL_ENDPOINT * 1.0001) == 0.0
    assert dar.numubar_spectrum(-1.0) == 0.0


@pytest.mark.parametrize("spectrum", [dar.nue_spectrum, dar.numubar_spectrum])
def test_michel_spectra_are_normalised(spectrum):
    total, _ = quad(spectrum, 0.0, dar.MICHEL_ENDPOINT)
    assert total == pytest.approx(1.0, rel=1e-9)


def test_michel_mean_energies():
    # <E> = 0.6 * (m_mu/2)... exact: nue: 3/5 * m_mu/2 ; numubar: 7/10 * m_mu/2
    mean_e, _ = quad(lambda e: e * dar.nue_spectrum(e), 0, dar.MICHEL_ENDPOINT)
    mean_m, _ = quad(lambda e: e * dar.numubar_spectrum(e), 0, dar.MICHEL_ENDPOINT)
    assert mean_e == pytest.approx(0.6 * dar.MICHEL_ENDPOINT, rel=1e-9)
    assert mean_m == pytest.approx(0.7 * dar.MICHEL_ENDPOINT, rel=1e-9)


def test_muon_time_profile_normalised_and_late():
    t = np.linspace(-400.0, 40000.0, 400001)
    pdf = dar.muon_decay_time_pdf(t, [0.0, 600.0], 40.0)
    assert np.trapezoid(pdf, t) == pytest.approx(1.0, abs=1e-4)
    mean = np.trapezoid(t * pdf, t)
    # mean = bunch mean (300 ns) + tau_pi + tau_mu
    assert mean == pytest.approx(300.0 + dar.PION_LIFETIME + dar.MUON_LIFETIME, rel=2e-3)
    assert np.all(pdf >= -1e-15)


def test_bad_pulse_width_refused():
    with pytest.raises(ValueError, match="pulse sigma"):
        dar.pion_decay_time_pdf(0.0, [0.0], -1.0)
