"""Simulator and closure: the measured signal and flux on simulated data agree with what
was injected; the simulator is deterministic, chunked, and honours the trigger logic of
JSNS2 2025 Sec. II; the efficiencies reproduce the tuned Table 1 entries."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hepunits import ms, us

from nuexp.events.io import iter_chunks
from nuexp.events.schema import TriggerType, Truth
from nuexp.events.simulation import JSNS2Simulator, simulate_to_directory
from nuexp.exceptions import InvalidConfiguration
from nuexp.experiments.jsns2_events.analysis import closure
from nuexp.experiments.registry import resolve_config


@pytest.fixture(scope="module")
def config():
    _, cfg = resolve_config("jsns2-events", {
        "efficiency": {"interactions_per_period": 4000, "spills_per_period": 800_000}})
    return cfg


def small(sim, pot=2e20):
    return sim.with_pot(pot).model_copy(update={"spills_per_block": 1_000_000})


def test_simulation_is_deterministic_and_independent_of_blocking(config, tmp_path):
    sim = small(config.simulation)
    a = simulate_to_directory(sim, tmp_path / "a", seed=11)
    b = simulate_to_directory(sim, tmp_path / "b", seed=11)
    simulate_to_directory(sim, tmp_path / "c", seed=12)
    assert a["periods"] == b["periods"]
    ea = next(iter_chunks(tmp_path / "a", chunk_size=10**8))
    eb = next(iter_chunks(tmp_path / "b", chunk_size=10**8))
    ec = next(iter_chunks(tmp_path / "c", chunk_size=10**8))
    np.testing.assert_array_equal(ea.time, eb.time)
    np.testing.assert_array_equal(ea.energy, eb.energy)
    assert len(ea) != len(ec) or not np.array_equal(ea.time, ec.time)
    # one block regenerated alone gives the same events as in the full run
    chunk, _ = JSNS2Simulator(sim, 11).simulate_block(1, 1)
    files = sorted((tmp_path / "a").glob("jsns2_2022_*.parquet"))
    again = next(iter_chunks(files[1], chunk_size=10**8))
    np.testing.assert_array_equal(chunk.spill, again.spill)
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["seed"] == 11 and set(manifest["periods"]) == {"2021", "2022"}


def test_trigger_logic_of_section_two(config, tmp_path):
    sim = small(config.simulation)
    simulate_to_directory(sim, tmp_path / "d", seed=3)
    ev = next(iter_chunks(tmp_path / "d", chunk_size=10**8))
    det = sim.detector
    key = np.unique(np.stack([ev.run, ev.spill]), axis=1)
    assert key.shape[1] > 100
    first = np.flatnonzero(np.r_[True, ev.spill[1:] != ev.spill[:-1]])
    last = np.r_[first[1:], len(ev)] - 1
    # every read-out spill has a prompt trigger: > 5 MeV at 1.7-10 µs
    fires = ((ev.energy >= det.prompt_threshold_mev) & (ev.time >= 1.7 * us)
             & (ev.time <= 10.0 * us))
    assert np.all(np.add.reduceat(fires.astype(int), first) >= 1)
    # delayed-window events: above ~2 MeV, after 10 µs, within 12 / 25 ms of the trigger
    delayed = ev.trigger == TriggerType.DELAYED
    assert np.all(ev.energy[delayed] >= det.delayed_threshold_mev)
    assert np.all(ev.time[delayed] > 10.0 * us)
    window = np.where(ev.period == 2021, 12.0 * ms, 25.0 * ms)
    assert np.all(ev.time[last] <= window[last] + 10.0 * us)
    assert np.any(ev.time[delayed & (ev.period == 2022)] > 12.0 * ms)
    # the simulated components are all there
    present = set(np.unique(ev.truth).tolist())
    assert {Truth.COSMOGENIC, Truth.MUON, Truth.MICHEL, Truth.NEUTRON_CAPTURE,
            Truth.AMBIENT_GAMMA, Truth.BEAM} <= present


def test_delayed_signal_follows_the_12N_lifetime(config):
    sim = config.simulation.with_pot(1e21).model_copy(update={
        "spills_per_block": 4_000_000,
        "signal": config.simulation.signal.model_copy(update={"flux_per_proton_cm2": 1.5e-6}),
        "rates": config.simulation.rates.model_copy(update={
            "cosmogenic_hz": 0.0, "ambient_gamma_hz": 0.0, "neutron_capture_hz": 0.0,
            "muon_hz": 0.0, "beam_trigger_probability": 0.0})})
    chunk, truth = JSNS2Simulator(sim, 5).simulate_block(1, 0)       # 2022: 25 ms window
    sp = chunk.truth == Truth.SIGNAL_PROMPT
    sd = chunk.truth == Truth.SIGNAL_DELAYED
    # one signal per read-out spill here: ΔT from the prompt of the same spill
    t_p = dict(zip(chunk.spill[sp].tolist(), chunk.time[sp].tolist()))
    dt = np.array([t - t_p[s] for s, t in zip(chunk.spill[sd].tolist(), chunk.time[sd].tolist())
                   if s in t_p])
    assert dt.size > 500
    # truncated exponential on [0, 25 ms]: maximum-likelihood τ within 4σ of 15.9 ms
    w = 25.0 * ms
    from scipy.optimize import brentq

    mean = dt.mean()
    tau = brentq(lambda t: t - w / math.expm1(w / t) - mean, 1 * ms, 100 * ms)
    assert tau / ms == pytest.approx(15.9, abs=4 * 15.9 / math.sqrt(dt.size) * 1.5)


def test_closure_signal_and_flux_pulls(config):
    """Modest closure: 6 seeds of a small dataset with a boosted signal; the benchmark-size
    study is benchmarks/bench_events.py --closure."""
    rows = closure(config, list(range(100, 106)), pot=3e20, flux_scale=30.0, eff_seed=4)
    signal_pulls = np.array([r["signal_pull"] for r in rows])
    flux_pulls = np.array([r["flux_pull"] for r in rows])
    n = len(rows)
    # mean ~ 0 (within 3/√n) and width ~ 1 (chi-square bounds for 6 draws, generous)
    assert abs(signal_pulls.mean()) < 3 / math.sqrt(n)
    assert 0.3 < signal_pulls.std(ddof=1) < 2.0
    np.testing.assert_allclose(flux_pulls, signal_pulls, rtol=1e-9)
    for r in rows:
        assert r["injected_flux"] == pytest.approx(30.0 * 6.7e-9)
        # the background estimates are near the true background count of each dataset
        assert abs(r["background_fake"] - r["true_background"]) < 5 + 3 * math.sqrt(
            r["true_background"] + 1)


def test_pot_must_be_positive(config):
    with pytest.raises(InvalidConfiguration, match="pot"):
        config.simulation.with_pot(-1.0)


def test_interrupted_simulation_leaves_the_previous_output_or_none(config, tmp_path):
    sim = small(config.simulation, pot=5e19)
    out = tmp_path / "data"

    def stop_after_first(items, description, total):
        for i, item in enumerate(items):
            if i == 1:
                raise KeyboardInterrupt
            yield item

    with pytest.raises(KeyboardInterrupt):
        simulate_to_directory(sim, out, seed=1, progress=stop_after_first)
    assert list(tmp_path.iterdir()) == []                 # nothing, not even a staging dir
    simulate_to_directory(sim, out, seed=1)
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(KeyboardInterrupt):
        simulate_to_directory(sim, out, seed=2, progress=stop_after_first)
    assert sorted(p.name for p in out.iterdir()) == before   # the complete old output
    assert json.loads((out / "manifest.json").read_text())["seed"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["data"]
