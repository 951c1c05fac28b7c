"""Detection efficiency as a function of the observable (PE, electrons, keVee, keVnr).

Three building blocks, multiplied:

* a curve: a logistic ``a / (1 + exp(−k (x − x0)))`` (the form of the COHERENT CsI[Na]
  2017 acceptance, arXiv:1804.09459 Eq. 1) or a table (linear in between, 0 outside the
  table — an efficiency is never extrapolated);
* constant factors (e.g. a muon veto and an afterglow cut);
* multipliers on intervals ``low ≤ x < high`` (e.g. "halved between 5 and 6 PE").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ..exceptions import UnphysicalParameter
from ..validation import require_finite

__all__ = ["sigmoid_efficiency", "tabulated_efficiency", "interval_multipliers"]


def sigmoid_efficiency(x: ArrayLike, a: float, k: float, x0: float) -> np.ndarray:
    """Logistic efficiency a / (1 + exp(−k (x − x0))).

    Parameters
    ----------
    x : array_like
        Observable values.
    a : float
        Plateau, in (0, 1].
    k : float
        Slope per unit observable, > 0.
    x0 : float
        Midpoint (observable units).
    """
    if not (0 < a <= 1 and k > 0 and np.isfinite(x0)):
        raise UnphysicalParameter(f"sigmoid efficiency: need 0 < a <= 1, k > 0, finite x0; "
                                  f"got a = {a}, k = {k}, x0 = {x0}")
    xv = require_finite("observable", x)
    return a / (1.0 + np.exp(-k * (xv - x0)))


def tabulated_efficiency(x: ArrayLike, points: Sequence[float], values: Sequence[float]
                         ) -> np.ndarray:
    """Efficiency interpolated linearly in a table; 0 outside ``[points[0], points[-1]]``.

    Parameters
    ----------
    x : array_like
        Observable values.
    points : sequence of float
        Strictly increasing observable values (≥ 2).
    values : sequence of float
        Efficiencies at ``points``, each in [0, 1].
    """
    p, v = np.asarray(points, float), np.asarray(values, float)
    if p.ndim != 1 or p.size < 2 or p.shape != v.shape or np.any(np.diff(p) <= 0):
        raise UnphysicalParameter("tabulated efficiency: need >= 2 strictly increasing points "
                                  "and one value per point")
    if np.any((v < 0) | (v > 1)) or not np.all(np.isfinite(v)):
        raise UnphysicalParameter(f"tabulated efficiency: values must lie in [0, 1]; got {v}")
    xv = require_finite("observable", x)
    return np.interp(xv, p, v, left=0.0, right=0.0)


def interval_multipliers(x: ArrayLike, intervals: Sequence[tuple[float, float, float]]
                         ) -> np.ndarray:
    """Product of ``factor`` over the intervals ``(low, high, factor)`` with low ≤ x < high."""
    xv = require_finite("observable", x)
    out = np.ones_like(xv, dtype=float)
    for low, high, factor in intervals:
        if not (low < high and 0 <= factor <= 1):
            raise UnphysicalParameter(f"efficiency interval ({low}, {high}, {factor}): need "
                                      "low < high and 0 <= factor <= 1")
        out = np.where((xv >= low) & (xv < high), out * factor, out)
    return out
