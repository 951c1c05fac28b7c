"""Fits with iminuit, and Asimov (Fisher) covariances.

:func:`fit` minimises any objective with ``names``, ``parameters`` (a
:class:`~nuexp.stats.nuisances.ParameterSet`), ``errordef`` and ``__call__(x)`` — a
:class:`~nuexp.stats.likelihood.BinnedLikelihood` or
:class:`~nuexp.stats.likelihood.ProfiledChi2` — with MIGRAD (then HESSE). A minimisation
that iminuit does not declare valid raises :class:`nuexp.exceptions.FitDidNotConverge`
carrying the last parameter values; it is never returned as a result.

:func:`asimov_covariance` inverts the expected information (``objective.fisher(x)``) at
the true parameters: for an Asimov data set the minimum is the truth and the Gaussian
(HESSE) errors equal the inverse Fisher matrix, at the cost of one Jacobian instead of a
minimisation (used for precision tables; :func:`fit` gives the same numbers, see the tests).

Examples
--------
>>> import numpy as np
>>> from nuexp.stats.likelihood import BinnedLikelihood
>>> from nuexp.stats.nuisances import Parameter, ParameterSet
>>> from nuexp.stats.fit import fit
>>> shape = np.array([100.0, 200.0, 300.0])
>>> ps = ParameterSet([Parameter("mu", 1.0, limits=(0, None))])
>>> lik = BinnedLikelihood(lambda x: x[0] * shape, [110.0, 190.0, 330.0], ps)
>>> res = fit(lik)
>>> round(res.values["mu"], 3)   # sum(n) / sum(shape) = 630 / 600
1.05
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from iminuit import Minuit

from ..exceptions import FitDidNotConverge, UnphysicalParameter

__all__ = ["FitResult", "fit", "asimov_covariance", "asimov_errors"]


@dataclass
class FitResult:
    """Outcome of a converged fit.

    Attributes
    ----------
    values, errors : dict
        Best-fit values and HESSE (parabolic) 1σ errors by name (errors 0 for fixed).
    fval : float
        Minimum of the objective (χ² or −2 ln L).
    covariance : numpy.ndarray or None
        Covariance of all parameters (order of ``names``), ``None`` without HESSE.
    names : tuple of str
    nfcn : int
        Objective evaluations used.
    """

    values: dict[str, float]
    errors: dict[str, float]
    fval: float
    covariance: np.ndarray | None
    names: tuple[str, ...]
    nfcn: int
    x: np.ndarray = field(repr=False)
    minuit: Any = field(default=None, repr=False)


def fit(objective, *, start: Mapping[str, float] | np.ndarray | None = None,
        fix: Iterable[str] = (), limits: Mapping[str, tuple[float | None, float | None]] | None = None,
        hesse: bool = True, strategy: int = 1, tolerance: float = 0.1,
        ncall: int | None = None) -> FitResult:
    """Minimise ``objective`` with iminuit MIGRAD (+ HESSE).

    Parameters
    ----------
    objective
        Object with ``parameters``, ``names``, ``errordef`` and ``__call__(x)``.
    start : dict or array, optional
        Start values (default: the parameters' values).
    fix : iterable of str
        Parameter names to fix in addition to those marked ``fixed``.
    limits : dict, optional
        Override limits by name, e.g. ``{"dm2_31": (None, 0.0)}``.
    hesse : bool
        Run HESSE for errors and covariance.
    strategy, tolerance, ncall
        Passed to iminuit.

    Returns
    -------
    FitResult

    Raises
    ------
    FitDidNotConverge
        If MIGRAD (or HESSE) does not report a valid minimum, or the minimum is not finite.
    """
    ps = objective.parameters
    if start is None:
        x0 = ps.values
    elif isinstance(start, Mapping):
        x0 = ps.from_dict(dict(start))
    else:
        x0 = np.asarray(start, dtype=float).copy()
    m = Minuit(objective, x0, name=ps.names)
    if not hasattr(objective, "errordef"):
        m.errordef = 1.0
    m.strategy = strategy
    m.tol = tolerance
    m.print_level = 0
    for p in ps:
        m.errors[p.name] = p.initial_step
        m.limits[p.name] = p.limits
        m.fixed[p.name] = p.fixed
    for name, lim in (limits or {}).items():
        ps.index(name)
        m.limits[name] = lim
    for name in fix:
        ps.index(name)
        m.fixed[name] = True
    try:
        m.migrad(ncall=ncall)
        if hesse and m.valid:
            m.hesse()
    except (RuntimeError, ValueError, FloatingPointError) as err:
        raise FitDidNotConverge(f"minimisation failed: {err}",
                                dict(zip(ps.names, np.asarray(m.values)))) from err
    last = dict(zip(ps.names, map(float, m.values)))
    if not m.valid or not np.isfinite(m.fval):
        fmin = m.fmin
        reason = ("call limit reached" if fmin.has_reached_call_limit else
                  "EDM above goal" if fmin.is_above_max_edm else "invalid minimum")
        raise FitDidNotConverge(
            f"fit did not converge ({reason}; fval={m.fval!r}, edm={fmin.edm!r}, "
            f"nfcn={m.nfcn})", last)
    cov = None
    if hesse:
        if not m.accurate:
            raise FitDidNotConverge("HESSE: covariance matrix not accurate (not positive "
                                    "definite at the minimum)", last)
        cov = np.array(m.covariance, dtype=float)
    errors = {n: (0.0 if m.fixed[n] else float(m.errors[n])) for n in ps.names}
    return FitResult(values=last, errors=errors, fval=float(m.fval), covariance=cov,
                     names=ps.names, nfcn=int(m.nfcn), x=np.array(m.values, dtype=float),
                     minuit=m)


def asimov_covariance(objective, x: np.ndarray | None = None, *, fix: Iterable[str] = (),
                      step_fraction: float = 0.01) -> tuple[tuple[str, ...], np.ndarray]:
    """Covariance of the free parameters from the expected information at ``x``.

    Parameters
    ----------
    objective
        Object with ``fisher(x)`` and ``parameters``.
    x : array, optional
        The true parameters (default: start values).
    fix : iterable of str
        Parameters held fixed (dropped from the matrix), besides those marked ``fixed``.

    Returns
    -------
    names, covariance
        Names of the free parameters and their covariance (Δχ² = 1 convention).
    """
    ps = objective.parameters
    x = ps.values if x is None else np.asarray(x, dtype=float)
    fixed = set(fix) | {p.name for p in ps if p.fixed}
    for n in fix:
        ps.index(n)
    free = [i for i, n in enumerate(ps.names) if n not in fixed]
    F = objective.fisher(x, step_fraction=step_fraction)[np.ix_(free, free)]
    try:
        cov = np.linalg.inv(F)
    except np.linalg.LinAlgError:
        raise UnphysicalParameter("Fisher matrix is singular: a parameter is not constrained "
                                  "by the data or a prior") from None
    if np.any(np.diag(cov) <= 0):
        raise UnphysicalParameter("Fisher matrix is not positive definite")
    return tuple(ps.names[i] for i in free), cov


def asimov_errors(objective, x: np.ndarray | None = None, **kwargs) -> dict[str, float]:
    """1σ errors (√diag of :func:`asimov_covariance`) by parameter name."""
    names, cov = asimov_covariance(objective, x, **kwargs)
    return {n: float(np.sqrt(cov[i, i])) for i, n in enumerate(names)}
