"""CEvNS recoil spectra at a stopped-pion source with the physics parameters of the fits.

:func:`predict` is the one entry point of the COHERENT data presets into the CEvNS chain:
dN/dT per flavour (prompt νμ, delayed νe and ν̄μ) for a target, a fluence and the
physics parameters (sin²θW, the neutron rms radius, the vector NSI couplings of νe). It
is built from the library (:mod:`nuexp.sources.spallation` spectra,
:func:`nuexp.interactions.cevns.folded_differential_cross_section`,
:mod:`nuexp.interactions.form_factors`, :mod:`nuexp.targets.compound`); when the CEvNS
family (issue #15) provides the same quantity, only this function changes.

Physics. For a nucleus (Z, N, M) and a flavour f with fluence φ_f(E)::

    dN/dT = n_nuclei · G_F² M (ħc)² / (4π) · ∫ φ_f(E) [1 − T/E − M T/(2E²)] dE · Q_f(T)²,
    Q_f(T) = N F_n(q) − (1 − 4 sin²θW) Z F_p(q)
             − 2 (2ε^uV_ff + ε^dV_ff) Z F_p(q) − 2 (ε^uV_ff + 2ε^dV_ff) N F_n(q),

the tree-level weak charge with flavour-diagonal vector NSI (Barranco, Miranda, Rashba,
JHEP 12 (2005) 021, Eq. 3, written with g_V^p = 1/2 − 2 sin²θW, g_V^n = −1/2 and the
normalisation Q_W = N − (1 − 4 sin²θW) Z of :mod:`nuexp.interactions.cevns`). Only
ε_ee is used (it acts on νe; the SNS beam has no ν̄e). The flux integral is the library's
folded cross section with F = 1 divided by its weak charge squared (an exact identity: the
cross section is proportional to Q_W²).

Form factors: Helm (Lewin & Smith, Astropart. Phys. 6 (1996) 87, Sec. 4.1) with the rms
radius as parameter, F(q) = 3 j1(q R0)/(q R0) exp(−q² s²/2), R0² = (5/3)(R² − 3 s²),
s = 0.9 fm. The proton radius is the Lewin–Smith Helm radius of the nucleus (4.80 fm
for ¹³³Cs, 4.75 fm for ¹²⁷I, 3.43 fm for ⁴⁰Ar); a neutron radius of ``None`` uses the
same, which reproduces the library's ``form_factor="helm"`` exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from hepunits import fermi, kg
from hepunits.constants import hbarc

from ...exceptions import UnphysicalParameter
from ...interactions.cevns import folded_differential_cross_section, weak_charge
from ...interactions.form_factors import momentum_transfer
from ...sources.spallation import FLAVOURS, stopped_pion_spectra
from ...targets.compound import Compound
from ...validation import require_in_range, require_non_negative, require_positive

__all__ = ["HELM_SKIN", "CevnsPhysics", "helm_rms", "lewin_smith_radius", "predict"]

#: Helm surface thickness s (Lewin & Smith 1996, Sec. 4.1).
HELM_SKIN: float = 0.9 * fermi
_A_LS = 0.52 * fermi


@dataclass(frozen=True)
class CevnsPhysics:
    """Physics parameters of the CEvNS prediction.

    Attributes
    ----------
    sin2_theta_w : float
        Weak mixing angle, in (0, 1).
    neutron_radius : float or None
        Neutron rms radius (hepunits length) used for every isotope; ``None``: equal to
        the proton (Lewin–Smith Helm) radius of each isotope.
    eps_u_ee, eps_d_ee : float
        Vector NSI couplings ε^{uV}_{ee}, ε^{dV}_{ee} (dimensionless).
    """

    sin2_theta_w: float
    neutron_radius: float | None = None
    eps_u_ee: float = 0.0
    eps_d_ee: float = 0.0

    def __post_init__(self) -> None:
        require_in_range("sin2_theta_w", self.sin2_theta_w, 0.0, 1.0, inclusive=False)
        if self.neutron_radius is not None and self.neutron_radius ** 2 <= 3 * HELM_SKIN ** 2:
            raise UnphysicalParameter(
                f"neutron_radius = {self.neutron_radius / fermi:.3g} fm: must exceed "
                f"sqrt(3) s = {np.sqrt(3) * HELM_SKIN / fermi:.3g} fm for the Helm form factor")
        for name in ("eps_u_ee", "eps_d_ee"):
            require_in_range(name, getattr(self, name), -10.0, 10.0)


def lewin_smith_radius(A: float) -> float:
    """rms radius of the Lewin–Smith Helm form factor of mass number A (hepunits length)."""
    c = (1.23 * float(require_positive("mass number A", A)) ** (1.0 / 3.0) - 0.60) * fermi
    r0_sq = c**2 + (7.0 / 3.0) * np.pi**2 * _A_LS**2 - 5.0 * HELM_SKIN**2
    return float(np.sqrt(0.6 * r0_sq + 3.0 * HELM_SKIN**2))


def helm_rms(q: np.ndarray, radius: float) -> np.ndarray:
    """Helm form factor for an rms radius ``radius`` (hepunits length), F(0) = 1.

    Parameters
    ----------
    q : ndarray
        Momentum transfer (hepunits energy, q c), ≥ 0.
    radius : float
        rms radius, > sqrt(3) s.
    """
    r0 = np.sqrt(5.0 / 3.0 * (radius**2 - 3.0 * HELM_SKIN**2))
    x = np.asarray(q, dtype=float) / hbarc * r0
    small = x < 1e-3
    xs = np.where(small, 1.0, x)
    j = np.where(small, 1.0 - x**2 / 10.0, 3.0 * (np.sin(xs) - xs * np.cos(xs)) / xs**3)
    return j * np.exp(-0.5 * (np.asarray(q) / hbarc * HELM_SKIN) ** 2)


@dataclass(frozen=True)
class _Isotope:
    Z: int
    N: int
    count: float
    q: np.ndarray
    proton_ff: np.ndarray
    proton_radius: float
    kernels: dict[str, np.ndarray]  # flavour → unit-charge folded cross section × fluence


@cache
def _isotopes(formula: str, mass_kg: float, recoil: tuple[float, ...],
              fluence: float) -> tuple[_Isotope, ...]:
    t = np.asarray(recoil)
    spectra = {f: s.scaled(fluence) for f, s in stopped_pion_spectra().items()}
    out = []
    for iso, count in Compound(formula).nuclei(mass_kg * kg).items():
        q = momentum_transfer(t, iso.nuclear_mass)
        unit = weak_charge(iso.Z, iso.N, 0.25) ** 2  # = N² at sin²θW = 1/4
        nucleus: Any = iso  # an Isotope (read-only Z, A) satisfies the Nucleus protocol
        kernels = {f: folded_differential_cross_section(t, spectra[f], nucleus, form_factor="none",
                                                        sin2_theta_w=0.25) / unit
                   for f in FLAVOURS}
        radius = lewin_smith_radius(iso.A)
        out.append(_Isotope(iso.Z, iso.N, float(count), q, helm_rms(q, radius), radius, kernels))
    return tuple(out)


def predict(formula: str, mass_kg: float, fluence: float, recoil: np.ndarray,
            physics: CevnsPhysics) -> dict[str, np.ndarray]:
    """CEvNS dN/dT per flavour on a recoil grid.

    Parameters
    ----------
    formula : str
        Target compound, natural isotopic abundances (e.g. ``"CsI"``, ``"Ar"``).
    mass_kg : float
        Target mass in kg, > 0.
    fluence : float
        Time-integrated fluence per flavour (hepunits 1/area), e.g. POT · yield / (4π L²).
    recoil : ndarray, shape (n,)
        Nuclear recoil energies T ≥ 0 (hepunits energy).
    physics : CevnsPhysics
        sin²θW, neutron radius and NSI couplings.

    Returns
    -------
    dict
        {flavour: dN/dT (events per unit recoil energy, shape (n,))} for the flavours of
        :data:`nuexp.sources.spallation.FLAVOURS` (``numu`` prompt, ``nue``, ``numubar``).
    """
    t = require_non_negative("recoil energy grid", recoil)
    require_positive("fluence", fluence)
    require_positive("mass_kg", mass_kg)
    s2 = physics.sin2_theta_w
    out = {f: np.zeros_like(t) for f in FLAVOURS}
    for iso in _isotopes(formula, float(mass_kg), tuple(t.tolist()), float(fluence)):
        fp = iso.proton_ff
        fn = fp if physics.neutron_radius is None else helm_rms(iso.q, physics.neutron_radius)
        sm = iso.N * fn - (1.0 - 4.0 * s2) * iso.Z * fp
        for f in FLAVOURS:
            charge = sm
            if f == "nue":
                eu, ed = physics.eps_u_ee, physics.eps_d_ee
                charge = sm - 2.0 * (2.0 * eu + ed) * iso.Z * fp - 2.0 * (eu + 2.0 * ed) * iso.N * fn
            out[f] += iso.count * iso.kernels[f] * charge**2
    return out
