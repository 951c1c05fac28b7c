"""Configuration of the reactor ν̄e family (``family = "reactor"``): any reactor experiment
in TOML — cores, flux model, detectors (near/far), backgrounds, systematics, sensitivity analyses ([sensitivity]).

Units are in the key names (``power_gw`` = GW_th, ``baseline_km``, ``position_m``,
``target_mass_t``...). Exposures are years (or days) of data with every core at its
thermal power × uptime and every detector at its efficiency × live fraction.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ...config import ExperimentConfig, StrictModel
from ...interactions.ibd import MODELS as IBD_MODELS
from ...sources.reactor import ISOTOPES

__all__ = [
    "AnalysisBlock",
    "BackgroundBlock",
    "CoreBlock",
    "DetectorBlock",
    "FluxAlternative",
    "FluxBlock",
    "OscillationBlock",
    "ReactorConfig",
    "SystematicsBlock",
]

OSC_NAMES = ("sin2_theta12", "sin2_theta13", "dm2_21", "dm2_31")


def _fractions(v: dict[str, float]) -> dict[str, float]:
    if set(v) != set(ISOTOPES):
        raise ValueError(f"fission fractions need exactly the isotopes {ISOTOPES}; got {sorted(v)}")
    return v


#: Fission fractions by isotope (the sum is checked by FissionFractions when the model is built).
Fractions = Annotated[dict[str, float], AfterValidator(_fractions)]


class OscillationBlock(StrictModel):
    preset: str = Field("juno-talk", description="oscillation preset "
                        "(nuexp.oscillation.PRESETS) giving the true parameters")
    values: dict[str, float] = Field(
        default_factory=dict,
        description="overrides of the preset in OscillationParameters' names and units "
                    "(eV² for Δm², sin² for angles; e.g. sin2_theta13 = 0 for 'no "
                    "oscillation', dm2_41 and sin2_theta14 for 3+1)")
    matter: bool = Field(False, description="constant-density matter (else vacuum)")
    matter_density_g_cm3: float = Field(2.45, gt=0, description="density [g/cm³], > 0")
    matter_density_uncertainty: float = Field(
        0.0, ge=0, description="relative 1σ of the density, ≥ 0; 0 fixes it")


class FluxBlock(StrictModel):
    model: Literal["huber-mueller", "summation", "tabulated"] = Field(
        "huber-mueller", description="ν̄e spectrum per fission (nuexp.sources.reactor."
        "reactor_spectrum): Huber–Mueller fits, the summation tables "
        "(nuexp.sources.summation) or a tabulated spectrum per fission ('table')")
    library: Literal["endfb-viii.0", "jeff-3.3", "endfb-viii.0+ensdf"] = Field(
        "endfb-viii.0", description="summation table: fission-yield and decay library "
        "(model = 'summation' only)")
    gap_model: Literal["calibrated", "fermi-gas"] = Field(
        "calibrated", description="summation gap-filling model for nuclides without "
        "complete β branches (model = 'summation' only)")
    table: str | None = Field(None, description="CSV (E_MeV, per_fission_per_MeV) for "
                              "model = 'tabulated' (relative to the working directory)")
    fission_fractions: Fractions = Field(
        default_factory=lambda: {"U235": 0.564, "U238": 0.076, "Pu239": 0.304, "Pu241": 0.056},
        description="default fuel of every core (U235, U238, Pu239, Pu241; sum 1)")
    outside: Literal["extrapolate", "zero"] = Field(
        "extrapolate", description="spectrum outside the 2–8 MeV validity of the fits")

    @model_validator(mode="after")
    def _table(self):
        if (self.model == "tabulated") != (self.table is not None):
            raise ValueError(f"flux.model = {self.model!r} with flux.table = {self.table!r}: "
                             "a table is needed exactly when model = 'tabulated'")
        return self


class CorrectionBlock(StrictModel):
    nodes_mev: list[float] = Field(description="E_ν nodes [MeV], increasing, ≥ 2")
    relative: list[float] = Field(description="relative correction δ at the nodes, > −1")


class BurnupState(StrictModel):
    weight: float = Field(gt=0, description="relative time in this fuel state, > 0")
    fission_fractions: Fractions = Field(description="fuel of this state (sum 1)")


class CoreBlock(StrictModel):
    name: str = Field(description="core label")
    power_gw: float = Field(gt=0, description="thermal power [GW_th], > 0")
    baseline_km: float | None = Field(
        None, gt=0, description="distance to the (single) detector [km]; or position_m")
    position_m: list[float] | None = Field(
        None, description="core position [m] (x, y, z), with the detectors' positions")
    fission_fractions: Fractions | None = Field(
        None, description="fuel of this core (default flux.fission_fractions)")
    burnup: list[BurnupState] = Field(default_factory=list,
                                      description="fuel states over the exposure (averaged)")
    energy_per_fission_mev: float | None = Field(
        None, gt=0, description="mean energy per fission [MeV] instead of Σ f_i e_i")
    uptime: float = Field(1.0, ge=0, le=1, description="fraction of time at power, [0, 1]")
    spent_fuel: CorrectionBlock | None = Field(None, description="relative spent-fuel correction")
    non_equilibrium: CorrectionBlock | None = Field(
        None, description="relative non-equilibrium correction")

    @field_validator("position_m")
    @classmethod
    def _xyz(cls, v):
        if v is not None and len(v) != 3:
            raise ValueError(f"position_m = {v}: need (x, y, z) in metres")
        return v


class ResolutionBlock(StrictModel):
    a: float = Field(0.0261, ge=0, description="stochastic term a/√(E/MeV), ≥ 0")
    b: float = Field(0.0064, ge=0, description="constant term, ≥ 0")
    c: float = Field(0.0120, ge=0, description="noise term c/(E/MeV), ≥ 0")
    uncertainty: float = Field(0.0, ge=0, description="relative 1σ on all terms; 0 = off")


class PullCurveBlock(StrictModel):
    name: str = Field(description="energy-scale deformation name")
    nodes_mev: list[float] = Field(description="nodes [MeV]")
    delta: list[float] = Field(description="relative scale change at 1σ at the nodes")


class NonLinearityBlock(StrictModel):
    kind: str = Field("identity", description="nuexp.detector.nonlinearity kind")
    nodes_mev: list[float] = Field(default_factory=list, description="table nodes [MeV]")
    values: list[float] = Field(default_factory=list, description="table values")
    parameters: list[float] = Field(default_factory=list, description="model parameters")
    pull_curves: list[PullCurveBlock] = Field(
        default_factory=list, description="energy-scale uncertainties (one pull each)")


class BinningBlock(StrictModel):
    e_min_mev: float = Field(0.8, gt=0, description="lowest prompt energy [MeV]")
    e_max_mev: float = Field(9.0, gt=0, le=100, description="highest prompt energy [MeV]")
    bin_width_kev: float = Field(20.0, ge=5, le=10_000, description="bin width [keV]")
    n_fine: int = Field(1600, ge=200, le=20_000,
                        description="E_ν integration points, 200-20000")
    e_nu_max_mev: float = Field(10.0, gt=2.0, le=100, description="top of the E_ν grid [MeV]")

    @model_validator(mode="after")
    def _order(self):
        if self.e_max_mev <= self.e_min_mev:
            raise ValueError(f"e_max_mev = {self.e_max_mev} must exceed e_min_mev = {self.e_min_mev}")
        return self


class BackgroundBlock(StrictModel):
    name: str = Field(description="component name")
    rate_per_day: float = Field(ge=0, description="rate after selection [1/day], ≥ 0")
    rate_uncertainty: float = Field(gt=0, description="relative 1σ of the rate, > 0")
    shape_uncertainty: float = Field(0.0, ge=0, description="relative bin-to-bin 1σ, ≥ 0")
    shape: str | None = Field(
        None, description="analytic shape (accidentals, li9he8, geoneutrinos, fast_neutrons, "
        "atmospheric, alpha_n, flat, world_reactors); default: the component's name")
    shape_nodes_mev: list[float] = Field(default_factory=list,
                                         description="tabulated shape: prompt energies [MeV]")
    shape_values: list[float] = Field(default_factory=list,
                                      description="tabulated shape: dN/dE (any scale), ≥ 0")


class DetectorBlock(StrictModel):
    name: str = Field("detector", description="detector label")
    target_mass_t: float = Field(gt=0, description="target mass [t], > 0")
    formula: str | None = Field(None, description="scintillator formula (e.g. 'C18H30')")
    hydrogen_mass_fraction: float | None = Field(
        None, gt=0, le=1, description="alternatively the hydrogen mass fraction, (0, 1]")
    efficiency: float = Field(gt=0, le=1, description="IBD selection efficiency, (0, 1]")
    live_fraction: float = Field(1.0, gt=0, le=1, description="live time / calendar time")
    position_m: list[float] | None = Field(None, description="detector position [m] (x, y, z)")
    baselines_km: dict[str, float] = Field(
        default_factory=dict, description="distance [km] to each core by name (near/far)")
    cross_section: str = Field("vogel-beacom", description=f"IBD model: {sorted(IBD_MODELS)}")
    resolution: ResolutionBlock = Field(default_factory=ResolutionBlock, description="energy resolution a, b, c")
    nonlinearity: NonLinearityBlock = Field(default_factory=NonLinearityBlock, description="energy-scale nonlinearity and its uncertainty")
    binning: BinningBlock = Field(default_factory=BinningBlock, description="prompt-energy analysis bins [MeV]")
    backgrounds: list[BackgroundBlock] = Field(default_factory=list,
                                               description="background components")

    @model_validator(mode="after")
    def _target(self):
        if (self.formula is None) == (self.hydrogen_mass_fraction is None):
            raise ValueError(f"detector {self.name!r}: give exactly one of formula or "
                             "hydrogen_mass_fraction")
        if self.cross_section not in IBD_MODELS:
            raise ValueError(f"detector {self.name!r}: cross_section = {self.cross_section!r}; "
                             f"choose one of {sorted(IBD_MODELS)}")
        return self


class ShapeReferenceBlock(StrictModel):
    preset: str = Field(description="preset (or TOML path) of the reference detector, e.g. 'tao'")
    years: float = Field(gt=0, description="reference-detector exposure [years], > 0")
    residual: float = Field(0.0, ge=0, description="relative bin-to-bin systematic of the "
                            "reference added in quadrature, ≥ 0")


class SystematicsBlock(StrictModel):
    reactor_correlated: float = Field(0.02, ge=0, description="flux normalisation common to "
                                      "all cores, relative 1σ (0 = off)")
    reactor_uncorrelated: float = Field(0.008, ge=0, description="per-core normalisation, "
                                        "relative 1σ (0 = off)")
    detector_correlated: float = Field(0.01, ge=0, description="normalisation common to all "
                                       "detectors (efficiency, protons), relative 1σ")
    detector_uncorrelated: float = Field(0.0, ge=0, description="per-detector normalisation, "
                                         "relative 1σ (0 = off)")
    shape_uncertainty: float = Field(0.0, ge=0, description="reactor-spectrum bin-to-bin "
                                     "relative 1σ per shape_uncertainty_bin_width_kev bin")
    shape_uncertainty_bin_width_kev: float = Field(
        20.0, ge=1, le=1000, description="bin width to which shape_uncertainty refers "
        "[keV], 1-1000 (rescaled by sqrt(width / analysis bin width) to the analysis bins)")
    shape_reference: ShapeReferenceBlock | None = Field(
        None, description="derive the bin-to-bin shape uncertainty from a reference "
        "detector's statistics (e.g. TAO) instead of shape_uncertainty")

    @model_validator(mode="after")
    def _one_shape(self):
        if self.shape_reference is not None and self.shape_uncertainty > 0:
            raise ValueError("systematics: give shape_uncertainty or shape_reference, not both")
        return self


class Theta13Subset(StrictModel):
    detectors: list[str] = Field(min_length=1, description="detectors used")
    years: float = Field(gt=0, description="exposure [years], > 0")


class FluxAlternative(StrictModel):
    label: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="suffix of the result "
                       "keys (e.g. 'summation' gives nmo_delta_chi2_6y_summation); "
                       "lower-case letters, digits, '_'")
    model: Literal["huber-mueller", "summation"] = Field(
        "summation", description="flux model replacing flux.model (as in [flux])")
    library: Literal["endfb-viii.0", "jeff-3.3", "endfb-viii.0+ensdf"] = Field(
        "endfb-viii.0", description="summation table (model = 'summation' only)")
    gap_model: Literal["calibrated", "fermi-gas"] = Field(
        "calibrated", description="summation gap-filling model (model = 'summation' only)")


class AnalysisBlock(StrictModel):
    days_per_year: float = Field(365.25, gt=0, description="days per year of exposure")
    systematics: bool = Field(True, description="False: statistics only")
    free_parameters: list[str] = Field(default_factory=lambda: list(OSC_NAMES),
                                       description=f"oscillation parameters fitted, of {OSC_NAMES}")
    external_priors: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="name -> [central, sigma > 0] in fit units")
    precision_exposures_days: dict[str, float] = Field(
        default_factory=dict, description="label -> days for the precision table (empty: none)")
    nmo_exposures_years: list[float] = Field(default_factory=list,
                                             description="NMO Δχ² exposures [years] (empty: none)")
    nmo_reference_years: float = Field(6.0, gt=0, description="NMO reference exposure [years]")
    nmo_target_delta_chi2: float = Field(9.0, gt=0, description="Δχ² for 'years to target'")
    reverse_ordering: bool = Field(True, description="also true IO (fit NO) at the reference")
    nmo_flux_models: list[FluxAlternative] = Field(
        default_factory=list, description="other flux models for which the NMO Δχ² at "
        "nmo_reference_years is recomputed (truth and fit with that flux; everything else "
        "as configured), reported beside the [flux] model's value")
    matter_effect_check: bool = Field(False, description="fit a vacuum model to matter data")
    profile_scan: list[str] = Field(default_factory=list, description="parameters to scan")
    profile_scan_points: int = Field(5, ge=0, le=200, description="points per scan")
    profile_scan_exposure: str = Field("6y", description="precision_exposures_days label")
    theta13_exposures_years: list[float] = Field(
        default_factory=list, description="exposures [years] of the sin²2θ13 sensitivity")
    theta13_reference_years: float = Field(3.0, gt=0, description="reference exposure [years]")
    theta13_cl: float = Field(0.9, gt=0, lt=1, description="confidence level (1 dof)")
    theta13_subsets: dict[str, Theta13Subset] = Field(
        default_factory=dict, description="label -> detectors and exposure for a sin²2θ13 "
        "sensitivity with a subset of the detectors (e.g. far_only)")
    theta13_compare: list[str] = Field(
        default_factory=list, description="other reactor presets (or TOML paths) whose "
        "sin²2θ13 sensitivity vs exposure is drawn on this one's plot")

    @model_validator(mode="after")
    def _flux_models_need_nmo(self):
        if self.nmo_flux_models and not self.nmo_exposures_years:
            raise ValueError("sensitivity.nmo_flux_models needs nmo_exposures_years (the NMO "
                             "Δχ² it compares)")
        return self

    @field_validator("nmo_flux_models")
    @classmethod
    def _unique_labels(cls, v: list[FluxAlternative]) -> list[FluxAlternative]:
        labels = [f.label for f in v]
        if len(set(labels)) != len(labels):
            raise ValueError(f"nmo_flux_models: duplicate labels in {labels}")
        return v

    @field_validator("free_parameters")
    @classmethod
    def _known(cls, v):
        bad = [p for p in v if p not in OSC_NAMES]
        if bad or not v:
            raise ValueError(f"free_parameters {v}: choose a non-empty subset of {OSC_NAMES}")
        return v

    @field_validator("external_priors")
    @classmethod
    def _sigmas(cls, v: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for k, (_, sigma) in v.items():
            if not sigma > 0:
                raise ValueError(f"external_priors.{k}: sigma = {sigma} must be > 0")
        return v

    @field_validator("precision_exposures_days")
    @classmethod
    def _positive(cls, v):
        for k, d in v.items():
            if not d > 0:
                raise ValueError(f"precision_exposures_days.{k} = {d}: exposure must be > 0 days")
        return v

    @field_validator("nmo_exposures_years", "theta13_exposures_years")
    @classmethod
    def _positive_years(cls, v):
        if v and (len(v) < 2 or any(not y > 0 for y in v)):
            raise ValueError(f"{v}: need >= 2 exposures, each > 0 years (or none)")
        return sorted(v)


class ReactorConfig(ExperimentConfig):
    """A reactor ν̄e experiment (IBD detection)."""

    oscillation: OscillationBlock = Field(default_factory=OscillationBlock, description="oscillation parameters, matter and 3+1 options")
    flux: FluxBlock = Field(default_factory=FluxBlock, description="reactor flux model and fuel")
    cores: list[CoreBlock] = Field(min_length=1, description="reactor cores (≥ 1)")
    detectors: list[DetectorBlock] = Field(min_length=1, description="detectors (≥ 1)")
    systematics: SystematicsBlock = Field(default_factory=SystematicsBlock, description="reactor, detector, energy-scale and shape uncertainties")
    sensitivity: AnalysisBlock = Field(default_factory=AnalysisBlock, description="precision, mass-ordering and θ13 sensitivity settings")

    @field_validator("cores")
    @classmethod
    def _unique_cores(cls, v: list[CoreBlock]) -> list[CoreBlock]:
        names = [c.name for c in v]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate core names in {names}")
        return v

    @field_validator("detectors")
    @classmethod
    def _geometry(cls, v: list[DetectorBlock], info: ValidationInfo) -> list[DetectorBlock]:
        dnames = [d.name for d in v]
        if len(set(dnames)) != len(dnames):
            raise ValueError(f"duplicate detector names in {dnames}")
        cores = info.data.get("cores") or []
        names = [c.name for c in cores]
        for d in v:
            unknown = set(d.baselines_km) - set(names)
            if unknown:
                raise ValueError(f"detector {d.name!r}: baselines_km names unknown cores "
                                 f"{sorted(unknown)}; cores: {names}")
            for c in cores:
                if c.name in d.baselines_km or (c.position_m is not None
                                                and d.position_m is not None):
                    continue
                if c.baseline_km is not None and len(v) == 1:
                    continue
                raise ValueError(
                    f"no baseline from core {c.name!r} to detector {d.name!r}: give "
                    f"detectors.baselines_km.{c.name}, positions of both, or (one detector "
                    "only) cores.baseline_km")
        return v
