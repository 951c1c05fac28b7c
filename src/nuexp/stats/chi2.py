"""Combined Neyman–Pearson χ² with systematics as a covariance matrix or as pull terms.

The Combined Neyman–Pearson (CNP) statistic of X. Ji, W. Gu, X. Qian, H. Wei, C. Zhang,
NIM A 961, 163677 (2020) [arXiv:1903.07185] replaces the variance of bin i by

    σ²ᵢ = 3 / (1/Mᵢ + 2/μᵢ)                                   (their Eq. 18)

(Mᵢ observed, μᵢ expected); with systematic uncertainties it becomes

    χ² = (M − μ)ᵀ (V_CNP + V_syst)⁻¹ (M − μ)                  (their Eq. 19)

with V_CNP = diag(σ²ᵢ).  For Mᵢ = 0 the CNP variance is replaced by μᵢ/2, so that the bin
contributes 2μᵢ, the Poisson likelihood-ratio value (their Sec. 3).

V_syst = J Jᵀ, where J[i, k] = ∂μᵢ/∂zₖ is the Jacobian of the prediction over normalised
nuisances zₖ ~ N(0, 1) (:func:`covariance_from_jacobian`, :func:`numerical_jacobian`).
The same nuisances can instead be fitted as pull terms Σ zₖ² added to the statistical χ²
(:func:`pull_term`); for a linear model both give the same minimum and errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import cho_factor, cho_solve

from ..exceptions import UnphysicalParameter
from ..validation import require_finite, require_non_negative, require_positive

__all__ = ["cnp_variance", "cnp_variance_derivative", "chi2_cnp", "covariance_from_jacobian",
           "numerical_jacobian", "pull_term", "CovarianceChi2"]


def cnp_variance(observed: ArrayLike, expected: ArrayLike) -> np.ndarray:
    """CNP variance 3/(1/M + 2/μ) (Ji et al. 2020, Eq. 18); μ/2 where M = 0."""
    M = require_non_negative("observed", observed)
    mu = require_positive("expected", expected)
    with np.errstate(divide="ignore"):
        inv_m = np.where(M > 0, 1.0 / np.where(M > 0, M, 1.0), 0.0)
    var = 3.0 / (inv_m + 2.0 / mu)
    return np.where(M > 0, var, 0.5 * mu)


def cnp_variance_derivative(observed: ArrayLike, expected: ArrayLike) -> np.ndarray:
    """∂σ²_CNP/∂μ = 6/μ² / (1/M + 2/μ)² (and 1/2 where M = 0)."""
    M = np.asarray(observed, dtype=float)
    mu = np.asarray(expected, dtype=float)
    inv_m = np.where(M > 0, 1.0 / np.where(M > 0, M, 1.0), 0.0)
    d = 6.0 / (mu * mu) / (inv_m + 2.0 / mu) ** 2
    return np.where(M > 0, d, 0.5)


def chi2_cnp(observed: ArrayLike, expected: ArrayLike,
             syst_covariance: ArrayLike | None = None) -> float:
    """CNP χ², statistics only or with a systematic covariance (Ji et al. 2020, Eq. 19)."""
    M = np.asarray(observed, dtype=float)
    mu = np.asarray(expected, dtype=float)
    r = M - mu
    var = cnp_variance(M, mu)
    if syst_covariance is None:
        return float(np.sum(r * r / var))
    V = np.asarray(syst_covariance, dtype=float) + np.diag(var)
    c = cho_factor(V, lower=True, check_finite=False)
    return float(r @ cho_solve(c, r, check_finite=False))


def covariance_from_jacobian(jacobian: ArrayLike) -> np.ndarray:
    """V = J Jᵀ for normalised, independent nuisances (J: bins × nuisances)."""
    J = require_finite("jacobian", jacobian)
    if J.ndim != 2:
        raise UnphysicalParameter(f"jacobian must be 2-d (bins × nuisances); got {J.shape}")
    return J @ J.T


def numerical_jacobian(func: Callable[[np.ndarray], np.ndarray], x0: ArrayLike,
                       indices: Sequence[int] | None = None, step: float = 0.1
                       ) -> np.ndarray:
    """Central-difference Jacobian ∂f/∂xₖ at x0 for the selected coordinates.

    Parameters
    ----------
    func : callable
        Maps a parameter vector to an output vector.
    x0 : array_like
        Point of evaluation (normalised nuisances: step 0.1 = a tenth of a σ).
    indices : sequence of int, optional
        Coordinates to differentiate (default all).
    step : float
        Finite-difference step.

    Returns
    -------
    ndarray, shape (len(f), len(indices))
    """
    x0 = require_finite("x0", x0).copy()
    require_positive("step", step)
    idx = range(x0.size) if indices is None else list(indices)
    cols = []
    for k in idx:
        xp = x0.copy()
        xm = x0.copy()
        xp[k] += step
        xm[k] -= step
        cols.append((np.asarray(func(xp)) - np.asarray(func(xm))) / (2 * step))
    f0 = np.asarray(func(x0))
    return np.stack(cols, axis=1) if cols else np.zeros((f0.size, 0))


def pull_term(z: ArrayLike) -> float:
    """Σ zₖ² for normalised nuisances."""
    z = np.asarray(z, dtype=float)
    return float(z @ z)


class CovarianceChi2:
    """CNP χ² with a fixed systematic covariance, and its gradient.

    Parameters
    ----------
    observed : array_like
        Observed counts M.
    syst_covariance : array_like, optional
        V_syst (bins × bins); ``None`` for statistics only.
    reference : array_like, optional
        If given, the CNP variance is frozen at 3/(1/M + 2/μ_ref) instead of following the
        current μ: V is then constant, factorised once, and each χ² costs one triangular
        solve.  (This is what the official Daya Bay model 1.7.1 computes with its covariance
        χ²: its statistical part is evaluated once, at the nominal prediction.)
    """

    def __init__(self, observed: ArrayLike, syst_covariance: ArrayLike | None = None,
                 reference: ArrayLike | None = None) -> None:
        self.observed = require_non_negative("observed", observed)
        n = self.observed.size
        if syst_covariance is not None:
            V = require_finite("syst_covariance", syst_covariance)
            if V.shape != (n, n):
                raise UnphysicalParameter(f"syst_covariance must be {n} × {n}; got {V.shape}")
            self.syst = V
        else:
            self.syst = None
        self.frozen_variance = None
        self._factor = None
        if reference is not None:
            ref = require_positive("reference", reference)
            if ref.shape != self.observed.shape:
                raise UnphysicalParameter(f"reference must have shape {self.observed.shape}")
            self.frozen_variance = cnp_variance(self.observed, ref)
            V = np.diag(self.frozen_variance) if self.syst is None else (
                self.syst + np.diag(self.frozen_variance))
            self._factor = cho_factor(V, lower=True, check_finite=False)

    def _solve(self, expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = self.observed - expected
        if self._factor is not None:
            return r, cho_solve(self._factor, r, check_finite=False)
        var = cnp_variance(self.observed, expected)
        if self.syst is None:
            return r, r / var
        V = self.syst.copy()
        V[np.diag_indices_from(V)] += var
        c = cho_factor(V, lower=True, check_finite=False)
        return r, cho_solve(c, r, check_finite=False)

    def __call__(self, expected: ArrayLike) -> float:
        """χ² for the expectation μ."""
        mu = np.asarray(expected, dtype=float)
        if np.any(~np.isfinite(mu)) or np.any(mu <= 0):
            return float("inf")
        r, w = self._solve(mu)
        return float(r @ w)

    def value_and_gradient(self, expected: ArrayLike, jacobian: ArrayLike
                           ) -> tuple[float, np.ndarray]:
        """χ² and dχ²/dθ given J = ∂μ/∂θ (bins × parameters).

        dχ² = −2 wᵀ J dθ − Σᵢ wᵢ² (∂σ²ᵢ/∂μᵢ) Jᵢ dθ with w = V⁻¹(M − μ).
        """
        mu = np.asarray(expected, dtype=float)
        r, w = self._solve(mu)
        if self._factor is not None:
            return float(r @ w), -2.0 * w @ np.asarray(jacobian, dtype=float)
        dvar = cnp_variance_derivative(self.observed, mu)
        g = -(2.0 * w + w * w * dvar) @ np.asarray(jacobian, dtype=float)
        return float(r @ w), g

    def gauss_newton_hessian(self, expected: ArrayLike, jacobian: ArrayLike) -> np.ndarray:
        """Gauss–Newton Hessian 2 Jᵀ V⁻¹ J of the χ² (second derivatives of μ and of the
        CNP variance neglected; exact for a linear model with fixed V)."""
        mu = np.asarray(expected, dtype=float)
        J = np.asarray(jacobian, dtype=float)
        if self._factor is not None:
            return 2.0 * J.T @ cho_solve(self._factor, J, check_finite=False)
        var = cnp_variance(self.observed, mu)
        if self.syst is None:
            return 2.0 * J.T @ (J / var[:, None])
        V = self.syst.copy()
        V[np.diag_indices_from(V)] += var
        c = cho_factor(V, lower=True, check_finite=False)
        return 2.0 * J.T @ cho_solve(c, J, check_finite=False)
