"""Configuration blocks shared by the COHERENT data presets (CsI 2021, LAr 2020, combined).

Units are those the key names carry (``_m``, ``_kg``, ``_ns``, ``_kev``, ...); conversion
to hepunits happens in the ``to_*`` methods.
"""

from __future__ import annotations

import numpy as np
from hepunits import keV, m, ns
from pydantic import Field, field_validator

from ...config import StrictModel
from ...sources.pulse_timing import ProtonPulse

__all__ = ["CevnsPhysicsBlock", "ScanBlock", "ScanRange", "SnsExposureBlock",
           "TargetBlock"]


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

    def fluence(self) -> float:
        """Neutrinos per flavour per area, POT · yield / (4π L²) (hepunits 1/area)."""
        return (self.protons_on_target * self.nu_per_proton_per_flavour
                / (4 * np.pi * (self.distance_m * m) ** 2))

    def pulse(self) -> ProtonPulse:
        """The nominal proton pulse (hepunits time)."""
        return ProtonPulse(self.pulse_mean_ns * ns, self.pulse_sigma_ns * ns)


class TargetBlock(StrictModel):
    """Detector material (natural isotopic abundances) and mass."""

    formula: str = Field(min_length=1, description="chemical formula, e.g. 'CsI' or 'Ar'")
    mass_kg: float = Field(gt=0, description="target mass [kg]")


class CevnsPhysicsBlock(StrictModel):
    """Nominal CEvNS physics and the recoil grid of the prediction."""

    sin2_theta_w: float = Field(gt=0, lt=1, description="nominal weak mixing angle "
                                "(0.23857: PDG 2022 MS-bar value at Q → 0)")
    recoil_max_kev: float = Field(gt=0, le=1000, description="upper end of the recoil grid [keV]")
    recoil_step_kev: float = Field(gt=0, le=10, description="recoil bin width [keV]")

    def recoil_edges(self) -> np.ndarray:
        """Recoil bin edges (hepunits energy)."""
        n = round(self.recoil_max_kev / self.recoil_step_kev)
        return np.linspace(0.0, n * self.recoil_step_kev, n + 1) * keV


class ScanRange(StrictModel):
    """A grid for a profile-likelihood scan."""

    low: float = Field(allow_inf_nan=False, description="first grid value")
    high: float = Field(allow_inf_nan=False, description="last grid value (> low)")
    points: int = Field(ge=3, le=2001, description="number of grid values")

    @field_validator("high")
    @classmethod
    def _above_low(cls, value: float, info) -> float:
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
