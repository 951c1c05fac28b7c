"""JSNS2 sterile-neutrino appearance (3+1): ν̄μ → ν̄e at 24 m, IBD in Gd-LS, sensitivity.

Chain (every number is a configured input naming its source, or is computed):

* **Flux.** ν̄μ from μ+ decay at rest (Michel spectrum, :mod:`nuexp.sources.decay_at_rest`)
  normalised to the measured νe flux, since both come from the same μ+ decays: 6.7 × 10⁻⁹
  cm⁻² per proton at 24 m (JSNS2 2025, Sec. IX; ±1.6 stat ±1.7 syst → 34 % normalisation
  nuisance).
* **Appearance.** Two-flavour short-baseline form P = sin²2θμe sin²(Δm²41 L/4E), averaged
  over a Gaussian spread of baselines across the target; the full 4-flavour probability
  of :mod:`nuexp.oscillation` (|Ue4|² = |Uμ4|² = √(sin²2θμe)/2 on top of NuFIT 5.2) is used
  for the spectrum figure and agrees with it (tests).
* **Detection.** IBD through the library's one IBD rate model,
  :class:`nuexp.rates.ibd.IbdRateModel` (one for the ν̄μ source with ``flavour_from="mu"``,
  one for the intrinsic ν̄e; fluxes per unit time at the mean beam power, events = rate ×
  beam time): Strumia–Vissani cross section (:mod:`nuexp.interactions.ibd`) on the ¹H of the
  17 t target (90 % Gd-LS + 10 % DIN by volume, JSNS2 2025 Sec. VIII.3, through
  :mod:`nuexp.targets.mixture`); prompt energy E_e + m_e smeared with σ/E = a/√E (the
  assumed a stands for the positron-angle spread too: ``angular_spread=False``; adding the
  spread in quadrature would weaken the 90 % CL limits by 3 % at 1 eV² and 4 % at 2.5 eV²);
  the appearance probability is applied on the model's E_ν grid (two-flavour with the
  baseline average, which IbdRateModel's point baselines do not have); the
  beam-timing window efficiency from the exact μ+ decay-time distribution (two 40 ns
  bunches 600 ns apart, JSNS2 2025 Sec. I); delayed Gd capture efficiency = Gd capture
  fraction × delayed-energy cut × capture-time window (configured, assumptions named).
* **Backgrounds.** intrinsic ν̄e from μ− DAR (:mod:`nuexp.sources.mu_minus_decay`, ratio
  1.7 × 10⁻³ from the JSNS2 proposal/TDR); ¹²C(νe, e⁻)¹²N_gs with the ¹²N β+ decay in the
  delayed window (:mod:`nuexp.interactions.carbon12`, :mod:`~nuexp.interactions.beta_decay`);
  accidentals (rate per spill from Lee et al., EPJC 84 (2024) 409, shape assumed);
  cosmogenic fast neutrons (rate and shape assumed, stated as such).
* **Statistics.** Binned Poisson likelihood with normalisation nuisances profiled
  (:mod:`nuexp.stats.batched_profile`); Asimov (no-oscillation) Δχ² over a (sin²2θ, Δm²)
  grid; 90 % CL raster limits per Δm² and the iso-Δχ² contour
  (:mod:`nuexp.stats.contours`); Feldman–Cousins critical values from toys at chosen
  points (:mod:`nuexp.stats.feldman_cousins`). Grid rows and toy points are independent
  tasks run through ``ctx.map`` (:mod:`nuexp.parallel`: serial, LocalCluster or
  ``--scheduler``; bit-identical results; checkpoint folder to resume).
  Note: the flux normalisation is a linear Gaussian pull of 34 % (bounded at 1 % of
  nominal); against no-oscillation Asimov data a large sin²2θ is absorbed by pulling the
  flux to that bound, so the Δχ² map saturates near (0.99/0.34)² ≈ 8.5 (+ the intrinsic
  background's pull) over a band of large sin²2θ. The 90 % CL limits (Δχ² = 2.7) lie
  below that band and are not affected.

LSND (:mod:`nuexp.experiments.lsnd`): the collaboration's likelihood contour could not be
found digitised, so the sensitivity plot shows the *rate-only* LSND band that nuexp
computes from the published P = (0.264 ± 0.067 ± 0.045) % (90 % and 99 % CL, 2 dof), the
best-fit point (0.003, 1.2 eV²), and, when ``lsnd.contour_csv`` names a digitised contour,
that contour as well. ``lsnd_band_excluded_fraction`` is the share of the 90 % band
(in log sin²2θ, per Δm² row of the scan) that the 90 % CL sensitivity covers.
"""

from __future__ import annotations

import numpy as np
from hepunits import MeV, cm2, cm3, g, kg, m, ns, second, us
from pydantic import Field, field_validator, model_validator

from ...config import ExperimentConfig, StrictModel
from ...constants import ELECTRON_MASS, ELEMENTARY_CHARGE
from ...detector.nonlinearity import NonLinearity
from ...detector.resolution import Resolution
from ...exceptions import InvalidConfiguration, UnphysicalParameter
from ...interactions import carbon12, ibd
from ...interactions.beta_decay import N12_DECAY
from ...oscillation import OscillationParameters, probability
from ...oscillation.constants import PHASE_FACTOR
from ...rates.ibd import IbdRateModel
from ...sources.decay_at_rest import (
    MICHEL_ENDPOINT,
    muon_decay_time_pdf,
    nue_spectrum,
    numubar_spectrum,
)
from ...sources.mu_minus_decay import JSNS2_NUEBAR_TO_NUMUBAR_RATIO, nuebar_spectrum
from ...stats.batched_profile import TemplateModel, profile
from ...stats.contours import (
    contour_lines,
    contour_rows,
    critical_delta_chi2,
    log_grid,
    raster_limits,
)
from ...stats.feldman_cousins import critical_value
from ...targets.isotopes import isotope
from ...targets.mixture import Liquid, Mixture
from ..analysis import Family
from ..context import RunContext
from . import lsnd

__all__ = ["FAMILY", "Config", "SterileModel", "analyse",
           "mixing_parameters", "report", "two_flavour_probability"]



# --------------------------------------------------------------------------- configuration
class Beam(StrictModel):
    pot: float = Field(2.2e22, gt=0, le=1e25, description="analysed POT (JSNS2 2025, Sec. III)")
    pot_collected: float = Field(4.85e22, gt=0, le=1e25, description="collected POT, Sec. III")
    power_mw: float = Field(0.75, ge=0.001, le=100, description="mean beam power (0.63-0.95 MW, Sec. III)")
    proton_energy_gev: float = Field(3.0, ge=0.1, le=1000, description=(
        "proton kinetic energy [GeV]; with power_mw sets the protons per second"))
    repetition_hz: float = Field(25.0, ge=0.01, le=1e6, description=(
        "spill rate [Hz]; with power_mw sets the spills per POT (accidental and "
        "fast-neutron backgrounds are per spill)"))
    bunch_centres_ns: list[float] = Field([0.0, 600.0], min_length=1, description=(
        "bunch centres after the beam start [ns]; at least one"))
    bunch_sigma_ns: float = Field(40.0, ge=0.1, le=1000, description=(
        "Gaussian 1σ width of each proton bunch [ns]; shapes the μ+ decay-time profile"))


class Flux(StrictModel):
    nue_per_pot_cm2: float = Field(6.7e-9, gt=0, le=1e-3, description=(
        "measured νe flux at the detector, taken as the ν̄μ flux [cm⁻² proton⁻¹] "
        "(JSNS2 2025, Sec. IX)"))
    relative_uncertainty: float = Field(0.34, gt=0, lt=1, description=(
        "relative 1σ of the flux normalisation nuisance [1] (signal, intrinsic ν̄e and "
        "¹²C backgrounds)"))
    baseline_m: float = Field(24.0, ge=1, le=1000, description=(
        "mean distance from the mercury target to the detector [m]"))
    baseline_spread_m: float = Field(0.9, ge=0, le=100, description=(
        "Gaussian 1σ spread of the baseline across the target [m]; 0 for a point "
        "detector"))


class Detector(StrictModel):
    target_mass_t: float = Field(17.0, ge=1e-3, le=1e5, description=(
        "mass of the liquid target [t]; its volume follows from the mixture density"))
    gdls_density_g_cm3: float = Field(0.860, ge=0.1, le=10, description="Gd-LS density [g/cm³]")
    din_density_g_cm3: float = Field(0.958, ge=0.1, le=10, description="DIN (C16H20) density [g/cm³]")
    gdls_weight_fractions: dict[str, float] = Field(
        {"C": 0.877, "H": 0.121, "Gd": 0.00103}, description=(
            "Gd-LS elemental composition by weight {element: fraction} [1]"))
    din_volume_fraction: float = Field(0.10, ge=0, lt=1, description=(
        "DIN share of the target volume [1]; the rest is Gd-LS"))
    resolution_stochastic: float = Field(0.15, ge=0, lt=1, description=(
        "stochastic energy resolution a in σ/E = a/√(E/MeV) [1] (0.15 = 15 %)"))
    prompt_window_mev: tuple[float, float] = Field((20.0, 60.0), description=(
        "prompt-energy window (low, high) [MeV], 0 ≤ low < high ≤ 1e5; binned by bin_width_mev"))
    bin_width_mev: float = Field(2.0, ge=0.01, le=100, description=(
        "prompt-energy bin width [MeV]; ≤ the window width"))
    timing_window_us: tuple[float, float] = Field((1.0, 10.0), description=(
        "prompt time window after the beam start (low, high) [µs], 0 ≤ low < high ≤ 1e5"))
    gd_capture_fraction: float = Field(0.85, gt=0, le=1, description=(
        "fraction of IBD neutrons captured on Gd [1]"))
    delayed_energy_efficiency: float = Field(0.90, gt=0, le=1, description=(
        "efficiency of the delayed-energy cut on Gd-capture γ rays [1]"))
    capture_time_us: float = Field(30.0, ge=0.1, le=10_000, description=(
        "mean neutron capture time [µs]; with delayed_window_us gives the time-window "
        "efficiency 1 − exp(−window/τ)"))
    delayed_window_us: float = Field(100.0, ge=0.1, le=100_000, description=(
        "delayed-coincidence time window after the prompt [µs]"))
    delayed_energy_window_mev: tuple[float, float] = Field((7.0, 12.0), description=(
        "delayed visible-energy window (low, high) [MeV], 0 ≤ low < high ≤ 1e5; applied to the "
        "¹²N β+ background (IBD uses delayed_energy_efficiency)"))
    ibd_model: str = Field("strumia-vissani", description=(
        "IBD cross-section model, a name in nuexp.interactions.ibd.MODELS (e.g. "
        "'strumia-vissani', 'vogel-beacom')"))

    @field_validator("prompt_window_mev", "timing_window_us", "delayed_energy_window_mev")
    @classmethod
    def _ordered(cls, v):
        if not (0 <= v[0] < v[1] <= 1e5):
            raise ValueError(f"need 0 <= low < high <= 1e5; got {list(v)}")
        return v


class Backgrounds(StrictModel):
    intrinsic_ratio: float = Field(JSNS2_NUEBAR_TO_NUMUBAR_RATIO, ge=0, lt=1, description=(
        "intrinsic ν̄e (μ− decay at rest) to ν̄μ flux ratio [1]"))
    intrinsic_uncertainty: float = Field(0.5, gt=0, le=10, description=(
        "relative 1σ of the intrinsic ν̄e ratio nuisance [1]"))
    carbon12_uncertainty: float = Field(0.08, gt=0, le=10, description=(
        "relative 1σ of the ¹²C(νe,e⁻)¹²N_gs cross-section nuisance [1]"))
    accidental_per_spill: float = Field(9.29e-8, ge=0, le=1, description=(
        "accidental coincidences passing the selection [events per spill]"))
    accidental_uncertainty: float = Field(0.05, gt=0, le=10, description=(
        "relative 1σ of the accidental normalisation nuisance [1]"))
    accidental_slope_mev: float = Field(10.0, ge=0.01, le=1e4, description=(
        "decay constant of the exponential accidental prompt-energy shape [MeV]"))
    fast_neutron_per_spill: float = Field(2.0e-8, ge=0, le=1, description=(
        "cosmogenic fast neutrons passing the selection [events per spill], flat in "
        "prompt energy"))
    fast_neutron_uncertainty: float = Field(0.3, gt=0, le=10, description=(
        "relative 1σ of the fast-neutron normalisation nuisance [1]"))


class Scan(StrictModel):
    sin2_2theta_range: tuple[float, float] = Field((1e-4, 1.0), description=(
        "sin²2θμe grid range (low, high) [1], 0 < low < high, log-spaced"))
    n_sin2_2theta: int = Field(30, ge=2, le=10_000, description="grid points, 2-10000")
    dm2_range_ev2: tuple[float, float] = Field((0.1, 20.0), description=(
        "Δm²41 grid range (low, high) [eV²], 0 < low < high, log-spaced"))
    n_dm2: int = Field(30, ge=2, le=10_000, description="grid points, 2-10000")
    cl: float = Field(0.90, gt=0, lt=1, description="confidence level of the sensitivity [1]")
    dof: int = Field(1, ge=1, le=2, description=(
        "degrees of freedom of the critical Δχ²: 1 raster scan per Δm², 2 a global region"))
    sensitivity_dm2_ev2: list[float] = Field([1.0, 2.5], description=(
        "Δm²41 values at which the sin²2θμe limit is recorded as a quantity [eV²], > 0"))

    @field_validator("sin2_2theta_range", "dm2_range_ev2")
    @classmethod
    def _positive_range(cls, v):
        if not (0 < v[0] < v[1]):
            raise ValueError(f"need 0 < low < high; got {list(v)}")
        return v


class Toys(StrictModel):
    enabled: bool = Field(True, description=(
        "compute Feldman–Cousins critical values from toys at the points"))
    n_toys: int = Field(400, ge=1, le=10_000_000,
                        description="toys per point, 1-1e7 (thrown in chunks)")
    points: list[tuple[float, float]] = Field(
        [(0.003, 1.2), (0.01, 2.5)],
        description="(sin²2θ, Δm² [eV²]) of the toy points: 0 < sin²2θ <= 1, Δm² > 0")

    @field_validator("points")
    @classmethod
    def _physical(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for s2, dm2 in points:
            if not (0 < s2 <= 1 and dm2 > 0):
                raise ValueError(f"point ({s2}, {dm2}): need 0 < sin²2θ <= 1 and Δm² > 0 eV²")
        return points

    @model_validator(mode="after")
    def _points_when_enabled(self):
        if self.enabled and not self.points:
            raise ValueError("points = []: toys are enabled but no point is given; give at "
                             "least one (sin²2θ, Δm²) point or set enabled = false")
        return self


class Parallel(StrictModel):
    checkpoint_dir: str = Field("", description=(
        "folder where finished scan rows are saved and reused on a rerun; '' for none"))
    auto_cluster_min_tasks: int = Field(64, ge=1, description=(
        "without --scheduler, start a local dask cluster only from this many tasks [tasks]"))


class Plots(StrictModel):
    enabled: bool = Field(True, description="draw the figures")
    spectrum_points: list[tuple[float, float]] = Field(
        [(0.003, 1.2), (0.003, 2.5), (0.01, 5.0)], description=(
            "(sin²2θμe, Δm²41 [eV²]) points whose signal spectra are drawn"))


#: Upper edge allowed for a measured positron-energy window [MeV]: far above decay at rest.
_MAX_WINDOW_MEV = 200.0


class Lsnd(StrictModel):
    """The LSND measurement the sensitivity is compared with (every number from the TOML,
    which names its source) and how its region is drawn."""

    probability_percent: float = Field(gt=0, le=100, description=(
        "measured total ν̄μ → ν̄e probability [%], 0 < P ≤ 100"))
    probability_stat_percent: float = Field(ge=0, le=100, description=(
        "its statistical 1σ [%], 0 ≤ σ ≤ 100"))
    probability_syst_percent: float = Field(ge=0, le=100, description=(
        "its systematic 1σ [%], 0 ≤ σ ≤ 100; added in quadrature to the statistical"))
    tank_centre_m: float = Field(gt=0, le=1000, description=(
        "distance from the beam stop to the centre of the detector tank [m], (0, 1000]"))
    tank_length_m: float = Field(ge=0, le=100, description=(
        "tank length along the beam direction [m], [0, 100]; baselines are spread "
        "uniformly over it, smaller than twice tank_centre_m"))
    positron_window_mev: tuple[float, float] = Field(description=(
        "selected positron total energy (low, high) [MeV], measured energy, so high may "
        "pass the largest true one: 0 < low < 53.34 (the Michel endpoint plus the "
        "positron mass, a bound above every IBD positron), low < high ≤ 200"))
    best_fit: tuple[float, float] = Field(description=(
        "best-fit point (sin²2θ [1], Δm² [eV²]), 0 < sin²2θ ≤ 1, Δm² > 0"))
    band_cl: list[float] = Field([0.90, 0.99], min_length=1,
                                 description="confidence levels of the rate-only band")
    band_dof: int = Field(2, ge=1, le=2, description=(
        "degrees of freedom of the rate-only LSND band: 1 or 2 (a region, as LSND drew it)"))
    contour_csv: str = Field("", description="optional digitised LSND contour "
                             "(columns sin2_2theta, dm2_ev2[, segment])")

    @field_validator("band_cl")
    @classmethod
    def _levels(cls, v):
        bad = [c for c in v if not 0 < c < 1]
        if bad:
            raise ValueError(f"confidence levels must be in (0, 1); got {bad}")
        return v

    @field_validator("positron_window_mev")
    @classmethod
    def _window(cls, v):
        top = (MICHEL_ENDPOINT + ELECTRON_MASS) / MeV
        if not (0 < v[0] < top and v[0] < v[1] <= _MAX_WINDOW_MEV):
            raise ValueError(f"positron_window_mev = {list(v)}: need 0 < low < {top:.2f} "
                             f"MeV (else no IBD positron is selected) and low < high <= "
                             f"{_MAX_WINDOW_MEV:g} MeV")
        return v

    @field_validator("best_fit")
    @classmethod
    def _best_fit(cls, v):
        if not (0 < v[0] <= 1 and v[1] > 0):
            raise ValueError(f"best_fit = {list(v)}: need 0 < sin²2θ <= 1 and Δm² > 0 eV²")
        return v

    @model_validator(mode="after")
    def _tank(self):
        if self.tank_length_m >= 2 * self.tank_centre_m:
            raise ValueError(f"tank_length_m = {self.tank_length_m} must be below twice "
                             f"tank_centre_m = {self.tank_centre_m} (the tank would reach "
                             "the beam stop)")
        return self

    def measurement(self) -> lsnd.LsndMeasurement:
        """The measurement in the form :mod:`.lsnd` averages over (fractions, hepunits)."""
        half = 0.5 * self.tank_length_m
        return lsnd.LsndMeasurement(
            probability=self.probability_percent / 100,
            stat=self.probability_stat_percent / 100,
            syst=self.probability_syst_percent / 100,
            baseline_range=((self.tank_centre_m - half) * m,
                            (self.tank_centre_m + half) * m),
            positron_window=(self.positron_window_mev[0] * MeV,
                             self.positron_window_mev[1] * MeV))


class Config(ExperimentConfig):
    beam: Beam = Field(Beam(), description="J-PARC MLF beam: POT, power, bunch structure")
    flux: Flux = Field(Flux(), description="ν̄μ flux normalisation and baseline")
    detector: Detector = Field(Detector(), description=(
        "target, energy response, selection windows and efficiencies"))
    backgrounds: Backgrounds = Field(Backgrounds(), description=(
        "background rates and their normalisation uncertainties"))
    scan: Scan = Field(Scan(), description="(sin²2θμe, Δm²41) grid and confidence level")
    toys: Toys = Field(Toys(), description="Feldman–Cousins toys")
    parallel: Parallel = Field(Parallel(), description="task scheduling and checkpoints")
    plots: Plots = Field(Plots(), description="figures")
    lsnd: Lsnd = Field(description=(
        "the LSND measurement compared with (its numbers and sources are data) and its "
        "allowed region as drawn"))

    @model_validator(mode="after")
    def _checks(self):
        if self.detector.ibd_model not in ibd.MODELS:
            raise ValueError(f"detector.ibd_model = {self.detector.ibd_model!r}: choose one "
                             f"of {sorted(ibd.MODELS)}")
        return self


# --------------------------------------------------------------------------- oscillation
def two_flavour_probability(sin2_2theta, dm2_ev2, energy, baseline, baseline_spread=0.0):
    """Short-baseline appearance P = sin²2θ · ⟨sin²(Δm² L / 4E)⟩ (hepunits E, L).

    The average over a Gaussian baseline spread σ_L is exact:
    ⟨sin²Δ⟩ = [1 − cos 2Δ · exp(−2 Δ² σ_L²/L²)] / 2.
    """
    s = np.asarray(sin2_2theta, dtype=float)
    dm2 = np.asarray(dm2_ev2, dtype=float)
    if np.any(dm2 < 0) or not np.all(np.isfinite(dm2)):
        raise UnphysicalParameter(f"dm2_41 must be >= 0 eV^2; got {dm2!r}")
    if np.any((s < 0) | (s > 1)):
        raise UnphysicalParameter(f"sin2_2theta_mue must be in [0, 1]; got {s!r}")
    E = np.asarray(energy, dtype=float)
    L = float(baseline)
    phase = PHASE_FACTOR * dm2 * L / E
    damp = np.exp(-2.0 * (phase * float(baseline_spread) / L) ** 2)
    return s * 0.5 * (1.0 - np.cos(2.0 * phase) * damp)


def mixing_parameters(sin2_2theta: float, dm2_ev2: float,
                      base: str = "nufit-5.2-no") -> OscillationParameters:
    """3+1 parameters with |Ue4|² = |Uμ4|² = √(sin²2θμe)/2 on top of a 3ν preset.

    In the standard parametrisation |Ue4|² = sin²θ14 and |Uμ4|² = cos²θ14 sin²θ24, so
    sin²2θμe = 4|Ue4|²|Uμ4|². Raises for sin²2θμe outside [0, 1] or Δm²41 ≤ 0.
    """
    if not (0.0 <= sin2_2theta <= 1.0):
        raise UnphysicalParameter(f"sin2_2theta_mue must be in [0, 1]; got {sin2_2theta!r}")
    u2 = 0.5 * np.sqrt(sin2_2theta)
    return OscillationParameters.preset(base).replace(
        sin2_theta14=float(u2), sin2_theta24=float(u2 / (1.0 - u2)), dm2_41=float(dm2_ev2))


# --------------------------------------------------------------------------- the model
#: Most prompt-energy bins a configuration may ask for (each bin is a row of the
#: 1500-point IBD response and a column of every template).
_MAX_BINS = 10_000


class SterileModel:
    """Expected prompt-energy spectra (events per bin) for a configuration and POT."""

    def __init__(self, config: Config, pot: float | None = None) -> None:
        self.cfg = config
        det, beam, flux = config.detector, config.beam, config.flux
        self.pot = float(config.beam.pot if pot is None else pot)
        lo, hi = det.prompt_window_mev
        nb = int(round((hi - lo) / det.bin_width_mev))
        if nb < 1:
            raise InvalidConfiguration("detector.prompt_window_mev is narrower than one bin")
        if nb > _MAX_BINS:
            raise InvalidConfiguration(
                f"detector.prompt_window_mev = {list(det.prompt_window_mev)} in bins of "
                f"detector.bin_width_mev = {det.bin_width_mev:g} gives {nb} bins; at most "
                f"{_MAX_BINS} are allowed: widen the bins or narrow the window")
        self.edges = np.linspace(lo, hi, nb + 1) * MeV
        self.centres = 0.5 * (self.edges[1:] + self.edges[:-1])
        self.baseline = flux.baseline_m * m
        self.baseline_spread = flux.baseline_spread_m * m
        # target nuclei
        gdls = Liquid("Gd-LS", density=det.gdls_density_g_cm3 * g / cm3,
                      weight_fractions=det.gdls_weight_fractions)
        din = Liquid("DIN", density=det.din_density_g_cm3 * g / cm3, formula="C16H20")
        fractions = [(gdls, 1.0 - det.din_volume_fraction)]
        if det.din_volume_fraction > 0:
            fractions.append((din, det.din_volume_fraction))
        mix = Mixture(fractions)
        volume = det.target_mass_t * 1000 * kg / mix.density
        nuclei = mix.nuclei(volume)
        self.free_protons = float(nuclei.get(isotope("H1"), 0.0))
        self.carbon12 = float(nuclei.get(isotope("C12"), 0.0))
        # efficiencies
        t = np.linspace(-500.0, 30000.0, 200001) * ns
        pdf = muon_decay_time_pdf(t, np.asarray(beam.bunch_centres_ns) * ns,
                                  beam.bunch_sigma_ns * ns)
        t0, t1 = (x * us for x in det.timing_window_us)
        inside = (t >= t0) & (t <= t1)
        self.timing_efficiency = float(np.trapezoid(pdf * inside, t))
        self.delayed_efficiency = (det.gd_capture_fraction * det.delayed_energy_efficiency
                                   * (1 - np.exp(-det.delayed_window_us / det.capture_time_us)))
        self.fluence = self.pot * flux.nue_per_pot_cm2 / cm2          # per hepunits area
        # protons per spill and spills; the exposure is the beam time at the mean power
        protons_per_s = beam.power_mw * 1e6 / (beam.proton_energy_gev * 1e9
                                               * ELEMENTARY_CHARGE)
        self.spills = self.pot / (protons_per_s / beam.repetition_hz)
        self.exposure = self.spills / beam.repetition_hz * second
        # IBD through the library's one IBD rate model: ν̄μ (appearance) and the intrinsic
        # ν̄e of μ− decay at rest, fluxes per unit time at the mean power; the assumed
        # a/√E resolution stands for the positron-angle spread as well (angular_spread off)
        e_nu = np.linspace(ibd.THRESHOLD * 1.0001, MICHEL_ENDPOINT, 1500)
        w = np.full(e_nu.size, e_nu[1] - e_nu[0])
        w[[0, -1]] *= 0.5
        self.e_nu = e_nu
        self.resolution = Resolution(det.resolution_stochastic)
        fluence_rate = self.fluence / self.exposure

        def ibd_model(name: str, spectrum: np.ndarray, flavour: str) -> IbdRateModel:
            return IbdRateModel(
                [name], [self.baseline], e_nu, w, fluence_rate * spectrum[None, :],
                free_protons=self.free_protons,
                efficiency=self.timing_efficiency * self.delayed_efficiency, edges=self.edges,
                resolution=self.resolution, nonlinearity=NonLinearity(),
                cross_section_model=det.ibd_model, flavour_from=flavour, angular_spread=False)

        self.ibd = ibd_model("numubar", numubar_spectrum(e_nu), "mu")
        self.ibd_intrinsic = ibd_model("nuebar", nuebar_spectrum(e_nu), "e")
        self.templates = self._backgrounds()

    def _events(self, model: IbdRateModel, rate: np.ndarray) -> np.ndarray:
        """Events per bin over the exposure for ``rate`` (IBD per unit time per grid cell,
        shape (..., n_E)), through the model's response."""
        return (model.response() @ np.atleast_2d(rate).T).T * self.exposure

    # signal ---------------------------------------------------------------------------
    def unoscillated_ibd(self) -> float:
        """IBD events if every ν̄μ became ν̄e (all cuts, prompt window)."""
        return float(np.sum(self._events(self.ibd, self.ibd.source_rate * self.ibd.weights)))

    def signal(self, sin2_2theta: float, dm2_ev2, *, four_flavour: bool = False) -> np.ndarray:
        """Signal spectrum per bin (events); array over Δm² if ``dm2_ev2`` is an array."""
        dm2 = np.atleast_1d(np.asarray(dm2_ev2, dtype=float))
        if np.any(dm2 <= 0):
            raise UnphysicalParameter(f"dm2_41 must be > 0 eV^2; got {dm2_ev2!r}")
        if four_flavour:
            prob = np.stack([probability(mixing_parameters(sin2_2theta, d), "mu", "e",
                                         self.e_nu, self.baseline, antineutrino=True,
                                         baseline_spread=self.baseline_spread)
                             for d in dm2])
        else:
            prob = two_flavour_probability(sin2_2theta, dm2[:, None], self.e_nu[None, :],
                                           self.baseline, self.baseline_spread)
        out = self._events(self.ibd, self.ibd.source_rate * self.ibd.weights * prob)
        return out[0] if np.ndim(dm2_ev2) == 0 else out

    # backgrounds ----------------------------------------------------------------------
    def _backgrounds(self) -> dict[str, np.ndarray]:
        bk, det = self.cfg.backgrounds, self.cfg.detector
        intrinsic = bk.intrinsic_ratio * self._events(
            self.ibd_intrinsic, self.ibd_intrinsic.source_rate * self.ibd_intrinsic.weights)[0]
        # 12C(νe, e−)12N_gs: prompt e− kinetic energy Eν − Q, delayed 12N β+ in window
        e_c = self.e_nu[self.e_nu > carbon12.THRESHOLD]
        wc = np.gradient(e_c)
        sig_c = carbon12.cross_section(e_c)
        t_frac = N12_DECAY.time_fraction(0.0, det.delayed_window_us * us)
        lo, hi = (x * MeV for x in det.delayed_energy_window_mev)
        e_frac = N12_DECAY.visible_fraction(lo, hi)
        rate_c = (self.fluence * self.carbon12 * sig_c * nue_spectrum(e_c) * wc
                  * self.timing_efficiency * t_frac * e_frac)
        carbon = self.resolution.response_matrix(
            carbon12.prompt_electron_kinetic_energy(e_c), self.edges) @ rate_c
        # accidental: exponential in prompt energy (assumed), normalised in the window
        cdf = -np.exp(-(self.edges - self.edges[0]) / (bk.accidental_slope_mev * MeV))
        acc_shape = np.diff(cdf) / (cdf[-1] - cdf[0])
        accidental = bk.accidental_per_spill * self.spills * acc_shape
        fast = bk.fast_neutron_per_spill * self.spills * np.full(
            self.centres.size, 1.0 / self.centres.size)
        return {"intrinsic_nuebar": intrinsic, "carbon12_ngs": carbon,
                "accidental": accidental, "fast_neutron": fast}

    def template_model(self) -> TemplateModel:
        """Templates + nuisances: flux (signal, intrinsic, ¹²C), intrinsic ratio, ¹²C σ,
        accidental and fast-neutron normalisations."""
        bk = self.cfg.backgrounds
        names = ("flux", "intrinsic_ratio", "carbon12_xsec", "accidental", "fast_neutron")
        resp = np.array([
            [1, 0, 0, 0, 0],      # signal
            [1, 1, 0, 0, 0],      # intrinsic ν̄e (μ+ count and μ−/μ+ ratio)
            [1, 0, 1, 0, 0],      # ¹²C(νe, e)¹²N_gs (same μ+ νe flux)
            [0, 0, 0, 1, 0],      # accidental
            [0, 0, 0, 0, 1],      # fast neutrons
        ], dtype=float)
        sig = [self.cfg.flux.relative_uncertainty, bk.intrinsic_uncertainty,
               bk.carbon12_uncertainty, bk.accidental_uncertainty, bk.fast_neutron_uncertainty]
        bkg = np.stack([self.templates[k] for k in
                        ("intrinsic_nuebar", "carbon12_ngs", "accidental", "fast_neutron")])
        return TemplateModel(bkg, resp, np.asarray(sig), names)


# --------------------------------------------------------------------------- tasks
def scan_row(model: TemplateModel, unit_template: np.ndarray, s_grid: np.ndarray,
             observed: np.ndarray) -> np.ndarray:
    """Δχ²(s) along one Δm² row against ``observed`` (Asimov data), nuisances profiled."""
    fixed = profile(model, unit_template, np.broadcast_to(observed, (s_grid.size,
                                                                     observed.size)),
                    strength=s_grid)
    best = profile(model, unit_template, observed)
    return np.maximum(fixed.chi2 - best.chi2, 0.0)


def fc_point(model: TemplateModel, templates: np.ndarray, row: int, strength: float,
             n_toys: int, rng: np.random.Generator) -> float:
    """Feldman–Cousins critical Δχ² at one grid point (a task of ``ctx.map``)."""
    return critical_value(model, templates, row, strength, n_toys, rng).critical


def sensitivity(sm: SterileModel, s_grid: np.ndarray, dm2_grid: np.ndarray,
                ctx: RunContext, cfg: Config, label: str) -> np.ndarray:
    """Asimov (no oscillation) Δχ² map, shape (n_dm2, n_sin2)."""
    model = sm.template_model()
    unit = sm.signal(1.0, dm2_grid)
    asimov = model.expected(np.zeros(sm.centres.size), 0.0)
    tasks = [(model, unit[i], s_grid, asimov) for i in range(dm2_grid.size)]
    checkpoint = (f"{cfg.parallel.checkpoint_dir}/{label}" if cfg.parallel.checkpoint_dir
                  else None)
    rows = ctx.map(scan_row, tasks, unpack=True, label=f"Asimov scan {label}",
                   checkpoint=checkpoint,
                   cluster_min_tasks=cfg.parallel.auto_cluster_min_tasks)
    return np.vstack(rows)


def limit_at(sm: SterileModel, dm2: float, level: float) -> float:
    """Raster limit on sin²2θ at one Δm² (fine log scan, interpolated)."""
    model = sm.template_model()
    s_fine = np.geomspace(1e-5, 1.0, 241)
    asimov = model.expected(np.zeros(sm.centres.size), 0.0)
    d = scan_row(model, sm.signal(1.0, dm2), s_fine, asimov)
    limits, reached = raster_limits(s_fine, d[None, :], level)
    return float(limits[0]) if reached[0] else float("inf")


# --------------------------------------------------------------------------- analysis
def analyse(config: Config, ctx: RunContext) -> tuple:
    """Compute the templates, the Asimov Δχ² maps, limits and Feldman–Cousins values.

    Legacy split: this step records the quantities and tables itself and returns what
    :func:`report` needs to draw the figures (the CEvNS and reactor families keep all
    recording in their report step).
    """
    cfg = config
    sc = cfg.scan
    s_grid = log_grid("scan.sin2_2theta", *sc.sin2_2theta_range, sc.n_sin2_2theta)
    dm2_grid = log_grid("scan.dm2", *sc.dm2_range_ev2, sc.n_dm2)
    level = critical_delta_chi2(sc.cl, sc.dof)

    with ctx.timer("model"):
        sm = SterileModel(cfg)
        sm_full = SterileModel(cfg, pot=cfg.beam.pot_collected)
    ctx.quantity("free_protons_target", sm.free_protons, "",
                 note="target of JSNS2 2025 Sec. II, VIII.3 (17 t; 90 % Gd-LS + 10 % DIN)")
    ctx.quantity("timing_window_efficiency", sm.timing_efficiency, "",
                 note="fraction of μ+ decays in the prompt timing window")
    ctx.quantity("delayed_efficiency", sm.delayed_efficiency, "",
                 note="Gd capture fraction x delayed-energy cut x capture window (assumed)")
    ctx.quantity("unoscillated_ibd_events", sm.unoscillated_ibd(), "events",
                 note="sin²2θ = 1 with fully averaged oscillation would give half of this")
    for name, tmpl in sm.templates.items():
        ctx.quantity(f"background_{name}", float(tmpl.sum()), "events",
                     note=f"for the {cfg.beam.pot:.3g} POT analysed in JSNS2 2025, Sec. III")
    s_lsnd, m_lsnd = cfg.lsnd.best_fit
    measured = cfg.lsnd.measurement()
    n_lsnd = float(sm.signal(s_lsnd, m_lsnd).sum())
    ctx.quantity("expected_ibd_signal_at_lsnd_best_fit", n_lsnd, "events",
                 note=f"LSND best fit ([lsnd] best_fit): sin²2θ = {s_lsnd}, Δm² = {m_lsnd} "
                      f"eV², {cfg.beam.pot:.3g} POT, all cuts, prompt 20-60 MeV; two-flavour")
    ctx.quantity("lsnd_probability_at_best_fit",
                 float(s_lsnd * lsnd.averaged_sin2(m_lsnd, measured)), "1", note=(
                     "check of nuexp's LSND averaging: LSND's best-fit point times ⟨sin²⟩ "
                     "over LSND's own spectrum, positron window and tank, against the total "
                     "probability LSND measured; the best fit came from a fit of the L/E "
                     "shape as well, so agreement within the measurement's 1σ is expected, "
                     "not identity"))

    with ctx.timer("asimov_scan"):
        dchi2 = sensitivity(sm, s_grid, dm2_grid, ctx, cfg, "pot_analysed")
        dchi2_full = sensitivity(sm_full, s_grid, dm2_grid, ctx, cfg, "pot_collected")
    for dm2 in sc.sensitivity_dm2_ev2:
        lim = limit_at(sm, dm2, level)
        key = {1.0: "sensitivity_sin2_2theta_at_dm2_1ev2",
               2.5: "sensitivity_sin2_2theta_at_dm2_2p5ev2"}.get(
            dm2, f"sensitivity_sin2_2theta_at_dm2_{str(dm2).replace('.', 'p')}ev2")
        if np.isfinite(lim):
            ctx.quantity(key, lim, "", note=f"{sc.cl:.0%} CL Asimov raster limit "
                         f"(Δχ² = {level:.3f}, {sc.dof} dof), {cfg.beam.pot:.3g} POT, "
                         "nuisances profiled")
    lines = contour_lines(s_grid, dm2_grid, dchi2, level)
    lines_full = contour_lines(s_grid, dm2_grid, dchi2_full, level)
    ctx.table("sensitivity_contour", contour_rows(lines, "sin2_2theta", "dm2_ev2"))
    ctx.table("sensitivity_contour_pot_collected",
              contour_rows(lines_full, "sin2_2theta", "dm2_ev2"))
    limits, reached = raster_limits(s_grid, dchi2, level)
    ctx.table("raster_limits", [
        {"dm2_ev2": float(d), "sin2_2theta_limit": float(lim), "reached": bool(r)}
        for d, lim, r in zip(dm2_grid, limits, reached)])
    ctx.spectrum("delta_chi2_map", dchi2)
    ctx.spectrum("delta_chi2_map_pot_collected", dchi2_full)
    band_note = (f"share of the rate-only LSND band (P = {cfg.lsnd.probability_percent:g} "
                 f"± {100 * measured.sigma:.2g} %; {cfg.lsnd.band_cl[0]:.0%} CL, {cfg.lsnd.band_dof} dof) inside "
                 f"the {sc.cl:.0%} CL sensitivity, log sin²2θ per Δm² row of the scan")
    ctx.quantity("lsnd_band_excluded_fraction", lsnd.excluded_fraction(
        dm2_grid, np.where(reached, limits, np.inf), measured, cfg.lsnd.band_cl[0],
        cfg.lsnd.band_dof),
        "", note=f"{band_note}, {cfg.beam.pot:.3g} POT")
    lim_full, reached_full = raster_limits(s_grid, dchi2_full, level)
    bands = {cl: lsnd.band(dm2_grid, measured, cl, cfg.lsnd.band_dof)
             for cl in cfg.lsnd.band_cl}
    ctx.table("lsnd_band", [
        {"dm2_ev2": float(d), **{f"sin2_2theta_{edge}_cl{round(100 * cl)}":
                                 float(v[j][i]) if np.isfinite(v[j][i]) else None
                                 for cl, v in bands.items()
                                 for j, edge in enumerate(("low", "high"))}}
        for i, d in enumerate(dm2_grid)])   # None: no sin²2θ ≤ 1 fits LSND at this Δm²
    ctx.quantity("lsnd_band_excluded_fraction_pot_collected", lsnd.excluded_fraction(
        dm2_grid, np.where(reached_full, lim_full, np.inf), measured, cfg.lsnd.band_cl[0],
        cfg.lsnd.band_dof), "", note=f"{band_note}, {cfg.beam.pot_collected:.3g} POT")

    fc_rows = []
    if cfg.toys.enabled and cfg.toys.points:
        with ctx.timer("feldman_cousins"):
            model = sm.template_model()
            templates = sm.signal(1.0, dm2_grid)
            tasks = []
            for s_true, m_true in cfg.toys.points:
                row = int(np.argmin(np.abs(np.log(dm2_grid / m_true))))
                tasks.append((model, templates, row, float(s_true), cfg.toys.n_toys))
            crits = ctx.map(fc_point, tasks, unpack=True, seed=ctx.child_seed("fc"),
                            label="Feldman-Cousins toys",
                            cluster_min_tasks=cfg.parallel.auto_cluster_min_tasks)
        for (s_true, _m_true), task, crit in zip(cfg.toys.points, tasks, crits):
            fc_rows.append({"sin2_2theta": s_true, "dm2_ev2_grid": float(dm2_grid[task[2]]),
                            "n_toys": cfg.toys.n_toys, "fc_critical_delta_chi2": crit,
                            "wilks_critical_delta_chi2": level})
        ctx.table("feldman_cousins", fc_rows)
        ctx.quantity("fc_critical_delta_chi2_at_lsnd_best_fit", float(crits[0]), "",
                     note=f"{cfg.toys.n_toys} toys at {cfg.toys.points[0]}; Wilks "
                          f"{level:.3f} for comparison")

    return sm, s_grid, dm2_grid, dchi2, dchi2_full, lines, lines_full, level


def report(config: Config, outcome: tuple, ctx: RunContext) -> None:
    """Draw the figures from what :func:`analyse` computed (when ``plots.enabled``)."""
    if config.plots.enabled:
        with ctx.timer("plots"):
            _plots(ctx, config, *outcome)


def _plots(ctx, cfg, sm, s_grid, dm2_grid, dchi2, dchi2_full, lines, lines_full, level):
    from ...report.labels import physics_label, scientific
    from ...report.plots import clear_corner, new_figure

    s2t, dm41 = r"$\sin^2 2\theta_{\mu e}$", r"$\Delta m^2_{41}$ [eV$^2$]"

    centres = sm.centres / MeV
    width = np.diff(sm.edges) / MeV
    fig, ax = new_figure()
    bottom = np.zeros(centres.size)
    for name, tmpl in sm.templates.items():
        ax.bar(centres, tmpl, width=width, bottom=bottom, label=physics_label(name),
               alpha=0.6)
        bottom = bottom + tmpl
    top = float(np.max(bottom))
    for s_true, m_true in cfg.plots.spectrum_points:
        sig4 = sm.signal(s_true, m_true, four_flavour=True)
        top = max(top, float(np.max(bottom + sig4)))
        ax.stairs(bottom + sig4, sm.edges / MeV, lw=2,
                  label=rf"+ signal $\sin^2 2\theta={s_true:g}$, $\Delta m^2={m_true:g}$ eV$^2$")
    ax.set_xlabel(r"prompt energy $E_{\rm p}$ [MeV]")
    ax.set_ylabel(f"events / {width[0]:g} MeV")
    ax.set_ylim(0, 1.9 * top)                       # the legend above the spectra
    ax.legend(fontsize=11, ncols=2)
    ctx.figure(fig, "appearance_spectra", caption=(
        f"JSNS2 {cfg.beam.pot:.3g} POT: stacked backgrounds and signal (full 3+1 "
        "probability). Flux: JSNS2 2025 Sec. IX."))

    fig, ax = new_figure()
    dm2_lo, dm2_hi = cfg.scan.dm2_range_ev2
    dm2_fine = np.geomspace(dm2_lo, dm2_hi, 400)
    for i, cl in enumerate(sorted(cfg.lsnd.band_cl, reverse=True)):
        low, high = lsnd.band(dm2_fine, cfg.lsnd.measurement(), cl, cfg.lsnd.band_dof)
        ax.fill_betweenx(dm2_fine, low, high, color=("0.85", "0.65", "0.5")[min(i, 2)],
                         lw=0, label=f"LSND {cl:.0%} CL (rate-only, computed)")
    if cfg.lsnd.contour_csv:
        for j, seg in enumerate(lsnd.read_contour(cfg.lsnd.contour_csv)):
            ax.plot(seg[:, 0], seg[:, 1], color="k", lw=1,
                    label="LSND contour (digitised)" if j == 0 else None)
    for ln in lines:
        ax.plot(ln[:, 0], ln[:, 1], color="C0")
    for ln in lines_full:
        ax.plot(ln[:, 0], ln[:, 1], color="C1", ls="--")
    ax.plot([], [], color="C0", label=f"{cfg.scan.cl:.0%} CL sensitivity, "
            f"{scientific(cfg.beam.pot)} POT")
    ax.plot([], [], color="C1", ls="--", label=f"{cfg.scan.cl:.0%} CL sensitivity, "
            f"{scientific(cfg.beam.pot_collected)} POT")
    ax.plot(*cfg.lsnd.best_fit, marker="*", ms=14, ls="", color="k",
            label="LSND best fit (PRD 64, 112007)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*cfg.scan.sin2_2theta_range)
    ax.set_ylim(*cfg.scan.dm2_range_ev2)
    ax.set_xlabel(s2t)
    ax.set_ylabel(dm41)
    # above the axes: the LSND bands and the sensitivity lines cross the whole plane
    ax.legend(fontsize=11, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
    clear_corner(ax)
    ctx.figure(fig, "sensitivity_contour", caption=(
        "Asimov sensitivity (raster). Grey: LSND band computed by nuexp from the published "
        "P = (0.264 ± 0.067 ± 0.045) % (Aguilar et al., PRD 64 (2001) 112007) without the "
        "L/E shape, so wider than the collaboration's contour; star: LSND best fit."))

    fig, axes = new_figure(1, 2, figsize=(18.0, 6.5), layout="constrained")
    for ax, z, title in ((axes[0], dchi2, f"{scientific(cfg.beam.pot)} POT"),
                         (axes[1], dchi2_full, f"{scientific(cfg.beam.pot_collected)} POT")):
        mesh = ax.pcolormesh(s_grid, dm2_grid, np.minimum(z, 50), shading="nearest")
        ax.contour(s_grid, dm2_grid, z, levels=[level], colors="w")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(s2t)
        ax.set_ylabel(dm41)
        ax.set_title(title)
        clear_corner(ax)
        fig.colorbar(mesh, ax=ax, label=r"$\Delta\chi^2$ (capped at 50)")
    ctx.figure(fig, "delta_chi2_maps", caption=(
        f"Asimov Δχ² maps for the analysed and the collected POT; white: the {cfg.scan.cl:.0%} "
        f"CL critical value Δχ² = {level:.3f} ({cfg.scan.dof} dof)."))


FAMILY = Family(name="jsns2-sterile", config=Config, compute=analyse, report=report,
                description="JSNS2 3+1 appearance sensitivity (Asimov scan, Feldman-Cousins toys)")
