"""Intrinsic ν̄e from μ− decay at rest: the irreducible background of a ν̄μ → ν̄e search.

A spallation target makes π− as well as π+. Most π− are captured by nuclei before they
decay, and most μ− that do appear are captured from a muonic-atom orbit (μ− p → n νμ),
but the fraction that decays, μ− → e− ν̄e νμ, gives ν̄e with the Michel νe shape (the CP
conjugate of μ+ → e+ νe ν̄μ). Relative to the ν̄μ of μ+ decay this flux is suppressed by

    R = ν̄e(μ−) / ν̄μ(μ+) = (μ− stopped per μ+ stopped) × (fraction of bound μ− that decay).

The decaying fraction of a bound μ− with measured mean life τ_bound in a material is
``huff × τ_bound / τ_free`` (the total rate is capture + bound decay; the bound decay rate
is the free one times the Huff factor, ≈ 1 for light nuclei and < 1 for heavy ones).

For JSNS2 the collaboration quotes the flux ratio from its MLF simulation,
:data:`JSNS2_NUEBAR_TO_NUMUBAR_RATIO` = 1.7 × 10⁻³ (JSNS2 proposal, arXiv:1310.1437,
Sec. 3 "Neutrino source", and TDR, arXiv:1705.08629, Sec. 2); a user can instead build R
from :func:`bound_decay_fraction` and a stopped-μ− ratio of their own transport
simulation with :func:`suppression_factor`.

Units: hepunits (MeV = ns = 1). Spectra are probability densities in 1/energy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..validation import require_in_range, require_non_negative, require_positive
from .decay_at_rest import MUON_LIFETIME, nue_spectrum

__all__ = [
    "JSNS2_NUEBAR_TO_NUMUBAR_RATIO",
    "nuebar_spectrum",
    "bound_decay_fraction",
    "suppression_factor",
    "nuebar_flux",
]

#: ν̄e(μ− DAR) / ν̄μ(μ+ DAR) flux ratio at the JSNS2 detector from the collaboration's
#: MLF simulation: JSNS2 proposal (arXiv:1310.1437, Sec. 3) and TDR (arXiv:1705.08629,
#: Sec. 2) quote 1.7e-3. It already contains the π−/π+ yield, π− and μ− nuclear capture
#: in the mercury target and the bound-decay fraction.
JSNS2_NUEBAR_TO_NUMUBAR_RATIO: float = 1.7e-3


def nuebar_spectrum(energy: ArrayLike) -> np.ndarray:
    """ν̄e spectrum of μ− decay at rest (normalised to 1 over [0, mμ/2]).

    The V−A spectrum of μ− → e− ν̄e νμ is the CP mirror of the νe spectrum of μ+ decay,
    ``(192/mμ)(E/mμ)²(1/2 − E/mμ)`` (JSNS2 2025, Eq. 1). Bound-state effects of a μ− in a
    muonic atom (binding, nuclear recoil, Coulomb smearing of the endpoint) are neglected:
    they shift the spectrum by less than the binding energy (≲ 10 MeV for Hg, much less
    in the light materials where most decaying μ− stop).

    Parameters
    ----------
    energy : array_like
        Neutrino energy (hepunits, MeV = 1).

    Returns
    -------
    ndarray
        Probability density in 1/energy.
    """
    return nue_spectrum(energy)


def bound_decay_fraction(bound_lifetime: float, huff_factor: float = 1.0) -> float:
    """Fraction of μ− in a muonic atom that decay instead of being captured.

    Parameters
    ----------
    bound_lifetime : float
        Measured mean life of the μ− in the material (hepunits time, ns = 1), > 0 and at
        most the free lifetime; e.g. ≈ 2026 ns in carbon and well under 100 ns in
        heavy nuclei such as Hg or Pb (Suzuki, Measday, Roalsvig, Phys. Rev. C 35 (1987)
        2212, Table I).
    huff_factor : float
        Ratio of bound to free decay rate, in (0, 1].

    Returns
    -------
    float
        ``huff × τ_bound / τ_free``, in (0, 1].
    """
    tau = float(require_positive("bound_lifetime", bound_lifetime))
    require_in_range("bound_lifetime", tau, 0.0, MUON_LIFETIME * (1 + 1e-9))
    huff = float(require_in_range("huff_factor", huff_factor, 0.0, 1.0, inclusive=True))
    require_positive("huff_factor", huff)
    return huff * tau / MUON_LIFETIME


def suppression_factor(mu_minus_per_mu_plus: float, decay_fraction: float) -> float:
    """ν̄e/ν̄μ flux ratio from the stopped μ−/μ+ ratio and the bound-decay fraction.

    Parameters
    ----------
    mu_minus_per_mu_plus : float
        Stopped μ− per stopped μ+ (≥ 0), from a transport simulation of the target.
    decay_fraction : float
        Fraction of stopped μ− that decay, in [0, 1] (see :func:`bound_decay_fraction`).

    Returns
    -------
    float
        The ratio R (dimensionless).
    """
    ratio = float(require_non_negative("mu_minus_per_mu_plus", mu_minus_per_mu_plus))
    frac = float(require_in_range("decay_fraction", decay_fraction, 0.0, 1.0))
    return ratio * frac


def nuebar_flux(energy: ArrayLike, numubar_fluence: float,
                ratio: float = JSNS2_NUEBAR_TO_NUMUBAR_RATIO) -> np.ndarray:
    """Differential ν̄e fluence from μ− DAR: ``ratio × Φ(ν̄μ) × nuebar_spectrum(E)``.

    Parameters
    ----------
    energy : array_like
        Neutrino energy (MeV = 1).
    numubar_fluence : float
        Integrated ν̄μ fluence from μ+ DAR at the detector (any area unit; ≥ 0).
    ratio : float
        ν̄e/ν̄μ suppression factor, in [0, 1].

    Returns
    -------
    ndarray
        dΦ/dE in (fluence unit)/energy.
    """
    phi = float(require_non_negative("numubar_fluence", numubar_fluence))
    r = float(require_in_range("ratio", ratio, 0.0, 1.0))
    return r * phi * nuebar_spectrum(energy)
