"""JSNS2 CNgs event-level analysis (JSNS2 2025): `nuexp run jsns2-events`.

The pipeline, on triggered events read from Parquet/ROOT files (or simulated first when
no input folder is configured):

1. stream the events in chunks, pair prompt and delayed candidates in time order and
   apply the Table 1 selection as a cut flow per period (:mod:`nuexp.events.pipeline`);
2. estimate the accidental background with the fake-trigger and the spill-shift methods
   (:mod:`nuexp.events.backgrounds`; Sec. VI, Table 2);
3. get the selection efficiency per period from a signal simulation run through the same
   selection (the paper's efficiencies come from simulation too, Sec. V);
4. measure signal, flux (Eq. 3) and p-value with the same code as the published-number
   analysis :mod:`nuexp.experiments.jsns2_flux` (:mod:`nuexp.stats.flux_measurement`,
   :mod:`nuexp.stats.pvalue`), and compare with what was injected.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
from hepunits import MeV, cm, ms, us
from pydantic import Field, model_validator

from ..config import ExperimentConfig, StrictModel
from ..events.backgrounds import (combined_background, fake_trigger_background,
                                  fake_trigger_scale, spill_shift_background)
from ..events.cutflow import CutFlow
from ..events.pipeline import HIST_EDGES, StreamSummary, process_files
from ..events.selection import CUT_STAGES, SelectionCuts
from ..events.simulation import (JSNS2Simulator, SimulationConfig, read_manifest,
                                 simulate_to_directory)
from ..exceptions import DataNotAvailable
from ..interactions.beta_decay import N12_DECAY
from ..report.plots import new_figure
from ..stats.flux_measurement import FluxMeasurement, background_systematic
from ..stats.pvalue import poisson_p_value

__all__ = ["Config", "analyse", "selection_cuts", "efficiency_config", "simulate_dataset"]

PAPER = "JSNS2 2025"

#: Published values (JSNS2 2025) shown beside the computed ones.
PUBLISHED = {
    "observed_pairs": (79, "Table 2"),
    "background_fake_trigger": (42.2, "Table 2"),
    "background_spill_shift": (37.7, "Table 2"),
    "signal_events": (36.8, "Sec. VIII.1"),
    "flux": (6.7e-9, "Sec. IX"),
    "p_value": (2.9e-7, "Sec. VI"),
}
PUBLISHED_UNC = {"background_fake_trigger": 1.7, "background_spill_shift": 0.6}

#: Table 1 efficiencies (2021, 2022) used as references in the efficiency table.
TABLE1 = {
    "prompt_energy": (0.673, 0.673), "timing": (0.498, 0.468), "delayed_energy": (0.379, 0.379),
    "dt": (0.518, 0.781), "dvtx": (0.881, 0.881), "muon": (0.885, 0.901),
    "michel": (0.970, 0.970),
}


class DataBlock(StrictModel):
    """Input events."""

    path: str = Field(description="file or folder of event files; empty: simulate")
    chunk_size: int = Field(gt=0, le=50_000_000)


class EfficiencyBlock(StrictModel):
    """Signal simulation for the efficiencies."""

    interactions_per_period: int = Field(gt=0, le=10_000_000)
    spills_per_period: int = Field(gt=0)


class SelectionBlock(StrictModel):
    """Table 1 / Sec. V–VI selection in configuration units."""

    prompt_energy_mev: tuple[float, float]
    prompt_time_us: tuple[float, float]
    delayed_energy_mev: tuple[float, float]
    dt_min_ms: float = Field(ge=0)
    dvtx_max_cm: float = Field(gt=0)
    veto_top_max_pe: float = Field(gt=0)
    veto_bottom_max_pe: float = Field(gt=0)
    muon_charge_min_pe: float = Field(gt=0)
    michel_lookback_us: float = Field(ge=0)
    fake_start_ms: float = Field(ge=0)
    fake_step_us: float = Field(gt=0)
    normalisation_dvtx_min_cm: float = Field(gt=0)
    spill_shifts: int = Field(ge=1, le=10_000)

    @model_validator(mode="after")
    def _ordered(self) -> SelectionBlock:
        for name in ("prompt_energy_mev", "prompt_time_us", "delayed_energy_mev"):
            lo, hi = getattr(self, name)
            if not hi > lo:
                raise ValueError(f"{name} = [{lo}, {hi}]: need high > low")
        if self.normalisation_dvtx_min_cm < self.dvtx_max_cm:
            raise ValueError("normalisation_dvtx_min_cm must be >= dvtx_max_cm")
        return self


class MeasurementBlock(StrictModel):
    """Uncertainties of Eq. 3 inputs that are not measured here."""

    cross_section_uncertainty_cm2: float = Field(ge=0)
    target_relative_uncertainty: float = Field(ge=0, le=1)


class Config(ExperimentConfig):
    """Validated `jsns2-events` configuration."""

    data: DataBlock
    efficiency: EfficiencyBlock
    selection: SelectionBlock
    measurement: MeasurementBlock
    simulation: SimulationConfig


def selection_cuts(config: Config) -> SelectionCuts:
    """The :class:`SelectionCuts` of a configuration (hepunits); the delayed windows of
    the periods come from ``simulation.periods``."""
    s = config.selection
    return SelectionCuts(
        delayed_window={p.period: p.delayed_window_ms * ms for p in config.simulation.periods},
        prompt_energy=(s.prompt_energy_mev[0] * MeV, s.prompt_energy_mev[1] * MeV),
        prompt_time=(s.prompt_time_us[0] * us, s.prompt_time_us[1] * us),
        delayed_energy=(s.delayed_energy_mev[0] * MeV, s.delayed_energy_mev[1] * MeV),
        dt_min=s.dt_min_ms * ms, dvtx_max=s.dvtx_max_cm * cm,
        fv_radius=config.simulation.target.fiducial_radius_cm * cm,
        fv_half_height=config.simulation.target.fiducial_half_height_cm * cm,
        veto_top_max=s.veto_top_max_pe, veto_bottom_max=s.veto_bottom_max_pe,
        muon_charge_min=s.muon_charge_min_pe, michel_lookback=s.michel_lookback_us * us,
        fake_start=s.fake_start_ms * ms, fake_step=s.fake_step_us * us,
        normalisation_dvtx_min=s.normalisation_dvtx_min_cm * cm, spill_shifts=s.spill_shifts)


def efficiency_config(sim: SimulationConfig, interactions: int, spills: int) -> SimulationConfig:
    """Simulation of the signal with the muon-related processes only (for efficiencies).

    Flat singles and beam triggers are switched off; inner-detector and veto-only muons
    stay (they cause the muon- and Michel-rejection losses). Each period gets ``spills``
    spills and a flux scaled so that ``interactions`` CNgs interactions are expected in
    the vessel (≤ one per ~100 spills keeps two signals in one spill negligible).
    """
    tmp = JSNS2Simulator(sim, 0)
    periods = []
    scale = []
    for p in sim.periods:
        pps = sim.protons_per_spill(p)
        periods.append(p.model_copy(update={"pot": spills * pps}))
        scale.append(interactions / (tmp.interactions_per_spill(p) * spills))
    # one flux for all periods: use the larger scale (periods differ only by protons/spill)
    flux = sim.signal.flux_per_proton_cm2 * max(scale)
    rates = sim.rates.model_copy(update={
        "ambient_gamma_hz": 0.0, "cosmogenic_hz": 0.0, "neutron_capture_hz": 0.0,
        "beam_trigger_probability": 0.0})
    return sim.model_copy(update={
        "periods": periods, "rates": rates,
        "signal": sim.signal.model_copy(update={"flux_per_proton_cm2": flux}),
        "spills_per_block": max(sim.spills_per_block, spills)})


def simulate_dataset(detector: str, out: str | Path, *, pot: float | None = None,
                     seed: int = 12345, config: str | Path | dict | None = None,
                     show_progress: bool = False) -> dict:
    """``nuexp simulate jsns2``: simulate triggered events with the ``[simulation]`` block
    of the ``jsns2-events`` preset (optionally overridden by ``config``) into ``out``.

    Parameters
    ----------
    detector : {"jsns2"}
        What to simulate.
    out : path
        Output folder; it appears complete or not at all.
    pot : float, optional
        Total protons on target, split over the periods in the preset's proportions
        (JSNS2 2025, Sec. III: 1.29e22 in 2021 and 0.91e22 in 2022).
    seed : int
        Seed of every random process.
    config : path or dict, optional
        Overrides merged over the preset.

    Returns
    -------
    dict
        The dataset manifest (injected truth per period).
    """
    from ..config import load_toml
    from .registry import resolve_config

    if detector != "jsns2":
        from ..exceptions import UnknownName

        raise UnknownName(f"unknown detector {detector!r} for simulate; known: jsns2")
    override = load_toml(config) if isinstance(config, (str, Path)) else config
    _, validated = resolve_config("jsns2-events", override,
                                  str(config) if config is not None else "override")
    sim = validated.simulation if pot is None else validated.simulation.with_pot(pot)
    progress = None
    if show_progress:
        from .context import RunContext
        from ..report.results import Results

        progress = RunContext(Results("simulate", validated, seed, ""), None, True).progress
    return simulate_to_directory(sim, out, seed, progress=progress)


def _src(where: str) -> str:
    return f"{PAPER}, {where}"


def _efficiency_flows(mc: StreamSummary, manifest: dict) -> tuple[dict[int, CutFlow], dict]:
    """Table-1-like cut flows per period from the signal simulation."""
    flows, info = {}, {}
    names = ["prompt trigger read out"] + list(CUT_STAGES[1:])
    for key, entry in manifest["periods"].items():
        period = int(key)
        ps = mc.periods.get(period)
        counts = np.zeros(len(CUT_STAGES), dtype=float) if ps is None else ps.cutflow.astype(float)
        n0 = float(entry["interactions"])
        seq = np.minimum.accumulate(np.concatenate([[n0], counts]))
        flows[period] = CutFlow.from_counts(str(period), names, seq)
        info[period] = {"interactions": n0, "fiducial": float(entry["interactions_fiducial"]),
                        "selected": float(seq[-1])}
    return flows, info


def _table1_reference(period_index: int, window: float) -> dict[str, float]:
    """Table 1 numbers mapped onto our cut-flow stages (pairs need the delayed event inside
    the read-out window, so Table 1's ΔT efficiency is split in two)."""
    i = period_index
    tau = N12_DECAY.lifetime
    in_window = 1.0 - math.exp(-window / tau)
    return {
        CUT_STAGES[1]: TABLE1["prompt_energy"][i], CUT_STAGES[2]: TABLE1["timing"][i],
        CUT_STAGES[4]: TABLE1["delayed_energy"][i] * in_window,
        CUT_STAGES[5]: TABLE1["dt"][i] / in_window, CUT_STAGES[6]: TABLE1["dvtx"][i],
        CUT_STAGES[7]: TABLE1["muon"][i], CUT_STAGES[8]: TABLE1["michel"][i],
    }


def analyse(config: Config, ctx) -> None:  # noqa: C901 - one linear story
    """Run the event-level JSNS2 analysis (see the module docstring)."""
    cuts = selection_cuts(config)
    sim_cfg = config.simulation
    scheduler = ctx.scheduler if ctx.scheduler is not None else "serial"
    with tempfile.TemporaryDirectory(prefix="nuexp-jsns2-events-") as tmp:
        tmp = Path(tmp)
        # --- data: read, or simulate first
        if config.data.path:
            data_path = Path(config.data.path)
            if not data_path.exists():
                raise DataNotAvailable(f"field 'data.path' = {config.data.path!r}: no such file "
                                       "or folder")
            manifest = read_manifest(data_path if data_path.is_dir() else data_path.parent)
        else:
            data_path = tmp / "data"
            with ctx.timer("simulate"):
                manifest = simulate_to_directory(sim_cfg, data_path, ctx.child_seed("data"),
                                                 progress=ctx.progress)
        with ctx.timer("process"):
            summary = process_files(data_path, cuts, chunk_size=config.data.chunk_size,
                                    scheduler=scheduler, workers=ctx.workers)
        # --- efficiencies from the signal simulation
        eff_sim = efficiency_config(sim_cfg, config.efficiency.interactions_per_period,
                                    config.efficiency.spills_per_period)
        with ctx.timer("efficiency"):
            mc_manifest = simulate_to_directory(eff_sim, tmp / "mc", ctx.child_seed("efficiency"))
            mc = process_files(tmp / "mc", cuts, chunk_size=config.data.chunk_size,
                               truth_only=True, scheduler="serial")
    flows, eff_info = _efficiency_flows(mc, mc_manifest)

    # --- cut flow of the data (counts per period)
    rows = []
    periods = sorted(summary.periods)
    for period in periods:
        counts = summary.periods[period].cutflow
        for i, name in enumerate(CUT_STAGES):
            prev = counts[i - 1] if i else None
            rows.append({"period": period, "cut": name, "events": int(counts[i]),
                         "fraction_of_previous": (round(float(counts[i] / prev), 5)
                                                  if prev else None)})
    ctx.table("cutflow", rows)

    # --- efficiencies (Table 1 analogue)
    eff_rows, eps, eps_err, pots = [], [], [], []
    windows = {p.period: p.delayed_window_ms * ms for p in sim_cfg.periods}
    period_pot = {p.period: p.pot for p in sim_cfg.periods}
    for index, p in enumerate(sim_cfg.periods):
        flow = flows[p.period]
        ref = _table1_reference(min(index, 1), windows[p.period])
        for row in flow.rows():
            row["reference_table1"] = ref.get(row["cut"])
            eff_rows.append(row)
        info = eff_info[p.period]
        # Eq. 3 counts targets in the fiducial volume: ε = selected / interactions in the FV
        e = info["selected"] / info["fiducial"]
        e_err = math.sqrt(max(e * (1 - e), 1e-12) / info["fiducial"])
        eps.append(e)
        eps_err.append(e_err)
        pots.append(period_pot[p.period])
        eff_rows.append({"period": str(p.period), "cut": "efficiency for Eq. 3 (per FV interaction)",
                         "efficiency": e, "uncertainty": e_err, "cumulative": e,
                         "reference": None, "note": f"{info['selected']:g}/{info['fiducial']:g}",
                         "reference_table1": (0.0497, 0.0717)[min(index, 1)]})
    ctx.table("efficiency", eff_rows)
    w = np.asarray(pots) / sum(pots)
    efficiency = float(np.sum(w * eps))
    efficiency_err = float(np.sqrt(np.sum((w * np.asarray(eps_err)) ** 2)))
    ctx.quantity("efficiency", efficiency, "fraction", uncertainty=efficiency_err,
                 published=0.0588, source=_src("Sec. V"),
                 note="POT-weighted selection efficiency per interaction in the FV, from the "
                      "signal simulation through the same selection (MC statistics only)")

    # --- observation and backgrounds (Table 2)
    observed = int(sum(summary.periods[p].cutflow[-1] for p in periods))
    fake = fake_trigger_background(summary)
    shift = spill_shift_background(summary)
    comb = combined_background(fake, shift)
    ctx.quantity("observed_pairs", observed, "events", published=PUBLISHED["observed_pairs"][0],
                 source=_src("Table 2"),
                 note="pairs passing every Table 1 cut, " + ", ".join(
                     f"{p}: {int(summary.periods[p].cutflow[-1])}" for p in periods))
    ctx.quantity("background_fake_trigger", fake.value, "events", uncertainty=fake.stat,
                 published=PUBLISHED["background_fake_trigger"][0], source=_src("Table 2 (± 1.7)"),
                 note="N_data(dVTX > 40 cm) x F(dVTX <= 20)/F(dVTX > 40) per period; stat. of "
                      "the three counts; " + ", ".join(f"{p}: {v:.2f} ± {e:.2f}"
                                                       for p, (v, e) in fake.per_period.items()))
    ctx.quantity("background_spill_shift", shift.value, "events", uncertainty=shift.stat,
                 published=PUBLISHED["background_spill_shift"][0], source=_src("Table 2 (± 0.6)"),
                 note=f"prompts x delayed candidates of {cuts.spill_shifts} earlier spills of the "
                      "same period and file, / number of shifts; " + ", ".join(
                          f"{p}: {v:.2f} ± {e:.2f}" for p, (v, e) in shift.per_period.items()))
    b_syst = background_systematic(fake.value, shift.value, fake.stat)
    ctx.table("backgrounds", [
        {"method": "observation", "events": observed, "uncertainty": math.sqrt(observed)},
        {"method": "fake trigger", "events": fake.value, "uncertainty": fake.stat},
        {"method": "spill shift", "events": shift.value, "uncertainty": shift.stat},
        {"method": "background used (fake; syst = |fake - shift| (+) stat)", "events": comb.value,
         "uncertainty": b_syst},
    ])

    # --- signal, flux, p-value (Eq. 3; same code as jsns2-flux)
    n_c12 = JSNS2Simulator(sim_cfg, 0).n_c12_fiducial
    sigma = sim_cfg.signal.cross_section_cm2
    total_pot = sum(pots)
    stat_n = math.sqrt(observed)
    signal = observed - fake.value
    ctx.quantity("signal_events", signal, "events", uncertainty=math.hypot(stat_n, b_syst),
                 published=PUBLISHED["signal_events"][0], source=_src("Sec. VIII.1"),
                 note=f"{observed} − {fake.value:.2f} (fake trigger); ± {stat_n:.2f} (stat, √N) "
                      f"± {b_syst:.2f} (syst: method difference ⊕ fake stat.)")
    if observed > 0 and fake.value <= observed and efficiency > 0:
        meas = FluxMeasurement(
            observed=observed, background=fake.value, background_uncertainty=b_syst,
            cross_section=sigma, cross_section_uncertainty=config.measurement.cross_section_uncertainty_cm2,
            n_targets=n_c12, n_targets_relative_uncertainty=config.measurement.target_relative_uncertainty,
            efficiency=efficiency, efficiency_uncertainty=efficiency_err, pot=total_pot)
        ctx.quantity("flux", meas.flux, "cm^-2 proton^-1", uncertainty=meas.total,
                     published=PUBLISHED["flux"][0], source=_src("Sec. IX, Eq. 3"),
                     note=f"stat {meas.statistical:.3g}, syst {meas.systematic:.3g} "
                          f"(background, σ, N_target, ε); N(12C, FV) = {n_c12:.4g}, "
                          f"σ = {sigma:g} cm², ε = {efficiency:.4f}, POT = {total_pot:.4g}")
        ctx.table("flux_uncertainties", meas.breakdown())
    if fake.value > 0:
        ctx.quantity("p_value", poisson_p_value(observed, fake.value), "",
                     published=PUBLISHED["p_value"][0], source=_src("Sec. VI"),
                     note=f"P(N ≥ {observed} | Poisson mean {fake.value:.2f}), background fixed "
                          "(the paper's construction, as in jsns2-flux)")

    # --- what was injected (simulated data only)
    if manifest is not None:
        flux_in = float(manifest["injected_flux_per_proton_cm2"])
        expected = 0.0
        for index, p in enumerate(sim_cfg.periods):
            entry = manifest["periods"].get(str(p.period))
            if entry is None:
                continue
            expected += float(entry["expected_interactions_fiducial"]) * eps[index]
        realised = sum(ps.truth_signal_selected for ps in summary.periods.values())
        ctx.quantity("injected_signal", expected, "events",
                     note=f"Φ_in·POT·σ·N(12C, FV)·ε (expected); selected true CNgs pairs in "
                          f"this dataset: {realised}")
        ctx.quantity("injected_flux", flux_in, "cm^-2 proton^-1",
                     note="νe flux the simulation was generated with")

    _figures(ctx, summary, mc, cuts, signal, observed)


# ----------------------------------------------------------------------------- figures
def _centres(edges: np.ndarray) -> np.ndarray:
    return 0.5 * (edges[1:] + edges[:-1])


def _figures(ctx, summary: StreamSummary, mc: StreamSummary, cuts: SelectionCuts,
             signal: float, observed: int) -> None:
    periods = sorted(summary.periods)
    # Fig. 2: ΔVTX of pairs passing every cut but ΔVTX, with the fake-trigger background
    edges = HIST_EDGES["dvtx"] / cm
    data = sum(summary.periods[p].data_dvtx for p in periods)
    bkg = sum(summary.periods[p].fake_hist["dvtx"] * fake_trigger_scale(summary, p)
              for p in periods)
    fig, ax = new_figure()
    x = _centres(edges)
    ax.errorbar(x, data, yerr=np.sqrt(data), fmt="ko", ms=4, label="selected pairs (no ΔVTX cut)")
    ax.stairs(bkg, edges, color="red", ls="--", lw=2, label="fake-trigger background")
    ax.axvspan(0, cuts.dvtx_max / cm, color="0.85", label=f"ΔVTX ≤ {cuts.dvtx_max / cm:g} cm")
    ax.axvline(cuts.normalisation_dvtx_min / cm, color="0.5", ls=":", label="normalisation > 40 cm")
    ax.set_yscale("log")
    ax.set_ylim(0.5, 50 * max(float(data.max(initial=1.0)), 1.0))
    ax.set_xlabel("ΔVTX prompt–delayed [cm]")
    ax.set_ylabel("pairs / 5 cm")
    ax.legend(fontsize=10, loc="upper left", ncols=2)
    inset = ax.inset_axes([0.57, 0.1, 0.4, 0.33])
    sel = edges[:-1] < 60
    inset.errorbar(x[sel], data[sel], yerr=np.sqrt(data[sel]), fmt="ko", ms=3)
    inset.stairs(bkg[sel], edges[: sel.sum() + 1], color="red", ls="--")
    inset.tick_params(labelsize=8)
    ctx.figure(fig, "dvtx_fig2", caption="Compare JSNS2 2025 Fig. 2 (simulated data).")

    # Fig. 3: data vs prediction (signal MC scaled to the measured signal + background)
    variables = [("e_p", "prompt energy [MeV]", MeV), ("e_d", "delayed energy [MeV]", MeV),
                 ("t_p", "ΔT beam–prompt [µs]", us), ("dt", "ΔT prompt–delayed [ms]", ms)]
    fig, axes = new_figure(len(periods), 4, squeeze=False)
    sel = summary.selected
    msel = mc.selected
    fake = fake_trigger_background(summary)
    n_mc_period = {p: max(int(np.sum(msel["period"] == p)), 1) for p in periods}
    for row, p in enumerate(periods):
        b_p = fake.per_period.get(p, (0.0, 0.0))[0]
        obs_p = int(summary.periods[p].cutflow[-1])
        s_p = max(obs_p - b_p, 0.0)
        for col, (name, label, unit) in enumerate(variables):
            ax = axes[row][col]
            e = HIST_EDGES[name]
            if name == "dt":
                e = e[e <= cuts.delayed_window[p] + 1e-9]
            d = np.histogram(sel[name][sel["period"] == p], e)[0]
            # background shape from the spill-shift pairs (full ΔT windows; the fake-trigger
            # pairs are truncated by the end of the read-out), normalised to the fake value
            bh = np.histogram(_centres(HIST_EDGES[name]), e,
                              weights=summary.periods[p].shift_hist[name])[0]
            b_shape = bh / bh.sum() * b_p if bh.sum() > 0 else np.zeros(e.size - 1)
            sh = np.histogram(msel[name][msel["period"] == p], e)[0].astype(float)
            s_shape = sh / n_mc_period[p] * s_p
            ax.stairs(b_shape + s_shape, e / unit, color="k", lw=2, label="CNgs (MC) + background")
            ax.stairs(b_shape, e / unit, fill=True, color="tab:red", alpha=0.6,
                      label="background (data-driven)")
            ax.errorbar(_centres(e) / unit, d, yerr=np.sqrt(d), fmt="ko", ms=4, label="data")
            ax.set_xlabel(label)
            ax.set_ylabel("events")
            ax.set_title(str(p), fontsize=12)
            if row == 0 and col == 0:
                ax.legend(fontsize=9)
    del signal, observed
    ctx.figure(fig, "data_vs_prediction_fig3",
               caption="Compare JSNS2 2025 Fig. 3: selected pairs vs CNgs simulation normalised "
                       "to the measured signal plus the fake-trigger background.")

    if len(sel["e_p"]):
        fig, axes = new_figure(1, 2)
        axes[0].hist(sel["e_p"] / MeV, bins=HIST_EDGES["e_p"] / MeV, histtype="step", lw=2,
                     label="prompt")
        axes[0].hist(sel["e_d"] / MeV, bins=np.arange(10, 18.01, 1.0), histtype="step", lw=2,
                     label="delayed")
        axes[0].set_xlabel("visible energy [MeV]")
        axes[0].set_ylabel("selected pairs")
        axes[0].legend()
        axes[1].hist(sel["dt"] / ms, bins=HIST_EDGES["dt"] / ms, histtype="step", lw=2)
        axes[1].set_xlabel("ΔT prompt–delayed [ms]")
        axes[1].set_ylabel("selected pairs")
        ctx.figure(fig, "selected_pairs")
