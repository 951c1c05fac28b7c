"""SNS arrival-time model (sources.pulse_timing) and template helpers (stats.templates)."""

import numpy as np
import pytest
from hepunits import microsecond, ns

from nuexp.sources.decay_at_rest import (
    MUON_LIFETIME,
    PION_LIFETIME,
    muon_decay_time_pdf,
    pion_decay_time_pdf,
)
from nuexp.sources.pulse_timing import ProtonPulse, arrival_cdf, arrival_fractions
from nuexp.stats.templates import interpolate_shape, rebin_shifted

PULSE = ProtonPulse(mean=440 * ns, sigma=150 * ns)  # LArParametersAnlA.yaml, snsPOTTraceTiming


def test_fractions_are_normalised_and_match_the_pdfs():
    edges = np.linspace(-2.0, 40.0, 4201) * microsecond
    centres = 0.5 * (edges[1:] + edges[:-1])
    for group, pdf in (("prompt", pion_decay_time_pdf), ("delayed", muon_decay_time_pdf)):
        frac = arrival_fractions(group, edges, PULSE)
        assert frac.sum() == pytest.approx(1.0, abs=1e-6)
        dens = pdf(centres, [PULSE.mean], PULSE.sigma)
        assert frac / np.diff(edges) == pytest.approx(dens, abs=1e-3 * dens.max())  # bin average vs centre


def test_mean_arrival_times_are_pulse_plus_lifetimes():
    # exact: mean of pulse ⊗ exp(τπ) is t0 + τπ; of pulse ⊗ exp(τπ) ⊗ exp(τμ) is t0 + τπ + τμ
    edges = np.linspace(-3.0, 60.0, 63001) * microsecond
    centres = 0.5 * (edges[1:] + edges[:-1])
    prompt = arrival_fractions("prompt", edges, PULSE)
    delayed = arrival_fractions("delayed", edges, PULSE)
    assert centres @ prompt == pytest.approx(PULSE.mean + PION_LIFETIME, abs=0.5 * ns)
    assert centres @ delayed == pytest.approx(PULSE.mean + PION_LIFETIME + MUON_LIFETIME,
                                              abs=0.5 * ns)


def test_narrow_pulse_limit_is_the_decay_chain():
    pulse = ProtonPulse(mean=0.0, sigma=0.01 * ns)
    t = np.array([0.5, 1.0, 3.0]) * microsecond
    tau_mu, tau_pi = MUON_LIFETIME, PION_LIFETIME
    exact = 1 - (tau_mu * np.exp(-t / tau_mu) - tau_pi * np.exp(-t / tau_pi)) / (tau_mu - tau_pi)
    assert arrival_cdf("delayed", t, pulse) == pytest.approx(exact, rel=1e-9)
    assert arrival_cdf("prompt", t, pulse) == pytest.approx(1 - np.exp(-t / tau_pi), rel=1e-9)


def test_efficiency_inside_bins():
    edges = np.array([0.0, 1.0, 2.0, 6.0]) * microsecond
    ones = arrival_fractions("delayed", edges, PULSE, efficiency=np.ones_like)
    assert ones == pytest.approx(arrival_fractions("delayed", edges, PULSE), rel=1e-12)
    half = arrival_fractions("delayed", edges, PULSE, efficiency=lambda t: 0.5 * np.ones_like(t))
    assert half == pytest.approx(0.5 * ones, rel=1e-12)


def test_interpolate_shape_hits_the_variants():
    nom, plus, minus = np.array([5.0, 5.0]), np.array([6.0, 4.0]), np.array([4.5, 5.5])
    assert interpolate_shape(nom, plus, minus, 1.0).tolist() == plus.tolist()
    assert interpolate_shape(nom, plus, minus, -1.0).tolist() == minus.tolist()
    assert interpolate_shape(nom, plus, minus, 0.0).tolist() == nom.tolist()


def test_rebin_shifted_conserves_contents_inside_the_range():
    source_edges = np.linspace(0.0, 10.0, 101)
    counts = np.exp(-source_edges[:-1])
    target = np.array([-5.0, 2.0, 4.0, 20.0])
    for shift in (0.0, 0.37, -0.05):
        moved = rebin_shifted(source_edges, counts, target, shift)
        assert moved.sum() == pytest.approx(counts.sum(), rel=1e-12)
    # moved below the first target edge: half of the first source bin is lost
    lost = rebin_shifted(source_edges, counts, np.array([0.0, 20.0]), -0.05)
    assert lost.sum() == pytest.approx(counts.sum() - 0.5 * counts[0], rel=1e-12)
