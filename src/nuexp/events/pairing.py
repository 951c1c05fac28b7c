"""Time-ordered prompt/delayed pairing of triggered events (numba kernels).

JSNS2 pairs the prompt and delayed triggered events offline (JSNS2 2025, Sec. V): a
prompt candidate is paired with every delayed candidate that follows it in the same
spill within the delayed-trigger window (12 ms in 2021, 25 ms in 2022, Sec. II). All
pairs are kept (a prompt with several delayed candidates gives several pairs), so that
the accidental background, estimated with the same rule, adds up exactly.

The kernels work on rows sorted by (run, spill, time), as the reader guarantees. They
never look across spills, so a stream cut into chunks at spill boundaries
(:func:`spill_boundary`) gives exactly the pairs of the whole file.

Examples
--------
>>> import numpy as np
>>> from nuexp.events.pairing import pair_events
>>> key = np.array([0, 0, 0, 1, 1])
>>> t = np.array([5.0, 300.0, 900.0, 5.0, 10.0])
>>> prompt = np.array([True, False, False, True, False])
>>> delayed = ~prompt
>>> p, d = pair_events(key, t, prompt, delayed, np.full(5, 1000.0))
>>> p.tolist(), d.tolist()
([0, 0, 3], [1, 2, 4])
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "spill_keys",
    "spill_boundary",
    "pair_events",
    "muon_before",
    "shifted_pairs",
    "vertex_distance",
]


def spill_keys(run: np.ndarray, spill: np.ndarray, start: int = 0) -> np.ndarray:
    """Consecutive spill index (0, 0, 1, 1, 1, 2, ...) + ``start``: a new value wherever
    the (run, spill) pair changes. Rows must be in time order."""
    n = run.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.empty(n, dtype=bool)
    change[0] = False
    change[1:] = (run[1:] != run[:-1]) | (spill[1:] != spill[:-1])
    return np.cumsum(change, dtype=np.int64) + start


def spill_boundary(run: np.ndarray, spill: np.ndarray) -> int:
    """Index of the first row of the last (run, spill) in the arrays: rows before it are
    complete spills, rows from it on may continue in the next chunk."""
    if run.shape[0] < 2:
        return 0
    change = np.flatnonzero((run[1:] != run[:-1]) | (spill[1:] != spill[:-1]))
    return int(change[-1]) + 1 if change.size else 0


@njit(cache=True)
def _count(key, time, prompt, delayed, window):
    n = key.shape[0]
    counts = np.zeros(n, dtype=np.int64)
    for i in range(n):
        if not prompt[i]:
            continue
        j = i + 1
        while j < n and key[j] == key[i]:
            dt = time[j] - time[i]
            if dt > window[i]:
                break
            if delayed[j] and dt > 0.0:
                counts[i] += 1
            j += 1
    return counts


@njit(cache=True)
def _fill(key, time, prompt, delayed, window, offsets, out_p, out_d):
    n = key.shape[0]
    for i in range(n):
        if not prompt[i]:
            continue
        k = offsets[i]
        j = i + 1
        while j < n and key[j] == key[i]:
            dt = time[j] - time[i]
            if dt > window[i]:
                break
            if delayed[j] and dt > 0.0:
                out_p[k] = i
                out_d[k] = j
                k += 1
            j += 1


def pair_events(key: np.ndarray, time: np.ndarray, prompt: np.ndarray, delayed: np.ndarray,
                window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (prompt, delayed) pairs with 0 < t_d − t_p ≤ window of the prompt, same spill.

    Parameters
    ----------
    key : ndarray of int
        Spill index per row (:func:`spill_keys`); rows sorted by (key, time).
    time : ndarray of float
        Time since the beam start (hepunits time).
    prompt, delayed : ndarray of bool
        Which rows are prompt and delayed candidates.
    window : ndarray of float
        Delayed window per row (used for the prompt rows), hepunits time.

    Returns
    -------
    (ndarray, ndarray)
        Row indices of the prompt and the delayed event of each pair, in time order of
        the prompts, then of the delayed events.
    """
    key = np.ascontiguousarray(key, dtype=np.int64)
    time = np.ascontiguousarray(time, dtype=np.float64)
    prompt = np.ascontiguousarray(prompt, dtype=np.bool_)
    delayed = np.ascontiguousarray(delayed, dtype=np.bool_)
    window = np.ascontiguousarray(window, dtype=np.float64)
    counts = _count(key, time, prompt, delayed, window)
    offsets = np.zeros(counts.shape[0], dtype=np.int64)
    if counts.shape[0] > 1:
        np.cumsum(counts[:-1], out=offsets[1:])
    total = int(counts.sum())
    out_p = np.empty(total, dtype=np.int64)
    out_d = np.empty(total, dtype=np.int64)
    _fill(key, time, prompt, delayed, window, offsets, out_p, out_d)
    return out_p, out_d


@njit(cache=True)
def _muon_before(key, time, is_muon, candidate, lookback):
    n = key.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        if not candidate[i]:
            continue
        j = i - 1
        while j >= 0 and key[j] == key[i] and time[i] - time[j] <= lookback:
            if is_muon[j]:
                out[i] = True
                break
            j -= 1
    return out


def muon_before(key: np.ndarray, time: np.ndarray, is_muon: np.ndarray,
                candidate: np.ndarray, lookback: float) -> np.ndarray:
    """For each candidate row, whether a muon row precedes it within ``lookback`` in the
    same spill (the Michel-electron tag of JSNS2 2025, Sec. V).

    Returns
    -------
    ndarray of bool
        True where a parent-muon candidate was found (always False on non-candidates).
    """
    return _muon_before(np.ascontiguousarray(key, dtype=np.int64),
                        np.ascontiguousarray(time, dtype=np.float64),
                        np.ascontiguousarray(is_muon, dtype=np.bool_),
                        np.ascontiguousarray(candidate, dtype=np.bool_), float(lookback))


def vertex_distance(x1, y1, z1, x2, y2, z2) -> np.ndarray:
    """Euclidean distance between two vertices (same length unit in and out)."""
    return np.sqrt((x1 - x2) ** 2 + (y1 - y2) ** 2 + (z1 - z2) ** 2)


@njit(cache=True)
def _shifted(p_seq, p_period, p_time, p_window, d_time, d_offsets, seq_first, seq_period,
             n_shifts, dt_min, out_p, out_d, out_w, fill):
    total = 0
    n_spill = seq_period.shape[0]
    for i in range(p_seq.shape[0]):
        a = p_seq[i]
        used = 0
        # how many partner spills exist (same period, earlier in the stream)
        for k in range(1, n_shifts + 1):
            s = a - k
            if s < seq_first:
                break
            if seq_period[s - seq_first] == p_period[i]:
                used += 1
        if used == 0:
            continue
        w = 1.0 / used
        for k in range(1, n_shifts + 1):
            s = a - k
            if s < seq_first:
                break
            r = s - seq_first
            if r >= n_spill or seq_period[r] != p_period[i]:
                continue
            for j in range(d_offsets[r], d_offsets[r + 1]):
                dt = d_time[j] - p_time[i]
                if dt < dt_min or dt > p_window[i]:
                    continue
                if fill:
                    out_p[total] = i
                    out_d[total] = j
                    out_w[total] = w
                total += 1
    return total


def shifted_pairs(prompt: dict[str, np.ndarray], delayed: dict[str, np.ndarray],
                  seq_first: int, seq_period: np.ndarray, n_shifts: int, dt_min: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spill-shift pairs: each prompt candidate with the delayed candidates of the
    ``n_shifts`` previous triggered spills of the same period (JSNS2 2025, Sec. VI).

    Times are "since the beam start of their own spill", so a delayed event of another
    spill is placed as if it followed the prompt's beam spill.

    Parameters
    ----------
    prompt : dict of ndarray
        ``seq`` (spill sequence number), ``period``, ``time``, ``window`` of the selected
        prompt candidates.
    delayed : dict of ndarray
        ``seq`` and ``time`` of the selected delayed candidates, sorted by ``seq``,
        covering spills ``seq_first`` ... ``seq_first + len(seq_period) − 1``.
    seq_first : int
        Sequence number of the first spill described by ``seq_period``.
    seq_period : ndarray of int
        Period of each spill from ``seq_first`` on.
    n_shifts : int
        Number of earlier spills each prompt is combined with.
    dt_min : float
        Lower edge of the ΔT window; the upper edge is each prompt's ``window``.

    Returns
    -------
    (prompt_index, delayed_index, weight)
        One entry per shifted pair (indices into the ``prompt`` and ``delayed`` arrays);
        ``weight`` = 1 / (number of partner spills of that prompt), so that the weights
        add up to the expected number of accidental pairs.
    """
    seq_period = np.ascontiguousarray(seq_period, dtype=np.int64)
    n_spill = seq_period.shape[0]
    d_seq = np.ascontiguousarray(delayed["seq"], dtype=np.int64)
    d_offsets = np.searchsorted(d_seq, np.arange(seq_first, seq_first + n_spill + 1)
                                ).astype(np.int64)
    args = (np.ascontiguousarray(prompt["seq"], dtype=np.int64),
            np.ascontiguousarray(prompt["period"], dtype=np.int64),
            np.ascontiguousarray(prompt["time"], dtype=np.float64),
            np.ascontiguousarray(prompt["window"], dtype=np.float64),
            np.ascontiguousarray(delayed["time"], dtype=np.float64), d_offsets,
            int(seq_first), seq_period, int(n_shifts), float(dt_min))
    none_i = np.zeros(0, dtype=np.int64)
    n = _shifted(*args, none_i, none_i, np.zeros(0), False)
    out_p, out_d, out_w = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n)
    _shifted(*args, out_p, out_d, out_w, True)
    return out_p, out_d, out_w
