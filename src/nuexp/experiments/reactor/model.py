"""The reactor family's model and likelihood, built from a :class:`ReactorConfig`.

* :class:`ReactorExperiment`: one :class:`nuexp.rates.ibd.IbdRateModel` per detector
  (cores from :mod:`nuexp.sources.reactor`, IBD from :mod:`nuexp.interactions.ibd`,
  oscillation through :mod:`nuexp.oscillation`) plus the background spectra of each
  detector (:mod:`.backgrounds`).
* :class:`ReactorAnalysis`: the Asimov (or data) χ² of all detectors together for an
  exposure, as a :class:`nuexp.stats.likelihood.ProfiledChi2` — linear nuisances (reactor
  correlated, one per core shared by every detector, detector correlated, one per
  detector, one rate per background and detector, and the energy-scale pull curves,
  linearised) profiled exactly; oscillation parameters, matter density and resolution
  scale as non-linear parameters; the reactor shape and background shape uncertainties as
  bin-to-bin variances. A profiled linear nuisance with a Gaussian prior is algebraically
  the covariance-matrix treatment of the same group (Fogli et al., PRD 66, 053010 (2002),
  Sec. III), so "pulls or covariance" give the same χ².

**Energy scale.** Each pull curve k (1σ deformation δ_k(E) of the visible energy) enters
as μ(η) = μ(0) + Σ η_k ∂μ/∂η_k with ∂μ/∂η_k = (R(+1σ_k) − R(−1σ_k))/2 · (oscillated
rate): the response matrices at ±1σ are built once, so a fit never rebuilds one and the
pulls leave the minimiser. For deformations of a few 0.1 % the second-order term is
below 10⁻⁴ of the spectrum (JUNO: NMO Δχ² changed by < 0.3 % against the exact,
non-linear treatment).

The shape uncertainty of the reactor spectrum is uncorrelated from bin to bin and between
detectors (the single-detector case, e.g. JUNO with TAO as reference; a near/far pair
constrains the shape through its near detector and leaves it at 0).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
from hepunits import GW, MeV, kg, km, m
from scipy.optimize import brentq

from ...detector.nonlinearity import NonLinearity, PullCurve
from ...detector.resolution import Resolution
from ...exceptions import FitDidNotConverge, InvalidConfiguration
from ...oscillation import OscillationParameters
from ...rates.ibd import DAY, IbdRateModel
from ...sources.reactor import (
    FissionFractions,
    FluxModel,
    ReactorCore,
    SpectrumCorrection,
    TabulatedSpectrum,
)
from ...stats.contours import critical_delta_chi2
from ...stats.fit import FitResult, asimov_covariance, fit
from ...stats.likelihood import ProfiledChi2
from ...stats.nuisances import Parameter, ParameterSet
from ...targets.protons import free_protons
from .backgrounds import BACKGROUND_SHAPES
from .config import OSC_NAMES, BackgroundBlock, DetectorBlock, FluxBlock, ReactorConfig

__all__ = ["OSC_UNITS", "DetectorModel", "NmoResult", "ReactorAnalysis", "ReactorExperiment",
           "build_analysis", "flux_model", "load_reference", "shape_uncertainty_from_reference"]

#: Fit units: Δm²21 in 1e-5 eV², Δm²31 in 1e-3 eV², angles as sin².
OSC_UNITS = {"sin2_theta12": 1.0, "sin2_theta13": 1.0, "dm2_21": 1e-5, "dm2_31": 1e-3}
_STEPS = {"sin2_theta12": 0.002, "sin2_theta13": 0.001, "dm2_21": 0.02, "dm2_31": 0.005}


def _edges(b) -> np.ndarray:
    width = b.bin_width_kev * 1e-3
    n_bins = round((b.e_max_mev - b.e_min_mev) / width)
    return np.linspace(b.e_min_mev, b.e_min_mev + n_bins * width, n_bins + 1) * MeV


def flux_model(flux: FluxBlock) -> FluxModel:
    """The :class:`~nuexp.sources.reactor.FluxModel` of a ``[flux]`` block."""
    table = TabulatedSpectrum.from_csv(flux.table) if flux.table is not None else None
    return FluxModel(flux.model, flux.library, flux.gap_model, table)


def _cores_for(cfg: ReactorConfig, det: DetectorBlock) -> list[ReactorCore]:
    spectrum = flux_model(cfg.flux)
    cores = []
    for c in cfg.cores:
        if c.name in det.baselines_km:
            L = det.baselines_km[c.name] * km
        elif c.position_m is not None and det.position_m is not None:
            L = float(np.linalg.norm(np.subtract(c.position_m, det.position_m))) * m
        elif c.baseline_km is not None:
            L = c.baseline_km * km
        else:   # excluded by ReactorConfig's validation; kept for configs built in code
            raise InvalidConfiguration(f"no baseline from core {c.name!r} to detector "
                                       f"{det.name!r}")
        fr = FissionFractions.from_mapping(c.fission_fractions or cfg.flux.fission_fractions)
        corr = tuple(SpectrumCorrection(name, tuple(blk.nodes_mev), tuple(blk.relative))
                     for name, blk in (("spent_fuel", c.spent_fuel),
                                       ("non_equilibrium", c.non_equilibrium)) if blk)
        cores.append(ReactorCore(
            c.name, c.power_gw * GW, L, fr, spectrum, uptime=c.uptime,
            energy_per_fission=(c.energy_per_fission_mev * MeV
                                if c.energy_per_fission_mev else None),
            burnup=tuple((s.weight, FissionFractions.from_mapping(s.fission_fractions))
                         for s in c.burnup),
            corrections=corr))
    return cores


@dataclass
class DetectorModel:
    """One detector: its IBD model, configuration and background spectra per day."""

    name: str
    block: DetectorBlock
    ibd: IbdRateModel
    background_shapes: np.ndarray      # (n_backgrounds, n_bins), each summing to 1

    @property
    def background_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.block.backgrounds)

    def background_spectra(self) -> np.ndarray:
        """Binned background per component per calendar day (components × bins)."""
        rates = np.array([b.rate_per_day for b in self.block.backgrounds])
        return self.background_shapes * (rates * self.block.live_fraction)[:, None]


def _background_shape(b: BackgroundBlock, model: IbdRateModel) -> np.ndarray:
    e = model.centres / MeV
    widths = np.diff(model.edges) / MeV
    if b.shape_nodes_mev:
        x, y = np.asarray(b.shape_nodes_mev), np.asarray(b.shape_values)
        if x.size < 2 or x.shape != y.shape or np.any(np.diff(x) <= 0) or np.any(y < 0):
            raise InvalidConfiguration(
                f"background {b.name!r}: shape_nodes_mev must increase and match "
                "shape_values (>= 0), >= 2 nodes")
        s = np.interp(e, x, y, left=0.0, right=0.0) * widths
    else:
        kind = b.shape or b.name
        if kind not in BACKGROUND_SHAPES:
            raise InvalidConfiguration(f"background {b.name!r}: shape {kind!r} unknown; choose "
                                       f"one of {', '.join(BACKGROUND_SHAPES)} or tabulate it")
        func = BACKGROUND_SHAPES[kind]
        s = model.unoscillated() if func is None else func(e) * widths
    total = s.sum()
    if not total > 0:
        raise InvalidConfiguration(f"background {b.name!r} has no events inside the binning")
    return s / total


class ReactorExperiment:
    """The detectors of a :class:`ReactorConfig` with their IBD models.

    Parameters
    ----------
    cfg : ReactorConfig
    """

    def __init__(self, cfg: ReactorConfig) -> None:
        self.cfg = cfg
        osc = cfg.oscillation
        self.base = OscillationParameters.preset(osc.preset)
        if osc.values:
            self.base = self.base.replace(**osc.values)
        self.density = osc.matter_density_g_cm3 if osc.matter else None
        self.detectors = [self._detector(d) for d in cfg.detectors]

    def _detector(self, d: DetectorBlock) -> DetectorModel:
        cores = _cores_for(self.cfg, d)
        mass = d.target_mass_t * 1e3 * kg
        protons = (free_protons(mass, formula=d.formula) if d.formula else
                   free_protons(mass, hydrogen_mass_fraction=d.hydrogen_mass_fraction))
        r, nlb, b = d.resolution, d.nonlinearity, d.binning
        nl = NonLinearity(kind=nlb.kind, nodes_mev=tuple(nlb.nodes_mev), values=tuple(nlb.values),
                          parameters=tuple(nlb.parameters),
                          pull_curves=tuple(PullCurve(p.name, tuple(p.nodes_mev), tuple(p.delta))
                                            for p in nlb.pull_curves))
        model = IbdRateModel.from_cores(
            cores, e_nu_max=b.e_nu_max_mev * MeV, n_fine=b.n_fine, outside=self.cfg.flux.outside,
            free_protons=protons, efficiency=d.efficiency * d.live_fraction, edges=_edges(b),
            resolution=Resolution(r.a, r.b, r.c), nonlinearity=nl,
            cross_section_model=d.cross_section)
        shapes = np.array([_background_shape(x, model) for x in d.backgrounds])
        return DetectorModel(d.name, d, model, shapes.reshape(len(d.backgrounds), model.n_bins))

    def with_flux(self, flux: FluxBlock) -> ReactorExperiment:
        """The same experiment with another ``[flux]`` block (e.g. the summation model):
        only the unoscillated fluxes (and the background shapes that follow the reactor
        spectrum) are recomputed; the detector responses are shared with this one."""
        new = copy.copy(self)
        new.cfg = self.cfg.model_copy(update={"flux": flux})
        new.detectors = []
        for d in self.detectors:
            cores = _cores_for(new.cfg, d.block)
            rates = np.stack([c.flux(d.ibd.e_nu, outside=flux.outside) for c in cores])
            ibd = d.ibd.with_flux(rates)
            shapes = np.array([_background_shape(x, ibd) for x in d.block.backgrounds])
            new.detectors.append(DetectorModel(d.name, d.block, ibd,
                                               shapes.reshape(d.background_shapes.shape)))
        return new

    @property
    def total_power_gw(self) -> float:
        return float(sum(c.power_gw * c.uptime for c in self.cfg.cores))

    def signal_rate_per_day(self, params: OscillationParameters | None = None) -> dict[str, float]:
        """Selected IBD events per calendar day per detector (truth oscillation by default)."""
        p = self.base if params is None else params
        return {d.name: d.ibd.rate_per_day(p, self.density) for d in self.detectors}


def shape_uncertainty_from_reference(ref: ReactorExperiment, edges: np.ndarray, years: float,
                                     residual: float, days_per_year: float) -> np.ndarray:
    """Bin-to-bin relative shape uncertainty from a reference detector's statistics.

    For each bin of ``edges``: ε = √(N_s + 2 N_b) / N_s ⊕ ``residual``, with N_s, N_b the
    reference detector's signal and background counts in that bin after ``years`` (the
    background subtracted with an equal-time measurement, hence 2 N_b). The reference is
    computed in its own energy window (where its background rates are defined) with the
    bin width of ``edges``, and its cumulative counts are interpolated to ``edges``. Bins
    where the reference sees no signal get ε = 1 (the shape there is unconstrained).
    """
    cfg = ref.cfg
    det = cfg.detectors[0]
    width_kev = float(np.mean(np.diff(edges)) / MeV * 1e3)
    if edges[0] < det.binning.e_min_mev * MeV * (1 - 1e-9) or \
            edges[-1] > det.binning.e_max_mev * MeV * (1 + 1e-9):
        raise InvalidConfiguration(
            f"shape reference {cfg.experiment!r}: its window [{det.binning.e_min_mev}, "
            f"{det.binning.e_max_mev}] MeV must contain [{edges[0] / MeV:g}, "
            f"{edges[-1] / MeV:g}] MeV")
    rebinned = cfg.model_copy(update={"detectors": [det.model_copy(update={
        "binning": det.binning.model_copy(update={"bin_width_kev": width_kev})})]})
    d = ReactorExperiment(rebinned).detectors[0]
    days = years * days_per_year
    sig = d.ibd.spectra(ref.base, ref.density).sum(axis=0) * days
    bkg = d.background_spectra().sum(axis=0) * days if d.block.backgrounds else 0.0 * sig

    def counts(per_bin: np.ndarray) -> np.ndarray:
        cum = np.concatenate([[0.0], np.cumsum(per_bin)])
        return np.diff(np.interp(edges, d.ibd.edges, cum))

    n_s, n_b = counts(sig), counts(bkg)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(n_s > 0, np.sqrt(n_s + 2 * n_b) / np.where(n_s > 0, n_s, 1.0), 1.0)
    return np.sqrt(stat**2 + residual**2)


@dataclass(frozen=True)
class NmoResult:
    """Asimov mass-ordering test of :meth:`ReactorAnalysis.nmo`.

    Attributes
    ----------
    delta_chi2 : float
        χ²_min(other ordering) − χ²(truth).
    chi2_true : float
        χ² at the truth (0 up to rounding on Asimov data: no fit is needed there).
    chi2_alternative : float
        χ² at the best fit with the other ordering.
    fit_alternative : FitResult
        That fit (values in fit units).
    nfcn : int
        Objective evaluations of the fits.
    """

    delta_chi2: float
    chi2_true: float
    chi2_alternative: float
    fit_alternative: FitResult
    nfcn: int


class ReactorAnalysis:
    """Likelihoods of a :class:`ReactorExperiment` for a given exposure.

    Parameters
    ----------
    exp : ReactorExperiment
    systematics : bool, optional
        Override ``sensitivity.systematics`` (False: statistics only).
    truth : OscillationParameters, optional
        True oscillation parameters (default: the experiment's).
    shape_eps : numpy.ndarray, optional
        Per-bin relative shape uncertainty of the first detector (from a reference
        detector); default: ``systematics.shape_uncertainty`` rescaled to the bin width.
    detectors : sequence of str, optional
        Use only these detectors (e.g. the far detector alone).
    vacuum : bool
        Ignore the configured matter (to measure the size of the matter effect).
    """

    def __init__(self, exp: ReactorExperiment, systematics: bool | None = None,
                 truth: OscillationParameters | None = None,
                 shape_eps: np.ndarray | None = None,
                 detectors: list[str] | None = None, vacuum: bool = False) -> None:
        cfg = exp.cfg
        self.exp, self.cfg = exp, cfg
        self.matter = cfg.oscillation.matter and not vacuum
        self.dets = exp.detectors if detectors is None else \
            [d for d in exp.detectors if d.name in detectors]
        if not self.dets:
            raise InvalidConfiguration(f"detectors {detectors}: none of "
                                       f"{[d.name for d in exp.detectors]}")
        self.systematics = cfg.sensitivity.systematics if systematics is None else systematics
        self.base = truth if truth is not None else exp.base
        self.truth = {k: getattr(self.base, k) / OSC_UNITS[k] for k in OSC_NAMES}
        multi = len(exp.detectors) > 1
        self._prefix = {d.name: (f"{d.name}_" if multi else "") for d in self.dets}
        self.parameters = self._parameters()
        s = cfg.systematics
        names, sig = [], []

        def add(name, sigma):
            if sigma > 0:
                names.append(name)
                sig.append(sigma)
        add("reactor_correlated", s.reactor_correlated)
        add("detector_correlated", s.detector_correlated)
        for c in cfg.cores:
            add(f"core_{c.name}", s.reactor_uncorrelated)
        for d in self.dets:
            add(f"detector_{d.name}", s.detector_uncorrelated)
            for p in d.ibd.nonlinearity.pull_names:
                add(f"nl_{self._prefix[d.name]}{p}", 1.0)
            for b in d.block.backgrounds:
                add(f"bkg_{self._prefix[d.name]}{b.name}", b.rate_uncertainty)
        self.linear_names = names
        self.linear_sigmas = np.array(sig) if self.systematics else np.full(len(sig), 1e-9)
        self.reference_shape_eps = shape_eps
        self.shape_eps = []
        for i, d in enumerate(self.dets):
            if i == 0 and shape_eps is not None:
                self.shape_eps.append(np.asarray(shape_eps, dtype=float))
            else:
                width_kev = float(np.mean(np.diff(d.ibd.edges))) / MeV * 1e3
                self.shape_eps.append(np.full(d.ibd.n_bins, s.shape_uncertainty
                                              * np.sqrt(s.shape_uncertainty_bin_width_kev
                                                        / width_kev)))

    def _parameters(self) -> ParameterSet:
        a = self.cfg.sensitivity
        pri = a.external_priors
        unknown = set(pri) - set(OSC_NAMES)
        if unknown:
            raise InvalidConfiguration(f"sensitivity.external_priors: unknown parameters "
                                       f"{sorted(unknown)}; allowed: {', '.join(OSC_NAMES)}")
        params = []
        for k in OSC_NAMES:
            prior = pri.get(k)
            limits = (0.0, 1.0) if k.startswith("sin2") else (None, None)
            params.append(Parameter(k, self.truth[k], step=_STEPS[k], limits=limits, prior=prior,
                                    fixed=k not in a.free_parameters))
        sys_on = self.systematics
        osc = self.cfg.oscillation
        rho, rho_unc = osc.matter_density_g_cm3, osc.matter_density_uncertainty
        use_rho = self.matter and rho_unc > 0 and sys_on
        params.append(Parameter("matter_density", rho, step=max(rho * rho_unc, 1e-3),
                                limits=(0.0, None), prior=(rho, rho * rho_unc) if use_rho else None,
                                fixed=not use_rho))
        res_unc = max(d.block.resolution.uncertainty for d in self.dets)
        use_res = res_unc > 0 and sys_on
        params.append(Parameter("resolution_scale", 1.0, step=max(res_unc, 1e-3),
                                limits=(0.1, None), prior=(1.0, res_unc) if use_res else None,
                                fixed=not use_res))
        return ParameterSet(params)

    def oscillation(self, x: np.ndarray) -> OscillationParameters:
        """Oscillation parameters from the first four fit values (fit units)."""
        return self.base.replace(**{k: float(v) * OSC_UNITS[k] for k, v in zip(OSC_NAMES, x[:4])})

    def predictor(self, exposure_days: float):
        """``predict(x) -> (μ0, D, var)`` for an exposure (calendar days), all detectors."""
        if not exposure_days > 0:
            raise InvalidConfiguration(f"exposure = {exposure_days!r} days: must be > 0")
        names = self.parameters.names
        i_rho, i_res = names.index("matter_density"), names.index("resolution_scale")
        matter = self.matter
        sys_on = self.systematics
        lin = {n: j for j, n in enumerate(self.linear_names)}
        core_cols = [lin.get(f"core_{c.name}") for c in self.cfg.cores]
        per_det = []
        for d, eps in zip(self.dets, self.shape_eps):
            nl_cols = [lin[f"nl_{self._prefix[d.name]}{p}"]
                       for p in d.ibd.nonlinearity.pull_names]
            dR = [0.5 * (d.ibd.response(np.eye(len(nl_cols))[k])
                         - d.ibd.response(-np.eye(len(nl_cols))[k])).tocsr()
                  for k in range(len(nl_cols))]
            bkg = d.background_spectra() * exposure_days
            bshape = np.array([b.shape_uncertainty for b in d.block.backgrounds]) if sys_on \
                else np.zeros(len(d.block.backgrounds))
            bvar = np.sum((bshape[:, None] * bkg) ** 2, axis=0) if bkg.size else 0.0
            bcols = [lin.get(f"bkg_{self._prefix[d.name]}{b.name}") for b in d.block.backgrounds]
            per_det.append((d, list(zip(nl_cols, dR)), bkg, bvar, bcols, lin.get(f"detector_{d.name}"),
                            eps if sys_on else 0.0 * eps))
        n_bins = sum(d.ibd.n_bins for d in self.dets)
        n_lin = len(self.linear_names)
        j_rc, j_dc = lin.get("reactor_correlated"), lin.get("detector_correlated")

        def predict(x: np.ndarray):
            params = self.oscillation(x)
            rho = x[i_rho] if matter else None
            mu0 = np.empty(n_bins)
            var = np.empty(n_bins)
            D = np.zeros((n_bins, n_lin))
            start = 0
            for d, nl, bkg, bvar, bcols, j_det, eps in per_det:
                S = d.ibd.spectra(params, rho, None, x[i_res]) * exposure_days
                total = S.sum(axis=0)
                sl = slice(start, start + d.ibd.n_bins)
                mu0[sl] = total + (bkg.sum(axis=0) if bkg.size else 0.0)
                var[sl] = (eps * total) ** 2 + bvar
                for j in (j_rc, j_dc, j_det):
                    if j is not None:
                        D[sl, j] = total
                for i, j in enumerate(core_cols):
                    if j is not None:
                        D[sl, j] = S[i]
                for i, j in enumerate(bcols):
                    if j is not None:
                        D[sl, j] = bkg[i]
                if nl:
                    rate = d.ibd.oscillated_rate(params, rho).sum(axis=0) * (DAY * exposure_days)
                    for j, dR in nl:
                        D[sl, j] = dR @ rate
                start += d.ibd.n_bins
            return mu0, D, var

        return predict

    def likelihood(self, exposure_days: float, data: np.ndarray | None = None) -> ProfiledChi2:
        """χ² of Asimov data (truth) or of ``data`` for an exposure (calendar days)."""
        predict = self.predictor(exposure_days)
        if data is None:
            data = predict(self.parameters.values)[0]
        return ProfiledChi2(predict, data, self.parameters, self.linear_names,
                            self.linear_sigmas, variance="pearson")

    def precision(self, exposure_days: float) -> dict[str, float]:
        """Relative 1σ of the free oscillation parameters (Asimov, nuisances profiled)."""
        lik = self.likelihood(exposure_days)
        names, cov = asimov_covariance(lik)
        return {k: float(np.sqrt(cov[names.index(k), names.index(k)]) / abs(self.truth[k]))
                for k in self.cfg.sensitivity.free_parameters}

    def nmo(self, exposure_days: float,
            alternative_start: dict[str, float] | None = None) -> NmoResult:
        """Asimov Δχ² of the mass ordering (true: the truth's ordering; fit: the other).

        On Asimov data the true-ordering minimum is the truth itself (χ² = 0 there, and
        χ² ≥ 0), so only the other ordering is fitted (iminuit, Δm²31 limited to the other
        sign, every other free parameter and nuisance profiled). Without
        ``alternative_start``, a cheap 1-D χ² along Δm²31 of the other sign (others at
        truth, linear nuisances profiled) gives the two best separated candidate minima,
        each fitted; with it (e.g. the best fit at a neighbouring exposure) only that start.
        """
        lik = self.likelihood(exposure_days)
        ps = lik.parameters
        x0 = ps.values
        i31 = ps.index("dm2_31")
        true31 = x0[i31]
        chi2_true = lik(x0)
        if alternative_start is None:
            grid = -np.sign(true31) * np.linspace(abs(true31) - 0.12, abs(true31) + 0.06, 31)
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
                starts.append(x)
        else:
            starts = [ps.from_dict(dict(alternative_start))]
        limits = {"dm2_31": (None, 0.0) if true31 > 0 else (0.0, None)}
        best: FitResult | None = None
        nfcn, failures = 0, []
        for x in starts:
            try:
                res = fit(lik, start=x, limits=limits, hesse=False, strategy=0)
            except FitDidNotConverge as err:
                failures.append(str(err))
                continue
            nfcn += res.nfcn
            if best is None or res.fval < best.fval:
                best = res
        if best is None:
            raise FitDidNotConverge(f"mass-ordering fit of the other ordering at "
                                    f"{exposure_days:g} days failed from every start: "
                                    + "; ".join(failures))
        return NmoResult(best.fval - chi2_true, chi2_true, best.fval, best, nfcn)

    def theta13_sensitivity(self, exposure_days: float, cl: float) -> float:
        """sin²2θ13 excluded at confidence ``cl`` (1 dof) when the data are the Asimov
        spectrum of the truth (normally θ13 = 0: "if no oscillation"); the other oscillation
        parameters are fixed at truth, every nuisance is profiled."""
        lik = self.likelihood(exposure_days)
        ps = lik.parameters
        x0 = ps.values
        i13 = ps.index("sin2_theta13")
        target = critical_delta_chi2(cl, 1)
        free_nonlinear = [p.name for p in ps if not p.fixed and p.name not in OSC_NAMES]
        chi0 = lik(x0)

        def dchi2(s13: float) -> float:
            x = x0.copy()
            x[i13] = s13
            if not free_nonlinear:
                return lik(x) - chi0 - target
            res = fit(lik, start=x, fix=list(OSC_NAMES), hesse=False)
            return res.fval - chi0 - target

        lo = x0[i13] + 1e-7
        if dchi2(0.25) < 0:
            raise InvalidConfiguration(f"no sin²2θ13 sensitivity at {cl:.0%} CL for "
                                       f"{exposure_days:g} days (Δχ² < {target:.3g} at maximal mixing)")
        s13 = brentq(dchi2, lo, 0.25, xtol=1e-7)
        return 4 * s13 * (1 - s13)


def load_reference(name: str) -> ReactorConfig:
    """A reactor preset or TOML file (with its ``extends`` chain), validated (the shape
    reference of an experiment, or a preset compared with it)."""
    from ..registry import resolve_config

    _, cfg = resolve_config(name)
    if not isinstance(cfg, ReactorConfig):
        raise InvalidConfiguration(f"{name!r} is not a reactor-family experiment")
    return cfg


def build_analysis(cfg: ReactorConfig, **kwargs) -> ReactorAnalysis:
    """The :class:`ReactorAnalysis` of a configuration, with the shape uncertainty derived
    from ``systematics.shape_reference`` when one is given (``kwargs`` as for
    :class:`ReactorAnalysis`)."""
    exp = ReactorExperiment(cfg)
    ref = cfg.systematics.shape_reference
    shape_eps = None
    if ref is not None:
        shape_eps = shape_uncertainty_from_reference(
            ReactorExperiment(load_reference(ref.preset)), exp.detectors[0].ibd.edges,
            ref.years, ref.residual, cfg.sensitivity.days_per_year)
    return ReactorAnalysis(exp, shape_eps=shape_eps, **kwargs)
