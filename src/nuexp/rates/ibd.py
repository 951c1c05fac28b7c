"""Inverse-beta-decay event rates: the library's one IBD rate model, for any ν̄ source.

Chain (every piece from its own nuexp module)::

    dN/dE_ν (source s) = Φ_s(E_ν) · P(ν̄_α → ν̄e; E_ν, L_s) · σ_IBD(E_ν) · N_p · ε
    N(bin b)           = Σ_s ∫ R_b(E_ν) dN/dE_ν (s) dE_ν

* Φ_s: the unoscillated flux of source s at the detector (for reactors
  :meth:`nuexp.sources.reactor.ReactorCore.flux`; for a decay-at-rest source any
  spectrum × fluence rate);
* P: the oscillation engine (:mod:`nuexp.oscillation`) — 3ν vacuum (the closed form of
  :func:`~nuexp.oscillation.reactor_survival`), 3ν in constant-density matter, or 3+1
  (when the parameter set has Δm²41), for ν̄e disappearance or ν̄μ → ν̄e appearance;
* σ_IBD, N_p: :mod:`nuexp.interactions.ibd` (Vogel–Beacom or Strumia–Vissani) and the free
  protons of the target; ε the selection efficiency (× live fraction);
* R_b: the detector response: prompt energy E_e + m_e (mean IBD kinematics, the angular
  spread of E_e added to the resolution in quadrature), non-linearity
  (:mod:`nuexp.detector.nonlinearity`) and Gaussian resolution
  (:mod:`nuexp.detector.resolution`) into reconstructed-energy bins.

:class:`IbdRateModel` keeps one row per source so that correlated and uncorrelated
source normalisations can be profiled; rates are per day.

Examples
--------
>>> from hepunits import GW, MeV, km, kg
>>> import numpy as np
>>> from nuexp.detector.nonlinearity import NonLinearity
>>> from nuexp.detector.resolution import Resolution
>>> from nuexp.targets.protons import free_protons
>>> from nuexp.oscillation import OscillationParameters
>>> from nuexp.rates.ibd import IbdRateModel
>>> from nuexp.sources.reactor import FissionFractions, ReactorCore
>>> core = ReactorCore("C1", 2.9 * GW, 1.6 * km, FissionFractions.preset("juno"))
>>> m = IbdRateModel.from_cores([core], free_protons=free_protons(20e3 * kg,
...     hydrogen_mass_fraction=0.12), efficiency=0.8,
...     edges=np.linspace(0.8, 8.0, 37) * MeV, resolution=Resolution(0.08, 0.0, 0.0),
...     nonlinearity=NonLinearity())
>>> p = OscillationParameters.preset("juno-talk")
>>> 0.9 < m.rate_per_day(p, None) / m.rate_per_day(p.replace(sin2_theta13=0.0), None) < 0.95
True
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
from hepunits import MeV, day
from scipy import sparse

from ..detector.nonlinearity import NonLinearity
from ..detector.resolution import Resolution
from ..exceptions import InvalidConfiguration, UnphysicalParameter
from ..interactions import ibd
from ..oscillation import (
    ConstantDensity,
    OscillationParameters,
    probability,
    reactor_survival,
)
from ..sources.reactor import ReactorCore
from ..validation import require_in_range, require_non_negative, require_positive

__all__ = ["DAY", "IbdRateModel", "energy_grid"]

#: One day (hepunits time): every rate of this module is per day.
DAY = day


def energy_grid(e_nu_max: float, n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """E_ν grid from just above the IBD threshold and its trapezoid weights.

    Parameters
    ----------
    e_nu_max : float
        Upper end (hepunits energy, > threshold).
    n_points : int
        Number of points (≥ 2).

    Returns
    -------
    e_nu, weights : numpy.ndarray
        Shape (n_points,) each; Σ weights · f ≈ ∫ f dE_ν.
    """
    if n_points < 2:
        raise UnphysicalParameter(f"n_points = {n_points}: need >= 2 grid points")
    if not e_nu_max > ibd.THRESHOLD:
        raise UnphysicalParameter(f"e_nu_max = {e_nu_max / MeV} MeV must exceed the IBD "
                                  f"threshold {ibd.THRESHOLD / MeV:.4f} MeV")
    e_nu = np.linspace(ibd.THRESHOLD * (1 + 1e-6), e_nu_max, n_points)
    w = np.full(n_points, e_nu[1] - e_nu[0])
    w[[0, -1]] *= 0.5
    return e_nu, w


class IbdRateModel:
    """Expected IBD prompt-energy spectrum of one detector from several ν̄ sources.

    Parameters
    ----------
    names : sequence of str
        One label per source.
    baselines : array_like
        Source–detector distances (hepunits length, > 0), shape (n_sources,).
    e_nu, weights : numpy.ndarray
        E_ν integration grid and its weights (:func:`energy_grid`), shape (n_E,).
    flux : numpy.ndarray
        Unoscillated flux dΦ/dE_ν of each source at the detector (per area, time and
        energy, hepunits), shape (n_sources, n_E), ≥ 0.
    free_protons : float
        Target protons (> 0).
    efficiency : float
        Selection efficiency × live fraction, in (0, 1].
    edges : numpy.ndarray
        Reconstructed-energy bin edges (hepunits energy), increasing.
    resolution : Resolution
    nonlinearity : NonLinearity
    cross_section_model : str
        :func:`nuexp.interactions.ibd.cross_section` model name.
    flavour_from : {"e", "mu"}
        Flavour emitted by the sources: "e" for ν̄e disappearance (reactors), "mu" for
        ν̄μ → ν̄e appearance (decay at rest).
    angular_spread : bool
        Add the spread of the positron energy over its angles to the resolution (default);
        False maps every E_ν to the mean prompt energy only (for an analysis whose
        resolution already stands for both, e.g. the JSNS2 appearance preset).
    """

    def __init__(self, names: Sequence[str], baselines, e_nu: np.ndarray, weights: np.ndarray,
                 flux: np.ndarray, *, free_protons: float, efficiency: float,
                 edges: np.ndarray, resolution: Resolution, nonlinearity: NonLinearity,
                 cross_section_model: str = "vogel-beacom", flavour_from: str = "e",
                 angular_spread: bool = True) -> None:
        self.names = tuple(names)
        self.baselines = require_positive("baselines", baselines).reshape(-1)
        if not self.names or len(self.names) != self.baselines.size:
            raise InvalidConfiguration(
                f"IBD model: {len(self.names)} source names for {self.baselines.size} baselines "
                "(need >= 1 source, one baseline each)")
        if flavour_from not in ("e", "mu"):
            raise InvalidConfiguration(f"flavour_from = {flavour_from!r}: choose 'e' or 'mu'")
        self.flavour_from = flavour_from
        self.e_nu = np.asarray(e_nu, dtype=float)
        self.weights = np.asarray(weights, dtype=float)
        flux = require_non_negative("flux", flux)
        if flux.shape != (self.baselines.size, self.e_nu.size):
            raise InvalidConfiguration(f"flux shape {flux.shape} must be (n_sources, n_E) = "
                                       f"({self.baselines.size}, {self.e_nu.size})")
        self.free_protons = float(require_positive("free_protons", free_protons))
        self.efficiency = float(require_in_range("efficiency", efficiency, 1e-12, 1.0))
        self.edges = np.asarray(edges, dtype=float)
        if self.edges.ndim != 1 or self.edges.size < 2 or np.any(np.diff(self.edges) <= 0):
            raise InvalidConfiguration("bin edges must be >= 2 increasing energies")
        self.resolution = resolution
        self.nonlinearity = nonlinearity
        self.cross_section_model = cross_section_model
        self.e_dep = ibd.prompt_energy(self.e_nu)
        # spread of the positron energy over the angles: E_e is uniform-like between the
        # kinematic limits E1, E2 (SV 2003 Eq. 11); its rms (E2 − E1)/√12 is added to σ
        lo, hi = ibd.positron_energy(self.e_nu, -1.0), ibd.positron_energy(self.e_nu, 1.0)
        self.kinematic_sigma = (hi - lo) / np.sqrt(12.0) * float(angular_spread)
        #: σ_IBD on the E_ν grid (hepunits area)
        self.cross_section = ibd.cross_section(self.e_nu, cross_section_model)
        #: events per unit time per unit E_ν per source, before oscillation
        self.source_rate = flux * self.cross_section * self.free_protons * self.efficiency
        self.centres = 0.5 * (self.edges[1:] + self.edges[:-1])
        self.n_bins = self.centres.size
        self._response_cache: dict = {}
        self._osc_cache: dict = {}

    @classmethod
    def from_cores(cls, cores: Sequence[ReactorCore], *, e_nu_max: float = 10.0 * MeV,
                   n_fine: int = 1600, outside: str = "extrapolate",
                   **kwargs) -> IbdRateModel:
        """A model of reactor cores (their flux on an :func:`energy_grid`).

        Parameters
        ----------
        cores : sequence of ReactorCore
            The cores, each with its baseline to this detector.
        e_nu_max, n_fine : float, int
            The E_ν grid (hepunits energy; number of points).
        outside : str
            Policy of the flux fits outside 2–8 MeV (see :mod:`nuexp.sources.reactor`).
        **kwargs
            The other arguments of :class:`IbdRateModel`.
        """
        if not cores:
            raise InvalidConfiguration("an IBD reactor model needs at least one core")
        e_nu, w = energy_grid(e_nu_max, n_fine)
        flux = np.stack([c.flux(e_nu, outside=outside) for c in cores])
        return cls([c.name for c in cores], [c.baseline for c in cores], e_nu, w, flux,
                   **kwargs)

    def with_flux(self, flux: np.ndarray) -> IbdRateModel:
        """A copy with another unoscillated flux of the same sources on the same E_ν grid
        (shape (n_sources, n_E), ≥ 0), e.g. another reactor flux model. The detector
        response does not depend on the flux, so the copy shares the response matrices
        already built (and builds new ones into the same cache)."""
        flux = require_non_negative("flux", flux)
        if flux.shape != self.source_rate.shape:
            raise InvalidConfiguration(f"flux shape {flux.shape} must be (n_sources, n_E) = "
                                       f"{self.source_rate.shape}")
        new = copy.copy(self)
        new.source_rate = flux * self.cross_section * self.free_protons * self.efficiency
        new._osc_cache = {}
        return new

    # ------------------------------------------------------------------ oscillation
    def probability(self, params: OscillationParameters, density: float | None) -> np.ndarray:
        """P(ν̄_from → ν̄e) per source on the E_ν grid, shape (n_sources, n_E).

        ``density`` (g/cm³) selects constant-density matter; ``None`` is vacuum.
        """
        E, L = self.e_nu[None, :], self.baselines[:, None]
        matter = None if density is None else ConstantDensity(max(float(density), 0.0))
        if self.flavour_from == "e":
            return reactor_survival(params, E, L, matter=matter)
        return probability(params, self.flavour_from, "e", E, L, antineutrino=True,
                           matter=matter)

    def oscillated_rate(self, params: OscillationParameters, density: float | None) -> np.ndarray:
        """Oscillated events per unit time per grid cell, shape (n_sources, n_E) (cached:
        re-used while only detector nuisances move)."""
        key = (params, density)
        osc = self._osc_cache.get(key)
        if osc is None:
            osc = self.source_rate * self.probability(params, density) * self.weights
            if len(self._osc_cache) > 8:
                self._osc_cache.clear()
            self._osc_cache[key] = osc
        return osc

    # ------------------------------------------------------------------ response
    def response(self, nl_pulls: np.ndarray | None = None,
                 resolution_scale: float = 1.0) -> sparse.csr_matrix:
        """Response matrix (bins × E_ν grid, CSR) for non-linearity pulls (cached)."""
        pulls = np.zeros(len(self.nonlinearity.pull_curves)) if nl_pulls is None else \
            np.asarray(nl_pulls, dtype=float)
        key = (tuple(np.round(pulls, 12)), round(float(resolution_scale), 12))
        R = self._response_cache.get(key)
        if R is None:
            e_vis = self.nonlinearity.visible(self.e_dep, pulls if len(pulls) else None)
            res = self.resolution if resolution_scale == 1.0 else \
                self.resolution.scaled(resolution_scale)
            scale = e_vis / self.e_dep
            R = res.response_matrix_sparse(e_vis, self.edges,       # banded Gaussian, CSR
                                           extra_sigma=self.kinematic_sigma * scale)
            if len(self._response_cache) > 64:
                self._response_cache.clear()
            self._response_cache[key] = R
        return R

    # ------------------------------------------------------------------ spectra
    def spectra(self, params: OscillationParameters, density: float | None,
                nl_pulls: np.ndarray | None = None, resolution_scale: float = 1.0) -> np.ndarray:
        """Binned events per day per source, shape (n_sources, n_bins)."""
        R = self.response(nl_pulls, resolution_scale)
        return (R @ self.oscillated_rate(params, density).T).T * DAY

    def unoscillated(self) -> np.ndarray:
        """Binned events per day without oscillation, summed over sources (n_bins,)."""
        return self.response() @ (self.source_rate.sum(axis=0) * self.weights) * DAY

    def rate_per_day(self, params: OscillationParameters | None,
                     density: float | None = None) -> float:
        """Selected IBD events per day from all sources (∫ over E_ν, no binning);
        ``params=None`` gives the unoscillated rate."""
        if params is None:
            return float(np.sum(self.source_rate * self.weights) * DAY)
        return float(np.sum(self.oscillated_rate(params, density)) * DAY)
