"""Neutrino–electron elastic scattering (ν e → ν e), a background channel for CEvNS.

Tree-level Standard Model (’t Hooft, Phys. Lett. B 37 (1971) 195; in the form of
Vogel & Engel, PRD 39 (1989) 3378, Eq. 2)::

    dσ/dT = (2 G_F² m_e / π) [g₁² + g₂² (1 − T/E)² − g₁ g₂ m_e T / E²],

for electron recoil kinetic energies 0 ≤ T ≤ T_max = 2E² / (m_e + 2E), with

* νe:  g₁ = 1/2 + sin²θ_W (charged + neutral current), g₂ = sin²θ_W;
* νμ, ντ: g₁ = −1/2 + sin²θ_W, g₂ = sin²θ_W;
* antineutrinos: g₁ and g₂ exchanged.

Electrons are treated as free and at rest (atomic binding neglected: a ≲ 10 % effect
below ~10 keV recoil). Units: hepunits; cross sections in area / energy.
"""

from __future__ import annotations

import numpy as np
from hepunits.constants import hbarc
from numpy.typing import ArrayLike

from ..sources.spectrum import NeutrinoSpectrum
from ..validation import require_non_negative
from .cevns import (
    ELECTRON_MASS,
    FERMI_CONSTANT,
    SIN2_THETA_W_LOW_ENERGY,
    _sin2,
    _tail_integrals,
    flavour_of,
)

__all__ = ["chiral_couplings", "max_electron_recoil", "min_energy_for_electron_recoil",
           "differential_cross_section", "folded_differential_cross_section"]


def chiral_couplings(component: str, sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY
                     ) -> tuple[float, float]:
    """(g₁, g₂) of a neutrino component (``"nue"``, ``"numubar"``, ...), module docstring."""
    s2 = _sin2(sin2_theta_w)
    flavour = flavour_of(component)
    g1 = (0.5 if flavour == "e" else -0.5) + s2
    g2 = s2
    if str(component).strip().lower().endswith("bar"):
        g1, g2 = g2, g1
    return g1, g2


def max_electron_recoil(energy: ArrayLike) -> np.ndarray:
    """T_max = 2E² / (m_e + 2E) (hepunits energy)."""
    e = require_non_negative("neutrino energy", energy)
    return 2.0 * e * e / (ELECTRON_MASS + 2.0 * e)


def min_energy_for_electron_recoil(recoil: ArrayLike) -> np.ndarray:
    """Smallest neutrino energy giving an electron recoil T: (T + sqrt(T² + 2 m_e T)) / 2."""
    t = require_non_negative("electron recoil energy", recoil)
    return 0.5 * (t + np.sqrt(t * t + 2.0 * ELECTRON_MASS * t))


def _prefactor() -> float:
    return 2.0 * FERMI_CONSTANT**2 * ELECTRON_MASS * hbarc**2 / np.pi


def differential_cross_section(energy: ArrayLike, recoil: ArrayLike, component: str,
                               sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY
                               ) -> np.ndarray:
    """dσ/dT per electron (area / energy), broadcast over ``energy`` and ``recoil``.

    Parameters
    ----------
    energy : array_like
        Neutrino energy E ≥ 0 (hepunits energy).
    recoil : array_like
        Electron recoil kinetic energy T ≥ 0.
    component : str
        Neutrino type, e.g. ``"nue"``, ``"numu"``, ``"numubar"``, ``"nuebar"``.
    sin2_theta_w : float or str
        Weak mixing angle (number or name).
    """
    g1, g2 = chiral_couplings(component, sin2_theta_w)
    e = require_non_negative("neutrino energy", energy)
    t = require_non_negative("electron recoil energy", recoil)
    e, t = np.broadcast_arrays(e, t)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = t / e
        bracket = g1**2 + g2**2 * (1.0 - y) ** 2 - g1 * g2 * ELECTRON_MASS * t / (e * e)
    ok = (e > 0) & (t <= max_electron_recoil(e))
    return _prefactor() * np.where(ok, np.clip(bracket, 0.0, None), 0.0)


def folded_differential_cross_section(recoil: ArrayLike, spectrum: NeutrinoSpectrum,
                                      component: str,
                                      sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY
                                      ) -> np.ndarray:
    """∫ φ(E) dσ/dT dE per electron, for a spectrum φ (continuous part and lines).

    The bracket is (g₁² + g₂²) − 2 g₂² T/E + (g₂² T² − g₁ g₂ m_e T)/E², so the fold is a
    combination of the tail moments ∫_{E_min(T)} φ E^{-n} dE, n = 0, 1, 2 (as for CEvNS).
    """
    g1, g2 = chiral_couplings(component, sin2_theta_w)
    t = require_non_negative("electron recoil energy", recoil)
    out = np.zeros_like(t, dtype=float)
    a0, a1, a2 = g1**2 + g2**2, -2.0 * g2**2 * t, g2**2 * t * t - g1 * g2 * ELECTRON_MASS * t
    if spectrum.energies.size:
        grid, tails = _tail_integrals(spectrum)
        emin = min_energy_for_electron_recoil(t)
        c = [np.where(emin < grid[0], tails[k, 0],
                      np.interp(emin, grid, tails[k], left=tails[k, 0], right=0.0))
             for k in range(3)]
        out = out + np.clip(a0 * c[0] + a1 * c[1] + a2 * c[2], 0.0, None)
    if spectrum.line_energies.size:
        le = spectrum.line_energies
        tt = t[..., None]
        kern = a0 + a1[..., None] / le + a2[..., None] / le**2
        ok = tt <= max_electron_recoil(le)
        out = out + np.sum(spectrum.line_weights * np.where(ok, np.clip(kern, 0.0, None), 0.0),
                           axis=-1)
    return _prefactor() * out
