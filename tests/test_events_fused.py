"""The fused numba pass (:mod:`nuexp.events.fused`) gives bit for bit what the previous
numpy implementation gave — the same cut flow, pairs, fake-trigger and spill-shift sums
and histograms — on data with many pairs, muons, Michel tags, vetoed events, both
periods and a period change inside a chunk; reading the file columns as stored (float32,
µs, cm) gives the same as converting to :class:`EventChunk` first; and the scalar
helpers reproduce numpy's histogram binning and modulo."""

from __future__ import annotations

import numpy as np
import pytest
from hepunits import cm, ms, us

from nuexp.events import fused
from nuexp.events import pipeline as P
from nuexp.events.io import iter_file_chunks, write_events
from nuexp.events.pairing import muon_before, pair_events, shifted_pairs, spill_boundary, spill_keys
from nuexp.events.pipeline import (
    HIST_EDGES,
    SHAPE_DVTX_MAX,
    StreamSummary,
    _hist,
    process_chunks,
    process_file,
)
from nuexp.events.schema import EventChunk, TriggerType, Truth
from nuexp.events.selection import SelectionCuts, _fake_multiplicity, event_masks


class _NumpyStream:
    """The previous numpy implementation of pipeline._Stream (nuexp 8e6b101),
    built from the public building blocks; the reference for the fused kernels."""

    def __init__(self, cuts: SelectionCuts, truth_only: bool, source: str) -> None:
        self.cuts = cuts
        self.truth_only = truth_only
        self.source = source
        self.summary = StreamSummary()
        self.next_seq = 0
        # spill-shift memory: the last `spill_shifts` spills (period, selected delayed)
        self.mem_first = 0
        self.mem_period = np.zeros(0, dtype=np.int64)
        self.mem_delayed = {k: np.zeros(0) for k in ("seq", "time", "x", "y", "z", "energy")}
        self.mem_delayed["seq"] = np.zeros(0, dtype=np.int64)
        self._selected: list[dict[str, np.ndarray]] = []

    # ------------------------------------------------------------------ one block
    def block(self, ev: EventChunk) -> None:
        if len(ev) == 0:
            return
        cuts = self.cuts
        m = event_masks(ev, cuts, self.source)
        key = spill_keys(ev.run, ev.spill, start=self.next_seq)
        first_rows = np.flatnonzero(np.diff(key, prepend=key[0] - 1))
        spill_period = ev.period[first_rows].astype(np.int64)
        periods = (ev.period[:1] if ev.period[0] == ev.period[-1]
                   and ev.period.min() == ev.period.max() else np.unique(ev.period))

        prompt_base = m.prompt_readout
        delayed = m.delayed
        if self.truth_only:
            prompt_base = prompt_base & (ev.truth == Truth.SIGNAL_PROMPT)
            delayed = delayed & (ev.truth == Truth.SIGNAL_DELAYED)
        s1 = prompt_base & m.prompt_energy
        s2 = s1 & m.prompt_time
        s3 = s2 & m.fiducial
        fake_prompt = m.fake_prompt_weight > 0
        michel = muon_before(key, ev.time, m.is_muon, s3 | fake_prompt, cuts.michel_lookback)

        # real pairs
        p, d = pair_events(key, ev.time, s3, delayed, m.window)
        dt = ev.time[d] - ev.time[p]
        dvtx = np.sqrt((ev.x[d] - ev.x[p]) ** 2 + (ev.y[d] - ev.y[p]) ** 2
                       + (ev.z[d] - ev.z[p]) ** 2)
        c_dt = dt >= cuts.dt_min
        c_near = dvtx <= cuts.dvtx_max
        c_veto = m.veto_ok[p] & m.veto_ok[d]
        c_michel = ~michel[p]
        a5 = c_dt
        a6 = a5 & c_near
        a7 = a6 & c_veto
        a8 = a7 & c_michel
        no_dvtx = c_dt & c_veto & c_michel
        truth_pair = (ev.truth[p] == Truth.SIGNAL_PROMPT) & (ev.truth[d] == Truth.SIGNAL_DELAYED)

        # fake-trigger pairs: fake prompts in the delayed window
        fp, fd = pair_events(key, ev.time, fake_prompt, delayed, m.window)
        f_dt = ev.time[fd] - ev.time[fp]
        f_ok = (f_dt >= cuts.dt_min) & m.veto_ok[fp] & m.veto_ok[fd] & ~michel[fp]
        fp, fd, f_dt = fp[f_ok], fd[f_ok], f_dt[f_ok]
        f_w = m.fake_prompt_weight[fp]
        f_dvtx = np.sqrt((ev.x[fd] - ev.x[fp]) ** 2 + (ev.y[fd] - ev.y[fp]) ** 2
                         + (ev.z[fd] - ev.z[fp]) ** 2)
        # prompt time relative to the fake beam start that contains it
        f_tp = cuts.prompt_time[0] + np.mod(ev.time[fp] - cuts.fake_start - cuts.prompt_time[0],
                                            cuts.fake_step)

        # spill shift: fully selected prompts with earlier spills' selected delayed
        p_sel = s3 & m.veto_ok & ~michel
        d_sel = delayed & m.veto_ok
        self._remember(key, spill_period, d_sel, ev)

        for value in periods:
            ps = self.summary.period(int(value))
            in_p = ev.period == value
            ps.events += int(in_p.sum())
            ps.spills += int((spill_period == value).sum())
            pp = ev.period[p] == value
            counts = [np.count_nonzero(prompt_base & in_p), np.count_nonzero(s1 & in_p),
                      np.count_nonzero(s2 & in_p), np.count_nonzero(s3 & in_p),
                      np.count_nonzero(pp), np.count_nonzero(a5 & pp),
                      np.count_nonzero(a6 & pp), np.count_nonzero(a7 & pp),
                      np.count_nonzero(a8 & pp)]
            ps.cutflow += np.asarray(counts, dtype=np.int64)
            sel = no_dvtx & pp
            ps.data_dvtx += _hist("dvtx", dvtx[sel])
            ps.data_near += int(np.count_nonzero(sel & c_near))
            ps.data_far += int(np.count_nonzero(sel & (dvtx > cuts.normalisation_dvtx_min)))
            ps.truth_signal_selected += int(np.count_nonzero(a8 & pp & truth_pair))

            fsel = ev.period[fp] == value
            w = f_w[fsel]
            near = f_dvtx[fsel] <= cuts.dvtx_max
            far = f_dvtx[fsel] > cuts.normalisation_dvtx_min
            ps.fake_near += float(w[near].sum())
            ps.fake_near_w2 += float((w[near] ** 2).sum())
            ps.fake_far += float(w[far].sum())
            ps.fake_far_w2 += float((w[far] ** 2).sum())
            ps.fake_hist["dvtx"] += _hist("dvtx", f_dvtx[fsel], w)
            ps.fake_hist["e_p"] += _hist("e_p", ev.energy[fp][fsel], w)
            ps.fake_hist["e_d"] += _hist("e_d", ev.energy[fd][fsel], w)
            ps.fake_hist["t_p"] += _hist("t_p", f_tp[fsel], w)
            ps.fake_hist["dt"] += _hist("dt", f_dt[fsel], w)

        # spill-shift sums per period (partner spills are of the prompt's period)
        for value in periods:
            ps = self.summary.period(int(value))
            pi = np.flatnonzero(p_sel & (ev.period == value))
            sp, sd, s_w = shifted_pairs(
                {"seq": key[pi], "period": ev.period[pi], "time": ev.time[pi],
                 "window": m.window[pi]},
                self.mem_delayed, self.mem_first, self.mem_period, cuts.spill_shifts,
                cuts.dt_min)
            pi = pi[sp]
            md = self.mem_delayed
            s_dvtx = np.sqrt((md["x"][sd] - ev.x[pi]) ** 2 + (md["y"][sd] - ev.y[pi]) ** 2
                             + (md["z"][sd] - ev.z[pi]) ** 2)
            near = s_dvtx <= cuts.dvtx_max
            ps.shift_near += float(s_w[near].sum())
            ps.shift_near_w2 += float((s_w[near] ** 2).sum())
            ps.shift_dvtx += _hist("dvtx", s_dvtx, s_w)
            # distributions of the shifted pairs (Fig. 3 background shapes); accidental
            # shapes do not depend on ΔVTX, so pairs within SHAPE_DVTX_MAX suffice
            sub = s_dvtx <= SHAPE_DVTX_MAX
            pi_s, sd_s, w_s = pi[sub], sd[sub], s_w[sub]
            ps.shift_hist["e_p"] += _hist("e_p", ev.energy[pi_s], w_s)
            ps.shift_hist["e_d"] += _hist("e_d", md["energy"][sd_s], w_s)
            ps.shift_hist["t_p"] += _hist("t_p", ev.time[pi_s], w_s)
            ps.shift_hist["dt"] += _hist("dt", md["time"][sd_s] - ev.time[pi_s], w_s)
        self._trim(int(key[-1]) + 1)

        final = np.flatnonzero(a8)
        if final.size:
            self._selected.append({
                "period": ev.period[p[final]].astype(np.float64),
                "e_p": ev.energy[p[final]], "e_d": ev.energy[d[final]],
                "t_p": ev.time[p[final]], "dt": dt[final], "dvtx": dvtx[final],
                "truth": truth_pair[final].astype(np.float64)})
        self.next_seq = int(key[-1]) + 1

    # ------------------------------------------------------------ spill-shift memory
    def _remember(self, key, spill_period, d_sel, ev) -> None:
        """Append this block's spills and selected delayed events to the memory."""
        first_new = int(key[0])
        if self.mem_period.size == 0:
            self.mem_first = first_new
        idx = np.flatnonzero(d_sel)
        self.mem_period = np.concatenate([self.mem_period, spill_period])
        for name, values in (("seq", key[idx]), ("time", ev.time[idx]), ("x", ev.x[idx]),
                             ("y", ev.y[idx]), ("z", ev.z[idx]), ("energy", ev.energy[idx])):
            self.mem_delayed[name] = np.concatenate([self.mem_delayed[name], values])

    def _trim(self, next_seq: int) -> None:
        keep_from = next_seq - self.cuts.spill_shifts
        if keep_from > self.mem_first:
            drop = keep_from - self.mem_first
            self.mem_period = self.mem_period[drop:]
            self.mem_first = keep_from
            cut = np.searchsorted(self.mem_delayed["seq"], keep_from)
            self.mem_delayed = {k: v[cut:] for k, v in self.mem_delayed.items()}

    def finish(self) -> StreamSummary:
        if self._selected:
            self.summary.selected = {k: np.concatenate([s[k] for s in self._selected])
                                     for k in self._selected[0]}
        return self.summary


def numpy_process(chunks, cuts=None, truth_only=False):
    """process_chunks of nuexp 8e6b101 (numpy)."""
    stream = _NumpyStream(cuts or SelectionCuts(), truth_only, "events")
    carry = None
    for chunk in chunks:
        data = chunk if carry is None or len(carry) == 0 else EventChunk.concatenate(
            [carry, chunk])
        cut = spill_boundary(data.run, data.spill)
        stream.block(data.take(slice(0, cut)))
        carry = data.take(slice(cut, None))
    if carry is not None:
        stream.block(carry)
    return stream.finish()


def dense_events(seed: int = 5, n_spills: int = 1500) -> EventChunk:
    """Busy spills: prompt readouts with muons and candidates, delayed windows with
    singles over the whole prompt and delayed energy ranges, correlated (near) delayed
    events, large veto charges; 2021 then 2022 (the change falls inside chunks)."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_spills):
        period = 2021 if s < n_spills // 2 else 2022
        window = 12_000.0 if period == 2021 else 25_000.0
        n_p = rng.poisson(3)
        t_p = np.sort(rng.uniform(-10.0, 10.0, n_p))
        n_d = rng.poisson(8)
        t_d = np.sort(rng.uniform(10.0, window, n_d))
        for t in t_p:
            rows.append((s, t, TriggerType.PROMPT, period))
        for t in t_d:
            rows.append((s, t, TriggerType.DELAYED, period))
    spill = np.array([r[0] for r in rows])
    time = np.array([r[1] for r in rows])
    trig = np.array([r[2] for r in rows], dtype=np.int8)
    period = np.array([r[3] for r in rows])
    order = np.lexsort((time, spill))
    spill, time, trig, period = spill[order], time[order], trig[order], period[order]
    n = spill.size
    energy = rng.uniform(5.0, 45.0, n)
    x = rng.uniform(-160, 160, n)
    y = rng.uniform(-160, 160, n)
    z = rng.uniform(-115, 115, n)
    prompt_like = (trig == TriggerType.PROMPT) & (time >= 2.0)
    energy[prompt_like] = rng.uniform(18.0, 42.0, prompt_like.sum())
    # 40 % of the delayed events at the vertex of their spill's last prompt readout
    # (signal-like), with delayed-like energies
    last_prompt = np.maximum.accumulate(np.where(prompt_like, np.arange(n), -1))
    same = (last_prompt >= 0) & (spill[np.maximum(last_prompt, 0)] == spill)
    near = (trig == TriggerType.DELAYED) & same & (rng.random(n) < 0.4)
    idx = np.flatnonzero(near)
    energy[idx] = rng.uniform(9.0, 19.0, idx.size)
    for v in (x, y, z):
        v[idx] = v[last_prompt[idx]] + rng.normal(0.0, 8.0, idx.size)
    top = rng.exponential(5.0, n)
    bottom = rng.exponential(5.0, n)
    muon = rng.random(n) < 0.08
    top[muon] = 500.0
    truth = rng.integers(0, 3, n)
    # a few energies and times exactly on cut and histogram edges
    energy[::97] = 20.0
    energy[1::89] = 40.0
    energy[2::83] = 18.0
    time[(trig == TriggerType.PROMPT) & (time >= 2.0) & (rng.random(n) < 0.05)] = 2.0
    order = np.lexsort((time, spill))
    cols = {"run": 1 + spill // 700, "spill": spill, "time_us": time, "trigger": trig,
            "energy_mev": energy, "x_cm": x, "y_cm": y, "z_cm": z, "veto_top_pe": top,
            "veto_bottom_pe": bottom, "period": period, "truth": truth}
    return EventChunk.from_columns({k: np.asarray(v)[order] for k, v in cols.items()})


def assert_identical(a: StreamSummary, b: StreamSummary) -> None:
    assert sorted(a.periods) == sorted(b.periods)
    for period in a.periods:
        pa, pb = a.periods[period], b.periods[period]
        for name, va in vars(pa).items():
            vb = getattr(pb, name)
            if isinstance(va, dict):
                for key in va:
                    np.testing.assert_array_equal(va[key], vb[key], err_msg=f"{name}[{key}]")
            else:
                np.testing.assert_array_equal(va, vb, err_msg=f"{period} {name}")
    for key in a.selected:
        np.testing.assert_array_equal(a.selected[key], b.selected[key], err_msg=key)


def chunks_of(ev: EventChunk, size: int) -> list[EventChunk]:
    return [ev.take(slice(a, a + size)) for a in range(0, len(ev), size)]


@pytest.fixture(scope="module")
def dense():
    return dense_events()


def test_dense_data_have_what_the_comparison_needs(dense):
    s = numpy_process([dense])
    for ps in s.periods.values():
        assert ps.cutflow[-1] > 20                 # selected pairs
        assert ps.fake_far > 100 and ps.fake_near > 0
        assert ps.shift_near > 0 and ps.shift_near_w2 > 0
        assert ps.truth_signal_selected > 0
        # Michel and veto cuts remove pairs
        assert ps.cutflow[-2] > ps.cutflow[-1] and ps.cutflow[-3] > ps.cutflow[-2]


@pytest.mark.parametrize("size", [10**9, 4000, 333, 17])
def test_fused_pass_is_bit_identical_to_the_numpy_implementation(dense, size):
    chunks = chunks_of(dense, size)
    assert_identical(numpy_process(chunks), process_chunks(chunks))


def test_truth_only_and_other_cuts_are_bit_identical(dense):
    chunks = chunks_of(dense, 2500)
    assert_identical(numpy_process(chunks, truth_only=True),
                     process_chunks(chunks, truth_only=True))
    cuts = SelectionCuts(delayed_window={2021: 8.0 * ms, 2022: 20.0 * ms}, spill_shifts=7,
                         dvtx_max=35.0 * cm, michel_lookback=15.0 * us)
    assert_identical(numpy_process(chunks, cuts), process_chunks(chunks, cuts))


def test_file_columns_as_stored_give_the_same_as_event_chunks(dense, tmp_path):
    path = write_events(tmp_path / "dense.parquet", dense, row_group_size=3000)
    for size in (10**6, 5000, 777):
        reference = process_chunks(iter_file_chunks(path, size))
        if size == 777:
            assert_identical(numpy_process(iter_file_chunks(path, size)), reference)
        assert_identical(reference, process_file(path, chunk_size=size))
        # pieces smaller than the chunks change nothing either (blocks are the chunks)
        pieces = P._file_pieces(path, size, piece_rows=101)
        assert_identical(reference, P._process_columns(pieces, SelectionCuts(), False,
                                                       str(path)))


def test_unknown_period_is_reported_by_the_fused_pass(dense):
    ev = dense.take(np.arange(200))                # a copy: the fixture is shared
    ev.period[150:] = 2023
    from nuexp.exceptions import InvalidConfiguration

    with pytest.raises(InvalidConfiguration, match=r"period 2023 .*'period'.*2021, 2022"):
        process_chunks([ev])


def test_scalar_helpers_reproduce_numpy():
    rng = np.random.default_rng(3)
    for name, edges in HIST_EDGES.items():
        n = edges.size - 1
        width = (edges[-1] - edges[0]) / n
        values = np.concatenate([rng.uniform(edges[0] - width, edges[-1] + width, 5000),
                                 edges, np.nextafter(edges, -np.inf),
                                 np.nextafter(edges, np.inf), [np.nan, np.inf, -np.inf]])
        expected = _hist(name, values[np.isfinite(values)])
        got = np.zeros(n)
        for v in values:
            b = fused.hist_bin(v, edges[0], width, edges[-1], n)
            if b >= 0:
                got[b] += 1
        np.testing.assert_array_equal(got, expected, err_msg=name)
    a = np.concatenate([rng.uniform(-3e7, 3e7, 2000), [0.0, -0.0, 1e4, -1e4, 2e4]])
    for b in (1e4, 7.0, -3.0):
        np.testing.assert_array_equal([fused.py_mod(v, b) for v in a], np.mod(a, b))
    cuts = SelectionCuts()
    t = np.concatenate([rng.uniform(0.0, 25.0 * ms, 5000),
                        cuts.fake_start + cuts.fake_step * np.arange(50) + cuts.prompt_time[0],
                        cuts.fake_start + cuts.fake_step * np.arange(50) + cuts.prompt_time[1]])
    np.testing.assert_array_equal(
        [fused._fake_weight(v, *cuts.prompt_time, cuts.fake_start, cuts.fake_step) for v in t],
        _fake_multiplicity(t, cuts))


def test_root_files_take_the_same_path(dense, tmp_path):
    pytest.importorskip("uproot")
    from nuexp.events.io import write_root

    part = dense.take(slice(0, 4000))
    path = write_root(tmp_path / "dense.root", part)
    reference = numpy_process(iter_file_chunks(path, 1500))      # float32 as stored
    assert reference.periods[2021].cutflow[-1] > 20
    assert_identical(reference, process_file(path, chunk_size=1500))
