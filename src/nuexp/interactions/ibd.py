"""Inverse beta decay ν̄e + p → e⁺ + n: cross sections, kinematics, free protons.

Three cross-section models, selectable by name with :func:`cross_section`:

``"vogel-beacom"``
    Vogel & Beacom, Phys. Rev. D 60, 053003 (1999): the full O(1/M) differential cross
    section dσ/dcosθ (their Eqs. 12, 13 with E_e^(1) of Eq. 11) integrated over the
    positron angle. Normalised, as in the paper (Eqs. 8-10), to the neutron lifetime
    τ_n = 886.8 s through σ0 (f² + 3g²) = 2π² / (m_e⁵ f^R τ_n), with f^R = 1.7152.
``"vogel-beacom-0"``
    The zeroth order in 1/M of the same paper: σ = σ0 (f² + 3g²) E_e p_e with
    E_e = E_ν − Δ (their Eq. 9: σ ≈ 0.0952 × 10⁻⁴² cm² E_e p_e / MeV²).
``"strumia-vissani"``
    Strumia & Vissani, Phys. Lett. B 564, 42 (2003) [astro-ph/0302055]: dσ/dt from the
    full matrix element with dipole form factors (their Eqs. 3-7), the radiative
    correction of their Eq. 14, integrated over E_e between the limits of their Eq. 11.

All energies are hepunits energies (MeV = 1); cross sections are hepunits areas
(divide by ``hepunits.cm2`` for cm²). The threshold is
E_th = ((m_n + m_e)² − m_p²) / (2 m_p) ≈ 1.806 MeV; below it every model returns 0.

Kinematics: :func:`positron_energy` (exact two-body, SV Eq. 21),
:func:`mean_positron_energy` (centre of the SV kinematic range), :func:`prompt_energy`
(E_e + m_e: the positron's kinetic energy plus both 511 keV annihilation γ, ≈ E_ν − 0.78
MeV) and its inverse :func:`neutrino_energy_from_prompt`.

The number of free protons of a target is :func:`nuexp.targets.protons.free_protons`.

Examples
--------
>>> from hepunits import MeV, cm2
>>> from nuexp.interactions.ibd import cross_section, THRESHOLD
>>> round(THRESHOLD / MeV, 3)
1.806
>>> round(float(cross_section(4.0 * MeV, model="vogel-beacom-0")) / cm2 * 1e42, 3)
0.687
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from hepunits import GeV, MeV, second
from hepunits.constants import hbar, hbarc
from numpy.typing import ArrayLike
from particle import Particle
from scipy.constants import fine_structure

from ..constants import ELECTRON_MASS, IBD_THRESHOLD, NEUTRON_MASS, PROTON_MASS
from ..exceptions import DataNotAvailable, UnknownName
from ..validation import require_finite, require_in_range, require_positive

__all__ = [
    "ELECTRON_MASS", "PROTON_MASS", "NEUTRON_MASS", "DELTA_NP", "THRESHOLD",
    "MODELS", "cross_section", "cross_section_vogel_beacom",
    "cross_section_vogel_beacom_zeroth", "cross_section_strumia_vissani",
    "cross_section_strumia_vissani_approx", "positron_energy", "mean_positron_energy",
    "prompt_energy", "neutrino_energy_from_prompt",
    "vb_sigma0_times_f3g", "vb_dsigma_dcos",
]

#: Charged-pion mass from the PDG tables shipped with ``particle`` (hepunits energy);
#: the electron, proton and neutron masses are those of :mod:`nuexp.constants`.
def _pion_mass() -> float:
    mass = Particle.from_pdgid(211).mass
    if mass is None:                       # pragma: no cover - the PDG table has it
        raise DataNotAvailable("the PDG table of 'particle' has no π± mass")
    return float(mass) * MeV


PION_MASS: float = _pion_mass()
#: Neutron-proton mass difference Δ ≈ 1.293 MeV.
DELTA_NP: float = NEUTRON_MASS - PROTON_MASS
#: Average nucleon mass M used in the 1/M expansion of Vogel & Beacom (1999).
NUCLEON_MASS: float = 0.5 * (NEUTRON_MASS + PROTON_MASS)
#: IBD threshold on a proton at rest: ((m_n + m_e)² − m_p²)/(2 m_p) ≈ 1.806 MeV.
THRESHOLD: float = IBD_THRESHOLD

# --- Vogel & Beacom, PRD 60, 053003 (1999), Sec. II -------------------------------
#: Vector and axial couplings and the anomalous-moment difference μp − μn (VB Sec. II).
VB_F, VB_G, VB_F2 = 1.0, 1.26, 3.706
#: Neutron lifetime and phase-space factor f^R used by VB to fix σ0 (VB Eqs. 9-10).
VB_NEUTRON_LIFETIME: float = 886.8 * second
VB_PHASE_SPACE_FR: float = 1.7152

# --- Strumia & Vissani, PLB 564, 42 (2003), Sec. 2-3 --------------------------------
SV_FERMI = 1.16637e-5 / GeV**2       # G_F used by SV
SV_COS_CABIBBO = 0.9746              # cos θ_C (SV, after Eq. 3)
SV_G1_0 = -1.270                     # axial coupling g1(0) (SV Eq. 7)
SV_MV2 = 0.71 * GeV**2               # vector dipole mass² (SV Eq. 7)
SV_MA2 = 1.0 * GeV**2                # axial dipole mass² (SV Eq. 7)
SV_XI = 3.706                        # μp − μn − 1 = anomalous moment difference (SV Eq. 7)

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(48)


def _energies(E_nu: ArrayLike) -> np.ndarray:
    return require_positive("neutrino energy E_nu", E_nu)


def vb_sigma0_times_f3g(neutron_lifetime: float) -> float:
    """σ0 (f² + 3g²) in hepunits area / MeV², from the neutron lifetime (VB Eq. 9)."""
    tau_natural = neutron_lifetime / hbar        # τ_n in 1/MeV
    value = 2 * math.pi**2 / (ELECTRON_MASS**5 * VB_PHASE_SPACE_FR * tau_natural)
    return value * hbarc**2                       # MeV⁻⁴ → area / MeV²


def cross_section_vogel_beacom_zeroth(E_nu: ArrayLike, *,
                                      neutron_lifetime: float = VB_NEUTRON_LIFETIME) -> np.ndarray:
    """Zeroth-order (in 1/M) IBD cross section, Vogel & Beacom (1999) Eq. 9.

    Parameters
    ----------
    E_nu : array_like
        Antineutrino energy (hepunits energy, > 0).
    neutron_lifetime : float
        τ_n fixing the normalisation (hepunits time; VB used 886.8 s).

    Returns
    -------
    numpy.ndarray
        σ (hepunits area); 0 where E_e = E_ν − Δ is below m_e.
    """
    E = _energies(E_nu)
    require_positive("neutron_lifetime", neutron_lifetime)
    Ee = E - DELTA_NP
    pe2 = np.clip(Ee**2 - ELECTRON_MASS**2, 0.0, None)
    out = vb_sigma0_times_f3g(neutron_lifetime) * Ee * np.sqrt(pe2)
    return np.where(Ee > ELECTRON_MASS, out, 0.0)


def vb_dsigma_dcos(E: np.ndarray, c: np.ndarray, sigma0: float) -> np.ndarray:
    """VB Eq. 12: dσ/dcosθ at O(1/M); E and c broadcast; σ0 without (f²+3g²)."""
    f, g, f2 = VB_F, VB_G, VB_F2
    me, M, D = ELECTRON_MASS, NUCLEON_MASS, DELTA_NP
    y2 = 0.5 * (D**2 - me**2)                                  # VB after Eq. 11
    E0 = E - D
    p0 = np.sqrt(np.clip(E0**2 - me**2, 0.0, None))
    v0 = np.where(E0 > me, p0 / np.where(E0 > 0, E0, 1.0), 0.0)
    E1 = E0 * (1.0 - E / M * (1.0 - v0 * c)) - y2 / M         # VB Eq. 11
    p1 = np.sqrt(np.clip(E1**2 - me**2, 0.0, None))
    v1 = np.where(E1 > me, p1 / np.where(E1 > 0, E1, 1.0), 0.0)
    safe_v0 = np.where(v0 > 0, v0, 1.0)
    safe_E0 = np.where(E0 > 0, E0, 1.0)
    gamma = (2 * (f + f2) * g * ((2 * E0 + D) * (1 - v0 * c) - me**2 / safe_E0)   # VB Eq. 13
             + (f**2 + g**2) * (D * (1 + v0 * c) + me**2 / safe_E0)
             + (f**2 + 3 * g**2) * ((E0 + D) * (1 - c / safe_v0) - D)
             + (f**2 - g**2) * ((E0 + D) * (1 - c / safe_v0) - D) * v0 * c)
    first = 0.5 * sigma0 * ((f**2 + 3 * g**2) + (f**2 - g**2) * v1 * c) * E1 * p1
    second = 0.5 * sigma0 * gamma / M * E0 * p0
    return np.where((E0 > me) & (E1 > me), first - second, 0.0)


def cross_section_vogel_beacom(E_nu: ArrayLike, *,
                               neutron_lifetime: float = VB_NEUTRON_LIFETIME) -> np.ndarray:
    """Total IBD cross section at O(1/M), Vogel & Beacom (1999) Eqs. 11-13.

    dσ/dcosθ of VB Eq. 12 is integrated over cosθ ∈ [−1, 1] with 48-point
    Gauss-Legendre quadrature (the integrand is a low-order polynomial in cosθ).

    Parameters
    ----------
    E_nu : array_like
        Antineutrino energy (hepunits energy, > 0).
    neutron_lifetime : float
        τ_n fixing σ0 (hepunits time; VB used 886.8 s).

    Returns
    -------
    numpy.ndarray
        σ (hepunits area), 0 below threshold.
    """
    E = _energies(E_nu)
    require_positive("neutron_lifetime", neutron_lifetime)
    sigma0 = vb_sigma0_times_f3g(neutron_lifetime) / (VB_F**2 + 3 * VB_G**2)
    d = vb_dsigma_dcos(E[..., None], _GL_NODES, sigma0)
    out = np.sum(d * _GL_WEIGHTS, axis=-1)
    return np.where(E > THRESHOLD, np.clip(out, 0.0, None), 0.0)


def _sv_limits(E: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positron-energy limits E1, E2 at given E_ν (SV Eqs. 11-13)."""
    mp, mn, me = PROTON_MASS, NEUTRON_MASS, ELECTRON_MASS
    delta = (mn**2 - mp**2 - me**2) / (2 * mp)
    s = mp**2 + 2 * mp * E
    rs = np.sqrt(s)
    e_nu_cm = (s - mp**2) / (2 * rs)
    e_e_cm = (s - mn**2 + me**2) / (2 * rs)
    arg = np.clip((s - (mn - me) ** 2) * (s - (mn + me) ** 2), 0.0, None)
    p_e_cm = np.sqrt(arg) / (2 * rs)
    E1 = E - delta - e_nu_cm * (e_e_cm + p_e_cm) / mp
    E2 = E - delta - e_nu_cm * (e_e_cm - p_e_cm) / mp
    return E1, E2


def _sv_dsigma_dEe(E: np.ndarray, Ee: np.ndarray) -> np.ndarray:
    """SV Eqs. 3-7 and 14: dσ/dE_e (hepunits area / energy)."""
    mp, mn, me, M = PROTON_MASS, NEUTRON_MASS, ELECTRON_MASS, NUCLEON_MASS
    D = mn - mp
    t = mn**2 - mp**2 - 2 * mp * (E - Ee)
    s_minus_u = 2 * mp * (E + Ee) - me**2
    x = t / (4 * M**2)
    denom_v = (1 - x) * (1 - t / SV_MV2) ** 2
    f1 = (1 - (1 + SV_XI) * x) / denom_v
    f2 = SV_XI / denom_v
    g1 = SV_G1_0 / (1 - t / SV_MA2) ** 2
    g2 = 2 * M**2 * g1 / (PION_MASS**2 - t)
    me2 = me**2
    A = ((t - me2) * (4 * f1**2 * (4 * M**2 + t + me2) + 4 * g1**2 * (-4 * M**2 + t + me2)
                      + f2**2 * (t**2 / M**2 + 4 * t + 4 * me2) + 4 * me2 * t * g2**2 / M**2
                      + 8 * f1 * f2 * (2 * t + me2) + 16 * me2 * g1 * g2)
         - D**2 * ((4 * f1**2 + t * f2**2 / M**2) * (4 * M**2 + t - me2)
                   + 4 * g1**2 * (4 * M**2 - t + me2) + 4 * me2 * g2**2 * (t - me2) / M**2
                   + 8 * f1 * f2 * (2 * t - me2) + 16 * me2 * g1 * g2)
         - 32 * me2 * M * D * g1 * (f1 + f2)) / 16
    B = (16 * t * g1 * (f1 + f2) + 4 * me2 * D * (f2**2 + f1 * f2 + 2 * g1 * g2) / M) / 16
    C = (4 * (f1**2 + g1**2) - t * f2**2 / M**2) / 16
    msq = A - s_minus_u * B + s_minus_u**2 * C
    dsdt = SV_FERMI**2 * SV_COS_CABIBBO**2 / (2 * math.pi * (2 * mp * E) ** 2) * msq
    radiative = 1 + fine_structure / math.pi * (
        6.0 + 1.5 * np.log(mp / (2 * Ee)) + 1.2 * (me / Ee) ** 1.5)          # SV Eq. 14
    return dsdt * 2 * mp * radiative * hbarc**2


def cross_section_strumia_vissani(E_nu: ArrayLike) -> np.ndarray:
    """Total IBD cross section of Strumia & Vissani (2003), integrated numerically.

    dσ/dE_e (SV Eqs. 3-7 with the radiative correction of Eq. 14) is integrated between
    the kinematic limits E1, E2 of SV Eq. 11 with 48-point Gauss-Legendre quadrature.

    Parameters
    ----------
    E_nu : array_like
        Antineutrino energy (hepunits energy, > 0).

    Returns
    -------
    numpy.ndarray
        σ (hepunits area), 0 below threshold.
    """
    E = _energies(E_nu)
    above = E > THRESHOLD
    Eu = np.where(above, E, 2 * THRESHOLD)
    E1, E2 = _sv_limits(Eu)
    half = 0.5 * (E2 - E1)
    Ee = 0.5 * (E2 + E1)[..., None] + half[..., None] * _GL_NODES
    d = _sv_dsigma_dEe(Eu[..., None], Ee)
    out = half * np.sum(d * _GL_WEIGHTS, axis=-1)
    return np.where(above, np.clip(out, 0.0, None), 0.0)


def cross_section_strumia_vissani_approx(E_nu: ArrayLike) -> np.ndarray:
    """The closed-form approximation of Strumia & Vissani (2003) Eq. 25.

    σ ≈ 10⁻⁴³ cm² p_e E_e E_ν^(−0.07056 + 0.02018 ln E_ν − 0.001953 ln³ E_ν), energies in
    MeV, E_e = E_ν − Δ. SV quote agreement with the full result to a few per mille for
    E_ν ≲ 300 MeV.
    """
    from hepunits import cm2

    E = _energies(E_nu) / MeV
    Ee = E - DELTA_NP / MeV
    me = ELECTRON_MASS / MeV
    pe = np.sqrt(np.clip(Ee**2 - me**2, 0.0, None))
    lnE = np.log(E)
    out = 1e-43 * cm2 * pe * Ee * E ** (-0.07056 + 0.02018 * lnE - 0.001953 * lnE**3)
    return np.where((Ee > me) & (E * MeV > THRESHOLD), out, 0.0)


#: Cross-section models by name.
MODELS: dict[str, Callable[[ArrayLike], np.ndarray]] = {
    "vogel-beacom": cross_section_vogel_beacom,
    "vogel-beacom-0": cross_section_vogel_beacom_zeroth,
    "strumia-vissani": cross_section_strumia_vissani,
    "strumia-vissani-approx": cross_section_strumia_vissani_approx,
}


def cross_section(E_nu: ArrayLike, model: str = "vogel-beacom") -> np.ndarray:
    """IBD total cross section by model name (see :data:`MODELS`).

    Parameters
    ----------
    E_nu : array_like
        Antineutrino energy (hepunits energy, > 0).
    model : str
        ``"vogel-beacom"`` (O(1/M), default), ``"vogel-beacom-0"``, ``"strumia-vissani"``
        or ``"strumia-vissani-approx"``.

    Returns
    -------
    numpy.ndarray
        σ (hepunits area).
    """
    try:
        func = MODELS[model]
    except KeyError:
        raise UnknownName(f"IBD cross-section model {model!r}: choose one of "
                          f"{', '.join(MODELS)}") from None
    return func(E_nu)


def positron_energy(E_nu: ArrayLike, cos_theta: ArrayLike) -> np.ndarray:
    """Positron total energy at lab angle θ (exact two-body kinematics, SV Eq. 21).

    Parameters
    ----------
    E_nu : array_like
        Antineutrino energy (hepunits energy, above :data:`THRESHOLD`).
    cos_theta : array_like
        Cosine of the angle between ν̄ and e⁺, in [−1, 1].
    """
    E = _energies(E_nu)
    if np.any(E <= THRESHOLD):
        require_in_range("neutrino energy E_nu (must exceed the IBD threshold)",
                         np.min(E), THRESHOLD * (1 + 1e-12), np.inf)
    c = require_in_range("cos_theta", cos_theta, -1.0, 1.0)
    mp, mn, me = PROTON_MASS, NEUTRON_MASS, ELECTRON_MASS
    delta = (mn**2 - mp**2 - me**2) / (2 * mp)
    eps = E / mp
    kappa = (1 + eps) ** 2 - (eps * c) ** 2
    root = np.sqrt(np.clip((E - delta) ** 2 - me**2 * kappa, 0.0, None))
    return ((E - delta) * (1 + eps) + eps * c * root) / kappa


def mean_positron_energy(E_nu: ArrayLike) -> np.ndarray:
    """Positron energy at the centre of its kinematic range, (E1 + E2)/2 (SV 2003).

    E_ν − δ − E_ν^CM E_e^CM / m_p: the angle-averaged value for an isotropic CM
    distribution; below threshold the result is meaningless and refused.
    """
    E = _energies(E_nu)
    if np.any(E <= THRESHOLD):
        require_in_range("neutrino energy E_nu (must exceed the IBD threshold)",
                         np.min(E), THRESHOLD * (1 + 1e-12), np.inf)
    E1, E2 = _sv_limits(E)
    return 0.5 * (E1 + E2)


def prompt_energy(E_nu: ArrayLike) -> np.ndarray:
    """Deposited prompt energy E_e + m_e (positron kinetic energy + 2 × 511 keV).

    Equal to E_ν − Δ + m_e ≈ E_ν − 0.78 MeV, lowered by the neutron recoil (≈ E_ν²/m_p
    in the mean; see :func:`mean_positron_energy`).
    """
    return mean_positron_energy(E_nu) + ELECTRON_MASS


def neutrino_energy_from_prompt(E_prompt: ArrayLike) -> np.ndarray:
    """Invert :func:`prompt_energy` (Newton iterations; exact to < 1 eV).

    Parameters
    ----------
    E_prompt : array_like
        Prompt energy (hepunits energy, ≥ 2 m_e at threshold).
    """
    Ep = require_finite("prompt energy E_prompt", E_prompt)
    low = float(prompt_energy(THRESHOLD * (1 + 1e-9)))
    require_in_range("prompt energy E_prompt", Ep, low, np.inf)
    E = np.maximum(Ep + DELTA_NP - ELECTRON_MASS, THRESHOLD * (1 + 1e-9))
    for _ in range(8):
        h = 1e-4 * MeV
        f = prompt_energy(E) - Ep
        df = (prompt_energy(E + h) - prompt_energy(E)) / h
        E = np.maximum(E - f / df, THRESHOLD * (1 + 1e-9))
    return E
