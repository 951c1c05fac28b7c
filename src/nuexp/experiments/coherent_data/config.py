"""Configuration blocks shared by the COHERENT data presets (CsI 2021, LAr 2020, combined).

The data presets are presets of the CEvNS family plus data: their target and interaction
blocks are the family's (:class:`~nuexp.experiments.cevns.config.TargetBlock`,
:class:`~nuexp.experiments.cevns.config.InteractionBlock`) and their CEvNS prediction is the
family's :class:`~nuexp.experiments.cevns.model.RecoilModel` in the stopped-pion fluence of
the data set (:meth:`CoherentDataConfig.recoil_model`).

Units are those the key names carry (``_m``, ``_kg``, ``_ns``, ``_kev``, ...); conversion
to hepunits happens in the methods.
"""

from __future__ import annotations

import numpy as np
from hepunits import m, ns
from pydantic import Field, ValidationInfo, field_validator, model_validator

from ...config import ExperimentConfig, PublishedValue, StrictModel
from ...sources.pulse_timing import ProtonPulse
from ...sources.spectrum import NeutrinoSpectrum
from ..cevns.config import InteractionBlock, TargetBlock
from ..cevns.model import RecoilModel, stopped_pion_fluences

__all__ = ["CoherentDataConfig", "ScanBlock", "ScanRange", "SnsExposureBlock",
           "published_band"]


class SnsExposureBlock(StrictModel):
    """Stopped-pion exposure of one data set and the SNS proton pulse on its time axis."""

    protons_on_target: float = Field(gt=0, description="protons on target of the data set")
    nu_per_proton_per_flavour: float = Field(gt=0, le=1, description="ν per proton per flavour")
    flux_uncertainty: float = Field(gt=0, le=1, description="relative 1σ of the neutrino flux")
    distance_m: float = Field(gt=0, description="target–detector distance [m]")
    pulse_mean_ns: float = Field(allow_inf_nan=False,
                                 description="centre of the Gaussian proton pulse on the data's "
                                             "time axis [ns]")
    pulse_mean_uncertainty_ns: float = Field(gt=0, description="1σ of the beam-timing shift [ns]")
    pulse_sigma_ns: float = Field(gt=0, le=2000, description="Gaussian width of the pulse [ns]")

    def fluences(self) -> dict[str, NeutrinoSpectrum]:
        """μDAR fluence spectra per flavour, POT · yield / (4π L²) each (hepunits)."""
        return stopped_pion_fluences(self.protons_on_target, self.nu_per_proton_per_flavour,
                                     self.distance_m * m)

    def pulse(self) -> ProtonPulse:
        """The nominal proton pulse (hepunits time)."""
        return ProtonPulse(self.pulse_mean_ns * ns, self.pulse_sigma_ns * ns)


class ScanRange(StrictModel):
    """A grid for a profile-likelihood scan."""

    low: float = Field(allow_inf_nan=False, description="first grid value")
    high: float = Field(allow_inf_nan=False, description="last grid value (> low)")
    points: int = Field(ge=3, le=2001, description="number of grid values")

    @field_validator("high")
    @classmethod
    def _above_low(cls, value: float, info: ValidationInfo) -> float:
        if "low" in info.data and value <= info.data["low"]:
            raise ValueError(f"high = {value} must be > low = {info.data['low']}")
        return value

    def grid(self) -> np.ndarray:
        """The grid values."""
        return np.linspace(self.low, self.high, self.points)


class ScanBlock(StrictModel):
    """Profile-likelihood scans of the physics parameters."""

    sin2_theta_w: ScanRange = Field(description="grid of sin²θW")
    neutron_radius_fm: ScanRange | None = Field(None, description="grid of R_n [fm] (CsI only)")


class CoherentDataConfig(ExperimentConfig):
    """What every COHERENT data preset has: the data citation, the SNS exposure, the CEvNS
    family's target and interaction blocks, and the profile scans."""

    data_citation: str = Field(min_length=1, description="citation of the data release")
    source: SnsExposureBlock = Field(description="SNS exposure of the data set (POT, ν per "
                                                 "proton, distance, pulse)")
    target: TargetBlock = Field(description="detector material and mass (CEvNS family block)")
    interaction: InteractionBlock = Field(description="CEvNS cross section: form factor, "
                                          "sin²θW, recoil grid (CEvNS family block)")
    scans: ScanBlock = Field(description="profile-likelihood scan grids")

    @model_validator(mode="after")
    def _cevns_only(self) -> CoherentDataConfig:
        if self.interaction.electron_scattering:
            raise ValueError("interaction.electron_scattering: the data fits take their "
                             "backgrounds from the release; leave it false")
        return self

    def recoil_model(self) -> RecoilModel:
        """The CEvNS family's recoil prediction for this data set."""
        return RecoilModel(self.source.fluences(), self.target.nuclei_per_kg(),
                           self.target.mass_kg, self.interaction)



def published_band(pub: PublishedValue | None, label: str) -> tuple[float, float, str] | None:
    """(value, 1σ, label) of a numeric published value with an uncertainty, for a profile
    figure; ``None`` when there is none (no entry, a text value or no uncertainty)."""
    if pub is None or pub.uncertainty is None or isinstance(pub.value, str):
        return None
    return float(pub.value), float(pub.uncertainty), label
