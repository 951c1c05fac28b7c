"""Profile scans and the Δχ² between two discrete hypotheses (the mass ordering).

:func:`profile_scan` fixes one parameter on a grid and minimises over all others at each
point (:func:`nuexp.stats.fit.fit`), warm-starting from the neighbouring point; a point
whose fit does not converge is recorded in ``failed`` and does not stop the scan (its
value is never reported as a χ²).

:func:`ordering_delta_chi2` computes Δχ² = χ²_min(alternative) − χ²_min(true) where the
hypotheses differ by the sign of one parameter (Δm²31 > 0: normal ordering; < 0:
inverted). The alternative minimum is multimodal in that parameter, so it is found with a
profile scan over a grid of the alternative sign followed by a free fit from the best
point, restricted to that sign.

Examples
--------
>>> import numpy as np
>>> from nuexp.stats.likelihood import BinnedLikelihood
>>> from nuexp.stats.nuisances import Parameter, ParameterSet
>>> from nuexp.stats.scan import profile_scan
>>> shape = np.array([100.0, 200.0, 300.0])
>>> ps = ParameterSet([Parameter("mu", 1.0, limits=(0, None))])
>>> lik = BinnedLikelihood(lambda x: x[0] * shape, shape.copy(), ps)
>>> scan = profile_scan(lik, "mu", [0.9, 1.0, 1.1])
>>> [round(float(v), 2) for v in scan.delta_chi2]
[6.43, 0.0, 5.63]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import FitDidNotConverge, InvalidConfiguration
from .fit import FitResult, fit

__all__ = ["ScanResult", "profile_scan", "OrderingResult", "ordering_delta_chi2"]


@dataclass
class ScanResult:
    """A profile scan.

    Attributes
    ----------
    name : str
        Scanned parameter.
    points : numpy.ndarray
        Grid values whose fits converged.
    chi2 : numpy.ndarray
        Profiled minimum at each of ``points``.
    failed : list of float
        Grid values whose fit did not converge.
    fits : list of FitResult
        The converged fits (order of ``points``).
    nfcn : int
        Objective evaluations over the whole scan.
    reference : float
        χ² the Δχ² is measured from (global minimum, or the smallest scanned value).
    """

    name: str
    points: np.ndarray
    chi2: np.ndarray
    failed: list[float]
    fits: list[FitResult] = field(repr=False)
    nfcn: int
    reference: float

    @property
    def delta_chi2(self) -> np.ndarray:
        """χ² − reference at each converged point."""
        return self.chi2 - self.reference

    @property
    def best(self) -> float:
        """Scanned value with the smallest χ²."""
        return float(self.points[int(np.argmin(self.chi2))])


def profile_scan(objective, name: str, grid: Iterable[float], *,
                 start: dict[str, float] | None = None, fix: Sequence[str] = (),
                 reference: float | None = None, warm_start: bool = True,
                 progress: Callable | None = None, **fit_kwargs) -> ScanResult:
    """Profile ``objective`` along ``name`` on ``grid``.

    Parameters
    ----------
    objective
        Likelihood object (see :mod:`nuexp.stats.fit`).
    name : str
        Parameter to scan.
    grid : iterable of float
        Values of ``name``.
    start : dict, optional
        Start values of the other parameters.
    fix : sequence of str
        Other parameters to hold fixed.
    reference : float, optional
        χ² of the global minimum (default: the smallest scanned χ²).
    warm_start : bool
        Start each point from the previous converged point.
    progress : callable, optional
        Wrapper over the grid iterable (e.g. ``lambda it: ctx.progress(it, "scan")``).
    **fit_kwargs
        Passed to :func:`nuexp.stats.fit.fit` (``hesse`` defaults to False).
    """
    grid = np.asarray(list(grid), dtype=float)
    if grid.size == 0:
        raise InvalidConfiguration(f"profile scan of {name!r}: the grid is empty")
    ps = objective.parameters
    ps.index(name)
    fit_kwargs.setdefault("hesse", False)
    current = ps.from_dict(dict(start or {}))
    points, chi2, fits, failed, nfcn = [], [], [], [], 0
    iterator = progress(grid) if progress is not None else grid
    for value in iterator:
        x0 = current.copy()
        x0[ps.index(name)] = value
        try:
            res = fit(objective, start=x0, fix=[name, *fix], **fit_kwargs)
        except FitDidNotConverge:
            failed.append(float(value))
            continue
        nfcn += res.nfcn
        points.append(float(value))
        chi2.append(res.fval)
        fits.append(res)
        if warm_start:
            current = res.x.copy()
    chi2_arr = np.asarray(chi2)
    if chi2_arr.size == 0:
        raise FitDidNotConverge(f"profile scan of {name!r}: no grid point converged")
    ref = float(np.min(chi2_arr)) if reference is None else float(reference)
    return ScanResult(name, np.asarray(points), chi2_arr, failed, fits, nfcn, ref)


@dataclass
class OrderingResult:
    """Δχ² between the true hypothesis and the best alternative (opposite sign).

    Attributes
    ----------
    delta_chi2 : float
        χ²_min(alternative) − χ²_min(true).
    chi2_true, chi2_alternative : float
    fit_true, fit_alternative : FitResult
    scan : ScanResult or None
        Coarse profile over the alternative-sign grid (None without a grid).
    nfcn : int
        Objective evaluations in total.
    """

    delta_chi2: float
    chi2_true: float
    chi2_alternative: float
    fit_true: FitResult = field(repr=False)
    fit_alternative: FitResult = field(repr=False)
    scan: ScanResult | None = field(repr=False)
    nfcn: int = 0


def ordering_delta_chi2(objective, name: str, alternative_grid: Iterable[float] | None = None, *,
                        start: dict[str, float] | None = None,
                        alternative_starts: Sequence[dict[str, float]] = (),
                        progress: Callable | None = None, **fit_kwargs) -> OrderingResult:
    """Δχ² of the mass ordering: fit with ``name`` of the true sign and of the other sign.

    Parameters
    ----------
    objective
        Likelihood of the data (e.g. Asimov data of the true ordering).
    name : str
        Sign-defining parameter (``"dm2_31"``); its start value gives the true sign.
    alternative_grid : iterable of float
        Values of the opposite sign for the coarse profile (≥ 2 values covering the
        expected alternative minimum).
    start : dict, optional
        Start values (of the true hypothesis).
    alternative_starts : sequence of dict, optional
        Start points inside the alternative hypothesis (e.g. the candidate minima of a
        cheap scan, or the previous exposure's best fit); each is fitted freely within the
        alternative sign and the lowest minimum is kept. Used instead of (or in addition
        to) the profile scan over ``alternative_grid``.
    """
    ps = objective.parameters
    x_true = ps.from_dict(dict(start or {}))
    true_value = x_true[ps.index(name)]
    if true_value == 0:
        raise InvalidConfiguration(f"{name} = 0 has no sign; cannot define an ordering")
    sign = np.sign(true_value)
    if alternative_grid is None and not alternative_starts:
        raise InvalidConfiguration("ordering_delta_chi2 needs an alternative_grid or "
                                   "alternative_starts")
    fit_kwargs.setdefault("hesse", False)
    true_limits = {name: (0.0, None) if sign > 0 else (None, 0.0)}
    alt_limits = {name: (None, 0.0) if sign > 0 else (0.0, None)}
    starts = [ps.from_dict(dict(s)) for s in alternative_starts]
    for x in starts:
        if np.sign(x[ps.index(name)]) != -sign:
            raise InvalidConfiguration(f"alternative_starts: {name} must have the sign opposite "
                                       f"to the true value {true_value!r}")
    scan = None
    if alternative_grid is not None:
        grid = np.asarray(list(alternative_grid), dtype=float)
        if grid.size < 2 or np.any(np.sign(grid) != -sign):
            raise InvalidConfiguration(f"alternative_grid for {name!r} needs >= 2 values of the "
                                       f"sign opposite to the true value {true_value!r}")
        scan = profile_scan(objective, name, np.sort(grid), start=dict(zip(ps.names, x_true)),
                            progress=progress, **fit_kwargs)
        starts.append(scan.fits[int(np.argmin(scan.chi2))].x)
    res_true = fit(objective, start=x_true, limits=true_limits, **fit_kwargs)
    nfcn = res_true.nfcn + (scan.nfcn if scan is not None else 0)
    res_alt = None
    for x in starts:
        try:
            r = fit(objective, start=x, limits=alt_limits, **fit_kwargs)
        except FitDidNotConverge:
            continue
        nfcn += r.nfcn
        if res_alt is None or r.fval < res_alt.fval:
            res_alt = r
    if res_alt is None:
        raise FitDidNotConverge(f"no fit of the alternative hypothesis ({name} of the other "
                                f"sign) converged")
    chi2_alt = res_alt.fval
    if scan is not None:
        chi2_alt = min(chi2_alt, float(np.min(scan.chi2)))
    return OrderingResult(delta_chi2=chi2_alt - res_true.fval, chi2_true=res_true.fval,
                          chi2_alternative=chi2_alt, fit_true=res_true,
                          fit_alternative=res_alt, scan=scan, nfcn=nfcn)
