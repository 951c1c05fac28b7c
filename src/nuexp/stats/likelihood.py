"""Binned likelihoods and χ² with nuisance parameters, Asimov data, Fisher information.

Test statistics (all are "−2 ln L"-like, so Δ = 1 ↔ 1σ for one parameter):

* :func:`poisson_deviance` — 2 Σ [μ − n + n ln(n/μ)] (Baker–Cousins likelihood ratio);
  with a relative per-bin uncertainty ε the per-bin factors γ_i ~ N(1, ε_i) are profiled
  analytically (:func:`poisson_deviance_profiled`, the "Barlow–Beeston lite" solution of
  a quadratic equation per bin).
* :func:`pearson_chi2` — Σ (n − μ)² / (μ + (ε μ)² + extra variance).
* :func:`covariance_chi2` — (n − μ)ᵀ (diag μ + C)⁻¹ (n − μ) with a bin covariance C.

Objects handed to :func:`nuexp.stats.fit.fit`:

:class:`BinnedLikelihood`
    General: ``model(x) -> expected counts`` for the parameter vector ``x`` of a
    :class:`~nuexp.stats.nuisances.ParameterSet`; statistic ``"poisson"``,
    ``"pearson"`` or ``"covariance"``; Gaussian pull terms from the parameter priors and
    :class:`~nuexp.stats.nuisances.CorrelatedPrior` groups.
:class:`ProfiledChi2`
    Fast: the model is linear in a set of nuisance parameters η (normalisations, background
    rates: ``model(x) -> (mu0, D)`` with μ = μ0(x) + D(x) η); η is profiled exactly by
    weighted least squares at every call, so the minimiser only sees the non-linear
    parameters. Used by the JUNO analysis (≥ 20 nuisances at the cost of ~8).

Both have ``names``, ``parameters``, ``errordef = 1``, ``__call__(x)``, ``asimov()``,
``with_data(n)`` and ``fisher(x)`` (the expected information JᵀWJ + priors whose inverse
is the Asimov covariance; see :func:`nuexp.stats.fit.asimov_covariance`).

Examples
--------
>>> import numpy as np
>>> from nuexp.stats.likelihood import BinnedLikelihood, asimov
>>> from nuexp.stats.nuisances import Parameter, ParameterSet
>>> shape = np.array([10.0, 20.0, 30.0])
>>> ps = ParameterSet([Parameter("mu", 1.0), Parameter("eff", 0.0, prior=(0.0, 0.05))])
>>> model = lambda x: x[0] * (1 + x[1]) * shape
>>> lik = BinnedLikelihood(model, asimov(model(ps.values)), ps)
>>> lik(ps.values)
0.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from ..exceptions import InvalidConfiguration, UnphysicalParameter
from ..validation import require_finite, require_non_negative
from .nuisances import CorrelatedPrior, ParameterSet

__all__ = [
    "asimov", "poisson_deviance", "poisson_deviance_profiled", "pearson_chi2",
    "covariance_chi2", "covariance_from_jacobian", "BinnedLikelihood", "ProfiledChi2",
    "STATISTICS",
]

#: Statistics understood by :class:`BinnedLikelihood`.
STATISTICS = ("poisson", "pearson", "covariance")
_TINY = 1e-300


def asimov(expected: ArrayLike) -> np.ndarray:
    """The Asimov data set: the expectation itself (non-integer counts), as float64."""
    return require_non_negative("expected counts", expected).astype(float).copy()


def _xlogx_ratio(n: np.ndarray, mu: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0) / np.maximum(mu, _TINY)), 0.0)
    return out


def poisson_deviance(observed: ArrayLike, expected: ArrayLike) -> float:
    """−2 ln [L(μ)/L(n)] = 2 Σ [μ − n + n ln(n/μ)] (≥ 0; 0 when μ = n)."""
    n = np.asarray(observed, dtype=float)
    mu = np.asarray(expected, dtype=float)
    if np.any(mu < 0):
        raise UnphysicalParameter("expected counts must be >= 0 (a negative prediction "
                                  f"reached the likelihood: min {mu.min()!r})")
    if np.any((mu == 0) & (n > 0)):
        return float("inf")
    return float(2.0 * np.sum(mu - n + _xlogx_ratio(n, mu)))


def poisson_deviance_profiled(observed: ArrayLike, expected: ArrayLike,
                              relative_uncertainty: ArrayLike) -> float:
    """Poisson deviance with per-bin factors γ_i ~ N(1, ε_i) profiled analytically.

    Minimising 2(γμ − n ln γμ) + (γ − 1)²/ε² over γ gives
    γ = [−(με² − 1) + √((με² − 1)² + 4nε²)] / 2 (the positive root); bins with ε = 0
    keep γ = 1.
    """
    n = np.asarray(observed, dtype=float)
    mu = np.asarray(expected, dtype=float)
    eps = np.broadcast_to(np.asarray(relative_uncertainty, dtype=float), mu.shape)
    e2 = eps**2
    b = mu * e2 - 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        gamma = np.where(e2 > 0, 0.5 * (-b + np.sqrt(b * b + 4 * n * e2)), 1.0)
    gamma = np.maximum(gamma, _TINY)
    m = gamma * mu
    pull = np.where(e2 > 0, (gamma - 1.0) ** 2 / np.where(e2 > 0, e2, 1.0), 0.0)
    return float(2.0 * np.sum(m - n + _xlogx_ratio(n, m)) + np.sum(pull))


def pearson_chi2(observed: ArrayLike, expected: ArrayLike, *,
                 relative_uncertainty: ArrayLike | float = 0.0,
                 extra_variance: ArrayLike | float = 0.0) -> float:
    """Σ (n − μ)² / (μ + (ε μ)² + extra); bins with zero variance are refused."""
    n = np.asarray(observed, dtype=float)
    mu = np.asarray(expected, dtype=float)
    var = mu + (np.asarray(relative_uncertainty) * mu) ** 2 + np.asarray(extra_variance)
    if np.any(var <= 0):
        raise UnphysicalParameter("pearson_chi2: a bin has zero expected count and no extra "
                                  "variance; merge empty bins or use the Poisson deviance")
    return float(np.sum((n - mu) ** 2 / var))


def covariance_chi2(observed: ArrayLike, expected: ArrayLike, covariance: ArrayLike) -> float:
    """(n − μ)ᵀ (diag μ + C)⁻¹ (n − μ), solved with a Cholesky factorisation."""
    n = np.asarray(observed, dtype=float)
    mu = np.asarray(expected, dtype=float)
    V = np.diag(mu) + np.asarray(covariance, dtype=float)
    r = n - mu
    L = np.linalg.cholesky(V)
    z = np.linalg.solve(L, r)
    return float(z @ z)


def covariance_from_jacobian(jacobian: ArrayLike, sigmas: ArrayLike,
                             correlation: ArrayLike | None = None) -> np.ndarray:
    """Bin covariance J S J ᵀ of nuisances with 1σ ``sigmas`` (and optional correlation).

    ``jacobian[i, k]`` = ∂μ_i/∂η_k. This is the covariance-matrix alternative to pulling
    the η_k in the fit (identical for a linear model).
    """
    J = np.atleast_2d(np.asarray(jacobian, dtype=float))
    s = np.asarray(sigmas, dtype=float)
    C = np.eye(s.size) if correlation is None else np.asarray(correlation, dtype=float)
    S = C * np.outer(s, s)
    return J @ S @ J.T


def _check_bins(n_bins: int, parameters: ParameterSet, n_linear: int = 0) -> None:
    n_nuis = parameters.n_constrained + n_linear
    if n_bins < 1:
        raise InvalidConfiguration("the binning has no bins")
    if n_bins < n_nuis:
        raise InvalidConfiguration(
            f"the binning has {n_bins} bins but the model has {n_nuis} nuisance parameters; "
            f"use at least as many bins as nuisance parameters")


class BinnedLikelihood:
    """−2 ln L (or χ²) of binned data given a model, plus Gaussian pull terms.

    Parameters
    ----------
    model : callable
        ``model(x) -> expected counts`` (array of ``n_bins``) for the full parameter vector.
    data : array_like
        Observed counts (Asimov data allowed: non-integer).
    parameters : ParameterSet
        Parameters of ``model``; their ``prior`` fields become pull terms.
    statistic : {"poisson", "pearson", "covariance"}
        Test statistic.
    relative_uncertainty : float or array_like, optional
        Per-bin uncorrelated relative uncertainty ε (bin-to-bin shape uncertainty):
        profiled for "poisson", added as (εμ)² to the variance for "pearson".
    covariance : array_like, optional
        Bin covariance for ``statistic="covariance"`` (added to diag μ).
    correlated_priors : sequence of CorrelatedPrior
        Extra multivariate pull terms.
    """

    errordef = 1.0

    def __init__(self, model: Callable[[np.ndarray], np.ndarray], data: ArrayLike,
                 parameters: ParameterSet, *, statistic: str = "poisson",
                 relative_uncertainty: ArrayLike | float = 0.0,
                 covariance: ArrayLike | None = None,
                 correlated_priors: Sequence[CorrelatedPrior] = ()) -> None:
        if statistic not in STATISTICS:
            raise InvalidConfiguration(f"statistic {statistic!r}: choose one of {', '.join(STATISTICS)}")
        self.model = model
        self.data = require_non_negative("data", data).astype(float)
        self.parameters = parameters
        self.statistic = statistic
        self.relative_uncertainty = require_non_negative("relative_uncertainty",
                                                         relative_uncertainty)
        if statistic == "covariance":
            if covariance is None:
                raise InvalidConfiguration("statistic 'covariance' needs a covariance matrix")
            covariance = require_finite("covariance", covariance)
            if covariance.shape != (self.data.size, self.data.size):
                raise InvalidConfiguration(f"covariance shape {covariance.shape} does not match "
                                           f"{self.data.size} bins")
        self.covariance = covariance
        self.correlated_priors = tuple(correlated_priors)
        self._groups = [(np.array([parameters.index(n) for n in g.names]), g)
                        for g in self.correlated_priors]
        _check_bins(self.data.size, parameters)
        self.ncalls = 0

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names (the order of ``x``)."""
        return self.parameters.names

    def expected(self, x: ArrayLike) -> np.ndarray:
        """Model prediction at ``x``."""
        return np.asarray(self.model(np.asarray(x, dtype=float)), dtype=float)

    def asimov(self, x: ArrayLike | None = None) -> np.ndarray:
        """Asimov data at ``x`` (default: the parameter start values)."""
        return asimov(self.expected(self.parameters.values if x is None else x))

    def with_data(self, data: ArrayLike) -> BinnedLikelihood:
        """The same likelihood for other data."""
        return BinnedLikelihood(self.model, data, self.parameters, statistic=self.statistic,
                                relative_uncertainty=self.relative_uncertainty,
                                covariance=self.covariance,
                                correlated_priors=self.correlated_priors)

    def with_parameters(self, parameters: ParameterSet) -> BinnedLikelihood:
        """The same likelihood with other parameter settings (fixed, limits, start)."""
        return BinnedLikelihood(self.model, self.data, parameters, statistic=self.statistic,
                                relative_uncertainty=self.relative_uncertainty,
                                covariance=self.covariance,
                                correlated_priors=self.correlated_priors)

    def priors_chi2(self, x: np.ndarray) -> float:
        """Sum of all pull terms at ``x``."""
        total = self.parameters.pull_chi2(x)
        for idx, group in self._groups:
            total += group.chi2(x[idx])
        return total

    def __call__(self, x: ArrayLike) -> float:
        self.ncalls += 1
        x = np.asarray(x, dtype=float)
        mu = self.expected(x)
        if self.statistic == "poisson":
            if np.any(self.relative_uncertainty > 0):
                stat = poisson_deviance_profiled(self.data, mu, self.relative_uncertainty)
            else:
                stat = poisson_deviance(self.data, mu)
        elif self.statistic == "pearson":
            stat = pearson_chi2(self.data, mu, relative_uncertainty=self.relative_uncertainty)
        else:
            stat = covariance_chi2(self.data, mu, self.covariance)
        return stat + self.priors_chi2(x)

    def weight_matrix(self, mu: np.ndarray) -> np.ndarray:
        """Inverse bin covariance used for the expected (Fisher) information at μ."""
        var = mu + (self.relative_uncertainty * mu) ** 2
        if self.statistic == "covariance":
            return np.linalg.inv(np.diag(mu) + self.covariance)
        return np.diag(1.0 / np.maximum(var, _TINY))

    def fisher(self, x: ArrayLike, *, step_fraction: float = 0.01) -> np.ndarray:
        """Expected information matrix ½ ∂²(−2 ln L)/∂x² = JᵀWJ + priors, at ``x``.

        J = ∂μ/∂x by central differences (step ``step_fraction`` × the parameter's
        initial step). Its inverse is the Asimov covariance (Δχ² = 1 ↔ 1σ).
        """
        x = np.asarray(x, dtype=float)
        mu = self.expected(x)
        J = _jacobian(self.expected, x, self.parameters, step_fraction)
        F = J.T @ self.weight_matrix(mu) @ J + self.parameters.prior_precision()
        for idx, group in self._groups:
            F[np.ix_(idx, idx)] += group.precision()
        return F


def _jacobian(func: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
              parameters: ParameterSet, step_fraction: float) -> np.ndarray:
    cols = []
    for i, p in enumerate(parameters):
        h = step_fraction * max(p.initial_step, 1e-12)
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        cols.append((func(xp) - func(xm)) / (2 * h))
    return np.stack(cols, axis=1)


class ProfiledChi2:
    """χ² with nuisances that enter linearly profiled exactly at every call.

    χ²(x) = min_η [(n − μ0 − Dη)ᵀ W (n − μ0 − Dη) + Σ_k (η_k/σ_k)²] + pulls(x),
    with W = 1/(v + (ε μ0)² + extra) diagonal, v = μ0(x) (``variance="pearson"``) or the
    data n (``variance="data"``, Neyman). η* = (DᵀWD + S⁻²)⁻¹ DᵀW(n − μ0).

    Parameters
    ----------
    model : callable
        ``model(x) -> (mu0, D)``: prediction at η = 0 (n_bins) and ∂μ/∂η (n_bins × n_lin);
        or ``(mu0, D, var)`` with an extra per-bin variance that depends on ``x`` (e.g.
        shape uncertainties proportional to a component of the prediction).
    data : array_like
        Observed counts.
    parameters : ParameterSet
        The non-linear parameters ``x`` (with their own priors).
    linear_names : sequence of str
        Names of η.
    linear_sigmas : array_like
        Prior 1σ of each η (central 0; > 0).
    relative_uncertainty : float or array_like
        Bin-to-bin uncorrelated relative uncertainty ε (shape uncertainty).
    extra_variance : array_like, optional
        Additional absolute variance per bin (e.g. background shape uncertainties).
    variance : {"pearson", "data"}
        Statistical variance from the prediction μ0(x) or from the data.
    """

    errordef = 1.0

    def __init__(self, model: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
                 data: ArrayLike, parameters: ParameterSet, linear_names: Sequence[str],
                 linear_sigmas: ArrayLike, *, relative_uncertainty: ArrayLike | float = 0.0,
                 extra_variance: ArrayLike | float = 0.0, variance: str = "pearson") -> None:
        if variance not in ("pearson", "data"):
            raise InvalidConfiguration(f"variance {variance!r}: choose 'pearson' or 'data'")
        self.model = model
        self.data = require_non_negative("data", data).astype(float)
        self.parameters = parameters
        self.linear_names = tuple(linear_names)
        self.linear_sigmas = np.asarray(linear_sigmas, dtype=float)
        if self.linear_sigmas.shape != (len(self.linear_names),) or np.any(self.linear_sigmas <= 0):
            raise UnphysicalParameter("linear_sigmas must be one value > 0 per linear nuisance")
        self.relative_uncertainty = require_non_negative("relative_uncertainty", relative_uncertainty)
        self.extra_variance = require_non_negative("extra_variance", extra_variance)
        self.variance = variance
        _check_bins(self.data.size, parameters, len(self.linear_names))
        self.ncalls = 0
        self.last_eta = np.zeros(len(self.linear_names))

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the non-linear parameters (the order of ``x``)."""
        return self.parameters.names

    def _call_model(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | float]:
        out = self.model(x)
        if len(out) == 3:
            return out
        return out[0], out[1], 0.0

    def _weights(self, mu0: np.ndarray, model_var: np.ndarray | float = 0.0) -> np.ndarray:
        v = mu0 if self.variance == "pearson" else self.data
        var = v + (self.relative_uncertainty * mu0) ** 2 + self.extra_variance + model_var
        return 1.0 / np.maximum(var, 1e-12)

    def profile(self, x: ArrayLike) -> tuple[float, np.ndarray, np.ndarray]:
        """(χ², η*, μ at η*) at ``x``."""
        mu0, D, mvar = self._call_model(np.asarray(x, dtype=float))
        w = self._weights(mu0, mvar)
        r = self.data - mu0
        Dw = D * w[:, None]
        A = D.T @ Dw + np.diag(1.0 / self.linear_sigmas**2)
        eta = np.linalg.solve(A, Dw.T @ r)
        res = r - D @ eta
        chi2 = float(res @ (w * res) + np.sum((eta / self.linear_sigmas) ** 2))
        return chi2, eta, mu0 + D @ eta

    def __call__(self, x: ArrayLike) -> float:
        self.ncalls += 1
        x = np.asarray(x, dtype=float)
        chi2, eta, _ = self.profile(x)
        self.last_eta = eta
        return chi2 + self.parameters.pull_chi2(x)

    def expected(self, x: ArrayLike) -> np.ndarray:
        """Prediction at ``x`` with η = 0."""
        return self._call_model(np.asarray(x, dtype=float))[0]

    def asimov(self, x: ArrayLike | None = None) -> np.ndarray:
        """Asimov data at ``x`` (default: start values) and η = 0."""
        return asimov(self.expected(self.parameters.values if x is None else x))

    def with_data(self, data: ArrayLike) -> ProfiledChi2:
        """The same χ² for other data."""
        return ProfiledChi2(self.model, data, self.parameters, self.linear_names,
                            self.linear_sigmas, relative_uncertainty=self.relative_uncertainty,
                            extra_variance=self.extra_variance, variance=self.variance)

    def with_parameters(self, parameters: ParameterSet) -> ProfiledChi2:
        """The same χ² with other parameter settings."""
        return ProfiledChi2(self.model, self.data, parameters, self.linear_names,
                            self.linear_sigmas, relative_uncertainty=self.relative_uncertainty,
                            extra_variance=self.extra_variance, variance=self.variance)

    def fisher(self, x: ArrayLike, *, step_fraction: float = 0.01) -> np.ndarray:
        """Information matrix of the *non-linear* parameters with η profiled.

        Schur complement of the full (x, η) information JᵀWJ + priors; its inverse is the
        Asimov covariance of ``x`` with every nuisance profiled.
        """
        full = self.fisher_full(x, step_fraction=step_fraction)
        k = len(self.parameters)
        Fxx, Fxe, Fee = full[:k, :k], full[:k, k:], full[k:, k:]
        return Fxx - Fxe @ np.linalg.solve(Fee, Fxe.T)

    def fisher_full(self, x: ArrayLike, *, step_fraction: float = 0.01) -> np.ndarray:
        """Information matrix of (x, η) together (η after x)."""
        x = np.asarray(x, dtype=float)
        mu0, D, mvar = self._call_model(x)
        J = _jacobian(lambda y: self._call_model(y)[0], x, self.parameters, step_fraction)
        Jf = np.concatenate([J, D], axis=1)
        w = self._weights(mu0, mvar)
        F = Jf.T @ (Jf * w[:, None])
        k = len(self.parameters)
        F[:k, :k] += self.parameters.prior_precision()
        F[k:, k:] += np.diag(1.0 / self.linear_sigmas**2)
        return F
