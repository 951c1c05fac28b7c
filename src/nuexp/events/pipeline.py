"""Streaming event analysis: pairing, cut flow, fake-trigger and spill-shift samples.

:func:`process_file` reads one event file chunk by chunk (memory stays flat), cuts the
stream at spill boundaries (a spill cut by a chunk boundary is carried to the next
chunk, so no window is lost), and accumulates everything the measurement needs in a
:class:`StreamSummary`: the cut flow per period, histograms of the paired events before
the Δ_VTX cut, the fully selected pairs, the fake-trigger sample and the spill-shift
sample. Summaries of several files add up (:meth:`StreamSummary.merge`) in file order,
so a dask run over a directory gives exactly the serial result
(:func:`process_files`).

Each file is an independent unit: the spill-shift method pairs a prompt only with
earlier spills of the same file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from hepunits import MeV, cm, ms, us

from .io import DEFAULT_CHUNK_SIZE, event_files, iter_file_chunks
from .pairing import muon_before, pair_events, shifted_pairs, spill_boundary, spill_keys
from .schema import EventChunk, Truth
from .selection import CUT_STAGES, SelectionCuts, event_masks

__all__ = ["HIST_EDGES", "StreamSummary", "PeriodSummary", "process_chunks",
           "process_file", "process_files"]

#: Fixed histogram binning (hepunits) of the pair variables.
HIST_EDGES: dict[str, np.ndarray] = {
    "dvtx": np.arange(0.0, 365.0, 5.0) * cm,
    "e_p": np.arange(20.0, 40.01, 2.0) * MeV,
    "e_d": np.arange(10.0, 18.01, 1.0) * MeV,
    "t_p": np.arange(2.0, 10.01, 0.5) * us,
    "dt": np.arange(0.0, 25.01, 1.0) * ms,
}


#: Spill-shift pairs closer than this fill the background-shape histograms.
SHAPE_DVTX_MAX = 60.0 * cm


def _hist(name: str, values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Histogram on the uniform binning ``HIST_EDGES[name]`` (last edge included, like
    ``numpy.histogram``) via ``bincount``: linear time, no sorting."""
    edges = HIST_EDGES[name]
    n = edges.size - 1
    width = (edges[-1] - edges[0]) / n
    idx = np.floor((values - edges[0]) / width).astype(np.int64)
    idx[values == edges[-1]] = n - 1
    ok = (idx >= 0) & (idx < n)
    return np.bincount(idx[ok], weights=None if weights is None else weights[ok],
                       minlength=n).astype(np.float64)


def _zeros(name: str) -> np.ndarray:
    return np.zeros(HIST_EDGES[name].size - 1)


@dataclass
class PeriodSummary:
    """What one period of the stream contributed."""

    cutflow: np.ndarray = field(default_factory=lambda: np.zeros(len(CUT_STAGES), np.int64))
    #: pairs after all cuts except Δ_VTX: Δ_VTX histogram, counts ≤ 20 cm and > 40 cm
    data_dvtx: np.ndarray = field(default_factory=lambda: _zeros("dvtx"))
    data_near: int = 0
    data_far: int = 0
    #: fake-trigger pairs (weights = fake-window multiplicity): Σw and Σw² near/far
    fake_near: float = 0.0
    fake_near_w2: float = 0.0
    fake_far: float = 0.0
    fake_far_w2: float = 0.0
    fake_hist: dict[str, np.ndarray] = field(
        default_factory=lambda: {k: _zeros(k) for k in HIST_EDGES})
    #: spill-shift pairs (weights = 1 / number of shifted spills): Σw, Σw² near
    shift_near: float = 0.0
    shift_near_w2: float = 0.0
    shift_dvtx: np.ndarray = field(default_factory=lambda: _zeros("dvtx"))
    shift_hist: dict[str, np.ndarray] = field(
        default_factory=lambda: {k: _zeros(k) for k in HIST_EDGES if k != "dvtx"})
    #: simulated truth: selected pairs whose prompt and delayed are both CNgs signal
    truth_signal_selected: int = 0
    spills: int = 0
    events: int = 0

    def merge(self, other: PeriodSummary) -> None:
        """Add ``other`` in place."""
        for name in ("cutflow", "data_dvtx", "shift_dvtx"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("data_near", "data_far", "fake_near", "fake_near_w2", "fake_far",
                     "fake_far_w2", "shift_near", "shift_near_w2", "truth_signal_selected",
                     "spills", "events"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key in self.fake_hist:
            self.fake_hist[key] = self.fake_hist[key] + other.fake_hist[key]
        for key in self.shift_hist:
            self.shift_hist[key] = self.shift_hist[key] + other.shift_hist[key]


@dataclass
class StreamSummary:
    """Everything the measurement needs from a stream of events, by period.

    ``selected`` holds the fully selected pairs (all cuts, Δ_VTX included) as columns
    ``period``, ``e_p``, ``e_d``, ``t_p``, ``dt``, ``dvtx``, ``truth`` (1 when both events
    are simulated CNgs signal), in hepunits.
    """

    periods: dict[int, PeriodSummary] = field(default_factory=dict)
    selected: dict[str, np.ndarray] = field(default_factory=lambda: {
        k: np.zeros(0) for k in ("period", "e_p", "e_d", "t_p", "dt", "dvtx", "truth")})

    def period(self, value: int) -> PeriodSummary:
        """The summary of one period (created empty on first use)."""
        if value not in self.periods:
            self.periods[value] = PeriodSummary()
        return self.periods[value]

    def merge(self, other: StreamSummary) -> StreamSummary:
        """Add ``other`` (a later part of the stream) in place; returns self."""
        for value, part in other.periods.items():
            self.period(value).merge(part)
        self.selected = {k: np.concatenate([self.selected[k], other.selected[k]])
                         for k in self.selected}
        return self

    @property
    def events(self) -> int:
        """Number of triggered events processed."""
        return sum(p.events for p in self.periods.values())


class _Stream:
    """State carried between the spill-complete blocks of one file."""

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


def process_chunks(chunks: Iterable[EventChunk], cuts: SelectionCuts | None = None, *,
                   truth_only: bool = False, source: str = "events") -> StreamSummary:
    """Analyse a time-ordered stream of chunks (one file).

    Parameters
    ----------
    chunks : iterable of EventChunk
        Consecutive chunks of one stream; spills may straddle chunk boundaries.
    cuts : SelectionCuts, optional
        Default: JSNS2 2025 Table 1.
    truth_only : bool
        Count only simulated CNgs signal events (efficiency study on simulation).
    source : str
        Name used in error messages.
    """
    stream = _Stream(cuts or SelectionCuts(), truth_only, source)
    carry: EventChunk | None = None
    for chunk in chunks:
        data = chunk if carry is None or len(carry) == 0 else EventChunk.concatenate(
            [carry, chunk])
        cut = spill_boundary(data.run, data.spill)
        stream.block(data.take(slice(0, cut)))
        carry = data.take(slice(cut, None))
    if carry is not None:
        stream.block(carry)
    return stream.finish()


def process_file(path: str | Path, cuts: SelectionCuts | None = None, *,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, truth_only: bool = False
                 ) -> StreamSummary:
    """Analyse one event file (Parquet or ROOT), streaming ``chunk_size`` rows at a time."""
    return process_chunks(iter_file_chunks(path, chunk_size), cuts, truth_only=truth_only,
                          source=str(path))


def _process_task(path: str, cuts: SelectionCuts, chunk_size: int, truth_only: bool
                  ) -> StreamSummary:
    return process_file(path, cuts, chunk_size=chunk_size, truth_only=truth_only)


def process_files(source: str | Path, cuts: SelectionCuts | None = None, *,
                  chunk_size: int = DEFAULT_CHUNK_SIZE, truth_only: bool = False,
                  scheduler: str | None = "serial", workers: int | None = None,
                  processes: bool = True) -> StreamSummary:
    """Analyse a file or a directory of event files, one task per file.

    With ``scheduler="serial"`` the files are processed here one after the other;
    otherwise through :func:`nuexp.parallel.map_tasks` (dask LocalCluster by default,
    or a scheduler address). Per-file summaries are merged in file order, so the result
    is identical whatever the backend. ``processes=False`` makes LocalCluster workers
    threads (cheaper to start; the numba kernels release no GIL, so no speed-up).
    """
    cuts = cuts or SelectionCuts()
    files = [str(p) for p in event_files(source)]
    tasks = [(f, cuts, chunk_size, truth_only) for f in files]
    if scheduler == "serial" or len(files) == 1:
        parts: Iterator[StreamSummary] | list[StreamSummary] = (
            _process_task(*t) for t in tasks)
    else:
        from ..parallel import map_tasks

        parts = map_tasks(_process_task, tasks, scheduler=scheduler, workers=workers,
                          unpack=True, processes=processes)
    total = StreamSummary()
    for part in parts:
        total.merge(part)
    return total
