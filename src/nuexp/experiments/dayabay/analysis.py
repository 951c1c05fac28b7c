"""``nuexp run dayabay``: sin²2θ13 and Δm²32 from the Daya Bay full data release.

Data: Daya Bay Collaboration, "Full Data Release of the Daya Bay Reactor Neutrino
Experiment", Zenodo 10.5281/zenodo.17587229 (CC BY 4.0), via ``dayabay-data-official``;
published result F. P. An et al., PRL 130, 161802 (2023): sin²2θ13 = 0.0851 ± 0.0024,
Δm²32 = (2.466 ± 0.060)×10⁻³ eV² (normal), −(2.571 ± 0.060)×10⁻³ eV² (inverted)
(also W. Wang's talk "Neutrino physics: an experimental overview", CSNS 2024, Daya Bay
page). The published values and their sources are in ``dayabay.toml``.

The chain (see :mod:`.model`): release → per-AD, per-period prediction with a free
19-knot reactor spectrum → CNP χ² with the systematic groups as covariance or pull terms
(:mod:`.fit`) → MIGRAD + HESSE for each mass ordering, Δχ² profiles, a (sin²2θ13, Δm²32)
grid for the 1σ/2σ/3σ contours, and the plots.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from ...config import ExperimentConfig, StrictModel
from ...oscillation import reactor_survival
from ..analysis import Family
from ..context import RunContext
from .data import CITATION, DETECTORS, PERIODS, SITES, active_pairs, check_names, load_release
from .fit import DayaBayFit, FitResult, single_thread_blas
from .model import DayaBayModel, oscillation_parameters
from .nuisances import GROUPS, check_groups

__all__ = ["FAMILY", "Config", "analyse", "report", "single_thread_blas"]

class DataSection(StrictModel):
    """Which data to fit."""

    mode: Literal["real", "asimov"] = Field(
        "real", description="'real': fit the released IBD candidates; 'asimov': fit the "
                            "model's own prediction at the asimov_* values (sensitivity)")
    detectors: list[str] = Field(
        default_factory=lambda: list(DETECTORS),
        description="antineutrino detectors to fit, names of the release (AD11 ... AD34)")
    periods: list[str] = Field(
        default_factory=lambda: list(PERIODS),
        description="data-taking periods to fit: '6AD', '8AD', '7AD'")
    asimov_sin2_2theta13: float = Field(
        0.0851, ge=0.0, le=1.0,
        description="sin²2θ13 of the Asimov dataset (mode = 'asimov') [dimensionless], 0-1")
    asimov_dm2_32: float = Field(
        2.466e-3, gt=0.0, le=1e-2,
        description="Δm²32 of the Asimov dataset (mode = 'asimov') [eV²], (0, 0.01]")

    @field_validator("detectors")
    @classmethod
    def _detectors(cls, v):
        check_names("detector", v, DETECTORS)
        return v

    @field_validator("periods")
    @classmethod
    def _periods(cls, v):
        check_names("period", v, PERIODS)
        return v


class SystematicsSection(StrictModel):
    """Each systematic group is a covariance-matrix term, a pull term, or left out."""

    covariance: list[str] = Field(
        default_factory=lambda: list(GROUPS),
        description="systematic groups entering the χ² through the covariance matrix V_syst")
    pull: list[str] = Field(
        default_factory=list,
        description="systematic groups fitted as pull terms instead (no overlap with "
                    "covariance); a group in neither list is left out")
    background_uncertainty: Literal["absolute", "official-1.7"] = Field(
        "absolute", description="background rate uncertainties as absolute rates, or as "
                                "dayabay-model 1.7.1 applies them ('official-1.7')")

    @field_validator("covariance", "pull")
    @classmethod
    def _groups(cls, v, info):
        check_groups(v, f"systematics.{info.field_name}")
        return v


def _both_orderings() -> list[Literal["normal", "inverted"]]:
    return ["normal", "inverted"]


class FitSection(StrictModel):
    """Fit options."""

    orderings: list[Literal["normal", "inverted"]] = Field(
        default_factory=_both_orderings, min_length=1, max_length=2,
        description="mass orderings to fit (sign of Δm²32): one or both of 'normal' and "
                    "'inverted', each once")
    minos: bool = Field(False, description="also compute MINOS (profile) intervals")
    stat_variance: Literal["frozen", "variable"] = Field(
        "frozen", description="CNP statistical variance evaluated once at the nominal "
                              "prediction ('frozen', as dayabay-model 1.7.1) or at the "
                              "current prediction ('variable', Ji et al. 2020 Eq. 19)")
    hesse: Literal["gauss-newton", "numerical"] = Field(
        "gauss-newton", description="Hessian for the uncertainties: Gauss-Newton "
                                    "(analytic Jacobian) or numerical (iminuit HESSE)")
    profile_points: int = Field(
        7, ge=0, le=101,
        description="points of each 1-D Δχ² profile (0: no profiles) [count], 0-101")
    profile_width_sigma: float = Field(
        3.0, gt=0.0, le=10.0,
        description="half-width of the profiles in HESSE errors [σ], (0, 10]")
    contour_points: int = Field(
        0, ge=0, le=41,
        description="grid points per axis of the sin²2θ13-Δm²32 Δχ² map (0: none) "
                    "[count], 0-41")
    stat_only: bool = Field(True, description="also fit without systematics "
                                              "(statistics-only uncertainties)")

    @field_validator("orderings")
    @classmethod
    def _each_once(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"orderings = {v}: each ordering at most once")
        return v


class Config(ExperimentConfig):
    """Preset ``dayabay``."""

    data: DataSection = Field(default_factory=DataSection, description="which data to fit")
    systematics: SystematicsSection = Field(
        default_factory=SystematicsSection, description="how each systematic group enters")
    fit: FitSection = Field(default_factory=FitSection, description="fit options")


def _note(extra: str = "") -> str:
    return (f"Computed by nuexp from the public data release ({CITATION}). " + extra).strip()


def analyse(config: Config, ctx: RunContext) -> tuple[DayaBayFit, FitResult] | None:
    """Fit the release; record the headline quantities and tables.

    Legacy split: this step records the quantities and tables itself and returns the
    normal-ordering fit and its result for :func:`report` to draw (``None`` without
    that fit); the CEvNS and reactor families keep all recording in their report step.
    """
    with single_thread_blas():
        return _analyse(config, ctx)


def report(config: Config, outcome: tuple[DayaBayFit, FitResult] | None,
           ctx: RunContext) -> None:
    """Draw the figures of the normal-ordering fit (when it was run)."""
    if outcome is not None:
        with single_thread_blas():
            _figures(config, ctx, *outcome)


def _analyse(config: Config, ctx) -> tuple[DayaBayFit, FitResult] | None:
    cov_groups = tuple(config.systematics.covariance)
    pull_groups = tuple(config.systematics.pull)
    pairs = active_pairs(tuple(config.data.periods), tuple(config.data.detectors))
    if not pairs:
        from ...exceptions import InvalidConfiguration
        raise InvalidConfiguration("data.detectors × data.periods selects no detector-period "
                                   "with data")
    with ctx.timer("load_release"):
        release = load_release()
    results: dict[str, FitResult] = {}
    fits: dict[str, DayaBayFit] = {}
    build_s = {}
    for ordering in config.fit.orderings:
        t0 = time.perf_counter()
        with ctx.timer(f"build_{ordering}"):
            model = DayaBayModel(release, ordering=ordering, pairs=pairs,
                                 background_uncertainty=config.systematics.background_uncertainty)
            observed = None
            if config.data.mode == "asimov":
                observed = model.expected(config.data.asimov_sin2_2theta13,
                                          config.data.asimov_dm2_32)
            fit = DayaBayFit(model, covariance=cov_groups, pull=pull_groups, observed=observed,
                             stat_variance=config.fit.stat_variance)
        build_s[ordering] = time.perf_counter() - t0
        with ctx.timer(f"fit_{ordering}"):
            results[ordering] = fit.fit(minos=config.fit.minos, hesse=config.fit.hesse)
        fits[ordering] = fit

    n_bins = len(pairs) * (release.final_edges.size - 1)
    syst_text = (f"covariance: {', '.join(cov_groups) or 'none'}; "
                 f"pull: {', '.join(pull_groups) or 'none'}; correlated background-rate "
                 f"uncertainties: {config.systematics.background_uncertainty}; CNP variance: "
                 f"{config.fit.stat_variance}")
    if "normal" in results:
        r = results["normal"]
        ctx.quantity("sin2_2theta13", r.values["sin2_2theta13"], "",
                     uncertainty=r.errors["sin2_2theta13"],
                     note=_note(f"Normal-ordering CNP chi2 fit, {n_bins} bins, 21 free parameters "
                                f"(2 oscillation + 19 spectrum knots); {syst_text}. "
                                f"Uncertainty from HESSE ({config.fit.hesse} Hessian)."))
        ctx.quantity("dm2_32_normal", r.values["dm2_32"], "eV^2",
                     uncertainty=r.errors["dm2_32"], note=_note())
        ctx.quantity("chi2", r.chi2, "",
                     note=_note(f"CNP chi2 at the normal-ordering best fit; ndf = {r.ndf}. "
                                "nuexp's prediction agrees with dayabay-model 1.7.1 (run side by "
                                "side, benchmarks/bench_dayabay.py) bin by bin to 1e-4 and every "
                                "V_syst group to 3e-3 (background group: with "
                                "background_uncertainty = 'official-1.7')."))
        ctx.quantity("ndf", r.ndf, "")
        ctx.quantity("fit_seconds", r.seconds, "s",
                     note=f"MIGRAD+HESSE{'+MINOS' if config.fit.minos else ''} of the normal-"
                          f"ordering fit: {r.n_calls} chi2 evaluations + {r.n_grad} gradients; "
                          f"model build + systematic covariance {build_s['normal']:.1f} s.")
        ctx.quantity("time_per_chi2_ms", 1e3 * r.seconds_per_call, "ms",
                     note="mean wall time of one chi2 evaluation during the fit (prediction "
                          "+ 546-bin solve; V factorised once with the frozen CNP variance)")
        ctx.quantity("time_per_gradient_ms", 1e3 * r.seconds_per_gradient, "ms",
                     note="analytic in the 19 knots, central differences in θ13, Δm²32")
        ctx.quantity("n_chi2_evaluations", r.n_calls, "")
        ctx.quantity("n_gradient_evaluations", r.n_grad, "")
        if r.minos:
            lo, hi = r.minos["sin2_2theta13"]
            ctx.quantity("sin2_2theta13_minos", r.values["sin2_2theta13"], "",
                         uncertainty_low=-lo, uncertainty_high=hi)
    if "inverted" in results:
        r = results["inverted"]
        ctx.quantity("dm2_32_inverted", -r.values["dm2_32"], "eV^2",
                     uncertainty=r.errors["dm2_32"],
                     note=_note("Inverted ordering: the sign carries the ordering."))
        ctx.quantity("sin2_2theta13_inverted", r.values["sin2_2theta13"], "",
                     uncertainty=r.errors["sin2_2theta13"])
        ctx.quantity("chi2_inverted", r.chi2, "")

    # the model fits |Δm²32|; like results.json, the table signs it by the ordering
    ctx.table("fit_summary", [
        {"ordering": o, "sin2_2theta13": r.values["sin2_2theta13"],
         "err_sin2_2theta13": r.errors["sin2_2theta13"],
         "dm2_32_eV2": (-1.0 if o == "inverted" else 1.0) * r.values["dm2_32"],
         "err_dm2_32_eV2": r.errors["dm2_32"], "chi2": r.chi2, "ndf": r.ndf,
         "chi2_evaluations": r.n_calls, "gradients": r.n_grad, "seconds": r.seconds}
        for o, r in results.items()])

    if config.fit.stat_only and "normal" in results:
        t_stat = time.perf_counter()
        with ctx.timer("fit_stat_only"):
            stat = DayaBayFit(fits["normal"].model, covariance=(), pull=(),
                              observed=fits["normal"].observed).fit(hesse=config.fit.hesse)
        stat_time = time.perf_counter() - t_stat
        ctx.quantity("sin2_2theta13_stat_only", stat.values["sin2_2theta13"], "",
                     uncertainty=stat.errors["sin2_2theta13"],
                     note=_note("Statistics only (no systematic term)."))
        ctx.quantity("dm2_32_normal_stat_only", stat.values["dm2_32"], "eV^2",
                     uncertainty=stat.errors["dm2_32"],
                     note=_note("Statistics only (no systematic term)."))
        total_err = results["normal"].errors["sin2_2theta13"]
        stat_err = stat.errors["sin2_2theta13"]
        share = max(0.0, 1.0 - (stat_err / total_err) ** 2)
        ctx.quantity("systematic_share_sin2_2theta13", share, "fraction",
                     note=_note(f"Share of the sin²2θ13 variance from the systematics: 1 − "
                                f"(σ_stat/σ_total)² with σ_total = {total_err:.5f} (this run's "
                                f"systematics) and σ_stat = {stat_err:.5f} (same data and model, "
                                f"no systematic term; {stat_time:.1f} s). As a share of the "
                                f"error, σ_syst/σ_total = {np.sqrt(share):.2f}."))

    return (fits["normal"], results["normal"]) if "normal" in results else None


def _figures(config: Config, ctx, fit: DayaBayFit, best: FitResult) -> None:
    from ...report.labels import physics_label
    from ...report.plots import new_figure

    model = fit.model
    caption = f"Data: {CITATION}."
    knots = np.array([best.values[f"knot_{k:02d}"] for k in range(model.n_knots)])
    s, d = best.values["sin2_2theta13"], best.values["dm2_32"]
    z = np.zeros(model.nuisances.size)
    z[fit.pull_index] = [best.values[n] for n in fit.names[2 + model.n_knots:]]
    pred = model.predict(s, d, knots, z)
    no_osc = model.predict(0.0, d, knots, z)
    x_best = np.array([best.values[n] for n in fit.names])
    shift, zhat = fit.systematic_shifts(x_best)
    corrected = pred.total + shift                     # prediction incl. implied syst. shifts
    if "hm_corr" in zhat:
        ctx.quantity("hm_corr_implied_pull", float(zhat["hm_corr"][0]), "",
                     note="Conditional mean of the correlated Huber–Mueller nuisance given the "
                          "best-fit residual (zhat = Jᵀ V⁻¹ r); with stat_variance = 'variable' "
                          "the fit moves the flux normalisation along this mode (≈ −3.6σ).")
    observed = fit.observed.reshape(model.n_pairs, model.n_final)
    edges = model.final_edges
    centres = 0.5 * (edges[1:] + edges[:-1])
    widths = np.diff(edges)

    # --- prompt spectra per hall with background stack
    fig, axes = new_figure(1, 3, figsize=(21, 6))
    site_of = {det: site for site, dets in SITES.items() for det in dets}
    for ax, site in zip(axes, SITES):
        rows = [i for i, (det, _) in enumerate(model.pairs) if site_of[det] == site]
        if not rows:
            continue
        obs = observed[rows].sum(axis=0) / widths
        bottom = np.zeros_like(centres)
        for b, arr in pred.background_by_source.items():
            h = arr[rows].sum(axis=0) / widths
            ax.bar(edges[:-1], h, width=widths, bottom=bottom, align="edge", alpha=0.6,
                   label=physics_label(b))
            bottom += h
        tot = pred.total[rows].sum(axis=0) / widths
        ax.stairs(tot, edges, color="C3", lw=1, ls="--", label="best fit, nuisances at 0")
        ax.stairs(corrected[rows].sum(axis=0) / widths, edges, color="C3", lw=2,
                  label="best fit + implied syst. shifts")
        ax.errorbar(centres, obs, yerr=np.sqrt(observed[rows].sum(axis=0)) / widths, fmt="ko",
                    ms=3, label="data")
        ax.set_yscale("log")
        ax.set_xlabel(r"prompt energy $E_{\rm p}$ [MeV]")
        ax.set_ylabel("events / MeV")
        ax.set_title(site)
    # one legend for the three halls, above them (the spectra fill every panel's top)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncols=4,
               fontsize=14)
    # mathtext for Jᵀ V⁻¹: the style's font (TeX Gyre Heros) has no superscript glyphs
    ctx.figure(fig, "prompt_spectra", caption="Prompt spectra per hall (all ADs and periods), "
               "data vs best-fit prediction with background stack; solid: including the "
               "systematic shifts implied by the covariance fit (J·zhat, zhat = $J^{T}V^{-1}r$). "
               + caption)

    # --- far/near style survival vs L_eff/<E>
    fig, ax = new_figure()
    bkg = pred.background
    scale = corrected / pred.total                      # per-bin implied systematic shift
    lengths = model.baselines / 1000.0                         # hepunits mm → m
    weights = model.geometry * model.thermal_energy             # (6, pairs)
    for site in SITES:
        rows = [i for i, (det, _) in enumerate(model.pairs) if site_of[det] == site]
        if not rows:
            continue
        dets = model.det_index[rows]
        w = weights[:, rows]
        l_eff = float((w * lengths[:, dets]).sum() / w.sum()) / 1000.0   # km
        num = (observed[rows] - bkg[rows]).sum(axis=0)
        den = (no_osc.ibd[rows] * scale[rows]).sum(axis=0)
        e_nu = centres + 0.78                                   # ⟨E_ν⟩ ≈ E_prompt + 0.78 MeV
        ratio = num / den
        err = np.sqrt(observed[rows].sum(axis=0)) / den
        ax.errorbar(l_eff / e_nu[1:-1], ratio[1:-1], yerr=err[1:-1], fmt="o", ms=4, label=site)
    x = np.linspace(0.05, 0.75, 400)
    params = oscillation_parameters(s, d, ordering=model.ordering)
    from hepunits import MeV, km
    ax.plot(x, reactor_survival(params, 1.0 * MeV, x * km), "k-",
            label=r"best fit $P(\bar{\nu}_e\to\bar{\nu}_e)$")
    ax.set_xlabel(r"$L_{\rm eff}/\langle E_\nu\rangle$ [km/MeV]")
    ax.set_ylabel("observed / expected (no oscillation)")
    ax.legend()
    ctx.figure(fig, "survival_vs_L_over_E",
               caption="Background-subtracted data over the no-oscillation expectation (best-fit "
               "spectrum and implied systematic shifts), per hall, vs L_eff/<E_ν> with <E_ν> ≈ E_prompt + 0.78 MeV and L_eff the "
               "flux-weighted baseline. " + caption)

    # --- Δχ² profiles
    n = config.fit.profile_points
    if n >= 3:
        fig, axes = new_figure(1, 2, figsize=(16, 6))
        profile_rows: list[dict[str, object]] = []
        for ax, par, scale, label in ((axes[0], "sin2_2theta13", 1.0, r"$\sin^2 2\theta_{13}$"),
                                      (axes[1], "dm2_32", 1e3, r"$\Delta m^2_{32}$ [$10^{-3}$ eV$^2$]")):
            width = config.fit.profile_width_sigma * best.errors[par]
            grid = np.linspace(best.values[par] - width, best.values[par] + width, n)
            with ctx.timer(f"profile_{par}"):
                prof = fit.profile(par, grid, best, hesse=config.fit.hesse)
            ax.plot(grid * scale, prof, "o-")
            for lvl in (1, 4, 9):
                ax.axhline(lvl, color="grey", ls=":")
            ax.set_xlabel(label)
            ax.set_ylabel(r"$\Delta\chi^2$")
            profile_rows += [{"parameter": par, "value": float(g), "delta_chi2": float(p)}
                             for g, p in zip(grid, prof)]
        ctx.table("profiles", profile_rows)
        ctx.figure(fig, "chi2_profiles", caption="Δχ² profiles (normal ordering), all other "
                   "parameters minimised. " + caption)

    # --- contours
    fig, ax = new_figure()
    sg, dg = best.errors["sin2_2theta13"], best.errors["dm2_32"]
    m = config.fit.contour_points
    if m >= 5:
        sv = np.linspace(s - 3.7 * sg, s + 3.7 * sg, m)
        dv = np.linspace(d - 3.7 * dg, d + 3.7 * dg, m)
        with ctx.timer("contour_grid"):
            grid = fit.grid(sv, dv, best, hesse=config.fit.hesse)
        ax.contour(sv, dv * 1e3, grid, levels=[2.30, 6.18, 11.83], colors=["C0", "C1", "C2"])
        how = f"profiled Δχ² on a {m}×{m} grid (levels 2.30, 6.18, 11.83)"
    else:
        i, j = fit.names.index("sin2_2theta13"), fit.names.index("dm2_32")
        cov = best.covariance[np.ix_([i, j], [i, j])]
        t = np.linspace(0, 2 * np.pi, 200)
        L = np.linalg.cholesky(cov)
        for k, level in enumerate((2.30, 6.18, 11.83)):
            pts = np.sqrt(level) * (L @ np.vstack([np.cos(t), np.sin(t)]))
            ax.plot(s + pts[0], (d + pts[1]) * 1e3, color=f"C{k}")
        how = "HESSE (Gaussian) ellipses at Δχ² = 2.30, 6.18, 11.83"
    ax.plot([s], [d * 1e3], "k*", ms=12, label="nuexp best fit")
    pub_s, pub_d = ctx.published_entry("sin2_2theta13"), ctx.published_entry("dm2_32_normal")
    if pub_s is not None and pub_d is not None:     # the published point, from the TOML
        ax.plot([float(pub_s.value)], [float(pub_d.value) * 1e3], "rs",
                label="published (PRL 130, 161802)")
    ax.set_xlabel(r"$\sin^2 2\theta_{13}$")
    ax.set_ylabel(r"$\Delta m^2_{32}$ [$10^{-3}$ eV$^2$] (NO)")
    ax.margins(0.15)
    ax.legend(loc="upper left", fontsize=12, frameon=False)
    ctx.figure(fig, "contours", caption=f"1σ/2σ/3σ regions (2 d.o.f.), {how}. " + caption)


FAMILY = Family(name="dayabay", config=Config, compute=analyse, report=report,
                description="Daya Bay full data release: sin²2θ13 and Δm²32 from a χ² fit (PRL 130, 161802)")
