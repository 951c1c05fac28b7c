"""Binned PE × arrival-time likelihood of COHERENT's CsI[Na] 2021 data.

Expected counts in (PE bin, time bin), COHERENT PRL 129 (2022) 081801 and its data
release (:mod:`nuexp.events.coherent_csi_2021`):

* **CEvNS**: dN/dT per flavour from :func:`~nuexp.experiments.coherent_data.prediction.predict`
  → E_ee(T) (scintillation response of the release) → PE: a gamma distribution of mean
  LY · E_ee and shape 1 + b E_ee (the release's detector model, configured in the preset) →
  PE efficiency of the release → bins; times from
  :func:`nuexp.sources.pulse_timing.arrival_fractions` (prompt νμ, delayed νe/ν̄μ) with the
  time efficiency ε_T(t) = 1 before t₀ and exp(−k (t − t₀)) after.
  Nuisances: flux (Gaussian, relative), two scintillation-response modes and the PE
  efficiency (each θ ~ N(0, 1), vertical interpolation between the ±1σ templates built
  with the release's ±1σ models), the beam-timing shift (Gaussian, moves CEvNS, BRN and
  NIN together).
* **BRN, NIN**: the release's PE projection (includes the PE efficiency) × its time
  projection shifted by the beam-timing nuisance, times ε_T; normalisations Gaussian.
* **Steady state**: the anti-coincidence sample (same selection, same window length) as
  PE projection × time projection (factorised to keep its per-bin Poisson noise out of the
  template), normalisation Gaussian with its Poisson uncertainty 1/√N_AC.

Physics parameters of the CEvNS prediction — sin²θW, the common neutron rms radius of
Cs and I, ε^{uV}_{ee}, ε^{dV}_{ee}, and ``nue_scale`` (a factor on the νe CEvNS events,
for NSI scans) — are fit parameters (fixed unless released).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from hepunits import fermi, keV, ns
from scipy.stats import gamma

from ...events.coherent_csi_2021 import CsiRelease
from ...sources.pulse_timing import ARRIVAL_GROUPS, ProtonPulse, arrival_fractions
from ...stats.likelihood import BinnedLikelihood
from ...stats.nuisances import Parameter, ParameterSet
from ...stats.templates import interpolate_shape, rebin_shifted
from ..coherent_data.prediction import CevnsPhysics, lewin_smith_radius, predict

__all__ = ["CsiModel", "CsiSetup"]

_VARIANTS = ("nominal", "mode0_plus", "mode0_minus", "mode1_plus", "mode1_minus",
             "eff_plus", "eff_minus")
_SUB = 8  # sub-bins per time bin for the time efficiency of the neutron backgrounds


@dataclass(frozen=True)
class CsiSetup:
    """Numbers of the CsI analysis (from the preset), in hepunits.

    Attributes
    ----------
    fluence : float
        Per flavour, POT · yield / (4π L²) (1/area).
    mass_kg : float
    formula : str
    flux_uncertainty : float
        Relative 1σ of the fluence.
    sin2_theta_w : float
        Nominal weak mixing angle.
    pulse : ProtonPulse
        Nominal proton pulse on the data's time axis.
    pulse_mean_uncertainty : float
        1σ of the beam-timing shift (hepunits time).
    light_yield_pe_per_kevee, resolution_a_kevee, resolution_b_per_kevee : float
        PE model: mean LY E_ee, gamma shape 1 + b E_ee, a = resolution_a / E_ee (keVee).
    time_efficiency_onset, time_efficiency_decay : float
        ε_T = 1 before the onset (time), exp(−decay (t − onset)) after (decay: 1/time).
    recoil_edges : ndarray
        Recoil-energy bins of the prediction (energy).
    pe_edges, time_edges : ndarray
        Analysis bins (PE; time).
    brn_uncertainty, nin_uncertainty : float
        Relative 1σ of the BRN and NIN normalisations.
    """

    fluence: float
    mass_kg: float
    formula: str
    flux_uncertainty: float
    sin2_theta_w: float
    pulse: ProtonPulse
    pulse_mean_uncertainty: float
    light_yield_pe_per_kevee: float
    resolution_a_kevee: float
    resolution_b_per_kevee: float
    time_efficiency_onset: float
    time_efficiency_decay: float
    recoil_edges: np.ndarray
    pe_edges: np.ndarray
    time_edges: np.ndarray
    brn_uncertainty: float
    nin_uncertainty: float


def _hist2d(events: np.ndarray, pe_edges: np.ndarray, time_edges: np.ndarray) -> np.ndarray:
    counts, _, _ = np.histogram2d(events[:, 0], events[:, 1], bins=(pe_edges, time_edges))
    return counts


def _centres_to_edges(centres: np.ndarray) -> np.ndarray:
    width = np.diff(centres).mean()
    return np.append(centres - 0.5 * width, centres[-1] + 0.5 * width)


class CsiModel:
    """Expected counts of the CsI[Na] 2021 analysis as a function of the fit parameters.

    Parameters
    ----------
    setup : CsiSetup
    release : CsiRelease
    """

    def __init__(self, setup: CsiSetup, release: CsiRelease) -> None:
        self.setup = setup
        pe, te = setup.pe_edges, setup.time_edges
        self.shape = (pe.size - 1, te.size - 1)
        self.data = _hist2d(release.coincidence, pe, te)
        ac = _hist2d(release.anticoincidence, pe, te)
        self.n_anticoincidence = float(ac.sum())
        self.ss_template = np.outer(ac.sum(axis=1), ac.sum(axis=0)) / self.n_anticoincidence
        # beam-related neutrons: PE projection (1-PE bins, efficiency included) × time
        self._neutrons = {}
        for name, pe_pdf, t_pdf in (("brn", release.brn_pe, release.brn_time),
                                    ("nin", release.nin_pe, release.nin_time)):
            pe_frac = rebin_shifted(_centres_to_edges(pe_pdf[:, 0]), pe_pdf[:, 1], pe)
            self._neutrons[name] = (pe_frac / pe_pdf[:, 1].sum(), _centres_to_edges(t_pdf[:, 0]),
                                    t_pdf[:, 1])
        # recoil → PE response for the nominal model and each ±1σ variant
        t_edges = setup.recoil_edges
        self.recoil = 0.5 * (t_edges[1:] + t_edges[:-1])
        self.recoil_width = np.diff(t_edges)
        self._response = {v: self._pe_response(release, v) for v in _VARIANTS}
        te = setup.time_edges
        sub = te[:-1, None] + np.diff(te)[:, None] * np.linspace(0.0, 1.0, _SUB + 1)[None, :]
        self._fine_time_edges = np.append(sub[:, :-1].ravel(), te[-1])
        self._physics_key: tuple[float | None, ...] | None = None
        self._templates: dict[str, dict[str, np.ndarray]] = {}
        self.default_radius = float(np.mean([lewin_smith_radius(a) for a in (133, 127)]))

    # ------------------------------------------------------------------ response
    def time_efficiency(self, t: np.ndarray) -> np.ndarray:
        """ε_T(t) of the release (1 before the onset, exponential decay after)."""
        s = self.setup
        return np.where(t < s.time_efficiency_onset, 1.0,
                        np.exp(-s.time_efficiency_decay * (t - s.time_efficiency_onset)))

    def _pe_response(self, release: CsiRelease, variant: str, oversample: int = 8) -> np.ndarray:
        """Matrix (PE bins × recoil bins): P(PE in bin | T) · ε_PE, for one model variant."""
        s = self.setup
        q_name = variant if variant.startswith("mode") else "nominal"
        e_name = {"eff_plus": "plus", "eff_minus": "minus"}.get(variant, "nominal")
        eee = release.quenching[q_name].electron_equivalent(self.recoil) / keV
        eee = np.maximum(eee, 1e-6)
        mean = s.light_yield_pe_per_kevee * eee
        shape = 1.0 + s.resolution_b_per_kevee * eee
        pe = s.pe_edges
        frac = np.linspace(0.0, 1.0, oversample + 1)
        fine = (pe[:-1, None] + np.diff(pe)[:, None] * frac[None, :])  # (n_pe, k + 1)
        cdf = gamma.cdf(fine[None, :, :], shape[:, None, None],
                        scale=(mean / shape)[:, None, None])
        eff = release.efficiency[e_name](0.5 * (fine[:, 1:] + fine[:, :-1]))
        return np.einsum("tpk,pk->pt", np.diff(cdf, axis=2), eff)

    # ------------------------------------------------------------------ templates
    def physics(self, values: dict[str, float]) -> CevnsPhysics:
        """CEvNS physics from parameter values (radius in fm)."""
        return CevnsPhysics(sin2_theta_w=values["sin2_theta_w"],
                            neutron_radius=values["neutron_radius_fm"] * fermi,
                            eps_u_ee=values["eps_u_ee"], eps_d_ee=values["eps_d_ee"])

    def pe_templates(self, physics: CevnsPhysics) -> dict[str, dict[str, np.ndarray]]:
        """{variant: {flavour: expected CEvNS counts per PE bin}} (all times, no ε_T)."""
        key = (physics.sin2_theta_w, physics.neutron_radius, physics.eps_u_ee, physics.eps_d_ee)
        if key != self._physics_key:
            s = self.setup
            spectra = predict(s.formula, s.mass_kg, s.fluence, self.recoil, physics)
            counts = {f: spectra[f] * self.recoil_width for f in spectra}
            self._templates = {v: {f: r @ counts[f] for f in counts}
                               for v, r in self._response.items()}
            self._physics_key = key
        return self._templates

    def time_fractions(self, shift: float) -> dict[str, np.ndarray]:
        """{group: fraction per time bin × ε_T} for the pulse moved by ``shift``."""
        s = self.setup
        pulse = ProtonPulse(s.pulse.mean + shift, s.pulse.sigma)
        return {g: arrival_fractions(g, s.time_edges, pulse, self.time_efficiency)
                for g in ("prompt", "delayed")}

    def components(self, values: dict[str, float]) -> dict[str, np.ndarray]:
        """Expected counts (PE × time) of each component at the parameter ``values``."""
        tpl = self.pe_templates(self.physics(values))
        shift = values["beam_time_shift_ns"] * ns
        times = self.time_fractions(shift)
        cevns = np.zeros(self.shape)
        for f, nominal in tpl["nominal"].items():
            spec = nominal
            for mode in ("mode0", "mode1"):
                spec = spec + interpolate_shape(nominal, tpl[f"{mode}_plus"][f],
                                                tpl[f"{mode}_minus"][f], values[f"quenching_{mode[-1]}"]) - nominal
            spec = spec + interpolate_shape(nominal, tpl["eff_plus"][f], tpl["eff_minus"][f],
                                            values["efficiency"]) - nominal
            if f == "nue":
                spec = values["nue_scale"] * spec
            cevns += np.outer(spec, times[ARRIVAL_GROUPS[f]])
        cevns *= values["cevns_scale"] * values["flux"]
        out = {"cevns": cevns}
        fine = self._fine_time_edges
        eff = self.time_efficiency(0.5 * (fine[1:] + fine[:-1])).reshape(-1, _SUB)
        for name, (pe_frac, t_edges, t_counts) in self._neutrons.items():
            moved = rebin_shifted(t_edges, t_counts, fine, shift).reshape(-1, _SUB)
            out[name] = values[name] * np.outer(pe_frac, (moved * eff).sum(axis=1))
        out["steady_state"] = values["steady_state"] * self.ss_template
        return out

    # ------------------------------------------------------------------ likelihood
    def parameters(self, free: Sequence[str] = ()) -> ParameterSet:
        """Fit parameters: nuisances free with their priors, physics fixed unless in ``free``.

        ``cevns_scale`` (signal strength, ≥ 0) is fixed at 1 unless in ``free``; when it
        is free the flux nuisance is fixed (the two are degenerate).
        """
        s = self.setup
        scale_free = "cevns_scale" in free
        params = [
            Parameter("cevns_scale", 1.0, step=0.05, limits=(0.0, None), fixed=not scale_free),
            Parameter("flux", 1.0, limits=(0.0, None), prior=(1.0, s.flux_uncertainty),
                      fixed=scale_free),
            Parameter("quenching_0", 0.0, prior=(0.0, 1.0)),
            Parameter("quenching_1", 0.0, prior=(0.0, 1.0)),
            Parameter("efficiency", 0.0, prior=(0.0, 1.0)),
            Parameter("beam_time_shift_ns", 0.0, prior=(0.0, s.pulse_mean_uncertainty / ns)),
            Parameter("brn", 1.0, limits=(0.0, None), prior=(1.0, s.brn_uncertainty)),
            Parameter("nin", 1.0, limits=(0.0, None), prior=(1.0, s.nin_uncertainty)),
            Parameter("steady_state", 1.0, limits=(0.0, None),
                      prior=(1.0, 1.0 / np.sqrt(self.n_anticoincidence))),
            Parameter("sin2_theta_w", s.sin2_theta_w, step=0.01, limits=(0.01, 0.6),
                      fixed="sin2_theta_w" not in free),
            Parameter("neutron_radius_fm", self.default_radius / fermi, step=0.2,
                      limits=(2.0, 12.0), fixed="neutron_radius_fm" not in free),
            Parameter("eps_u_ee", 0.0, step=0.05, fixed="eps_u_ee" not in free),
            Parameter("eps_d_ee", 0.0, step=0.05, fixed="eps_d_ee" not in free),
            Parameter("nue_scale", 1.0, step=0.05, limits=(0.0, None),
                      fixed="nue_scale" not in free),
        ]
        return ParameterSet(params)

    def likelihood(self, free: Sequence[str] = ()) -> BinnedLikelihood:
        """Poisson likelihood of the coincidence data (−2 ln L, Baker–Cousins)."""
        ps = self.parameters(free)
        names = ps.names

        def expected(x: np.ndarray) -> np.ndarray:
            comps = self.components(dict(zip(names, x)))
            return np.add.reduce(list(comps.values())).ravel()

        return BinnedLikelihood(expected, self.data.ravel(), ps)
