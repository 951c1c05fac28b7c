"""Fused numba kernels of the streaming event analysis: one pass per spill-complete segment.

The pipeline (:mod:`nuexp.events.pipeline`) used to evaluate the selection as ~30 numpy
passes per chunk (masks, spill keys, two pairings, the Michel tag, per-period counts,
histograms) on float64 copies of every column. :func:`scan_segment` does all of it in one
walk over the rows, spill by spill, reading the file columns as they come from Parquet
(float32 vertices and charges, µs times) and converting each value to hepunits on the fly
with exactly the arithmetic the numpy version used (``float64(v) * unit``), so every count,
histogram and sum is bit for bit the same:

* event-level cuts (JSNS2 2025, Table 1 / Sec. V): fiducial volume, veto charges, muon tag,
  prompt energy and timing, delayed energy, fake-trigger multiplicity (Sec. VI);
* the Michel tag (a muon within ``lookback`` before the candidate, same spill);
* prompt/delayed pairing within the delayed window and the pair cuts, filling the cut
  flow, the Δ_VTX histogram, the near/far counts and the selected pairs;
* fake-trigger pairing (fake prompts in the delayed window), with its weighted sums and
  histograms;
* the spill-shift inputs: selected prompt rows, selected delayed rows and the period of
  each spill.

:func:`shift_segment` then pairs the selected prompts with the selected delayed events of
the previous ``n_shifts`` spills of the same period (spill-shift method, Sec. VI), again
filling histograms in the order the numpy version did (so float sums agree bit for bit).

All accumulators are arrays passed in by the caller, indexed by period *slot* (position of
the period in ``per_values``), so that a block made of several segments accumulates
exactly as one call over the concatenated rows would.

Layout
------
``icount[slot, :]`` (int64): see the ``IC_*`` indices. ``fsum[slot, :]`` (float64): fake
Σw and Σw² near (Δ_VTX ≤ 20 cm) and far (> 40 cm). ``h_data[slot, bin]``: Δ_VTX of the pairs
passing all cuts but Δ_VTX. ``h_fake[slot, h, bin]`` for h in HIST order (dvtx, e_p, e_d,
t_p, dt). ``hpar[h] = (first edge, bin width, last edge)``, ``hn[h]`` = number of bins.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["scan_segment", "row_flags", "shift_segment", "order_violation", "row_violation", "rows_valid",
           "VALUE_COLUMNS", "spill_starts", "hist_bin",
           "py_mod", "N_ICOUNT", "IC_EVENTS", "IC_SPILLS", "IC_CUTFLOW", "IC_DATA_NEAR",
           "IC_DATA_FAR", "IC_TRUTH_SELECTED", "N_PAR", "SEL_COLUMNS"]

IC_EVENTS = 0
IC_SPILLS = 1
IC_CUTFLOW = 2          # 9 stages: 2 ... 10
IC_DATA_NEAR = 11
IC_DATA_FAR = 12
IC_TRUTH_SELECTED = 13
N_ICOUNT = 14

#: columns of the selected-pair output, in order
SEL_COLUMNS = ("period", "e_p", "e_d", "t_p", "dt", "dvtx", "truth")

# parameter vector (hepunits), see pipeline._parameters
P_PE_LO, P_PE_HI, P_PT_LO, P_PT_HI, P_DE_LO, P_DE_HI = 0, 1, 2, 3, 4, 5
P_DT_MIN, P_DVTX_MAX, P_FV_R2, P_FV_H, P_VT_MAX, P_VB_MAX = 6, 7, 8, 9, 10, 11
P_MU_MIN, P_LOOKBACK, P_FAKE_START, P_FAKE_STEP, P_FAR_MIN, P_SHAPE_MAX = 12, 13, 14, 15, 16, 17
N_PAR = 18

#: rows flagged at a time by scan_segment (~100 kB of columns: stays in L2)
_TILE = 2048

# row bits (row_flags); the first four are the first four cut-flow rows
_F_PROMPT = 1    # prompt readout
_F_S1 = 2        # + prompt energy
_F_S2 = 4        # + prompt timing
_F_S3 = 8        # + FV: prompt candidate
_F_ELIG = 16     # could be a fake prompt: delayed-window event, prompt energy, FV
#                  (the fake-trigger multiplicity, two divisions, is left to the rare rows)
_F_DELAYED = 32  # delayed candidate
_F_VETO_OK = 64  # veto charges below the muon-rejection thresholds
_F_MUON = 128    # parent-muon candidate


@njit(cache=True, inline="always")
def hist_bin(v, e0, width, elast, n):
    """Bin of ``v`` on a uniform binning exactly as ``pipeline._hist`` computes it (last
    edge included); −1 outside (NaN included)."""
    if v == elast:
        return n - 1
    q = math.floor((v - e0) / width)
    if q >= 0.0 and q < n:
        return int(q)
    return -1


@njit(cache=True, inline="always")
def py_mod(a, b):
    """``numpy.mod`` of two floats (result has the sign of ``b``), same rounding."""
    m = np.fmod(a, b)          # exact (LLVM frem), like C fmod
    if m != 0.0:
        if (b < 0.0) != (m < 0.0):
            m += b
    else:
        m = math.copysign(0.0, b)
    return m


@njit(cache=True, inline="always")
def _fake_weight(t, lo, hi, start, step):
    # selection._fake_multiplicity, scalar form (np.maximum keeps NaN)
    u = t - start
    k_max = math.floor((u - lo) / step)
    c = math.ceil((u - hi) / step)
    k_min = c if (c >= 0.0 or c != c) else 0.0
    w = k_max - k_min + 1.0
    return w if (w >= 0.0 or w != w) else 0.0


@njit(cache=True)
def spill_starts(run, spill):
    """(first, last) index ``i >= 1`` where (run, spill) differs from row ``i − 1``;
    (−1, −1) when the rows are one spill. Scans only the first and last spill."""
    n = run.shape[0]
    first = -1
    for i in range(1, n):
        if run[i] != run[i - 1] or spill[i] != spill[i - 1]:
            first = i
            break
    if first < 0:
        return -1, -1
    last = first
    for i in range(n - 1, first, -1):
        if run[i] != run[i - 1] or spill[i] != spill[i - 1]:
            last = i
            break
    return first, last


@njit(cache=True)
def order_violation(run, spill, time, tscale, has_last, last_run, last_spill, last_time):
    """First row (index into the arrays) out of (run, spill, time) order, and the column
    (0 run, 1 spill, 2 time), comparing times in hepunits (``time * tscale``) like the
    numpy check, or with a negative run (3) or spill (4); (−1, −1) if in order.
    ``last_*`` is the previous chunk's last row."""
    n = run.shape[0]
    if n == 0:
        return -1, -1
    pr = last_run
    ps = last_spill
    pt = last_time
    start = 0
    if not has_last:
        pr = run[0]
        ps = spill[0]
        pt = np.float64(time[0]) * tscale
        start = 1
    if run[0] < 0 or spill[0] < 0:
        return 0, 3 if run[0] < 0 else 4
    for i in range(start, n):
        r = run[i]
        s = spill[i]
        t = np.float64(time[i]) * tscale
        if r < 0 or s < 0:
            return i, 3 if r < 0 else 4
        if r < pr:
            return i, 0
        if r == pr:
            if s < ps:
                return i, 1
            if s == ps and t < pt:
                return i, 2
        pr = r
        ps = s
        pt = t
    return -1, -1


#: value checks of :func:`row_violation`, in its code order (code = 3 + position)
VALUE_COLUMNS = ("time_us", "energy_mev", "x_cm", "y_cm", "z_cm", "veto_top_pe",
                 "veto_bottom_pe", "trigger", "truth", "period", "run", "spill")


@njit(cache=True, inline="always")
def _within(v, lo, hi):
    return (v >= lo) & (v <= hi)      # False for NaN


@njit(cache=True)
def rows_valid(run, spill, time, trigger, energy, x, y, z, vt, vb, period, truth, limits,
               tscale):
    """Whether every row is in (run, spill, time) order and every value in its range (the
    checks of :func:`row_violation`, which finds the offending row). Branch-free, so
    that LLVM vectorises it: ~1-2 ns per row, a third of the branchy scan; ``truth`` may
    be any int8 column in range when the file has none."""
    ok = True
    n = run.shape[0]
    for i in range(n):
        ok &= (_within(np.float64(time[i]), limits[0, 0], limits[0, 1])
               & _within(np.float64(energy[i]), limits[1, 0], limits[1, 1])
               & _within(np.float64(x[i]), limits[2, 0], limits[2, 1])
               & _within(np.float64(y[i]), limits[3, 0], limits[3, 1])
               & _within(np.float64(z[i]), limits[4, 0], limits[4, 1])
               & _within(np.float64(vt[i]), limits[5, 0], limits[5, 1])
               & _within(np.float64(vb[i]), limits[6, 0], limits[6, 1])
               & _within(np.float64(trigger[i]), limits[7, 0], limits[7, 1])
               & _within(np.float64(truth[i]), limits[8, 0], limits[8, 1])
               & _within(np.float64(period[i]), limits[9, 0], limits[9, 1])
               & _within(np.float64(run[i]), limits[10, 0], limits[10, 1])
               & _within(np.float64(spill[i]), limits[11, 0], limits[11, 1]))
    for i in range(1, n):
        ok &= ((run[i] > run[i - 1])
               | ((run[i] == run[i - 1])
                  & ((spill[i] > spill[i - 1])
                     | ((spill[i] == spill[i - 1])
                        & (np.float64(time[i]) * tscale >= np.float64(time[i - 1]) * tscale)))))
    return ok


@njit(cache=True)
def row_violation(run, spill, time, trigger, energy, x, y, z, vt, vb, period, truth,
                  has_truth, limits, tscale, has_last, last_run, last_spill, last_time):
    """First row that is out of (run, spill, time) order or holds a value outside its
    range, and what is wrong: (−1, −1) if none; code 0/1/2 = run/spill/time decreases,
    ``3 + k`` = column ``VALUE_COLUMNS[k]`` out of ``limits[k] = (low, high)`` (NaN is
    out of every range). Columns as stored in the file; the order check compares times
    in hepunits (``time * tscale``) like :func:`order_violation`."""
    n = run.shape[0]
    pr = last_run
    ps = last_spill
    pt = last_time
    for i in range(n):
        t = np.float64(time[i])
        if not (t >= limits[0, 0] and t <= limits[0, 1]):
            return i, 3
        v = np.float64(energy[i])
        if not (v >= limits[1, 0] and v <= limits[1, 1]):
            return i, 4
        v = np.float64(x[i])
        if not (v >= limits[2, 0] and v <= limits[2, 1]):
            return i, 5
        v = np.float64(y[i])
        if not (v >= limits[3, 0] and v <= limits[3, 1]):
            return i, 6
        v = np.float64(z[i])
        if not (v >= limits[4, 0] and v <= limits[4, 1]):
            return i, 7
        v = np.float64(vt[i])
        if not (v >= limits[5, 0] and v <= limits[5, 1]):
            return i, 8
        v = np.float64(vb[i])
        if not (v >= limits[6, 0] and v <= limits[6, 1]):
            return i, 9
        v = np.float64(trigger[i])
        if not (v >= limits[7, 0] and v <= limits[7, 1]):
            return i, 10
        if has_truth:
            v = np.float64(truth[i])
            if not (v >= limits[8, 0] and v <= limits[8, 1]):
                return i, 11
        v = np.float64(period[i])
        if not (v >= limits[9, 0] and v <= limits[9, 1]):
            return i, 12
        r = run[i]
        sp = spill[i]
        if r < limits[10, 0] or r > limits[10, 1]:
            return i, 13
        if sp < limits[11, 0] or sp > limits[11, 1]:
            return i, 14
        t = t * tscale
        if i > 0 or has_last:
            if r < pr:
                return i, 0
            if r == pr:
                if sp < ps:
                    return i, 1
                if sp == ps and t < pt:
                    return i, 2
        pr = r
        ps = sp
        pt = t
    return -1, -1


@njit(cache=True)
def row_flags(trigger, energy, x, y, z, vt, vb, time, truth, tscale, lscale, par,
              truth_only, start, stop, flags, limits):
    """Event-level cuts of rows ``[start, stop)`` as bits (``_F_*``), branch-free so that
    it vectorises: prompt readout, + prompt energy, + prompt timing, + FV (the first four
    cut-flow rows), fake-prompt eligible, delayed candidate, veto OK, muon.

    Returns whether every value of these rows is in its range: ``limits`` holds the
    first nine rows of the :func:`row_violation` limits (time, energy, x, y, z, veto top
    and bottom, trigger, truth) in the units of the columns as passed (NaN is out of
    every range). Checked here, on values already loaded, it costs ~1 ns per row."""
    ok = True
    pe_lo = par[P_PE_LO]
    pe_hi = par[P_PE_HI]
    pt_lo = par[P_PT_LO]
    pt_hi = par[P_PT_HI]
    de_lo = par[P_DE_LO]
    de_hi = par[P_DE_HI]
    fv_r2 = par[P_FV_R2]
    fv_h = par[P_FV_H]
    vt_max = par[P_VT_MAX]
    vb_max = par[P_VB_MAX]
    mu_min = par[P_MU_MIN]
    any_truth = not truth_only
    for i in range(start, stop):
        t = np.float64(time[i]) * tscale
        en = np.float64(energy[i])
        xi = np.float64(x[i]) * lscale
        yi = np.float64(y[i]) * lscale
        zi = np.float64(z[i]) * lscale
        fid = ((xi * xi + yi * yi) < fv_r2) & (abs(zi) < fv_h)
        vti = np.float64(vt[i])
        vbi = np.float64(vb[i])
        trig = trigger[i]
        tr = truth[i]
        p_energy = (en >= pe_lo) & (en <= pe_hi)
        prompt = (trig == 0) & (any_truth | (tr == 1))
        s1 = prompt & p_energy
        s2 = s1 & (t >= pt_lo) & (t <= pt_hi)
        s3 = s2 & fid
        delayed = ((trig == 1) & (en >= de_lo) & (en <= de_hi) & fid
                   & (any_truth | (tr == 2)))
        eligible = (trig == 1) & p_energy & fid
        muon = (vti > mu_min) | (vbi > mu_min)
        veto_ok = (vti < vt_max) & (vbi < vb_max)
        flags[i] = (np.uint8(prompt) | (np.uint8(s1) << 1) | (np.uint8(s2) << 2)
                    | (np.uint8(s3) << 3) | (np.uint8(eligible) << 4) | (np.uint8(delayed) << 5)
                    | (np.uint8(veto_ok) << 6) | (np.uint8(muon) << 7))
        ok &= (_within(np.float64(time[i]), limits[0, 0], limits[0, 1])
               & _within(en, limits[1, 0], limits[1, 1])
               & _within(np.float64(x[i]), limits[2, 0], limits[2, 1])
               & _within(np.float64(y[i]), limits[3, 0], limits[3, 1])
               & _within(np.float64(z[i]), limits[4, 0], limits[4, 1])
               & _within(vti, limits[5, 0], limits[5, 1])
               & _within(vbi, limits[6, 0], limits[6, 1])
               & _within(np.float64(trig), limits[7, 0], limits[7, 1])
               & _within(np.float64(tr), limits[8, 0], limits[8, 1]))
    return ok


@njit(cache=True, inline="always")
def _add_counts(icount, slot, events, spills, c0, c1, c2, c3):
    """Add a period's running event, spill and cut-flow counts to its row of ``icount``."""
    icount[slot, IC_EVENTS] += events
    icount[slot, IC_SPILLS] += spills
    icount[slot, IC_CUTFLOW] += c0
    icount[slot, IC_CUTFLOW + 1] += c1
    icount[slot, IC_CUTFLOW + 2] += c2
    icount[slot, IC_CUTFLOW + 3] += c3


@njit(cache=True)
def scan_segment(run, spill, time, trigger, energy, x, y, z, vt, vb, period, truth,
                 tscale, lscale, par, per_values, per_windows, truth_only, seq0,
                 icount, fsum, h_data, h_fake, hpar, hn, sel,
                 flags, dsel_seq, dsel_val, psel_idx, psel_seq, spill_slot, limits):
    """One pass over a spill-complete segment (its first row starts a spill, numbered
    ``seq0``): cuts (:func:`row_flags`, tile by tile), then row by row the cut-flow
    counts and the selected delayed events, and at the end of each spill with a candidate
    the Michel tag, the real and fake pairs and the selected prompts.

    Everything is in this one function on purpose: a numba call with array arguments
    costs atomic reference counting (it was a quarter of the time when the per-spill pair
    pass was a function).

    Returns
    -------
    (n_selected, n_delayed_selected, n_prompt_selected, n_spills, error_row)
        ``n_selected`` may exceed ``sel.shape[0]`` (then only the first rows were written:
        call again with a larger ``sel``). ``error_row`` ≥ 0 is a row whose period is not in
        ``per_values``, −2 means a value outside ``limits`` (see :func:`row_flags`);
        nothing else is meaningful then.
    """
    n = time.shape[0]
    n_sel = 0
    n_d = 0
    n_p = 0
    n_spill = 0
    if n == 0:
        return n_sel, n_d, n_p, n_spill, -1
    n_per = per_values.shape[0]
    cap = sel.shape[0]
    pt_lo = par[P_PT_LO]
    pt_hi = par[P_PT_HI]
    dt_min = par[P_DT_MIN]
    dvtx_max = par[P_DVTX_MAX]
    lookback = par[P_LOOKBACK]
    fake_start = par[P_FAKE_START]
    fake_step = par[P_FAKE_STEP]
    far_min = par[P_FAR_MIN]
    d_e0, d_w, d_el, d_n = hpar[0, 0], hpar[0, 1], hpar[0, 2], hn[0]
    slot = -1
    last_pv = period[0]
    for k in range(n_per):
        if per_values[k] == last_pv:
            slot = k
            break
    if slot < 0:
        return n_sel, n_d, n_p, n_spill, 0
    # per-slot counters kept in registers, flushed when the period changes
    c_ev = 0
    c0 = 0
    c1 = 0
    c2 = 0
    c3 = 0
    prev_run = run[0]
    prev_spill = spill[0]
    seq = seq0
    a = 0
    cand = False
    spill_slot[0] = slot
    n_spill = 1
    c_sp = 1
    flagged = 0
    for i in range(n + 1):
        new = False
        if i < n:
            if i == flagged:
                # flags tile by tile, so that the pair pass of each spill finds its rows
                # still in cache
                flagged = min(n, i + _TILE)
                if not row_flags(trigger, energy, x, y, z, vt, vb, time, truth, tscale,
                                 lscale, par, truth_only, i, flagged, flags, limits):
                    return n_sel, n_d, n_p, n_spill, -2
            new = run[i] != prev_run or spill[i] != prev_spill
        if (new or i == n) and cand:
            # ------------------------------------------ pair pass of the spill [a, i)
            for p in range(a, i):
                fi = flags[p]
                if not (fi & (_F_S3 | _F_ELIG)):
                    continue
                ti = np.float64(time[p]) * tscale
                real = (fi & _F_S3) != 0
                w = 0.0
                tp = np.nan                # computed for the first fake pair
                if not real:
                    # fake prompt: inside the timing window of at least one fake beam start
                    w = _fake_weight(ti, pt_lo, pt_hi, fake_start, fake_step)
                    if not (w > 0.0):
                        continue
                # Michel tag: a muon within `lookback` before, same spill
                p_michel = False
                q = p - 1
                while q >= a and ti - np.float64(time[q]) * tscale <= lookback:
                    if flags[q] & _F_MUON:
                        p_michel = True
                        break
                    q -= 1
                p_veto = (fi & _F_VETO_OK) != 0
                if real and p_veto and not p_michel:
                    psel_idx[n_p] = p
                    psel_seq[n_p] = seq
                    n_p += 1
                pslot = 0
                while per_values[pslot] != period[p]:
                    pslot += 1
                win = per_windows[pslot]
                xi = np.float64(x[p]) * lscale
                yi = np.float64(y[p]) * lscale
                zi = np.float64(z[p]) * lscale
                ei = np.float64(energy[p])
                for q in range(p + 1, i):
                    tj = np.float64(time[q]) * tscale
                    dt = tj - ti
                    if dt > win:
                        break
                    fj = flags[q]
                    if not ((fj & _F_DELAYED) and dt > 0.0):
                        continue
                    dx = np.float64(x[q]) * lscale - xi
                    dy = np.float64(y[q]) * lscale - yi
                    dz = np.float64(z[q]) * lscale - zi
                    dvtx = math.sqrt(dx * dx + dy * dy + dz * dz)
                    c_dt = dt >= dt_min
                    c_veto = p_veto and (fj & _F_VETO_OK) != 0
                    if real:
                        near = dvtx <= dvtx_max
                        icount[pslot, IC_CUTFLOW + 4] += 1
                        a8 = False
                        if c_dt:
                            icount[pslot, IC_CUTFLOW + 5] += 1
                            if near:
                                icount[pslot, IC_CUTFLOW + 6] += 1
                                if c_veto:
                                    icount[pslot, IC_CUTFLOW + 7] += 1
                                    if not p_michel:
                                        icount[pslot, IC_CUTFLOW + 8] += 1
                                        a8 = True
                        if c_dt and c_veto and not p_michel:
                            b = hist_bin(dvtx, d_e0, d_w, d_el, d_n)
                            if b >= 0:
                                h_data[pslot, b] += 1.0
                            if near:
                                icount[pslot, IC_DATA_NEAR] += 1
                            if dvtx > far_min:
                                icount[pslot, IC_DATA_FAR] += 1
                        if a8:
                            truth_pair = truth[p] == 1 and truth[q] == 2
                            if truth_pair:
                                icount[pslot, IC_TRUTH_SELECTED] += 1
                            if n_sel < cap:
                                sel[n_sel, 0] = np.float64(period[p])
                                sel[n_sel, 1] = ei
                                sel[n_sel, 2] = np.float64(energy[q])
                                sel[n_sel, 3] = ti
                                sel[n_sel, 4] = dt
                                sel[n_sel, 5] = dvtx
                                sel[n_sel, 6] = 1.0 if truth_pair else 0.0
                            n_sel += 1
                    elif c_dt and c_veto and not p_michel:
                        if tp != tp:
                            # prompt time relative to the fake beam start containing it
                            tp = pt_lo + py_mod(ti - fake_start - pt_lo, fake_step)
                        if dvtx <= dvtx_max:
                            fsum[pslot, 0] += w
                            fsum[pslot, 1] += w * w
                        if dvtx > far_min:
                            fsum[pslot, 2] += w
                            fsum[pslot, 3] += w * w
                        vals = (dvtx, ei, np.float64(energy[q]), tp, dt)
                        for h in range(5):
                            b = hist_bin(vals[h], hpar[h, 0], hpar[h, 1], hpar[h, 2], hn[h])
                            if b >= 0:
                                h_fake[pslot, h, b] += w
        if i == n:
            break
        if new:
            prev_run = run[i]
            prev_spill = spill[i]
            a = i
            cand = False
            seq += 1
        pv = period[i]
        if pv != last_pv:
            _add_counts(icount, slot, c_ev, c_sp, c0, c1, c2, c3)
            c_ev = 0
            c_sp = 0
            c0 = 0
            c1 = 0
            c2 = 0
            c3 = 0
            slot = -1
            for k in range(n_per):
                if per_values[k] == pv:
                    slot = k
                    break
            if slot < 0:
                return n_sel, n_d, n_p, n_spill, i
            last_pv = pv
        if new:
            spill_slot[n_spill] = slot
            n_spill += 1
            c_sp += 1
        f = flags[i]
        c_ev += 1
        c0 += f & 1
        c1 += (f >> 1) & 1
        c2 += (f >> 2) & 1
        c3 += (f >> 3) & 1
        if f & (_F_S3 | _F_ELIG):
            cand = True
        if (f & (_F_DELAYED | _F_VETO_OK)) == (_F_DELAYED | _F_VETO_OK):
            # selected delayed event, in hepunits, for the spill-shift memory
            dsel_seq[n_d] = seq
            dsel_val[0, n_d] = np.float64(time[i]) * tscale
            dsel_val[1, n_d] = np.float64(x[i]) * lscale
            dsel_val[2, n_d] = np.float64(y[i]) * lscale
            dsel_val[3, n_d] = np.float64(z[i]) * lscale
            dsel_val[4, n_d] = np.float64(energy[i])
            n_d += 1
    _add_counts(icount, slot, c_ev, c_sp, c0, c1, c2, c3)
    return n_sel, n_d, n_p, n_spill, -1


@njit(cache=True, error_model="numpy")
def shift_segment(p_seq, p_period, p_slot, p_time, p_window, p_x, p_y, p_z, p_energy,
                  d_seq, d_time, d_x, d_y, d_z, d_energy, seq_first, seq_period,
                  n_shifts, dt_min, dvtx_max, shape_max, hpar, hn,
                  h_shift_dvtx, h_shift, near_w, near_slot):
    """Spill-shift pairs of the selected prompts (in row order) with the selected delayed
    events of the ``n_shifts`` previous spills of the same period (weights 1/number of
    partner spills), as :func:`nuexp.events.pairing.shifted_pairs` defines them; fills the
    Δ_VTX histogram, the shape histograms (e_p, e_d, t_p, dt for Δ_VTX ≤ ``shape_max``) and
    the weights of the pairs with Δ_VTX ≤ ``dvtx_max`` (in pair order, so that the caller
    can sum them like numpy does).

    Returns the number of near pairs (may exceed ``near_w.shape[0]``: call again larger).
    """
    cap = near_w.shape[0]
    n_near = 0
    d_e0, d_w, d_el, d_n = hpar[0, 0], hpar[0, 1], hpar[0, 2], hn[0]
    n_spill = seq_period.shape[0]
    # d_offsets[r]: first delayed event of memory spill r (d_seq is sorted)
    d_offsets = np.empty(n_spill + 1, dtype=np.int64)
    j = 0
    n_d = d_seq.shape[0]
    for r in range(n_spill + 1):
        while j < n_d and d_seq[j] < seq_first + r:
            j += 1
        d_offsets[r] = j
    s_dv = np.empty(n_d)
    s_q = np.empty(n_d)
    # same[r]: how many consecutive memory spills up to r have the period of spill r
    same = np.empty(n_spill, dtype=np.int64)
    for r in range(n_spill):
        same[r] = same[r - 1] + 1 if r > 0 and seq_period[r] == seq_period[r - 1] else 1
    for i in range(p_seq.shape[0]):
        pp = p_period[i]
        ra = p_seq[i] - seq_first          # the prompt's own spill in the memory
        lo = max(ra - n_shifts, 0)         # oldest partner spill
        # usual case: the partner spills ra-1 ... lo are all of the prompt's period, and
        # their delayed events one contiguous range. Every pair of a prompt adds the
        # same weight, so the order of its pairs does not change any sum.
        fast = ra - 1 >= lo and seq_period[ra - 1] == pp and same[ra - 1] >= ra - lo
        if fast:
            used = ra - lo
        else:
            used = 0
            for r in range(ra - 1, lo - 1, -1):
                if seq_period[r] == pp:
                    used += 1
        if used == 0:
            continue
        w = 1.0 / used
        slot = p_slot[i]
        pt = p_time[i]
        win = p_window[i]
        px = p_x[i]
        py = p_y[i]
        pz = p_z[i]
        pe = p_energy[i]
        r = ra - 1
        while r >= lo:
            if fast:
                j0 = d_offsets[lo]
                j1 = d_offsets[ra]
                r = lo - 1
            else:
                if r >= n_spill or seq_period[r] != pp:
                    r -= 1
                    continue
                j0 = d_offsets[r]
                j1 = d_offsets[r + 1]
                r -= 1
            # distances and Δ_VTX bin quotients of all candidate pairs first, in a loop
            # that vectorises (sqrt and division dominate otherwise)
            for t in range(j1 - j0):
                j = j0 + t
                dx = d_x[j] - px
                dy = d_y[j] - py
                dz = d_z[j] - pz
                dv = math.sqrt(dx * dx + dy * dy + dz * dz)
                s_dv[t] = dv
                s_q[t] = np.floor((dv - d_e0) / d_w)
            for j in range(j0, j1):
                dt = d_time[j] - pt
                if dt < dt_min or dt > win:
                    continue
                dvtx = s_dv[j - j0]
                q = s_q[j - j0]
                # = hist_bin(dvtx, d_e0, d_w, d_el, d_n)
                if dvtx == d_el:
                    b = d_n - 1
                elif q >= 0.0 and q < d_n:
                    b = int(q)
                else:
                    b = -1
                if b >= 0:
                    h_shift_dvtx[slot, b] += w
                if dvtx <= dvtx_max:
                    if n_near < cap:
                        near_w[n_near] = w
                        near_slot[n_near] = slot
                    n_near += 1
                if dvtx <= shape_max:
                    vals = (pe, d_energy[j], pt, dt)
                    for h in range(4):
                        b = hist_bin(vals[h], hpar[h + 1, 0], hpar[h + 1, 1],
                                     hpar[h + 1, 2], hn[h + 1])
                        if b >= 0:
                            h_shift[slot, h, b] += w
    return n_near
