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
``"symmetrized-fermi"``
    The analytic transform of the symmetrized Fermi distribution (Sprung & Martorell,
    J. Phys. A 30 (1997) 6525; as used by Piekarewicz, Linero & Giuliani, PRC 94 (2016)
    034316) with half-density radius c and diffuseness a; by default c = 1.23 A^{1/3}
    − 0.60 fm and a = 0.52 fm (the Lewin & Smith values above).
``"none"``
    F = 1 (point-like nucleus).

Each model also exists as a function of the **rms radius** of the distribution
(:func:`form_factor_of_radius`), so that the proton and the neutron distributions of a
nucleus can have different radii R_p and R_n: the model's shape parameter (skin s,
Yukawa range a_k, diffuseness a) is kept and the size parameter is solved from

* Helm: R² = (3/5) R0² + 3 s²,
* Klein–Nystrand: R² = (3/5) R_A² + 6 a_k²,
* symmetrized Fermi: R² = (3/5) c² + (7/5) π² a²,

so that :func:`default_rms_radius` ``(name, A)`` fed back into
:func:`form_factor_of_radius` reproduces the A-parameterised form factor exactly.

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

from ..exceptions import UnknownName, UnphysicalParameter
from ..validation import require_non_negative, require_positive

__all__ = [
    "FORM_FACTORS",
    "momentum_transfer",
    "helm",
    "klein_nystrand",
    "no_form_factor",
    "symmetrized_fermi",
    "get_form_factor",
    "form_factor",
    "default_rms_radius",
    "form_factor_of_radius",
]

# Lewin & Smith 1996, Sec. 4.1
_HELM_SKIN = 0.9 * fermi
_HELM_A = 0.52 * fermi
# Klein & Nystrand 1999, Eq. 14 and text
_KN_RANGE = 0.7 * fermi
# symmetrized Fermi diffuseness: the Lewin & Smith value a = 0.52 fm
_SF_DIFFUSENESS = _HELM_A


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
    return _helm_r0(q, np.sqrt(_helm_r0_sq(_check_mass_number(A))))


def _lewin_smith_c(A: float) -> float:
    return (1.23 * A ** (1.0 / 3.0) - 0.60) * fermi


def _helm_r0_sq(A: float) -> float:
    return _lewin_smith_c(A) ** 2 + (7.0 / 3.0) * np.pi**2 * _HELM_A**2 - 5.0 * _HELM_SKIN**2


def _helm_r0(q: np.ndarray, r0: float) -> np.ndarray:
    k = q / hbarc  # wave number, 1/length
    return _j1_over_x(k * r0) * np.exp(-0.5 * (k * _HELM_SKIN) ** 2)


def klein_nystrand(q: ArrayLike, A: float) -> np.ndarray:
    """Klein–Nystrand form factor (hard sphere ⊗ Yukawa), F(0) = 1.

    Parameters are as for :func:`helm`.
    """
    q = require_non_negative("momentum transfer q", q)
    return _kn_ra(q, 1.2 * _check_mass_number(A) ** (1.0 / 3.0) * fermi)


def _kn_ra(q: np.ndarray, r_a: float) -> np.ndarray:
    k = q / hbarc
    return _j1_over_x(k * r_a) / (1.0 + (k * _KN_RANGE) ** 2)


def symmetrized_fermi(q: ArrayLike, A: float) -> np.ndarray:
    """Symmetrized Fermi form factor, c = 1.23 A^{1/3} − 0.60 fm, a = 0.52 fm; F(0) = 1.

    Parameters are as for :func:`helm`.
    """
    q = require_non_negative("momentum transfer q", q)
    return _sf_c(q, _lewin_smith_c(_check_mass_number(A)))


def _sf_c(q: np.ndarray, c: float) -> np.ndarray:
    """Analytic symmetrized-Fermi transform (Sprung & Martorell 1997).

    F = 3 / (qc [(qc)² + (πqa)²]) · πqa / sinh(πqa) · [πqa / tanh(πqa) sin(qc) − qc cos(qc)],
    with its q → 0 limit 1 (series below qc = 1e-3).
    """
    a = _SF_DIFFUSENESS
    k = np.asarray(q / hbarc, dtype=float)
    x = k * c
    small = x < 1e-3
    ks = np.where(small, 1e-3 / c, k)
    xs, y = ks * c, np.pi * ks * a
    core = 3.0 / (xs * (xs**2 + y**2)) * (y / np.sinh(y)) * (
        y / np.tanh(y) * np.sin(xs) - xs * np.cos(xs))
    # small q: F ≈ 1 − q² <r²>/6 with <r²> = (3/5) c² + (7/5) π² a²
    r2 = 0.6 * c**2 + 1.4 * (np.pi * a) ** 2
    return np.where(small, 1.0 - k**2 * r2 / 6.0, core)


def no_form_factor(q: ArrayLike, A: float) -> np.ndarray:
    """F = 1 for every q (point nucleus)."""
    q = require_non_negative("momentum transfer q", q)
    _check_mass_number(A)
    return np.ones_like(q)


#: Form factors by name.
FORM_FACTORS: dict[str, Callable[[ArrayLike, float], np.ndarray]] = {
    "helm": helm,
    "klein-nystrand": klein_nystrand,
    "symmetrized-fermi": symmetrized_fermi,
    "none": no_form_factor,
}


def get_form_factor(name: str) -> Callable[[ArrayLike, float], np.ndarray]:
    """Return the form factor called ``name`` (one of :data:`FORM_FACTORS`).

    Raises
    ------
    UnknownName
        With the list of known names.
    """
    return FORM_FACTORS[_key(name)]


def form_factor(name: str, recoil: ArrayLike, nuclear_mass: float, A: float) -> np.ndarray:
    """F(q(T)) for recoil energies ``recoil`` on a nucleus of mass ``nuclear_mass``."""
    return get_form_factor(name)(momentum_transfer(recoil, nuclear_mass), A)


def _key(name: str) -> str:
    key = str(name).strip().lower().replace("_", "-")
    if key not in FORM_FACTORS:
        raise UnknownName(
            f"form factor {name!r}: unknown; choose one of {', '.join(FORM_FACTORS)}"
        )
    return key


def default_rms_radius(name: str, A: float) -> float:
    """The rms radius (hepunits length) implied by the A-parameterisation of ``name``.

    Helm: (3/5) R0² + 3 s²; Klein–Nystrand: (3/5) R_A² + 6 a_k²; symmetrized Fermi:
    (3/5) c² + (7/5) π² a²; ``"none"``: 0 (a point).
    """
    key, A = _key(name), _check_mass_number(A)
    if key == "helm":
        return float(np.sqrt(0.6 * _helm_r0_sq(A) + 3.0 * _HELM_SKIN**2))
    if key == "klein-nystrand":
        return float(np.sqrt(0.6 * (1.2 * A ** (1.0 / 3.0) * fermi) ** 2 + 6.0 * _KN_RANGE**2))
    if key == "symmetrized-fermi":
        return float(np.sqrt(0.6 * _lewin_smith_c(A) ** 2 + 1.4 * (np.pi * _SF_DIFFUSENESS) ** 2))
    return 0.0


def form_factor_of_radius(name: str, q: ArrayLike, rms_radius: float) -> np.ndarray:
    """Form factor ``name`` of a distribution with the given rms radius.

    The model's shape parameter is fixed (Helm skin s = 0.9 fm, Klein–Nystrand range
    0.7 fm, symmetrized-Fermi diffuseness 0.52 fm) and its size parameter solved from the
    rms radius (module docstring), so proton and neutron distributions can differ.

    Parameters
    ----------
    name : str
        One of :data:`FORM_FACTORS`.
    q : array_like
        Momentum transfer (hepunits energy), ≥ 0.
    rms_radius : float
        Root-mean-square radius (hepunits length). It must exceed the model's minimum
        (sqrt(3) s = 1.56 fm for Helm, sqrt(6) a_k = 1.71 fm for Klein–Nystrand,
        sqrt(7/5) π a = 1.93 fm for symmetrized Fermi), where the size parameter is 0.

    Raises
    ------
    UnphysicalParameter
        For a radius at or below the model's minimum.
    """
    key = _key(name)
    q = require_non_negative("momentum transfer q", q)
    r = float(require_positive("rms radius", rms_radius))
    if key == "none":
        return np.ones_like(q)
    floor = {"helm": 3.0 * _HELM_SKIN**2, "klein-nystrand": 6.0 * _KN_RANGE**2,
             "symmetrized-fermi": 1.4 * (np.pi * _SF_DIFFUSENESS) ** 2}[key]
    if r * r <= floor:
        raise UnphysicalParameter(
            f"rms radius = {r / fermi:.4g} fm: must exceed {np.sqrt(floor) / fermi:.3g} fm for "
            f"the {key} form factor")
    size = np.sqrt((r * r - floor) / 0.6)
    if key == "helm":
        return _helm_r0(q, size)
    if key == "klein-nystrand":
        return _kn_ra(q, size)
    return _sf_c(q, size)
