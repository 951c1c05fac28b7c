"""Fits shared by the COHERENT data presets: signal count, significance, profiles.

* :func:`fit_signal` — free signal strength: the best-fit CEvNS count with its 1σ
  propagated through the full HESSE covariance (the count depends on the signal strength
  and on the nuisances that move the CEvNS template), and the significance
  √(χ²_min(no CEvNS) − χ²_min), the likelihood-ratio significance over the
  background-only hypothesis (one parameter at its boundary: Wilks/Chernoff, Cowan et al.,
  Eur. Phys. J. C 71 (2011) 1554, Eq. 12 with q₀).
* :func:`profile` — a profile-likelihood scan of one physics parameter (independent fits
  per grid point through ``ctx.map``) with the best value and the Δχ² = 1 interval read
  from the curve (asymmetric).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ...exceptions import FitDidNotConverge
from ...stats.fit import FitResult, fit
from ..context import RunContext

__all__ = ["Profile", "SignalFit", "fit_signal", "interval", "profile", "record_fit",
           "record_profile"]


@dataclass
class SignalFit:
    """Free-signal fit and the background-only fit.

    Attributes
    ----------
    best, null : FitResult
        With the signal strength free (≥ 0) and fixed at 0.
    events, events_error : float
        Best-fit CEvNS count and its propagated 1σ.
    events_stat_error : float
        1σ of the count with every nuisance fixed at its best-fit value (statistics only).
    significance : float
        √(χ²_null − χ²_best).
    """

    best: FitResult
    null: FitResult
    events: float
    events_error: float
    events_stat_error: float
    significance: float


def propagated_error(func: Callable[[dict[str, float]], float], result: FitResult) -> float:
    """1σ of ``func(values)`` from the fit covariance, with central differences."""
    if result.covariance is None:
        raise FitDidNotConverge("no covariance: run the fit with HESSE")
    grad = np.zeros(len(result.names))
    for i, name in enumerate(result.names):
        step = 1e-3 * max(result.errors[name], 1e-9)
        if result.errors[name] == 0:
            continue
        up, down = dict(result.values), dict(result.values)
        up[name] += step
        down[name] -= step
        grad[i] = (func(up) - func(down)) / (2 * step)
    return float(np.sqrt(max(grad @ result.covariance @ grad, 0.0)))


def fit_signal(likelihood, signal_count: Callable[[dict[str, float]], float],
               scale: str = "cevns_scale") -> SignalFit:
    """Fit with the signal strength ``scale`` free, then with it fixed at 0.

    Parameters
    ----------
    likelihood
        Objective whose parameter ``scale`` is free (see the models' ``likelihood``).
    signal_count : callable
        Parameter values → number of CEvNS events.
    """
    best = fit(likelihood)
    null = fit(likelihood, start={**best.values, scale: 0.0}, fix=[scale], hesse=False)
    events = signal_count(best.values)
    error = propagated_error(signal_count, best)
    others = [n for n in best.names if n != scale]
    stat = fit(likelihood, start=best.values, fix=others)
    q0 = max(null.fval - best.fval, 0.0)
    return SignalFit(best, null, events, error, propagated_error(signal_count, stat),
                     float(np.sqrt(q0)))


@dataclass
class Profile:
    """A profile-likelihood curve of one parameter.

    Attributes
    ----------
    name : str
    points, delta_chi2 : ndarray
        Converged grid points and Δχ² from the global minimum.
    best, low, high : float
        Best value and the Δχ² = 1 interval ends.
    global_fit : FitResult
        The fit with the parameter free.
    """

    name: str
    points: np.ndarray
    delta_chi2: np.ndarray
    best: float
    low: float
    high: float
    global_fit: FitResult


def interval(points: np.ndarray, delta: np.ndarray, best: float,
             level: float = 1.0) -> tuple[float, float]:
    """Ends of {Δχ² ≤ level} around ``best`` by linear interpolation on the curve.

    Raises :class:`~nuexp.exceptions.FitDidNotConverge` if the curve does not cross
    ``level`` on both sides (the scan range is too narrow).
    """
    i = int(np.argmin(np.abs(points - best)))
    left = np.nonzero(delta[:i + 1] > level)[0]
    right = np.nonzero(delta[i:] > level)[0]
    if left.size == 0 or right.size == 0:
        raise FitDidNotConverge(f"profile does not reach Δχ² = {level} on both sides of "
                                f"{best:.4g} within [{points[0]:.4g}, {points[-1]:.4g}]: "
                                "widen the scan range")
    a = left[-1]
    b = i + right[0]
    low = np.interp(level, [delta[a + 1], delta[a]], [points[a + 1], points[a]])
    high = np.interp(level, [delta[b - 1], delta[b]], [points[b - 1], points[b]])
    return float(low), float(high)


def _scan_point(model, name: str, value: float, start: dict[str, float]) -> float | None:
    """Profiled −2 ln L at ``name = value`` (None when the fit does not converge)."""
    likelihood = model.likelihood(free=(name,))
    try:
        return fit(likelihood, start={**start, name: value}, fix=[name], hesse=False).fval
    except FitDidNotConverge:
        return None


def profile(model, name: str, grid: np.ndarray, ctx: RunContext | None = None) -> Profile:
    """Global fit with ``name`` free, then the profile on ``grid``.

    Each grid point is an independent fit started from the global best fit, run through
    ``ctx.map`` (serial, or a dask cluster with ``--scheduler``); a point that does not
    converge is left out of the curve.

    Parameters
    ----------
    model
        A data model with ``likelihood(free=...)`` (picklable for a cluster).
    name : str
        Physics parameter to profile.
    grid : ndarray
        Its values.
    ctx : RunContext, optional
        Run context; without one the points run serially here.
    """
    best = fit(model.likelihood(free=(name,)))
    items = [(model, name, float(v), best.values) for v in grid]
    if ctx is None:
        fvals = [_scan_point(*item) for item in items]
    else:
        fvals = ctx.map(_scan_point, items, label=f"profile of {name}", unpack=True)
    ok = [i for i, f in enumerate(fvals) if f is not None]
    if len(ok) < 3:
        raise FitDidNotConverge(f"profile of {name!r}: fewer than 3 grid points converged")
    points = np.asarray(grid, dtype=float)[ok]
    delta = np.maximum(np.array([fvals[i] for i in ok]) - best.fval, 0.0)
    low, high = interval(points, delta, best.values[name])
    return Profile(name, points, delta, best.values[name], low, high, best)


def record_profile(ctx: RunContext, key: str, prof: Profile, unit: str, note: str) -> None:
    """Record a profile result as quantity ``key``: best value, asymmetric Δχ² = 1 errors
    and their mean as the uncertainty."""
    ctx.quantity(key, prof.best, unit, uncertainty=0.5 * (prof.high - prof.low),
                 uncertainty_low=prof.best - prof.low, uncertainty_high=prof.high - prof.best,
                 note=note)


def record_fit(ctx: RunContext, sig: SignalFit, components: dict[str, np.ndarray],
               data: np.ndarray) -> None:
    """Record what every data fit reports: ``cevns_significance``, the table of the
    free parameters and the fitted components and data."""
    ctx.quantity("cevns_significance", sig.significance, "sigma",
                 note=f"sqrt(chi2(no CEvNS) - chi2(best)) = "
                      f"sqrt({sig.null.fval - sig.best.fval:.1f}), nuisances profiled in both "
                      "fits (Wilks)")
    ctx.table("fit_parameters", [
        {"parameter": n, "value": sig.best.values[n], "error": sig.best.errors[n]}
        for n in sig.best.names if sig.best.errors[n] > 0])
    ctx.spectrum("components", components)
    ctx.spectrum("data", data)
