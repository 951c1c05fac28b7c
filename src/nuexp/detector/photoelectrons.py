"""Photoelectron statistics: from a deposited electron-equivalent energy to an NPE spectrum.

The mean number of photoelectrons is μ = LY · E_ee (LY: light yield in PE per keV_ee,
e.g. 33.5 PE/keV_ee for undoped CsI at 77 K, Ding et al., EPJC 80 (2020) 1146, used by
CLOVERS Sec. 3.1). The detected number is Poisson(μ) — photon counting with a small
detection probability per photon. A recoil spectrum dN/dT is folded as

    N(n) = ∫ dN/dT(T) · Pois(n; μ(T)) dT.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaln

from ..validation import require_non_negative, require_positive

__all__ = ["mean_photoelectrons", "poisson_matrix", "fold_to_npe", "npe_window"]


def mean_photoelectrons(electron_equivalent: ArrayLike, light_yield: float) -> np.ndarray:
    """μ = LY · E_ee.

    Parameters
    ----------
    electron_equivalent : array_like
        E_ee ≥ 0 (hepunits energy).
    light_yield : float
        PE per unit energy, > 0 (hepunits 1/energy, e.g. ``33.5 / keV``).
    """
    ly = float(require_positive("light yield", light_yield))
    return ly * require_non_negative("electron-equivalent energy", electron_equivalent)


def poisson_matrix(mean: ArrayLike, max_npe: int) -> np.ndarray:
    """P(n | μ) for n = 0 … max_npe, shape ``mean.shape + (max_npe + 1,)``.

    Computed in log space (stable for large μ); μ = 0 gives P(0) = 1.
    """
    mu = require_non_negative("mean photoelectrons", mean)
    if int(max_npe) < 0:
        raise ValueError(f"max_npe = {max_npe}: must be >= 0")
    n = np.arange(int(max_npe) + 1, dtype=float)
    mu_e = mu[..., None]
    with np.errstate(divide="ignore"):
        logp = np.where(mu_e > 0, n * np.log(np.where(mu_e > 0, mu_e, 1.0)) - mu_e - gammaln(n + 1),
                        np.where(n == 0, 0.0, -np.inf))
    return np.exp(logp)


def fold_to_npe(recoil: ArrayLike, rate: ArrayLike, mean_pe: ArrayLike, max_npe: int) -> np.ndarray:
    """Fold a differential spectrum in recoil energy into expected counts per NPE.

    Parameters
    ----------
    recoil : array_like
        Increasing recoil-energy grid, shape (nT,).
    rate : array_like
        dN/dT on that grid, shape (..., nT) (any leading axes, e.g. flavour × isotope).
    mean_pe : array_like
        μ(T) on the grid, shape (nT,).
    max_npe : int
        Largest NPE kept; counts with more PE are not returned (check with the sum).

    Returns
    -------
    ndarray
        Shape (..., max_npe + 1): expected events with n = 0 … max_npe photoelectrons.
    """
    t = np.asarray(recoil, dtype=float)
    r = np.asarray(rate, dtype=float)
    p = poisson_matrix(mean_pe, max_npe)  # (nT, nNPE)
    # trapezoidal rule as a weight vector, so the fold is one matrix product
    dt = np.diff(t)
    w = np.zeros_like(t)
    w[:-1] += 0.5 * dt
    w[1:] += 0.5 * dt
    return (r * w) @ p


def npe_window(max_npe: int, low: int, high: int) -> np.ndarray:
    """Boolean mask over n = 0 … max_npe selecting low ≤ n ≤ high (inclusive)."""
    if low > high:
        raise ValueError(f"NPE window: low = {low} must be <= high = {high}")
    if low < 0 or high > max_npe:
        raise ValueError(f"NPE window [{low}, {high}] must lie within [0, {max_npe}]")
    n = np.arange(int(max_npe) + 1)
    return (n >= low) & (n <= high)
