"""Fake-trigger and spill-shift background methods on data with a known accidental rate
(JSNS2 2025, Sec. VI): uncorrelated prompt-like and delayed-like singles, no signal, so
every selected pair is accidental and the expectation is known in closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hepunits import cm, ms

from nuexp.events.backgrounds import (
    combined_background,
    fake_trigger_background,
    spill_shift_background,
)
from nuexp.events.pipeline import process_chunks
from nuexp.events.schema import EventChunk, TriggerType
from nuexp.events.selection import SelectionCuts

N_SPILLS = 14_000
WINDOW_MS = 12.0
R_PROMPT_HZ = 600.0      # 20-40 MeV singles (whole FV)
R_DELAYED_HZ = 250.0     # 10-18 MeV singles (whole FV)
FV_R, FV_H = 140.0, 100.0


def _uniform_fv(rng, n):
    r = FV_R * np.sqrt(rng.random(n)) * 0.999
    phi = 2 * np.pi * rng.random(n)
    return r * np.cos(phi), r * np.sin(phi), FV_H * (2 * rng.random(n) - 1) * 0.999


def accidental_dataset(seed: int) -> EventChunk:
    """Every spill read out; one prompt candidate at 2-10 µs; flat singles after it."""
    rng = np.random.default_rng(seed)
    window = WINDOW_MS * 1000.0
    parts = []
    # prompt candidates: one per spill, 2-10 µs (prompt readout)
    t = rng.uniform(2.0, 10.0, N_SPILLS)
    parts.append((np.arange(N_SPILLS), t, np.full(N_SPILLS, 30.0)))
    # delayed window 10 µs ... window: prompt-like and delayed-like singles
    for rate, energy in ((R_PROMPT_HZ, 30.0), (R_DELAYED_HZ, 14.0)):
        n = rng.poisson(rate * (window - 10.0) * 1e-6, N_SPILLS)
        spill = np.repeat(np.arange(N_SPILLS), n)
        parts.append((spill, rng.uniform(10.0, window, spill.size), np.full(spill.size, energy)))
    spill = np.concatenate([p[0] for p in parts])
    time = np.concatenate([p[1] for p in parts])
    energy = np.concatenate([p[2] for p in parts])
    order = np.lexsort((time, spill))
    spill, time, energy = spill[order], time[order], energy[order]
    x, y, z = _uniform_fv(rng, spill.size)
    n = spill.size
    return EventChunk.from_columns({
        "run": np.ones(n), "spill": spill, "time_us": time,
        "trigger": np.where(time <= 10.0, TriggerType.PROMPT, TriggerType.DELAYED),
        "energy_mev": energy, "x_cm": x, "y_cm": y, "z_cm": z,
        "veto_top_pe": np.zeros(n), "veto_bottom_pe": np.zeros(n),
        "period": np.full(n, 2021), "truth": np.zeros(n)})


def near_probability(seed: int = 99, n: int = 2_000_000) -> float:
    """P(|v1 − v2| <= 20 cm) for two independent uniform points in the FV (Monte Carlo)."""
    rng = np.random.default_rng(seed)
    a = np.array(_uniform_fv(rng, n))
    b = np.array(_uniform_fv(rng, n))
    return float(np.mean(np.sum((a - b) ** 2, axis=0) <= 20.0**2))


@pytest.fixture(scope="module")
def summary():
    cuts = SelectionCuts(delayed_window={2021: WINDOW_MS * ms})
    return process_chunks([accidental_dataset(7)], cuts)


def test_both_methods_recover_the_known_accidental_rate(summary):
    # expected accidental pairs: each prompt sees delayed singles over [0.2 ms, W] after it
    # (minus the ≤ 10 µs it starts late; negligible) times P(ΔVTX ≤ 20 cm)
    p_near = near_probability()
    per_prompt = R_DELAYED_HZ * (WINDOW_MS - 0.2) * 1e-3 - R_DELAYED_HZ * 6e-6
    expected = N_SPILLS * per_prompt * p_near
    observed = summary.periods[2021].cutflow[-1]
    fake = fake_trigger_background(summary)
    shift = spill_shift_background(summary)
    assert 60 < expected < 200                         # the test has power
    # the data themselves fluctuate around the expectation (Poisson)
    assert abs(observed - expected) < 4 * math.sqrt(expected)
    # both estimates agree with the true mean within their own uncertainty (+ 1 % of the
    # Monte Carlo P_near)
    for est in (fake, shift):
        sigma = math.hypot(est.stat, 0.01 * expected)
        assert abs(est.value - expected) < 4 * sigma, est
    # precision: spill shift averages 100 spills per prompt: σ ≈ sqrt(B / 100)
    assert shift.stat == pytest.approx(math.sqrt(expected / 100), rel=0.3)
    # fake trigger: limited by its three counts; normalised to the data beyond 40 cm
    assert summary.periods[2021].data_far > 20 * observed
    assert fake.stat < 0.25 * fake.value


def test_fake_trigger_normalisation_uses_only_the_far_region(summary):
    ps = summary.periods[2021]
    fake = fake_trigger_background(summary)
    assert fake.value == pytest.approx(ps.data_far * ps.fake_near / ps.fake_far)
    # the fake-pair shape beyond 40 cm matches the data shape (same accidentals)
    edges_far = slice(int(40.0 * cm // (5.0 * cm)), None)
    data = ps.data_dvtx[edges_far]
    fake_shape = ps.fake_hist["dvtx"][edges_far] * ps.data_far / ps.fake_far
    mask = data > 50
    chi2 = np.sum((data[mask] - fake_shape[mask]) ** 2 / data[mask])
    assert chi2 / mask.sum() < 2.5


def test_combined_background_takes_fake_value_and_method_difference(summary):
    fake, shift = fake_trigger_background(summary), spill_shift_background(summary)
    comb = combined_background(fake, shift)
    assert comb.value == fake.value
    assert comb.syst == pytest.approx(abs(fake.value - shift.value))
    assert comb.total == pytest.approx(math.hypot(fake.stat, comb.syst))


def test_no_fake_pairs_in_the_signal_region_is_not_a_zero_uncertainty():
    from nuexp.events.backgrounds import _fake_period

    value, stat = _fake_period(n_far=100, f_near=0.0, f_near_w2=0.0, f_far=50.0,
                               f_far_w2=50.0)
    assert value == 0.0 and stat == pytest.approx(2.0)     # one fake pair → 100/50
    assert (0.0, 0.0) == _fake_period(0, 1.0, 1.0, 10.0, 10.0)
