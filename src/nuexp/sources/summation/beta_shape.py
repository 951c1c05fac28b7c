"""β⁻ spectrum shapes for the summation method: electron and antineutrino spectra of one branch.

For a β⁻ branch of endpoint (kinetic) energy E₀ to a daughter of charge Z and mass number A,
the electron spectrum in the total electron energy W (units of m_e, W₀ = 1 + E₀/m_e) is

    N(W) = K · p W (W₀ − W)² · F₀(Z, W) · L₀(Z, W) · C(Z, W) · S(Z, W) · G(W, W₀)
             · (1 + δ_WM W) · C_n(W)

(Huber, Phys. Rev. C 84, 024617 (2011), Eq. 6 and Sec. II; Hayen et al., Rev. Mod. Phys. 90,
015008 (2018), Sec. III):

* ``F₀`` — relativistic Fermi function of a point charge evaluated at the nuclear radius R
  (Huber Eq. 8; Hayen Eq. 7): F₀ = 4 (2pR)^{2(γ−1)} e^{πy} |Γ(γ + iy)|² / Γ(2γ + 1)²,
  γ = √(1 − (αZ)²), y = αZW/p;
* ``L₀`` — finite nuclear size in the electromagnetic potential (Wilkinson, Nucl. Instrum.
  Meth. A 290, 509 (1990); Huber Eq. 12);
* ``C`` — finite size of the weak-interaction wave functions for an allowed transition
  (Huber Eqs. 14–15): C = 1 + C₀ + C₁W + C₂W²;
* ``S`` — atomic screening, Rose's potential-shift prescription W → W − V₀ with
  V₀ = 1.45 α² Z^{4/3} (Huber Eq. 16 and the text after it; Behrens & Bühring, *Electron
  Radial Wave Functions and Nuclear Beta-Decay* (1982));
* ``G`` — outer radiative correction: for the **electron** spectrum 1 + (α/2π) g(W, W₀) of
  Sirlin, Phys. Rev. 164, 1767 (1967), Eq. 20b; for the **antineutrino** spectrum 1 + (α/2π)
  h(Ŵ, W₀) of Sirlin, Phys. Rev. D 84, 014021 (2011), Eq. 13 (Ŵ = W₀ − W_ν, the electron
  energy that goes with the antineutrino energy). Both integrate to the same total-rate
  correction, which :func:`tests/test_summation_shapes` checks;
* ``δ_WM`` — weak magnetism for Gamow–Teller transitions in the CVC impulse approximation,
  δ_WM = 4 (μ_p − μ_n) / (3 M_N g_A) per unit of electron energy (Vogel, Phys. Rev. D 29,
  1918 (1984); Huber Eq. 21 and Sec. II E: ≈ 0.5 %/MeV). Applied to allowed branches only;
* ``C_n`` — shape factor by forbiddenness: 1 for allowed and for non-unique forbidden
  branches (the usual ξ-approximation, Huber Sec. II; Hayes et al., PRL 112, 202501 (2014)
  discuss the uncertainty this leaves), and for **unique** forbidden branches of order n
  (ΔJ = n + 1, Δπ = (−1)^n) the Konopinski–Uhlenbeck factor
  C₁ᵤ = q² + λ₂ p² (first unique), C₂ᵤ = q⁴ + (10/3) λ₂ q² p² + λ₃ p⁴ (second unique),
  with q = W₀ − W the antineutrino momentum and λ_k = F_{k−1}/F₀ the Coulomb-function
  ratios (Hayen Eq. 48; Behrens & Bühring Ch. 7).

The antineutrino spectrum of the branch follows by energy conservation (nuclear recoil
neglected): E_ν = E₀ − T_e, i.e. W = W₀ − E_ν/m_e; only the radiative correction differs.

Nuclear radius: uniformly charged sphere, R = 1.2 A^{1/3} fm (Huber Sec. II A uses the same
form); R enters through 2pR, so the ±10 % spread of published radius formulas moves the
spectra by ≲ 0.1 %.

All public functions take hepunits energies and return 1/hepunits-energy densities.
"""

from __future__ import annotations

import math

import numpy as np
from hepunits import MeV, fermi
from hepunits.constants import hbarc
from numpy.typing import ArrayLike
from scipy.constants import alpha as ALPHA
from scipy.constants import physical_constants
from scipy.special import gammaln, loggamma, spence

from ...constants import NEUTRON_MASS, PROTON_MASS
from ...exceptions import UnphysicalParameter

__all__ = [
    "ELECTRON_MASS",
    "FORBIDDENNESS",
    "GA_AXIAL",
    "WEAK_MAGNETISM_SLOPE",
    "antineutrino_spectrum",
    "electron_spectrum",
    "fermi_function",
    "finite_size_c",
    "finite_size_l0",
    "nuclear_radius",
    "radiative_antineutrino",
    "radiative_electron",
    "screening",
    "shape_factor",
]

#: Electron mass m_e c² (hepunits energy; CODATA via scipy).
ELECTRON_MASS: float = physical_constants["electron mass energy equivalent in MeV"][0] * MeV
_NUCLEON_MASS = 0.5 * (PROTON_MASS + NEUTRON_MASS)
#: Axial coupling g_A = 1.2754 (PDG 2024, Review of Particle Physics, neutron listing λ).
GA_AXIAL: float = 1.2754
_MU_V = (physical_constants["proton mag. mom. to nuclear magneton ratio"][0]
         - physical_constants["neutron mag. mom. to nuclear magneton ratio"][0])
#: δ_WM = 4 (μ_p − μ_n) / (3 M_N g_A) in 1/hepunits energy (≈ 0.52 %/MeV; Vogel PRD 29,
#: 1918 (1984); Huber PRC 84, 024617 (2011) Sec. II E).
WEAK_MAGNETISM_SLOPE: float = 4.0 * _MU_V / (3.0 * _NUCLEON_MASS * GA_AXIAL)

#: Shape classes understood by :func:`shape_factor`: "allowed"; "nNU" (n-th forbidden
#: non-unique, allowed shape in the ξ-approximation) and "nU" (n-th forbidden unique), n = 1–4.
FORBIDDENNESS: tuple[str, ...] = ("allowed",) + tuple(f"{n}{u}" for n in range(1, 5)
                                                     for u in ("NU", "U"))

_SCREENING_N = 1.45     # Rose's V₀ = N α² Z^{4/3} with N = 1.45 for Z ≳ 30 (Huber Sec. II C)


def nuclear_radius(A: int) -> float:
    """Radius of the uniformly charged sphere, R = 1.2 A^{1/3} fm, in units of ħ/(m_e c).

    Parameters
    ----------
    A : int
        Mass number (≥ 1).
    """
    if A < 1:
        raise UnphysicalParameter(f"mass number A must be >= 1; got {A!r}")
    return 1.2 * fermi * A ** (1.0 / 3.0) * ELECTRON_MASS / hbarc


def _momentum(W: np.ndarray) -> np.ndarray:
    return np.sqrt(np.maximum(W * W - 1.0, 1e-24))


def _log_fermi_k(k: int, Z: int, W: np.ndarray, R: float) -> np.ndarray:
    """log F_{k−1}(Z, W): generalised Fermi function of Behrens & Bühring (Hayen Eq. 7, 48)."""
    p = _momentum(W)
    az = ALPHA * Z
    gk = np.sqrt(k * k - az * az)
    y = az * W / p
    dfact = float(np.prod(np.arange(2 * k - 1, 0, -2)))          # (2k − 1)!!
    return (2.0 * np.log(k * dfact) + k * np.log(4.0) + 2.0 * (gk - k) * np.log(2.0 * p * R)
            + np.pi * y + 2.0 * np.real(loggamma(gk + 1j * y)) - 2.0 * gammaln(1.0 + 2.0 * gk))


def fermi_function(Z: int, W: ArrayLike, R: float) -> np.ndarray:
    """Relativistic Fermi function F₀(Z, W) at the nuclear radius (β⁻: electron attracted).

    Parameters
    ----------
    Z : int
        Daughter charge number (≥ 0); Z = 0 gives exactly 1.
    W : array_like
        Electron total energy in units of m_e (> 1).
    R : float
        Nuclear radius in units of ħ/(m_e c) (see :func:`nuclear_radius`).

    Returns
    -------
    ndarray
        F₀ (dimensionless), same shape as ``W``. For Z → 0 it tends to 1 and for small αZ/β
        to the non-relativistic 2πη/(1 − e^{−2πη}).
    """
    W = np.asarray(W, dtype=float)
    if Z < 0:
        raise UnphysicalParameter(f"daughter charge Z must be >= 0; got {Z!r}")
    if Z == 0:
        return np.ones_like(W)
    return np.exp(_log_fermi_k(1, Z, W, R))


def finite_size_l0(Z: int, W: ArrayLike, R: float) -> np.ndarray:
    """L₀: finite-size correction to the Coulomb potential (Wilkinson 1990; Huber Eq. 12).

    L₀ = 1 + (13/60)(αZ)² − W R αZ (41 − 26γ)/[15(2γ − 1)] − αZ R γ (17 − 2γ)/[30 W (2γ − 1)].
    """
    W = np.asarray(W, dtype=float)
    az = ALPHA * Z
    g = np.sqrt(1.0 - az * az)
    return (1.0 + 13.0 / 60.0 * az**2 - W * R * az * (41.0 - 26.0 * g) / (15.0 * (2.0 * g - 1.0))
            - az * R * g * (17.0 - 2.0 * g) / (30.0 * W * (2.0 * g - 1.0)))


def finite_size_c(Z: int, W: ArrayLike, W0: float, R: float) -> np.ndarray:
    """C: finite size of the lepton wave functions in an allowed decay (Huber Eqs. 14–15).

    C = 1 + C₀ + C₁W + C₂W², C₀ = −(233/630)(αZ)² − (W₀R)²/5 + (2/35) W₀ R αZ,
    C₁ = −(21/35) R αZ + (4/9) W₀ R², C₂ = −(4/9) R².
    """
    W = np.asarray(W, dtype=float)
    az = ALPHA * Z
    c0 = -233.0 / 630.0 * az**2 - (W0 * R) ** 2 / 5.0 + 2.0 / 35.0 * W0 * R * az
    c1 = -21.0 / 35.0 * R * az + 4.0 / 9.0 * W0 * R**2
    c2 = -4.0 / 9.0 * R**2
    return 1.0 + c0 + c1 * W + c2 * W * W


def screening(Z: int, W: ArrayLike, R: float) -> np.ndarray:
    """S: atomic screening, Rose's potential shift (Huber Eq. 16).

    S = (p̃ W̃ F₀(Z, W̃)) / (p W F₀(Z, W)) with W̃ = W − V₀, V₀ = 1.45 α² Z^{4/3};
    S = 1 where W̃ ≤ 1 (the prescription fails within V₀ ≈ 10 keV of the rest energy,
    which carries a negligible part of the spectrum).
    """
    W = np.asarray(W, dtype=float)
    if Z == 0:
        return np.ones_like(W)
    v0 = _SCREENING_N * ALPHA**2 * Z ** (4.0 / 3.0)
    Wt = W - v0
    ok = Wt > 1.0 + 1e-9
    Wt = np.where(ok, Wt, W)
    p, pt = _momentum(W), _momentum(Wt)
    log_ratio = (np.log(pt * Wt) + _log_fermi_k(1, Z, Wt, R)
                 - np.log(p * W) - _log_fermi_k(1, Z, W, R))
    return np.where(ok, np.exp(log_ratio), 1.0)


def _spence_L(x: np.ndarray) -> np.ndarray:
    """Sirlin's L(x) = ∫₀ˣ ln(1 − t)/t dt = −Li₂(x) (scipy's spence(z) = Li₂(1 − z))."""
    return -spence(1.0 - x)


def radiative_electron(W: ArrayLike, W0: float) -> np.ndarray:
    """Outer radiative correction to the electron spectrum, 1 + (α/2π) g(W, W₀).

    Sirlin, Phys. Rev. 164, 1767 (1967), Eq. 20b (Huber Eq. 17), with β = p/W and
    t = tanh⁻¹β:
    g = 3 ln(m_p/m_e) − 3/4 + 4 (t/β − 1) [(W₀ − W)/(3W) − 3/2 + ln 2(W₀ − W)]
        + (4/β) L(2β/(1 + β)) + (t/β) [2(1 + β²) + (W₀ − W)²/(6W²) − 4t].
    """
    W = np.asarray(W, dtype=float)
    p = _momentum(W)
    b = p / W
    t = np.arctanh(b)
    d = np.maximum(W0 - W, 1e-300)
    g = (3.0 * np.log(PROTON_MASS / ELECTRON_MASS) - 0.75
         + 4.0 * (t / b - 1.0) * (d / (3.0 * W) - 1.5 + np.log(2.0 * d))
         + 4.0 / b * _spence_L(2.0 * b / (1.0 + b))
         + t / b * (2.0 * (1.0 + b * b) + d * d / (6.0 * W * W) - 4.0 * t))
    return 1.0 + ALPHA / (2.0 * np.pi) * g


def radiative_antineutrino(W: ArrayLike) -> np.ndarray:
    """Outer radiative correction to the antineutrino spectrum, 1 + (α/2π) h(Ŵ).

    Sirlin, Phys. Rev. D 84, 014021 (2011), Eq. 13, with Ŵ = W₀ − W_ν (the electron total
    energy that accompanies an antineutrino of energy W_ν, units of m_e), β̂ = p̂/Ŵ,
    t̂ = tanh⁻¹β̂:
    h = 3 ln(m_p/m_e) + 23/4 + (8/β̂) L(2β̂/(1 + β̂)) + 8 (t̂/β̂ − 1) ln(2Ŵβ̂)
        + 4 (t̂/β̂) [(7 + 3β̂²)/8 − 2 t̂].
    Unlike g, h stays finite at the endpoint (Sirlin 2011, Sec. 3).
    """
    W = np.asarray(W, dtype=float)
    p = _momentum(W)
    b = p / W
    t = np.arctanh(b)
    h = (3.0 * np.log(PROTON_MASS / ELECTRON_MASS) + 23.0 / 4.0
         + 8.0 / b * _spence_L(2.0 * b / (1.0 + b))
         + 8.0 * (t / b - 1.0) * np.log(2.0 * W * b)
         + 4.0 * t / b * ((7.0 + 3.0 * b * b) / 8.0 - 2.0 * t))
    return 1.0 + ALPHA / (2.0 * np.pi) * h


def shape_factor(kind: str, Z: int, W: ArrayLike, W0: float, R: float) -> np.ndarray:
    """Forbiddenness shape factor C_n(W) (allowed and non-unique: 1).

    For a unique transition of order n (ΔJ = n + 1) the Konopinski–Uhlenbeck factor

        C_n = Σ_{k=1}^{n+1} λ_k p^{2(k−1)} q^{2(n−k+1)} / [(2k − 1)! (2(n − k + 1) + 1)!]

    (Hayen et al., RMP 90, 015008 (2018), Eq. 48 with the Behrens–Bühring λ_k = F_{k−1}/F₀),
    multiplied by (2n + 1)! so that n = 1 gives q² + λ₂p² and n = 2 gives
    q⁴ + (10/3) λ₂ q² p² + λ₃ p⁴; q = W₀ − W.

    Parameters
    ----------
    kind : str
        One of :data:`FORBIDDENNESS`.
    Z, W, W0, R
        Daughter charge, electron total energy and endpoint (m_e units), radius (ħ/m_e c).
    """
    if kind not in FORBIDDENNESS:
        raise UnphysicalParameter(f"forbiddenness {kind!r}: choose one of {FORBIDDENNESS}")
    W = np.asarray(W, dtype=float)
    if kind == "allowed" or kind.endswith("NU"):
        return np.ones_like(W)
    n = int(kind[0])
    p = _momentum(W)
    q = np.maximum(W0 - W, 0.0)
    log_f0 = _log_fermi_k(1, Z, W, R) if Z else None
    out = np.zeros_like(W)
    for k in range(1, n + 2):
        lam = np.exp(_log_fermi_k(k, Z, W, R) - log_f0) if Z else 1.0
        out = out + (lam * p ** (2 * (k - 1)) * q ** (2 * (n - k + 1))
                     * math.factorial(2 * n + 1)
                     / (math.factorial(2 * k - 1) * math.factorial(2 * (n - k + 1) + 1)))
    return out


def _shape(Z: int, A: int, W: np.ndarray, W0: float, kind: str, neutrino: bool,
           corrections: bool) -> np.ndarray:
    """Unnormalised N(W) at electron energies W (m_e units, 1 < W < W₀)."""
    R = nuclear_radius(A)
    p = _momentum(W)
    base = p * W * (W0 - W) ** 2 * fermi_function(Z, W, R) * shape_factor(kind, Z, W, W0, R)
    if not corrections:
        return base
    corr = finite_size_l0(Z, W, R) * finite_size_c(Z, W, W0, R) * screening(Z, W, R)
    corr = corr * (radiative_antineutrino(W) if neutrino else radiative_electron(W, W0))
    if kind == "allowed":
        corr = corr * (1.0 + WEAK_MAGNETISM_SLOPE * ELECTRON_MASS * W)
    return base * corr


def _check(Z: int, A: int, endpoint: float) -> float:
    if Z < 0 or A < 1 or Z > A:
        raise UnphysicalParameter(f"daughter (Z, A) = ({Z}, {A}): need 0 <= Z <= A, A >= 1")
    if not np.isfinite(endpoint) or endpoint <= 0:
        raise UnphysicalParameter(f"β endpoint (kinetic) must be > 0; got {endpoint / MeV!r} MeV")
    return 1.0 + endpoint / ELECTRON_MASS


_GL_X, _GL_W = np.polynomial.legendre.leggauss(96)


def _norm(Z: int, A: int, W0: float, kind: str, neutrino: bool, corrections: bool) -> float:
    """∫ N dW over (1, W₀) by Gauss–Legendre in u with W = 1 + (W₀ − 1) u² (∫ in m_e units).

    The substitution removes the √(W − 1) edge of p at the low end; the high end is smooth.
    """
    u = 0.5 * (_GL_X + 1.0)
    W = 1.0 + (W0 - 1.0) * u * u
    f = _shape(Z, A, W, W0, kind, neutrino, corrections) * 2.0 * (W0 - 1.0) * u
    return float(0.5 * np.sum(_GL_W * f))


def electron_spectrum(kinetic: ArrayLike, Z: int, A: int, endpoint: float, *,
                      kind: str = "allowed", corrections: bool = True) -> np.ndarray:
    """Normalised electron spectrum dN/dT of one β⁻ branch (1/hepunits energy).

    Parameters
    ----------
    kinetic : array_like
        Electron kinetic energy T (hepunits energy); 0 outside (0, E₀).
    Z, A : int
        Daughter charge and mass number.
    endpoint : float
        Kinetic endpoint E₀ (hepunits energy, > 0).
    kind : str
        Forbiddenness class (:data:`FORBIDDENNESS`).
    corrections : bool
        Include L₀, C, S, G and weak magnetism (False: p W q² F₀ C_n only).
    """
    W0 = _check(Z, A, endpoint)
    T = np.asarray(kinetic, dtype=float)
    inside = (T > 0) & (T < endpoint)
    W = np.where(inside, 1.0 + T / ELECTRON_MASS, 0.5 * (1.0 + W0))
    shape = _shape(Z, A, W, W0, kind, False, corrections)
    norm = _norm(Z, A, W0, kind, False, corrections) * ELECTRON_MASS
    return np.where(inside, shape / norm, 0.0)


def antineutrino_spectrum(energy: ArrayLike, Z: int, A: int, endpoint: float, *,
                          kind: str = "allowed", corrections: bool = True) -> np.ndarray:
    """Normalised antineutrino spectrum dN/dE_ν of one β⁻ branch (1/hepunits energy).

    E_ν = E₀ − T_e (recoil neglected); the antineutrino radiative correction
    (:func:`radiative_antineutrino`) replaces the electron one. Arguments as
    :func:`electron_spectrum`, with ``energy`` the antineutrino energy.
    """
    W0 = _check(Z, A, endpoint)
    E = np.asarray(energy, dtype=float)
    inside = (E > 0) & (E < endpoint)
    W = np.where(inside, W0 - E / ELECTRON_MASS, 0.5 * (1.0 + W0))
    shape = _shape(Z, A, W, W0, kind, True, corrections)
    norm = _norm(Z, A, W0, kind, True, corrections) * ELECTRON_MASS
    return np.where(inside, shape / norm, 0.0)
