"""Fit parameters and nuisance parameters: Gaussian pull terms and correlated priors.

Every fit in nuexp works on an ordered :class:`ParameterSet`. A :class:`Parameter` has a
start value, optional limits, an optional Gaussian prior ``(central, sigma)`` (a *pull
term* ((x − central)/sigma)² added to the χ²) and may be fixed. A group of correlated
nuisances is a :class:`CorrelatedPrior` contributing (x − c)ᵀ V⁻¹ (x − c); the same group
can instead be treated as a covariance on the bins (see
:func:`nuexp.stats.likelihood.covariance_from_jacobian`) — the two are equivalent for a
linear model (Daya Bay's ``pull_groups`` vs ``covariance_groups``).

Examples
--------
>>> from nuexp.stats.nuisances import Parameter, ParameterSet
>>> ps = ParameterSet([Parameter("mu", 1.0, limits=(0, None)),
...                    Parameter("norm", 0.0, prior=(0.0, 0.02))])
>>> ps.names
('mu', 'norm')
>>> round(ps.pull_chi2(ps.values + [0.0, 0.04]), 6)
4.0
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike

from ..exceptions import InvalidConfiguration, UnknownName, UnphysicalParameter

__all__ = ["Parameter", "ParameterSet", "CorrelatedPrior"]


@dataclass(frozen=True)
class Parameter:
    """One fit parameter.

    Parameters
    ----------
    name : str
        Unique name.
    value : float
        Start (and nominal) value.
    step : float, optional
        Initial step for the minimiser (default: prior sigma, else 1 % of |value|, else 0.01).
    limits : tuple of (float or None, float or None)
        Lower/upper bounds (``None`` = unbounded).
    prior : tuple (central, sigma), optional
        Gaussian constraint; adds ((x − central)/sigma)² to the χ² (sigma > 0).
    fixed : bool
        Keep at ``value`` in fits.
    """

    name: str
    value: float
    step: float | None = None
    limits: tuple[float | None, float | None] = (None, None)
    prior: tuple[float, float] | None = None
    fixed: bool = False

    def __post_init__(self) -> None:
        if not np.isfinite(self.value):
            raise UnphysicalParameter(f"parameter {self.name!r}: value must be finite; got {self.value!r}")
        if self.prior is not None:
            central, sigma = self.prior
            if not (np.isfinite(central) and np.isfinite(sigma) and sigma > 0):
                raise UnphysicalParameter(
                    f"parameter {self.name!r}: prior sigma must be finite and > 0; got {self.prior!r}")
        lo, hi = self.limits
        if lo is not None and hi is not None and not lo < hi:
            raise UnphysicalParameter(f"parameter {self.name!r}: limits {self.limits!r} need lower < upper")
        if (lo is not None and self.value < lo) or (hi is not None and self.value > hi):
            raise UnphysicalParameter(
                f"parameter {self.name!r}: value {self.value!r} outside its limits {self.limits!r}")

    @property
    def initial_step(self) -> float:
        """Step handed to the minimiser."""
        if self.step is not None:
            return float(self.step)
        if self.prior is not None:
            return float(self.prior[1])
        return 0.01 * abs(self.value) if self.value != 0 else 0.01


class ParameterSet:
    """An ordered, immutable collection of :class:`Parameter` with unique names."""

    def __init__(self, parameters: Iterable[Parameter]) -> None:
        self._params = tuple(parameters)
        names = [p.name for p in self._params]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise InvalidConfiguration(f"duplicate parameter names: {sorted(dup)}")
        self._index = {n: i for i, n in enumerate(names)}
        pri = [(i, p.prior) for i, p in enumerate(self._params) if p.prior is not None]
        self._prior_idx = np.array([i for i, _ in pri], dtype=int)
        self._prior_c = np.array([c for _, (c, _s) in pri], dtype=float)
        self._prior_s = np.array([s for _, (_c, s) in pri], dtype=float)

    def __iter__(self):
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __getitem__(self, name: str) -> Parameter:
        return self._params[self.index(name)]

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names, in order."""
        return tuple(p.name for p in self._params)

    @property
    def values(self) -> np.ndarray:
        """Start values as an array."""
        return np.array([p.value for p in self._params], dtype=float)

    @property
    def n_free(self) -> int:
        """Number of parameters that are not fixed."""
        return sum(not p.fixed for p in self._params)

    @property
    def n_constrained(self) -> int:
        """Number of free parameters carrying a prior (the nuisance parameters)."""
        return sum(p.prior is not None and not p.fixed for p in self._params)

    def index(self, name: str) -> int:
        """Position of ``name``."""
        try:
            return self._index[name]
        except KeyError:
            raise UnknownName(f"unknown parameter {name!r}; known: {', '.join(self.names)}") from None

    def replace(self, name: str, **changes) -> ParameterSet:
        """A copy with one parameter's fields changed (``value=``, ``fixed=``, ...)."""
        params = list(self._params)
        i = self.index(name)
        params[i] = replace(params[i], **changes)
        return ParameterSet(params)

    def to_dict(self, x: ArrayLike) -> dict[str, float]:
        """``{name: value}`` for a value vector."""
        return {n: float(v) for n, v in zip(self.names, np.asarray(x, dtype=float))}

    def from_dict(self, values: dict[str, float]) -> np.ndarray:
        """Value vector from a (partial) dict; missing names keep their start value."""
        x = self.values
        for k, v in values.items():
            x[self.index(k)] = float(v)
        return x

    def pull_chi2(self, x: ArrayLike) -> float:
        """Σ ((x − central)/sigma)² over parameters with a prior."""
        if self._prior_idx.size == 0:
            return 0.0
        x = np.asarray(x, dtype=float)
        r = (x[self._prior_idx] - self._prior_c) / self._prior_s
        return float(r @ r)

    def prior_precision(self) -> np.ndarray:
        """Diagonal matrix of 1/sigma² (0 for unconstrained parameters)."""
        d = np.zeros(len(self))
        d[self._prior_idx] = 1.0 / self._prior_s**2
        return np.diag(d)


@dataclass(frozen=True)
class CorrelatedPrior:
    """A Gaussian prior on several parameters at once: (x − c)ᵀ V⁻¹ (x − c).

    Parameters
    ----------
    names : sequence of str
        Parameters in the group (they must not carry their own ``prior``).
    central : array_like
        Central values.
    covariance : array_like
        Symmetric positive-definite covariance matrix.
    """

    names: Sequence[str]
    central: Sequence[float]
    covariance: Sequence[Sequence[float]]

    def __post_init__(self) -> None:
        cov = np.asarray(self.covariance, dtype=float)
        n = len(self.names)
        if cov.shape != (n, n) or len(self.central) != n:
            raise InvalidConfiguration(
                f"correlated prior on {list(self.names)}: central needs {n} values and the "
                f"covariance shape ({n}, {n}); got {len(self.central)} and {cov.shape}")
        if not np.allclose(cov, cov.T):
            raise UnphysicalParameter("correlated prior: covariance must be symmetric")
        try:
            np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise UnphysicalParameter("correlated prior: covariance must be positive definite") from None

    def precision(self) -> np.ndarray:
        """V⁻¹."""
        return np.linalg.inv(np.asarray(self.covariance, dtype=float))

    def chi2(self, values: ArrayLike) -> float:
        """(x − c)ᵀ V⁻¹ (x − c) for the group's values (in the order of ``names``)."""
        d = np.asarray(values, dtype=float) - np.asarray(self.central, dtype=float)
        return float(d @ self.precision() @ d)
