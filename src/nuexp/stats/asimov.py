"""Asimov significances and a vectorised normalisation profile for binned Poisson counts.

* :func:`asimov_discovery_significance` — the median discovery significance of a binned
  counting experiment without systematics, Z = sqrt(Σ_i 2[(s_i + b_i) ln(1 + s_i/b_i) − s_i])
  (Cowan, Cranmer, Gross & Vitells, EPJC 71 (2011) 1554, Eq. 97, summed over bins);
* :func:`profiled_scale_deviance` — the Poisson deviance of Asimov data n against
  f·s + b, minimised over a common signal scale f with a Gaussian prior (the flux
  normalisation), for many hypotheses s at once (Newton iterations, vectorised): the
  fast path of coupling scans where the signal is a quadratic form in the couplings.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..exceptions import FitDidNotConverge
from ..validation import require_non_negative, require_positive

__all__ = ["asimov_discovery_significance", "profiled_scale_deviance"]

#: Smallest expected count per bin in :func:`profiled_scale_deviance`.
_FLOOR = 1e-12


def asimov_discovery_significance(signal: ArrayLike, background: ArrayLike) -> float:
    """Median discovery significance of binned counts (Cowan et al. 2011, Eq. 97).

    Parameters
    ----------
    signal, background : array_like
        Expected counts per bin (same shape), ≥ 0. Bins with b = 0 and s > 0 are refused
        (the significance would be infinite).
    """
    s = require_non_negative("signal counts", signal)
    b = require_non_negative("background counts", background)
    if np.any((b == 0) & (s > 0)):
        raise FitDidNotConverge("Asimov significance: a bin has signal but no background "
                                "(infinite significance); add a background", {})
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(b > 0, (s + b) * np.log1p(np.where(b > 0, s / np.where(b > 0, b, 1), 0))
                        - s, 0.0)
    return float(np.sqrt(max(2.0 * float(np.sum(term)), 0.0)))


def profiled_scale_deviance(data: ArrayLike, signal: ArrayLike, background: ArrayLike,
                            sigma: float, *, iterations: int = 30) -> np.ndarray:
    """min_f { Σ_bins 2[μ − n + n ln(n/μ)] + ((f − 1)/σ)² }, μ = f·s + b, per hypothesis.

    Parameters
    ----------
    data : array_like
        Observed (or Asimov) counts, shape (nbins,).
    signal : array_like
        Signal hypotheses, shape (..., nbins).
    background : array_like
        Background counts, shape (nbins,), ≥ 0; μ must stay > 0 where n > 0.
    sigma : float
        Prior width of f (> 0).
    iterations : int
        Most Newton steps (the function is convex in f; they stop when the largest step
        is below 1e-12).

    Returns
    -------
    ndarray
        The profiled deviance, shape (...); +inf for hypotheses whose counts overflow.
    """
    n = require_non_negative("data", data)
    s = require_non_negative("signal", signal)
    b = require_non_negative("background", background)
    sig = float(require_positive("prior sigma", sigma))
    f = np.ones(s.shape[:-1])
    # μ is floored at _FLOOR counts: a hypothesis predicting nothing where data exist is
    # excluded either way, and the floor keeps the Newton steps finite
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(int(iterations)):
            mu = np.maximum(f[..., None] * s + b, _FLOOR)
            r = n / mu
            grad = 2.0 * np.sum(s * (1.0 - r), axis=-1) + 2.0 * (f - 1.0) / sig**2
            hess = 2.0 * np.sum(s * s * r / mu, axis=-1) + 2.0 / sig**2
            step = np.nan_to_num(grad / hess)
            f = np.maximum(f - step, 0.0)
            if np.max(np.abs(step)) < 1e-12:
                break
        mu = np.maximum(f[..., None] * s + b, _FLOOR)
        log_term = np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0) / mu), 0.0)
        out = 2.0 * np.sum(mu - n + log_term, axis=-1) + ((f - 1.0) / sig) ** 2
    return np.where(np.isfinite(out), out, np.inf)
