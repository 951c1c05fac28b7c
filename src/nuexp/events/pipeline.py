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

The work is done by the numba kernels of :mod:`nuexp.events.fused` on the columns as the
file stores them (zero-copy float32 views of the Arrow buffers, converted to hepunits
value by value), in pieces of :data:`PIECE_ROWS` rows; ``chunk_size`` still defines the
blocks whose partial sums are added to the summary, so the results are bit for bit those
of the earlier numpy implementation at the same ``chunk_size`` (a different
``chunk_size`` changes the spill-shift sums in the last bits, ~1e-13 relative, since
floating-point addition is not associative).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from hepunits import MeV, cm, ms, us

from ..exceptions import DataIntegrityError
from . import fused
from .fused import spill_starts
from .io import DEFAULT_CHUNK_SIZE, event_files, iter_file_columns, manifest_checksums
from .schema import VALUE_LIMITS, EventChunk
from .selection import CUT_STAGES, SelectionCuts

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
    #: per file, in stream order: (file, first run, first spill, last run, last spill)
    spans: list[tuple[str, int, int, int, int]] = field(default_factory=list)

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
        self.spans.extend(other.spans)
        return self

    def check_disjoint(self) -> None:
        """Refuse files whose spills overlap (a block copied under another name, or the
        same block as .parquet and .root): every file must start after the previous one
        ends, since a spill belongs to one file.

        Raises
        ------
        DataIntegrityError
            Naming both files and the spill.
        """
        for before, after in zip(self.spans, self.spans[1:]):
            if (after[1], after[2]) <= (before[3], before[4]):
                raise DataIntegrityError(
                    f"{after[0]}: starts at run {after[1]}, spill {after[2]}, which "
                    f"{before[0]} already covers (up to run {before[3]}, spill {before[4]}): "
                    "a duplicated block? Each spill must be in one file; remove the copy")

    @property
    def events(self) -> int:
        """Number of triggered events processed."""
        return sum(p.events for p in self.periods.values())


_FIELDS = ("run", "spill", "time", "trigger", "energy", "x", "y", "z", "veto_top",
           "veto_bottom", "period", "truth")
_FILE_NAMES = ("run", "spill", "time_us", "trigger", "energy_mev", "x_cm", "y_cm", "z_cm",
               "veto_top_pe", "veto_bottom_pe", "period", "truth")


class _Columns:
    """The twelve columns of consecutive rows, either as stored in the file (µs, cm,
    float32; ``time_unit = us``, ``length_unit = cm``) or as an :class:`EventChunk`
    (hepunits, units 1). The kernels convert ``float64(value) * unit`` on the fly — the
    arithmetic of :meth:`EventChunk.from_columns` — so both give identical results."""

    __slots__ = ("arrays", "time_unit", "length_unit")

    def __init__(self, arrays: tuple, time_unit: float, length_unit: float) -> None:
        self.arrays = arrays
        self.time_unit = time_unit
        self.length_unit = length_unit

    @classmethod
    def from_chunk(cls, chunk: EventChunk) -> _Columns:
        return cls(tuple(getattr(chunk, f) for f in _FIELDS), 1.0, 1.0)

    @classmethod
    def from_file(cls, columns: dict[str, np.ndarray]) -> _Columns:
        if "truth" not in columns:
            columns = {**columns, "truth": np.zeros(len(columns["time_us"]), np.int8)}
        return cls(tuple(columns[c] for c in _FILE_NAMES), us, cm)

    def __len__(self) -> int:
        return int(self.arrays[2].shape[0])

    @property
    def run(self) -> np.ndarray:
        return self.arrays[0]

    @property
    def spill(self) -> np.ndarray:
        return self.arrays[1]

    @property
    def period(self) -> np.ndarray:
        return self.arrays[10]

    def take(self, index: slice) -> _Columns:
        return _Columns(tuple(a[index] for a in self.arrays), self.time_unit,
                        self.length_unit)

    def concat(self, other: _Columns) -> _Columns:
        if len(self) == 0:
            return other
        if len(other) == 0:
            return self
        return _Columns(tuple(np.concatenate([a, b]) for a, b in zip(self.arrays,
                                                                     other.arrays)),
                        self.time_unit, self.length_unit)


def _parameters(cuts: SelectionCuts) -> np.ndarray:
    """The kernel parameter vector (layout: ``fused.P_*``), hepunits."""
    par = np.empty(fused.N_PAR)
    par[fused.P_PE_LO], par[fused.P_PE_HI] = cuts.prompt_energy
    par[fused.P_PT_LO], par[fused.P_PT_HI] = cuts.prompt_time
    par[fused.P_DE_LO], par[fused.P_DE_HI] = cuts.delayed_energy
    par[fused.P_DT_MIN] = cuts.dt_min
    par[fused.P_DVTX_MAX] = cuts.dvtx_max
    par[fused.P_FV_R2] = cuts.fv_radius**2
    par[fused.P_FV_H] = cuts.fv_half_height
    par[fused.P_VT_MAX] = cuts.veto_top_max
    par[fused.P_VB_MAX] = cuts.veto_bottom_max
    par[fused.P_MU_MIN] = cuts.muon_charge_min
    par[fused.P_LOOKBACK] = cuts.michel_lookback
    par[fused.P_FAKE_START] = cuts.fake_start
    par[fused.P_FAKE_STEP] = cuts.fake_step
    par[fused.P_FAR_MIN] = cuts.normalisation_dvtx_min
    par[fused.P_SHAPE_MAX] = SHAPE_DVTX_MAX
    return par


_HIST_NAMES = tuple(HIST_EDGES)          # dvtx, e_p, e_d, t_p, dt
_HN = np.array([HIST_EDGES[k].size - 1 for k in _HIST_NAMES], dtype=np.int64)
#: (first edge, width, last edge) of each binning, computed as ``_hist`` does
_HPAR = np.array([[HIST_EDGES[k][0], (HIST_EDGES[k][-1] - HIST_EDGES[k][0]) / n,
                   HIST_EDGES[k][-1]] for k, n in zip(_HIST_NAMES, _HN)])
_HMAX = int(_HN.max())


@functools.cache
def _limits(time_unit: float, length_unit: float) -> np.ndarray:
    """:data:`~nuexp.events.schema.VALUE_LIMITS` (file units) in the units of columns
    whose ``value * unit`` is hepunits, in :data:`fused.VALUE_COLUMNS` order."""
    scale = {"time_us": us / time_unit, "x_cm": cm / length_unit, "y_cm": cm / length_unit,
             "z_cm": cm / length_unit}
    return np.array([[lim * scale.get(name, 1.0) for lim in VALUE_LIMITS[name]]
                     for name in fused.VALUE_COLUMNS])


def _raise_bad_value(seg: _Columns, source: str) -> None:
    """Name the column, the row and the value the fused pass found out of range: the file
    is read again with full validation (the error path only), or, for an in-memory
    stream, the segment is searched."""
    if Path(source).is_file():
        for _ in iter_file_columns(source, validate=True):
            pass
    a = seg.arrays
    row, code = fused.row_violation(*a, True, _limits(seg.time_unit, seg.length_unit),
                                    seg.time_unit, False, 0, 0, 0.0)
    name = fused.VALUE_COLUMNS[code - 3] if code >= 3 else "time order"
    value = a[_FILE_NAMES.index(name)][row].item() if code >= 3 else None
    raise DataIntegrityError(f"{source}: column {name!r}, row {row} of a segment: value "
                             f"{value!r} outside the allowed range (finite values only)")


class _Block:
    """Accumulators of one block (the rows between two cut points of the stream), per
    period slot; added to the summary when the block is complete."""

    def __init__(self, n_slots: int) -> None:
        self.icount = np.zeros((n_slots, fused.N_ICOUNT), dtype=np.int64)
        self.fsum = np.zeros((n_slots, 4))
        self.h_data = np.zeros((n_slots, _HN[0]))
        self.h_fake = np.zeros((n_slots, 5, _HMAX))
        self.h_shift_dvtx = np.zeros((n_slots, _HN[0]))
        self.h_shift = np.zeros((n_slots, 4, _HMAX))
        self.near_w: list[np.ndarray] = []
        self.near_slot: list[np.ndarray] = []
        self.selected: list[np.ndarray] = []


class _Stream:
    """State carried between the spill-complete blocks of one stream."""

    def __init__(self, cuts: SelectionCuts, truth_only: bool, source: str) -> None:
        self.cuts = cuts
        self.truth_only = truth_only
        self.source = source
        self.summary = StreamSummary()
        self.next_seq = 0
        self.par = _parameters(cuts)
        self.per_values = np.array(sorted(self.cuts.delayed_window), dtype=np.int64)
        if self.per_values.size == 0:
            self.per_values = np.array([np.iinfo(np.int64).min], dtype=np.int64)
            self.per_windows = np.zeros(1)
        else:
            self.per_windows = np.array([self.cuts.delayed_window[int(v)]
                                         for v in self.per_values], dtype=np.float64)
        # spill-shift memory: the last `spill_shifts` spills (period, selected delayed)
        self.mem_first = 0
        self.mem_period = np.zeros(0, dtype=np.int64)
        self.mem_delayed = {k: np.zeros(0) for k in ("seq", "time", "x", "y", "z", "energy")}
        self.mem_delayed["seq"] = np.zeros(0, dtype=np.int64)
        self._selected: list[dict[str, np.ndarray]] = []
        self._acc: _Block | None = None
        self._scratch_size = 0
        self._sel = np.empty((64, len(fused.SEL_COLUMNS)))
        self._near_w = np.empty(4096)
        self._near_slot = np.empty(4096, dtype=np.int64)

    def _scratch(self, n: int) -> None:
        if n > self._scratch_size:
            size = max(n, 2 * self._scratch_size)
            self._flags = np.empty(size, dtype=np.uint8)
            self._dsel_seq = np.empty(size, dtype=np.int64)
            self._dsel_val = np.empty((5, size))
            self._psel_idx = np.empty(size, dtype=np.int64)
            self._psel_seq = np.empty(size, dtype=np.int64)
            self._spill_slot = np.empty(size, dtype=np.int64)
            self._scratch_size = size

    # ------------------------------------------------------------------ one block
    def segment(self, seg: _Columns) -> None:
        """Analyse a spill-complete segment as the next part of the current block."""
        if len(seg) == 0:
            return
        if self._acc is None:
            self._acc = _Block(self.per_values.size)
        self._segment(seg, self._acc)
        # later prompts are in later spills: they need only the last `spill_shifts`
        self._trim(self.next_seq)

    def end_block(self) -> None:
        """Add the current block's accumulators to the summary."""
        if self._acc is not None:
            self._commit(self._acc)
            self._acc = None

    def _segment(self, seg: _Columns, acc: _Block) -> None:
        n = len(seg)
        self._scratch(n)
        arrays = seg.arrays
        while True:
            acc_state = (acc.icount.copy(), acc.fsum.copy(), acc.h_data.copy(),
                         acc.h_fake.copy())
            n_sel, n_d, n_p, n_spill, err = fused.scan_segment(
                *arrays, seg.time_unit, seg.length_unit, self.par, self.per_values,
                self.per_windows, self.truth_only, self.next_seq,
                acc.icount, acc.fsum, acc.h_data, acc.h_fake, _HPAR, _HN, self._sel,
                self._flags, self._dsel_seq, self._dsel_val, self._psel_idx,
                self._psel_seq, self._spill_slot, _limits(seg.time_unit, seg.length_unit))
            if err == -2:
                _raise_bad_value(seg, self.source)
            if err >= 0:
                self.cuts.window_of(seg.period, self.source)     # raises, naming the period
                raise AssertionError("period lookup and window_of disagree")  # pragma: no cover
            if n_sel <= self._sel.shape[0]:
                break
            # more selected pairs than room: undo and repeat with enough room
            acc.icount[...], acc.fsum[...], acc.h_data[...], acc.h_fake[...] = acc_state
            self._sel = np.empty((2 * n_sel, len(fused.SEL_COLUMNS)))
        if n_sel:
            acc.selected.append(self._sel[:n_sel].copy())
        first_seq = self.next_seq
        self.next_seq += n_spill
        self._remember(first_seq, self.per_values[self._spill_slot[:n_spill]],
                       self._dsel_seq[:n_d], self._dsel_val[:, :n_d])
        self._shift(seg, acc, self._psel_idx[:n_p], self._psel_seq[:n_p])

    # ------------------------------------------------------------ spill-shift
    def _remember(self, first_seq: int, spill_period: np.ndarray, seq: np.ndarray,
                  values: np.ndarray) -> None:
        """Append the segment's spills and selected delayed events (hepunits time, x, y,
        z, energy as rows of ``values``) to the memory."""
        if self.mem_period.size == 0:
            self.mem_first = first_seq
        self.mem_period = np.concatenate([self.mem_period, spill_period])
        self.mem_delayed["seq"] = np.concatenate([self.mem_delayed["seq"], seq])
        for k, name in enumerate(("time", "x", "y", "z", "energy")):
            self.mem_delayed[name] = np.concatenate([self.mem_delayed[name], values[k]])

    def _shift(self, seg: _Columns, acc: _Block, pi: np.ndarray, p_seq: np.ndarray
               ) -> None:
        if pi.size == 0:
            return
        a = seg.arrays
        tu, lu = seg.time_unit, seg.length_unit
        p_period = a[10][pi].astype(np.int64)
        p_slot = np.searchsorted(self.per_values, p_period).astype(np.int64)
        md = self.mem_delayed
        args = (p_seq, p_period, p_slot, _f64(a[2][pi]) * tu, self.per_windows[p_slot],
                _f64(a[5][pi]) * lu, _f64(a[6][pi]) * lu, _f64(a[7][pi]) * lu,
                _f64(a[4][pi]), md["seq"], md["time"], md["x"], md["y"], md["z"],
                md["energy"], int(self.mem_first), self.mem_period,
                int(self.cuts.spill_shifts), float(self.cuts.dt_min),
                float(self.cuts.dvtx_max), float(SHAPE_DVTX_MAX), _HPAR, _HN)
        saved = (acc.h_shift_dvtx.copy(), acc.h_shift.copy())
        while True:
            # filled in place: a block's histograms grow in pair order over its segments,
            # as one bincount over the block's pairs does
            n_near = fused.shift_segment(*args, acc.h_shift_dvtx, acc.h_shift,
                                         self._near_w, self._near_slot)
            if n_near <= self._near_w.size:
                break
            acc.h_shift_dvtx[...], acc.h_shift[...] = saved
            self._near_w = np.empty(2 * n_near)
            self._near_slot = np.empty(2 * n_near, dtype=np.int64)
        acc.near_w.append(self._near_w[:n_near].copy())
        acc.near_slot.append(self._near_slot[:n_near].copy())

    def _trim(self, next_seq: int) -> None:
        keep_from = next_seq - self.cuts.spill_shifts
        if keep_from > self.mem_first:
            drop = keep_from - self.mem_first
            self.mem_period = self.mem_period[drop:]
            self.mem_first = keep_from
            cut = np.searchsorted(self.mem_delayed["seq"], keep_from)
            self.mem_delayed = {k: v[cut:] for k, v in self.mem_delayed.items()}

    # --------------------------------------------------------------- bookkeeping
    def _commit(self, acc: _Block) -> None:
        """Add a finished block's accumulators to the per-period summaries."""
        near_w = np.concatenate(acc.near_w) if acc.near_w else np.zeros(0)
        near_slot = (np.concatenate(acc.near_slot) if acc.near_slot
                     else np.zeros(0, dtype=np.int64))
        for slot in np.flatnonzero(acc.icount[:, fused.IC_EVENTS]):
            ic = acc.icount[slot]
            ps = self.summary.period(int(self.per_values[slot]))
            ps.events += int(ic[fused.IC_EVENTS])
            ps.spills += int(ic[fused.IC_SPILLS])
            ps.cutflow += ic[fused.IC_CUTFLOW:fused.IC_CUTFLOW + len(CUT_STAGES)]
            ps.data_dvtx += acc.h_data[slot]
            ps.data_near += int(ic[fused.IC_DATA_NEAR])
            ps.data_far += int(ic[fused.IC_DATA_FAR])
            ps.truth_signal_selected += int(ic[fused.IC_TRUTH_SELECTED])
            fs = acc.fsum[slot]
            ps.fake_near += float(fs[0])
            ps.fake_near_w2 += float(fs[1])
            ps.fake_far += float(fs[2])
            ps.fake_far_w2 += float(fs[3])
            for h, name in enumerate(_HIST_NAMES):
                ps.fake_hist[name] += acc.h_fake[slot, h, :_HN[h]]
            w = near_w[near_slot == slot]
            ps.shift_near += float(w.sum())
            ps.shift_near_w2 += float((w**2).sum())
            ps.shift_dvtx += acc.h_shift_dvtx[slot]
            for h, name in enumerate(_HIST_NAMES[1:]):
                ps.shift_hist[name] += acc.h_shift[slot, h, :_HN[h + 1]]
        if acc.selected:
            sel = np.concatenate(acc.selected)
            self._selected.append({k: sel[:, i].copy()
                                   for i, k in enumerate(fused.SEL_COLUMNS)})

    def finish(self) -> StreamSummary:
        if self._selected:
            self.summary.selected = {k: np.concatenate([s[k] for s in self._selected])
                                     for k in self._selected[0]}
        return self.summary


def _f64(values: np.ndarray) -> np.ndarray:
    return values.astype(np.float64)


#: Rows analysed at a time (≈ 12 MB of file columns): small enough that the rows are
#: still in cache when the kernels read them right after Parquet decoded them, large
#: enough that the per-piece Python overhead (~0.2 ms) stays a few ns per row. The
#: ``chunk_size`` of the API still decides the blocks (and so, to the last bit, the
#: floating-point sums); this only splits the work inside a block.
PIECE_ROWS = 262_144


def _pieces(chunks: Iterable[_Columns], piece_rows: int = PIECE_ROWS
            ) -> Iterator[tuple[_Columns, bool]]:
    """Split each chunk into views of at most ``piece_rows`` rows; the flag marks the
    last piece of a chunk."""
    for chunk in chunks:
        n = len(chunk)
        if n <= piece_rows:
            yield chunk, True
            continue
        for start in range(0, n, piece_rows):
            yield chunk.take(slice(start, start + piece_rows)), start + piece_rows >= n


def _file_pieces(path: str | Path, chunk_size: int, piece_rows: int = PIECE_ROWS,
                 threads: bool = False, checksum: str | None = None
                 ) -> Iterator[tuple[_Columns, bool]]:
    """Read a file in pieces of at most ``piece_rows`` rows, flagging the ends of the
    ``chunk_size``-row chunks that ``iter_file_chunks(path, chunk_size)`` would give
    (Parquet and ROOT batches are exactly ``chunk_size`` rows but the last)."""
    read = min(chunk_size, piece_rows)
    offset = 0                             # rows into the current chunk
    pending: tuple[_Columns, bool] | None = None
    # the values are checked by the fused pass (fused.row_flags), the order here
    for columns in iter_file_columns(path, read, threads=threads, validate=False,
                                     checksum=checksum):
        cols = _Columns.from_file(columns)
        n = len(cols)
        start = 0
        while start < n:
            take = min(n - start, chunk_size - offset)
            piece = cols if take == n else cols.take(slice(start, start + take))
            offset += take
            start += take
            if pending is not None:
                yield pending
            pending = (piece, offset == chunk_size)
            if offset == chunk_size:
                offset = 0
    if pending is not None:
        yield pending[0], True


def _process_columns(parts: Iterable[tuple[_Columns, bool]], cuts: SelectionCuts,
                     truth_only: bool, source: str) -> StreamSummary:
    """Cut the stream at spill boundaries and analyse it block by block.

    ``parts`` are consecutive pieces of the stream, each flagged when it ends a chunk.
    A block is (the last, unfinished spill carried from the previous chunk) + (this
    chunk up to the start of its last spill) — the blocks of the numpy version, so that
    every floating-point sum is formed in the same order. Inside a block the work is
    done piece by piece on spill-complete segments: the carried spill glued to the
    piece's first spill (a small copy) and the rest of the piece as a view.
    """
    stream = _Stream(cuts, truth_only, source)
    carry: _Columns | None = None
    first: tuple[int, int] | None = None
    last: tuple[int, int] | None = None
    for chunk, chunk_ends in parts:
        if len(chunk):
            if first is None:
                first = (int(chunk.run[0]), int(chunk.spill[0]))
            last = (int(chunk.run[-1]), int(chunk.spill[-1]))
            # spill starts of carry + chunk that fall in the chunk (the carry is one spill)
            start, end = spill_starts(chunk.run, chunk.spill)
            if carry is not None and len(carry) and (chunk.run[0] != carry.run[-1]
                                                     or chunk.spill[0] != carry.spill[-1]):
                start, end = 0, max(end, 0)
            if end < 0:                    # no spill starts: everything waits
                carry = chunk if carry is None else carry.concat(chunk)
            else:
                head = chunk.take(slice(0, start))
                stream.segment(head if carry is None else carry.concat(head))
                stream.segment(chunk.take(slice(start, end)))
                carry = chunk.take(slice(end, None))
        if chunk_ends:
            stream.end_block()
    if carry is not None and len(carry):
        stream.segment(carry)
        stream.end_block()
    summary = stream.finish()
    if first is not None and last is not None:
        summary.spans.append((source, *first, *last))
    return summary


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
    return _process_columns(_pieces(_Columns.from_chunk(c) for c in chunks),
                            cuts or SelectionCuts(), truth_only, source)


def process_file(path: str | Path, cuts: SelectionCuts | None = None, *,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, truth_only: bool = False,
                 decode_threads: bool = False) -> StreamSummary:
    """Analyse one event file (Parquet or ROOT), streaming ``chunk_size`` rows at a time.

    The file's columns go to the kernels as stored (zero-copy views of the Arrow
    buffers, float32, µs and cm), so memory stays flat at about one chunk.
    The Parquet columns are decoded in this thread: pyarrow's decode threads cost ~10 %
    more CPU per trigger and more memory, and bought no wall time on the 2-core test
    machine (``benchmarks/bench_events.py``); ``decode_threads=True`` turns them on.

    A file listed in its folder's manifest is verified against the recorded checksum
    first; any other file's Parquet pages against their CRC32s as they are decoded.
    Every value is checked in the fused pass (:func:`nuexp.events.fused.row_flags`).
    """
    return _process_task(path, cuts or SelectionCuts(), chunk_size, truth_only,
                         manifest_checksums(path).get(Path(path)), decode_threads)


def _process_task(path: str | Path, cuts: SelectionCuts, chunk_size: int, truth_only: bool,
                  checksum: str | None, decode_threads: bool = False) -> StreamSummary:
    """:func:`process_file` with the file's checksum from the manifest (``None``: none)."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size = {chunk_size}: must be >= 1")
    return _process_columns(_file_pieces(path, chunk_size, threads=decode_threads,
                                         checksum=checksum),
                            cuts, truth_only, str(path))


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

    The files are checked first (:func:`nuexp.events.io.event_files`: manifest, row
    counts, checksums, duplicate formats), every value as it streams, and at the end that
    no two files hold the same spills (:meth:`StreamSummary.check_disjoint`).
    """
    cuts = cuts or SelectionCuts()
    # checksums are verified by each task, as it reads its file (in parallel, cache-warm);
    # the manifest is read once here, not once per file
    files = event_files(source, verify_checksums=False)
    checksums = manifest_checksums(files[0])
    tasks = [(str(f), cuts, chunk_size, truth_only, checksums.get(f)) for f in files]
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
    total.check_disjoint()
    return total
