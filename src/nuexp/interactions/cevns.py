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

Beyond this tree-level Standard-Model form, :func:`differential_cross_section` and
:func:`folded_differential_cross_section` take (all default to the SM):

* **separate proton and neutron form factors** with their own rms radii R_p, R_n
  (:func:`nuexp.interactions.form_factors.form_factor_of_radius`); the weak charge becomes
  q-dependent, Q(q) = −2 [Z g_p F_p(q) + N g_n F_n(q)], with g_p = 1/2 − 2 sin²θ_W and
  g_n = −1/2 (Barranco, Miranda & Rashba, JHEP 12 (2005) 021, Eq. 2–3). With R_p = R_n
  equal to the model's default radius this is the single-form-factor expression above;
* optional **radiative corrections**: g_p(νe) = 0.0401, g_p(νμ) = 0.0318, g_n = −0.5094
  at the low-energy sin²θ_W (Erler & Su, Prog. Part. Nucl. Phys. 71 (2013) 119, as quoted
  by Cadeddu et al., PRD 102 (2020) 015030, Sec. II), shifted by −2 Δsin²θ_W in g_p when
  another sin²θ_W is used;
* **non-standard vector interactions** ε^{uV}_{αα}, ε^{dV}_{αα} of the flavour α:
  g_p → g_p + 2ε^u + ε^d, g_n → g_n + ε^u + 2ε^d (Barranco et al. 2005, Eq. 3);
* a **light vector mediator** Z′ of mass M′ coupling universally with g′ to quarks and
  neutrinos: Q → Q − 2 · 3 g′² (Z F_p + N F_n) / (√2 G_F (q² + M′²)) with q² = 2 M T
  (Cerdeño et al., JHEP 05 (2016) 118, Eq. 2.6, sign convention: g′² > 0 interferes
  destructively with the SM neutron term);
* a **neutrino magnetic moment** μ_ν (in Bohr magnetons), added incoherently:
  dσ/dT += π α² μ_ν² / m_e² · (1/T − 1/E) · Z² F_p² (Vogel & Engel, PRD 39 (1989) 3378,
  Eq. 4 with the nuclear charge Z F_p). Its 1/T divergence is integrable above any
  threshold; it is set to 0 at T = 0 exactly.

Units: hepunits (MeV = mm = 1); cross sections come out as area / energy
(divide by ``cm2 / keV`` to read them in cm²/keV). G_F from CODATA via scipy, α and the
electron mass from scipy.constants / hepunits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from hepunits import GeV, MeV
from hepunits.constants import hbarc
from numpy.typing import ArrayLike
from scipy.constants import alpha as FINE_STRUCTURE
from scipy.constants import physical_constants
from scipy.integrate import cumulative_trapezoid, simpson

from ..exceptions import UnknownName
from ..sources.spectrum import NeutrinoSpectrum
from ..validation import require_in_range, require_non_negative, require_positive
from .form_factors import default_rms_radius, form_factor_of_radius, momentum_transfer

__all__ = [
    "FERMI_CONSTANT",
    "ELECTRON_MASS",
    "MAGNETIC_PREFACTOR",
    "weak_prefactor",
    "SIN2_THETA_W_LOW_ENERGY",
    "SIN2_THETA_W_MZ",
    "SIN2_THETA_W",
    "RADIATIVE_COUPLINGS",
    "Nucleus",
    "CevnsPhysics",
    "flavour_of",
    "nucleon_couplings",
    "weak_charge",
    "nucleon_form_factors",
    "effective_charge",
    "folded_kernels",
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


#: Radiative-corrected neutrino–nucleon vector couplings at the low-energy sin²θ_W
#: (Erler & Su 2013, as quoted by Cadeddu et al., PRD 102 (2020) 015030, Sec. II).
RADIATIVE_COUPLINGS: dict[str, float] = {"proton_e": 0.0401, "proton_mu": 0.0318,
                                         "proton_tau": 0.0318, "neutron": -0.5094}
_FLAVOURS = ("e", "mu", "tau")
#: Electron mass m_e c² (CODATA via scipy), hepunits energy.
ELECTRON_MASS: float = physical_constants["electron mass energy equivalent in MeV"][0] * MeV
#: Magnetic-moment prefactor π α² (ħc)² / m_e² (area; μ_ν in Bohr magnetons).
MAGNETIC_PREFACTOR = np.pi * FINE_STRUCTURE**2 * hbarc**2 / ELECTRON_MASS**2


class Nucleus(Protocol):
    """Anything with Z, N, A and a nuclear mass, e.g. :class:`~nuexp.targets.isotopes.Isotope`."""

    Z: int
    A: int

    @property
    def N(self) -> int: ...

    @property
    def nuclear_mass(self) -> float: ...


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


def flavour_of(component: str) -> str:
    """The lepton flavour ``"e"``, ``"mu"`` or ``"tau"`` of a component name (``"numubar"``
    → ``"mu"``, ``"nuebar"`` → ``"e"``); an unknown name raises :class:`UnknownName`."""
    key = str(component).strip().lower().removeprefix("anti").removeprefix("nu")
    key = key.removesuffix("bar").removesuffix("_")
    if key not in _FLAVOURS:
        raise UnknownName(f"neutrino component {component!r}: flavour unknown; names like "
                          "nue, numu, numubar, nuebar, nutau are understood")
    return key


def nucleon_couplings(sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY, flavour: str = "mu",
                      radiative_corrections: bool = False) -> tuple[float, float]:
    """Neutrino vector couplings (g_p, g_n) to the proton and the neutron.

    Tree level: g_p = 1/2 − 2 sin²θ_W, g_n = −1/2. With ``radiative_corrections`` the
    values of :data:`RADIATIVE_COUPLINGS` for the flavour, g_p shifted by
    −2 (sin²θ_W − :data:`SIN2_THETA_W_LOW_ENERGY`).
    """
    s2 = _sin2(sin2_theta_w)
    if flavour not in _FLAVOURS:
        raise UnknownName(f"flavour {flavour!r}: unknown; choose one of {', '.join(_FLAVOURS)}")
    if radiative_corrections:
        return (RADIATIVE_COUPLINGS[f"proton_{flavour}"] - 2.0 * (s2 - SIN2_THETA_W_LOW_ENERGY),
                RADIATIVE_COUPLINGS["neutron"])
    return 0.5 - 2.0 * s2, -0.5


def weak_charge(Z: int, N: int, sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY, *,
                eps_uv: float = 0.0, eps_dv: float = 0.0, flavour: str = "mu",
                radiative_corrections: bool = False) -> float:
    """Weak charge at q = 0, Q_W = −2 [Z (g_p + 2ε^u + ε^d) + N (g_n + ε^u + 2ε^d)].

    Without NSI and radiative corrections this is the tree-level N − (1 − 4 sin²θ_W) Z.

    Parameters
    ----------
    Z, N : int
        Proton and neutron numbers (≥ 0).
    sin2_theta_w : float or str
        Value, or a name in :data:`SIN2_THETA_W`.
    eps_uv, eps_dv : float
        Flavour-diagonal NSI couplings ε^{uV}_{αα}, ε^{dV}_{αα} of ``flavour``.
    flavour : str
        ``"e"``, ``"mu"`` or ``"tau"`` (matters with radiative corrections).
    radiative_corrections : bool
        Use :data:`RADIATIVE_COUPLINGS`.
    """
    require_non_negative("Z", Z)
    require_non_negative("N", N)
    gp, gn = nucleon_couplings(sin2_theta_w, flavour, radiative_corrections)
    return -2.0 * (float(Z) * (gp + 2.0 * eps_uv + eps_dv) + float(N) * (gn + eps_uv + 2.0 * eps_dv))


@dataclass(frozen=True)
class CevnsPhysics:
    """Every parameter of the CEvNS cross section beyond the kinematics.

    Attributes
    ----------
    form_factor : str
        ``"helm"``, ``"klein-nystrand"``, ``"symmetrized-fermi"`` or ``"none"``.
    sin2_theta_w : float or str
        Weak mixing angle (a number or a name of :data:`SIN2_THETA_W`).
    radiative_corrections : bool
        Use the radiative-corrected couplings :data:`RADIATIVE_COUPLINGS`.
    proton_radius, neutron_radius : mapping
        rms radii (hepunits length) by element symbol (``{"Cs": 4.8 * fermi}``) or by
        isotope name (``"Cs133"``); nuclei not listed use the form factor's default radius.
        ``"*"`` applies to every nucleus.
    nsi_uv, nsi_dv : mapping
        ε^{uV}_{αα}, ε^{dV}_{αα} by flavour ``"e"``, ``"mu"``, ``"tau"`` (default 0).
    magnetic_moment : float
        Effective neutrino magnetic moment in Bohr magnetons (≥ 0), all flavours.
    mediator_mass, mediator_coupling : float
        Light vector mediator mass (hepunits energy, > 0) and universal coupling g′ (0 = off).
    """

    form_factor: str = "helm"
    sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY
    radiative_corrections: bool = False
    proton_radius: Mapping[str, float] = field(default_factory=dict)
    neutron_radius: Mapping[str, float] = field(default_factory=dict)
    nsi_uv: Mapping[str, float] = field(default_factory=dict)
    nsi_dv: Mapping[str, float] = field(default_factory=dict)
    magnetic_moment: float = 0.0
    mediator_mass: float = 1.0 * GeV
    mediator_coupling: float = 0.0

    def __post_init__(self) -> None:
        _sin2(self.sin2_theta_w)
        require_non_negative("magnetic moment", self.magnetic_moment)
        require_positive("mediator mass", self.mediator_mass)
        for label, table in (("nsi_uv", self.nsi_uv), ("nsi_dv", self.nsi_dv)):
            for key in table:
                if key not in _FLAVOURS:
                    raise UnknownName(f"{label}: flavour {key!r} unknown; use e, mu, tau")

    def couplings(self, flavour: str) -> tuple[float, float]:
        """(a_p, a_n) = (g_p + 2ε^u + ε^d, g_n + ε^u + 2ε^d) of a flavour."""
        gp, gn = nucleon_couplings(self.sin2_theta_w, flavour, self.radiative_corrections)
        eu, ed = float(self.nsi_uv.get(flavour, 0.0)), float(self.nsi_dv.get(flavour, 0.0))
        return gp + 2.0 * eu + ed, gn + eu + 2.0 * ed

    def radii(self, nucleus: Nucleus) -> tuple[float, float]:
        """(R_p, R_n) of a nucleus: configured, else the form factor's default radius."""
        name = str(nucleus)
        element = name.rstrip("0123456789")
        default = default_rms_radius(self.form_factor, nucleus.A) if self.form_factor != "none" \
            else 0.0

        def pick(table: Mapping[str, float]) -> float:
            for key in (name, element, "*"):
                if key in table:
                    return float(require_positive(f"rms radius of {key}", table[key]))
            return default

        return pick(self.proton_radius), pick(self.neutron_radius)


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


def weak_prefactor(nucleus: Nucleus) -> float:
    """G_F² M (ħc)² / (4π): area / energy after multiplying Q² and the kinematic bracket."""
    return FERMI_CONSTANT**2 * nucleus.nuclear_mass * hbarc**2 / (4.0 * np.pi)


def nucleon_form_factors(recoil: ArrayLike, nucleus: Nucleus, physics: CevnsPhysics
                         ) -> tuple[np.ndarray, np.ndarray]:
    """(F_p, F_n) at recoil energies T (same shape), with the radii of ``physics``."""
    t = require_non_negative("recoil energy", recoil)
    if physics.form_factor == "none":
        one = np.ones_like(t, dtype=float)
        return one, one
    q = momentum_transfer(t, nucleus.nuclear_mass)
    rp, rn = physics.radii(nucleus)
    fp = form_factor_of_radius(physics.form_factor, q, rp)
    fn = fp if rn == rp else form_factor_of_radius(physics.form_factor, q, rn)
    return fp, fn


def mediator_propagator(recoil: ArrayLike, nucleus: Nucleus, mediator_mass: float) -> np.ndarray:
    """3 / (√2 G_F (q² + M′²)) with q² = 2 M T: the Z′ term per unit g′² (dimensionless)."""
    t = require_non_negative("recoil energy", recoil)
    q2 = 2.0 * nucleus.nuclear_mass * t
    return 3.0 / (np.sqrt(2.0) * FERMI_CONSTANT * (q2 + mediator_mass**2))


def effective_charge(recoil: ArrayLike, nucleus: Nucleus, physics: CevnsPhysics,
                     flavour: str = "mu") -> np.ndarray:
    """Q(T) = −2 [Z a_p F_p + N a_n F_n + g′² P(T) (Z F_p + N F_n)] (see module docstring).

    Equals :func:`weak_charge` × F when both radii equal the default and there is no Z′.
    """
    fp, fn = nucleon_form_factors(recoil, nucleus, physics)
    ap, an = physics.couplings(flavour)
    z, n = float(nucleus.Z), float(nucleus.N)
    q = z * ap * fp + n * an * fn
    if physics.mediator_coupling != 0.0:
        prop = mediator_propagator(recoil, nucleus, physics.mediator_mass)
        q = q + physics.mediator_coupling**2 * prop * (z * fp + n * fn)
    return -2.0 * q


def _legacy_physics(form_factor: str, sin2_theta_w: float | str,
                    physics: CevnsPhysics | None) -> CevnsPhysics:
    if physics is not None:
        return physics
    if str(form_factor).strip().lower().replace("_", "-") not in (
            "helm", "klein-nystrand", "symmetrized-fermi", "none"):
        raise UnknownName(f"form factor {form_factor!r}: unknown; choose one of helm, "
                          "klein-nystrand, symmetrized-fermi, none")
    return CevnsPhysics(form_factor=str(form_factor).strip().lower().replace("_", "-"),
                        sin2_theta_w=sin2_theta_w)


def differential_cross_section(
    energy: ArrayLike,
    recoil: ArrayLike,
    nucleus: Nucleus,
    *,
    form_factor: str = "helm",
    sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY,
    physics: CevnsPhysics | None = None,
    flavour: str = "mu",
) -> np.ndarray:
    """CEvNS dσ/dT (area per energy), broadcast over ``energy`` and ``recoil``.

    Parameters
    ----------
    energy : array_like
        Neutrino energy E ≥ 0 (hepunits energy).
    recoil : array_like
        Nuclear recoil kinetic energy T ≥ 0.
    nucleus : Nucleus
        Target nucleus (e.g. ``isotope("Cs133")``).
    form_factor : str
        ``"helm"``, ``"klein-nystrand"``, ``"symmetrized-fermi"`` or ``"none"``.
    sin2_theta_w : float or str
        Weak mixing angle, a number or ``"low-energy"`` / ``"z-pole"``.
    physics : CevnsPhysics, optional
        Every option at once (radii, radiative corrections, NSI, μ_ν, Z′); replaces
        ``form_factor`` and ``sin2_theta_w`` when given.
    flavour : str
        ``"e"``, ``"mu"`` or ``"tau"`` (for NSI and radiative corrections).

    Returns
    -------
    ndarray
        dσ/dT; zero where T > T_max(E).
    """
    phys = _legacy_physics(form_factor, sin2_theta_w, physics)
    e = require_non_negative("neutrino energy", energy)
    t = require_non_negative("recoil energy", recoil)
    e, t = np.broadcast_arrays(e, t)
    m = nucleus.nuclear_mass
    with np.errstate(divide="ignore", invalid="ignore"):
        bracket = 1.0 - t / e - m * t / (2.0 * e * e)
        magnetic = np.where(t > 0, 1.0 / t - 1.0 / e, 0.0)
    allowed = (e > 0) & (t <= max_recoil(e, m))
    bracket = np.where(allowed, np.clip(bracket, 0.0, None), 0.0)
    out = weak_prefactor(nucleus) * bracket * effective_charge(t, nucleus, phys, flavour) ** 2
    if phys.magnetic_moment > 0:
        fp, _ = nucleon_form_factors(t, nucleus, phys)
        out = out + (MAGNETIC_PREFACTOR * phys.magnetic_moment**2 * float(nucleus.Z) ** 2
                     * np.where(allowed, np.clip(magnetic, 0.0, None), 0.0) * fp**2)
    return out


def _tail_integrals(spectrum: NeutrinoSpectrum) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative tail integrals ∫_E^∞ φ(E') E'^{-n} dE' for n = 0, 1, 2 on the grid."""
    e, d = spectrum.energies, spectrum.density
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(e > 0, 1.0 / e, 0.0)
    moments = np.stack([d, d * inv, d * inv * inv])
    # cumulative from the top: reverse, integrate, reverse back
    tails = -cumulative_trapezoid(moments[:, ::-1], e[::-1], axis=1, initial=0.0)[:, ::-1]
    return e, tails


def folded_kernels(recoil: ArrayLike, spectrum: NeutrinoSpectrum, nuclear_mass: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Spectrum-folded kinematic kernels of the weak and the magnetic cross sections.

    K_w(T) = ∫ φ(E) (1 − T/E − M T/2E²) dE and K_μ(T) = ∫ φ(E) (1/T − 1/E) dE, both over
    E ≥ E_min(T), through the exact decomposition into tail moments
    C_n(E_min) = ∫_{E_min}^∞ φ E^{-n} dE (trapezoid on the spectrum's grid, interpolated at
    E_min(T)); lines are added exactly. K_μ is 0 at T = 0 (module docstring).

    Parameters
    ----------
    recoil : array_like
        Recoil energies T ≥ 0 (any shape).
    spectrum : NeutrinoSpectrum
        Neutrino spectrum (its normalisation carries through).
    nuclear_mass : float
        Nuclear mass (hepunits energy).

    Returns
    -------
    (ndarray, ndarray)
        K_w (spectrum unit) and K_μ (spectrum unit / energy), each shaped like ``recoil``.
    """
    t = require_non_negative("recoil energy", recoil)
    m = float(require_positive("nuclear mass", nuclear_mass))
    k_weak = np.zeros_like(t, dtype=float)
    k_mag = np.zeros_like(t, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_t = np.where(t > 0, 1.0 / np.where(t > 0, t, 1.0), 0.0)
    if spectrum.energies.size:
        grid, tails = _tail_integrals(spectrum)
        emin = min_neutrino_energy(t, m)
        below = emin < grid[0]
        c0, c1, c2 = (np.where(below, tails[k, 0],
                               np.interp(emin, grid, tails[k], left=tails[k, 0], right=0.0))
                      for k in range(3))
        k_weak = k_weak + np.clip(c0 - t * c1 - 0.5 * m * t * c2, 0.0, None)
        k_mag = k_mag + np.clip(c0 * inv_t - c1, 0.0, None)
    if spectrum.line_energies.size:
        le = spectrum.line_energies
        tt = t[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            kern = 1.0 - tt / le - m * tt / (2.0 * le * le)
        ok = tt <= max_recoil(le, m)
        k_weak = k_weak + np.sum(spectrum.line_weights * np.where(ok, np.clip(kern, 0, None), 0),
                                 axis=-1)
        kmag = np.clip(inv_t[..., None] - 1.0 / le, 0.0, None)
        k_mag = k_mag + np.sum(spectrum.line_weights * np.where(ok & (tt > 0), kmag, 0.0), axis=-1)
    return k_weak, k_mag


def folded_differential_cross_section(
    recoil: ArrayLike,
    spectrum: NeutrinoSpectrum,
    nucleus: Nucleus,
    *,
    form_factor: str = "helm",
    sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY,
    physics: CevnsPhysics | None = None,
    flavour: str = "mu",
) -> np.ndarray:
    """∫ φ(E) dσ/dT(E, T) dE for a spectrum φ (continuous part and lines).

    Uses :func:`folded_kernels`: dσ/dT factorises into Q(T)² (or Z² F_p² μ_ν²) times a
    kinematic bracket whose E-dependence is a sum of powers of 1/E.

    Parameters
    ----------
    recoil : array_like
        Recoil energies T ≥ 0 (any shape).
    spectrum : NeutrinoSpectrum
        Neutrino spectrum; its normalisation carries through (a pdf gives the
        spectrum-averaged dσ/dT, a fluence gives interactions per nucleus per energy).
    nucleus, form_factor, sin2_theta_w, physics, flavour
        As for :func:`differential_cross_section`.

    Returns
    -------
    ndarray
        Same shape as ``recoil``: (spectrum unit) × area / energy.
    """
    phys = _legacy_physics(form_factor, sin2_theta_w, physics)
    t = require_non_negative("recoil energy", recoil)
    k_weak, k_mag = folded_kernels(t, spectrum, nucleus.nuclear_mass)
    out = weak_prefactor(nucleus) * k_weak * effective_charge(t, nucleus, phys, flavour) ** 2
    if phys.magnetic_moment > 0:
        fp, _ = nucleon_form_factors(t, nucleus, phys)
        out = out + (MAGNETIC_PREFACTOR * phys.magnetic_moment**2 * float(nucleus.Z) ** 2
                     * k_mag * fp**2)
    return out


def total_cross_section(
    energy: ArrayLike,
    nucleus: Nucleus,
    *,
    form_factor: str = "helm",
    sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY,
    physics: CevnsPhysics | None = None,
    flavour: str = "mu",
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
                                    sin2_theta_w=sin2_theta_w, physics=physics, flavour=flavour)
    out = simpson(ds, x=u, axis=1) * tmax
    return out.reshape(np.shape(energy)) if np.ndim(energy) else out[0]
