"""Configuration blocks and the shared CEvNS chain of the stopped-pion presets.

Used by :mod:`nuexp.experiments.clovers` and :mod:`nuexp.experiments.coherent_csi`:
source (beam → flux at the detector), target (formula + mass → nuclei), CEvNS options,
and scintillator response (quenching, light yield, PE statistics). Units in the TOML are
those the key names carry (``_kw``, ``_gev``, ``_m``, ``_kg``, ``_kev``, ...); the
conversion to hepunits happens here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from hepunits import GeV, cm, hour, keV, kg, kW, m
from pydantic import AfterValidator, Field, field_validator, model_validator

from ...config import StrictModel
from ...detector.quenching import Quenching, get_quenching
from ...exceptions import UnknownName
from ...interactions.cevns import SIN2_THETA_W
from ...interactions.form_factors import get_form_factor
from ...rates import LabelledSpectra, npe_spectra, recoil_spectra
from ...sources.spallation import flux_per_flavour, stopped_pion_spectra
from ...targets.compound import Compound

__all__ = ["SourceBlock", "TargetBlock", "CevnsBlock", "ResponseBlock", "ChainResult",
           "run_chain", "FLUX_UNIT", "MassTimeMapBlock",
           "FormFactorName", "WeakMixing", "BackgroundCounts"]

#: Unit of fluxes in results: cm⁻² h⁻¹.
FLUX_UNIT = 1 / (cm**2 * hour)


def _known_form_factor(value: str) -> str:
    try:
        get_form_factor(value)
    except UnknownName as err:  # a ValueError lets pydantic name the field
        raise ValueError(str(err)) from None
    return value


def _weak_mixing(value: float | str) -> float | str:
    if isinstance(value, str) and value not in SIN2_THETA_W:
        raise ValueError(f"unknown name {value!r}; use a number or one of {list(SIN2_THETA_W)}")
    if not isinstance(value, str) and not 0 < value < 1:
        raise ValueError(f"sin2_theta_w must be in (0, 1); got {value}")
    return value


#: A form-factor name that :func:`nuexp.interactions.form_factors.get_form_factor` knows.
FormFactorName = Annotated[str, AfterValidator(_known_form_factor)]
#: sin²θW as a number in (0, 1) or a name of :data:`nuexp.interactions.cevns.SIN2_THETA_W`.
WeakMixing = Annotated[float | str, AfterValidator(_weak_mixing)]
#: Background name → expected events (or events per exposure): finite and ≥ 0 each.
BackgroundCounts = dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]]


class SourceBlock(StrictModel):
    """Stopped-pion source: beam and distance (flux = P/E_p · yield / 4πL²)."""

    facility: str = Field(description="facility name, for labels")
    beam_power_kw: float = Field(gt=0, description="proton beam power in kW")
    proton_energy_gev: float = Field(gt=0, description="proton kinetic energy in GeV")
    nu_per_proton_per_flavour: float = Field(gt=0, le=10, description="ν per proton per flavour")
    repetition_rate_hz: float = Field(gt=0, description="beam pulse rate in Hz")
    distance_m: float = Field(gt=0, description="target–detector distance in m")

    def flux(self) -> float:
        """Flux per flavour (hepunits 1/(area·time))."""
        return float(flux_per_flavour(self.beam_power_kw * kW, self.proton_energy_gev * GeV,
                                      self.nu_per_proton_per_flavour, self.distance_m * m))


class TargetBlock(StrictModel):
    """Detector material and mass."""

    formula: str = Field(min_length=1, description="chemical formula, e.g. 'CsI'")
    mass_kg: float = Field(gt=0, description="target mass in kg")

    def nuclei(self) -> dict:
        """{Isotope: number of nuclei} (natural abundances)."""
        return Compound(self.formula).nuclei(self.mass_kg * kg)


class CevnsBlock(StrictModel):
    """Cross-section options and the recoil-energy grid."""

    form_factor: Literal["helm", "klein-nystrand", "none"]
    sin2_theta_w: Literal["low-energy", "z-pole"] | float = Field(
        description="'low-energy' (0.23857, PDG Q→0), 'z-pole' (0.23122, MS-bar) or a number")
    recoil_max_kev: float = Field(gt=0, le=1000, description="upper end of the recoil grid (keV)")
    recoil_points: int = Field(ge=50, le=200_000, description="points of the recoil grid")

    @model_validator(mode="after")
    def _check_sin2(self):
        if isinstance(self.sin2_theta_w, float) and not 0 < self.sin2_theta_w < 1:
            raise ValueError(f"sin2_theta_w = {self.sin2_theta_w}: must be in (0, 1)")
        return self

    def grid(self) -> np.ndarray:
        """Recoil energies (hepunits)."""
        return np.linspace(0.0, self.recoil_max_kev * keV, self.recoil_points)


class ResponseBlock(StrictModel):
    """Scintillator response: quenching, light yield and PE statistics."""

    quenching: Literal["coherent-csi-2022", "constant"]
    quenching_factor: float | None = Field(default=None, gt=0, le=1,
                                           description="only for quenching = 'constant'")
    light_yield_pe_per_kevee: float = Field(gt=0, description="PE per keV electron-equivalent")
    max_npe: int = Field(ge=10, le=5000, description="largest NPE kept in spectra")

    @model_validator(mode="after")
    def _check_qf(self):
        if self.quenching == "constant" and self.quenching_factor is None:
            raise ValueError("quenching = 'constant' needs quenching_factor in (0, 1]")
        if self.quenching != "constant" and self.quenching_factor is not None:
            raise ValueError(f"quenching_factor is only used with quenching = 'constant', "
                             f"not {self.quenching!r}")
        return self

    def model(self) -> Quenching:
        """The quenching model."""
        return get_quenching(self.quenching, self.quenching_factor)

    @property
    def light_yield(self) -> float:
        """Light yield (hepunits 1/energy)."""
        return self.light_yield_pe_per_kevee / keV


class MassTimeMapBlock(StrictModel):
    """Grid of a significance map over detector mass × running time (CLOVERS Fig. 14
    style), for the reactor and CSNS design presets."""

    mass_kg: tuple[float, float]
    time_years: tuple[float, float]
    points: int = Field(60, ge=5, le=400)
    significance_level: float = Field(5.0, gt=0)

    @field_validator("mass_kg", "time_years")
    @classmethod
    def _range(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 < value[0] < value[1]:
            raise ValueError(f"range must satisfy 0 < low < high; got {value}")
        return value


@dataclass(frozen=True)
class ChainResult:
    """Flux, recoil spectra and NPE spectra of one exposure."""

    flux: float
    fluence: float
    recoil: LabelledSpectra
    npe: LabelledSpectra


def run_chain(source: SourceBlock, target: TargetBlock, cevns: CevnsBlock,
              response: ResponseBlock, live_time: float, *,
              fluence: float | None = None) -> ChainResult:
    """Flux → fluence → CEvNS recoil spectra → NPE spectra for ``live_time``.

    Parameters
    ----------
    live_time : float
        Beam-on live time (hepunits time); ignored when ``fluence`` is given.
    fluence : float, optional
        Time-integrated flux per flavour (hepunits 1/area), e.g. from protons on target.
    """
    phi = source.flux()
    phi_t = phi * live_time if fluence is None else fluence
    fluences = {f: s.scaled(phi_t) for f, s in stopped_pion_spectra().items()}
    rec = recoil_spectra(cevns.grid(), fluences, target.nuclei(),
                         form_factor=cevns.form_factor, sin2_theta_w=cevns.sin2_theta_w)
    npe = npe_spectra(rec, response.model(), response.light_yield, response.max_npe)
    return ChainResult(phi, phi_t, rec, npe)

