"""Neutrinos from pion and muon decay at rest (stopped-pion sources).

π+ → μ+ νμ gives a monochromatic "prompt" νμ; μ+ → e+ νe ν̄μ gives the "delayed" νe and
ν̄μ with the Michel spectra. Energies are in hepunits (MeV = 1); spectra are probability
densities in 1/energy, normalised to one neutrino per decay.

Formulas: tree-level V−A muon decay, neglecting the electron mass (standard, e.g.
Louis, Los Alamos Science 25 (1997); the JSNS2 paper Eq. 1 for νe;
CLOVERS proposal Fig. 1). Masses and lifetimes come from the PDG via ``particle``.
"""

from __future__ import annotations

import numpy as np
from hepunits import MeV, ns
from numpy.typing import ArrayLike
from particle import Particle

from ..validation import require_positive

__all__ = [
    "PION_MASS", "MUON_MASS", "PION_LIFETIME", "MUON_LIFETIME",
    "NUMU_PROMPT_ENERGY", "MICHEL_ENDPOINT",
    "nue_spectrum", "numubar_spectrum", "pion_decay_time_pdf", "muon_decay_time_pdf",
]

PION_MASS: float = Particle.from_pdgid(211).mass * MeV
MUON_MASS: float = Particle.from_pdgid(13).mass * MeV
PION_LIFETIME: float = Particle.from_pdgid(211).lifetime * ns
MUON_LIFETIME: float = Particle.from_pdgid(13).lifetime * ns

#: Energy of the prompt νμ from π+ → μ+ νμ at rest: (mπ² − mμ²) / (2 mπ) ≈ 29.79 MeV.
NUMU_PROMPT_ENERGY: float = (PION_MASS**2 - MUON_MASS**2) / (2 * PION_MASS)
#: Endpoint of the Michel neutrino spectra, mμ/2 ≈ 52.83 MeV (electron mass neglected).
MICHEL_ENDPOINT: float = MUON_MASS / 2


def _michel(energy: ArrayLike, shape) -> np.ndarray:
    e = np.asarray(energy, dtype=float)
    x = e / MUON_MASS
    inside = (e >= 0) & (e <= MICHEL_ENDPOINT)
    return np.where(inside, shape(x) / MUON_MASS, 0.0)


def nue_spectrum(energy: ArrayLike) -> np.ndarray:
    """νe spectrum of μ+ decay at rest, dN/dE = (192/mμ)(E/mμ)²(1/2 − E/mμ).

    JSNS2 2025, Eq. 1. Normalised to 1 over [0, mμ/2]; zero outside.

    Parameters
    ----------
    energy : array_like
        Neutrino energy (hepunits energy, MeV = 1).

    Returns
    -------
    ndarray
        Probability density in 1/energy.
    """
    return _michel(energy, lambda x: 192.0 * x**2 * (0.5 - x))


def numubar_spectrum(energy: ArrayLike) -> np.ndarray:
    """ν̄μ spectrum of μ+ decay at rest, dN/dE = (64/mμ)(E/mμ)²(3/4 − E/mμ).

    Normalised to 1 over [0, mμ/2]; zero outside.
    """
    return _michel(energy, lambda x: 64.0 * x**2 * (0.75 - x))


def _gaussian_pulses(centres: ArrayLike, sigma: float, weights: ArrayLike | None):
    centres = np.atleast_1d(np.asarray(centres, dtype=float))
    if weights is None:
        weights = np.ones_like(centres)
    weights = np.atleast_1d(require_positive("pulse weights", weights))
    require_positive("pulse sigma", sigma)
    if weights.shape != centres.shape:
        raise ValueError(
            f"pulse weights: need one per pulse centre ({centres.size}); got {weights.size}"
        )
    return centres, weights / weights.sum()


def pion_decay_time_pdf(time: ArrayLike, centres: ArrayLike, sigma: float,
                        weights: ArrayLike | None = None) -> np.ndarray:
    """Time distribution of π+ decays (prompt νμ): Gaussian proton pulses ⊗ exp(τπ).

    Parameters
    ----------
    time : array_like
        Time relative to the nominal beam start (hepunits time, ns = 1).
    centres : array_like
        Centres of the Gaussian proton bunches (one or several).
    sigma : float
        Gaussian width (1σ) of each bunch.
    weights : array_like, optional
        Relative intensities of the bunches (default equal).

    Returns
    -------
    ndarray
        Probability density in 1/time, normalised to 1.
    """
    from scipy.stats import exponnorm  # lazy: scipy.stats costs ~1 s to import

    centres, weights = _gaussian_pulses(centres, sigma, weights)
    t = np.asarray(time, dtype=float)[..., None]
    k = PION_LIFETIME / sigma
    pdf = exponnorm.pdf(t, k, loc=centres, scale=sigma)
    return np.sum(weights * pdf, axis=-1)


def muon_decay_time_pdf(time: ArrayLike, centres: ArrayLike, sigma: float,
                        weights: ArrayLike | None = None) -> np.ndarray:
    """Time distribution of μ+ decays (νe, ν̄μ): Gaussian pulses ⊗ exp(τπ) ⊗ exp(τμ).

    The two exponentials convolve to (e^{−t/τμ} − e^{−t/τπ})/(τμ − τπ), so the result is
    an exact difference of two exponentially modified Gaussians.

    Parameters are as for :func:`pion_decay_time_pdf`.
    """
    from scipy.stats import exponnorm  # lazy: scipy.stats costs ~1 s to import

    centres, weights = _gaussian_pulses(centres, sigma, weights)
    t = np.asarray(time, dtype=float)[..., None]
    tau_mu, tau_pi = MUON_LIFETIME, PION_LIFETIME
    emg_mu = exponnorm.pdf(t, tau_mu / sigma, loc=centres, scale=sigma)
    emg_pi = exponnorm.pdf(t, tau_pi / sigma, loc=centres, scale=sigma)
    pdf = (tau_mu * emg_mu - tau_pi * emg_pi) / (tau_mu - tau_pi)
    return np.sum(weights * pdf, axis=-1)
