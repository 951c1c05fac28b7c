"""Nuclear (weak) form factors F(q) for coherent scattering, normalised to F(0) = 1.

Three choices, selected by name:

``"helm"``
    Helm form factor with the Lewin & Smith parameterisation (Astropart. Phys. 6 (1996)
    87, Sec. 4.1): F = 3 j1(q R0)/(q R0) · exp(−q² s²/2), with s = 0.9 fm,
    c = 1.23 A^{1/3} − 0.60 fm, a = 0.52 fm and R0² = c² + (7/3) π² a² − 5 s².
``"klein-nystrand"``
    Klein & Nystrand, Phys. Rev. C 60 (1999) 014903, Eq. 14 (as used by COHERENT,
    Science 357 (2017) 1123): F = 3 j1(q R_A)/(q R_A) · 1/(1 + q² a_k²), a hard sphere
    of radius R_A = 1.2 A^{1/3} fm folded with a Yukawa potential of range a_k = 0.7 fm.
``"none"``
    F = 1 (point-like nucleus).

q is the magnitude of the three-momentum transfer, q = sqrt(2 M T + T²) for a recoil
of kinetic energy T on a nucleus of mass M (hepunits energy, MeV = 1); radii are lengths
(hepunits, mm = 1), converted with ħc.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hepunits import fermi
from hepunits.constants import hbarc
from numpy.typing import ArrayLike

from ..exceptions import UnknownName
from ..validation import require_non_negative, require_positive

__all__ = [
    "FORM_FACTORS",
    "momentum_transfer",
    "helm",
    "klein_nystrand",
    "no_form_factor",
    "get_form_factor",
    "form_factor",
]

# Lewin & Smith 1996, Sec. 4.1
_HELM_SKIN = 0.9 * fermi
_HELM_A = 0.52 * fermi
# Klein & Nystrand 1999, Eq. 14 and text
_KN_RANGE = 0.7 * fermi


def momentum_transfer(recoil: ArrayLike, nuclear_mass: float) -> np.ndarray:
    """Three-momentum transfer q = sqrt(2 M T + T²) (hepunits energy, i.e. q c).

    Parameters
    ----------
    recoil : array_like
        Nuclear recoil kinetic energy T ≥ 0.
    nuclear_mass : float
        Nuclear mass M c² > 0.
    """
    t = require_non_negative("recoil energy", recoil)
    m = float(require_positive("nuclear mass", nuclear_mass))
    return np.sqrt(2.0 * m * t + t * t)


def _j1_over_x(x: np.ndarray) -> np.ndarray:
    """3 j1(x)/x, with its Taylor series near 0 (value 1 at x = 0)."""
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-3
    xs = np.where(small, 1.0, x)  # avoid 0/0; replaced below
    exact = 3.0 * (np.sin(xs) - xs * np.cos(xs)) / xs**3
    series = 1.0 - x**2 / 10.0 + x**4 / 280.0
    return np.where(small, series, exact)


def _check_mass_number(A: float) -> float:
    return float(require_positive("mass number A", A))


def helm(q: ArrayLike, A: float) -> np.ndarray:
    """Helm form factor (Lewin & Smith 1996 parameters), F(0) = 1.

    Parameters
    ----------
    q : array_like
        Momentum transfer (hepunits energy, q c), ≥ 0.
    A : float
        Mass number.

    Returns
    -------
    ndarray
        F(q), dimensionless.
    """
    q = require_non_negative("momentum transfer q", q)
    A = _check_mass_number(A)
    c = (1.23 * A ** (1.0 / 3.0) - 0.60) * fermi
    r0_sq = c**2 + (7.0 / 3.0) * np.pi**2 * _HELM_A**2 - 5.0 * _HELM_SKIN**2
    r0 = np.sqrt(r0_sq)
    k = q / hbarc  # wave number, 1/length
    return _j1_over_x(k * r0) * np.exp(-0.5 * (k * _HELM_SKIN) ** 2)


def klein_nystrand(q: ArrayLike, A: float) -> np.ndarray:
    """Klein–Nystrand form factor (hard sphere ⊗ Yukawa), F(0) = 1.

    Parameters are as for :func:`helm`.
    """
    q = require_non_negative("momentum transfer q", q)
    A = _check_mass_number(A)
    r_a = 1.2 * A ** (1.0 / 3.0) * fermi
    k = q / hbarc
    return _j1_over_x(k * r_a) / (1.0 + (k * _KN_RANGE) ** 2)


def no_form_factor(q: ArrayLike, A: float) -> np.ndarray:
    """F = 1 for every q (point nucleus)."""
    q = require_non_negative("momentum transfer q", q)
    _check_mass_number(A)
    return np.ones_like(q)


#: Form factors by name.
FORM_FACTORS: dict[str, Callable[[ArrayLike, float], np.ndarray]] = {
    "helm": helm,
    "klein-nystrand": klein_nystrand,
    "none": no_form_factor,
}


def get_form_factor(name: str) -> Callable[[ArrayLike, float], np.ndarray]:
    """Return the form factor called ``name`` (one of :data:`FORM_FACTORS`).

    Raises
    ------
    UnknownName
        With the list of known names.
    """
    key = str(name).strip().lower().replace("_", "-")
    if key not in FORM_FACTORS:
        raise UnknownName(
            f"form factor {name!r}: unknown; choose one of {', '.join(FORM_FACTORS)}"
        )
    return FORM_FACTORS[key]


def form_factor(name: str, recoil: ArrayLike, nuclear_mass: float, A: float) -> np.ndarray:
    """F(q(T)) for recoil energies ``recoil`` on a nucleus of mass ``nuclear_mass``."""
    return get_form_factor(name)(momentum_transfer(recoil, nuclear_mass), A)
