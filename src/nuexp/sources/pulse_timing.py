"""Arrival times of stopped-pion neutrinos for a Gaussian proton pulse, integrated in bins.

At a pulsed spallation source the prompt νμ (π⁺ → μ⁺ νμ) follow the proton pulse
convolved with the pion lifetime; the delayed νe and ν̄μ (μ⁺ → e⁺ νe ν̄μ) follow the
pulse convolved with the pion and the muon lifetimes. For a Gaussian pulse of mean t₀
and width σ the prompt time distribution is an exponentially modified Gaussian (EMG)
with τπ, and the delayed one the exact combination

    f_delayed = (τμ EMG(τμ) − τπ EMG(τπ)) / (τμ − τπ)

(:func:`nuexp.sources.decay_at_rest.muon_decay_time_pdf`). Their cumulative
distributions are the same combinations of EMG cumulative distributions, so the fraction
of neutrinos in a time bin is exact, without sampling. Lifetimes come from the PDG via
``particle`` (:mod:`nuexp.sources.decay_at_rest`); the pulse is a property of the
facility and run, e.g. the SNS proton-on-target trace of COHERENT's LAr release
(``LArParametersAnlA.yaml``, "snsPOTTraceTiming": mean 440 ± 200 ns, width 150 ns).

A detector's time-dependent efficiency is applied inside the bins by integrating on
``oversample`` equal sub-bins per bin (exact CDF differences per sub-bin, the efficiency
taken at each sub-bin centre).

Units: hepunits time (ns = 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..exceptions import UnknownName
from ..validation import require_finite, require_positive
from .decay_at_rest import MUON_LIFETIME, PION_LIFETIME

__all__ = ["ARRIVAL_GROUPS", "ProtonPulse", "arrival_cdf", "arrival_fractions"]

#: Flavour → timing group: prompt (π decay) or delayed (μ decay).
ARRIVAL_GROUPS: dict[str, str] = {"numu": "prompt", "nue": "delayed", "numubar": "delayed"}


@dataclass(frozen=True)
class ProtonPulse:
    """A Gaussian proton pulse on target.

    Attributes
    ----------
    mean : float
        Centre of the pulse on the detector's time axis (hepunits time; any sign).
    sigma : float
        Gaussian width, > 0 (hepunits time).
    """

    mean: float
    sigma: float

    def __post_init__(self) -> None:
        require_finite("pulse mean", self.mean)
        require_positive("pulse sigma", self.sigma)


def _emg_cdf(t: np.ndarray, tau: float, pulse: ProtonPulse) -> np.ndarray:
    from scipy.stats import exponnorm  # lazy: scipy.stats costs ~1 s to import

    return exponnorm.cdf(t, tau / pulse.sigma, loc=pulse.mean, scale=pulse.sigma)


def arrival_cdf(group: str, time: ArrayLike, pulse: ProtonPulse) -> np.ndarray:
    """Probability that a neutrino of ``group`` has arrived by ``time``.

    Parameters
    ----------
    group : str
        ``"prompt"`` (νμ from π decay) or ``"delayed"`` (νe, ν̄μ from μ decay), see
        :data:`ARRIVAL_GROUPS`.
    time : array_like
        Times (hepunits time), any shape.
    pulse : ProtonPulse
        The proton pulse.

    Returns
    -------
    ndarray
        Same shape as ``time``, non-decreasing from 0 to 1.
    """
    t = require_finite("time", time)
    if group == "prompt":
        return _emg_cdf(t, PION_LIFETIME, pulse)
    if group == "delayed":
        tau_mu, tau_pi = MUON_LIFETIME, PION_LIFETIME
        return ((tau_mu * _emg_cdf(t, tau_mu, pulse) - tau_pi * _emg_cdf(t, tau_pi, pulse))
                / (tau_mu - tau_pi))
    raise UnknownName(f"arrival group {group!r}: unknown; choose 'prompt' or 'delayed'")


def arrival_fractions(group: str, edges: ArrayLike, pulse: ProtonPulse,
                      efficiency: Callable[[np.ndarray], np.ndarray] | None = None,
                      oversample: int = 16) -> np.ndarray:
    """Fraction of the neutrinos of ``group`` arriving in each time bin, times an efficiency.

    Parameters
    ----------
    group : str
        ``"prompt"`` or ``"delayed"``.
    edges : array_like, shape (n + 1,)
        Increasing bin edges (hepunits time).
    pulse : ProtonPulse
    efficiency : callable, optional
        ε(t) for times in hepunits (values in [0, 1]); ``None`` means 1.
    oversample : int
        Sub-bins per bin used to apply ``efficiency`` (ignored without one), ≥ 1.

    Returns
    -------
    ndarray, shape (n,)
        Σ over sub-bins of ΔCDF · ε(sub-bin centre). Without an efficiency the sum over
        bins is the probability of arriving between the first and the last edge.
    """
    e = require_finite("time bin edges", edges)
    if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0):
        raise ValueError(f"time bin edges must be 1-D and increasing; got {e}")
    if efficiency is None:
        return np.diff(arrival_cdf(group, e, pulse))
    k = int(require_positive("oversample", oversample))
    frac = np.linspace(0.0, 1.0, k + 1)
    fine = (e[:-1, None] + np.diff(e)[:, None] * frac[None, :])  # (n, k + 1)
    cdf = arrival_cdf(group, fine, pulse)
    centres = 0.5 * (fine[:, 1:] + fine[:, :-1])
    return np.sum(np.diff(cdf, axis=1) * efficiency(centres), axis=1)
