"""JUNO: precision on Δm²31, Δm²21, sin²θ12, sin²θ13 and mass-ordering sensitivity.

Source: the talk (seed 004; JUNO pages), which quotes JUNO, Chin. Phys. C 46, 123001 (2022)
for the precision table and arXiv:2405.18008 for the mass-ordering table. The model is
:class:`nuexp.experiments.juno.model.JunoModel`; the statistics are
:class:`nuexp.stats.likelihood.ProfiledChi2` (linear nuisances profiled exactly),
:func:`nuexp.stats.fit.asimov_covariance` (precision table) and
:func:`nuexp.stats.fit.fit` / :func:`nuexp.stats.scan.profile_scan` (iminuit; mass ordering
and profile scans).

Systematics (all configurable in ``juno.toml``): reactor correlated normalisation,
per-core uncorrelated normalisation, bin-to-bin reactor shape uncertainty (TAO-like),
detection efficiency, energy non-linearity pull curves, optional resolution scale,
background rates (pulls) and shapes (bin-to-bin), matter density.

Exposures are years (or days) of data with all configured cores at their nominal thermal
power times ``reactor.duty_cycle``.
"""

from __future__ import annotations

import time

import numpy as np
from hepunits import GW, MeV, kg, km
from pydantic import Field, field_validator, model_validator

from ...config import ExperimentConfig, StrictModel
from ...detector.nonlinearity import NonLinearity, PullCurve
from ...detector.resolution import Resolution
from ...exceptions import FitDidNotConverge, InvalidConfiguration
from ...interactions import ibd
from ...oscillation import OscillationParameters
from ...sources.reactor import JUNO_CORES, FissionFractions, ReactorCore, TabulatedSpectrum
from ...stats.fit import asimov_covariance, fit
from ...stats.likelihood import ProfiledChi2
from ...stats.nuisances import Parameter, ParameterSet
from ...stats.scan import ordering_delta_chi2, profile_scan
from ..analysis import Family
from ..context import RunContext
from .model import DAY, OSC_NAMES, OSC_UNITS, Background, JunoModel

__all__ = ["FAMILY", "Config", "analyse", "build_model", "JunoAnalysis"]

_TALK = "talk (seed 004), JUNO precision table = Chin. Phys. C 46 (2022) 123001"
_NMO = "talk (seed 004), JUNO NMO table = arXiv:2405.18008"


# ------------------------------------------------------------------------- configuration
class OscillationBlock(StrictModel):
    """Oscillation parameters of the Asimov truth (``[oscillation]``)."""

    preset: str = "juno-talk"
    matter: bool = True
    matter_density_g_cm3: float = Field(2.45, gt=0)
    matter_density_uncertainty: float = Field(0.06, ge=0, description="relative 1σ; 0 fixes it")


class ReactorBlock(StrictModel):
    """Reactor cores, powers, fission fractions and flux uncertainties (``[reactor]``)."""

    cores: list[str] = Field(default_factory=lambda: ["TS-C1", "TS-C2", "YJ-C1", "YJ-C2",
                                                      "YJ-C3", "YJ-C4", "YJ-C5", "YJ-C6"])
    power_gw: dict[str, float] = Field(default_factory=dict,
                                       description="override thermal power (GW_th) by core")
    fission_fractions: dict[str, float] = Field(
        default_factory=lambda: {"U235": 0.564, "U238": 0.076, "Pu239": 0.304, "Pu241": 0.056})
    duty_cycle: float = Field(1.0, gt=0, le=1)
    spectrum_table: str | None = Field(
        None, description="CSV (E_MeV, per_fission_per_MeV) of a measured spectrum per "
                          "fission, e.g. the Daya Bay unfolded one, instead of Huber-Mueller")
    correlated_uncertainty: float = Field(0.02, gt=0)
    uncorrelated_uncertainty: float = Field(0.008, gt=0)
    shape_uncertainty: float = Field(0.01, ge=0)
    shape_uncertainty_bin_width_kev: float = Field(20.0, gt=0)

    @field_validator("cores")
    @classmethod
    def _known_cores(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if c not in JUNO_CORES]
        if bad or not v:
            raise ValueError(f"unknown or empty core list {bad or v}; known: {', '.join(JUNO_CORES)}")
        return v

    @field_validator("power_gw")
    @classmethod
    def _powers(cls, v: dict[str, float]) -> dict[str, float]:
        for name, p in v.items():
            if name not in JUNO_CORES:
                raise ValueError(f"power_gw: unknown core {name!r}")
            if not p > 0:
                raise ValueError(f"power_gw.{name} = {p}: thermal power must be > 0")
        return v


class PullCurveBlock(StrictModel):
    """One non-linearity pull curve: relative change ``delta`` at ``nodes_mev``."""

    name: str
    nodes_mev: list[float]
    delta: list[float]


class NonLinearityBlock(StrictModel):
    """Liquid-scintillator energy non-linearity (``[detector.nonlinearity]``)."""

    kind: str = "identity"
    nodes_mev: list[float] = Field(default_factory=list)
    values: list[float] = Field(default_factory=list)
    parameters: list[float] = Field(default_factory=list)
    pull_curves: list[PullCurveBlock] = Field(default_factory=list)


class ResolutionBlock(StrictModel):
    """Energy resolution σ/E = √((a/√E)² + b² + (c/E)²), E in MeV ([detector.resolution])."""

    a: float = Field(0.0261, ge=0)
    b: float = Field(0.0064, ge=0)
    c: float = Field(0.0120, ge=0)
    uncertainty: float = Field(0.0, ge=0, description="relative 1σ on all terms; 0 = off")


class DetectorBlock(StrictModel):
    """Target, IBD selection efficiency, cross section and response (``[detector]``)."""

    target_mass_kt: float = Field(20.0, gt=0)
    formula: str = "C18H30"
    efficiency: float = Field(0.822, gt=0, le=1)
    efficiency_uncertainty: float = Field(0.01, gt=0)
    cross_section: str = "vogel-beacom"
    resolution: ResolutionBlock = ResolutionBlock()
    nonlinearity: NonLinearityBlock = NonLinearityBlock()


class BinningBlock(StrictModel):
    """Prompt-energy binning and the fine neutrino-energy grid (``[binning]``)."""

    e_min_mev: float = Field(0.8, gt=0)
    e_max_mev: float = Field(9.0, gt=0)
    bin_width_kev: float = Field(20.0, gt=0)
    n_fine: int = Field(1600, ge=200)
    e_nu_max_mev: float = Field(10.0, gt=2.0)

    @model_validator(mode="after")
    def _order(self):
        if self.e_max_mev <= self.e_min_mev:
            raise ValueError(f"e_max_mev = {self.e_max_mev} must exceed e_min_mev = {self.e_min_mev}")
        return self


class BackgroundBlock(StrictModel):
    """One background (``[[backgrounds]]``): rate, rate and shape uncertainties."""

    name: str
    rate_per_day: float = Field(ge=0)
    rate_uncertainty: float = Field(gt=0)
    shape_uncertainty: float = Field(0.0, ge=0)


class SensitivityBlock(StrictModel):
    """Exposures, priors and scans of the precision and mass-ordering studies."""

    precision_exposures_days: dict[str, float] = Field(
        default_factory=lambda: {"100d": 100.0, "6y": 6 * 365.25, "20y": 20 * 365.25})
    nmo_exposures_years: list[float] = Field(default_factory=lambda: [2.0, 4.0, 6.0, 8.0, 10.0])
    nmo_reference_years: float = Field(6.0, gt=0)
    nmo_target_delta_chi2: float = Field(9.0, gt=0)
    days_per_year: float = Field(365.25, gt=0)
    external_priors: dict[str, list[float]] = Field(
        default_factory=dict, description="name -> [central, sigma] in fit units")
    profile_scan: list[str] = Field(default_factory=lambda: ["dm2_31"])
    profile_scan_points: int = Field(7, ge=0)
    profile_scan_exposure: str = "6y"
    systematics: bool = True
    reverse_ordering: bool = True

    @field_validator("precision_exposures_days")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        for k, d in v.items():
            if not d > 0:
                raise ValueError(f"precision_exposures_days.{k} = {d}: exposure must be > 0 days")
        return v

    @field_validator("nmo_exposures_years")
    @classmethod
    def _positive_years(cls, v: list[float]) -> list[float]:
        if len(v) < 2 or any(not y > 0 for y in v):
            raise ValueError(f"nmo_exposures_years = {v}: need >= 2 exposures, each > 0 years")
        return sorted(v)


class Config(ExperimentConfig):
    """Preset ``juno``: JUNO reactor antineutrinos at 52.5 km (Asimov sensitivity)."""

    oscillation: OscillationBlock = OscillationBlock()
    reactor: ReactorBlock = ReactorBlock()
    detector: DetectorBlock = DetectorBlock()
    binning: BinningBlock = BinningBlock()
    backgrounds: list[BackgroundBlock] = Field(default_factory=list)
    sensitivity: SensitivityBlock = SensitivityBlock()


# ------------------------------------------------------------------------- model & likelihood
def build_model(cfg: Config) -> JunoModel:
    """The :class:`JunoModel` described by a configuration."""
    fr = FissionFractions.from_mapping(cfg.reactor.fission_fractions)
    table = (TabulatedSpectrum.from_csv(cfg.reactor.spectrum_table)
             if cfg.reactor.spectrum_table else None)
    cores = [ReactorCore(n, cfg.reactor.power_gw.get(n, JUNO_CORES[n][0]) * GW,
                         JUNO_CORES[n][1] * km, fr, table) for n in cfg.reactor.cores]
    b = cfg.binning
    width = b.bin_width_kev * 1e-3
    n_bins = int(round((b.e_max_mev - b.e_min_mev) / width))
    edges = np.linspace(b.e_min_mev, b.e_min_mev + n_bins * width, n_bins + 1) * MeV
    r = cfg.detector.resolution
    nlb = cfg.detector.nonlinearity
    nl = NonLinearity(kind=nlb.kind, nodes_mev=tuple(nlb.nodes_mev), values=tuple(nlb.values),
                      parameters=tuple(nlb.parameters),
                      pull_curves=tuple(PullCurve(p.name, tuple(p.nodes_mev), tuple(p.delta))
                                        for p in nlb.pull_curves))
    protons = ibd.free_protons(cfg.detector.target_mass_kt * 1e6 * kg, formula=cfg.detector.formula)
    bkgs = [Background(x.name, x.rate_per_day, x.rate_uncertainty, x.shape_uncertainty)
            for x in cfg.backgrounds]
    return JunoModel(cores=cores, edges=edges, resolution=Resolution(r.a, r.b, r.c),
                     nonlinearity=nl, backgrounds=bkgs, free_protons=protons,
                     efficiency=cfg.detector.efficiency,
                     cross_section_model=cfg.detector.cross_section,
                     matter_density=cfg.oscillation.matter_density_g_cm3 if cfg.oscillation.matter else None,
                     n_fine=b.n_fine, e_nu_max=b.e_nu_max_mev * MeV)


class JunoAnalysis:
    """Likelihoods of the JUNO model for a given exposure.

    Parameters
    ----------
    cfg : Config
    model : JunoModel, optional
        Re-use an existing model (its caches).
    systematics : bool, optional
        Override ``cfg.sensitivity.systematics`` (False: statistics only, everything
        but the oscillation parameters fixed and no shape uncertainties).
    truth : OscillationParameters, optional
        True oscillation parameters (default: the configured preset).
    """

    def __init__(self, cfg: Config, model: JunoModel | None = None,
                 systematics: bool | None = None,
                 truth: OscillationParameters | None = None) -> None:
        self.cfg = cfg
        self.model = model or build_model(cfg)
        self.systematics = cfg.sensitivity.systematics if systematics is None else systematics
        self.base = truth if truth is not None else OscillationParameters.preset(cfg.oscillation.preset)
        self.truth = {k: getattr(self.base, k) / OSC_UNITS[k] for k in OSC_NAMES}
        self.parameters = self._parameters()
        m = self.model
        self.linear_names = (["reactor_correlated", "efficiency"]
                             + [f"core_{c}" for c in m.core_names]
                             + [f"bkg_{b}" for b in m.background_names])
        self.linear_sigmas = np.array(
            [cfg.reactor.correlated_uncertainty, cfg.detector.efficiency_uncertainty]
            + [cfg.reactor.uncorrelated_uncertainty] * len(m.core_names)
            + [b.rate_uncertainty for b in m.backgrounds])
        if not self.systematics:   # statistics only: pulls with negligible width
            self.linear_sigmas = np.full_like(self.linear_sigmas, 1e-9)
        width_kev = float(np.mean(np.diff(m.edges))) / MeV * 1e3
        self.shape_eps = (cfg.reactor.shape_uncertainty
                          * np.sqrt(cfg.reactor.shape_uncertainty_bin_width_kev / width_kev))
        self.bkg_shape = np.array([b.shape_uncertainty for b in m.backgrounds])

    def _parameters(self) -> ParameterSet:
        cfg = self.cfg
        steps = {"sin2_theta12": 0.002, "sin2_theta13": 0.001, "dm2_21": 0.02, "dm2_31": 0.005}
        pri = cfg.sensitivity.external_priors
        params = []
        for k in OSC_NAMES:
            prior = tuple(pri[k]) if k in pri else None
            limits = (0.0, 1.0) if k.startswith("sin2") else (None, None)
            params.append(Parameter(k, self.truth[k], step=steps[k], limits=limits, prior=prior))
        unknown = set(pri) - set(OSC_NAMES)
        if unknown:
            raise InvalidConfiguration(f"sensitivity.external_priors: unknown parameters {sorted(unknown)}; "
                                       f"allowed: {', '.join(OSC_NAMES)}")
        sys_on = self.systematics
        for name in self.model.nonlinearity.pull_names:
            params.append(Parameter(f"nl_{name}", 0.0, step=1.0, prior=(0.0, 1.0), fixed=not sys_on))
        rho = cfg.oscillation.matter_density_g_cm3
        rho_unc = cfg.oscillation.matter_density_uncertainty
        use_rho = cfg.oscillation.matter and rho_unc > 0 and sys_on
        params.append(Parameter("matter_density", rho, step=max(rho * rho_unc, 1e-3),
                                limits=(0.0, None),
                                prior=(rho, rho * rho_unc) if use_rho else None,
                                fixed=not use_rho))
        res_unc = cfg.detector.resolution.uncertainty
        use_res = res_unc > 0 and sys_on
        params.append(Parameter("resolution_scale", 1.0, step=max(res_unc, 1e-3), limits=(0.1, None),
                                prior=(1.0, res_unc) if use_res else None, fixed=not use_res))
        return ParameterSet(params)

    def predictor(self, exposure_days: float):
        """``predict(x) -> (μ0, D, var)`` for an exposure (days of data)."""
        if not exposure_days > 0:
            raise InvalidConfiguration(f"exposure = {exposure_days!r} days: must be > 0")
        m = self.model
        n_nl = len(m.nonlinearity.pull_curves)
        names = self.parameters.names
        i_rho, i_res = names.index("matter_density"), names.index("resolution_scale")
        sig_days = exposure_days * self.cfg.reactor.duty_cycle
        bkg = m.background_spectra() * exposure_days
        matter = self.cfg.oscillation.matter
        eps = self.shape_eps if self.systematics else 0.0
        bshape = self.bkg_shape if self.systematics else np.zeros_like(self.bkg_shape)
        bkg_var = np.sum((bshape[:, None] * bkg) ** 2, axis=0) if bkg.size else 0.0

        def predict(x: np.ndarray):
            osc = dict(zip(OSC_NAMES, x[:4]))
            params = m.oscillation_parameters(osc, self.base)
            S = m.core_spectra(params, x[i_rho] if matter else None, x[4:4 + n_nl],
                               x[i_res]) * sig_days
            total = S.sum(axis=0)
            mu0 = total + (bkg.sum(axis=0) if bkg.size else 0.0)
            D = np.column_stack([total, total, S.T, bkg.T]) if bkg.size else \
                np.column_stack([total, total, S.T])
            var = (eps * total) ** 2 + bkg_var
            return mu0, D, var

        return predict

    def likelihood(self, exposure_days: float, data: np.ndarray | None = None) -> ProfiledChi2:
        """χ² of Asimov data (truth) or of ``data`` for an exposure."""
        predict = self.predictor(exposure_days)
        if data is None:
            data = predict(self.parameters.values)[0]
        return ProfiledChi2(predict, data, self.parameters, self.linear_names,
                            self.linear_sigmas, variance="pearson")

    def precision(self, exposure_days: float) -> dict[str, float]:
        """Relative 1σ of the four oscillation parameters (Asimov, all nuisances profiled)."""
        lik = self.likelihood(exposure_days)
        names, cov = asimov_covariance(lik)
        return {k: float(np.sqrt(cov[names.index(k), names.index(k)]) / abs(self.truth[k]))
                for k in OSC_NAMES}

    def nmo(self, exposure_days: float, alternative_start: dict[str, float] | None = None):
        """Asimov Δχ² of the mass ordering (true: the preset's ordering; fit: the other).

        Without ``alternative_start``, a cheap 1-D χ² along Δm²31 of the other sign (others
        at truth, linear nuisances profiled) locates the two best candidate minima, and
        each is fitted freely (iminuit) within the other sign; with it (e.g. the best fit
        at a neighbouring exposure) only that start is fitted.
        """
        lik = self.likelihood(exposure_days)
        ps = lik.parameters
        x0 = ps.values
        i31 = ps.index("dm2_31")
        true31 = x0[i31]
        if alternative_start is None:
            grid = -np.sign(true31) * np.linspace(abs(true31) - 0.12, abs(true31) + 0.06, 61)
            vals = []
            for g in grid:
                x = x0.copy()
                x[i31] = g
                vals.append(lik(x))
            order = np.argsort(vals)
            seeds = [grid[order[0]]]
            for j in order[1:]:
                if abs(grid[j] - seeds[0]) > 0.01:
                    seeds.append(grid[j])
                    break
            starts = []
            for sd in seeds:
                x = x0.copy()
                x[i31] = sd
                starts.append(dict(zip(ps.names, x)))
        else:
            starts = [dict(alternative_start)]
        return ordering_delta_chi2(lik, "dm2_31", start=dict(zip(ps.names, x0)),
                                   alternative_starts=starts)


# ------------------------------------------------------------------------- analysis
def _far_rate(cfg: Config, model: JunoModel, params: OscillationParameters) -> float:
    """Selected IBD/day the DYB and HZ complexes would add (not in the configured cores)."""
    fr = FissionFractions.from_mapping(cfg.reactor.fission_fractions)
    far = [n for n in ("DYB", "HZ") if n not in cfg.reactor.cores]
    if not far:
        return 0.0
    cores = [ReactorCore(n, JUNO_CORES[n][0] * GW, JUNO_CORES[n][1] * km, fr) for n in far]
    from ...oscillation import reactor_survival

    E, w = model.e_nu, model.weights
    xs = ibd.cross_section(E, cfg.detector.cross_section)
    total = 0.0
    for c in cores:
        rate = c.flux(E, outside="extrapolate") * xs * reactor_survival(params, E, c.baseline)
        total += float(np.sum(rate * w)) * model.free_protons * model.efficiency * DAY
    return total * cfg.reactor.duty_cycle


def _precisions(full: JunoAnalysis, stat_only: JunoAnalysis,
                days: float) -> tuple[dict[str, float], dict[str, float]]:
    """Relative precisions with all systematics and statistics only (a ``ctx.map`` task)."""
    return full.precision(days), stat_only.precision(days)


def _profile(ana: JunoAnalysis, days: float, name: str, grid: np.ndarray):
    """Profile scan of one oscillation parameter on the Asimov data (a ``ctx.map`` task)."""
    return profile_scan(ana.likelihood(days), name, grid, reference=0.0, strategy=0)


def _q(ctx, name, value, unit, published=None, source=None, note=None, **kw):
    ctx.quantity(name, float(value), unit, published=published, source=source, note=note, **kw)


def analyse(config: Config, ctx: RunContext) -> None:
    """Run the JUNO sensitivity analysis and record the headline quantities.

    Legacy family: this step records the quantities, tables and figures itself, so
    the family has no separate report step (the CEvNS and reactor families split them).
    """
    cfg = config
    with ctx.timer("model"):
        model = build_model(cfg)
        ana = JunoAnalysis(cfg, model)
    res = model.resolution
    _q(ctx, "resolution_at_1mev", res.relative(1 * MeV), "", published=0.0295,
       source="talk (seed 004), calibration page",
       note="sqrt(a^2 + b^2 + c^2) with a, b, c = 2.61 %, 0.64 %, 1.20 % is 2.943 %; the talk rounds to 2.95 %")
    truth_params = ana.base
    rho = cfg.oscillation.matter_density_g_cm3 if cfg.oscillation.matter else None
    sig_rate = model.signal_rate_per_day(truth_params, rho) * cfg.reactor.duty_cycle
    total_gw = sum(c.thermal_power for c in model.cores) / GW
    _q(ctx, "ibd_rate_per_day", sig_rate, "1/day", published=47.1, source=_NMO,
       note=(f"{total_gw:.1f} GW_th over {len(model.cores)} cores, {cfg.detector.target_mass_kt} kt "
             f"{cfg.detector.formula} ({model.free_protons:.3e} free protons), "
             f"{cfg.detector.cross_section} IBD, efficiency {cfg.detector.efficiency}, oscillated; "
             f"the far Daya Bay (215 km) and Huizhou (265 km) complexes would add "
             f"{_far_rate(cfg, model, truth_params):.2f}/day (option reactor.cores)"))
    bkg_total = sum(b.rate_per_day for b in model.backgrounds)
    _q(ctx, "background_rate_per_day", bkg_total, "1/day", published=4.11, source=_NMO,
       note="sum of the configured background components (input, not a prediction)")

    # ---- precision table
    published = {
        "dm2_31": {"100d": 0.021 / 2.5283, "6y": 0.0047 / 2.5283, "20y": 0.0029 / 2.5283},
        "dm2_21": {"100d": 0.074 / 7.53, "6y": 0.024 / 7.53, "20y": 0.017 / 7.53},
        "sin2_theta12": {"100d": 0.0058 / 0.307, "6y": 0.0016 / 0.307, "20y": 0.0010 / 0.307},
        "sin2_theta13": {"100d": 0.010 / 0.0218, "6y": 0.0026 / 0.0218, "20y": 0.0016 / 0.0218},
    }
    stat_only = JunoAnalysis(cfg, model, systematics=False)
    rows = []
    with ctx.timer("precision_table"):
        exposures = list(cfg.sensitivity.precision_exposures_days.items())
        precisions = ctx.map(_precisions, [(ana, stat_only, days) for _, days in exposures],
                             unpack=True, label="precision table")
        for (label, days), (full, stat) in zip(exposures, precisions):
            for k in OSC_NAMES:
                pub = published[k].get(label)
                _q(ctx, f"precision_{k}_{label}", full[k], "", published=pub, source=_TALK,
                   note=(f"Asimov, all nuisances profiled (inverse Fisher); statistics only: "
                         f"{stat[k]:.4g}"))
                rows.append({"parameter": k, "exposure": label, "days": days,
                             "relative_precision": full[k], "stat_only": stat[k],
                             "published": pub if pub is not None else ""})
    ctx.table("precision", rows)

    # ---- mass ordering vs exposure
    dpy = cfg.sensitivity.days_per_year
    years = list(cfg.sensitivity.nmo_exposures_years)
    ref = cfg.sensitivity.nmo_reference_years
    if ref not in years:
        years = sorted([*years, ref])
    nmo_rows, dchi2 = [], []
    alt_start = None
    best_ref = None
    with ctx.timer("mass_ordering"):
        # sequential on purpose: each exposure starts from the previous alternative fit
        for y in ctx.progress(years, "mass ordering"):
            t0 = time.perf_counter()
            r = ana.nmo(y * dpy, alternative_start=alt_start)
            dchi2.append(r.delta_chi2)
            if y == ref:
                best_ref = r
            nmo_rows.append({"years": y, "delta_chi2": r.delta_chi2,
                             "alt_dm2_31_1e-3eV2": r.fit_alternative.values["dm2_31"],
                             "nfcn": r.nfcn, "seconds": time.perf_counter() - t0})
            alt_start = r.fit_alternative.values
    ctx.table("nmo_vs_exposure", nmo_rows)
    dchi2 = np.array(dchi2)
    _q(ctx, "nmo_delta_chi2_6y", best_ref.delta_chi2, "", published=9.0, source=_NMO,
       note=(f"Asimov true NO, fit IO (Δm²31 free, all nuisances profiled) at {ref} yr x "
             f"{total_gw:.1f} GW_th; the published value is the 3σ median sensitivity (Δχ² ≈ 9)"))
    target = cfg.sensitivity.nmo_target_delta_chi2
    ys = np.array(years)
    if np.any(dchi2 >= target) and np.any(dchi2 < target):
        j = int(np.argmax(dchi2 >= target))
        if j > 0:
            y3 = float(np.interp(target, dchi2[j - 1:j + 1], ys[j - 1:j + 1]))
            how = f"linear interpolation of Δχ²(exposure) to Δχ² = {target}"
        else:   # already above at the smallest exposure: Δχ² ∝ exposure towards zero
            y3 = float(ys[0] * target / dchi2[0])
            how = "extrapolated proportionally below the smallest computed exposure"
        _q(ctx, "nmo_years_to_3sigma", y3, "yr", published=6.0, source=_NMO, note=how)
    elif np.all(dchi2 < target):
        # Δχ² grows ~linearly with exposure: extrapolate with the last two points
        slope = (dchi2[-1] - dchi2[-2]) / (ys[-1] - ys[-2])
        if slope > 0:
            y3 = float(ys[-1] + (target - dchi2[-1]) / slope)
            _q(ctx, "nmo_years_to_3sigma", y3, "yr", published=6.0, source=_NMO,
               note="extrapolated linearly beyond the largest computed exposure")
    ctx.spectrum("nmo_delta_chi2", {"years": ys, "delta_chi2": dchi2})

    # ---- the reverse: true inverted ordering, fit normal (|Δm²32(IO)| = Δm²31(NO))
    if cfg.sensitivity.reverse_ordering:
        with ctx.timer("mass_ordering_reverse"):
            b = ana.base
            mirrored = b.replace(dm2_31=-(b.dm2_31 - b.dm2_21)) if b.dm2_31 > 0 else \
                b.replace(dm2_31=-b.dm2_31 + b.dm2_21)
            rev = JunoAnalysis(cfg, model, truth=mirrored)
            rr = rev.nmo(ref * dpy)
        true_name = "io" if mirrored.dm2_31 < 0 else "no"
        _q(ctx, f"nmo_delta_chi2_{ref:g}y_true_{true_name}", rr.delta_chi2, "",
           note=(f"reverse test: Asimov true {'IO' if true_name == 'io' else 'NO'} with "
                 f"Δm²31 = {mirrored.dm2_31:.5g} eV² (|Δm²32| of the other ordering mirrored), "
                 f"fit the other ordering, {ref:g} yr"))

    # ---- size of the matter effect: fit a vacuum model to the matter Asimov data
    if cfg.oscillation.matter:
        with ctx.timer("matter_effect"):
            days = ref * dpy
            vac_cfg = cfg.model_copy(update={"oscillation": cfg.oscillation.model_copy(
                update={"matter": False})})
            vac = JunoAnalysis(vac_cfg, model)
            data = ana.likelihood(days).data
            try:
                vfit = fit(vac.likelihood(days, data=data), hesse=False)
            except FitDidNotConverge as err:
                vfit = None
                ctx.results.timing_s["matter_effect_failed"] = 1.0
                del err
            if vfit is not None:
                for k in ("dm2_21", "sin2_theta12"):
                    shift = vfit.values[k] / ana.truth[k] - 1.0
                    _q(ctx, f"matter_effect_shift_{k}", shift, "",
                       note=(f"relative bias of {k} when matter is ignored (vacuum fit to the "
                             f"{ref:g} yr matter Asimov spectrum, density "
                             f"{cfg.oscillation.matter_density_g_cm3} g/cm3)"))

    # ---- profile scans
    scans, scan_sigma = {}, {}
    if cfg.sensitivity.profile_scan_points > 0 and cfg.sensitivity.profile_scan:
        days = cfg.sensitivity.precision_exposures_days.get(cfg.sensitivity.profile_scan_exposure)
        if days is None:
            raise InvalidConfiguration(
                f"sensitivity.profile_scan_exposure = {cfg.sensitivity.profile_scan_exposure!r}: "
                f"not one of {list(cfg.sensitivity.precision_exposures_days)}")
        names, cov = asimov_covariance(ana.likelihood(days))
        with ctx.timer("profile_scans"):
            tasks = []
            for p in cfg.sensitivity.profile_scan:
                if p not in OSC_NAMES:
                    raise InvalidConfiguration(f"sensitivity.profile_scan: {p!r} not in {OSC_NAMES}")
                s = float(np.sqrt(cov[names.index(p), names.index(p)]))
                scan_sigma[p] = s
                grid = ana.truth[p] + s * np.linspace(-2.5, 2.5, cfg.sensitivity.profile_scan_points)
                tasks.append((ana, days, p, grid))
            scans = dict(zip(cfg.sensitivity.profile_scan,
                             ctx.map(_profile, tasks, unpack=True, label="profile scans")))
    ctx.table("performance", [
        {"stage": "mass_ordering", "objective_calls": int(sum(r["nfcn"] for r in nmo_rows))},
        {"stage": "profile_scans", "objective_calls": int(sum(s.nfcn for s in scans.values()))},
    ])

    with ctx.timer("figures"):
        _figures(ctx, cfg, ana, best_ref, years, dchi2, scans, scan_sigma)


def _figures(ctx, cfg, ana, nmo_ref, years, dchi2, scans, precision_sigma) -> None:
    from ...report.plots import new_figure

    m = ana.model
    days = cfg.sensitivity.nmo_reference_years * cfg.sensitivity.days_per_year
    pred = ana.predictor(days)
    x_no = ana.parameters.values
    x_io = ana.parameters.from_dict(nmo_ref.fit_alternative.values)
    c = m.centres / MeV
    width = np.diff(m.edges) / MeV
    unosc = m.unoscillated() * days * cfg.reactor.duty_cycle
    no = pred(x_no)[0]
    _, eta_io, io = ana.likelihood(days).profile(x_io)
    fig, ax = new_figure(2, 1, figsize=(9, 9), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    ax[0].step(c, unosc / width, where="mid", label="no oscillation", color="grey")
    ax[0].step(c, no / width, where="mid", label="NO (truth)")
    ax[0].step(c, io / width, where="mid", label="IO best fit", ls="--")
    bk = m.background_spectra() * days
    if bk.size:
        ax[0].stackplot(c, bk / width, labels=[f"bkg: {b}" for b in m.background_names],
                        alpha=0.5, step="mid")
    ax[0].set_ylabel("events / MeV")
    ax[0].legend(fontsize=10, ncol=2)
    ax[0].set_title(f"JUNO, {cfg.sensitivity.nmo_reference_years:g} yr, L ≈ 52.5 km", fontsize=12)
    ax[1].step(c, (io - no) / np.sqrt(no), where="mid")
    ax[1].set_ylabel("(IO − NO)/√NO")
    ax[1].set_xlabel("reconstructed prompt energy [MeV]")
    ctx.figure(fig, "spectrum_no_io", caption="Asimov spectra; IO fitted to NO with all nuisances profiled.")

    fig, ax = new_figure()
    ax.plot(years, dchi2, "o-", label="nuexp (Asimov, reactors only)")
    ax.axhline(cfg.sensitivity.nmo_target_delta_chi2, color="r", ls=":", label="3σ (Δχ² = 9)")
    ax.set_xlabel(f"years × {sum(k.thermal_power for k in m.cores) / GW:.1f} GW_th")
    ax.set_ylabel("Δχ² (NMO)")
    ax.legend()
    ctx.figure(fig, "nmo_vs_exposure")

    if scans:
        fig, axes = new_figure(1, len(scans), squeeze=False)
        units = {"dm2_21": " [1e-5 eV²]", "dm2_31": " [1e-3 eV²]"}
        for a, (p, s) in zip(axes[0], scans.items()):
            a.plot(s.points, s.delta_chi2, "o", label="profile (iminuit)")
            sig = precision_sigma[p]
            xx = np.linspace(s.points.min(), s.points.max(), 200)
            a.plot(xx, ((xx - ana.truth[p]) / sig) ** 2, "-", label="Fisher parabola")
            a.axhline(1.0, color="r", ls=":")
            a.set_xlabel(p + units.get(p, ""))
            a.set_ylabel("Δχ² (profiled)")
            a.legend(fontsize=10)
            a.ticklabel_format(useOffset=False)
        ctx.figure(fig, "profile_scans", caption=f"Profile scans at {cfg.sensitivity.profile_scan_exposure}.")


FAMILY = Family(name="juno", config=Config, compute=analyse,
                description="JUNO reactor ν̄e at 52.5 km: oscillation precision and mass-ordering sensitivity")
