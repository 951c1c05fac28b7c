"""Counting-experiment significance and its map over detector mass × live time.

The simple figure of merit used by the CLOVERS proposal (Eq. 1)::

    Z = S / sqrt(S + B).

When both signal and background scale with the exposure m·t (S = s·m·t, B = b·m·t),
Z = sqrt(m t) · s / sqrt(s + b), so a significance Z₀ needs the exposure
m·t = Z₀² (s + b) / s² — the contour of CLOVERS Fig. 14 is a hyperbola.

:func:`significance_map` evaluates any rate model on a grid; :func:`level_curve` finds,
for each column of any map, where it crosses a level (e.g. 5σ), so the helpers serve
other experiments with non-proportional backgrounds too.

Examples
--------
>>> round(float(significance(160.0, 833.0)), 3)
5.077
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ..validation import require_non_negative, require_positive

__all__ = ["significance", "exposure_for_significance", "significance_map", "level_curve"]


def significance(signal: ArrayLike, background: ArrayLike) -> np.ndarray:
    """Z = S / sqrt(S + B) (CLOVERS Eq. 1); 0 where S + B = 0.

    Parameters
    ----------
    signal, background : array_like
        Expected event counts, ≥ 0 (broadcast together).
    """
    s = require_non_negative("signal events", signal)
    b = require_non_negative("background events", background)
    tot = s + b
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(tot > 0, s / np.sqrt(np.where(tot > 0, tot, 1.0)), 0.0)
    return z


def exposure_for_significance(z: float, signal_rate: float, background_rate: float) -> float:
    """Exposure (mass × time, in the rates' units) at which S/sqrt(S+B) reaches ``z``.

    With S = s·X and B = b·X: X = z² (s + b) / s².
    """
    z = float(require_positive("target significance", z))
    s = float(require_positive("signal rate", signal_rate))
    b = float(require_non_negative("background rate", background_rate))
    return z * z * (s + b) / (s * s)


def significance_map(
    masses: ArrayLike,
    times: ArrayLike,
    signal: Callable[[np.ndarray, np.ndarray], np.ndarray] | float,
    background: Callable[[np.ndarray, np.ndarray], np.ndarray] | float,
) -> np.ndarray:
    """Z on the grid ``times`` (rows) × ``masses`` (columns).

    Parameters
    ----------
    masses, times : array_like
        1-D grids (any units the rate model understands), > 0.
    signal, background : callable or float
        Either a function ``f(mass, time)`` returning expected counts (broadcast over
        2-D arrays), or a number = counts per unit mass per unit time (proportional
        scaling).

    Returns
    -------
    ndarray
        Shape (len(times), len(masses)).
    """
    m = require_positive("masses", masses)
    t = require_positive("times", times)
    mm, tt = np.meshgrid(m, t)

    def counts(model):
        if callable(model):
            return np.asarray(model(mm, tt), dtype=float)
        return float(require_non_negative("rate", model)) * mm * tt

    return significance(counts(signal), counts(background))


def level_curve(x: ArrayLike, y: ArrayLike, values: ArrayLike, level: float) -> np.ndarray:
    """For each column x_j, the smallest y where ``values[:, j]`` first reaches ``level``.

    ``values`` has shape (len(y), len(x)) (as from :func:`significance_map`); the crossing
    is linearly interpolated between grid rows. Columns that never reach the level give
    NaN-free ``+inf`` (never reached) — callers mask them before plotting.
    """
    xv = np.asarray(x, dtype=float)
    yv = np.asarray(y, dtype=float)
    v = np.asarray(values, dtype=float)
    if v.shape != (yv.size, xv.size):
        raise ValueError(f"values shape {v.shape} != (len(y), len(x)) = {(yv.size, xv.size)}")
    out = np.full(xv.size, np.inf)
    for j in range(xv.size):
        col = v[:, j]
        above = np.nonzero(col >= level)[0]
        if above.size == 0:
            continue
        i = above[0]
        if i == 0:
            out[j] = yv[0]
            continue
        y0, y1, v0, v1 = yv[i - 1], yv[i], col[i - 1], col[i]
        out[j] = y0 + (level - v0) * (y1 - y0) / (v1 - v0)
    return out
