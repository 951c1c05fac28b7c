"""Confidence regions on a 2-D parameter grid: grids, critical values, raster limits, lines.

Conventions: a Δχ² map has shape ``(ny, nx)`` — rows are the y parameter (for oscillation
searches Δm²), columns the x parameter (sin²2θ). A point is *excluded* (outside the
allowed region) when its Δχ² is at or above the critical value.

* :func:`critical_delta_chi2` — Wilks: the ``cl`` quantile of χ² with ``dof`` degrees of
  freedom (2.706 for 90 % CL and 1 dof, 4.605 for 2 dof; PDG "Statistics" review,
  Table 40.2).
* :func:`raster_limits` — for each row, the smallest x at which Δχ² reaches the critical
  value (the "raster scan" of Feldman & Cousins, Phys. Rev. D 57 (1998) 3873, Sec. V.B:
  a 1-dof limit on x at each fixed y), interpolated in log x.
* :func:`contour_lines` — iso-Δχ² polylines (marching squares, ``contourpy``) for plots
  and CSV output; :func:`contour_rows` flattens them into table rows.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ..exceptions import InvalidConfiguration

__all__ = ["check_grid", "log_grid", "critical_delta_chi2", "raster_limits",
           "contour_lines", "contour_rows"]


def check_grid(name: str, values: ArrayLike, *, positive: bool = False) -> np.ndarray:
    """Return ``values`` as a float array after checking it is a usable grid axis.

    Raises
    ------
    InvalidConfiguration
        Fewer than 2 points, non-finite, not strictly increasing, or (``positive``) ≤ 0.
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size < 2:
        raise InvalidConfiguration(
            f"grid '{name}' needs at least 2 points along one axis; got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise InvalidConfiguration(f"grid '{name}' has non-finite values")
    if np.any(np.diff(arr) <= 0):
        raise InvalidConfiguration(f"grid '{name}' must be strictly increasing")
    if positive and arr[0] <= 0:
        raise InvalidConfiguration(f"grid '{name}' must be > 0 (log axis); got min {arr[0]!r}")
    return arr


def log_grid(name: str, low: float, high: float, n: int) -> np.ndarray:
    """``n`` log-spaced points from ``low`` to ``high`` (both > 0, low < high, n ≥ 2)."""
    if int(n) != n or n < 2:
        raise InvalidConfiguration(f"grid '{name}': number of points = {n!r}, must be >= 2")
    if not (0 < low < high and np.isfinite(high)):
        raise InvalidConfiguration(
            f"grid '{name}': need 0 < low < high; got low={low!r}, high={high!r}")
    return check_grid(name, np.geomspace(low, high, int(n)), positive=True)


def critical_delta_chi2(cl: float, dof: int) -> float:
    """Wilks critical value: the ``cl`` quantile of a χ² with ``dof`` degrees of freedom,
    2 P⁻¹(dof/2, cl) with P the regularised lower incomplete gamma function (what
    ``scipy.stats.chi2.ppf`` computes, without importing scipy.stats: a quarter of a
    second of every cold run)."""
    if not 0 < cl < 1:
        raise InvalidConfiguration(f"confidence level cl = {cl!r}: must be in (0, 1)")
    if int(dof) != dof or dof < 1:
        raise InvalidConfiguration(f"dof = {dof!r}: must be an integer >= 1")
    return float(2.0 * special.gammaincinv(0.5 * int(dof), cl))


def raster_limits(x: ArrayLike, delta_chi2: ArrayLike, level: ArrayLike
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the smallest x where Δχ² first reaches ``level`` (log-x interpolation).

    Parameters
    ----------
    x : array_like (nx,)
        Increasing, positive x grid.
    delta_chi2 : array_like (ny, nx)
        Δχ² map.
    level : float or array_like (ny,) or (ny, nx)
        Critical value(s) (a per-point array for Feldman–Cousins).

    Returns
    -------
    limits : ndarray (ny,)
        The limit on x per row; where the level is never reached, the largest x.
    reached : ndarray (ny,) of bool
        Whether the level was reached inside the grid.
    """
    xs = check_grid("x", x, positive=True)
    d = np.atleast_2d(np.asarray(delta_chi2, dtype=float))
    if d.shape[1] != xs.size:
        raise InvalidConfiguration(f"Δχ² map has {d.shape[1]} columns, x grid {xs.size}")
    crit = np.broadcast_to(np.asarray(level, dtype=float).reshape(
        (-1, 1) if np.ndim(level) == 1 else np.shape(level)), d.shape)
    above = d >= crit
    reached = above.any(axis=1)
    first = np.argmax(above, axis=1)
    lx = np.log10(xs)
    limits = np.full(d.shape[0], xs[-1])
    for row in np.flatnonzero(reached):
        j = first[row]
        if j == 0:
            limits[row] = xs[0]
            continue
        f0 = d[row, j - 1] - crit[row, j - 1]
        f1 = d[row, j] - crit[row, j]
        frac = f0 / (f0 - f1) if f1 != f0 else 1.0
        limits[row] = 10 ** (lx[j - 1] + frac * (lx[j] - lx[j - 1]))
    return limits, reached


def contour_lines(x: ArrayLike, y: ArrayLike, z: ArrayLike, level: float, *,
                  log: bool = True) -> list[np.ndarray]:
    """Polylines where ``z`` (shape (ny, nx)) crosses ``level``; each an (N, 2) array of
    (x, y). With ``log`` the interpolation is done in log10 of both axes."""
    import contourpy

    xs = check_grid("x", x, positive=log)
    ys = check_grid("y", y, positive=log)
    zz = np.asarray(z, dtype=float)
    if zz.shape != (ys.size, xs.size):
        raise InvalidConfiguration(f"map shape {zz.shape} != (len(y), len(x)) = "
                                   f"({ys.size}, {xs.size})")
    gx, gy = (np.log10(xs), np.log10(ys)) if log else (xs, ys)
    gen = contourpy.contour_generator(gx, gy, zz)
    lines = gen.lines(float(level))
    out = []
    for line in lines:
        pts = np.asarray(line, dtype=float)
        out.append(10 ** pts if log else pts)
    return out


def contour_rows(lines: list[np.ndarray], x_name: str, y_name: str) -> list[dict]:
    """Table rows ``{"segment": i, x_name: x, y_name: y}`` for every vertex of every line."""
    rows = []
    for i, line in enumerate(lines):
        for xv, yv in line:
            rows.append({"segment": i, x_name: float(xv), y_name: float(yv)})
    return rows
