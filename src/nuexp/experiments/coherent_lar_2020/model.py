"""Binned energy × F90 × time likelihood of COHERENT's CENNS-10 LAr data (Analysis A).

Expected counts on the release's 12 × 8 × 10 grid (COHERENT PRL 126 (2021) 012002; data
release arXiv:2006.12659, :mod:`nuexp.events.coherent_lar_2020`):

* **CEvNS**: the number of events is predicted by nuexp — the CEvNS family's
  :class:`~nuexp.experiments.cevns.model.RecoilModel` for natural argon in the μDAR
  fluence of the data set (via :class:`~nuexp.experiments.coherent_data.model.DataModel`), the
  release's quenching QF = a + b T (T in keVnr), its acceptance vs electron-equivalent
  energy (constant beyond the last tabulated 39.75 keVee), the
  0–120 keVee energy window and the arrival-time window of the PDFs
  (:func:`nuexp.sources.pulse_timing.arrival_fractions` with the release's proton pulse)
  — and distributed with the release's CEvNS PDF, whose shape varies with two nuisances:
  F90 (±1σ PDFs) and the CEvNS timing mean (one-sided PDF, mirrored). Nuisances on the
  count: the flux (Gaussian, relative) and the quenching factor (θ moves a and b by their
  1σ together).
* **Prompt BRN**: the release's PDF with three shape nuisances (energy ±1σ, timing mean
  ±1σ, timing width one-sided), normalisation Gaussian (497 ± 160 predicted).
* **Delayed BRN** (33 ± 33) and **steady state** (3154 ± 25): the release's PDFs with
  Gaussian normalisations.

``nue_scale`` multiplies the predicted νe events (for NSI scans; the release's CEvNS PDF
keeps its shape). All shape nuisances are θ ~ N(0, 1) with piecewise-linear vertical interpolation
(:func:`nuexp.stats.templates.interpolate_shape`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from hepunits import keV

from ...events.coherent_lar_2020 import LarRelease
from ...sources.pulse_timing import ARRIVAL_GROUPS, ProtonPulse, arrival_fractions
from ...stats.nuisances import Parameter, ParameterSet
from ...stats.templates import interpolate_shape, nonnegative_range
from ..cevns.model import RecoilModel
from ..coherent_data.model import DataModel

__all__ = ["LarModel", "LarSetup"]


@dataclass(frozen=True)
class LarSetup:
    """Numbers of the LAr analysis (from the preset and the release), in hepunits.

    Attributes
    ----------
    flux_uncertainty : float
        Relative 1σ of the fluence.
    pulse : ProtonPulse
        Proton pulse on the release's time axis.
    qf_a, qf_b, qf_a_sigma, qf_b_sigma : float
        QF = a + b T with T in keVnr (b in 1/keVnr), and their 1σ.
    energy_max : float
        Upper end of the reconstructed-energy window (electron-equivalent energy).
    """

    flux_uncertainty: float
    pulse: ProtonPulse
    qf_a: float
    qf_b: float
    qf_a_sigma: float
    qf_b_sigma: float
    energy_max: float


class LarModel(DataModel):
    """Expected counts of the CENNS-10 Analysis A fit as a function of the fit parameters.

    Parameters
    ----------
    setup : LarSetup
    release : LarRelease
    recoil : RecoilModel
        The CEvNS family's prediction for the data set (argon, its fluence and recoil grid).
    """

    def __init__(self, setup: LarSetup, release: LarRelease, recoil: RecoilModel) -> None:
        h = release.histograms
        super().__init__(recoil, h["data"], setup.flux_uncertainty)
        self.setup = setup
        self.release = release
        self.cevns_reference = float(h["cevns"].sum())
        self.brn_reference = float(h["brn"].sum())
        window = release.time_edges[[0, -1]]
        self._time_window = {g: float(arrival_fractions(g, window, setup.pulse)[0])
                             for g in ("prompt", "delayed")}
        self._predicted_of: np.ndarray | None = None
        self._predicted: dict[int, float] = {}

    def predicted_by_flavour(self, values: Mapping[str, float],
                             qf_theta: float = 0.0) -> dict[str, float]:
        """Predicted CEvNS events per flavour in the analysis window at the physics
        parameters in ``values`` (sin²θW, ε_ee, ``nue_scale``) and the QF nuisance θ."""
        s = self.setup
        counts = self.recoil_counts(values)
        t_kev = self.recoil / keV
        qf = (s.qf_a + qf_theta * s.qf_a_sigma) + (s.qf_b + qf_theta * s.qf_b_sigma) * t_kev
        eee = qf * self.recoil
        eff = self.release.efficiency  # acceptance vs electron-equivalent energy (keVee)
        acceptance = np.interp(eee / keV, eff[:, 0], eff[:, 2], left=0.0, right=float(eff[-1, 2]))
        weight = acceptance * (eee < s.energy_max)
        return {f: float(counts[i] @ weight) * self._time_window[ARRIVAL_GROUPS[f]]
                for i, f in enumerate(self.recoil_model.components)}

    def predicted(self, values: Mapping[str, float], qf_theta: float) -> float:
        """Predicted CEvNS events at the physics parameters in ``values``, quadratic in the
        QF nuisance through θ = −1, 0, 1."""
        counts = self.recoil_counts(values)
        if counts is not self._predicted_of:
            self._predicted = {k: sum(self.predicted_by_flavour(values, k).values())
                               for k in (-1, 0, 1)}
            self._predicted_of = counts
        c = self._predicted
        slope = 0.5 * (c[1] - c[-1])
        curve = 0.5 * (c[1] + c[-1]) - c[0]
        return c[0] + slope * qf_theta + curve * qf_theta**2

    def components(self, values: Mapping[str, float]) -> dict[str, np.ndarray]:
        """Expected counts (energy × F90 × time) of each component at ``values``."""
        h = self.release.histograms
        n_cevns = (values["cevns_scale"] * values["flux"]
                   * self.predicted(values, values["quenching"]))
        shape = interpolate_shape(h["cevns"], h["cevns_f90_plus"], h["cevns_f90_minus"],
                                  values["cevns_f90"])
        shape = shape + interpolate_shape(h["cevns"], h["cevns_timing_mean"], None,
                                          values["cevns_timing_mean"]) - h["cevns"]
        brn = interpolate_shape(h["brn"], h["brn_energy_plus"], h["brn_energy_minus"],
                                values["brn_energy"])
        brn = brn + interpolate_shape(h["brn"], h["brn_timing_mean_plus"],
                                      h["brn_timing_mean_minus"], values["brn_timing_mean"]) - h["brn"]
        brn = brn + interpolate_shape(h["brn"], h["brn_timing_width"], None,
                                      values["brn_timing_width"]) - h["brn"]
        return {
            "cevns": n_cevns * shape / self.cevns_reference,
            "brn": values["brn"] * brn,
            "delayed_brn": values["delayed_brn"] * h["delayed_brn"],
            "steady_state": values["steady_state"] * h["steady_state"],
        }

    def parameters(self, free: Sequence[str] = ()) -> ParameterSet:
        """Fit parameters; ``cevns_scale`` and physics fixed unless in ``free``."""
        p = self.release.parameters

        def relative(key: str) -> float:
            return float(p[key]["uncertainty"]) / float(p[key]["value"])

        h = self.release.histograms
        ranges = {  # shape nuisances stay where every template bin is >= 0
            "cevns_f90": nonnegative_range(h["cevns"], h["cevns_f90_plus"], h["cevns_f90_minus"]),
            "cevns_timing_mean": nonnegative_range(h["cevns"], h["cevns_timing_mean"], None),
            "brn_energy": nonnegative_range(h["brn"], h["brn_energy_plus"], h["brn_energy_minus"]),
            "brn_timing_mean": nonnegative_range(h["brn"], h["brn_timing_mean_plus"],
                                                 h["brn_timing_mean_minus"]),
            "brn_timing_width": nonnegative_range(h["brn"], h["brn_timing_width"], None),
        }
        ss_pdf = float(h["steady_state"].sum())
        ss_pred = self.release.value("ssBackgroundPredictionNormalization")
        return ParameterSet([
            *self.signal_parameters(free, step=0.1),
            Parameter("quenching", 0.0, prior=(0.0, 1.0)),
            Parameter("cevns_f90", 0.0, limits=ranges["cevns_f90"], prior=(0.0, 1.0)),
            Parameter("cevns_timing_mean", 0.0, limits=ranges["cevns_timing_mean"], prior=(0.0, 1.0)),
            Parameter("brn", 1.0, limits=(0.0, None),
                      prior=(1.0, relative("promptBeamRelatedNeutronPredictionNormalization"))),
            Parameter("brn_energy", 0.0, limits=ranges["brn_energy"], prior=(0.0, 1.0)),
            Parameter("brn_timing_mean", 0.0, limits=ranges["brn_timing_mean"], prior=(0.0, 1.0)),
            Parameter("brn_timing_width", 0.0, limits=ranges["brn_timing_width"], prior=(0.0, 1.0)),
            Parameter("delayed_brn", 1.0, step=0.2, limits=(0.0, None),
                      prior=(1.0, relative("delayedBeamRelatedNeutronPredictionNormalization"))),
            # the SS PDF sums to 3152 against the documented prediction 3154 ± 25
            Parameter("steady_state", 1.0, limits=(0.0, None),
                      prior=(ss_pred / ss_pdf,
                             relative("ssBackgroundPredictionNormalization") * ss_pred / ss_pdf)),
            *self.physics_parameters(free),
        ])
