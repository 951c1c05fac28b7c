"""The reactor ν̄e family (``family = "reactor"``): any reactor experiment from a TOML.

``compute`` builds the experiment (:mod:`.model`) and runs the configured analyses, each
switched on by its keys in ``[sensitivity]``:

* expected rates and spectra per detector (always);
* ``precision_exposures_days``: relative 1σ of each free oscillation parameter, Asimov,
  every nuisance profiled (inverse Fisher matrix), with and without systematics;
* ``nmo_exposures_years``: mass-ordering Δχ² (Asimov, true ordering of the preset, fit the
  other, all nuisances profiled) vs exposure, the exposure to ``nmo_target_delta_chi2``,
  and with ``reverse_ordering`` the other true ordering at the reference exposure;
  ``nmo_flux_models`` recomputes the reference-exposure Δχ² with other flux models (e.g.
  the summation model) and reports each beside the ``[flux]`` model's value;
* ``theta13_exposures_years``: the sin²2θ13 excluded at ``theta13_cl`` if the truth has
  no θ13 oscillation, vs exposure, and for detector subsets (``theta13_subsets``);
* ``profile_scan``: iminuit profiles of oscillation parameters;
* ``matter_effect_check``: bias of a vacuum fit to the matter spectrum.

``report`` records them (quantity names in the module constants below; the published
value and source of each come from the TOML's ``[published.<name>]`` tables).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hepunits import MeV

from ...exceptions import FitDidNotConverge, InvalidConfiguration
from ...stats.fit import asimov_covariance, fit
from ...stats.scan import profile_scan
from ..analysis import Family
from ..context import RunContext
from .config import ReactorConfig
from .model import (
    OSC_UNITS,
    NmoResult,
    ReactorAnalysis,
    ReactorExperiment,
    build_analysis,
    flux_model,
    load_reference,
)

__all__ = ["FAMILY", "Config", "ReactorOutcome", "compute", "load_reference", "report"]


#: The family's configuration model (published values come with ExperimentConfig).
Config = ReactorConfig


@dataclass
class ReactorOutcome:
    """Everything :func:`report` records (no file output happened yet)."""

    exp: ReactorExperiment
    ana: ReactorAnalysis
    shape_eps: np.ndarray | None
    rates: dict[str, float]
    precision_rows: list[dict[str, Any]] = field(default_factory=list)
    nmo_rows: list[dict[str, Any]] = field(default_factory=list)
    nmo_ref: NmoResult | None = None
    nmo_years_to_target: tuple[float, str] | None = None
    nmo_reverse: tuple[str, float, float] | None = None
    nmo_flux_rows: list[dict[str, Any]] = field(default_factory=list)
    matter_shifts: dict[str, float] = field(default_factory=dict)
    scans: dict[str, Any] = field(default_factory=dict)
    scan_sigma: dict[str, float] = field(default_factory=dict)
    theta13_rows: list[dict[str, Any]] = field(default_factory=list)
    theta13_ref: float | None = None
    theta13_subsets: dict[str, float] = field(default_factory=dict)
    theta13_compare: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _years_to_target(years: np.ndarray, dchi2: np.ndarray, target: float):
    if np.any(dchi2 >= target) and np.any(dchi2 < target):
        j = int(np.argmax(dchi2 >= target))
        if j > 0:
            return (float(np.interp(target, dchi2[j - 1:j + 1], years[j - 1:j + 1])),
                    f"linear interpolation of Δχ²(exposure) to Δχ² = {target}")
        return (float(years[0] * target / dchi2[0]),
                "extrapolated proportionally below the smallest computed exposure")
    if np.all(dchi2 < target):
        slope = (dchi2[-1] - dchi2[-2]) / (years[-1] - years[-2])
        if slope > 0:
            return (float(years[-1] + (target - dchi2[-1]) / slope),
                    "extrapolated linearly beyond the largest computed exposure")
    return None


def _dm2(ana: ReactorAnalysis, name: str) -> float:
    """A true mass splitting of the analysis (eV²)."""
    return ana.truth[name] * OSC_UNITS[name]


def _precisions(full: ReactorAnalysis, stat_only: ReactorAnalysis,
                days: float) -> tuple[dict[str, float], dict[str, float]]:
    """Relative precisions with all systematics and statistics only (a ``ctx.map`` task)."""
    return full.precision(days), stat_only.precision(days)


def _profile(ana: ReactorAnalysis, days: float, name: str, grid: np.ndarray):
    """Profile scan of one oscillation parameter on the Asimov data (a ``ctx.map`` task)."""
    return profile_scan(ana.likelihood(days), name, grid, reference=0.0, strategy=0)


def _theta13(ana: ReactorAnalysis, days: float, cl: float) -> float:
    """sin²2θ13 sensitivity at one exposure (a ``ctx.map`` task)."""
    return ana.theta13_sensitivity(days, cl)


def _nmo_flux_models(cfg: Config, out: ReactorOutcome,
                     ref_result: NmoResult) -> list[dict[str, Any]]:
    """NMO Δχ² at the reference exposure with each ``sensitivity.nmo_flux_models`` entry
    as the flux (the Asimov truth and the fit both use it; the shape uncertainty stays the
    configured one), beside the ``[flux]`` model's value (the first row). The fit of the
    other ordering starts from the reference flux's best fit."""
    a = cfg.sensitivity
    days = a.nmo_reference_years * a.days_per_year
    ref = out.exp
    rows = [{"label": "reference", "flux_model": flux_model(cfg.flux).label,
             "ibd_rate_per_day": sum(out.rates.values()),
             "delta_chi2": ref_result.delta_chi2, "difference": 0.0}]
    for alt in a.nmo_flux_models:
        flux = cfg.flux.model_copy(update={"model": alt.model, "library": alt.library,
                                           "gap_model": alt.gap_model, "table": None})
        exp = ref.with_flux(flux)
        r = ReactorAnalysis(exp, truth=ref.base, shape_eps=out.shape_eps).nmo(
            days, alternative_start=ref_result.fit_alternative.values)
        rows.append({"label": alt.label, "flux_model": flux_model(flux).label,
                     "ibd_rate_per_day": sum(exp.signal_rate_per_day().values()),
                     "delta_chi2": r.delta_chi2,
                     "difference": r.delta_chi2 - ref_result.delta_chi2})
    return rows


def compute(cfg: Config, ctx: RunContext) -> ReactorOutcome:
    """Build the experiment and run the analyses configured in ``[sensitivity]``."""
    a = cfg.sensitivity
    dpy = a.days_per_year
    with ctx.timer("model"):
        ana = build_analysis(cfg)
        exp, shape_eps = ana.exp, ana.reference_shape_eps
    out = ReactorOutcome(exp, ana, shape_eps, exp.signal_rate_per_day())

    if a.precision_exposures_days:
        stat_only = ReactorAnalysis(exp, systematics=False, shape_eps=shape_eps)
        with ctx.timer("precision_table"):
            exposures = list(a.precision_exposures_days.items())
            precisions = ctx.map(_precisions, [(ana, stat_only, d) for _, d in exposures],
                                 unpack=True, label="precision table")
            for (label, days), (full, stat) in zip(exposures, precisions):
                for k in a.free_parameters:
                    out.precision_rows.append({"parameter": k, "exposure": label, "days": days,
                                               "relative_precision": full[k],
                                               "stat_only": stat[k]})

    if a.nmo_exposures_years:
        ref_y = a.nmo_reference_years
        years = sorted({*a.nmo_exposures_years, ref_y})
        alt = None
        with ctx.timer("mass_ordering"):
            for y in ctx.progress(years, "mass ordering"):
                t0 = time.perf_counter()
                r = ana.nmo(y * dpy, alternative_start=alt)
                if y == ref_y:
                    out.nmo_ref = r
                out.nmo_rows.append({"years": y, "delta_chi2": r.delta_chi2,
                                     "alt_dm2_31_1e-3eV2": r.fit_alternative.values["dm2_31"],
                                     "nfcn": r.nfcn, "seconds": time.perf_counter() - t0})
                alt = r.fit_alternative.values
        ys = np.array([r["years"] for r in out.nmo_rows])
        dchi2 = np.array([r["delta_chi2"] for r in out.nmo_rows])
        out.nmo_years_to_target = _years_to_target(ys, dchi2, a.nmo_target_delta_chi2)
        if a.reverse_ordering:
            with ctx.timer("mass_ordering_reverse"):
                dm31, dm21 = _dm2(ana, "dm2_31"), _dm2(ana, "dm2_21")
                # the other ordering with |Δm²32| of one equal to Δm²31 of the other
                mirrored31 = -(dm31 - dm21) if dm31 > 0 else -dm31 + dm21
                mirrored = ana.base.replace(dm2_31=mirrored31)
                rr = ReactorAnalysis(exp, truth=mirrored, shape_eps=shape_eps).nmo(ref_y * dpy)
            out.nmo_reverse = ("io" if mirrored31 < 0 else "no", rr.delta_chi2, mirrored31)

    if a.nmo_flux_models and out.nmo_ref is not None:
        with ctx.timer("mass_ordering_flux_models"):
            out.nmo_flux_rows = _nmo_flux_models(cfg, out, out.nmo_ref)

    if a.matter_effect_check and cfg.oscillation.matter:
        with ctx.timer("matter_effect"):
            days = a.nmo_reference_years * dpy
            vac = ReactorAnalysis(exp, shape_eps=shape_eps, vacuum=True)
            try:
                vfit = fit(vac.likelihood(days, data=ana.likelihood(days).data), hesse=False)
            except FitDidNotConverge:
                vfit = None
            if vfit is not None:
                for k in ("dm2_21", "sin2_theta12"):
                    out.matter_shifts[k] = vfit.values[k] / ana.truth[k] - 1.0

    if a.profile_scan_points > 0 and a.profile_scan:
        scan_days = a.precision_exposures_days.get(a.profile_scan_exposure)
        if scan_days is None:
            raise InvalidConfiguration(
                f"sensitivity.profile_scan_exposure = {a.profile_scan_exposure!r}: not one of "
                f"{list(a.precision_exposures_days)}")
        names, cov = asimov_covariance(ana.likelihood(scan_days))
        with ctx.timer("profile_scans"):
            tasks = []
            for p in a.profile_scan:
                if p not in a.free_parameters:
                    raise InvalidConfiguration(f"sensitivity.profile_scan: {p!r} is not one of the "
                                               f"free parameters {a.free_parameters}")
                s = float(np.sqrt(cov[names.index(p), names.index(p)]))
                out.scan_sigma[p] = s
                tasks.append((ana, scan_days, p,
                              ana.truth[p] + s * np.linspace(-2.5, 2.5, a.profile_scan_points)))
            out.scans = dict(zip(a.profile_scan, ctx.map(_profile, tasks, unpack=True,
                                                         label="profile scans")))

    if a.theta13_exposures_years:
        with ctx.timer("theta13_sensitivity"):
            years = sorted({*a.theta13_exposures_years, a.theta13_reference_years})
            sens = ctx.map(_theta13, [(ana, y * dpy, a.theta13_cl) for y in years],
                           unpack=True, label="sin²2θ13 sensitivity")
            for y, s in zip(years, sens):
                out.theta13_rows.append({"years": y, "sin2_2theta13": s})
                if y == a.theta13_reference_years:
                    out.theta13_ref = s
            for label, sub in a.theta13_subsets.items():
                sub_ana = ReactorAnalysis(exp, shape_eps=shape_eps, detectors=sub.detectors)
                out.theta13_subsets[label] = sub_ana.theta13_sensitivity(sub.years * dpy,
                                                                         a.theta13_cl)
            for other in a.theta13_compare:
                o_cfg = load_reference(other)
                o_ana = build_analysis(o_cfg)
                o_dpy = o_cfg.sensitivity.days_per_year
                out.theta13_compare[o_cfg.experiment] = [
                    {"years": y, "sin2_2theta13": o_ana.theta13_sensitivity(y * o_dpy,
                                                                            a.theta13_cl)}
                    for y in years]
    return out


def _nuisance_text(ana: ReactorAnalysis) -> str:
    """How the run treated the systematics, for the notes (they describe the run made)."""
    if ana.systematics:
        return "all nuisances profiled"
    return "statistics only: sensitivity.systematics = false, no nuisance profiled"


def report(cfg: Config, out: ReactorOutcome, ctx: RunContext) -> None:
    """Record the outcome's quantities, tables and figures."""
    from . import plots

    a = cfg.sensitivity
    exp, ana = out.exp, out.ana

    def q(name: str, value: float, unit: str, note: str | None = None) -> None:
        ctx.quantity(name, float(value), unit, note=note)

    multi = len(exp.detectors) > 1
    dpy = a.days_per_year
    for d in exp.detectors:
        sfx = f"_{d.name}" if multi else ""
        rate = out.rates[d.name]
        bkg = sum(b.rate_per_day for b in d.block.backgrounds) * d.block.live_fraction
        r = d.block.resolution
        q(f"ibd_rate_per_day{sfx}", rate, "1/day",
          note=(f"{len(cfg.cores)} cores, {exp.total_power_gw:.1f} GW_th x uptime; "
                f"{d.block.target_mass_t:g} t ({d.ibd.free_protons:.4g} free protons), "
                f"{d.block.cross_section} IBD, efficiency {d.block.efficiency} x live "
                f"{d.block.live_fraction}, oscillated ({cfg.oscillation.preset}"
                f"{', matter' if cfg.oscillation.matter else ', vacuum'})"))
        q(f"ibd_events_per_year{sfx}", rate * dpy, "1/yr",
          note=f"ibd_rate_per_day x {dpy} days")
        q(f"background_rate_per_day{sfx}", bkg, "1/day",
          note="sum of the configured background components (input, not a prediction)")
        if rate > 0:
            q(f"background_fraction{sfx}", bkg / rate, "fraction",
              note="background-to-signal ratio B/S after selection")
        q(f"resolution_at_1mev{sfx}", float(d.ibd.resolution.relative(1 * MeV)), "",
          note=f"sqrt(a^2 + b^2 + c^2) with a, b, c = {r.a}, {r.b}, {r.c}")

    if out.shape_eps is not None:
        eps, e = out.shape_eps, exp.detectors[0].ibd.centres / MeV
        peak = float(eps[np.argmin(np.abs(e - 3.0))])
        ref = cfg.systematics.shape_reference
        source = ("" if ref is None else
                  f" from the {ref.preset!r} preset's statistics over {ref.years:g} yr "
                  f"(sqrt(N_s + 2 N_b)/N_s, residual {ref.residual})")
        q("shape_uncertainty_at_3mev", peak, "fraction",
          note=(f"bin-to-bin reactor-shape uncertainty per "
                f"{np.mean(np.diff(e)) * 1e3:.0f} keV bin{source}"))

    if out.precision_rows:
        for row in out.precision_rows:
            q(f"precision_{row['parameter']}_{row['exposure']}", row["relative_precision"], "",
              note=(f"Asimov, {_nuisance_text(ana)} (inverse Fisher); statistics only: "
                    f"{row['stat_only']:.4g}"))
        ctx.table("precision", out.precision_rows)

    if out.nmo_rows and out.nmo_ref is not None:
        ref_y = a.nmo_reference_years
        ctx.table("nmo_vs_exposure", out.nmo_rows)
        q(f"nmo_delta_chi2_{ref_y:g}y", out.nmo_ref.delta_chi2, "",
          note=(f"Asimov true {'NO' if _dm2(ana, 'dm2_31') > 0 else 'IO'}, fit the other ordering "
                f"(Δm²31 free, {_nuisance_text(ana)}), {ref_y:g} yr x "
                f"{exp.total_power_gw:.1f} GW_th"))
        if out.nmo_years_to_target is not None:
            q("nmo_years_to_3sigma" if a.nmo_target_delta_chi2 == 9.0 else "nmo_years_to_target",
              out.nmo_years_to_target[0], "yr", note=out.nmo_years_to_target[1])
        if out.nmo_reverse is not None:
            name, value, dm31 = out.nmo_reverse
            q(f"nmo_delta_chi2_{ref_y:g}y_true_{name}", value, "",
              note=(f"reverse test: Asimov true {name.upper()} with Δm²31 = {dm31:.5g} eV² "
                    f"(|Δm²32| of the other ordering mirrored), fit the other, {ref_y:g} yr"))
        if out.nmo_flux_rows:
            ctx.table("nmo_flux_models", out.nmo_flux_rows)
            base = out.nmo_flux_rows[0]
            for row in out.nmo_flux_rows[1:]:
                q(f"nmo_delta_chi2_{ref_y:g}y_{row['label']}", row["delta_chi2"], "",
                  note=(f"as nmo_delta_chi2_{ref_y:g}y with the {row['flux_model']} flux "
                        f"(Asimov truth and fit), {row['ibd_rate_per_day']:.4g} IBD/day; "
                        f"{base['flux_model']}: {base['delta_chi2']:.4g} with "
                        f"{base['ibd_rate_per_day']:.4g} IBD/day"))
                q(f"nmo_delta_chi2_{ref_y:g}y_{row['label']}_difference", row["difference"], "",
                  note=f"nmo_delta_chi2_{ref_y:g}y_{row['label']} − nmo_delta_chi2_{ref_y:g}y")
        ctx.spectrum("nmo_delta_chi2", {"years": np.array([r["years"] for r in out.nmo_rows]),
                                        "delta_chi2": np.array([r["delta_chi2"]
                                                                for r in out.nmo_rows])})
    for k, shift in out.matter_shifts.items():
        q(f"matter_effect_shift_{k}", shift, "",
          note=(f"relative bias of {k} when matter is ignored (vacuum fit to the "
                f"{a.nmo_reference_years:g} yr matter Asimov spectrum, density "
                f"{cfg.oscillation.matter_density_g_cm3} g/cm3)"))
    if out.theta13_rows and out.theta13_ref is not None:
        cl = f"{a.theta13_cl * 100:.0f}cl"
        ctx.table("theta13_sensitivity_vs_exposure", out.theta13_rows)
        q(f"sin2_2theta13_sensitivity_{cl}", out.theta13_ref, "",
          note=(f"{a.theta13_reference_years:g} yr, all detectors; Asimov without θ13 "
                f"oscillation, Δχ² = {a.theta13_cl:.0%} CL (1 dof), Δm²31 = "
                f"{_dm2(ana, 'dm2_31'):.4g} eV² fixed, {_nuisance_text(ana)}"))
        for label, value in out.theta13_subsets.items():
            sub = a.theta13_subsets[label]
            q(f"sin2_2theta13_sensitivity_{cl}_{label}", value, "",
              note=f"detectors {', '.join(sub.detectors)} only, {sub.years:g} yr")
    ctx.table("performance", [
        {"stage": "mass_ordering", "objective_calls": int(sum(r["nfcn"] for r in out.nmo_rows))},
        {"stage": "profile_scans",
         "objective_calls": int(sum(s.nfcn for s in out.scans.values()))},
    ])
    with ctx.timer("figures"):
        plots.figures(ctx, cfg, out)


FAMILY = Family(name="reactor", config=Config, compute=compute, report=report,
                description="reactor ν̄e (IBD): any cores, near/far detectors, backgrounds, "
                            "systematics; precision, mass ordering, sin²2θ13 sensitivity")
