"""The CEvNS family model: predicted counts in (observable × time) bins, fast.

Everything that does not depend on the fit parameters is computed once, in
:class:`CevnsModel` ``(config)``:

* the fluence of each neutrino component (stopped-pion νμ / νe / ν̄μ, or reactor ν̄e);
* the spectrum-folded kinematic kernels of every (component, isotope) on the recoil grid
  (:func:`nuexp.interactions.cevns.folded_kernels`) times the number of nuclei and the
  cross-section prefactor;
* the response matrix R[T, bin] (trapezoid weight × P(bin | T) × efficiency) of the
  nominal quenching model and of each configured variant;
* the fraction of each component's events in each time bin (pulse ⊗ π ⊗ μ lifetimes);
* the background templates.

:meth:`CevnsModel.predict` then only evaluates the form factors of the requested radii
(cached), the effective charge Q(T)² = [Z a_p F_p + N a_n F_n + g′² P(T)(Z F_p + N F_n)]²,
and three small matrix products: well under a millisecond for the CsI presets (see
``benchmarks/bench_cevns.py``). For scans over couplings the rate is a quadratic form in
(a_p, a_n) per flavour: :meth:`CevnsModel.coupling_terms` returns its coefficients so a
100 × 100 grid is a handful of array operations.

Parameters of :meth:`predict` (all optional; defaults are the configuration's):
``flux_norm``, ``efficiency_norm``, ``quenching`` (in σ: interpolates linearly between
the nominal response and that of the ``plus`` / ``minus`` quenching variant, or of the
quenching factor scaled by 1 ± statistics.quenching_uncertainty without variants),
``sin2_theta_w``,
``neutron_radius_fm`` / ``proton_radius_fm`` (one radius for every nucleus),
``nsi_uv`` / ``nsi_dv`` (``{"e": ..., "mu": ...}``), ``magnetic_moment_mub``,
``mediator_mass_mev``, ``mediator_coupling``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from hepunits import GW, MeV, day, fermi, keV, m
from scipy.special import ndtr

from ...detector.coincidence import two_pmt_coincidence_efficiency
from ...detector.efficiency import (
    interval_multipliers,
    sigmoid_efficiency,
    tabulated_efficiency,
)
from ...detector.photoelectrons import poisson_matrix
from ...detector.quenching import Quenching
from ...exceptions import InvalidConfiguration
from ...interactions import electron_scattering
from ...interactions.cevns import (
    FERMI_CONSTANT,
    MAGNETIC_PREFACTOR,
    SIN2_THETA_W_LOW_ENERGY,
    flavour_of,
    folded_kernels,
    nucleon_couplings,
    weak_prefactor,
)
from ...interactions.form_factors import form_factor_of_radius, momentum_transfer
from ...sources import reactor_low_energy as rle
from ...sources.pulse_timing import ARRIVAL_GROUPS, ProtonPulse, arrival_fractions
from ...sources.reactor import FissionFractions
from ...sources.spallation import stopped_pion_spectra
from ...sources.spectrum import NeutrinoSpectrum
from ...targets.isotopes import Isotope
from .config import BackgroundComponent, CevnsConfig, InteractionBlock, need

__all__ = ["CevnsModel", "RecoilModel", "interval_weights", "stopped_pion_fluences",
           "trapezoid_weights"]


def trapezoid_weights(x: np.ndarray) -> np.ndarray:
    """Weights w with Σ w f = trapezoid(f, x)."""
    dx = np.diff(x)
    w = np.zeros_like(x)
    w[:-1] += 0.5 * dx
    w[1:] += 0.5 * dx
    return w


def interval_weights(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """Weights w with Σ w f = ∫_low^high of the linear interpolant of f on the grid x."""
    a, b = max(low, x[0]), min(high, x[-1])
    w = np.zeros_like(x)
    if not b > a:
        return w
    x0, x1 = x[:-1], x[1:]
    u, v = np.maximum(a, x0), np.minimum(b, x1)
    ok = v > u
    h = x1 - x0
    # ∫_u^v (x1 − t)/h dt and ∫_u^v (t − x0)/h dt
    left = np.where(ok, ((x1 - u) ** 2 - (x1 - v) ** 2) / (2 * h), 0.0)
    right = np.where(ok, ((v - x0) ** 2 - (u - x0) ** 2) / (2 * h), 0.0)
    w[:-1] += left
    w[1:] += right
    return w


def stopped_pion_fluences(protons_on_target: float, nu_per_proton_per_flavour: float,
                          distance: float) -> dict[str, NeutrinoSpectrum]:
    """Fluence spectra of the prompt νμ, νe and ν̄μ of a stopped-pion exposure.

    Each flavour carries POT · yield / (4π L²) neutrinos per area, with the μDAR spectra
    of :func:`nuexp.sources.spallation.stopped_pion_spectra`.

    Parameters
    ----------
    protons_on_target : float
        Protons on target, > 0.
    nu_per_proton_per_flavour : float
        Neutrinos per proton per flavour, > 0.
    distance : float
        Source–detector distance (hepunits length), > 0.

    Returns
    -------
    dict
        {``numu``, ``nue``, ``numubar``: NeutrinoSpectrum (1/area per energy)}.
    """
    for name, value in (("protons_on_target", protons_on_target),
                        ("nu_per_proton_per_flavour", nu_per_proton_per_flavour),
                        ("distance", distance)):
        if not (np.isfinite(value) and value > 0):
            raise InvalidConfiguration(f"{name} = {value}: must be finite and > 0")
    fluence = protons_on_target * nu_per_proton_per_flavour / (4 * np.pi * distance**2)
    return {f: s.scaled(fluence) for f, s in stopped_pion_spectra().items()}


@dataclass
class _Nucleus:
    """One isotope of the target with what the fast path needs (a
    :class:`~nuexp.interactions.cevns.Nucleus`; ``str()`` is the isotope name)."""

    name: str
    Z: int
    N: int
    A: int
    nuclear_mass: float
    count: float

    def __str__(self) -> str:
        return self.name


class RecoilModel:
    """CEvNS recoil spectra dN/dT of one target in given neutrino fluences.

    The physics part of the family model, shared by :class:`CevnsModel` (which adds the
    detector response, timing and backgrounds of a configuration) and by the COHERENT
    data presets (which apply the response of a data release). Computed once: the
    spectrum-folded kinematic kernels of every (component, isotope) on the recoil grid;
    per call: the form factors of the requested radii (cached) and the effective charge.

    Parameters
    ----------
    fluences : mapping
        {component: NeutrinoSpectrum} time-integrated fluence (1/area per energy), e.g.
        from :func:`stopped_pion_fluences`; component names as
        :func:`nuexp.interactions.cevns.flavour_of` understands them.
    nuclei_per_kg : mapping
        {Isotope: nuclei per kg} of the target (e.g. ``TargetBlock.nuclei_per_kg()``).
    mass_kg : float
        Target mass [kg].
    interaction : InteractionBlock
        Form factor, sin²θ_W, NSI, μ_ν, Z′ and the recoil grid.

    Attributes
    ----------
    recoil : ndarray
        Recoil grid (hepunits energy), shape (nT,).
    weights : ndarray
        Trapezoid weights of the grid, shape (nT,).
    components : tuple of str
        Neutrino components (the keys of ``fluences``).
    """

    def __init__(self, fluences: Mapping[str, NeutrinoSpectrum],
                 nuclei_per_kg: Mapping[Isotope, float], mass_kg: float,
                 interaction: InteractionBlock) -> None:
        self.interaction = interaction
        self.recoil = interaction.grid()
        self.weights = trapezoid_weights(self.recoil)
        self.fluences = dict(fluences)
        self.components = tuple(self.fluences)
        self.flavours = tuple(flavour_of(c) for c in self.components)
        self.nuclei = [_Nucleus(str(iso), iso.Z, iso.N, iso.A, iso.nuclear_mass, n * mass_kg)
                       for iso, n in nuclei_per_kg.items()]
        self._kernels()
        self._ff_cache: dict[tuple[float | None, float | None],
                             tuple[np.ndarray, np.ndarray]] = {}

    def _kernels(self) -> None:
        t = self.recoil
        nc, ni = len(self.components), len(self.nuclei)
        self.k_weak = np.zeros((nc, ni, t.size))
        self.k_mag = np.zeros((nc, ni, t.size))
        for i, nuc in enumerate(self.nuclei):
            pre = weak_prefactor(nuc) * nuc.count * 4.0  # Q = −2[...]: Q² = 4 [...]²
            for c, comp in enumerate(self.components):
                kw, km = folded_kernels(t, self.fluences[comp], nuc.nuclear_mass)
                self.k_weak[c, i] = pre * kw
                self.k_mag[c, i] = MAGNETIC_PREFACTOR * nuc.count * nuc.Z**2 * km
        self._z = np.array([n.Z for n in self.nuclei], dtype=float)
        self._n = np.array([n.N for n in self.nuclei], dtype=float)
        # Z′ propagator without its mass: q² = 2 M T per isotope
        self._q2 = np.array([2.0 * n.nuclear_mass * t for n in self.nuclei])

    def _form_factors(self, rp: float | None, rn: float | None) -> tuple[np.ndarray, np.ndarray]:
        """F_p, F_n of every isotope on the grid, shape (ni, nT) each (cached by radii).

        ``rp``, ``rn``: one radius [fm] for every isotope, or ``None`` for the configured ones.
        """
        key = (rp, rn)
        hit = self._ff_cache.get(key)
        if hit is not None:
            return hit
        phys = self.interaction.physics()
        name = phys.form_factor
        fp = np.ones((len(self.nuclei), self.recoil.size))
        fn = np.ones_like(fp)
        if name != "none":
            for i, nuc in enumerate(self.nuclei):
                q = momentum_transfer(self.recoil, nuc.nuclear_mass)
                conf_p, conf_n = phys.radii(nuc)
                r_p = conf_p if rp is None else rp * fermi
                r_n = conf_n if rn is None else rn * fermi
                fp[i] = form_factor_of_radius(name, q, r_p)
                fn[i] = fp[i] if r_n == r_p else form_factor_of_radius(name, q, r_n)
        if len(self._ff_cache) > 256:
            self._ff_cache.clear()
        self._ff_cache[key] = (fp, fn)
        return fp, fn

    def couplings(self, sin2_theta_w: float | None = None,
                  nsi_uv: Mapping[str, float] | None = None,
                  nsi_dv: Mapping[str, float] | None = None) -> np.ndarray:
        """(a_p, a_n) per component, shape (nc, 2)."""
        inter = self.interaction
        s2 = inter.sin2_value() if sin2_theta_w is None else float(sin2_theta_w)
        if not 0.0 < s2 < 1.0:
            raise InvalidConfiguration(f"sin2_theta_w = {s2}: must be in (0, 1)")
        uv = inter.nsi_uv if nsi_uv is None else nsi_uv
        dv = inter.nsi_dv if nsi_dv is None else nsi_dv
        out = self._g_at_sin2_zero.copy()
        out[:, 0] -= 2.0 * s2
        for c, fl in enumerate(self.flavours):
            eu, ed = float(uv.get(fl, 0.0)), float(dv.get(fl, 0.0))
            out[c, 0] += 2 * eu + ed
            out[c, 1] += eu + 2 * ed
        return out

    @cached_property
    def _g_at_sin2_zero(self) -> np.ndarray:
        """(g_p + 2 sin²θ_W, g_n) per component: g_p is linear in sin²θ_W with slope −2."""
        rad = self.interaction.radiative_corrections
        out = np.empty((len(self.components), 2))
        for c, fl in enumerate(self.flavours):
            gp, gn = nucleon_couplings(SIN2_THETA_W_LOW_ENERGY, fl, rad)
            out[c] = gp + 2.0 * SIN2_THETA_W_LOW_ENERGY, gn
        return out

    def recoil_spectrum(self, **params: Any) -> np.ndarray:
        """dN/dT per component (before response), shape (nc, nT), events per energy.

        Keyword parameters (defaults: the interaction block's): ``sin2_theta_w``,
        ``neutron_radius_fm`` / ``proton_radius_fm`` (one radius for every nucleus),
        ``nsi_uv`` / ``nsi_dv`` (``{"e": ..., "mu": ...}``), ``magnetic_moment_mub``,
        ``mediator_mass_mev``, ``mediator_coupling``, ``flux_norm``.
        """
        inter = self.interaction
        fp, fn = self._form_factors(params.get("proton_radius_fm"), params.get("neutron_radius_fm"))
        a = self.couplings(params.get("sin2_theta_w"), params.get("nsi_uv"), params.get("nsi_dv"))
        zf, nf = self._z[:, None] * fp, self._n[:, None] * fn          # (ni, nT)
        q = a[:, 0, None, None] * zf[None] + a[:, 1, None, None] * nf[None]   # (nc, ni, nT)
        g = params.get("mediator_coupling", inter.mediator_coupling)
        if g:
            mass = params.get("mediator_mass_mev", inter.mediator_mass_mev) * MeV
            prop = 3.0 / (np.sqrt(2.0) * FERMI_CONSTANT * (self._q2 + mass**2))
            q = q + (g * g * prop * (zf + nf))[None]
        rate = np.einsum("cit,cit->ct", self.k_weak, q * q)
        mu = params.get("magnetic_moment_mub", inter.magnetic_moment_mub)
        if mu:
            rate = rate + mu * mu * np.einsum("cit,it->ct", self.k_mag, fp * fp)
        return params.get("flux_norm", 1.0) * rate

    def total_events(self, **params: Any) -> float:
        """CEvNS events over all recoils and all times (no response, no threshold)."""
        return float(self.recoil_spectrum(**params).sum(axis=0) @ self.weights)

    def events_by_component(self, **params: Any) -> dict[str, float]:
        """All-recoil CEvNS events per component."""
        rate = self.recoil_spectrum(**params)
        return {c: float(rate[i] @ self.weights) for i, c in enumerate(self.components)}

    def default_radii_fm(self) -> dict[str, tuple[float, float]]:
        """(R_p, R_n) in fm of each isotope as configured."""
        phys = self.interaction.physics()
        out = {}
        for nuc in self.nuclei:
            rp, rn = phys.radii(nuc) if phys.form_factor != "none" else (0.0, 0.0)
            out[nuc.name] = (rp / fermi, rn / fermi)
        return out

    def mean_neutron_radius_fm(self) -> float:
        """Count-weighted mean configured R_n (the fit's common R_n starts here)."""
        radii = self.default_radii_fm()
        w = np.array([n.count * n.N for n in self.nuclei])
        return float(np.sum(w * np.array([radii[n.name][1] for n in self.nuclei])) / w.sum())


class CevnsModel(RecoilModel):
    """Predicted CEvNS and background counts of one configuration (see module docstring).

    Parameters
    ----------
    config : CevnsConfig
        The validated configuration.

    Attributes
    ----------
    recoil : ndarray
        Recoil grid (hepunits energy), shape (nT,).
    components : tuple of str
        Neutrino components (``numu``, ``nue``, ``numubar`` or ``nuebar``).
    edges : ndarray
        Observable bin edges (observable units), shape (nb + 1,).
    time_edges : ndarray
        Time-bin edges (hepunits time), shape (nt + 1,); one bin without timing.
    """

    def __init__(self, config: CevnsConfig) -> None:
        self.config = cfg = config
        super().__init__(self._fluences(), cfg.target.nuclei_per_kg(), cfg.target.mass_kg,
                         cfg.interaction)
        self.edges = cfg.response.bins.values()
        self.time_edges, self.time_fractions = self._timing()
        self._responses: dict[str, np.ndarray] = {}
        self._terms_cache: dict[tuple[float | None, float | None, float], np.ndarray] = {}
        self.background_templates = {name: self._background(b)
                                     for name, b in cfg.backgrounds.items()}
        if cfg.interaction.electron_scattering:
            self.background_templates["nu_e_scattering"] = self._electron_scattering()

    # ---- setup ----------------------------------------------------------------------
    def _fluences(self) -> dict[str, NeutrinoSpectrum]:
        cfg, src = self.config, self.config.source
        live = cfg.exposure.live_days * day
        if src.kind == "stopped-pion":
            yield_ = need(src.nu_per_proton_per_flavour, "source.nu_per_proton_per_flavour")
            if cfg.exposure.protons_on_target is not None:
                return stopped_pion_fluences(cfg.exposure.protons_on_target, yield_,
                                             src.distance_m * m)
            return {f: s.scaled(src.flux() * live) for f, s in stopped_pion_spectra().items()}
        fractions = FissionFractions.from_mapping(need(src.fission_fractions,
                                                       "source.fission_fractions"))
        power = need(src.thermal_power_gw, "source.thermal_power_gw") * GW
        spectrum = rle.reactor_flux_spectrum(power, src.distance_m * m, fractions, **src.join)
        return {"nuebar": spectrum.scaled(live)}

    @cached_property
    def flux(self) -> float:
        """Flux per flavour at the detector (hepunits 1/(area·time)): from the beam power, or
        the mean over the exposure when it is given in protons on target (and reactors)."""
        src = self.config.source
        if src.kind == "stopped-pion" and self.config.exposure.protons_on_target is None:
            return src.flux()
        # the mean flux of the exposure (protons on target or reactor): fluence / live time
        return self.fluences[self.components[0]].total() / (self.config.exposure.live_days * day)

    def _timing(self) -> tuple[np.ndarray, np.ndarray]:
        """Time-bin edges and the exact fraction of each component's arrivals per bin
        (pulse ⊗ π and μ lifetimes, :func:`nuexp.sources.pulse_timing.arrival_fractions`)."""
        cfg = self.config
        nc = len(self.components)
        if cfg.timing is None:
            return np.array([0.0, np.inf]), np.ones((nc, 1))
        edges = cfg.timing.edges()
        pulse = ProtonPulse(cfg.source.pulse_centre, cfg.source.pulse_sigma)
        frac = np.array([arrival_fractions(ARRIVAL_GROUPS[comp], edges, pulse)
                         for comp in self.components])
        return edges, frac

    # ---- response -------------------------------------------------------------------
    def efficiency(self, x: np.ndarray) -> np.ndarray:
        """Efficiency curve × factors × interval multipliers at observable values ``x``."""
        eff = self.config.efficiency
        out = np.ones_like(x, dtype=float)
        if eff.curve == "sigmoid":
            out = sigmoid_efficiency(x, *eff.sigmoid())
        elif eff.curve == "tabulated":
            out = tabulated_efficiency(x, *eff.table())
        for f in eff.factors.values():
            out = out * f
        if eff.intervals:
            out = out * interval_multipliers(x, eff.intervals)
        return out

    def response_matrix(self, energy_ee: np.ndarray, grid: np.ndarray,
                        recoil_for_xenon: np.ndarray | None = None) -> np.ndarray:
        """R[j, b]: trapezoid weight × P(bin b | node j) × efficiency, shape (n_grid, nb).

        Parameters
        ----------
        energy_ee : ndarray
            Electron-equivalent energy at the grid nodes (hepunits), or the recoil itself
            for the 'recoil' observable.
        grid : ndarray
            The integration grid (recoil or electron energies).
        recoil_for_xenon : ndarray, optional
            Nuclear recoil energies for the NEST yield ('xenon-s2').
        """
        resp = self.config.response
        edges = self.edges
        w = trapezoid_weights(grid)
        nb = edges.size - 1
        if resp.observable in ("pe", "electrons"):
            mu = resp.quanta_per_energy() * energy_ee
            if resp.statistics == "mean":
                return self._deterministic(grid, mu)
            top = int(np.ceil(edges[-1]))
            n = np.arange(top, dtype=float)
            p = poisson_matrix(mu, top - 1)
            eff = self.efficiency(n)
            if resp.coincidence is not None:
                eff = eff * two_pmt_coincidence_efficiency(n, resp.coincidence.split,
                                                           resp.coincidence.min_pe_each)
            which = np.searchsorted(edges, n, side="right") - 1  # bin of each integer n
            inside = (which >= 0) & (which < nb) & (n >= edges[0])
            agg = np.zeros((n.size, nb))
            agg[np.flatnonzero(inside), which[inside]] = eff[inside]
            return (w[:, None] * p) @ agg
        if resp.observable == "energy":
            # the efficiency is a function of the measured energy: each bin is split into
            # _SUB sub-bins, each weighted by the efficiency at its centre
            e = energy_ee / keV
            res = need(resp.resolution, "response.resolution")
            sig = np.sqrt(res.sigma0_kev**2 + res.stochastic_kev * e)
            sig = np.maximum(sig, 1e-9)
            frac = np.linspace(0.0, 1.0, _SUB + 1)
            fine = (edges[:-1, None] + np.diff(edges)[:, None] * frac[None, :-1]).ravel()
            fine = np.append(fine, edges[-1])
            cdf = ndtr((fine[None, :] - e[:, None]) / sig[:, None])
            eff = self.efficiency(0.5 * (fine[1:] + fine[:-1]))
            p = np.diff(cdf, axis=1) * eff[None, :]
            return w[:, None] * p.reshape(grid.size, nb, _SUB).sum(axis=2)
        if resp.observable == "recoil":
            return self._deterministic(grid, energy_ee / keV)
        # xenon-s2
        s2 = need(resp.xenon, "response.xenon").build()
        if recoil_for_xenon is None:
            raise InvalidConfiguration("response_matrix: the 'xenon-s2' observable needs "
                                       "recoil_for_xenon (the nuclear recoil energies)")
        t = recoil_for_xenon
        if resp.statistics == "mean":
            return self._deterministic(grid, s2.mean_s2(t))
        out = np.zeros((grid.size, nb))
        for b in range(nb):
            out[:, b] = w * s2.window_probability(t, edges[b], edges[b + 1])
        centres = 0.5 * (edges[1:] + edges[:-1])
        return out * self.efficiency(centres)[None, :]

    def _deterministic(self, grid: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Exact bin integrals when the observable is a monotonic function of the grid."""
        inc = np.diff(value)
        if np.any(inc < 0):
            raise InvalidConfiguration("response: the observable must not decrease with the "
                                       "recoil energy on the recoil grid (statistics 'mean')")
        edges = self.edges
        # invert value(grid) on its strictly increasing part
        keep = np.concatenate([[True], inc > 0])
        t_edges = np.interp(edges, value[keep], grid[keep], left=grid[0], right=np.inf)
        eff = self.efficiency(value)
        out = np.zeros((grid.size, edges.size - 1))
        for b in range(edges.size - 1):
            out[:, b] = interval_weights(grid, t_edges[b], t_edges[b + 1]) * eff
        return out

    def _quenching_model(self, variant: str) -> Quenching:
        resp = self.config.response
        if variant == "nominal":
            return resp.quenching.build()
        return resp.quenching_variants[variant].build()

    def response_for(self, variant: str = "nominal", qf_scale: float = 1.0) -> np.ndarray:
        """Nuclear-recoil response matrix of a quenching variant (cached), (nT, nb)."""
        key = f"{variant}:{qf_scale!r}"
        if key not in self._responses:
            q = self._quenching_model(variant)
            t = self.recoil
            eee = t if self.config.response.observable == "recoil" else \
                q.electron_equivalent(t) * qf_scale
            self._responses[key] = self.response_matrix(eee, t, recoil_for_xenon=t)
        return self._responses[key]

    def _response_at(self, quenching: float) -> np.ndarray:
        resp, stats = self.config.response, self.config.statistics
        nominal = self.response_for("nominal")
        if quenching == 0.0:
            return nominal
        side = "plus" if quenching > 0 else "minus"
        if resp.quenching_variants:
            if side not in resp.quenching_variants:
                raise InvalidConfiguration(f"quenching = {quenching}: needs the quenching "
                                           f"variant {side!r} in [response.quenching_variants]")
            shifted = self.response_for(side)
        else:
            # QF × (1 ± σ_QF): the ±1σ responses, interpolated linearly like the variants
            if stats.quenching_uncertainty <= 0:
                raise InvalidConfiguration("quenching: no quenching_variants and "
                                           "statistics.quenching_uncertainty = 0")
            sign = 1.0 if quenching > 0 else -1.0
            shifted = self.response_for("nominal", 1.0 + sign * stats.quenching_uncertainty)
        return nominal + abs(quenching) * (shifted - nominal)

    # ---- backgrounds ------------------------------------------------------------------
    def _background(self, b: BackgroundComponent) -> np.ndarray:
        edges = self.edges
        centres = 0.5 * (edges[1:] + edges[:-1])
        widths = np.diff(edges)
        if b.shape == "flat":
            shape = widths.copy()
        elif b.shape == "exponential":
            shape = np.exp(-centres / need(b.decay, f"backgrounds.{b.label}.decay")) * widths
        else:
            shape = np.interp(centres, need(b.points, f"backgrounds.{b.label}.points"),
                              need(b.values, f"backgrounds.{b.label}.values"),
                              left=0.0, right=0.0) * widths
        if shape.sum() <= 0:
            raise InvalidConfiguration(f"background {b.label!r}: its shape is zero in every bin")
        shape = shape / shape.sum()
        nt = self.time_edges.size - 1
        if b.time == "steady" or nt == 1:
            tshape = np.diff(self.time_edges) if np.all(np.isfinite(self.time_edges)) else np.ones(1)
        else:
            tshape = self.time_fractions[self.components.index("numu" if b.time == "prompt"
                                                               else "nue")].copy()
        tshape = tshape / tshape.sum()
        scale = 1.0 if b.reference_kg_day is None else self.config.kg_day / b.reference_kg_day
        return b.events * scale * shape[:, None] * tshape[None, :]

    def _electron_scattering(self) -> np.ndarray:
        """ν–e elastic scattering counts (nb, nt), electrons unquenched (E_ee = T_e)."""
        resp = self.config.response
        top = self.edges[-1]
        if resp.observable in ("pe", "electrons"):
            emax = (top + 10 * np.sqrt(top) + 10) / resp.quanta_per_energy()
        else:
            emax = (top + 10 * need(resp.resolution, "response.resolution").sigma0_kev + 10) * keV
        te = np.linspace(0.0, emax, 2001)
        electrons = sum(n.count * n.Z for n in self.nuclei)
        sin2 = self.interaction.sin2_value()
        rmat = self.response_matrix(te, te)
        out = np.zeros((self.edges.size - 1, self.time_edges.size - 1))
        for c, comp in enumerate(self.components):
            rate = electrons * electron_scattering.folded_differential_cross_section(
                te, self.fluences[comp], comp, sin2)
            out += np.outer(rate @ rmat, self.time_fractions[c])
        return out

    # ---- prediction -------------------------------------------------------------------
    def predict(self, **params: Any) -> np.ndarray:
        """Expected CEvNS counts in (observable bin, time bin), shape (nb, nt).

        Keyword parameters are listed in the module docstring; unknown names are refused.
        Without a Z′ or a magnetic moment the counts are the quadratic form of
        :meth:`coupling_terms`, cached per (radii, quenching side): a call is then a few
        small array operations.
        """
        unknown = set(params) - _PARAMETERS
        if unknown:
            raise InvalidConfiguration(f"predict: unknown parameter(s) {sorted(unknown)}; "
                                       f"known: {sorted(_PARAMETERS)}")
        inter = self.interaction
        q = float(params.get("quenching", 0.0))
        norm = params.get("flux_norm", 1.0) * params.get("efficiency_norm", 1.0)
        if not params.get("mediator_coupling", inter.mediator_coupling) and \
                not params.get("magnetic_moment_mub", inter.magnetic_moment_mub):
            a = self.couplings(params.get("sin2_theta_w"), params.get("nsi_uv"),
                               params.get("nsi_dv"))
            w = np.stack([a[:, 0] ** 2, 2 * a[:, 0] * a[:, 1], a[:, 1] ** 2], axis=1)  # (nc, 3)
            rp, rn = params.get("proton_radius_fm"), params.get("neutron_radius_fm")
            obs = np.einsum("ck,ckb->cb", w, self._terms(rp, rn, 0.0))
            if q != 0.0:
                shifted = np.einsum("ck,ckb->cb", w, self._terms(rp, rn, q))
                obs = obs + abs(q) * (shifted - obs)
            return norm * (obs.T @ self.time_fractions)
        rate = self.recoil_spectrum(**params) / params.get("flux_norm", 1.0)
        obs = rate @ self._response_at(q)                                     # (nc, nb)
        return norm * (obs.T @ self.time_fractions)                            # (nb, nt)

    def _terms(self, rp: float | None, rn: float | None, quenching: float) -> np.ndarray:
        """Σ_T k_weak (Z F_p, N F_n products) R: shape (nc, 3, nb), cached; ``quenching``
        selects the nominal (0) or the ±1σ response (its sign)."""
        side = 0.0 if quenching == 0.0 else float(np.sign(quenching))
        key = (rp, rn, side)
        hit = self._terms_cache.get(key)
        if hit is not None:
            return hit
        fp, fn = self._form_factors(rp, rn)
        zf, nf = self._z[:, None] * fp, self._n[:, None] * fn
        resp = self._response_at(side)
        out = np.stack([np.einsum("cit,it->ct", self.k_weak, prod) @ resp
                        for prod in (zf * zf, zf * nf, nf * nf)], axis=1)
        if len(self._terms_cache) > 64:
            self._terms_cache.clear()
        self._terms_cache[key] = out
        return out

    def backgrounds(self, norms: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
        """Background counts by name, shape (nb, nt) each, times ``norms[name]`` (default 1)."""
        norms = norms or {}
        return {k: v * float(norms.get(k, 1.0)) for k, v in self.background_templates.items()}

    def signal_by_component(self, **params: Any) -> dict[str, float]:
        """Selected CEvNS events (all analysis bins and time bins) per component."""
        rate = self.recoil_spectrum(**params) @ self._response_at(float(params.get("quenching", 0.0)))
        sel = rate * self.time_fractions.sum(axis=1)[:, None]
        return {c: float(sel[i].sum()) for i, c in enumerate(self.components)}

    def coupling_terms(self, **params: Any) -> np.ndarray:
        """Coefficients of the counts as a quadratic form in the couplings.

        Returns T[c, k, b, t] for k = (pp, pn, nn) with counts(b, t) =
        Σ_c a_p(c)² T[c,0] + 2 a_p(c) a_n(c) T[c,1] + a_n(c)² T[c,2] (no Z′, no μ_ν; the
        flux and efficiency normalisations and the quenching are applied).
        """
        fp, fn = self._form_factors(params.get("proton_radius_fm"), params.get("neutron_radius_fm"))
        zf, nf = self._z[:, None] * fp, self._n[:, None] * fn
        resp = self._response_at(float(params.get("quenching", 0.0)))
        norm = params.get("flux_norm", 1.0) * params.get("efficiency_norm", 1.0)
        out = []
        for prod in (zf * zf, zf * nf, nf * nf):
            rate = np.einsum("cit,it->ct", self.k_weak, prod) @ resp           # (nc, nb)
            out.append(rate[:, :, None] * self.time_fractions[:, None, :])
        return norm * np.stack(out, axis=1)

    def counts_from_couplings(self, terms: np.ndarray, couplings: np.ndarray) -> np.ndarray:
        """Counts (..., nb, nt) from :meth:`coupling_terms` and couplings (..., nc, 2)."""
        ap, an = couplings[..., 0], couplings[..., 1]
        w = np.stack([ap * ap, 2 * ap * an, an * an], axis=-1)              # (..., nc, 3)
        return np.einsum("...ck,ckbt->...bt", w, terms)

    def _to_bins(self, rate: np.ndarray) -> np.ndarray:
        """(nc, nT) recoil rates → counts (nb, nt) through the nominal response and timing."""
        return (rate @ self._response_at(0.0)).T @ self.time_fractions

    def magnetic_terms(self) -> np.ndarray:
        """Counts per μ_ν² (μ_ν in Bohr magnetons), shape (nb, nt): the magnetic term is
        added incoherently, so counts(μ_ν) = predict() + μ_ν² × this."""
        fp, _ = self._form_factors(None, None)
        return self._to_bins(np.einsum("cit,it->ct", self.k_mag, fp * fp))

    def mediator_terms(self, mass_mev: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(T0, T1, T2), shape (nb, nt) each, with counts = T0 + g′² T1 + g′⁴ T2 for a
        universal vector mediator of mass ``mass_mev`` (configured couplings and radii)."""
        fp, fn = self._form_factors(None, None)
        zf, nf = self._z[:, None] * fp, self._n[:, None] * fn
        a = self.couplings()
        q = a[:, 0, None, None] * zf[None] + a[:, 1, None, None] * nf[None]
        mass = float(mass_mev) * MeV
        h = 3.0 / (np.sqrt(2.0) * FERMI_CONSTANT * (self._q2 + mass**2)) * (zf + nf)
        return (self._to_bins(np.einsum("cit,cit->ct", self.k_weak, q * q)),
                self._to_bins(np.einsum("cit,cit->ct", self.k_weak, 2.0 * q * h[None])),
                self._to_bins(np.einsum("cit,it->ct", self.k_weak, h * h)))


#: Sub-bins per analysis bin of the 'energy' observable (efficiency vs measured energy).
_SUB = 20

_PARAMETERS = {"flux_norm", "efficiency_norm", "quenching", "sin2_theta_w", "neutron_radius_fm",
               "proton_radius_fm", "nsi_uv", "nsi_dv", "magnetic_moment_mub",
               "mediator_mass_mev", "mediator_coupling"}
