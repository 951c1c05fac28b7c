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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from hepunits import MeV, cm, ms, us
from pydantic import Field, model_validator

from ...config import ExperimentConfig, StrictModel
from ...events.backgrounds import (
    BackgroundEstimate,
    fake_trigger_background,
    fake_trigger_scale,
    spill_shift_background,
)
from ...events.cutflow import CutFlow
from ...events.io import event_files
from ...events.pipeline import HIST_EDGES, StreamSummary, process_files
from ...events.selection import CUT_STAGES, SelectionCuts
from ...events.simulation import (
    JSNS2Simulator,
    SimulationConfig,
    read_manifest,
    simulate_to_directory,
)
from ...exceptions import DataNotAvailable, InvalidConfiguration
from ...fileio import temporary_folder
from ...interactions.beta_decay import N12_DECAY
from ...report.labels import physics_label
from ...report.plots import new_figure
from ...stats.flux_measurement import FluxMeasurement, background_systematic
from ...stats.pvalue import poisson_p_value
from ..analysis import Family
from ..context import RunContext

__all__ = ["FAMILY", "Config", "Outcome", "compute", "efficiency_config", "report",
           "selection_cuts", "simulate_dataset"]



class DataBlock(StrictModel):
    """Input events."""

    path: str = Field(description="file or folder of event files; empty: simulate")
    chunk_size: int = Field(gt=0, le=50_000_000, description=(
        "events read and processed per chunk [rows]; bounds the memory, not the result"))


class EfficiencyBlock(StrictModel):
    """Signal simulation for the efficiencies."""

    interactions_per_period: int = Field(gt=0, le=10_000_000, description=(
        "CNgs interactions expected in the vessel per period of the signal simulation "
        "[interactions]; sets the statistical precision of the efficiencies"))
    spills_per_period: int = Field(gt=0, le=10**8, description=(
        "beam spills simulated per period for the efficiencies [spills], 1-1e8; keep ≳ 100 × "
        "interactions_per_period so that two signals in one spill stay negligible"))


class SelectionBlock(StrictModel):
    """Table 1 / Sec. V–VI selection in configuration units."""

    prompt_energy_mev: tuple[float, float] = Field(description=(
        "prompt visible-energy window [low, high] [MeV], high > low"))
    prompt_time_us: tuple[float, float] = Field(description=(
        "prompt time window after the beam start ΔT_beam-p [low, high] [µs], high > low"))
    delayed_energy_mev: tuple[float, float] = Field(description=(
        "delayed visible-energy window [low, high] [MeV], high > low"))
    dt_min_ms: float = Field(ge=0, description=(
        "lower edge of the prompt–delayed ΔT_p-d cut [ms]; the upper edge is the period's "
        "delayed_window_ms"))
    dvtx_max_cm: float = Field(gt=0, description=(
        "largest prompt–delayed vertex distance ΔVTX_p-d selected [cm]"))
    veto_top_max_pe: float = Field(gt=0, description=(
        "an event is kept only if the top veto PMTs' summed charge is below this [p.e.]"))
    veto_bottom_max_pe: float = Field(gt=0, description=(
        "an event is kept only if the bottom veto PMTs' summed charge is below this [p.e.]"))
    muon_charge_min_pe: float = Field(gt=0, description=(
        "top or bottom veto charge above which an event is a parent muon [p.e.]"))
    michel_lookback_us: float = Field(ge=0, description=(
        "a prompt with a muon within this time before it is rejected as a Michel "
        "electron [µs]"))
    fake_start_ms: float = Field(ge=0, description=(
        "fake-trigger method: first fake beam start after the beam [ms], clear of real "
        "CNgs prompts"))
    fake_step_us: float = Field(gt=0, description=(
        "fake-trigger method: step between successive fake beam starts [µs]"))
    normalisation_dvtx_min_cm: float = Field(gt=0, description=(
        "fake-trigger method: the background shape is normalised to the selected pairs "
        "with ΔVTX above this [cm]; ≥ dvtx_max_cm"))
    spill_shifts: int = Field(ge=1, le=10_000, description=(
        "spill-shift method: number of other spills whose delayed candidates each prompt "
        "is combined with [spills]"))

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

    cross_section_uncertainty_cm2: float = Field(ge=0, description=(
        "1σ uncertainty of the ¹²C(νe,e⁻)¹²N_gs cross section "
        "(simulation.signal.cross_section_cm2) in Eq. 3 [cm²]"))
    target_relative_uncertainty: float = Field(ge=0, le=1, description=(
        "relative 1σ uncertainty of the ¹²C target count [1] (fiducial volume; 0.20 = 20 %)"))


Pair = tuple[float, float]


class Table1Reference(StrictModel):
    """Published Table 1 efficiencies (2021, 2022 periods): the reference column of the
    ``efficiency`` table, never an input."""

    source: str = Field(min_length=1, description="paper and table of the numbers")
    prompt_energy: Pair = Field(description="prompt-energy cut efficiency (2021, 2022)")
    timing: Pair = Field(description="beam-timing cut efficiency (2021, 2022)")
    delayed_energy: Pair = Field(description="delayed-energy cut efficiency (2021, 2022)")
    dt: Pair = Field(description="prompt-delayed ΔT cut efficiency (2021, 2022)")
    dvtx: Pair = Field(description="vertex-distance cut efficiency (2021, 2022)")
    muon: Pair = Field(description="muon-rejection efficiency (2021, 2022)")
    michel: Pair = Field(description="Michel-rejection efficiency (2021, 2022)")
    total: Pair = Field(description="efficiency for Eq. 3, per FV interaction (2021, 2022)")


class Config(ExperimentConfig):
    """Validated `jsns2-events` configuration."""

    data: DataBlock = Field(description="where the triggered events come from")
    efficiency: EfficiencyBlock = Field(description=(
        "signal simulation that gives the selection efficiencies"))
    selection: SelectionBlock = Field(description=(
        "CNgs selection and background-method settings (Table 1, Sec. V–VI)"))
    measurement: MeasurementBlock = Field(description=(
        "uncertainties of the Eq. 3 inputs not measured here"))
    simulation: SimulationConfig = Field(description=(
        "the simulated dataset (used when data.path is empty) and the efficiency "
        "simulation"))
    table1_reference: Table1Reference = Field(description=(
        "published Table 1 efficiencies, shown for comparison only"))


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
    from ...config import load_toml
    from ..registry import resolve_config

    if detector != "jsns2":
        from ...exceptions import UnknownName

        raise UnknownName(f"unknown detector {detector!r} for simulate; known: jsns2")
    if int(seed) != seed or seed < 0:
        raise InvalidConfiguration(f"seed = {seed!r}: must be an integer >= 0")
    override = load_toml(config) if isinstance(config, (str, Path)) else config
    _, validated = resolve_config("jsns2-events", override,
                                  str(config) if config is not None else "override")
    sim = validated.simulation if pot is None else validated.simulation.with_pot(pot)
    progress = None
    if show_progress:
        from ...report.results import Results
        from ..context import RunContext

        progress = RunContext(Results("simulate", validated, seed, ""), None, True).progress
    return simulate_to_directory(sim, out, seed, progress=progress)


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


PROMPT_COMBINED = "prompt stages combined (read-out x E_p x timing)"


def _table1_reference(table1: Table1Reference, period_index: int,
                      window: float) -> dict[str, float]:
    """Table 1 numbers mapped onto our cut-flow stages (pairs need the delayed event inside
    the read-out window, so Table 1's ΔT efficiency is split in two)."""
    i = period_index
    t1 = table1.model_dump()
    tau = N12_DECAY.lifetime
    in_window = 1.0 - math.exp(-window / tau)
    # the read-out stage (prompt trigger: > 5 MeV at 1.7-10 µs) already removes most of what
    # Table 1's energy and timing cuts remove: compare their product (row added below)
    return {
        PROMPT_COMBINED: t1["prompt_energy"][i] * t1["timing"][i],
        CUT_STAGES[4]: t1["delayed_energy"][i] * in_window,
        CUT_STAGES[5]: t1["dt"][i] / in_window, CUT_STAGES[6]: t1["dvtx"][i],
        CUT_STAGES[7]: t1["muon"][i], CUT_STAGES[8]: t1["michel"][i],
    }


@dataclass
class Efficiencies:
    """Selection efficiency per period from the signal simulation."""

    value: dict[int, float]
    error: dict[int, float]
    flows: dict[int, CutFlow]
    info: dict[int, dict]
    mc: StreamSummary


def efficiencies(config: Config, seed: int, workdir: Path, cuts: SelectionCuts
                 ) -> Efficiencies:
    """Simulate the signal (with the muon processes) and run it through the selection:
    ε = selected CNgs pairs / CNgs interactions with the true vertex in the FV (the
    quantity Eq. 3 needs, since N_target counts the FV)."""
    eff_sim = efficiency_config(config.simulation, config.efficiency.interactions_per_period,
                                config.efficiency.spills_per_period)
    manifest = simulate_to_directory(eff_sim, workdir / "mc", seed)
    mc = process_files(workdir / "mc", cuts, chunk_size=config.data.chunk_size,
                       truth_only=True, scheduler="serial")
    flows, info = _efficiency_flows(mc, manifest)
    value, error = {}, {}
    for period, entry in info.items():
        e = entry["selected"] / entry["fiducial"]
        value[period] = e
        error[period] = math.sqrt(max(e * (1 - e), 1e-12) / entry["fiducial"])
    return Efficiencies(value, error, flows, info, mc)


@dataclass
class Measurement:
    """Observation, backgrounds, signal and flux of one dataset."""

    observed: int
    fake: BackgroundEstimate
    shift: BackgroundEstimate
    background_syst: float
    signal: float
    signal_stat: float
    efficiency: float
    efficiency_error: float
    pot: float
    flux: FluxMeasurement | None
    p_value: float | None


def measure(summary: StreamSummary, eff: Efficiencies, pots: dict[int, float],
            config: Config) -> Measurement:
    """Signal (fake-trigger background subtracted), flux (Eq. 3) and p-value with the
    code of the published-number analysis (:mod:`nuexp.stats.flux_measurement`,
    :mod:`nuexp.stats.pvalue`)."""
    periods = sorted(summary.periods)
    observed = int(sum(summary.periods[p].cutflow[-1] for p in periods))
    fake = fake_trigger_background(summary)
    shift = spill_shift_background(summary)
    b_syst = background_systematic(fake.value, shift.value, fake.stat)
    missing = [p for p in pots if p not in eff.value]
    if missing:
        raise InvalidConfiguration(f"no efficiency for period(s) {missing} (simulation.periods)")
    total_pot = float(sum(pots.values()))
    efficiency = float(sum(eff.value[p] * pots[p] for p in pots) / total_pot)
    efficiency_error = float(math.sqrt(sum((eff.error[p] * pots[p] / total_pot) ** 2
                                           for p in pots)))
    flux = None
    if 0 < observed and fake.value <= observed and efficiency > 0:
        flux = FluxMeasurement(
            observed=observed, background=fake.value, background_uncertainty=b_syst,
            cross_section=config.simulation.signal.cross_section_cm2,
            cross_section_uncertainty=config.measurement.cross_section_uncertainty_cm2,
            n_targets=config.simulation.target.carbon12_in_fiducial(),
            n_targets_relative_uncertainty=config.measurement.target_relative_uncertainty,
            efficiency=efficiency, efficiency_uncertainty=efficiency_error, pot=total_pot)
    p_value = poisson_p_value(observed, fake.value) if fake.value > 0 else None
    return Measurement(observed, fake, shift, b_syst, observed - fake.value,
                       math.sqrt(observed), efficiency, efficiency_error, total_pot, flux,
                       p_value)


def _pots(config: Config, manifest: dict | None) -> dict[int, float]:
    if manifest is not None:
        return {int(k): float(v["pot"]) for k, v in manifest["periods"].items()}
    return {p.period: p.pot for p in config.simulation.periods}


def injected_signal(manifest: dict, eff: Efficiencies) -> float:
    """Expected selected CNgs pairs of a simulated dataset: Φ·POT·σ·N(¹²C, FV)·ε."""
    return float(sum(float(entry["expected_interactions_fiducial"]) * eff.value[int(k)]
                     for k, entry in manifest["periods"].items()))


def closure(config: Config, seeds: list[int], *, pot: float | None = None,
            flux_scale: float = 1.0, eff_seed: int = 1, workdir: str | Path | None = None
            ) -> list[dict]:
    """Closure test: simulate one dataset per seed, analyse it, compare with the truth.

    Returns one row per seed with the measured and injected signal and flux and their
    pulls, (measured − injected) / σ_stat, where σ_stat² = N_obs + σ_B,stat² for the signal
    (and the same relative error for the flux). The efficiency comes from one signal
    simulation shared by all seeds.
    """
    sim = config.simulation
    if pot is not None:
        sim = sim.with_pot(pot)
    if flux_scale != 1.0:
        sim = sim.model_copy(update={"signal": sim.signal.model_copy(update={
            "flux_per_proton_cm2": sim.signal.flux_per_proton_cm2 * flux_scale})})
    cfg = config.model_copy(update={"simulation": sim})
    cuts = selection_cuts(cfg)
    rows = []
    with tempfile.TemporaryDirectory(prefix="nuexp-closure-", dir=workdir) as tmp:
        tmp = Path(tmp)
        eff = efficiencies(cfg, eff_seed, tmp, cuts)
        for seed in seeds:
            manifest = simulate_to_directory(sim, tmp / "data", seed)
            summary = process_files(tmp / "data", cuts, chunk_size=cfg.data.chunk_size,
                                    scheduler="serial")
            m = measure(summary, eff, _pots(cfg, manifest), cfg)
            s_in = injected_signal(manifest, eff)
            sigma = math.sqrt(m.observed + m.fake.stat**2)
            flux_in = float(manifest["injected_flux_per_proton_cm2"])
            exposure = (sim.signal.cross_section_cm2 * sim.target.carbon12_in_fiducial()
                        * m.efficiency * m.pot)
            flux = m.signal / exposure
            rows.append({
                "seed": seed, "observed": m.observed, "background_fake": m.fake.value,
                "background_shift": m.shift.value,
                "true_background": m.observed - sum(p.truth_signal_selected
                                                    for p in summary.periods.values()),
                "signal": m.signal, "injected_signal": s_in,
                "signal_pull": (m.signal - s_in) / sigma if sigma > 0 else 0.0,
                "flux": flux, "injected_flux": flux_in,
                "flux_pull": (flux - flux_in) / (sigma / exposure) if sigma > 0 else 0.0,
            })
    return rows


#: With no --scheduler, datasets at least this large (and of several files) go to a dask
#: LocalCluster; smaller ones are faster in this process than a cluster starts.
LOCAL_CLUSTER_MIN_BYTES = 500 * 1024**2


def _choose_scheduler(requested: str | None, data_path: Path) -> str | None:
    """``--scheduler`` if given; otherwise a LocalCluster (``None``) for big multi-file
    datasets and ``"serial"`` for the rest. Results are identical either way."""
    if requested is not None:
        return requested
    files = event_files(data_path)
    size = sum(f.stat().st_size for f in files)
    return None if len(files) > 1 and size >= LOCAL_CLUSTER_MIN_BYTES else "serial"


@dataclass(frozen=True)
class Outcome:
    """What :func:`compute` hands to :func:`report`."""

    cuts: SelectionCuts
    summary: StreamSummary
    efficiencies: Efficiencies
    measurement: Measurement
    manifest: dict


def compute(config: Config, ctx: RunContext) -> Outcome:
    """Read (or simulate) the triggers, select, and measure the flux (module docstring)."""
    cuts = selection_cuts(config)
    # removed on exit, SIGTERM included; one left by a killed process goes next time
    with temporary_folder("jsns2-events") as tmp:
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
                manifest = simulate_to_directory(config.simulation, data_path,
                                                 ctx.child_seed("data"), progress=ctx.progress)
        scheduler = _choose_scheduler(ctx.scheduler, data_path)
        with ctx.timer("process"):
            summary = process_files(data_path, cuts, chunk_size=config.data.chunk_size,
                                    scheduler=scheduler, workers=ctx.workers)
        with ctx.timer("efficiency"):
            eff = efficiencies(config, ctx.child_seed("efficiency"), tmp, cuts)
    m = measure(summary, eff, _pots(config, manifest), config)
    return Outcome(cuts, summary, eff, m, manifest)


def report(config: Config, outcome: Outcome, ctx: RunContext) -> None:
    """Record the cut flow, backgrounds and flux, and draw the figures."""
    o = outcome
    _record(ctx, config, o.cuts, o.summary, o.efficiencies, o.measurement, o.manifest)
    _figures(ctx, o.summary, o.efficiencies.mc, o.cuts)


def _record(ctx, config: Config, cuts: SelectionCuts, summary: StreamSummary,
            eff: Efficiencies, m: Measurement, manifest: dict | None) -> None:
    """Tables and headline quantities."""
    periods = sorted(summary.periods)
    rows = []
    for period in periods:
        counts = summary.periods[period].cutflow
        for i, name in enumerate(CUT_STAGES):
            prev = counts[i - 1] if i else None
            rows.append({"period": period, "cut": name, "events": int(counts[i]),
                         "fraction_of_previous": (round(float(counts[i] / prev), 5)
                                                  if prev else None)})
    ctx.table("cutflow", rows)

    eff_rows = []
    for index, p in enumerate(config.simulation.periods):
        if p.period not in eff.flows:
            continue
        ref = _table1_reference(config.table1_reference, min(index, 1), p.delayed_window_ms * ms)
        flow = eff.flows[p.period]
        for row in flow.rows():
            eff_rows.append({"period": row["period"], "cut": row["cut"],
                             "efficiency": round(row["efficiency"], 5),
                             "uncertainty": round(row["uncertainty"], 5),
                             "table1": ref.get(row["cut"])})
        prompt = flow.cumulative()[2]
        eff_rows.append({"period": str(p.period), "cut": PROMPT_COMBINED,
                         "efficiency": round(float(prompt), 5), "uncertainty": None,
                         "table1": ref[PROMPT_COMBINED]})
        eff_rows.append({"period": str(p.period), "cut": "efficiency for Eq. 3 (per FV interaction)",
                         "efficiency": round(eff.value[p.period], 5),
                         "uncertainty": round(eff.error[p.period], 5),
                         "table1": config.table1_reference.total[min(index, 1)]})
    ctx.table("efficiency", eff_rows)
    ctx.quantity("efficiency", m.efficiency, "fraction", uncertainty=m.efficiency_error,
                 note="POT-weighted selection efficiency per CNgs interaction in the FV, from "
                      "the signal simulation through the same selection (MC statistics only)")

    ctx.quantity("observed_pairs", m.observed, "events",
                 note="pairs passing every Table 1 cut, " + ", ".join(
                     f"{p}: {int(summary.periods[p].cutflow[-1])}" for p in periods))
    ctx.quantity("background_fake_trigger", m.fake.value, "events", uncertainty=m.fake.stat,
                 note="N_data(dVTX > 40 cm) x F(dVTX <= 20)/F(dVTX > 40) per period; stat. of "
                      "the three counts; " + ", ".join(
                          f"{p}: {v:.2f} ± {e:.2f}" for p, (v, e) in m.fake.per_period.items()))
    ctx.quantity("background_spill_shift", m.shift.value, "events", uncertainty=m.shift.stat,
                 note=f"prompts x delayed candidates of {cuts.spill_shifts} earlier spills of the "
                      "same period and file, / number of shifts; " + ", ".join(
                          f"{p}: {v:.2f} ± {e:.2f}" for p, (v, e) in m.shift.per_period.items()))
    ctx.table("backgrounds", [
        {"method": "observation", "events": m.observed, "uncertainty": math.sqrt(m.observed)},
        {"method": "fake trigger", "events": m.fake.value, "uncertainty": m.fake.stat},
        {"method": "spill shift", "events": m.shift.value, "uncertainty": m.shift.stat},
        {"method": "background used (fake; |fake - shift| (+) fake stat)",
         "events": m.fake.value, "uncertainty": m.background_syst},
    ])
    ctx.quantity("signal_events", m.signal, "events",
                 uncertainty=math.hypot(m.signal_stat, m.background_syst),
                 note=f"{m.observed} − {m.fake.value:.2f} (fake trigger); ± {m.signal_stat:.2f} "
                      f"(stat, √N) ± {m.background_syst:.2f} (syst: method difference ⊕ fake "
                      "stat.)")
    if m.flux is not None:
        f = m.flux
        ctx.quantity("flux", f.flux, "cm^-2 proton^-1", uncertainty=f.total,
                     note=f"stat {f.statistical:.3g}, syst {f.systematic:.3g} (background, σ, "
                          f"N_target, ε); N(12C, FV) = {f.n_targets:.4g}, σ = "
                          f"{f.cross_section:g} cm², ε = {f.efficiency:.4f}, POT = {f.pot:.4g}")
        ctx.table("flux_uncertainties", f.breakdown())
    if m.p_value is not None:
        ctx.quantity("p_value", m.p_value, "",
                     note=f"P(N ≥ {m.observed} | Poisson mean {m.fake.value:.2f}), background "
                          "fixed (the paper's construction, as in jsns2-flux)")
    if manifest is not None:
        realised = sum(ps.truth_signal_selected for ps in summary.periods.values())
        ctx.quantity("injected_signal", injected_signal(manifest, eff), "events",
                     note=f"Φ_in·POT·σ·N(12C, FV)·ε (expected); selected true CNgs pairs in "
                          f"this dataset: {realised}, true background pairs: "
                          f"{m.observed - realised}")
        ctx.quantity("injected_flux", float(manifest["injected_flux_per_proton_cm2"]),
                     "cm^-2 proton^-1", note="νe flux the simulation was generated with")


# ----------------------------------------------------------------------------- figures
def _centres(edges: np.ndarray) -> np.ndarray:
    return 0.5 * (edges[1:] + edges[:-1])


def _figures(ctx, summary: StreamSummary, mc: StreamSummary, cuts: SelectionCuts) -> None:
    periods = sorted(summary.periods)
    # Fig. 2: ΔVTX of pairs passing every cut but ΔVTX, with the fake-trigger background
    edges = HIST_EDGES["dvtx"] / cm
    data = sum(summary.periods[p].data_dvtx for p in periods)
    bkg = sum(summary.periods[p].fake_hist["dvtx"] * fake_trigger_scale(summary, p)
              for p in periods)
    fig, ax = new_figure()
    x = _centres(edges)
    ax.errorbar(x, data, yerr=np.sqrt(data), fmt="ko", ms=4, label="selected pairs (no ΔVTX cut)")
    ax.stairs(bkg, edges, color="#D55E00", ls="--", lw=2, label="fake-trigger background")
    ax.axvspan(0, cuts.dvtx_max / cm, color="0.85", label=f"ΔVTX ≤ {cuts.dvtx_max / cm:g} cm")
    ax.axvline(cuts.normalisation_dvtx_min / cm, color="0.5", ls=":", label="normalisation > 40 cm")
    ax.set_yscale("log")
    ax.set_ylim(0.5, 50 * max(float(data.max(initial=1.0)), 1.0))
    ax.set_xlabel("ΔVTX (prompt–delayed distance) [cm]")
    ax.set_ylabel("pairs / 5 cm")
    # the band and the 40 cm line span the full height on the left: the legend goes to the
    # upper right, above the falling tail, where nothing is drawn
    ax.legend(fontsize=14, loc="upper right")
    # the inset sits under the bulk of the distribution (ΔVTX ≈ 100-250 cm, hundreds of
    # pairs per bin), where no data point of the main plot falls
    inset = ax.inset_axes([0.31, 0.07, 0.36, 0.3])
    sel = edges[:-1] < 60
    inset.errorbar(x[sel], data[sel], yerr=np.sqrt(data[sel]), fmt="ko", ms=3)
    inset.stairs(bkg[sel], edges[: sel.sum() + 1], color="#D55E00", ls="--")
    inset.tick_params(labelsize=11)
    ctx.figure(fig, "dvtx_fig2", caption="Compare JSNS2 2025 Fig. 2 (simulated data).")

    # Fig. 3: data vs prediction (signal MC scaled to the measured signal + background)
    variables = [("e_p", "prompt energy [MeV]", MeV), ("e_d", "delayed energy [MeV]", MeV),
                 ("t_p", "ΔT beam–prompt [µs]", us), ("dt", "ΔT prompt–delayed [ms]", ms)]
    fig, axes = new_figure(len(periods), 4, squeeze=False,
                           figsize=(20.0, 4.5 * len(periods)))
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
            ax.stairs(b_shape + s_shape, e / unit, color="k", lw=2,
                      label=f"{physics_label('carbon12_ngs')} (MC) + background")
            ax.stairs(b_shape, e / unit, fill=True, color="#D55E00", alpha=0.6,
                      label="background (data-driven)")
            ax.errorbar(_centres(e) / unit, d, yerr=np.sqrt(d), fmt="ko", ms=4, label="data")
            ax.set_xlabel(label, fontsize=17)
            ax.set_ylabel("events / bin", fontsize=17)
            ax.tick_params(labelsize=14)
            ax.set_ylim(0, 1.45 * max(float(d.max(initial=0)) + math.sqrt(d.max(initial=0)),
                                      float((b_shape + s_shape).max(initial=0)), 1.0))
            ax.text(0.04, 0.93, str(p), transform=ax.transAxes, fontsize=13, va="top")
            if row == 0 and col == 3:
                ax.legend(fontsize=11, loc="upper right")
    ctx.figure(fig, "data_vs_prediction_fig3",
               caption="Compare JSNS2 2025 Fig. 3: selected pairs vs CNgs simulation normalised "
                       "to the measured signal plus the fake-trigger background.")


FAMILY = Family(name="jsns2-events", config=Config, compute=compute, report=report,
                description="JSNS2 event-level CNgs analysis: triggers → pairing → cut flow → νe flux")
