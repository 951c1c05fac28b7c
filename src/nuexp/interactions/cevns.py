"""Coherent elastic neutrino–nucleus scattering (CEvNS), Standard Model, tree level.

Differential cross section in the nuclear recoil kinetic energy T (Freedman 1974;
Drukier & Stodolsky 1984; in the form used by COHERENT, Science 357 (2017) 1123, and
cited by the CLOVERS proposal Sec. 3.1)::

    dσ/dT = G_F² M / (4π) · Q_W² · [1 − T/E − M T / (2E²)] · F²(q),
    Q_W   = N − (1 − 4 sin²θ_W) Z,

for 0 ≤ T ≤ T_max(E) = 2E² / (M + 2E), and 0 above. M is the nuclear mass, E the
neutrino energy, F the weak form factor (:mod:`nuexp.interactions.form_factors`). The
cross section is the same for νe, νμ, ν̄μ, ν̄e at this order (flavour-dependent
charge-radius corrections, ~1 %, are neglected).

Two values of the weak mixing angle are offered:

* :data:`SIN2_THETA_W_LOW_ENERGY` = 0.23857, the MS-bar value run to Q → 0
  (PDG 2022, "Electroweak model and constraints on new physics", Eq. 10.16 region;
  Erler & Ferro-Hernández 2018);
* :data:`SIN2_THETA_W_MZ` = 0.23122, the MS-bar value at the Z pole (PDG 2022).

The low-energy value is the physically appropriate one for q ~ 10–100 MeV; the Z-pole
value is what many older CEvNS predictions used. On Cs-133 the two give Q_W = 75.5 and
73.9, i.e. a 4 % difference in the rate.

Units: hepunits (MeV = mm = 1); cross sections come out as area / energy
(divide by ``cm2 / keV`` to read them in cm²/keV). G_F from CODATA via scipy.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from hepunits import GeV
from hepunits.constants import hbarc
from numpy.typing import ArrayLike
from scipy.constants import physical_constants
from scipy.integrate import cumulative_trapezoid, simpson

from ..exceptions import UnknownName
from ..sources.spectrum import NeutrinoSpectrum
from ..validation import require_in_range, require_non_negative, require_positive
from .form_factors import get_form_factor, momentum_transfer

__all__ = [
    "FERMI_CONSTANT",
    "SIN2_THETA_W_LOW_ENERGY",
    "SIN2_THETA_W_MZ",
    "SIN2_THETA_W",
    "Nucleus",
    "weak_charge",
    "max_recoil",
    "min_neutrino_energy",
    "differential_cross_section",
    "folded_differential_cross_section",
    "total_cross_section",
]

#: Fermi constant G_F/(ħc)³ (CODATA via scipy), hepunits energy⁻².
FERMI_CONSTANT: float = physical_constants["Fermi coupling constant"][0] / GeV**2
#: sin²θ_W (MS-bar) at Q → 0, PDG 2022 (low-energy running value).
SIN2_THETA_W_LOW_ENERGY: float = 0.23857
#: sin²θ_W (MS-bar) at the Z pole, PDG 2022.
SIN2_THETA_W_MZ: float = 0.23122
#: Named choices of the weak mixing angle (the configuration uses these names).
SIN2_THETA_W: dict[str, float] = {
    "low-energy": SIN2_THETA_W_LOW_ENERGY,
    "z-pole": SIN2_THETA_W_MZ,
}


class Nucleus(Protocol):
    """Anything with Z, N, A and a nuclear mass, e.g. :class:`~nuexp.targets.isotopes.Isotope`."""

    Z: int
    A: int

    @property
    def N(self) -> int: ...  # noqa: D102

    @property
    def nuclear_mass(self) -> float: ...  # noqa: D102


def _sin2(sin2_theta_w: float | str) -> float:
    if isinstance(sin2_theta_w, str):
        key = sin2_theta_w.strip().lower()
        if key not in SIN2_THETA_W:
            raise UnknownName(
                f"sin2_theta_w {sin2_theta_w!r}: unknown name; use a number or one of "
                f"{', '.join(SIN2_THETA_W)}"
            )
        return SIN2_THETA_W[key]
    return float(require_in_range("sin2_theta_w", sin2_theta_w, 0.0, 1.0))


def weak_charge(Z: int, N: int, sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY) -> float:
    """Tree-level weak charge Q_W = N − (1 − 4 sin²θ_W) Z.

    Parameters
    ----------
    Z, N : int
        Proton and neutron numbers (≥ 0).
    sin2_theta_w : float or str
        Value, or a name in :data:`SIN2_THETA_W`.
    """
    require_non_negative("Z", Z)
    require_non_negative("N", N)
    return float(N) - (1.0 - 4.0 * _sin2(sin2_theta_w)) * float(Z)


def max_recoil(energy: ArrayLike, nuclear_mass: float) -> np.ndarray:
    """Kinematic maximum recoil energy T_max = 2E² / (M + 2E) (hepunits energy)."""
    e = require_non_negative("neutrino energy", energy)
    m = float(require_positive("nuclear mass", nuclear_mass))
    return 2.0 * e * e / (m + 2.0 * e)


def min_neutrino_energy(recoil: ArrayLike, nuclear_mass: float) -> np.ndarray:
    """Smallest neutrino energy that can give a recoil T: (T + sqrt(T² + 2 M T)) / 2.

    The inverse of :func:`max_recoil`.
    """
    t = require_non_negative("recoil energy", recoil)
    m = float(require_positive("nuclear mass", nuclear_mass))
    return 0.5 * (t + np.sqrt(t * t + 2.0 * m * t))


def _prefactor(nucleus: Nucleus, sin2_theta_w: float | str) -> float:
    """G_F² M Q_W² (ħc)² / (4π): area / energy after multiplying the kinematic bracket."""
    qw = weak_charge(nucleus.Z, nucleus.N, sin2_theta_w)
    return FERMI_CONSTANT**2 * nucleus.nuclear_mass * qw**2 * hbarc**2 / (4.0 * np.pi)


def _form_factor_sq(recoil: np.ndarray, nucleus: Nucleus, form_factor: str) -> np.ndarray:
    ff = get_form_factor(form_factor)
    return ff(momentum_transfer(recoil, nucleus.nuclear_mass), nucleus.A) ** 2


def differential_cross_section(
    energy: ArrayLike,
    recoil: ArrayLike,
    nucleus: Nucleus,
    *,
    form_factor: str = "helm",
    sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY,
) -> np.ndarray:
    """SM CEvNS dσ/dT (area per energy), broadcast over ``energy`` and ``recoil``.

    Parameters
    ----------
    energy : array_like
        Neutrino energy E ≥ 0 (hepunits energy).
    recoil : array_like
        Nuclear recoil kinetic energy T ≥ 0.
    nucleus : Nucleus
        Target nucleus (e.g. ``isotope("Cs133")``).
    form_factor : str
        ``"helm"``, ``"klein-nystrand"`` or ``"none"``.
    sin2_theta_w : float or str
        Weak mixing angle, a number or ``"low-energy"`` / ``"z-pole"``.

    Returns
    -------
    ndarray
        dσ/dT; zero where T > T_max(E).
    """
    e = require_non_negative("neutrino energy", energy)
    t = require_non_negative("recoil energy", recoil)
    e, t = np.broadcast_arrays(e, t)
    m = nucleus.nuclear_mass
    with np.errstate(divide="ignore", invalid="ignore"):
        bracket = 1.0 - t / e - m * t / (2.0 * e * e)
    allowed = (e > 0) & (t <= max_recoil(e, m))
    bracket = np.where(allowed, np.clip(bracket, 0.0, None), 0.0)
    return _prefactor(nucleus, sin2_theta_w) * bracket * _form_factor_sq(t, nucleus, form_factor)


def _tail_integrals(spectrum: NeutrinoSpectrum) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative tail integrals ∫_E^∞ φ(E') E'^{-n} dE' for n = 0, 1, 2 on the grid."""
    e, d = spectrum.energies, spectrum.density
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(e > 0, 1.0 / e, 0.0)
    moments = np.stack([d, d * inv, d * inv * inv])
    # cumulative from the top: reverse, integrate, reverse back
    tails = -cumulative_trapezoid(moments[:, ::-1], e[::-1], axis=1, initial=0.0)[:, ::-1]
    return e, tails


def folded_differential_cross_section(
    recoil: ArrayLike,
    spectrum: NeutrinoSpectrum,
    nucleus: Nucleus,
    *,
    form_factor: str = "helm",
    sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY,
) -> np.ndarray:
    """∫ φ(E) dσ/dT(E, T) dE for a spectrum φ (continuous part and lines).

    The integral over the continuous part uses the exact decomposition
    ∫_{E_min(T)} φ (1 − T/E − M T/2E²) dE = C₀ − T C₁ − (M T/2) C₂ with tail moments
    C_n(E_min) = ∫_{E_min}^∞ φ E^{-n} dE integrated on the spectrum's grid (trapezoid)
    and interpolated at E_min(T); lines are added exactly.

    Parameters
    ----------
    recoil : array_like
        Recoil energies T ≥ 0 (any shape).
    spectrum : NeutrinoSpectrum
        Neutrino spectrum; its normalisation carries through (a pdf gives the
        spectrum-averaged dσ/dT, a fluence gives interactions per nucleus per energy).
    nucleus, form_factor, sin2_theta_w
        As for :func:`differential_cross_section`.

    Returns
    -------
    ndarray
        Same shape as ``recoil``: (spectrum unit) × area / energy.
    """
    t = require_non_negative("recoil energy", recoil)
    m = nucleus.nuclear_mass
    bracket = np.zeros_like(t)
    if spectrum.energies.size:
        grid, tails = _tail_integrals(spectrum)
        emin = min_neutrino_energy(t, m)
        c0, c1, c2 = (np.interp(emin, grid, tails[k], left=np.nan, right=0.0) for k in range(3))
        below = emin < grid[0]
        if np.any(below):  # E_min below the grid start: the whole grid contributes
            c0 = np.where(below, tails[0, 0], c0)
            c1 = np.where(below, tails[1, 0], c1)
            c2 = np.where(below, tails[2, 0], c2)
        bracket = bracket + np.clip(c0 - t * c1 - 0.5 * m * t * c2, 0.0, None)
    if spectrum.line_energies.size:
        le = spectrum.line_energies
        with np.errstate(divide="ignore", invalid="ignore"):
            kern = 1.0 - t[..., None] / le - m * t[..., None] / (2.0 * le * le)
        ok = t[..., None] <= max_recoil(le, m)
        bracket = bracket + np.sum(spectrum.line_weights * np.where(ok, np.clip(kern, 0, None), 0),
                                   axis=-1)
    return _prefactor(nucleus, sin2_theta_w) * bracket * _form_factor_sq(t, nucleus, form_factor)


def total_cross_section(
    energy: ArrayLike,
    nucleus: Nucleus,
    *,
    form_factor: str = "helm",
    sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY,
    n_points: int = 2001,
) -> np.ndarray:
    """σ(E) = ∫_0^{T_max} dσ/dT dT (area), integrated numerically in T.

    Without a form factor this equals G_F² Q_W² (ħc)² / (4π) · E² · (1 − ...) and tends
    to G_F² Q_W² E² (ħc)²/(4π) for E ≪ M.
    """
    e = np.atleast_1d(require_non_negative("neutrino energy", energy))
    tmax = max_recoil(e, nucleus.nuclear_mass)
    u = np.linspace(0.0, 1.0, int(n_points))
    t = tmax[:, None] * u[None, :]
    ds = differential_cross_section(e[:, None], t, nucleus, form_factor=form_factor,
                                    sin2_theta_w=sin2_theta_w)
    out = simpson(ds, x=u, axis=1) * tmax
    return out.reshape(np.shape(energy)) if np.ndim(energy) else out[0]
