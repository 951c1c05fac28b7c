"""Configuration of the CEvNS family: one TOML describes source, target, interaction,
response, efficiency, timing, backgrounds, statistics and physics reach.

Units in the TOML are those the key names carry (``_kw``, ``_gev``, ``_m``, ``_kg``,
``_kev``, ``_fm``, ``_us``, ...); the conversion to hepunits happens in the methods here
and in :mod:`nuexp.experiments.cevns.model`. Every block refuses unknown keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal, TypeVar

import numpy as np
from hepunits import GeV, MeV, fermi, keV, kg, kW, m, microsecond, ns
from pydantic import Field, field_validator, model_validator

from ...config import ExperimentConfig, StrictModel
from ...detector.quenching import (
    COHERENT_CSI_2022,
    ConstantQuenching,
    LindhardQuenching,
    PolynomialQuenching,
    Quenching,
    TabulatedQuenching,
)
from ...detector.xenon import XenonS2Response
from ...exceptions import InvalidConfiguration, NuexpError
from ...interactions.cevns import SIN2_THETA_W, CevnsPhysics
from ...sources.reactor import FissionFractions
from ...sources.spallation import flux_per_flavour
from ...targets.compound import Compound
from ...targets.isotopes import Isotope
from ...targets.isotopic_composition import ElementTarget

__all__ = ["SourceBlock", "ExposureBlock", "TargetBlock",
           "InteractionBlock", "QuenchingBlock", "ResolutionBlock", "CoincidenceBlock",
           "XenonBlock", "BinsBlock", "ResponseBlock", "EfficiencyBlock", "TimingBlock",
           "BackgroundComponent", "StatisticsBlock", "ReachBlock",
           "CevnsConfig", "need"]

_FLAVOURS = ("e", "mu", "tau")
_T = TypeVar("_T")


def need(value: _T | None, name: str) -> _T:
    """``value``, or :class:`~nuexp.exceptions.InvalidConfiguration` naming the missing key.

    The validators make optional keys present where they are used; this states it for the
    type checker and guards direct construction without validation.
    """
    if value is None:
        raise InvalidConfiguration(f"{name}: missing (required by the rest of the configuration)")
    return value


def _check(build: Callable[[], _T], label: str) -> _T:
    """Run a library constructor inside a validator so pydantic names the field."""
    try:
        return build()
    except NuexpError as err:
        raise ValueError(f"{label}: {err}") from None


class SourceBlock(StrictModel):
    """The neutrino source: a pulsed stopped-pion facility or a reactor core (``kind``).

    Stopped pion: flux = (P/E_p) · yield / (4π L²) per flavour (νμ, νe, ν̄μ). Reactor:
    isotropic ν̄e with the library reactor flux (Kopeikin below ``join_energy_mev``,
    Huber–Mueller above). Keys of the other kind are refused.
    """

    kind: Literal["stopped-pion", "reactor"] = Field(description="source type")
    distance_m: float = Field(gt=0, le=1e5, description="source-detector distance [m], (0, 1e5]")
    facility: str = Field("", description="facility or site name, for labels only")
    beam_power_kw: float | None = Field(None, gt=0, le=1e5,
                                        description="stopped pion: proton beam power [kW]")
    proton_energy_gev: float | None = Field(None, gt=0, le=100,
                                            description="stopped pion: proton kinetic energy [GeV]")
    nu_per_proton_per_flavour: float | None = Field(
        None, gt=0, le=10, description="stopped pion: neutrinos per proton per flavour, (0, 10]")
    repetition_rate_hz: float | None = Field(None, gt=0, le=1e4,
                                             description="stopped pion: beam pulse rate [Hz]")
    pulse_sigma_ns: float | None = Field(
        None, gt=0, le=1e5, description="stopped pion: Gaussian width (1 sigma) of the proton "
                                        "pulse [ns] (default 150)")
    pulse_centre_ns: float | None = Field(
        None, ge=-1e5, le=1e5, description="stopped pion: centre of the proton pulse on the "
                                           "time axis of [timing] [ns] (default 0)")
    thermal_power_gw: float | None = Field(None, gt=0, le=20,
                                           description="reactor: thermal power [GW], (0, 20]")
    fission_fractions: dict[str, float] | None = Field(
        None, description="reactor: fission fractions of U235, U238, Pu239, Pu241 (sum 1)")
    join_energy_mev: float | None = Field(
        None, gt=1.8, lt=8.0, description="reactor: centre of the Kopeikin -> Huber-Mueller "
                                          "blend [MeV] (default 2.5)")
    join_width_mev: float | None = Field(None, gt=0, le=1.0,
                                         description="reactor: width of the blend [MeV] "
                                                     "(default 0.2)")

    @model_validator(mode="after")
    def _kind(self):
        pion = ("beam_power_kw", "proton_energy_gev", "nu_per_proton_per_flavour")
        pion_opt = ("repetition_rate_hz", "pulse_sigma_ns", "pulse_centre_ns")
        reactor = ("thermal_power_gw", "fission_fractions")
        reactor_opt = ("join_energy_mev", "join_width_mev")
        need, other = (pion, reactor + reactor_opt) if self.kind == "stopped-pion" else \
            (reactor, pion + pion_opt)
        missing = [f for f in need if getattr(self, f) is None]
        extra = [f for f in other if getattr(self, f) is not None]
        if missing:
            raise ValueError(f"a {self.kind} source needs {missing}")
        if extra:
            raise ValueError(f"{extra} do not apply to a {self.kind} source")
        fractions = self.fission_fractions
        if fractions is not None:
            _check(lambda: FissionFractions.from_mapping(fractions), "fission_fractions")
        return self

    @property
    def pulse_sigma(self) -> float:
        """Proton-pulse width (hepunits time)."""
        return (150.0 if self.pulse_sigma_ns is None else self.pulse_sigma_ns) * ns

    @property
    def pulse_centre(self) -> float:
        """Proton-pulse centre on the time axis (hepunits time)."""
        return (0.0 if self.pulse_centre_ns is None else self.pulse_centre_ns) * ns

    @property
    def join(self) -> dict[str, float]:
        """Keyword arguments of the reactor low-energy join (hepunits)."""
        return {"join_energy": (2.5 if self.join_energy_mev is None else self.join_energy_mev) * MeV,
                "join_width": (0.2 if self.join_width_mev is None else self.join_width_mev) * MeV}

    def flux(self) -> float:
        """Stopped pion: flux per flavour (hepunits 1/(area·time))."""
        return float(flux_per_flavour(need(self.beam_power_kw, "source.beam_power_kw") * kW,
                                      need(self.proton_energy_gev, "source.proton_energy_gev") * GeV,
                                      need(self.nu_per_proton_per_flavour,
                                           "source.nu_per_proton_per_flavour"),
                                      self.distance_m * m))


class ExposureBlock(StrictModel):
    """Source-on live time, or the protons on target (stopped pion) for the fluence."""

    live_days: float = Field(gt=0, le=1e5, description="source-on live time [days]")
    protons_on_target: float | None = Field(
        None, gt=0, description="protons on target; if given, fluence = POT x yield / 4 pi L^2")


class TargetBlock(StrictModel):
    """Detector material: a formula (natural isotopes) or one element with a composition."""

    formula: str = Field(min_length=1, description="chemical formula, e.g. 'CsI', 'NaI', 'Ar'")
    mass_kg: float = Field(gt=0, le=1e7, description="target mass [kg]")
    composition: dict[str, float] | None = Field(
        None, description="isotope atom fractions of a one-element formula, e.g. "
                          "{Ge76 = 0.88, Ge74 = 0.12} (enriched); default natural")

    @model_validator(mode="after")
    def _parse(self):
        self.nuclei_per_kg()
        return self

    def nuclei_per_kg(self) -> dict[Isotope, float]:
        """{Isotope: nuclei per kg} (hepunits-free counts)."""
        composition = self.composition
        if composition is not None:
            return _check(lambda: ElementTarget.from_fractions(self.formula, composition)
                          .nuclei(1 * kg), "target.composition")
        return _check(lambda: Compound(self.formula).nuclei(1 * kg), "target.formula")


class InteractionBlock(StrictModel):
    """CEvNS cross-section options, new physics, and the recoil grid."""

    form_factor: Literal["helm", "klein-nystrand", "symmetrized-fermi", "none"] = Field(
        description="nuclear form factor model")
    sin2_theta_w: Literal["low-energy", "z-pole"] | Annotated[float, Field(gt=0, lt=1)] = Field(
        description="'low-energy' (0.23857, PDG Q->0), 'z-pole' (0.23122) or a number in (0, 1)")
    radiative_corrections: bool = Field(False, description="radiative-corrected nucleon couplings")
    proton_radius_fm: dict[str, Annotated[float, Field(gt=1.0, lt=10.0)]] = Field(
        default_factory=dict, description="rms proton radius [fm] by element/isotope ('*' = all); "
                                          "default: the form factor's own radius")
    neutron_radius_fm: dict[str, Annotated[float, Field(gt=1.0, lt=10.0)]] = Field(
        default_factory=dict, description="rms neutron radius [fm] by element/isotope ('*' = all)")
    nsi_uv: dict[str, Annotated[float, Field(ge=-10, le=10)]] = Field(
        default_factory=dict, description="epsilon^{uV}_{aa} by flavour e, mu, tau")
    nsi_dv: dict[str, Annotated[float, Field(ge=-10, le=10)]] = Field(
        default_factory=dict, description="epsilon^{dV}_{aa} by flavour e, mu, tau")
    magnetic_moment_mub: float = Field(0.0, ge=0, le=1e-6,
                                       description="neutrino magnetic moment [Bohr magnetons]")
    mediator_mass_mev: float = Field(1000.0, gt=0, le=1e6, description="Z' mass [MeV]")
    mediator_coupling: float = Field(0.0, ge=0, le=1.0, description="universal Z' coupling g'")
    electron_scattering: bool = Field(False, description="add nu-e elastic scattering as a "
                                                         "background component")
    recoil_max_kev: float = Field(gt=0, le=1000, description="upper end of the recoil grid [keV]")
    recoil_points: int = Field(ge=50, le=200_000, description="points of the recoil grid")

    @field_validator("nsi_uv", "nsi_dv")
    @classmethod
    def _flavours(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k in value if k not in _FLAVOURS]
        if bad:
            raise ValueError(f"unknown flavour(s) {bad}; use e, mu, tau")
        return value

    def physics(self) -> CevnsPhysics:
        """The :class:`~nuexp.interactions.cevns.CevnsPhysics` of this block."""
        return CevnsPhysics(
            form_factor=self.form_factor, sin2_theta_w=self.sin2_theta_w,
            radiative_corrections=self.radiative_corrections,
            proton_radius={k: v * fermi for k, v in self.proton_radius_fm.items()},
            neutron_radius={k: v * fermi for k, v in self.neutron_radius_fm.items()},
            nsi_uv=dict(self.nsi_uv), nsi_dv=dict(self.nsi_dv),
            magnetic_moment=self.magnetic_moment_mub, mediator_mass=self.mediator_mass_mev * MeV,
            mediator_coupling=self.mediator_coupling)

    def sin2_value(self) -> float:
        """sin²θ_W as a number."""
        s = self.sin2_theta_w
        return SIN2_THETA_W[s] if isinstance(s, str) else float(s)

    def grid(self) -> np.ndarray:
        """Recoil energies (hepunits), from 0."""
        return np.linspace(0.0, self.recoil_max_kev * keV, self.recoil_points)


class QuenchingBlock(StrictModel):
    """T_nr → E_ee: coherent-csi-2022, constant, lindhard, polynomial or tabulated."""

    model: Literal["coherent-csi-2022", "constant", "lindhard", "polynomial", "tabulated",
                   "none"] = Field(description="quenching model ('none': E_ee = T_nr)")
    factor: float | None = Field(None, gt=0, le=1, description="QF of 'constant'")
    k: float | None = Field(None, gt=0, le=1, description="Lindhard k of 'lindhard'")
    z: float | None = Field(None, gt=0, le=120, description="Z of the medium for 'lindhard'")
    coefficients: list[float] | None = Field(
        None, description="'polynomial': E_ee = sum c_i T^(i+1), T and E_ee in MeV")
    recoil_kev: list[float] | None = Field(None, description="'tabulated': recoil energies [keV]")
    factors: list[float] | None = Field(None, description="'tabulated': QF at recoil_kev")

    @model_validator(mode="after")
    def _build(self):
        needs = {"constant": ("factor",), "lindhard": ("k", "z"), "polynomial": ("coefficients",),
                 "tabulated": ("recoil_kev", "factors")}.get(self.model, ())
        given = {f for f in ("factor", "k", "z", "coefficients", "recoil_kev", "factors")
                 if getattr(self, f) is not None}
        if set(needs) != given:
            raise ValueError(f"quenching model {self.model!r} needs exactly {list(needs) or 'no'} "
                             f"parameters; got {sorted(given)}")
        _check(self.build, "quenching")
        return self

    def build(self) -> Quenching:
        """The quenching model."""
        if self.model == "coherent-csi-2022":
            return COHERENT_CSI_2022
        if self.model == "constant":
            return ConstantQuenching(need(self.factor, "quenching.factor"))
        if self.model == "none":
            return ConstantQuenching(1.0)
        if self.model == "lindhard":
            return LindhardQuenching(need(self.k, "quenching.k"), need(self.z, "quenching.z"))
        if self.model == "polynomial":
            return PolynomialQuenching(tuple(need(self.coefficients, "quenching.coefficients")),
                                       name="polynomial")
        return TabulatedQuenching(tuple(t * keV for t in need(self.recoil_kev, "quenching.recoil_kev")),
                                  tuple(need(self.factors, "quenching.factors")))


class ResolutionBlock(StrictModel):
    """Gaussian resolution of the 'energy' observable: σ² = σ0² + b E_ee."""

    sigma0_kev: float = Field(ge=0, le=100, description="constant term [keVee]")
    stochastic_kev: float = Field(0.0, ge=0, le=100,
                                  description="b in sigma^2 = sigma0^2 + b E_ee [keVee]")


class CoincidenceBlock(StrictModel):
    """Two-PMT coincidence of the 'pe' observable (binomial light split)."""

    split: float = Field(0.5, gt=0, lt=1, description="probability a PE lands in PMT A")
    min_pe_each: int = Field(1, ge=0, le=50, description="PE required in each PMT")


class XenonBlock(StrictModel):
    """Liquid-xenon S2 response (NEST v2 charge yield) of the 'xenon-s2' observable."""

    drift_field_v_per_cm: float = Field(ge=10, le=5000, description="drift field [V/cm]")
    extraction_efficiency: float = Field(gt=0, le=1, description="electron extraction probability")
    single_electron_gain_pe: float = Field(gt=0, le=1000, description="S2 PE per extracted electron")
    single_electron_width: float = Field(0.25, ge=0, le=2,
                                         description="relative width of the single-electron S2")

    def build(self) -> XenonS2Response:
        """The NEST v2 S2 response of this block."""
        return XenonS2Response(self.drift_field_v_per_cm, self.extraction_efficiency,
                               self.single_electron_gain_pe, self.single_electron_width)


class BinsBlock(StrictModel):
    """Analysis bins of the observable: explicit ``edges`` or ``low``/``high``/``width``."""

    edges: list[float] | None = Field(None, description="increasing bin edges (observable units)")
    low: float | None = Field(None, ge=0, description="first edge")
    high: float | None = Field(None, description="last edge")
    width: float | None = Field(None, gt=0, description="bin width")

    @model_validator(mode="after")
    def _one_way(self):
        uniform = (self.low, self.high, self.width)
        if (self.edges is None) == all(v is None for v in uniform):
            raise ValueError("give either edges or low, high and width")
        if self.edges is None and any(v is None for v in uniform):
            raise ValueError("low, high and width are needed together")
        e = self.values()
        if e.size < 2 or np.any(np.diff(e) <= 0) or e[0] < 0:
            raise ValueError(f"bin edges must be >= 0, strictly increasing, >= 2; got {e}")
        return self

    def values(self) -> np.ndarray:
        """The edges (observable units)."""
        if self.edges is not None:
            return np.asarray(self.edges, dtype=float)
        low, high = need(self.low, "bins.low"), need(self.high, "bins.high")
        width = need(self.width, "bins.width")
        n = round((high - low) / width)
        if n < 1 or not np.isclose(low + n * width, high):
            raise ValueError(f"(high - low) / width must be a whole number; got "
                             f"({high} - {low}) / {width}")
        return low + width * np.arange(n + 1)


class ResponseBlock(StrictModel):
    """Detector response: quenching, yield, statistics, resolution and analysis bins.

    Observables: ``pe`` (photoelectrons: μ = yield × E_ee, Poisson), ``electrons``
    (ionisation: μ = E_ee / W or yield × E_ee, Poisson), ``energy`` (E_ee in keVee with
    Gaussian resolution), ``recoil`` (T_nr in keVnr, exact), ``xenon-s2`` (S2 PE from the
    NEST v2 charge yield; Poisson electrons or the mean yield).
    """

    observable: Literal["pe", "electrons", "energy", "recoil", "xenon-s2"] = Field(
        description="what the detector measures")
    quenching: QuenchingBlock = Field(default_factory=lambda: QuenchingBlock(model="none"),
                                      description="nuclear-recoil quenching")
    quenching_variants: dict[str, QuenchingBlock] = Field(
        default_factory=dict, description="alternative quenching models ('plus', 'minus' = "
                                          "+-1 sigma) for the quenching nuisance")
    yield_per_kevee: float | None = Field(None, gt=0, le=1e4,
                                          description="PE or electrons per keVee ('pe', "
                                                      "'electrons')")
    w_value_ev: float | None = Field(None, gt=1, le=1000,
                                     description="'electrons': energy per electron [eV]")
    statistics: Literal["poisson", "mean"] = Field(
        "poisson", description="'poisson' quanta, or 'mean' (the mean yield, no fluctuation)")
    resolution: ResolutionBlock | None = Field(None, description="'energy' only")
    coincidence: CoincidenceBlock | None = Field(None, description="'pe' only")
    xenon: XenonBlock | None = Field(None, description="'xenon-s2' only")
    bins: BinsBlock = Field(description="analysis bins of the observable")

    @model_validator(mode="after")
    def _consistent(self):
        o = self.observable
        if o == "pe" and self.yield_per_kevee is None:
            raise ValueError("observable 'pe' needs yield_per_kevee (PE per keVee)")
        if o == "electrons" and (self.yield_per_kevee is None) == (self.w_value_ev is None):
            raise ValueError("observable 'electrons' needs exactly one of yield_per_kevee, "
                             "w_value_ev")
        if o not in ("pe", "electrons") and (self.yield_per_kevee or self.w_value_ev):
            raise ValueError(f"yield_per_kevee / w_value_ev are not used by observable {o!r}")
        if (o == "energy") != (self.resolution is not None):
            raise ValueError("resolution is needed by, and only by, observable 'energy'")
        if self.coincidence is not None and o != "pe":
            raise ValueError("coincidence applies to observable 'pe' only")
        if (o == "xenon-s2") != (self.xenon is not None):
            raise ValueError("[response.xenon] is needed by, and only by, observable 'xenon-s2'")
        if o in ("energy", "recoil") and self.statistics != "poisson":
            raise ValueError(f"statistics does not apply to observable {o!r}; leave it out")
        if o == "recoil" and self.quenching.model != "none":
            raise ValueError("observable 'recoil' takes no quenching")
        return self

    def quanta_per_energy(self) -> float:
        """Mean quanta per unit E_ee (hepunits 1/energy) for 'pe'/'electrons'."""
        if self.w_value_ev is not None:
            return 1.0 / (self.w_value_ev * 1e-3 * keV)
        return need(self.yield_per_kevee, "response.yield_per_kevee") / keV


class EfficiencyBlock(StrictModel):
    """Efficiency vs the observable: a curve × constant factors × interval multipliers."""

    curve: Literal["none", "sigmoid", "tabulated"] = Field("none", description="curve type")
    a: float | None = Field(None, gt=0, le=1, description="sigmoid plateau")
    k: float | None = Field(None, gt=0, description="sigmoid slope per observable unit")
    x0: float | None = Field(None, description="sigmoid midpoint (observable units)")
    points: list[float] | None = Field(None, description="tabulated observable values")
    values: list[float] | None = Field(None, description="tabulated efficiencies in [0, 1]")
    factors: dict[str, Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=dict, description="constant efficiencies by name, each in (0, 1]")
    intervals: list[tuple[float, float, Annotated[float, Field(ge=0, le=1)]]] = Field(
        default_factory=list, description="[low, high, factor]: multiply low <= x < high")

    @model_validator(mode="after")
    def _curve(self):
        sig = (self.a, self.k, self.x0)
        tab = (self.points, self.values)
        if self.curve == "sigmoid" and (any(v is None for v in sig) or any(v is not None for v in tab)):
            raise ValueError("curve 'sigmoid' needs a, k, x0 (and no points/values)")
        if self.curve == "tabulated" and (any(v is None for v in tab) or any(v is not None for v in sig)):
            raise ValueError("curve 'tabulated' needs points and values (and no a, k, x0)")
        if self.curve == "none" and any(v is not None for v in (*sig, *tab)):
            raise ValueError("curve 'none' takes no curve parameters")
        for low, high, _ in self.intervals:
            if not low < high:
                raise ValueError(f"efficiency interval [{low}, {high}): need low < high")
        return self

    def sigmoid(self) -> tuple[float, float, float]:
        """(a, k, x0) of the 'sigmoid' curve."""
        return (need(self.a, "efficiency.a"), need(self.k, "efficiency.k"),
                need(self.x0, "efficiency.x0"))

    def table(self) -> tuple[list[float], list[float]]:
        """(points, values) of the 'tabulated' curve."""
        return need(self.points, "efficiency.points"), need(self.values, "efficiency.values")


class TimingBlock(StrictModel):
    """Time bins after the proton pulse (stopped-pion sources)."""

    edges_us: list[float] = Field(description="increasing time-bin edges [us] on the time axis "
                                              "(the pulse is centred at source.pulse_centre_ns)")
    steady_window_us: float | None = Field(
        None, gt=0, description="time over which steady-state backgrounds are spread [us] "
                                "(default: the span of edges_us)")

    @field_validator("edges_us")
    @classmethod
    def _edges(cls, value: list[float]) -> list[float]:
        e = np.asarray(value, dtype=float)
        if e.size < 2 or np.any(np.diff(e) <= 0) or not np.all(np.isfinite(e)):
            raise ValueError(f"edges_us must be >= 2 finite, strictly increasing values; got {value}")
        return value

    def edges(self) -> np.ndarray:
        """Edges (hepunits time)."""
        return np.asarray(self.edges_us, dtype=float) * microsecond


class BackgroundComponent(StrictModel):
    """A background: events in the analysis region (all bins) at a reference exposure."""

    label: str = Field("", description="readable name")
    events: float = Field(ge=0, allow_inf_nan=False,
                          description="expected events in all analysis bins at reference_kg_day")
    reference_kg_day: float | None = Field(
        None, gt=0, description="exposure [kg day] of 'events'; default: the configured one "
                                "(events then do not scale)")
    shape: Literal["flat", "exponential", "tabulated"] = Field(
        "flat", description="shape in the observable")
    decay: float | None = Field(None, gt=0, description="'exponential' e-folding (observable units)")
    points: list[float] | None = Field(None, description="'tabulated' observable values")
    values: list[float] | None = Field(None, description="'tabulated' relative density (>= 0)")
    time: Literal["steady", "prompt", "delayed"] = Field(
        "steady", description="time shape: flat, like the prompt numu, like the delayed nue")
    norm_uncertainty: float = Field(0.0, ge=0, le=10,
                                    description="relative 1 sigma normalisation uncertainty")

    @model_validator(mode="after")
    def _shape(self):
        if (self.shape == "exponential") != (self.decay is not None):
            raise ValueError("decay is needed by, and only by, shape 'exponential'")
        if (self.shape == "tabulated") != (self.points is not None and self.values is not None):
            raise ValueError("points and values are needed by, and only by, shape 'tabulated'")
        if self.values is not None and (min(self.values) < 0
                                        or len(self.values) != len(self.points or ())):
            raise ValueError("tabulated background: one value >= 0 per point")
        return self


class StatisticsBlock(StrictModel):
    """Systematic uncertainties (relative, 1σ) and significance targets."""

    flux_uncertainty: float = Field(0.10, ge=0, le=1, description="flux normalisation")
    efficiency_uncertainty: float = Field(0.0, ge=0, le=1, description="efficiency normalisation")
    quenching_uncertainty: float = Field(
        0.0, ge=0, le=1, description="relative 1 sigma of a common scale of the quenching factor "
                                     "(used when no quenching_variants are given)")
    neutron_radius_uncertainty_fm: float = Field(
        0.0, ge=0, le=2, description="prior on the common neutron rms radius [fm] (0: fixed)")
    target_sigma: float = Field(5.0, gt=0, le=100, description="significance of 'exposure_for'")
    map_mass_kg: tuple[float, float] | None = Field(None, description="significance-map mass range")
    map_time_days: tuple[float, float] | None = Field(None, description="map live-time range")
    map_points: int = Field(60, ge=5, le=400, description="points per map axis")
    conventions_table: bool = Field(True, description="table over form factor x sin2 conventions")

    @field_validator("map_mass_kg", "map_time_days")
    @classmethod
    def _range(cls, value):
        if value is not None and not 0 < value[0] < value[1]:
            raise ValueError(f"range must satisfy 0 < low < high; got {value}")
        return value


class ReachBlock(StrictModel):
    """Physics reach: profile-likelihood precision and allowed regions on Asimov data."""

    weak_coupling: bool = Field(False, description="relative 1 sigma on sin2(theta_W)")
    neutron_radius: bool = Field(False, description="relative 1 sigma on the common R_n")
    nsi_ee_uv: bool = Field(False, description="90% CL interval on eps^{uV}_ee")
    nsi_plane: bool = Field(False, description="90% CL region in (eps^{uV}_ee, eps^{dV}_ee)")
    magnetic_moment: bool = Field(False, description="90% CL upper limit on the neutrino "
                                                     "magnetic moment")
    mediator_masses_mev: list[Annotated[float, Field(gt=0, le=1e5)]] = Field(
        default_factory=list, description="Z' masses [MeV] for 90% CL limits on its coupling")
    nsi_range: tuple[float, float] = Field((-1.0, 1.0), description="NSI scan range")
    nsi_points: int = Field(100, ge=10, le=1000, description="NSI scan points per axis")
    exposure_scales: list[Annotated[float, Field(gt=0, le=1e4)]] = Field(
        default_factory=list, description="exposure multiples for the precision-vs-exposure plot")


class CevnsConfig(ExperimentConfig):
    """A CEvNS experiment: any detector at a stopped-pion source or a reactor."""

    source: SourceBlock = Field(description="neutrino source")
    exposure: ExposureBlock = Field(description="live time / protons on target")
    target: TargetBlock = Field(description="detector material and mass")
    interaction: InteractionBlock = Field(description="cross-section options")
    response: ResponseBlock = Field(description="detector response and analysis bins")
    efficiency: EfficiencyBlock = Field(default_factory=EfficiencyBlock,
                                        description="efficiency vs observable")
    timing: TimingBlock | None = Field(None, description="time bins (stopped-pion only)")
    backgrounds: dict[str, BackgroundComponent] = Field(default_factory=dict,
                                                        description="background components")
    statistics: StatisticsBlock = Field(default_factory=StatisticsBlock,
                                        description="systematics and significance")
    reach: ReachBlock = Field(default_factory=ReachBlock, description="physics-reach goals")

    @model_validator(mode="after")
    def _consistent(self):
        if self.timing is not None and self.source.kind != "stopped-pion":
            raise ValueError("timing: time bins need a stopped-pion source")
        if self.exposure.protons_on_target is not None and self.source.kind != "stopped-pion":
            raise ValueError("exposure.protons_on_target: only for a stopped-pion source")
        if self.interaction.electron_scattering and self.response.observable in ("recoil",
                                                                                  "xenon-s2"):
            raise ValueError("interaction.electron_scattering needs an electron-equivalent "
                             "observable (pe, electrons, energy)")
        for name, b in self.backgrounds.items():
            if b.time != "steady" and self.timing is None:
                raise ValueError(f"backgrounds.{name}.time = {b.time!r} needs [timing]")
        return self

    @property
    def mass(self) -> float:
        """Target mass (hepunits)."""
        return self.target.mass_kg * kg

    @property
    def kg_day(self) -> float:
        """Exposure in kg·day."""
        return self.target.mass_kg * self.exposure.live_days


