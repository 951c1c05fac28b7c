"""What the COHERENT data models share: the CEvNS family's prediction and the likelihood.

A data model (:class:`~nuexp.experiments.coherent_csi_2021.model.CsiModel`,
:class:`~nuexp.experiments.coherent_lar_2020.model.LarModel`) holds the CEvNS family's
:class:`~nuexp.experiments.cevns.model.RecoilModel` of its data set and applies the
release's detector response to it. :class:`DataModel` turns fit-parameter values into the
family's physics parameters — sin²θW, the common neutron rms radius (CsI), the νe vector NSI
couplings ε^{uV}_{ee}, ε^{dV}_{ee} and a factor on the νe events (``nue_scale``, for NSI
scans) — and builds the binned Poisson likelihood of the data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...stats.likelihood import BinnedLikelihood
from ...stats.nuisances import Parameter, ParameterSet
from ..cevns.model import RecoilModel

__all__ = ["DataModel"]

#: Physics parameters of the CEvNS prediction that every data model has.
PHYSICS = ("sin2_theta_w", "eps_u_ee", "eps_d_ee", "nue_scale")


class DataModel(ABC):
    """Base of the COHERENT data models.

    Parameters
    ----------
    recoil : RecoilModel
        The CEvNS family's recoil prediction for the data set.
    data : ndarray
        Observed counts in the analysis bins (any shape).
    flux_uncertainty : float
        Relative 1σ of the neutrino flux (prior of the ``flux`` nuisance).
    """

    def __init__(self, recoil: RecoilModel, data: np.ndarray, flux_uncertainty: float) -> None:
        self.recoil_model = recoil
        self.recoil = recoil.recoil
        self.data = data
        self.shape = data.shape
        self.flux_uncertainty = flux_uncertainty
        self._counts_key: tuple[float, ...] | None = None
        self._counts = np.zeros((len(recoil.components), recoil.recoil.size))

    def recoil_counts(self, values: Mapping[str, float]) -> np.ndarray:
        """CEvNS events per recoil-grid node (trapezoid weight included) per component,
        shape (nc, nT), at the physics parameters in ``values`` (last call cached)."""
        radius = values.get("neutron_radius_fm")
        key = tuple(float(values[k]) for k in PHYSICS) + (np.nan if radius is None
                                                           else float(radius),)
        if key != self._counts_key:
            rm = self.recoil_model
            inter = rm.interaction
            kw: dict[str, Any] = {"sin2_theta_w": values["sin2_theta_w"],
                                  "nsi_uv": {**inter.nsi_uv, "e": values["eps_u_ee"]},
                                  "nsi_dv": {**inter.nsi_dv, "e": values["eps_d_ee"]}}
            if radius is not None:
                kw["neutron_radius_fm"] = float(radius)
            counts = rm.recoil_spectrum(**kw) * rm.weights
            scale = np.array([values["nue_scale"] if f == "nue" else 1.0 for f in rm.components])
            self._counts = counts * scale[:, None]
            self._counts_key = key
        return self._counts

    def signal_parameters(self, free: Sequence[str], step: float) -> list[Parameter]:
        """Signal strength (fixed at 1 unless free; then the flux nuisance, degenerate with
        it, is fixed) and the flux nuisance with its Gaussian prior."""
        scale_free = "cevns_scale" in free
        return [Parameter("cevns_scale", 1.0, step=step, limits=(0.0, None), fixed=not scale_free),
                Parameter("flux", 1.0, limits=(0.0, None), prior=(1.0, self.flux_uncertainty),
                          fixed=scale_free)]

    def physics_parameters(self, free: Sequence[str]) -> list[Parameter]:
        """sin²θW, ε^{uV}_{ee}, ε^{dV}_{ee} and ``nue_scale``, fixed unless in ``free``;
        nominal values from the interaction block (other NSI couplings stay as configured)."""
        inter = self.recoil_model.interaction
        return [
            Parameter("sin2_theta_w", inter.sin2_value(), step=0.01,
                      limits=(0.01, 0.6), fixed="sin2_theta_w" not in free),
            Parameter("eps_u_ee", inter.nsi_uv.get("e", 0.0), step=0.05,
                      fixed="eps_u_ee" not in free),
            Parameter("eps_d_ee", inter.nsi_dv.get("e", 0.0), step=0.05,
                      fixed="eps_d_ee" not in free),
            Parameter("nue_scale", 1.0, step=0.05, limits=(0.0, None),
                      fixed="nue_scale" not in free),
        ]

    @abstractmethod
    def parameters(self, free: Sequence[str] = ()) -> ParameterSet:
        """All fit parameters (the data model's nuisances and the physics parameters)."""

    @abstractmethod
    def components(self, values: Mapping[str, float]) -> dict[str, np.ndarray]:
        """Expected counts of each component (data shape) at the parameter ``values``."""

    def likelihood(self, free: Sequence[str] = ()) -> BinnedLikelihood:
        """Poisson likelihood of the data (−2 ln L, Baker–Cousins), parameters in ``free``
        released."""
        ps = self.parameters(free)
        names = ps.names

        def expected(x: np.ndarray) -> np.ndarray:
            comps = self.components(dict(zip(names, x)))
            return np.add.reduce(list(comps.values())).ravel()

        return BinnedLikelihood(expected, self.data.ravel(), ps)
