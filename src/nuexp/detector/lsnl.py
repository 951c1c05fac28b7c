"""Liquid-scintillator non-linearity (LSNL) as a bin-to-bin distortion matrix.

A non-linear energy scale maps each true (scintillation) energy E to a visible energy
E_vis = f(E).  For a histogram the effect is a matrix M[j, i]: the fraction of bin i (events
spread uniformly inside it) whose image f(E) falls into target bin j.  With a monotonic,
piecewise-linear f this fraction is exact: the preimage of target bin j is the interval
[f⁻¹(e_j), f⁻¹(e_j+1)], and M[j, i] is its overlap with bin i divided by the width of bin i.
Energies outside the domain of the tabulated curve are not mapped (their column stays 0),
and images above the last edge are lost, as for a real detector threshold/overflow.

This is the construction of the Daya Bay analysis (release README, "LSNL correction";
the curve is given as f(E)/E with four pull curves, parametrised as
f = f₀ + Σₖ aₖ (fₖ − f₀), Daya Bay ``detector_lsnl.yaml``).

All energies here are plain floats in one unit (MeV by convention); the functions are
unit-agnostic as long as edges and curves share the unit.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.interpolate import interp1d

from ..exceptions import UnphysicalParameter
from ..validation import require_finite, require_positive

__all__ = ["refine_relative_curve", "combine_curves", "distortion_matrix"]


def refine_relative_curve(energy: ArrayLike, relative: ArrayLike, *, refine: int = 4,
                          new_min: float | None = None, new_max: float | None = None
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Turn a relative curve f(E)/E into an absolute f(E) on a finer, extended grid.

    The absolute curve is interpolated with a cubic spline on a grid ``refine`` times finer
    than the input, then extended linearly (from the last two fine points) down to
    ``new_min`` and up to ``new_max`` with the same step.

    Parameters
    ----------
    energy : array_like
        Increasing energies of the tabulated curve.
    relative : array_like
        f(E)/E at those energies.
    refine : int
        Refinement factor (≥ 1).
    new_min, new_max : float, optional
        Range to extrapolate to.

    Returns
    -------
    x, y : ndarray
        Energies and absolute f(E).
    """
    x = require_finite("energy", energy)
    y = require_finite("relative", relative) * x
    if x.ndim != 1 or x.size < 4 or np.any(np.diff(x) <= 0):
        raise UnphysicalParameter("energy must be an increasing 1-d array of ≥ 4 points")
    if int(refine) != refine or refine < 1:
        raise UnphysicalParameter(f"refine must be an integer ≥ 1; got {refine!r}")
    n_fine = (x.size - 1) * int(refine) + 1
    x_fine = np.linspace(x[0], x[-1], n_fine) if refine > 1 else x.copy()
    y_fine = interp1d(x, y, kind="cubic")(x_fine) if refine > 1 else y.copy()
    step_lo = x_fine[1] - x_fine[0]
    step_hi = x_fine[-1] - x_fine[-2]
    left = np.arange(new_min, x_fine[0], step_lo) if new_min is not None else np.empty(0)
    right = (np.arange(x_fine[-1], new_max + step_hi * 1e-6, step_hi)[1:]
             if new_max is not None else np.empty(0))
    slope_lo = (y_fine[1] - y_fine[0]) / step_lo
    slope_hi = (y_fine[-1] - y_fine[-2]) / step_hi
    y_left = y_fine[0] + (left - x_fine[0]) * slope_lo
    y_right = y_fine[-1] + (right - x_fine[-1]) * slope_hi
    return (np.concatenate([left, x_fine, right]), np.concatenate([y_left, y_fine, y_right]))


def combine_curves(nominal: ArrayLike, pulls: ArrayLike, coefficients: ArrayLike,
                   scale: float = 1.0) -> np.ndarray:
    """f = scale · (f₀ + Σₖ aₖ (fₖ − f₀)).

    Parameters
    ----------
    nominal : array_like, shape (n,)
        f₀ on the common grid.
    pulls : array_like, shape (k, n)
        The pull curves fₖ (absolute) on the same grid.
    coefficients : array_like, shape (k,)
        aₖ (0 = nominal).
    scale : float
        Linear energy-scale factor (relative energy scale of one detector).
    """
    f0 = np.asarray(nominal, dtype=float)
    fk = np.atleast_2d(np.asarray(pulls, dtype=float))
    a = np.atleast_1d(np.asarray(coefficients, dtype=float))
    if fk.shape != (a.size, f0.size):
        raise UnphysicalParameter(f"pulls must have shape ({a.size}, {f0.size}); got {fk.shape}")
    require_positive("scale", scale)
    return scale * (f0 + a @ (fk - f0))


def distortion_matrix(edges: ArrayLike, x: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Matrix mapping a histogram through the monotonic piecewise-linear map x → y.

    Parameters
    ----------
    edges : array_like, shape (n+1,)
        Bin edges, used for both the original and the target axis.
    x, y : array_like
        Points of the map; ``x`` increasing, ``y`` strictly increasing.

    Returns
    -------
    ndarray, shape (n, n)
        M[j, i]: fraction of original bin i that lands in target bin j.
    """
    e = require_finite("edges", edges)
    xs = require_finite("x", x)
    ys = require_finite("y", y)
    if np.any(np.diff(e) <= 0):
        raise UnphysicalParameter("edges must increase")
    if xs.shape != ys.shape or np.any(np.diff(xs) <= 0):
        raise UnphysicalParameter("x must increase and match y in shape")
    if np.any(np.diff(ys) <= 0):
        raise UnphysicalParameter("the energy-scale map y(x) must be strictly increasing; "
                                  "the LSNL pulls or the scale make it non-monotonic")
    # preimages of the target edges, clipped to the domain of the map
    pre = np.interp(e, ys, xs)
    lo = np.maximum(pre[:-1, None], e[None, :-1])
    hi = np.minimum(pre[1:, None], e[None, 1:])
    overlap = np.clip(hi - lo, 0.0, None)
    return overlap / np.diff(e)[None, :]
