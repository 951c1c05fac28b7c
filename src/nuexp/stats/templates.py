"""Binned templates for likelihood fits: shape variations and shifted re-binning.

Helpers for models made of histogram templates with nuisance parameters, as used by the
COHERENT data fits (:mod:`nuexp.experiments.coherent_data`) and handed to
:class:`nuexp.stats.likelihood.BinnedLikelihood`:

:func:`interpolate_shape`
    Vertical template morphing with a nuisance θ (prior N(0, 1)): piecewise linear
    between the −1σ, nominal and +1σ templates (HistFactory "interpolation code 0",
    Cranmer et al., CERN-OPEN-2012-016, Sec. 4.1), extrapolated linearly beyond ±1σ. A
    one-sided variation (only +1σ given) is mirrored: minus = 2 nominal − plus.
:func:`nonnegative_range`
    The interval of θ where the interpolated template stays ≥ 0 in every bin: used as
    the limits of a shape nuisance, so that no fit reaches a negative expectation.
:func:`rebin_shifted`
    Contents of a fine histogram moved by a shift δ and collected in coarser target bins,
    exactly for a piecewise-uniform density (linear interpolation of the cumulative sum):
    used for timing nuisances that move a released time distribution.

Examples
--------
>>> import numpy as np
>>> nominal, plus = np.array([10.0, 20.0]), np.array([12.0, 18.0])
>>> interpolate_shape(nominal, plus, None, -0.5).tolist()
[9.0, 21.0]
>>> rebin_shifted(np.array([0.0, 1.0, 2.0]), np.array([4.0, 6.0]), np.array([0.0, 2.0, 4.0]),
...               0.5).tolist()
[7.0, 3.0]
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..exceptions import InvalidConfiguration
from ..validation import require_finite

__all__ = ["interpolate_shape", "nonnegative_range", "rebin_shifted"]


def interpolate_shape(nominal: ArrayLike, plus: ArrayLike, minus: ArrayLike | None,
                      theta: float) -> np.ndarray:
    """Template at nuisance value ``theta`` (piecewise linear through the ±1σ variants).

    Parameters
    ----------
    nominal, plus : array_like
        Nominal and +1σ templates (same shape).
    minus : array_like or None
        −1σ template; ``None`` mirrors ``plus`` about the nominal.
    theta : float
        Nuisance value in units of its σ.

    Returns
    -------
    ndarray
        nominal + θ (plus − nominal) for θ ≥ 0, nominal + θ (nominal − minus) for θ < 0.
        Entries may become negative beyond the variants; :func:`nonnegative_range` gives
        the θ interval where they do not.
    """
    nom = np.asarray(nominal, dtype=float)
    if theta >= 0:
        return nom + theta * (np.asarray(plus, dtype=float) - nom)
    down = np.asarray(plus, dtype=float) - nom if minus is None else nom - np.asarray(minus, dtype=float)
    return nom + theta * down


def nonnegative_range(nominal: ArrayLike, plus: ArrayLike, minus: ArrayLike | None,
                      bound: float = 5.0, points: int = 2001) -> tuple[float, float]:
    """Largest interval [lo, hi] ⊂ [−bound, bound] around 0 where the template is ≥ 0.

    Evaluated on ``points`` values of θ (the interval ends are grid values, so the
    template is ≥ 0 at both). ``nominal`` must be ≥ 0.
    """
    grid = np.linspace(-bound, bound, int(points))
    ok = np.array([np.all(interpolate_shape(nominal, plus, minus, t) >= 0) for t in grid])
    centre = int(np.argmin(np.abs(grid)))
    if not ok[centre]:
        raise InvalidConfiguration("nominal template has negative entries")
    lo, hi = centre, centre
    while lo > 0 and ok[lo - 1]:
        lo -= 1
    while hi < grid.size - 1 and ok[hi + 1]:
        hi += 1
    return float(grid[lo]), float(grid[hi])


def rebin_shifted(source_edges: ArrayLike, source_counts: ArrayLike, target_edges: ArrayLike,
                  shift: float = 0.0) -> np.ndarray:
    """Counts of a histogram moved by ``shift`` and integrated over ``target_edges``.

    Parameters
    ----------
    source_edges : array_like, shape (n + 1,)
        Increasing edges of the source histogram.
    source_counts : array_like, shape (n,)
        Contents of the source bins (uniform density within each bin).
    target_edges : array_like, shape (m + 1,)
        Increasing edges of the output bins (same unit as ``source_edges``).
    shift : float
        Displacement of the distribution (positive: later / higher).

    Returns
    -------
    ndarray, shape (m,)
        Counts in each target bin; content moved outside the source range is lost.
    """
    se = require_finite("source bin edges", source_edges)
    sc = require_finite("source counts", source_counts)
    te = require_finite("target bin edges", target_edges)
    if se.ndim != 1 or sc.shape != (se.size - 1,) or np.any(np.diff(se) <= 0):
        raise InvalidConfiguration(f"source histogram: need increasing edges and one count per "
                                   f"bin; got {se.size} edges, {sc.size} counts")
    if te.ndim != 1 or te.size < 2 or np.any(np.diff(te) <= 0):
        raise InvalidConfiguration(f"target bin edges must be 1-D and increasing; got {te}")
    cumulative = np.concatenate(([0.0], np.cumsum(sc)))
    return np.diff(np.interp(te - float(shift), se, cumulative))
