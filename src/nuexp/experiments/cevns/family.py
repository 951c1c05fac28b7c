"""The CEvNS family: any detector at any stopped-pion source or reactor, from TOML.

A TOML with ``family = "cevns"`` describes source, target, interaction, response, efficiency, timing, backgrounds,
statistics and physics reach (:class:`~nuexp.experiments.cevns.config.CevnsConfig`);
:func:`compute` predicts the counts with :class:`~nuexp.experiments.cevns.model.CevnsModel`
and evaluates the significance and the requested physics reach;
:func:`report` records quantities, tables, spectra and figures.

Headline quantities (units as written): ``flux_per_flavour`` (stopped pion, cm⁻² h⁻¹) or
``flux`` (reactor, cm⁻² s⁻¹); ``cevns_total_events`` (all recoils, no response),
``cevns_total_rate``; ``signal_events`` (all analysis bins, time bins, efficiencies),
``signal_rate``, ``signal_fraction``; ``background_events``; ``significance``
(S/√(S+B), CLOVERS Eq. 1); ``significance_asimov`` (binned, Cowan et al. 2011 Eq. 97,
statistics only); ``significance_profiled`` (Asimov, nuisances profiled with iminuit);
``exposure_for_<N>sigma``; ``threshold_nr``; and, when ``[reach]`` asks,
``weak_coupling_precision``, ``neutron_radius_precision``, ``nsi_ee_uv_interval_90cl``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hepunits import MeV, cm, hour, keV, s

from ...stats.asimov import asimov_discovery_significance
from ...stats.counting import exposure_for_significance, significance, significance_map
from ..analysis import Family
from .config import CevnsConfig, need
from .model import CevnsModel
from .statistics import (
    discovery_significance,
    interval_1d,
    magnetic_moment_limit,
    mediator_limits,
    nsi_plane,
    precision,
)

__all__ = ["FAMILY", "CevnsOutcome", "compute", "report", "conventions"]


@dataclass
class CevnsOutcome:
    """What :func:`compute` found (no file output)."""

    model: CevnsModel
    signal: np.ndarray
    backgrounds: dict[str, np.ndarray]
    total: float
    signal_events: float
    background_events: float
    significance: float
    significance_asimov: float
    significance_profiled: float | None
    threshold_nr: float | None
    exposure_for_target: float | None
    conventions: list[dict[str, Any]]
    significance_map: dict[str, np.ndarray] | None
    reach: dict[str, Any] = field(default_factory=dict)


def _variant(model: CevnsModel, form_factor: str, sin2: str | float) -> CevnsModel:
    """The same model with another form factor / sin²θ_W (kernels and responses shared)."""
    cfg = model.config
    inter = cfg.interaction.model_copy(update={"form_factor": form_factor, "sin2_theta_w": sin2})
    clone = copy.copy(model)
    clone.config = cfg.model_copy(update={"interaction": inter})
    clone.interaction = inter
    clone._ff_cache, clone._terms_cache = {}, {}
    clone.__dict__.pop("_g_at_sin2_zero", None)
    return clone


def conventions(model: CevnsModel) -> list[dict[str, Any]]:
    """Total and selected events over (Klein–Nystrand, Helm) × (Z-pole, low-energy)."""
    bkg = float(sum(b.sum() for b in model.backgrounds().values()))
    rows = []
    for ff in ("klein-nystrand", "helm"):
        for s2 in ("z-pole", "low-energy"):
            alt = _variant(model, ff, s2)
            sig = float(alt.predict().sum())
            rows.append({"form_factor": ff, "sin2_theta_w": s2,
                         "cevns_total_events": alt.total_events(), "signal_events": sig,
                         "significance": float(significance(sig, bkg))})
    return rows


def _threshold_nr(model: CevnsModel) -> float | None:
    """Recoil energy whose mean observable equals the first bin edge (hepunits), if defined."""
    cfg = model.config
    resp, t = cfg.response, model.recoil
    low = model.edges[0]
    if low <= 0:
        return None
    if resp.observable == "recoil":
        return low * keV
    if resp.observable == "xenon-s2":
        mean = need(resp.xenon, "response.xenon").build().mean_s2(t)
    else:
        eee = resp.quenching.build().electron_equivalent(t)
        mean = eee * resp.quanta_per_energy() if resp.observable in ("pe", "electrons") \
            else eee / keV
    inc = np.concatenate([[True], np.diff(mean) > 0])
    if mean[-1] < low or not np.all(np.diff(mean[mean <= low * 1.5]) > 0):
        return None
    return float(np.interp(low, mean[inc], t[inc]))


def _reach(model: CevnsModel, ctx) -> dict[str, Any]:
    cfg = model.config
    rc = cfg.reach
    out: dict[str, Any] = {}
    s2 = cfg.interaction.sin2_value()
    if rc.weak_coupling:
        best, err = precision(model, "sin2_theta_w")
        out["weak_coupling_precision"] = err / best
        out["sin2_theta_w_fit"] = (best, err)
    if rc.neutron_radius and cfg.interaction.form_factor != "none":
        best, err = precision(model, "neutron_radius_fm")
        out["neutron_radius_precision"] = err / best
        out["neutron_radius_fit"] = (best, err)
    names = [n for n, on in (("sin2_theta_w", rc.weak_coupling),
                             ("neutron_radius_fm", rc.neutron_radius
                              and cfg.interaction.form_factor != "none")) if on]
    if rc.exposure_scales and names:
        tasks = [(model, name, scale) for scale in rc.exposure_scales for name in names]
        fits = iter(ctx.map(precision, tasks, label="precision vs exposure", unpack=True))
        rows = []
        for scale in rc.exposure_scales:
            row: dict[str, Any] = {"exposure_scale": scale, "kg_day": scale * cfg.kg_day}
            for name in names:
                best, err = next(fits)
                key = "weak_coupling_precision" if name == "sin2_theta_w" else \
                    "neutron_radius_precision"
                row[key] = err / best
            rows.append(row)
        out["precision_vs_exposure"] = rows
    lo, hi = rc.nsi_range
    if rc.nsi_ee_uv:
        grid = np.linspace(lo, hi, 81)
        out["nsi_ee_uv"] = interval_1d(model, "nsi_uv_e", grid,
                                       progress=lambda it: ctx.progress(it, "NSI scan"))
    if rc.nsi_plane:
        axis = np.linspace(lo, hi, rc.nsi_points)
        out["nsi_plane"] = {"uv": axis, "dv": axis, "delta_chi2": nsi_plane(model, "e", axis, axis)}
    if rc.magnetic_moment:
        out["magnetic_moment_limit"] = magnetic_moment_limit(model)
    if rc.mediator_masses_mev:
        out["mediator_limits"] = (np.asarray(rc.mediator_masses_mev, dtype=float),
                                  mediator_limits(model, rc.mediator_masses_mev))
    out["sin2_theta_w"] = s2
    return out


def compute(config: CevnsConfig, ctx) -> CevnsOutcome:
    """Counts, significances, conventions table, map and physics reach (no file output)."""
    model = CevnsModel(config)
    signal = model.predict()
    bkgs = model.backgrounds()
    bkg_total = sum(bkgs.values(), np.zeros_like(signal))
    s_tot, b_tot = float(signal.sum()), float(bkg_total.sum())
    z = float(significance(s_tot, b_tot))
    z_asimov = asimov_discovery_significance(signal, bkg_total) if b_tot > 0 else float("nan")
    st = config.statistics
    z_prof = None
    if b_tot > 0 and np.all(bkg_total[signal > 0] > 0):
        z_prof = discovery_significance(model)
    x_target = None
    if s_tot > 0:
        x_target = exposure_for_significance(st.target_sigma, s_tot / config.kg_day,
                                             b_tot / config.kg_day)
    zmap = None
    if st.map_mass_kg is not None and st.map_time_days is not None:
        masses = np.geomspace(*st.map_mass_kg, st.map_points)
        times = np.geomspace(*st.map_time_days, st.map_points)
        zmap = {"mass_kg": masses, "time_days": times,
                "significance": significance_map(masses, times, s_tot / config.kg_day,
                                                 b_tot / config.kg_day)}
    rows = conventions(model) if st.conventions_table else []
    reach = _reach(model, ctx)
    return CevnsOutcome(model, signal, bkgs, model.total_events(), s_tot, b_tot, z,
                        z_asimov if np.isfinite(z_asimov) else 0.0, z_prof,
                        _threshold_nr(model), x_target, rows, zmap, reach)


def report(config: CevnsConfig, outcome: CevnsOutcome, ctx) -> None:
    """Record the family's quantities, tables, spectra and figures."""
    cfg, o, model = config, outcome, outcome.model
    kg_day = cfg.kg_day
    per = f"events / {cfg.exposure.live_days:g} d / {cfg.target.mass_kg:g} kg"
    inter, resp = cfg.interaction, cfg.response
    conv = (f"form factor {inter.form_factor!r}, sin2_theta_w {inter.sin2_theta_w!r}"
            + (", radiative corrections" if inter.radiative_corrections else ""))
    if o.conventions:
        tot = [r["cevns_total_events"] for r in o.conventions]
        sig = [r["signal_events"] for r in o.conventions]
        conv += (f"; over Helm/Klein-Nystrand x low-energy/Z-pole the total spans "
                 f"{min(tot):.1f}-{max(tot):.1f}, the signal {min(sig):.1f}-{max(sig):.1f} "
                 "(table cevns_choices)")
    src = cfg.source
    if src.kind == "stopped-pion":
        ctx.quantity("flux_per_flavour", model.flux * cm**2 * hour, "cm^-2 h^-1",
                  note=f"P/E_p x yield / (4 pi L^2): {src.beam_power_kw:g} kW, "
                       f"{src.proton_energy_gev:g} GeV, {src.nu_per_proton_per_flavour:g} "
                       f"nu/p/flavour, L = {src.distance_m:g} m")
    else:
        ctx.quantity("flux", model.flux * cm**2 * s, "cm^-2 s^-1",
                  note=f"{src.thermal_power_gw:g} GW at {src.distance_m:g} m (Kopeikin below "
                       f"{src.join['join_energy'] / MeV:g} MeV, Huber-Mueller above)")
    ctx.quantity("cevns_total_events", o.total, per, note=f"all recoils, no threshold; {conv}")
    ctx.quantity("cevns_total_rate", o.total / kg_day, "day^-1 kg^-1")
    window = f"{model.edges[0]:g}-{model.edges[-1]:g} ({resp.observable})"
    ctx.quantity("signal_events", o.signal_events, per,
              note=f"bins {window}, {resp.statistics} statistics, efficiency "
                   f"{cfg.efficiency.curve} x {dict(cfg.efficiency.factors)}; {conv}")
    ctx.quantity("signal_rate", o.signal_events / kg_day, "day^-1 kg^-1")
    if o.total > 0:
        ctx.quantity("signal_fraction", o.signal_events / o.total, "fraction",
                  note="selected / all recoils (independent of the flux normalisation)")
    if o.backgrounds:
        parts = ", ".join(f"{k} {float(v.sum()):.4g}" for k, v in o.backgrounds.items())
        ctx.quantity("background_events", o.background_events, per,
                  note=f"configured budget: {parts}")
        ctx.quantity("significance", o.significance, "sigma",
                  note="S/sqrt(S+B) (CLOVERS Eq. 1), statistics only")
        ctx.quantity("significance_asimov", o.significance_asimov, "sigma",
                  note="binned Asimov discovery significance (Cowan et al. 2011, Eq. 97), "
                       "statistics only")
        if o.significance_profiled is not None:
            ctx.quantity("significance_profiled", o.significance_profiled, "sigma",
                      note="Asimov data, background-only vs signal fit with the nuisances of "
                           "[statistics] and the background norm uncertainties (iminuit)")
    if o.exposure_for_target is not None and o.backgrounds:
        level = cfg.statistics.target_sigma
        ctx.quantity(f"exposure_for_{level:g}sigma", o.exposure_for_target, "kg day",
                  note="Z^2 (s + b) / s^2 with rates per kg day (S/sqrt(S+B))")
    if o.threshold_nr is not None:
        ctx.quantity("threshold_nr", o.threshold_nr / keV, "keV",
                  note=f"T_nr whose mean {resp.observable} equals the first bin edge "
                       f"{model.edges[0]:g}")
    _report_reach(ctx, cfg, o)

    if o.conventions:
        ctx.table("cevns_choices", o.conventions)
    ctx.table("signal_by_component", [
        {"component": c, "total_events": model.events_by_component()[c],
         "signal_events": model.signal_by_component()[c]} for c in model.components])
    if o.backgrounds:
        ctx.table("backgrounds", [{"component": k, "label": cfg.backgrounds[k].label
                                   if k in cfg.backgrounds else "nu-e elastic scattering",
                                   "events": float(v.sum())} for k, v in o.backgrounds.items()])
    ctx.spectrum("recoil", {"recoil_kev": model.recoil / keV,
                            **dict(zip(model.components, model.recoil_spectrum() * keV))})
    ctx.spectrum("signal_bins", {"edges": model.edges, "time_edges": model.time_edges,
                                 "counts": o.signal})
    ctx.spectrum("backgrounds", o.backgrounds)
    if o.significance_map is not None:
        ctx.spectrum("significance_map", o.significance_map)
    if ctx.staging is not None:
        from . import plots

        plots.draw_all(ctx, cfg, o)


def _report_reach(ctx, cfg: CevnsConfig, o: CevnsOutcome) -> None:
    r = o.reach
    exposure = (f"exposure {cfg.target.mass_kg:g} kg x {cfg.exposure.live_days:g} d; Asimov "
                f"data; nuisances: flux {cfg.statistics.flux_uncertainty:g}, efficiency "
                f"{cfg.statistics.efficiency_uncertainty:g}, quenching "
                f"{cfg.statistics.quenching_uncertainty:g}, R_n prior "
                f"{cfg.statistics.neutron_radius_uncertainty_fm:g} fm, background norms "
                + ", ".join(f"{k} {b.norm_uncertainty:g}" for k, b in cfg.backgrounds.items()))
    if "weak_coupling_precision" in r:
        best, err = r["sin2_theta_w_fit"]
        ctx.quantity("weak_coupling_precision", r["weak_coupling_precision"], "fraction",
                  note=f"relative 1 sigma on sin2(theta_W) = {best:.5f} +- {err:.5f} "
                       f"(profile likelihood: MIGRAD minimum, expected-information error); {exposure}")
    if "neutron_radius_precision" in r:
        best, err = r["neutron_radius_fit"]
        ctx.quantity("neutron_radius_precision", r["neutron_radius_precision"], "fraction",
                  note=f"relative 1 sigma on the common neutron rms radius R_n = {best:.3f} +- "
                       f"{err:.3f} fm (one R_n for all nuclei, sin2(theta_W) fixed); {exposure}")
    if "nsi_ee_uv" in r:
        iv = r["nsi_ee_uv"]
        parts = ", ".join(f"[{lo:.4f}, {hi:.4f}]" for lo, hi in iv.intervals)
        ctx.quantity("nsi_ee_uv_interval_90cl", iv.width, "1",
                  note=f"total width of the 90% CL (Delta chi2 <= 2.71) allowed region of "
                       f"eps^uV_ee, other NSI at 0: {parts} (the rate is quadratic in eps, "
                       f"hence a second, degenerate interval); profile scan with iminuit; "
                       f"{exposure}")
        ctx.table("nsi_ee_uv_scan", [{"eps_uv_ee": float(x), "delta_chi2": float(y)}
                                     for x, y in zip(iv.grid, iv.delta_chi2)])
    if "magnetic_moment_limit" in r and np.isfinite(r["magnetic_moment_limit"]):
        _flux = cfg.statistics.flux_uncertainty
        ctx.quantity("magnetic_moment_limit_90cl", r["magnetic_moment_limit"], "mu_B",
                 note=f"one-sided 90% CL (Delta chi2 = 2.71) on SM Asimov data, flux "
                      f"normalisation ({_flux:g}) profiled, other nuisances at nominal; "
                      f"{exposure}")
    if "mediator_limits" in r:
        masses, limits = r["mediator_limits"]
        ctx.table("mediator_limits_90cl", [
            {"mass_mev": float(mm), "coupling_limit": float(g) if np.isfinite(g) else None}
            for mm, g in zip(masses, limits)])
    if "precision_vs_exposure" in r:
        ctx.table("precision_vs_exposure", r["precision_vs_exposure"])
    if "nsi_plane" in r:
        ctx.spectrum("nsi_plane", r["nsi_plane"])


FAMILY = Family(name="cevns", config=CevnsConfig, compute=compute, report=report,
                description="CEvNS: any detector at a stopped-pion source or a reactor — "
                            "counts, significance, sin2(theta_W) / R_n / NSI reach")
