"""Simulator of JSNS2-like triggered data (JSNS2 2025, Secs. I–V).

What is simulated
-----------------
* **Beam spills** on the 25 Hz / 40 ms RF cycle; each spill carries
  ``beam_power / (proton_energy · 25 Hz)`` protons, so a period of ``pot`` protons has
  ``pot / protons_per_spill`` spills (Sec. I, III).
* **Trigger logic** (Sec. II): a spill is read out if an event with visible energy above
  the prompt threshold (~5 MeV) falls 1.7–10 µs after the beam start. The readout keeps
  the prompt window (from ``pre_trigger_us`` before the trigger; trigger type *prompt*)
  and every event above the delayed threshold (~2 MeV) up to the delayed window
  (12 ms in 2021, 25 ms in 2022) after the prompt trigger (type *delayed*). Untriggered
  spills leave nothing, as in the data.
* **CNgs signal**: interactions ¹²C(νe, e⁻)¹²N_gs, Poisson with mean
  Φ · POT · ⟨σ⟩ · N(¹²C in the vessel); Eν from φσ and the prompt-electron energy from
  :mod:`nuexp.interactions.carbon12`; prompt time = bunch (two 40 ns-σ Gaussian bunches
  600 ns apart, Sec. I) + π and μ decay times (:mod:`nuexp.sources.decay_at_rest`
  lifetimes); delayed ¹²N β+ with τ = 15.9 ms and its visible energy (kinetic + 2 m_e)
  from :mod:`nuexp.interactions.beta_decay`. Both at one true vertex, uniform in the
  acrylic vessel, reconstructed independently.
* **Uncorrelated singles**, flat in time: ambient γ (exponential above threshold) and
  cosmogenic activity (exponential spectrum reaching the prompt and delayed energy
  regions), uniform in the vessel; uncorrelated neutron captures on Gd (~8 MeV).
* **Cosmic muons** crossing the inner detector (large visible energy, large veto
  charges), with Michel electrons (μ+ decay-at-rest positron spectrum, τμ) and
  neutrons captured on Gd (τ_capture) near the track (muons before the earliest readout
  start are not generated, so their late captures are missing: a few % of the Gd
  captures of the prompt readout); **veto-clipping muons** that only
  light the veto: read out as events in the prompt readout (they tag Michel electrons,
  Sec. V) and piling up on the veto charges of any event within the veto integration
  window (the signal loss of Table 1's muon rejection).
* **Beam-related triggers** (beam fast neutrons, mostly before 2 µs): a per-spill
  probability; they open readouts but hardly enter the 2–10 µs selection.

Detector response: Gaussian energy resolution σ_E = a·√(E/MeV) MeV, Gaussian vertex
resolution per coordinate; veto charges of inner events are small exponential noise
plus pile-up.

Every number that is a tuning choice lives in :class:`SimulationConfig` (the preset
``jsns2-events.toml`` explains each choice). Output: one Parquet file per block of
spills, written atomically, plus ``manifest.json`` with the injected truth; the whole
folder appears in one rename (:func:`simulate_to_directory`). Generation is per block of
spills with its own seed (``SeedSequence([seed, period, block])``), so the result does
not depend on how the job is split, and memory is flat in the dataset size.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from hepunits import MeV, cm, cm2, ms, ns, s, us
from pydantic import Field, model_validator

from ..config import StrictModel
from ..constants import ELEMENTARY_CHARGE
from ..detector.geometry import JSNS2_ACRYLIC_VESSEL, Cylinder, fiducial_cylinder
from ..exceptions import InvalidConfiguration
from ..fileio import atomic_write_text, staged_output
from ..interactions.beta_decay import N12_DECAY
from ..interactions.carbon12 import InteractingSpectrum
from ..sources.decay_at_rest import MICHEL_ENDPOINT, MUON_LIFETIME, PION_LIFETIME, numubar_spectrum
from ..targets.mixture import Liquid, Mixture
from ..validation import format_bytes, require_memory
from .io import (
    CHECKSUM_KEY,
    DEFAULT_ROW_GROUP_SIZE,
    MANIFEST,
    EventWriter,
    file_checksum,
    read_manifest,
)
from .schema import EventChunk, TriggerType, Truth

__all__ = [
    "PeriodSimulation", "SignalModel", "BackgroundRates", "DetectorModel", "TargetModel",
    "SimulationConfig", "JSNS2Simulator", "simulate_to_directory", "read_manifest",
    "MANIFEST",
]

_RF_FREQUENCY_HZ = 25.0                 # JSNS2 2025, Sec. I: 25 Hz repetition


class PeriodSimulation(StrictModel):
    """One data-taking period."""

    period: int = Field(ge=1900, le=2200, description="label, the year")
    pot: float = Field(gt=0, description="protons on target")
    beam_power_mw: float = Field(gt=0, description="average beam power (MW)")
    delayed_window_ms: float = Field(gt=0, lt=40, description="delayed-trigger window")
    beam_time_offset_ns: float = Field(ge=-1000, le=2000,
                                       description="first bunch centre after beam start")
    veto_window_us: float = Field(ge=0, le=1000,
                                  description="veto-charge integration window (pile-up)")


class SignalModel(StrictModel):
    """Injected CNgs signal."""

    flux_per_proton_cm2: float = Field(ge=0, description=(
        "νe flux at the detector [cm⁻² proton⁻¹]"))
    cross_section_cm2: float = Field(gt=0, description=(
        "flux-averaged CNgs cross section [cm²]"))


class BackgroundRates(StrictModel):
    """Rates of the background processes (whole vessel, before any threshold)."""

    ambient_gamma_hz: float = Field(ge=0, description=(
        "ambient γ singles, uniform in the vessel and flat in time [Hz]; energies "
        "exponential above delayed_threshold_mev"))
    ambient_gamma_slope_mev: float = Field(gt=0, description="exponential slope above 2 MeV")
    cosmogenic_hz: float = Field(ge=0, description=(
        "cosmogenic singles, uniform in the vessel and flat in time [Hz]; energies "
        "exponential above delayed_threshold_mev up to cosmogenic_max_mev"))
    cosmogenic_slope_mev: float = Field(gt=0, description="exponential slope above 2 MeV")
    cosmogenic_max_mev: float = Field(gt=2, description="upper end of the spectrum")
    neutron_capture_hz: float = Field(ge=0, description="uncorrelated captures on Gd")
    muon_hz: float = Field(ge=0, description="muons crossing the inner detector")
    muon_stop_fraction: float = Field(ge=0, le=1, description="giving a Michel electron")
    muon_neutron_yield: float = Field(ge=0, description="mean captured neutrons per muon")
    veto_muon_hz: float = Field(ge=0, description="muons lighting only the veto")
    beam_trigger_probability: float = Field(ge=0, le=1, description="per spill")
    beam_trigger_lifetime_ns: float = Field(gt=0, description=(
        "mean exponential delay of a beam-related trigger after its bunch [ns]"))
    beam_trigger_slope_mev: float = Field(gt=0, description=(
        "exponential slope of the beam-related trigger energy above "
        "prompt_threshold_mev [MeV]"))


class DetectorModel(StrictModel):
    """Detector response and trigger."""

    energy_resolution: float = Field(ge=0, lt=1, description="a in σ_E = a √(E/MeV) MeV")
    vertex_resolution_cm: float = Field(ge=0, description="Gaussian σ per coordinate")
    prompt_threshold_mev: float = Field(gt=0, description=(
        "prompt trigger threshold on visible energy [MeV]; ≥ delayed_threshold_mev"))
    delayed_threshold_mev: float = Field(gt=0, description=(
        "delayed trigger threshold on visible energy [MeV]; events above it are recorded "
        "in the delayed window"))
    prompt_window_us: tuple[float, float] = Field((1.7, 10.0), description=(
        "prompt trigger window after the beam start (low, high) [µs], 0 ≤ low < high"))
    pre_trigger_us: float = Field(ge=0, le=100, description="readout before the prompt "
                                  "trigger [µs], 0-100 (event times stay above -100 µs)")
    veto_noise_pe: float = Field(ge=0, description="mean of the veto-charge noise")
    muon_veto_pe: float = Field(gt=0, description="median veto charge of a muon")
    gd_capture_mev: float = Field(gt=0, description=(
        "mean visible energy of a neutron capture on Gd [MeV]"))
    gd_capture_sigma_mev: float = Field(ge=0, description=(
        "Gaussian 1σ of the Gd-capture visible energy [MeV] (truncated at 0)"))
    capture_time_us: float = Field(gt=0, description="mean neutron capture time [µs]")
    neutron_travel_cm: float = Field(ge=0, description="σ of the capture point offset")
    bunch_separation_ns: float = Field(ge=0, description=(
        "time between the two proton bunches of a spill [ns]"))
    bunch_sigma_ns: float = Field(gt=0, description=(
        "Gaussian 1σ width of each proton bunch [ns]"))

    @model_validator(mode="after")
    def _windows(self) -> DetectorModel:
        lo, hi = self.prompt_window_us
        if not 0 <= lo < hi:
            raise ValueError(f"prompt_window_us = {self.prompt_window_us}: need 0 <= lo < hi")
        if self.delayed_threshold_mev > self.prompt_threshold_mev:
            raise ValueError("delayed_threshold_mev must not exceed prompt_threshold_mev")
        return self


class TargetModel(StrictModel):
    """Target liquid and volumes (JSNS2 2025, Secs. II and VIII.3)."""

    gd_ls_density_g_cm3: float = Field(gt=0, description="Gd-LS density [g/cm³]")
    din_density_g_cm3: float = Field(gt=0, description="DIN (C16H20) density [g/cm³]")
    din_volume_fraction: float = Field(ge=0, le=1, description=(
        "DIN share of the target volume [1]; the rest is Gd-LS"))
    gd_ls_weight_fractions: dict[str, float] = Field(description=(
        "Gd-LS elemental composition by weight {element: fraction} [1]"))
    fiducial_radius_cm: float = Field(gt=0, description=(
        "fiducial cylinder radius R [cm], inside the acrylic vessel; used by the "
        "selection and the ¹²C count"))
    fiducial_half_height_cm: float = Field(gt=0, description=(
        "fiducial cylinder half-height |z| [cm], inside the acrylic vessel"))

    def mixture(self) -> Mixture:
        """The Gd-LS + DIN cocktail (nuexp.targets.mixture)."""
        from hepunits import cm3, g

        gd_ls = Liquid("Gd-LS", density=self.gd_ls_density_g_cm3 * g / cm3,
                       weight_fractions=dict(self.gd_ls_weight_fractions))
        din = Liquid("DIN", density=self.din_density_g_cm3 * g / cm3, formula="C16H20")
        return Mixture([(gd_ls, 1.0 - self.din_volume_fraction), (din, self.din_volume_fraction)])

    def fiducial(self) -> Cylinder:
        """Fiducial cylinder, checked against the acrylic vessel."""
        return fiducial_cylinder(self.fiducial_radius_cm * cm, self.fiducial_half_height_cm * cm,
                                 field="simulation.target.fiducial")

    def carbon12_in_fiducial(self) -> float:
        """Number of ¹²C nuclei in the fiducial volume."""
        return self.mixture().count("C12", self.fiducial().volume)


class SimulationConfig(StrictModel):
    """Everything the JSNS2 simulator needs."""

    proton_energy_gev: float = Field(gt=0, description=(
        "proton kinetic energy [GeV]; protons per spill = beam power / (energy × 25 Hz)"))
    spills_per_run: int = Field(gt=0, le=10**9, description=(
        "spills per run number (the events' 'run' column) [spills], 1-1e9"))
    spills_per_block: int = Field(gt=0, le=10**9, description="spills per output file, "
                                  "1-1e9 (memory is checked against the rates)")
    row_group_size: int = Field(gt=0, le=10**7, default=DEFAULT_ROW_GROUP_SIZE, description=(
        "rows per Parquet row group of the output files [rows], 1-1e7"))
    periods: list[PeriodSimulation] = Field(min_length=1, description=(
        "data-taking periods ([[simulation.periods]] tables), distinct labels"))
    signal: SignalModel = Field(description="injected CNgs signal")
    rates: BackgroundRates = Field(description="background processes and their rates")
    detector: DetectorModel = Field(description="detector response and trigger")
    target: TargetModel = Field(description="target liquid and fiducial volume")

    @model_validator(mode="after")
    def _unique_periods(self) -> SimulationConfig:
        labels = [p.period for p in self.periods]
        if len(set(labels)) != len(labels):
            raise ValueError(f"periods: duplicate period labels {labels}")
        return self

    def protons_per_spill(self, period: PeriodSimulation) -> float:
        """Beam power / (proton energy × 25 Hz)."""
        joule_per_proton = self.proton_energy_gev * 1e9 * ELEMENTARY_CHARGE  # J per eV
        return period.beam_power_mw * 1e6 / (joule_per_proton * _RF_FREQUENCY_HZ)

    def n_spills(self, period: PeriodSimulation) -> int:
        """Number of spills of a period (rounded)."""
        return max(1, int(round(period.pot / self.protons_per_spill(period))))

    def with_pot(self, total_pot: float) -> SimulationConfig:
        """The same configuration with the periods' POT scaled to ``total_pot``."""
        if not total_pot > 0 or not math.isfinite(total_pot):
            raise InvalidConfiguration(f"pot = {total_pot!r}: must be a finite number > 0")
        scale = total_pot / sum(p.pot for p in self.periods)
        periods = [p.model_copy(update={"pot": p.pot * scale}) for p in self.periods]
        return self.model_copy(update={"periods": periods})


@dataclass
class _Events:
    """Columns of generated events before the readout (hepunits)."""

    spill: np.ndarray
    time: np.ndarray
    energy: np.ndarray   # true deposited (visible before resolution)
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    truth: np.ndarray

    @classmethod
    def concat(cls, parts: list[_Events]) -> _Events:
        return cls(*(np.concatenate([getattr(p, f) for p in parts])
                     for f in ("spill", "time", "energy", "x", "y", "z", "truth")))

    def take(self, mask) -> _Events:
        return _Events(self.spill[mask], self.time[mask], self.energy[mask], self.x[mask],
                       self.y[mask], self.z[mask], self.truth[mask])


class JSNS2Simulator:
    """Generates JSNS2-like triggered events block by block.

    Parameters
    ----------
    config : SimulationConfig
    seed : int
        Seed of every random number (blocks get ``SeedSequence([seed, period, block])``).
    """

    def __init__(self, config: SimulationConfig, seed: int) -> None:
        if seed < 0:
            raise InvalidConfiguration(f"seed = {seed}: must be >= 0")
        self.config = config
        self.seed = int(seed)
        self.vessel = JSNS2_ACRYLIC_VESSEL
        self.fiducial = config.target.fiducial()
        self.n_c12_fiducial = config.target.carbon12_in_fiducial()
        #: ¹²C nuclei in the whole vessel (same liquid)
        self.n_c12_vessel = self.n_c12_fiducial * self.vessel.volume / self.fiducial.volume

    # ------------------------------------------------------------------ bookkeeping
    def interactions_per_spill(self, period: PeriodSimulation) -> float:
        """Mean CNgs interactions per spill in the vessel."""
        sig = self.config.signal
        return (sig.flux_per_proton_cm2 / cm2 * self.config.protons_per_spill(period)
                * sig.cross_section_cm2 * cm2 * self.n_c12_vessel)

    def expected_events(self, period: PeriodSimulation, n_spills: int) -> tuple[float, float]:
        """Mean numbers of (generated, read-out) events in ``n_spills`` spills of
        ``period``, from the rates: the sizes behind the memory and disk estimates of
        :func:`simulate_to_directory`. A spill is counted as triggered with probability
        min(1, mean events above the prompt threshold in the prompt window), an upper
        estimate; exponential spectra are taken untruncated (an overestimate)."""
        det, r = self.config.detector, self.config.rates
        lo, hi = det.prompt_window_us
        prompt_s = (hi - lo) * 1e-6
        early_s = (hi - lo + det.pre_trigger_us) * 1e-6
        window_s = period.delayed_window_ms * 1e-3
        flat = r.ambient_gamma_hz + r.cosmogenic_hz + r.neutron_capture_hz
        muon = r.muon_hz * (1.0 + r.muon_stop_fraction + r.muon_neutron_yield)
        gap = det.prompt_threshold_mev - det.delayed_threshold_mev
        signal = self.interactions_per_spill(period)
        above = ((r.ambient_gamma_hz * math.exp(-gap / r.ambient_gamma_slope_mev)
                  + r.cosmogenic_hz * math.exp(-gap / r.cosmogenic_slope_mev)
                  + r.neutron_capture_hz + r.muon_hz) * prompt_s
                 + r.beam_trigger_probability + signal)
        triggered = n_spills * min(1.0, above)
        late = triggered * (window_s * (flat + muon) + early_s * r.veto_muon_hz)
        early = n_spills * (early_s * (flat + muon) + r.beam_trigger_probability + 2 * signal)
        return early + late, late + triggered * early_s * (flat + muon)

    def expected_interactions_fiducial(self, period: PeriodSimulation) -> float:
        """Φ · POT · σ · N(¹²C in the fiducial volume) (what Eq. 3 inverts)."""
        sig = self.config.signal
        return sig.flux_per_proton_cm2 * period.pot * sig.cross_section_cm2 * self.n_c12_fiducial

    def blocks(self, period: PeriodSimulation) -> list[tuple[int, int]]:
        """(first spill within the period, number of spills) of each block."""
        n = self.config.n_spills(period)
        size = self.config.spills_per_block
        return [(start, min(size, n - start)) for start in range(0, n, size)]

    def spill_offset(self, index: int) -> int:
        """Global number of the first spill of period ``index``."""
        return sum(self.config.n_spills(p) for p in self.config.periods[:index])

    # ------------------------------------------------------------------ samplers
    @cached_property
    def _interacting(self) -> InteractingSpectrum:
        return InteractingSpectrum()

    @cached_property
    def _michel_table(self) -> tuple[np.ndarray, np.ndarray]:
        grid = np.linspace(0.0, MICHEL_ENDPOINT, 2001)
        dens = numubar_spectrum(grid)  # e+ of μ+ DAR has the ν̄μ shape (m_e neglected)
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(grid))])
        return grid, cdf / cdf[-1]

    def _uniform_vertex(self, n: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        xyz = self.vessel.sample_uniform(n, rng)
        return xyz[:, 0], xyz[:, 1], xyz[:, 2]

    def _singles(self, rng, spill, time, truth, energy) -> _Events:
        x, y, z = self._uniform_vertex(spill.size, rng)
        return _Events(spill, time, energy, x, y, z, np.full(spill.size, truth, np.int8))

    def _exp_energy(self, rng, n, slope, low, high=np.inf) -> np.ndarray:
        """Exponential spectrum above ``low`` (hepunits), truncated at ``high``."""
        u = rng.random(n)
        top = 1.0 - math.exp(-(high - low) / slope) if math.isfinite(high) else 1.0
        return low - slope * np.log1p(-u * top)

    def _gd_energy(self, rng, n) -> np.ndarray:
        det = self.config.detector
        return np.maximum(rng.normal(det.gd_capture_mev, det.gd_capture_sigma_mev, n), 0.0) * MeV

    def _component_energy(self, rng, code: int, n: int) -> np.ndarray:
        """True visible energy of a flat-in-time component (hepunits)."""
        r = self.config.rates
        low = self.config.detector.delayed_threshold_mev * MeV
        if code == Truth.AMBIENT_GAMMA:
            return self._exp_energy(rng, n, r.ambient_gamma_slope_mev * MeV, low)
        if code == Truth.COSMOGENIC:
            return self._exp_energy(rng, n, r.cosmogenic_slope_mev * MeV, low,
                                    r.cosmogenic_max_mev * MeV)
        return self._gd_energy(rng, n)

    def _flat_components(self) -> list[tuple[float, int]]:
        r = self.config.rates
        return [(r.ambient_gamma_hz, Truth.AMBIENT_GAMMA), (r.cosmogenic_hz, Truth.COSMOGENIC),
                (r.neutron_capture_hz, Truth.NEUTRON_CAPTURE)]

    def _uncorrelated(self, rng, spill_lengths: np.ndarray, spill_ids: np.ndarray,
                      starts: np.ndarray, with_muons: bool = True) -> list[_Events]:
        """Flat-in-time processes in [start, start + length) of each listed spill."""
        r = self.config.rates
        parts = []
        for rate, code in self._flat_components():
            if rate <= 0:
                continue
            counts = rng.poisson(rate / s * spill_lengths)
            sp = np.repeat(spill_ids, counts)
            t = np.repeat(starts, counts) + rng.random(sp.size) * np.repeat(spill_lengths, counts)
            parts.append(self._singles(rng, sp, t, code, self._component_energy(rng, code, sp.size)))
        if with_muons and r.muon_hz > 0:
            counts = rng.poisson(r.muon_hz / s * spill_lengths)
            sp = np.repeat(spill_ids, counts)
            t = np.repeat(starts, counts) + rng.random(sp.size) * np.repeat(spill_lengths, counts)
            parts.extend(self._muons(rng, sp, t))
        return parts

    def _muons(self, rng, spill, time) -> list[_Events]:
        """Inner-detector muons with their Michel electrons and Gd captures."""
        r, det = self.config.rates, self.config.detector
        n = spill.size
        x, y, z = self._uniform_vertex(n, rng)
        energy = rng.uniform(100.0, 600.0, n) * MeV  # track length × dE/dx, saturating
        out = [_Events(spill, time, energy, x, y, z, np.full(n, Truth.MUON, np.int8))]
        stop = rng.random(n) < r.muon_stop_fraction
        k = np.flatnonzero(stop)
        grid, cdf = self._michel_table
        out.append(_Events(spill[k], time[k] + rng.exponential(MUON_LIFETIME, k.size),
                           np.interp(rng.random(k.size), cdf, grid),
                           x[k], y[k], z[k], np.full(k.size, Truth.MICHEL, np.int8)))
        nn = rng.poisson(r.muon_neutron_yield, n)
        j = np.repeat(np.arange(n), nn)
        travel = det.neutron_travel_cm * cm
        out.append(_Events(spill[j], time[j] + rng.exponential(det.capture_time_us * us, j.size),
                           self._gd_energy(rng, j.size),
                           x[j] + rng.normal(0, travel, j.size), y[j] + rng.normal(0, travel, j.size),
                           z[j] + rng.normal(0, travel, j.size),
                           np.full(j.size, Truth.NEUTRON_CAPTURE, np.int8)))
        return out

    def _signal(self, rng, period: PeriodSimulation, n_spills: int) -> tuple[_Events, _Events, dict]:
        """CNgs interactions: prompt e⁻ and delayed ¹²N β+ at one true vertex."""
        det = self.config.detector
        n = int(rng.poisson(self.interactions_per_spill(period) * n_spills))
        spill = rng.integers(0, n_spills, n)
        bunch = (rng.random(n) < 0.5) * det.bunch_separation_ns * ns
        t_p = (period.beam_time_offset_ns * ns + bunch + rng.normal(0, det.bunch_sigma_ns * ns, n)
               + rng.exponential(PION_LIFETIME, n) + rng.exponential(MUON_LIFETIME, n))
        e_p = self._interacting.sample_kinetic_energy(n, rng)
        x, y, z = self._uniform_vertex(n, rng)
        t_d = t_p + N12_DECAY.sample_decay_time(n, rng)
        e_d = N12_DECAY.visible_energy(N12_DECAY.sample(n, rng))
        prompt = _Events(spill, t_p, e_p, x, y, z, np.full(n, Truth.SIGNAL_PROMPT, np.int8))
        delayed = _Events(spill, t_d, e_d, x, y, z, np.full(n, Truth.SIGNAL_DELAYED, np.int8))
        in_fv = self.fiducial.contains(x, y, z)
        return prompt, delayed, {"interactions": n, "interactions_fiducial": int(in_fv.sum())}

    # ------------------------------------------------------------------ one block
    def simulate_block(self, period_index: int, block_index: int) -> tuple[EventChunk, dict]:
        """Simulate one block of spills of one period.

        Returns
        -------
        (EventChunk, dict)
            The triggered events, time ordered, and the block's truth counts.
        """
        cfg = self.config
        if not 0 <= period_index < len(cfg.periods):
            raise InvalidConfiguration(f"period_index = {period_index}: the configuration has "
                                       f"{len(cfg.periods)} periods")
        period = cfg.periods[period_index]
        blocks = self.blocks(period)
        if not 0 <= block_index < len(blocks):
            raise InvalidConfiguration(f"block_index = {block_index}: period {period.period} "
                                       f"has {len(blocks)} blocks")
        start, n_spills = blocks[block_index]
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, period_index, block_index]))
        det, r = cfg.detector, cfg.rates
        w_lo, w_hi = det.prompt_window_us[0] * us, det.prompt_window_us[1] * us
        window = period.delayed_window_ms * ms
        pre = det.pre_trigger_us * us
        # muons from the earliest readout start on (children of earlier muons are not
        # simulated: they would add a few % to the Gd captures of the prompt readout)
        span_lo = w_lo - pre

        # 1. activity around the prompt window of every spill (sparse: only what happens);
        #    flat singles from the earliest readout start, muons earlier (their children)
        sig_p, sig_d, truth = self._signal(rng, period, n_spills)
        parts = [sig_p]
        low = det.delayed_threshold_mev * MeV
        singles_lo = w_lo - pre
        for rate, code in self._flat_components():
            if rate <= 0:
                continue
            k = int(rng.poisson(rate / s * (w_hi - singles_lo) * n_spills))
            sp = rng.integers(0, n_spills, k)
            t = singles_lo + rng.random(k) * (w_hi - singles_lo)
            parts.append(self._singles(rng, sp, t, code, self._component_energy(rng, code, k)))
        if r.muon_hz > 0:
            span = w_hi - span_lo
            k = int(rng.poisson(r.muon_hz / s * span * n_spills))
            parts.extend(self._muons(rng, rng.integers(0, n_spills, k),
                                     span_lo + rng.random(k) * span))
        if r.beam_trigger_probability > 0:
            k = int(rng.binomial(n_spills, r.beam_trigger_probability))
            sp = rng.integers(0, n_spills, k)
            bunch = (rng.random(k) < 0.5) * det.bunch_separation_ns * ns
            t = (period.beam_time_offset_ns * ns + bunch + rng.normal(0, det.bunch_sigma_ns * ns, k)
                 + rng.exponential(r.beam_trigger_lifetime_ns * ns, k))
            e = det.prompt_threshold_mev * MeV + rng.exponential(r.beam_trigger_slope_mev * MeV, k)
            parts.append(self._singles(rng, sp, t, Truth.BEAM, e))
        early = _Events.concat(parts)
        early.energy = self._smear_energy(rng, early.energy)

        # 2. prompt trigger: first event above threshold in the prompt window
        fires = ((early.time >= w_lo) & (early.time <= w_hi)
                 & (early.energy >= det.prompt_threshold_mev * MeV))
        f_sp, f_t = early.spill[fires], early.time[fires]
        order = np.lexsort((f_t, f_sp))
        f_sp, f_t = f_sp[order], f_t[order]
        first = np.ones(f_sp.size, dtype=bool)
        first[1:] = f_sp[1:] != f_sp[:-1]
        triggered, tt = f_sp[first], f_t[first]   # sorted by spill

        def lookup(spill: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """(is the spill triggered, index into `triggered`)."""
            idx = np.searchsorted(triggered, spill)
            idx_c = np.minimum(idx, max(triggered.size - 1, 0))
            hit = (idx < triggered.size) & (triggered[idx_c] == spill) if triggered.size \
                else np.zeros(spill.size, dtype=bool)
            return hit, idx_c

        # 3. the delayed window of triggered spills: flat processes after the prompt window
        late_len = tt + window - w_hi
        late = self._uncorrelated(rng, late_len, triggered, np.full(triggered.size, w_hi))
        # veto-clipping muons are read out in the prompt readout only (no ID energy)
        ro_len = w_hi - (tt - pre)
        counts = rng.poisson(r.veto_muon_hz / s * ro_len)
        vm_spill = np.repeat(triggered, counts)
        vm_time = np.repeat(tt - pre, counts) + rng.random(vm_spill.size) * np.repeat(ro_len, counts)
        n_vm = vm_spill.size

        is_trig = np.zeros(n_spills, dtype=bool)   # 1 byte per spill of the block
        is_trig[triggered] = True
        early = early.take(is_trig[early.spill])
        sig_d = sig_d.take(is_trig[sig_d.spill])
        sig_d.energy = self._smear_energy(rng, sig_d.energy)
        pieces = [early, sig_d]
        if late:
            late_ev = _Events.concat(late)
            late_ev.energy = self._smear_energy(rng, late_ev.energy)
            pieces.append(late_ev)
        ev = _Events.concat(pieces)
        vx, vy, vz = self._uniform_vertex(n_vm, rng)
        vm = _Events(vm_spill, vm_time, rng.uniform(0.0, low, n_vm), vx, vy, vz,
                     np.full(n_vm, Truth.MUON, np.int8))

        # 4. readout: [trigger − pre, trigger + window], delayed threshold (veto muons kept)
        hit, idx = lookup(ev.spill)
        t_ref = tt[idx] if tt.size else np.zeros(ev.spill.size)
        keep = hit & (ev.time >= t_ref - pre) & (ev.time <= t_ref + window) & (ev.energy >= low)
        ev = _Events.concat([ev.take(keep), vm])
        order = np.lexsort((ev.time, ev.spill))
        ev = ev.take(order)

        # 5. detector response: vertices and veto charges
        n = ev.spill.size
        sig_v = det.vertex_resolution_cm * cm
        x = ev.x + rng.normal(0, sig_v, n)
        y = ev.y + rng.normal(0, sig_v, n)
        z = ev.z + rng.normal(0, sig_v, n)
        top, bottom = self._veto_charges(rng, ev.truth, period)
        gspill = self.spill_offset(period_index) + start + ev.spill
        chunk = EventChunk(
            run=(1 + gspill // cfg.spills_per_run).astype(np.int32),
            spill=gspill.astype(np.int64),
            time=ev.time,
            trigger=np.where(ev.time <= w_hi, TriggerType.PROMPT,
                             TriggerType.DELAYED).astype(np.int8),
            energy=ev.energy, x=x, y=y, z=z, veto_top=top, veto_bottom=bottom,
            period=np.full(n, period.period, np.int16), truth=ev.truth.astype(np.int8))
        truth.update({"spills": n_spills, "triggered_spills": int(triggered.size),
                      "events": int(n)})
        return chunk, truth

    def _smear_energy(self, rng, energy: np.ndarray) -> np.ndarray:
        a = self.config.detector.energy_resolution
        if a == 0:
            return energy
        sigma = a * np.sqrt(np.maximum(energy, 0.0) / MeV) * MeV
        return np.maximum(energy + sigma * rng.standard_normal(energy.size), 0.0)

    def _veto_charges(self, rng, truth: np.ndarray, period: PeriodSimulation):
        """Veto charges (p.e.): muons large in top, bottom or both; other events small
        noise, plus a muon's charge when a veto-clipping muon falls in the integration
        window (probability 1 − exp(−R_vμ T))."""
        det, r = self.config.detector, self.config.rates
        n = truth.size
        noise = det.veto_noise_pe
        top = rng.exponential(noise, n) if noise > 0 else np.zeros(n)
        bottom = rng.exponential(noise, n) if noise > 0 else np.zeros(n)
        p_pile = 1.0 - math.exp(-r.veto_muon_hz * period.veto_window_us * 1e-6)
        muon = (truth == Truth.MUON) | (rng.random(n) < p_pile)
        k = np.flatnonzero(muon)
        charge = det.muon_veto_pe * rng.lognormal(0.0, 0.5, (2, k.size))
        # a third of the muons enter/exit through the side: only one veto lit
        side = rng.random(k.size)
        top[k] += np.where(side < 2 / 3, charge[0], 0.0)
        bottom[k] += np.where(side > 1 / 3, charge[1], 0.0)
        return top, bottom

    # ------------------------------------------------------------------ whole dataset
    def iter_blocks(self) -> Iterator[tuple[int, int, EventChunk, dict]]:
        """(period index, block index, events, truth) of every block, in order."""
        for pi, period in enumerate(self.config.periods):
            for bi in range(len(self.blocks(period))):
                chunk, truth = self.simulate_block(pi, bi)
                yield pi, bi, chunk, truth


#: Peak bytes per generated event while a block is simulated: seven float64/int columns
#: (56 B) copied by the concatenations, the readout selection, the sort and the output
#: chunk (measured peak ≈ 6 copies), rounded up.
BYTES_PER_EVENT = 400
#: Bytes per read-out event in the Parquet files (LZ4; measured 32 B, rounded up).
DISK_BYTES_PER_EVENT = 40
#: Most output files (blocks) of one dataset.
MAX_BLOCKS = 100_000


def _check_size(sim: JSNS2Simulator, out: Path) -> None:
    """Refuse a dataset whose largest block would not fit in memory, whose files would
    not fit on the disk, or that would be split into more than :data:`MAX_BLOCKS` files."""
    import shutil

    cfg = sim.config
    n_blocks = sum(len(range(0, cfg.n_spills(p), cfg.spills_per_block)) for p in cfg.periods)
    if n_blocks > MAX_BLOCKS:
        raise InvalidConfiguration(
            f"the dataset would be {n_blocks:.3g} files of simulation.spills_per_block = "
            f"{cfg.spills_per_block} spills; at most {MAX_BLOCKS} are allowed: lower the POT "
            "(--pot) or raise spills_per_block")
    peak, disk = 0.0, 0.0
    for period in cfg.periods:
        n = cfg.n_spills(period)
        peak = max(peak, sim.expected_events(period, min(n, cfg.spills_per_block))[0])
        disk += sim.expected_events(period, n)[1]
    require_memory(peak * BYTES_PER_EVENT, f"simulating one block of {cfg.spills_per_block:.3g} "
                   f"spills ({peak:.3g} events; simulation.spills_per_block and the rates)")
    parent = out.parent if out.parent.exists() else Path.cwd()
    free = shutil.disk_usage(parent).free
    if disk * DISK_BYTES_PER_EVENT > 0.9 * free:
        raise InvalidConfiguration(
            f"the dataset would hold about {disk:.3g} events, {format_bytes(disk * DISK_BYTES_PER_EVENT)} of "
            f"files; {format_bytes(free)} are free under {parent}: lower the POT (--pot) "
            "or the rates")


def simulate_to_directory(config: SimulationConfig, out: str | Path, seed: int, *,
                          progress: Callable[[Any, str, int], Any] | None = None) -> dict:
    """Simulate a dataset into folder ``out``: one Parquet file per block, and
    ``manifest.json`` (configuration, seed, injected truth per period, and the row count
    and checksum of every block: what the reader verifies, :mod:`nuexp.events.io`).

    The files are written into a hidden staging folder that is renamed to ``out`` at the
    end, so an interrupted run leaves the previous complete output or none. ``out`` must
    be new, empty or an earlier nuexp output (:func:`nuexp.fileio.check_output`).

    Returns
    -------
    dict
        The manifest.
    """
    sim = JSNS2Simulator(config, seed)
    _check_size(sim, Path(out))
    periods: dict[str, dict] = {}
    blocks: dict[str, dict] = {}
    with staged_output(out) as staging:
        jobs = [(pi, bi) for pi, p in enumerate(config.periods) for bi in range(len(sim.blocks(p)))]
        iterator = jobs if progress is None else progress(jobs, "simulate jsns2", len(jobs))
        for pi, bi in iterator:
            period = config.periods[pi]
            chunk, truth = sim.simulate_block(pi, bi)
            name = f"jsns2_{period.period}_{bi:05d}.parquet"
            with EventWriter(staging / name, config.row_group_size) as writer:
                writer.write(chunk)
            blocks[name] = {"rows": len(chunk), CHECKSUM_KEY: file_checksum(staging / name)}
            entry = periods.setdefault(str(period.period), {
                "period": period.period, "pot": period.pot,
                "protons_per_spill": config.protons_per_spill(period),
                "delayed_window_ms": period.delayed_window_ms,
                "expected_interactions_fiducial": sim.expected_interactions_fiducial(period),
                "interactions": 0, "interactions_fiducial": 0, "spills": 0,
                "triggered_spills": 0, "events": 0, "files": []})
            for key in ("interactions", "interactions_fiducial", "spills", "triggered_spills",
                        "events"):
                entry[key] += truth[key]
            entry["files"].append(name)
        manifest = {
            "generator": "nuexp.events.simulation.JSNS2Simulator",
            "seed": int(seed),
            "carbon12_fiducial": sim.n_c12_fiducial,
            "injected_flux_per_proton_cm2": config.signal.flux_per_proton_cm2,
            "cross_section_cm2": config.signal.cross_section_cm2,
            "periods": periods,
            "blocks": blocks,
            "config": config.model_dump(mode="json"),
        }
        atomic_write_text(staging / MANIFEST, json.dumps(manifest, indent=2, allow_nan=False))
    return manifest
