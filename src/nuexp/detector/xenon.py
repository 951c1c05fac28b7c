"""Liquid-xenon response to nuclear recoils in the ionisation (S2-only) channel.

The chain from a nuclear recoil of kinetic energy ``T`` to the charge signal S2 of a
dual-phase xenon TPC is:

1. **Mean number of ionisation electrons** that escape recombination,
   ``N_e(T) = Q_y(T, F) · T``, with the NEST v2 nuclear-recoil charge yield
   (Szydagis et al., NEST; formulae reviewed in M. Szydagis et al., "A Review of NEST
   Models for Liquid Xenon and Exhaustive Comparison to Other Approaches",
   arXiv:2211.10726, Sec. 3.2, Eqs. for ``N_q`` and ``Q_y``; default nuisance parameters
   ``{11.0, 1.1, 0.0480, −0.0533, 12.6, 0.3, 2.0, 0.3, 2.0, 0.5, 1.0, 1.0}`` of NEST 2.x):

   ``N_q = α T^β``;  ``Q_y = 1 / [γ F^δ (ρ/ρ₀)^0.3 (T + ε)^p] · [1 − 1/(1 + (T/ζ)^η)^q]``

   with ``T`` in keV, ``F`` the drift field in V/cm and ρ₀ = 2.90 g/cm³. For comparison
   the Lindhard quenching factor (Lindhard et al. 1963, k = 0.166 for Xe) is provided.
2. **Fluctuations**: the number of electrons drifting to the surface is Poisson with mean
   ``N_e`` (ionisation-only analyses at a few electrons, e.g. XENON1T S2-only,
   arXiv:1907.11485, treat it so); each is extracted into the gas with probability
   ``ε_ext``, so the extracted count is Poisson with mean ``ε_ext N_e``.
3. **Electroluminescence**: each extracted electron gives a Gaussian S2 of mean ``G``
   photoelectrons (the single-electron gain) and relative width ``σ_G``; ``k`` electrons
   give ``N(kG, σ_G G √k)``.

RELICS (arXiv:2405.05554) uses an S2 window of 120–240 PE (v2) / 120–300 PE (v3); v3
states that 120–300 PE corresponds to average nuclear recoils of 0.63–1.36 keV, i.e. an
**ionisation threshold of about 4 electrons** with ≈30 PE per ionisation electron. The
RELICS prototype measured a single-electron gain of 34.30 PE/e⁻ (arXiv:2511.18693).

All energies in this module are hepunits energies (``keV`` = 1e-3) at the interface;
internally the NEST formulae use keV numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hepunits import keV
from numpy.typing import ArrayLike
from scipy.special import gammaln, ndtr, xlogy

from ..exceptions import UnphysicalParameter
from ..validation import require_in_range, require_non_negative, require_positive

__all__ = [
    "LIQUID_XENON_DENSITY",
    "NestNRYieldParameters",
    "NEST_NR_DEFAULT",
    "nr_total_quanta",
    "nr_charge_yield",
    "nr_mean_electrons",
    "lindhard_quenching",
    "XenonS2Response",
]

#: Reference liquid-xenon density used by NEST's Thomas–Imel density scaling, g/cm³.
LIQUID_XENON_DENSITY = 2.90


@dataclass(frozen=True)
class NestNRYieldParameters:
    """Mean-yield parameters of the NEST v2 nuclear-recoil model (arXiv:2211.10726).

    Attributes follow the order of NEST's ``default_NuisParam`` vector:
    ``alpha, beta`` (total quanta), ``gamma, delta`` (Thomas–Imel field dependence),
    ``epsilon, p`` (energy dependence of Q_y), ``zeta, eta, q`` (low-energy roll-off of
    the charge yield).
    """

    alpha: float = 11.0
    beta: float = 1.1
    gamma: float = 0.0480
    delta: float = -0.0533
    epsilon: float = 12.6
    zeta: float = 0.3
    eta: float = 2.0
    p: float = 0.5
    q: float = 1.0


#: Default NEST v2 nuclear-recoil parameters (NEST 2.x ``default_NuisParam``).
NEST_NR_DEFAULT = NestNRYieldParameters()


def _kev_numbers(name: str, energy: ArrayLike) -> np.ndarray:
    return require_non_negative(name, energy) / keV


def nr_total_quanta(energy: ArrayLike, params: NestNRYieldParameters = NEST_NR_DEFAULT) -> np.ndarray:
    """Mean total number of quanta (photons + electrons), ``N_q = α T^β`` (NEST v2).

    Parameters
    ----------
    energy : array_like
        Nuclear-recoil kinetic energy (hepunits energy, ≥ 0).

    Returns
    -------
    numpy.ndarray
        Mean number of quanta (dimensionless).
    """
    t = _kev_numbers("nuclear recoil energy", energy)
    return params.alpha * t**params.beta


def nr_charge_yield(energy: ArrayLike, drift_field: float, density: float = LIQUID_XENON_DENSITY,
                    params: NestNRYieldParameters = NEST_NR_DEFAULT) -> np.ndarray:
    """NEST v2 nuclear-recoil charge yield ``Q_y`` in electrons per keV.

    Parameters
    ----------
    energy : array_like
        Nuclear-recoil kinetic energy (hepunits energy, ≥ 0).
    drift_field : float
        Drift field in V/cm, in [10, 5000] (NEST's range of validity).
    density : float
        Liquid-xenon density in g/cm³, in [2.7, 3.1].

    Returns
    -------
    numpy.ndarray
        Electrons per keV (0 at T = 0; never negative).
    """
    t = _kev_numbers("nuclear recoil energy", energy)
    f = float(require_in_range("drift_field [V/cm]", drift_field, 10.0, 5000.0))
    rho = float(require_in_range("liquid xenon density [g/cm^3]", density, 2.7, 3.1))
    thomas_imel = params.gamma * f**params.delta * (rho / LIQUID_XENON_DENSITY) ** 0.3
    qy = 1.0 / (thomas_imel * (t + params.epsilon) ** params.p)
    qy = qy * (1.0 - 1.0 / (1.0 + (t / params.zeta) ** params.eta) ** params.q)
    return np.maximum(qy, 0.0)


def nr_mean_electrons(energy: ArrayLike, drift_field: float, density: float = LIQUID_XENON_DENSITY,
                      params: NestNRYieldParameters = NEST_NR_DEFAULT) -> np.ndarray:
    """Mean number of ionisation electrons ``N_e = Q_y T`` for a nuclear recoil (NEST v2).

    Parameters
    ----------
    energy : array_like
        Nuclear-recoil kinetic energy (hepunits energy, ≥ 0).
    drift_field : float
        Drift field in V/cm.
    density : float
        Liquid-xenon density in g/cm³.
    """
    t = _kev_numbers("nuclear recoil energy", energy)
    ne = nr_charge_yield(energy, drift_field, density, params) * t
    # Electrons can never exceed the total quanta (the remainder are photons).
    return np.minimum(ne, nr_total_quanta(energy, params))


def lindhard_quenching(energy: ArrayLike, Z: float = 54.0, k: float = 0.166) -> np.ndarray:
    """Lindhard quenching factor L(T) = k g(ε) / (1 + k g(ε)) (Lindhard et al. 1963).

    ``ε = 11.5 T[keV] Z^(−7/3)``, ``g(ε) = 3 ε^0.15 + 0.7 ε^0.6 + ε``; ``k = 0.166`` is the
    value usually quoted for xenon (e.g. Sorensen & Dahl, PRD 83 (2011) 063501).

    Parameters
    ----------
    energy : array_like
        Nuclear-recoil kinetic energy (hepunits energy, ≥ 0).
    Z : float
        Atomic number of the medium (> 0).
    k : float
        Electronic stopping coefficient (> 0).
    """
    t = _kev_numbers("nuclear recoil energy", energy)
    Z = float(require_positive("Z", Z))
    k = float(require_positive("k", k))
    eps = 11.5 * t * Z ** (-7.0 / 3.0)
    g = 3.0 * eps**0.15 + 0.7 * eps**0.6 + eps
    return k * g / (1.0 + k * g)


@dataclass(frozen=True)
class XenonS2Response:
    """Ionisation-only (S2) response of a dual-phase xenon TPC to nuclear recoils.

    Parameters
    ----------
    drift_field : float
        Drift field in V/cm.
    extraction_efficiency : float
        Probability that an electron reaching the liquid surface is extracted, in (0, 1].
    single_electron_gain : float
        Mean S2 photoelectrons per extracted electron (PE/e⁻), > 0.
    single_electron_width : float
        Relative Gaussian width of the single-electron S2, ≥ 0.
    density : float
        Liquid-xenon density in g/cm³.
    params : NestNRYieldParameters
        NEST mean-yield parameters.
    """

    drift_field: float
    extraction_efficiency: float
    single_electron_gain: float
    single_electron_width: float = 0.25
    density: float = LIQUID_XENON_DENSITY
    params: NestNRYieldParameters = field(default=NEST_NR_DEFAULT)

    def __post_init__(self) -> None:
        require_in_range("drift_field [V/cm]", self.drift_field, 10.0, 5000.0)
        require_in_range("extraction_efficiency", self.extraction_efficiency, 0.0, 1.0)
        if self.extraction_efficiency <= 0:
            require_positive("extraction_efficiency", self.extraction_efficiency)
        require_positive("single_electron_gain [PE/e]", self.single_electron_gain)
        require_non_negative("single_electron_width", self.single_electron_width)
        require_in_range("liquid xenon density [g/cm^3]", self.density, 2.7, 3.1)

    @property
    def pe_per_ionisation_electron(self) -> float:
        """Mean S2 photoelectrons per electron produced at the interaction site (ε_ext G)."""
        return self.extraction_efficiency * self.single_electron_gain

    def threshold_electrons(self, s2_threshold_pe: float) -> float:
        """An S2 threshold in PE expressed as produced ionisation electrons, S2/(ε_ext G)."""
        s2 = float(require_non_negative("S2 threshold [PE]", s2_threshold_pe))
        return s2 / self.pe_per_ionisation_electron

    def mean_electrons(self, energy: ArrayLike) -> np.ndarray:
        """Mean produced ionisation electrons for recoils of ``energy`` (hepunits)."""
        return nr_mean_electrons(energy, self.drift_field, self.density, self.params)

    def mean_s2(self, energy: ArrayLike) -> np.ndarray:
        """Mean S2 in photoelectrons for recoils of ``energy`` (hepunits)."""
        return self.mean_electrons(energy) * self.pe_per_ionisation_electron

    def _electron_pmf(self, energy: np.ndarray, s2_max_pe: float) -> tuple[np.ndarray, np.ndarray]:
        """Poisson pmf of the extracted-electron count k = 1..k_max for each energy."""
        mu = np.atleast_1d(self.mean_electrons(energy) * self.extraction_efficiency)
        k_top = int(np.ceil(s2_max_pe / self.single_electron_gain * 1.5 + 10))
        k_top = max(k_top, int(np.max(mu) + 10.0 * np.sqrt(np.max(mu) + 1.0)) + 10)
        k = np.arange(1, k_top + 1, dtype=float)
        # Poisson pmf mu^k e^-mu / k!, in logs (scipy.stats is not imported: startup time)
        return k, np.exp(xlogy(k[None, :], mu[:, None]) - mu[:, None] - gammaln(k + 1))

    def s2_survival(self, energy: ArrayLike, thresholds_pe: ArrayLike) -> np.ndarray:
        """P(S2 ≥ s) for each recoil energy (rows) and threshold ``s`` in PE (columns).

        ``k = 0`` extracted electrons give no S2, so the survival tends to
        1 − exp(−ε_ext N_e) as ``s`` → 0⁺.
        """
        energy = np.atleast_1d(np.asarray(energy, dtype=float))
        s2 = np.atleast_1d(require_non_negative("S2 thresholds [PE]", thresholds_pe))
        k, pk = self._electron_pmf(energy, float(s2.max()))
        gain = self.single_electron_gain
        sigma = np.maximum(self.single_electron_width * gain * np.sqrt(k), 1e-12 * gain)
        above = ndtr((k[:, None] * gain - s2[None, :]) / sigma[:, None])  # (k, thresholds)
        return np.clip(pk @ above, 0.0, 1.0)

    def window_probability(self, energy: ArrayLike, s2_min_pe: float,
                           s2_max_pe: float = np.inf) -> np.ndarray:
        """Probability that a recoil of ``energy`` gives an S2 in ``[s2_min_pe, s2_max_pe)``.

        The extracted-electron count is Poisson (mean ε_ext N_e); ``k`` electrons give a
        Gaussian S2 of mean ``kG`` and width ``σ_G G √k``; ``k = 0`` gives no S2.

        Parameters
        ----------
        energy : array_like
            Nuclear-recoil kinetic energy (hepunits energy, ≥ 0).
        s2_min_pe : float
            Lower edge of the S2 window in PE (≥ 0).
        s2_max_pe : float
            Upper edge in PE (> lower edge; ``inf`` for none).

        Returns
        -------
        numpy.ndarray
            Probabilities in [0, 1], same shape as ``energy``.
        """
        lo = float(require_non_negative("S2 window lower edge [PE]", s2_min_pe))
        hi = float(s2_max_pe)
        if not hi > lo:
            raise UnphysicalParameter(f"S2 window upper edge [PE] must be > lower edge {lo}; got {hi}")
        energy = np.asarray(energy, dtype=float)
        mu = np.atleast_1d(self.mean_electrons(energy) * self.extraction_efficiency)
        gain = self.single_electron_gain
        k, pk = self._electron_pmf(energy, hi if np.isfinite(hi) else lo)
        sigma = np.maximum(self.single_electron_width * gain * np.sqrt(k), 1e-12 * gain)
        upper = ndtr((hi - k * gain) / sigma) if np.isfinite(hi) else np.ones_like(k)
        in_window = upper - ndtr((lo - k * gain) / sigma)  # P(S2 in window | k)
        prob = pk @ in_window
        if lo <= 0.0:  # k = 0 (no S2 at all) counts as S2 = 0 inside a window starting at 0
            prob = prob + np.exp(-mu)
        prob = np.clip(prob, 0.0, 1.0)  # rounding only: each term is a probability
        return prob.reshape(energy.shape)
