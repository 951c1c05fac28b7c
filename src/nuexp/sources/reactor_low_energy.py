"""Reactor ν̄e spectrum down to zero energy, for CEvNS at reactors.

CEvNS has no threshold in neutrino energy, and about three quarters of the ν̄e from a
power reactor are below the 1.806 MeV IBD threshold, where the Huber–Mueller conversion
fits (valid 2–8 MeV) do not apply. This module provides:

**Low-energy model — Kopeikin's summation spectrum.** V. I. Kopeikin, "Flux and spectrum
of reactor antineutrinos", Phys. At. Nucl. 75 (2012) 143 (see also Kopeikin, Mikaelyan &
Sinev, Phys. At. Nucl. 60 (1997) 172), tabulates the ν̄e spectrum of a pressurised-water
reactor per fission from 10 keV to 9 MeV, with its relative uncertainty. It is a
summation (ab initio) calculation of the fission-fragment β decays **plus the ν̄e from
the β decays of ²³⁹U (Q ≈ 1.26 MeV) and ²³⁹Np (Q ≈ 0.72 MeV) that follow neutron capture
on ²³⁸U** (≈0.6 captures per fission). The steps of the table at 0.44 MeV and 1.19 MeV are
the endpoints of the dominant ²³⁹Np and ²³⁹U branches. The numbers in
:data:`KOPEIKIN_2012_TABLE` are the transcription distributed with the Ricochet CEvNS
reactor study (J. Johnston, github.com/joejohnston203/ricochet_cevns_spectra,
``data/kopeikin_spectrum.txt``: E [MeV], ν̄/(MeV fission), uncertainty [%]); they were not
re-checked against the printed table. Between the tabulated points the density is
interpolated linearly; below 10 keV it follows the allowed-β phase space ∝ E² to 0.

**Join to Huber–Mueller.** Above a few MeV the ν̄e spectrum is the conversion spectrum
of the configured fuel (Huber 2011 for ²³⁵U, ²³⁹Pu, ²⁴¹Pu; Mueller 2011 for ²³⁸U),
taken from :mod:`nuexp.sources.reactor`. The two are blended with a smooth weight

    S(E) = w(E) S_Kopeikin(E) + [1 − w(E)] S_HM(E),   w(E) = ½ [1 − tanh((E − E_j)/Δ)],

with E_j = 2.5 MeV and Δ = 0.2 MeV by default, inside the 2–3 MeV region where both are
valid and agree to ≈3 % for a typical PWR fuel mixture.

**Normalisation.** ν̄ per fission is the integral of S; fissions per second are
P_th / Σ_i f_i E_i with the energy per fission E_i of each isotope (Ma et al., PRC 88
(2013) 014605, via :mod:`nuexp.sources.reactor`); the flux at distance L from a point
core is  R_ν / (4π L²).

Units: hepunits inside (MeV = ns = mm = 1). A spectrum "per fission" is ν̄ per fission
per unit energy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from hepunits import MeV
from numpy.typing import ArrayLike
from scipy.integrate import trapezoid

from ..constants import IBD_THRESHOLD  # ν̄e p → e⁺ n threshold, re-exported
from ..exceptions import UnphysicalParameter
from ..validation import require_non_negative, require_positive
from .reactor import FissionFractions, mean_energy_per_fission, spectrum_per_fission
from .spectrum import NeutrinoSpectrum

__all__ = [
    "IBD_THRESHOLD",
    "KOPEIKIN_2012_TABLE",
    "kopeikin_spectrum",
    "kopeikin_relative_uncertainty",
    "join_weight",
    "huber_mueller_spectrum",
    "energy_per_fission",
    "joined_spectrum",
    "antineutrinos_per_fission",
    "fission_rate",
    "antineutrino_rate",
    "reactor_flux_spectrum",
    "flux_at_distance",
]

#: Kopeikin (2012) PWR ν̄e spectrum per fission (fission fragments + ²³⁹U/²³⁹Np):
#: columns E [MeV], ν̄/(MeV·fission), relative uncertainty [%]. Pairs of close energies
#: (0.435/0.440, 1.185/1.190, ...) encode the steps at β endpoints.
KOPEIKIN_2012_TABLE: np.ndarray = np.array([
    [0.010, 0.0774, 7], [0.020, 0.301, 7], [0.035, 0.848, 7], [0.040, 0.354, 7],
    [0.070, 0.989, 7], [0.100, 1.81, 7], [0.130, 2.74, 7], [0.160, 3.85, 7],
    [0.165, 3.26, 7], [0.180, 3.74, 7], [0.215, 4.66, 7], [0.230, 4.08, 7],
    [0.280, 5.03, 7], [0.330, 5.97, 7], [0.335, 4.30, 7], [0.350, 4.08, 7],
    [0.390, 4.42, 7], [0.400, 4.04, 7], [0.435, 4.39, 7], [0.440, 2.84, 7],
    [0.500, 3.03, 7], [0.700, 3.14, 7], [0.900, 3.23, 7], [1.000, 3.11, 7],
    [1.185, 2.80, 7], [1.190, 2.24, 7], [1.250, 2.06, 5], [1.300, 1.77, 5],
    [1.500, 1.59, 5], [1.700, 1.48, 5], [1.800, 1.42, 5], [1.900, 1.36, 5],
    [2.000, 1.30, 3], [2.250, 1.08, 3], [2.500, 0.882, 3], [2.750, 0.733, 3],
    [3.000, 0.611, 3], [3.250, 0.505, 3], [3.500, 0.411, 3], [4.000, 0.261, 3],
    [4.500, 0.156, 3], [5.000, 0.0928, 3], [5.500, 0.0549, 3], [6.000, 0.0317, 3],
    [6.500, 0.0174, 4], [7.000, 0.00897, 4], [7.500, 0.00366, 7], [8.000, 0.00119, 2],
    [8.500, 0.000299, 0], [9.000, 0.0000831, 0],
])
KOPEIKIN_2012_TABLE.setflags(write=False)

_K_E = KOPEIKIN_2012_TABLE[:, 0] * MeV
_K_S = KOPEIKIN_2012_TABLE[:, 1] / MeV
_K_U = KOPEIKIN_2012_TABLE[:, 2] / 100.0

#: Default junction of the Kopeikin and Huber–Mueller spectra and its width.
DEFAULT_JOIN_ENERGY: float = 2.5 * MeV
DEFAULT_JOIN_WIDTH: float = 0.2 * MeV


def kopeikin_spectrum(energy: ArrayLike) -> np.ndarray:
    """Kopeikin (2012) PWR ν̄e spectrum per fission, per unit energy (hepunits).

    Linear interpolation of :data:`KOPEIKIN_2012_TABLE`; ∝ E² below the first point
    (allowed-β phase space of the ν̄ near zero energy); 0 above 9 MeV.

    Parameters
    ----------
    energy : array_like
        ν̄ energy (hepunits energy, ≥ 0).
    """
    e = require_non_negative("antineutrino energy", energy)
    out = np.interp(e, _K_E, _K_S, left=0.0, right=0.0)
    low = e < _K_E[0]
    return np.where(low, _K_S[0] * (e / _K_E[0]) ** 2, out)


def kopeikin_relative_uncertainty(energy: ArrayLike) -> np.ndarray:
    """Relative (1σ) uncertainty of the Kopeikin spectrum at ``energy`` (nearest point)."""
    e = require_non_negative("antineutrino energy", energy)
    idx = np.clip(np.searchsorted(_K_E, e), 0, _K_E.size - 1)
    return _K_U[idx]


def join_weight(energy: ArrayLike, join_energy: float = DEFAULT_JOIN_ENERGY,
                width: float = DEFAULT_JOIN_WIDTH) -> np.ndarray:
    """Weight of the low-energy (Kopeikin) model, ½[1 − tanh((E − E_j)/Δ)] ∈ [0, 1]."""
    e = require_non_negative("antineutrino energy", energy)
    ej = float(require_positive("join energy", join_energy))
    dw = float(require_positive("join width", width))
    return 0.5 * (1.0 - np.tanh((e - ej) / dw))


def _fractions(fractions: FissionFractions | Mapping[str, float]) -> FissionFractions:
    if isinstance(fractions, FissionFractions):
        return fractions
    return FissionFractions.from_mapping(fractions)


def huber_mueller_spectrum(energy: ArrayLike, fractions: FissionFractions | Mapping[str, float]) -> np.ndarray:
    """Huber–Mueller ν̄e spectrum per fission for a fuel mixture (hepunits per energy).

    Σ_i f_i S_i(E) from :func:`nuexp.sources.reactor.spectrum_per_fission`, with the
    fits extrapolated outside 2–8 MeV (the join weight suppresses them below 2 MeV;
    above 8 MeV the extrapolated tail falls by ×20 per MeV). Energies ≤ 1 MeV, where the
    fit is meaningless and never used, give 0.
    """
    f = _fractions(fractions)
    e = require_non_negative("antineutrino energy", energy)
    out = np.zeros_like(e, dtype=float)
    use = e > 1.0 * MeV
    if np.any(use):
        out[use] = spectrum_per_fission(e[use], f, outside="extrapolate")
    return out


def energy_per_fission(fractions: FissionFractions | Mapping[str, float]) -> float:
    """Mean thermal energy released per fission Σ f_i E_i (hepunits energy; Ma et al. 2013)."""
    return mean_energy_per_fission(_fractions(fractions))


def joined_spectrum(energy: ArrayLike, fractions: FissionFractions | Mapping[str, float], *,
                    join_energy: float = DEFAULT_JOIN_ENERGY,
                    join_width: float = DEFAULT_JOIN_WIDTH,
                    high_energy: Callable[[np.ndarray], ArrayLike] | None = None) -> np.ndarray:
    """ν̄e spectrum per fission from 0 to 10 MeV: Kopeikin below, Huber–Mueller above.

    Parameters
    ----------
    energy : array_like
        ν̄ energy (hepunits energy, ≥ 0).
    fractions : mapping
        Fission fractions of U235, U238, Pu239, Pu241 (sum 1).
    join_energy, join_width : float
        Centre E_j and width Δ of the tanh blend (hepunits energy).
    high_energy : callable, optional
        Replaces the Huber–Mueller spectrum (per fission per energy) above the join.

    Returns
    -------
    numpy.ndarray
        ν̄ per fission per unit energy.
    """
    e = require_non_negative("antineutrino energy", energy)
    w = join_weight(e, join_energy, join_width)
    if high_energy is None:
        hm = huber_mueller_spectrum(e, fractions)
    else:
        _fractions(fractions)
        hm = np.asarray(high_energy(e), dtype=float)
    hm = np.where(w < 1.0 - 1e-15, hm, 0.0)  # never evaluate the fits' far extrapolation
    return np.maximum(w * kopeikin_spectrum(e) + (1.0 - w) * np.maximum(hm, 0.0), 0.0)


def _grid(emax: float = 10.0 * MeV) -> np.ndarray:
    # Fine grid that contains every tabulated node (steps at β endpoints stay sharp).
    base = np.linspace(0.0, emax, 4001)
    return np.union1d(base, _K_E[_K_E <= emax])


def antineutrinos_per_fission(fractions: FissionFractions | Mapping[str, float], *, emin: float = 0.0,
                              emax: float = 10.0 * MeV, **join) -> float:
    """ν̄e per fission with energy in [emin, emax] (default: all, 0–10 MeV)."""
    lo = float(require_non_negative("emin", emin))
    hi = float(require_positive("emax", emax))
    if hi <= lo:
        raise UnphysicalParameter(f"emax ({hi / MeV} MeV) must exceed emin ({lo / MeV} MeV)")
    e = _grid(10.0 * MeV)
    e = np.union1d(e[(e >= lo) & (e <= hi)], [lo, hi])
    return float(trapezoid(joined_spectrum(e, fractions, **join), e))


def fission_rate(thermal_power: float, fractions: FissionFractions | Mapping[str, float]) -> float:
    """Fissions per unit time, P_th / Σ f_i E_i (hepunits: per ns).

    Parameters
    ----------
    thermal_power : float
        Thermal power (hepunits power, e.g. ``3.4 * GW`` with ``from hepunits import GW``
        — or ``3.4e9 * watt``).
    fractions : mapping
        Fission fractions (sum 1).
    """
    p = float(require_positive("thermal power", thermal_power))
    return p / energy_per_fission(fractions)


def antineutrino_rate(thermal_power: float, fractions: FissionFractions | Mapping[str, float], **join) -> float:
    """ν̄e emitted per unit time (all energies, 0–10 MeV), hepunits (per ns)."""
    return fission_rate(thermal_power, fractions) * antineutrinos_per_fission(fractions, **join)


def reactor_flux_spectrum(thermal_power: float, distance: float, fractions: FissionFractions | Mapping[str, float],
                          *, emax: float = 10.0 * MeV, **join) -> NeutrinoSpectrum:
    """dΦ/dE at ``distance`` from a point core (hepunits: per area per time per energy).

    No oscillation is applied (at 25 m the ν̄e survival probability is 1 to < 1e-4 for
    Δm²₃₁ and Δm²₂₁).
    """
    d = float(require_positive("distance", distance))
    e = _grid(emax)
    per_fission = joined_spectrum(e, fractions, **join)
    scale = fission_rate(thermal_power, fractions) / (4.0 * np.pi * d * d)
    return NeutrinoSpectrum(e, per_fission * scale, np.zeros(0), np.zeros(0))


def flux_at_distance(thermal_power: float, distance: float, fractions: FissionFractions | Mapping[str, float],
                     **join) -> float:
    """Total ν̄e flux (all energies) at ``distance`` (hepunits: per area per time)."""
    d = float(require_positive("distance", distance))
    return antineutrino_rate(thermal_power, fractions, **join) / (4.0 * np.pi * d * d)
