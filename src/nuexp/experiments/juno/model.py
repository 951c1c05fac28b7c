"""The JUNO reactor-antineutrino spectrum model used by :mod:`nuexp.experiments.juno`.

Chain (every piece from its own nuexp module):

1. reactor cores (:mod:`nuexp.sources.reactor`: Huber–Mueller spectra, Ma 2013 energy per
   fission, JUNO core list) → unoscillated flux per core on a fine E_ν grid;
2. IBD cross section and free protons (:mod:`nuexp.interactions.ibd`), selection
   efficiency → events per day per MeV of E_ν, per core;
3. survival probability per core (:mod:`nuexp.oscillation`; constant-density matter with
   the density as a nuisance parameter, or vacuum);
4. prompt energy E_dep = E_e + m_e (mean IBD kinematics; the angular spread of E_e is
   added to the resolution in quadrature), non-linearity
   (:mod:`nuexp.detector.nonlinearity`) and Gaussian resolution
   (:mod:`nuexp.detector.resolution`) → reconstructed-energy bins;
5. backgrounds per component, each a rate (per day, after selection) and a spectral
   shape, with rate (pull) and bin-to-bin shape uncertainties.

:meth:`JunoModel.predict` returns (μ0, D, var) for :class:`nuexp.stats.likelihood.ProfiledChi2`:
μ0 at zero linear nuisances, D = ∂μ/∂η for the linear nuisances (reactor-correlated
normalisation, detection efficiency, one uncorrelated normalisation per core, one rate per
background) and the bin-to-bin variance (reactor shape uncertainty à la TAO + background
shape uncertainties).

Background spectral shapes are simple analytic forms (documented in
:data:`BACKGROUND_SHAPES`), not the JUNO collaboration's simulated shapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from hepunits import MeV, day

from ...detector.nonlinearity import NonLinearity
from ...detector.resolution import Resolution
from ...exceptions import InvalidConfiguration
from ...interactions import ibd
from ...oscillation import ConstantDensity, OscillationParameters, probability, reactor_survival
from ...sources.reactor import ReactorCore

__all__ = ["Background", "JunoModel", "BACKGROUND_SHAPES", "OSC_NAMES", "DAY"]

DAY = day
#: Oscillation parameters of the fit, in the fit's units.
OSC_NAMES = ("sin2_theta12", "sin2_theta13", "dm2_21", "dm2_31")
#: Fit units of the mass splittings: Δm²21 in 1e-5 eV², Δm²31 in 1e-3 eV².
OSC_UNITS = {"sin2_theta12": 1.0, "sin2_theta13": 1.0, "dm2_21": 1e-5, "dm2_31": 1e-3}


def _shape_accidentals(e: np.ndarray) -> np.ndarray:
    # radioactivity-dominated prompt singles: falling exponential, slope 0.5 MeV
    return np.where(e >= 0.7, np.exp(-(e - 0.7) / 0.5), 0.0)


def _beta_shape(t: np.ndarray, q: float) -> np.ndarray:
    # allowed β spectrum without Fermi function: p E (Q − T)², T kinetic energy
    me = ibd.ELECTRON_MASS / MeV
    E = t + me
    p = np.sqrt(np.clip(E**2 - me**2, 0, None))
    return np.where((t > 0) & (t < q), p * E * (q - t) ** 2, 0.0)


def _shape_li9he8(e: np.ndarray) -> np.ndarray:
    # β-n emitters 9Li (Q = 13.6 MeV) / 8He (10.7 MeV) decaying to n-unbound states:
    # an allowed β spectrum with an effective endpoint of 11 MeV
    return _beta_shape(e, 11.0)


def _shape_geo(e: np.ndarray) -> np.ndarray:
    # U-chain (E_ν < 3.27 MeV) and Th-chain (< 2.25 MeV) ν̄e × IBD, prompt = E_ν − 0.78:
    # β-like shapes, Th/U event ratio 0.29 (the chondritic Th/U = 3.9 mass ratio)
    enu = e + 0.78
    sig = np.clip((enu - 1.293) ** 2 - 0.261, 0, None) ** 0.5 * (enu - 1.293)
    u = np.where(enu < 3.27, sig * (3.27 - enu) ** 2, 0.0)
    th = np.where(enu < 2.25, sig * (2.25 - enu) ** 2, 0.0)
    u = u / max(u.sum(), 1e-300)
    th = th / max(th.sum(), 1e-300)
    return np.where(enu > 1.806, u + 0.29 * th, 0.0)


def _shape_flat(e: np.ndarray) -> np.ndarray:
    return np.ones_like(e)


def _shape_alpha_n(e: np.ndarray) -> np.ndarray:
    # 13C(α,n)16O: quenched proton recoils below ~3 MeV (75 %) and the 6.05/6.13 MeV
    # de-excitation of 16O (25 %)
    low = np.where(e < 4.0, np.exp(-(e - 0.7) / 1.0), 0.0)
    low = low / max(low.sum(), 1e-300)
    peak = np.exp(-0.5 * ((e - 6.1) / 0.2) ** 2)
    peak = peak / max(peak.sum(), 1e-300)
    return 0.75 * low + 0.25 * peak


#: Analytic prompt-energy shapes (E in MeV) of the background components. The world-reactor
#: shape is computed from the reactor model itself (unoscillated spectrum × mean survival).
BACKGROUND_SHAPES = {
    "accidentals": _shape_accidentals,
    "li9he8": _shape_li9he8,
    "geoneutrinos": _shape_geo,
    "fast_neutrons": _shape_flat,
    "atmospheric": _shape_flat,
    "alpha_n": _shape_alpha_n,
    "world_reactors": None,
}


@dataclass(frozen=True)
class Background:
    """A background component after selection.

    Parameters
    ----------
    name : str
        One of :data:`BACKGROUND_SHAPES`.
    rate_per_day : float
        Rate after selection (events/day, ≥ 0).
    rate_uncertainty : float
        Relative 1σ of the rate (> 0).
    shape_uncertainty : float
        Relative bin-to-bin uncorrelated shape uncertainty (≥ 0).
    """

    name: str
    rate_per_day: float
    rate_uncertainty: float
    shape_uncertainty: float = 0.0


@dataclass
class JunoModel:
    """Expected prompt-energy spectrum of JUNO for given oscillation and nuisance values.

    Parameters
    ----------
    cores : list of ReactorCore
    edges : numpy.ndarray
        Reconstructed-energy bin edges (hepunits).
    resolution : Resolution
    nonlinearity : NonLinearity
    backgrounds : sequence of Background
    free_protons : float
    efficiency : float
        IBD selection efficiency (fraction).
    cross_section_model : str
        IBD model name (:func:`nuexp.interactions.ibd.cross_section`).
    matter_density : float or None
        g/cm³ for constant-density matter (``None``: vacuum).
    n_fine : int
        Points of the E_ν integration grid.
    e_nu_max : float
        Upper end of the E_ν grid (hepunits).
    """

    cores: list[ReactorCore]
    edges: np.ndarray
    resolution: Resolution
    nonlinearity: NonLinearity
    backgrounds: Sequence[Background]
    free_protons: float
    efficiency: float
    cross_section_model: str = "vogel-beacom"
    matter_density: float | None = 2.45
    n_fine: int = 1600
    e_nu_max: float = 10.0 * MeV
    _cache: dict = field(default_factory=dict, repr=False)
    _osc_cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.cores:
            raise InvalidConfiguration("JUNO model needs at least one reactor core")
        self.e_nu = np.linspace(ibd.THRESHOLD * (1 + 1e-6), self.e_nu_max, self.n_fine)
        w = np.full(self.n_fine, self.e_nu[1] - self.e_nu[0])
        w[[0, -1]] *= 0.5
        self.weights = w
        self.e_dep = ibd.prompt_energy(self.e_nu)
        # spread of the positron energy over the angles: E_e is uniform-like between the
        # kinematic limits E1, E2 (SV 2003 Eq. 11); its rms (E2 − E1)/√12 is added to σ
        lo, hi = ibd.positron_energy(self.e_nu, -1.0), ibd.positron_energy(self.e_nu, 1.0)
        self.kinematic_sigma = (hi - lo) / np.sqrt(12.0)
        xs = ibd.cross_section(self.e_nu, self.cross_section_model)
        # events per unit time per unit E_ν, per core, before oscillation
        self.core_rate = np.stack([c.flux(self.e_nu, outside="extrapolate") for c in self.cores])
        self.core_rate *= xs * self.free_protons * self.efficiency
        self.baselines = np.array([c.baseline for c in self.cores])
        self.centres = 0.5 * (self.edges[1:] + self.edges[:-1])
        self.n_bins = self.centres.size
        self._bkg_shapes = self._background_shapes()

    # ---------------------------------------------------------------- pieces
    @property
    def core_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.cores)

    @property
    def background_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.backgrounds)

    def _background_shapes(self) -> np.ndarray:
        shapes = []
        e = self.centres / MeV
        for b in self.backgrounds:
            if b.name not in BACKGROUND_SHAPES:
                raise InvalidConfiguration(f"background {b.name!r}: choose one of "
                                           f"{', '.join(BACKGROUND_SHAPES)}")
            func = BACKGROUND_SHAPES[b.name]
            if func is None:      # world reactors: unoscillated reactor shape
                s = self.response(np.zeros(len(self.nonlinearity.pull_curves)), 1.0) @ (
                    self.core_rate.sum(axis=0) * self.weights)
            else:
                s = func(e) * (self.edges[1:] - self.edges[:-1]) / MeV
            total = s.sum()
            if total <= 0:
                raise InvalidConfiguration(f"background {b.name!r} has no events inside the binning")
            shapes.append(s / total)
        return np.array(shapes).reshape(len(self.backgrounds), self.n_bins)

    def response(self, nl_pulls: np.ndarray, resolution_scale: float = 1.0) -> np.ndarray:
        """Response matrix (bins × fine grid, scipy CSR) for non-linearity pulls (cached)."""
        key = (tuple(np.round(nl_pulls, 12)), round(float(resolution_scale), 12))
        R = self._cache.get(key)
        if R is None:
            e_vis = self.nonlinearity.visible(self.e_dep, nl_pulls if len(nl_pulls) else None)
            res = self.resolution if resolution_scale == 1.0 else self.resolution.scaled(resolution_scale)
            scale = e_vis / self.e_dep
            R = res.response_matrix_sparse(e_vis, self.edges,       # banded Gaussian, CSR
                                           extra_sigma=self.kinematic_sigma * scale)
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = R
        return R

    def oscillation_parameters(self, osc: dict[str, float], base: OscillationParameters) -> OscillationParameters:
        """B's parameter object from fit-unit values."""
        return base.replace(**{k: v * OSC_UNITS[k] for k, v in osc.items()})

    def survival(self, params: OscillationParameters, density: float | None) -> np.ndarray:
        """P(ν̄e → ν̄e) per core on the fine grid (matter if ``density`` is not None)."""
        if density is None:
            return reactor_survival(params, self.e_nu[None, :], self.baselines[:, None])
        return probability(params, "e", "e", self.e_nu[None, :], self.baselines[:, None],
                           antineutrino=True, matter=ConstantDensity(max(density, 0.0)))

    def core_spectra(self, params: OscillationParameters, density: float | None,
                     nl_pulls: np.ndarray, resolution_scale: float = 1.0) -> np.ndarray:
        """Binned signal per core per day (cores × bins)."""
        key = (params.sin2_theta12, params.sin2_theta13, params.dm2_21, params.dm2_31,
               params.sin2_theta23, params.delta_cp, density)
        osc = self._osc_cache.get(key)
        if osc is None:            # the oscillated rate is re-used while only nuisances move
            osc = self.core_rate * self.survival(params, density) * self.weights
            if len(self._osc_cache) > 8:
                self._osc_cache.clear()
            self._osc_cache[key] = osc
        R = self.response(nl_pulls, resolution_scale)
        return (R @ osc.T).T * DAY

    def background_spectra(self) -> np.ndarray:
        """Binned background per component per day (components × bins)."""
        rates = np.array([b.rate_per_day for b in self.backgrounds])
        return self._bkg_shapes * rates[:, None]

    def unoscillated(self) -> np.ndarray:
        """Binned signal per day without oscillation (bins)."""
        R = self.response(np.zeros(len(self.nonlinearity.pull_curves)))
        return R @ (self.core_rate.sum(axis=0) * self.weights) * DAY

    def signal_rate_per_day(self, params: OscillationParameters, density: float | None) -> float:
        """Selected IBD events per day from all cores (integral over E_ν, no binning)."""
        P = self.survival(params, density)
        return float(np.sum(self.core_rate * P * self.weights) * DAY)
