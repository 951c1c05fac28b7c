"""Binned Poisson likelihood of the CEvNS family and its physics reach (Asimov data).

:func:`likelihood` turns a :class:`~nuexp.experiments.cevns.model.CevnsModel` into a
:class:`~nuexp.stats.likelihood.BinnedLikelihood` over the (observable × time) bins with the
nuisances of ``[statistics]`` (flux, efficiency, quenching, common neutron radius,
background normalisations) as Gaussian-constrained parameters and the requested physics
parameters free; every fit is iminuit (:func:`nuexp.stats.fit.fit`).

Physics reach on Asimov data (the nominal prediction as data, so the best fit is the
truth and the HESSE error is the median 1σ precision):

* :func:`precision` — 1σ of sin²θ_W or of the common R_n, nuisances profiled (MIGRAD
  minimum, expected-information error);
* :func:`interval_1d` — a profile-likelihood scan (one iminuit fit per point) and the
  allowed intervals at a Δχ² level;
* :func:`nsi_plane` — Δχ² over an (ε^{uV}_{αα}, ε^{dV}_{αα}) grid from the quadratic form
  of the counts (:meth:`CevnsModel.coupling_terms`) with the flux normalisation profiled
  (:func:`nuexp.stats.asimov.profiled_scale_deviance`); other nuisances at nominal;
* :func:`sin2_rn_plane` — Δχ² over a (sin²θ_W, R_n) grid the same way (one set of
  quadratic-form coefficients per R_n);
* :func:`magnetic_moment_limit`, :func:`mediator_limits` — 90 % CL upper limits
  (one-sided, Δχ² = 2.71) on μ_ν and on the Z′ coupling vs its mass, from the counts'
  polynomial dependence on μ_ν² and g′² (flux profiled, other nuisances at nominal);
* :func:`discovery_significance` — background-only vs signal on Asimov data, nuisances
  profiled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...stats.asimov import profiled_scale_deviance
from ...stats.fit import asimov_errors, fit
from ...stats.likelihood import BinnedLikelihood
from ...stats.nuisances import Parameter, ParameterSet
from ...stats.scan import profile_scan
from .model import CevnsModel

__all__ = ["likelihood", "precision", "interval_1d", "nsi_plane", "sin2_rn_plane",
           "magnetic_moment_limit", "mediator_limits", "discovery_significance", "Interval"]

_PHYSICS = ("sin2_theta_w", "neutron_radius_fm", "nsi_uv_e", "nsi_dv_e", "nsi_uv_mu",
            "nsi_dv_mu", "signal_strength")


def _parameters(model: CevnsModel, free: Sequence[str]) -> list[Parameter]:
    st = model.config.statistics
    inter = model.config.interaction
    params = []
    if st.flux_uncertainty > 0:
        params.append(Parameter("flux_norm", 1.0, limits=(0.0, None), prior=(1.0, st.flux_uncertainty)))
    if st.efficiency_uncertainty > 0:
        params.append(Parameter("efficiency_norm", 1.0, limits=(0.0, None),
                                prior=(1.0, st.efficiency_uncertainty)))
    if model.config.response.quenching_variants or st.quenching_uncertainty > 0:
        params.append(Parameter("quenching", 0.0, limits=(-3.0, 3.0), prior=(0.0, 1.0)))
    rn = model.mean_neutron_radius_fm()
    if inter.form_factor != "none":
        if "neutron_radius_fm" in free:
            params.append(Parameter("neutron_radius_fm", rn, step=0.05, limits=(2.5, 9.0)))
        elif st.neutron_radius_uncertainty_fm > 0:
            params.append(Parameter("neutron_radius_fm", rn, limits=(2.5, 9.0),
                                    prior=(rn, st.neutron_radius_uncertainty_fm)))
    for name, b in model.config.backgrounds.items():
        if b.norm_uncertainty > 0:
            params.append(Parameter(f"bkg_{name}", 1.0, limits=(0.0, None),
                                    prior=(1.0, b.norm_uncertainty)))
    s2 = inter.sin2_value()
    nominal = {"sin2_theta_w": s2, "signal_strength": 1.0}
    for fl in ("e", "mu"):
        nominal[f"nsi_uv_{fl}"] = float(inter.nsi_uv.get(fl, 0.0))
        nominal[f"nsi_dv_{fl}"] = float(inter.nsi_dv.get(fl, 0.0))
    for name in free:
        if name == "neutron_radius_fm":
            continue
        if name not in nominal:
            raise KeyError(f"unknown physics parameter {name!r}; known: {_PHYSICS}")
        limits = (0.0, None) if name == "signal_strength" else (0.0, 1.0) \
            if name == "sin2_theta_w" else (-5.0, 5.0)
        params.append(Parameter(name, nominal[name], step=0.01, limits=limits))
    return params


def likelihood(model: CevnsModel, free: Sequence[str] = (), data: np.ndarray | None = None,
               scale: float = 1.0) -> BinnedLikelihood:
    """The binned Poisson likelihood of ``model`` with ``free`` physics parameters.

    Parameters
    ----------
    model : CevnsModel
        The family model.
    free : sequence of str
        Physics parameters left free (any of ``sin2_theta_w``, ``neutron_radius_fm``,
        ``nsi_uv_e``, ``nsi_dv_e``, ``nsi_uv_mu``, ``nsi_dv_mu``, ``signal_strength``).
    data : ndarray, optional
        Observed counts (nb × nt, flattened); default: Asimov data of the nominal model
        times ``scale``.
    scale : float
        Exposure multiple of the prediction (signal and backgrounds).
    """
    params = ParameterSet(_parameters(model, free))
    names = params.names
    bkg = model.backgrounds()
    bkg_names = [n for n in bkg if f"bkg_{n}" in names]
    fixed_bkg = sum((v for n, v in bkg.items() if n not in bkg_names), np.zeros_like(
        model.predict()))

    def expected(x: np.ndarray) -> np.ndarray:
        p = dict(zip(names, x))
        kw: dict[str, Any] = {k: p[k] for k in ("flux_norm", "efficiency_norm", "quenching",
                                                "sin2_theta_w", "neutron_radius_fm") if k in p}
        uv = {fl: p[f"nsi_uv_{fl}"] for fl in ("e", "mu") if f"nsi_uv_{fl}" in p}
        dv = {fl: p[f"nsi_dv_{fl}"] for fl in ("e", "mu") if f"nsi_dv_{fl}" in p}
        if uv:
            kw["nsi_uv"] = {**model.config.interaction.nsi_uv, **uv}
        if dv:
            kw["nsi_dv"] = {**model.config.interaction.nsi_dv, **dv}
        sig = model.predict(**kw) * p.get("signal_strength", 1.0)
        total = sig + fixed_bkg
        for n in bkg_names:
            total = total + p[f"bkg_{n}"] * bkg[n]
        return scale * total.ravel()

    if data is None:
        data = expected(params.values)
    return BinnedLikelihood(expected, data, params)


def precision(model: CevnsModel, name: str, scale: float = 1.0) -> tuple[float, float]:
    """(best value, 1σ) of physics parameter ``name`` on Asimov data, nuisances profiled.

    MIGRAD (iminuit) finds the minimum; the 1σ is that of the expected information at it
    (:func:`nuexp.stats.fit.asimov_errors`), which for Asimov data is the HESSE error
    without HESSE's numerical noise at large exposures (a few % there).
    """
    lik = likelihood(model, [name], scale=scale)
    res = fit(lik, hesse=False)
    return res.values[name], asimov_errors(lik, res.x)[name]


@dataclass(frozen=True)
class Interval:
    """A profile scan and its allowed region at a Δχ² level."""

    grid: np.ndarray
    delta_chi2: np.ndarray
    level: float
    intervals: list[tuple[float, float]]

    @property
    def width(self) -> float:
        """Total length of the allowed intervals."""
        return float(sum(hi - lo for lo, hi in self.intervals))


def _allowed(grid: np.ndarray, dchi2: np.ndarray, level: float) -> list[tuple[float, float]]:
    """Intervals where Δχ² ≤ level, edges interpolated linearly between grid points."""
    inside = dchi2 <= level
    out = []
    i = 0
    while i < grid.size:
        if not inside[i]:
            i += 1
            continue
        j = i
        while j + 1 < grid.size and inside[j + 1]:
            j += 1
        lo = grid[i] if i == 0 else np.interp(level, [dchi2[i], dchi2[i - 1]], [grid[i], grid[i - 1]])
        hi = grid[j] if j == grid.size - 1 else np.interp(level, [dchi2[j], dchi2[j + 1]],
                                                          [grid[j], grid[j + 1]])
        out.append((float(lo), float(hi)))
        i = j + 1
    return out


def interval_1d(model: CevnsModel, name: str, grid: np.ndarray, level: float = 2.706,
                scale: float = 1.0, progress=None) -> Interval:
    """Profile-likelihood scan of ``name`` on Asimov data (one iminuit fit per grid point).

    ``level`` = 2.706 is the 90 % CL for one parameter (Wilks).
    """
    lik = likelihood(model, [name], scale=scale)
    scan = profile_scan(lik, name, grid, reference=0.0, progress=progress)
    return Interval(scan.points, scan.delta_chi2, level, _allowed(scan.points, scan.delta_chi2,
                                                                  level))


def nsi_plane(model: CevnsModel, flavour: str, uv: np.ndarray, dv: np.ndarray,
              scale: float = 1.0) -> np.ndarray:
    """Δχ² on the (ε^{uV}, ε^{dV}) grid of ``flavour`` (shape (len(dv), len(uv))).

    Asimov data of the configured model; the counts are a quadratic form in the couplings;
    the flux normalisation is profiled (Newton, vectorised), the other nuisances held at
    nominal.
    """
    terms = model.coupling_terms()
    base = model.couplings()
    idx = [c for c, fl in enumerate(model.flavours) if fl == flavour]
    ue, de = np.meshgrid(uv, dv)
    coup = np.broadcast_to(base, ue.shape + base.shape).copy()
    inter = model.config.interaction
    du = ue - float(inter.nsi_uv.get(flavour, 0.0))
    dd = de - float(inter.nsi_dv.get(flavour, 0.0))
    for c in idx:
        coup[..., c, 0] += 2 * du + dd
        coup[..., c, 1] += du + 2 * dd
    sig = model.counts_from_couplings(terms, coup).reshape(ue.shape + (-1,)) * scale
    bkg = sum(model.backgrounds().values(), np.zeros(terms.shape[2:])).ravel() * scale
    data = model.counts_from_couplings(terms, base).ravel() * scale + bkg
    sigma = max(model.config.statistics.flux_uncertainty, 1e-6)
    chi2 = profiled_scale_deviance(data, sig, bkg, sigma)
    return chi2 - chi2.min()


def discovery_significance(model: CevnsModel, scale: float = 1.0) -> float:
    """sqrt(q0): Asimov data with signal vs the background-only fit, nuisances profiled."""
    lik = likelihood(model, ["signal_strength"], scale=scale)
    free = fit(lik, hesse=False)
    null = fit(lik, start={**lik.parameters.to_dict(free.x), "signal_strength": 0.0},
               fix=["signal_strength"], hesse=False)
    return float(np.sqrt(max(null.fval - free.fval, 0.0)))


def sin2_rn_plane(model: CevnsModel, sin2: np.ndarray, rn_fm: np.ndarray,
                  scale: float = 1.0) -> np.ndarray:
    """Δχ² on the (sin²θ_W, common R_n) grid, shape (len(rn_fm), len(sin2)).

    Asimov data of the configured model; for each R_n the counts are a quadratic form in
    the couplings (one :meth:`CevnsModel.coupling_terms` per R_n), so the sin²θ_W axis is
    vectorised; the flux normalisation is profiled, the other nuisances held at nominal.
    """
    base = model.couplings()
    bkg = sum(model.backgrounds().values(), np.zeros_like(model.predict())).ravel() * scale
    data = model.predict().ravel() * scale + bkg
    s2 = np.asarray(sin2, dtype=float)
    coup = np.broadcast_to(base, s2.shape + base.shape).copy()
    coup[..., 0] -= 2.0 * (s2[:, None] - model.config.interaction.sin2_value())
    sigma = max(model.config.statistics.flux_uncertainty, 1e-6)
    rows = []
    for rn in np.asarray(rn_fm, dtype=float):
        terms = model.coupling_terms(neutron_radius_fm=float(rn))
        sig = model.counts_from_couplings(terms, coup).reshape(s2.size, -1) * scale
        rows.append(profiled_scale_deviance(data, sig, bkg, sigma))
    chi2 = np.array(rows)
    return chi2 - chi2.min()


def _first_crossing(x: np.ndarray, dchi2: np.ndarray, level: float) -> float:
    """Smallest x where Δχ² reaches ``level`` (linear interpolation); inf if never."""
    above = np.flatnonzero(dchi2 >= level)
    if above.size == 0:
        return float("inf")
    i = int(above[0])
    if i == 0:
        return float(x[0])
    return float(np.interp(level, [dchi2[i - 1], dchi2[i]], [x[i - 1], x[i]]))


def _asimov_parts(model: CevnsModel, scale: float) -> tuple[np.ndarray, np.ndarray, float]:
    bkg = sum(model.backgrounds().values(), np.zeros_like(model.predict())).ravel() * scale
    data = model.predict().ravel() * scale + bkg
    return data, bkg, max(model.config.statistics.flux_uncertainty, 1e-6)


def magnetic_moment_limit(model: CevnsModel, level: float = 2.706, scale: float = 1.0,
                          grid: np.ndarray | None = None) -> float:
    """90 % CL upper limit on μ_ν (Bohr magnetons) with SM Asimov data.

    counts(μ_ν) = SM + μ_ν² M (:meth:`CevnsModel.magnetic_terms`); Δχ² on a log grid of
    μ_ν (default 1e-12 … 1e-7), flux profiled; the first crossing of ``level``.
    """
    data, bkg, sigma = _asimov_parts(model, scale)
    mu = np.geomspace(1e-12, 1e-7, 400) if grid is None else np.asarray(grid, dtype=float)
    sm = model.predict().ravel() * scale
    mag = model.magnetic_terms().ravel() * scale
    sig = sm[None, :] + (mu * mu)[:, None] * mag[None, :]
    chi2 = profiled_scale_deviance(data, sig, bkg, sigma)
    return _first_crossing(mu, chi2 - profiled_scale_deviance(data, sm[None, :], bkg, sigma),
                           level)


def mediator_limits(model: CevnsModel, masses_mev: Sequence[float], level: float = 2.706,
                    scale: float = 1.0, grid: np.ndarray | None = None) -> np.ndarray:
    """90 % CL upper limit on the universal Z′ coupling g′ for each mass (SM Asimov data).

    counts = T0 + g′² T1 + g′⁴ T2 (:meth:`CevnsModel.mediator_terms`); Δχ² on a log grid
    of g′ (default 1e-7 … 0.1), flux profiled; the smallest g′ reaching ``level`` (the
    destructive-interference band at larger g′ is not reported).
    """
    data, bkg, sigma = _asimov_parts(model, scale)
    g = np.geomspace(1e-7, 0.1, 500) if grid is None else np.asarray(grid, dtype=float)
    ref = profiled_scale_deviance(data, model.predict().ravel()[None, :] * scale, bkg, sigma)
    out = []
    for mass in masses_mev:
        t0, t1, t2 = (t.ravel() * scale for t in model.mediator_terms(mass))
        sig = np.clip(t0[None, :] + (g**2)[:, None] * t1[None, :] + (g**4)[:, None] * t2[None, :],
                      0.0, None)
        out.append(_first_crossing(g, profiled_scale_deviance(data, sig, bkg, sigma) - ref,
                                   level))
    return np.array(out)
