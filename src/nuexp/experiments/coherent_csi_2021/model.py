"""Binned PE × arrival-time likelihood of COHERENT's CsI[Na] 2021 data.

Expected counts in (PE bin, time bin), COHERENT PRL 129 (2022) 081801 and its data
release (:mod:`nuexp.events.coherent_csi_2021`):

* **CEvNS**: dN/dT per flavour from the CEvNS family
  (:class:`~nuexp.experiments.cevns.model.RecoilModel` in the μDAR fluence of the data set,
  via :class:`~nuexp.experiments.coherent_data.model.DataModel`)
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
Cs and I (proton radii: the family's Helm default of each isotope), ε^{uV}_{ee},
ε^{dV}_{ee}, and ``nue_scale`` (a factor on the νe CEvNS events, for NSI scans) — are fit
parameters (fixed unless released).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from hepunits import keV, ns
from scipy.special import gammainc

from ...events.coherent_csi_2021 import CsiRelease
from ...sources.pulse_timing import ARRIVAL_GROUPS, ProtonPulse, arrival_fractions
from ...stats.nuisances import Parameter, ParameterSet
from ...stats.templates import interpolate_shape, rebin_shifted
from ..cevns.model import RecoilModel
from ..coherent_data.model import DataModel

__all__ = ["CsiModel", "CsiSetup"]

_VARIANTS = ("nominal", "mode0_plus", "mode0_minus", "mode1_plus", "mode1_minus",
             "eff_plus", "eff_minus")
_SUB = 8  # sub-bins per time bin for the time efficiency of the neutron backgrounds


@dataclass(frozen=True)
class CsiSetup:
    """Numbers of the CsI analysis (from the preset), in hepunits.

    Attributes
    ----------
    flux_uncertainty : float
        Relative 1σ of the fluence.
    pulse : ProtonPulse
        Nominal proton pulse on the data's time axis.
    pulse_mean_uncertainty : float
        1σ of the beam-timing shift (hepunits time).
    light_yield_pe_per_kevee, resolution_a_kevee, resolution_b_per_kevee : float
        PE model: mean LY E_ee, gamma shape 1 + b E_ee, a = resolution_a / E_ee (keVee).
    time_efficiency_onset, time_efficiency_decay : float
        ε_T = 1 before the onset (time), exp(−decay (t − onset)) after (decay: 1/time).
    pe_edges, time_edges : ndarray
        Analysis bins (PE; time).
    brn_uncertainty, nin_uncertainty : float
        Relative 1σ of the BRN and NIN normalisations.
    """

    flux_uncertainty: float
    pulse: ProtonPulse
    pulse_mean_uncertainty: float
    light_yield_pe_per_kevee: float
    resolution_a_kevee: float
    resolution_b_per_kevee: float
    time_efficiency_onset: float
    time_efficiency_decay: float
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


class CsiModel(DataModel):
    """Expected counts of the CsI[Na] 2021 analysis as a function of the fit parameters.

    Parameters
    ----------
    setup : CsiSetup
    release : CsiRelease
    recoil : RecoilModel
        The CEvNS family's prediction for the data set (CsI, its fluence and recoil grid).
    """

    def __init__(self, setup: CsiSetup, release: CsiRelease, recoil: RecoilModel) -> None:
        pe, te = setup.pe_edges, setup.time_edges
        super().__init__(recoil, _hist2d(release.coincidence, pe, te), setup.flux_uncertainty)
        self.setup = setup
        ac = _hist2d(release.anticoincidence, pe, te)
        self.n_anticoincidence = float(ac.sum())
        self.ss_template = np.outer(ac.sum(axis=1), ac.sum(axis=0)) / self.n_anticoincidence
        # beam-related neutrons: PE projection (1-PE bins, efficiency included) × time
        self._neutrons: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for name, pe_pdf, t_pdf in (("brn", release.brn_pe, release.brn_time),
                                    ("nin", release.nin_pe, release.nin_time)):
            pe_frac = rebin_shifted(_centres_to_edges(pe_pdf[:, 0]), pe_pdf[:, 1], pe)
            self._neutrons[name] = (pe_frac / pe_pdf[:, 1].sum(), _centres_to_edges(t_pdf[:, 0]),
                                    t_pdf[:, 1])
        # recoil-grid node → PE response for the nominal model and each ±1σ variant
        self._response = {v: self._pe_response(release, v) for v in _VARIANTS}
        te = setup.time_edges
        sub = te[:-1, None] + np.diff(te)[:, None] * np.linspace(0.0, 1.0, _SUB + 1)[None, :]
        self._fine_time_edges = np.append(sub[:, :-1].ravel(), te[-1])
        self._templates_of: np.ndarray | None = None
        self._templates: dict[str, dict[str, np.ndarray]] = {}
        self.default_radius_fm = recoil.mean_neutron_radius_fm()

    # ------------------------------------------------------------------ response
    def time_efficiency(self, t: np.ndarray) -> np.ndarray:
        """ε_T(t) of the release (1 before the onset, exponential decay after)."""
        s = self.setup
        return np.where(t < s.time_efficiency_onset, 1.0,
                        np.exp(-s.time_efficiency_decay * (t - s.time_efficiency_onset)))

    def _pe_response(self, release: CsiRelease, variant: str, oversample: int = 8) -> np.ndarray:
        """Matrix (PE bins × recoil nodes): P(PE in bin | T) · ε_PE, for one model variant."""
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
        # gamma CDF of shape k and scale mean/k: the regularised incomplete gamma P(k, x/θ)
        # (PE edges are >= 0, where it is defined)
        cdf = gammainc(shape[:, None, None],
                       fine[None, :, :] / (mean / shape)[:, None, None])
        eff = release.efficiency[e_name](0.5 * (fine[:, 1:] + fine[:, :-1]))
        return np.einsum("tpk,pk->pt", np.diff(cdf, axis=2), eff)

    # ------------------------------------------------------------------ templates
    def pe_templates(self, values: Mapping[str, float]) -> dict[str, dict[str, np.ndarray]]:
        """{variant: {flavour: expected CEvNS counts per PE bin}} (all times, no ε_T) at the
        physics parameters in ``values`` (sin²θW, R_n, ε_ee, ``nue_scale``)."""
        counts = self.recoil_counts(values)
        if counts is not self._templates_of:
            flavours = self.recoil_model.components
            self._templates = {v: {f: r @ counts[i] for i, f in enumerate(flavours)}
                               for v, r in self._response.items()}
            self._templates_of = counts
        return self._templates

    def time_fractions(self, shift: float) -> dict[str, np.ndarray]:
        """{group: fraction per time bin × ε_T} for the pulse moved by ``shift``."""
        s = self.setup
        pulse = ProtonPulse(s.pulse.mean + shift, s.pulse.sigma)
        return {g: arrival_fractions(g, s.time_edges, pulse, self.time_efficiency)
                for g in ("prompt", "delayed")}

    def components(self, values: Mapping[str, float]) -> dict[str, np.ndarray]:
        """Expected counts (PE × time) of each component at the parameter ``values``."""
        tpl = self.pe_templates(values)
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
        return ParameterSet([
            *self.signal_parameters(free, step=0.05),
            Parameter("quenching_0", 0.0, prior=(0.0, 1.0)),
            Parameter("quenching_1", 0.0, prior=(0.0, 1.0)),
            Parameter("efficiency", 0.0, prior=(0.0, 1.0)),
            Parameter("beam_time_shift_ns", 0.0, prior=(0.0, s.pulse_mean_uncertainty / ns)),
            Parameter("brn", 1.0, limits=(0.0, None), prior=(1.0, s.brn_uncertainty)),
            Parameter("nin", 1.0, limits=(0.0, None), prior=(1.0, s.nin_uncertainty)),
            Parameter("steady_state", 1.0, limits=(0.0, None),
                      prior=(1.0, 1.0 / np.sqrt(self.n_anticoincidence))),
            Parameter("neutron_radius_fm", self.default_radius_fm, step=0.2,
                      limits=(2.0, 12.0), fixed="neutron_radius_fm" not in free),
            *self.physics_parameters(free),
        ])
