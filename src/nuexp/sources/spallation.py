"""Stopped-pion neutrino sources at spallation facilities: flux from beam parameters.

A proton beam of power P and kinetic energy E_p delivers P / E_p protons per second;
each produces ``yield`` neutrinos of each flavour (prompt νμ, delayed νe, delayed ν̄μ)
from π+ and μ+ decay at rest, emitted isotropically. The flux per flavour at distance L
is therefore::

    Φ = (P / E_p) · yield / (4π L²).

Spectral shapes and timing come from :mod:`nuexp.sources.decay_at_rest`.

Facilities (:data:`FACILITIES`):

* ``CSNS`` — China Spallation Neutron Source: 1.6 GeV, 140 kW, 25 Hz, 0.17 ν per proton
  per flavour (FLUKA, Huang, Chin. Phys. C 40 (2016) 063002), all as quoted by the
  CLOVERS proposal (Su, Liu, Liang 2023), Sec. 2.1.
* ``SNS`` — Spallation Neutron Source, Oak Ridge, as in the first COHERENT CsI[Na]
  observation (Akimov et al., Science 357 (2017) 1123): 1 GeV protons, 1.4 MW nominal
  power, 60 Hz, 0.08 ν per proton per flavour. The 2017 data set corresponds to
  1.76 × 10²³ protons on target (7.48 GWh, i.e. a mean 0.955 GeV per proton) over
  308.1 live days (a mean 1.01 MW), see :data:`COHERENT_2017_POT`.

* ``J-PARC MLF`` — Materials and Life Science Experimental Facility: 3 GeV, 1 MW,
  25 Hz, mercury target, two Gaussian bunches of σ = 40 ns 600 ns apart (JSNS2 2025,
  Sec. I; :data:`MLF_BUNCH_SPACING`, :data:`MLF_N_BUNCHES`). Yield: 0.48 νe per proton
  measured by JSNS2 (2025, Sec. X, ± 0.17), used for every flavour (each stopped π+
  gives one νμ and, through μ+ DAR, one νe and one ν̄μ); the FLUKA prediction of the
  same paper (4.8e-9 cm⁻² at 24 m) corresponds to 0.35.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from hepunits import GeV, Hz, kW, ns
from numpy.typing import ArrayLike

from ..exceptions import UnknownName
from ..validation import require_positive
from .decay_at_rest import (
    MICHEL_ENDPOINT,
    NUMU_PROMPT_ENERGY,
    muon_decay_time_pdf,
    nue_spectrum,
    numubar_spectrum,
    pion_decay_time_pdf,
)
from .spectrum import NeutrinoSpectrum

__all__ = [
    "FLAVOURS",
    "Facility",
    "FACILITIES",
    "get_facility",
    "COHERENT_2017_POT",
    "COHERENT_2017_LIVE_DAYS",
    "MLF_BUNCH_SPACING",
    "MLF_N_BUNCHES",
    "protons_per_second",
    "flux_per_flavour",
    "stopped_pion_spectra",
    "timing_pdf",
]

#: Flavours of a stopped-pion source, in the order they are produced.
FLAVOURS: tuple[str, ...] = ("numu", "nue", "numubar")

#: Protons on target in the COHERENT 2017 CsI[Na] data set (Akimov et al. 2017, Science
#: 357, 1123, text: 7.48 GWh ≙ 1.76e23 POT).
COHERENT_2017_POT: float = 1.76e23
#: Live beam-on days of that data set (Akimov et al. 2017).
COHERENT_2017_LIVE_DAYS: float = 308.1

_mw = 1000 * kW


@dataclass(frozen=True)
class Facility:
    """A pulsed spallation neutrino source.

    Attributes
    ----------
    name : str
    proton_energy : float
        Proton kinetic energy (hepunits energy).
    beam_power : float
        Beam power (hepunits power).
    nu_per_proton_per_flavour : float
        Neutrinos of each flavour per proton on target.
    repetition_rate : float
        Beam pulse repetition rate (hepunits frequency).
    pulse_sigma : float
        Gaussian width (1σ) of the proton pulse (hepunits time).
    source : str
        Where the numbers come from.
    """

    name: str
    proton_energy: float
    beam_power: float
    nu_per_proton_per_flavour: float
    repetition_rate: float
    pulse_sigma: float
    source: str

    def __post_init__(self) -> None:
        for field in ("proton_energy", "beam_power", "nu_per_proton_per_flavour",
                      "repetition_rate", "pulse_sigma"):
            require_positive(f"{self.name}.{field}", getattr(self, field))

    def protons_per_second(self) -> float:
        """Protons on target per unit time (hepunits 1/time)."""
        return protons_per_second(self.beam_power, self.proton_energy)

    def flux_per_flavour(self, distance: ArrayLike) -> np.ndarray:
        """Flux of each flavour at ``distance`` (hepunits 1/(area·time))."""
        return flux_per_flavour(self.beam_power, self.proton_energy,
                                self.nu_per_proton_per_flavour, distance)


def protons_per_second(beam_power: float, proton_energy: float) -> float:
    """P / E_p (hepunits 1/time).

    Parameters
    ----------
    beam_power : float
        Beam power, > 0 (hepunits power, e.g. ``140 * kW``).
    proton_energy : float
        Proton kinetic energy, > 0 (hepunits energy, e.g. ``1.6 * GeV``).
    """
    p = float(require_positive("beam power", beam_power))
    e = float(require_positive("proton energy", proton_energy))
    return p / e


def flux_per_flavour(beam_power: float, proton_energy: float, nu_per_proton: float,
                     distance: ArrayLike) -> np.ndarray:
    """Isotropic flux of one flavour: (P/E_p) · yield / (4π L²) (hepunits 1/(area·time)).

    Parameters
    ----------
    beam_power, proton_energy : float
        As for :func:`protons_per_second`.
    nu_per_proton : float
        Neutrinos of the flavour per proton, > 0.
    distance : array_like
        Distance from the target, > 0 (hepunits length).

    Examples
    --------
    CLOVERS (Sec. 2.1): 140 kW, 1.6 GeV, 0.17 ν/p/flavour, 10.5 m → 2.42e10 /cm²/h.

    >>> from hepunits import kW, GeV, m, cm, hour
    >>> phi = flux_per_flavour(140 * kW, 1.6 * GeV, 0.17, 10.5 * m)
    >>> round(float(phi / (1 / cm**2 / hour)) / 1e10, 2)
    2.41
    """
    y = float(require_positive("neutrinos per proton per flavour", nu_per_proton))
    d = require_positive("distance", distance)
    return protons_per_second(beam_power, proton_energy) * y / (4.0 * np.pi * d * d)


_FACILITIES = {
    "CSNS": Facility(
        name="CSNS", proton_energy=1.6 * GeV, beam_power=140 * kW,
        nu_per_proton_per_flavour=0.17, repetition_rate=25 * Hz,
        # CSNS extracts two bunches ~410 ns apart, each ~< 100 ns wide; as a single
        # Gaussian of σ = 200 ns this only affects timing plots, not rates.
        pulse_sigma=200 * ns,
        source="CLOVERS proposal (Su, Liu, Liang 2023) Sec. 2.1; yield: Huang, "
               "Chin. Phys. C 40 (2016) 063002 (FLUKA)",
    ),
    "J-PARC MLF": Facility(
        name="J-PARC MLF", proton_energy=3.0 * GeV, beam_power=1.0 * _mw,
        nu_per_proton_per_flavour=0.48, repetition_rate=25 * Hz,
        # two bunches, each σ = 40 ns, 600 ns apart; pulse_sigma is one bunch
        pulse_sigma=40 * ns,
        source="JSNS2 2025 (first νe flux via 12C(νe,e)12N_gs): Sec. I beam, Sec. X yield "
               "0.48 ± 0.17 νe/proton",
    ),
    "SNS": Facility(
        name="SNS", proton_energy=1.0 * GeV, beam_power=1.4 * _mw,
        nu_per_proton_per_flavour=0.08, repetition_rate=60 * Hz,
        # SNS proton pulse ~ 360 ns FWHM (σ ≈ 150 ns); timing plots only.
        pulse_sigma=150 * ns,
        source="COHERENT, Akimov et al., Science 357 (2017) 1123: 1 GeV, 1.4 MW nominal, "
               "60 Hz, 0.08 ν/proton/flavour",
    ),
}

#: Spacing of the two J-PARC MLF proton bunches (JSNS2 2025, Sec. I).
MLF_BUNCH_SPACING: float = 600 * ns
#: Number of proton bunches per J-PARC MLF spill (JSNS2 2025, Sec. I).
MLF_N_BUNCHES: int = 2

#: Known facilities by name (read-only).
FACILITIES: Mapping[str, Facility] = MappingProxyType(_FACILITIES)


def get_facility(name: str) -> Facility:
    """The facility called ``name`` (case-insensitive); unknown names list the known ones."""
    key = str(name).strip().upper()
    for fac_name, fac in FACILITIES.items():
        if fac_name.upper() == key:
            return fac
    raise UnknownName(f"facility {name!r}: unknown; choose one of {', '.join(FACILITIES)}")


def stopped_pion_spectra(n_points: int = 2001) -> dict[str, NeutrinoSpectrum]:
    """Energy spectra of the three flavours, each normalised to one neutrino.

    ``numu``: the prompt line at (m_π² − m_μ²)/(2 m_π) ≈ 29.79 MeV; ``nue`` and
    ``numubar``: Michel spectra on ``n_points`` energies in [0, m_μ/2].
    Multiply by a flux (:meth:`NeutrinoSpectrum.scaled`) to get fluxes.
    """
    return {
        "numu": NeutrinoSpectrum.line(NUMU_PROMPT_ENERGY),
        "nue": NeutrinoSpectrum.from_function(nue_spectrum, 0.0, MICHEL_ENDPOINT, n=n_points),
        "numubar": NeutrinoSpectrum.from_function(numubar_spectrum, 0.0, MICHEL_ENDPOINT,
                                                  n=n_points),
    }


def timing_pdf(flavour: str, time: ArrayLike, pulse_sigma: float,
               pulse_centre: float = 0.0) -> np.ndarray:
    """Arrival-time pdf of a flavour for a Gaussian proton pulse (1/time).

    Prompt νμ: pulse ⊗ π lifetime; νe and ν̄μ: pulse ⊗ π ⊗ μ lifetimes
    (:mod:`nuexp.sources.decay_at_rest`).
    """
    if flavour == "numu":
        return pion_decay_time_pdf(time, [pulse_centre], pulse_sigma)
    if flavour in ("nue", "numubar"):
        return muon_decay_time_pdf(time, [pulse_centre], pulse_sigma)
    raise UnknownName(f"flavour {flavour!r}: unknown; choose one of {', '.join(FLAVOURS)}")

