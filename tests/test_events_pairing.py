"""Prompt/delayed pairing and the streaming pipeline: several delayed candidates, window
edges, chunk boundaries, period changes, the Michel tag, and the cut flow."""

from __future__ import annotations

import numpy as np
import pytest
from hepunits import MeV, cm, ms, us
from hypothesis import given, settings
from hypothesis import strategies as st

from nuexp.events.pairing import muon_before, pair_events, shifted_pairs, spill_boundary, spill_keys
from nuexp.events.pipeline import process_chunks
from nuexp.events.schema import EventChunk, TriggerType, Truth
from nuexp.events.selection import CUT_STAGES, SelectionCuts


def events(rows: list[tuple]) -> EventChunk:
    """rows: (spill, time_us, trigger, energy_mev, x_cm, period[, veto_top])"""
    cols = {k: [] for k in ("run", "spill", "time_us", "trigger", "energy_mev", "x_cm", "y_cm",
                            "z_cm", "veto_top_pe", "veto_bottom_pe", "period", "truth")}
    for row in rows:
        spill, t, trig, e, x, period = row[:6]
        cols["run"].append(1)
        cols["spill"].append(spill)
        cols["time_us"].append(t)
        cols["trigger"].append(trig)
        cols["energy_mev"].append(e)
        cols["x_cm"].append(x)
        cols["y_cm"].append(0.0)
        cols["z_cm"].append(0.0)
        cols["veto_top_pe"].append(row[6] if len(row) > 6 else 0.0)
        cols["veto_bottom_pe"].append(0.0)
        cols["period"].append(period)
        cols["truth"].append(0)
    return EventChunk.from_columns({k: np.asarray(v) for k, v in cols.items()})


P, D = TriggerType.PROMPT, TriggerType.DELAYED


def test_prompt_with_several_delayed_candidates_makes_one_pair_each():
    key = np.zeros(6, dtype=np.int64)
    t = np.array([5.0, 250.0, 3000.0, 11_000.0, 12_000.0, 12_500.0]) * us
    prompt = np.array([1, 0, 0, 0, 0, 0], bool)
    p, d = pair_events(key, t, prompt, ~prompt, np.full(6, 12.0 * ms))
    # 12 000 µs is inside (dt = 11 995 µs <= 12 ms), 12 500 µs is outside
    assert p.tolist() == [0, 0, 0, 0]
    assert d.tolist() == [1, 2, 3, 4]


def test_window_edge_is_inclusive_and_spills_never_mix():
    key = np.array([0, 0, 1], dtype=np.int64)
    t = np.array([0.0, 12.0 * ms, 1.0])
    prompt = np.array([1, 0, 0], bool)
    p, d = pair_events(key, t, prompt, ~prompt, np.full(3, 12.0 * ms))
    assert (p.tolist(), d.tolist()) == ([0], [1])
    p, d = pair_events(key, t, prompt, ~prompt, np.full(3, 12.0 * ms - 1e-9))
    assert p.size == 0


def test_two_prompts_share_a_delayed_candidate():
    key = np.zeros(3, dtype=np.int64)
    t = np.array([3.0, 6.0, 900.0]) * us
    prompt = np.array([1, 1, 0], bool)
    p, d = pair_events(key, t, prompt, ~prompt, np.full(3, 12.0 * ms))
    assert (p.tolist(), d.tolist()) == ([0, 1], [2, 2])


def test_spill_keys_and_boundary():
    run = np.array([1, 1, 1, 2, 2])
    spill = np.array([5, 5, 7, 7, 7])
    assert spill_keys(run, spill, start=10).tolist() == [10, 10, 11, 12, 12]
    assert spill_boundary(run, spill) == 3
    assert spill_boundary(run[:2], spill[:2]) == 0


def test_michel_tag_looks_back_ten_microseconds_in_the_same_spill():
    key = np.array([0, 0, 0, 0, 1], dtype=np.int64)
    t = np.array([1.0, 6.0, 20.0, 22.0, 23.0]) * us
    muon = np.array([1, 0, 0, 0, 0], bool)
    cand = np.array([0, 1, 1, 0, 1], bool)
    tagged = muon_before(key, t, muon, cand, 10.0 * us)
    # 6 µs: muon 5 µs before; 20 µs: 19 µs after it; other spill: never
    assert tagged.tolist() == [False, True, False, False, False]


def test_spill_shift_uses_only_earlier_spills_of_the_same_period():
    prompt = {"seq": np.array([3]), "period": np.array([2022]), "time": np.array([5.0 * us]),
              "window": np.array([25.0 * ms])}
    delayed = {"seq": np.array([0, 1, 2, 3]), "time": np.array([1.0, 2.0, 3.0, 4.0]) * ms}
    periods = np.array([2021, 2022, 2022, 2022])
    p, d, w = shifted_pairs(prompt, delayed, 0, periods, n_shifts=5, dt_min=0.2 * ms)
    assert sorted(d.tolist()) == [1, 2]                 # not its own spill, not 2021
    np.testing.assert_allclose(w, 0.5)                  # two partner spills were usable


def _stream():
    """A small stream with known pairs: 2021 then 2022 (window 12 vs 25 ms)."""
    rows = []
    for spill in range(6):
        period = 2021 if spill < 3 else 2022
        rows += [
            (spill, 5.0, P, 30.0, 0.0, period),          # prompt candidate
            (spill, 800.0, D, 14.0, 5.0, period),        # near, dt 0.795 ms
            (spill, 3000.0, D, 12.0, 100.0, period),     # far (1 m)
            (spill, 15_000.0, D, 15.0, 10.0, period),    # beyond 12 ms: 2022 only
        ]
    return events(rows)


def test_period_change_uses_each_periods_window():
    s = process_chunks([_stream()], SelectionCuts())
    # 3 pairs per 2021 spill (800 µs, 3 ms ... not 15 ms), 3 + 1 per 2022 spill
    assert s.periods[2021].cutflow[CUT_STAGES.index("0.2 ms <= dT_p-d <= window")] == 6
    assert s.periods[2022].cutflow[CUT_STAGES.index("0.2 ms <= dT_p-d <= window")] == 9
    assert s.periods[2021].cutflow[-1] == 3 and s.periods[2022].cutflow[-1] == 6
    sel = s.selected
    np.testing.assert_allclose(np.sort(sel["dvtx"][sel["period"] == 2022]) / cm,
                               [5, 5, 5, 10, 10, 10])


@settings(max_examples=25)
@given(st.lists(st.integers(min_value=1, max_value=23), min_size=1, max_size=6))
def test_chunk_boundaries_do_not_change_anything(cuts_at):
    stream = _stream()
    n = len(stream)
    edges = sorted({0, n, *[c % n for c in cuts_at]})
    chunks = [stream.take(slice(a, b)) for a, b in zip(edges[:-1], edges[1:])]
    whole = process_chunks([stream])
    split = process_chunks(chunks)
    for period in whole.periods:
        a, b = whole.periods[period], split.periods[period]
        np.testing.assert_array_equal(a.cutflow, b.cutflow)
        assert a.data_far == b.data_far and a.data_near == b.data_near
        assert a.fake_far == pytest.approx(b.fake_far) and a.shift_near == pytest.approx(
            b.shift_near)
    for k in whole.selected:
        np.testing.assert_array_equal(whole.selected[k], split.selected[k])


def test_cut_flow_counts_each_cut_in_table1_order():
    rows = [
        (0, 5.0, P, 30.0, 0.0, 2021),                    # good prompt
        (0, 6.0, P, 50.0, 0.0, 2021),                    # too energetic
        (0, 1.0, P, 30.0, 0.0, 2021),                    # too early (1 µs)
        (0, 300.0, D, 14.0, 3.0, 2021),                  # good delayed
        (1, -2.0, P, 400.0, 0.0, 2021, 500.0),           # muon 9 µs before the prompt
        (1, 7.0, P, 30.0, 0.0, 2021),                    # Michel-like prompt
        (1, 400.0, D, 14.0, 3.0, 2021),
        (2, 4.0, P, 25.0, 0.0, 2021, 45.0),              # vetoed prompt (top 45 p.e.)
        (2, 500.0, D, 11.0, 0.0, 2021),
        (3, 4.0, P, 25.0, 0.0, 2021),
        (3, 100.0, D, 11.0, 0.0, 2021),                  # dt 96 µs < 0.2 ms
        (3, 600.0, D, 9.0, 0.0, 2021),                   # delayed energy too low
    ]
    s = process_chunks([events(rows)])
    expected = [11 - 4 + 4, 5, 4, 4, 4, 3, 3, 2, 1]
    expected[0] = sum(1 for r in rows if r[2] == P)
    assert s.periods[2021].cutflow.tolist() == expected
    assert s.selected["e_p"] / MeV == pytest.approx([30.0])


def test_truth_only_counts_signal_events():
    ev = _stream()
    ev.truth[:] = Truth.COSMOGENIC
    assert process_chunks([ev], truth_only=True).periods[2021].cutflow.sum() == 0
