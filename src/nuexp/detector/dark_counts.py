"""Toy Monte Carlo of PMT dark counts in the beam-triggered signal window (CLOVERS Fig. 10).

Each beam trigger opens a signal window of length w. Every PMT fires dark pulses as a
Poisson process of rate R (111 Hz per PMT at 77 K, CLOVERS Sec. 3.2.2), so a PMT has
Poisson(μ = R·w) pulses per window; each pulse carries k ≥ 1 photoelectrons drawn from a
configurable single-pulse PE distribution. A sub-detector (crystal read by PMTs A and B)
records NPE = PE_A + PE_B. Without criterion 3 every window with NPE ≥ 1 is an event;
with it, both PMTs need ≥ 1 PE (CLOVERS Sec. 2.4, criterion 3).

Exactness and speed: the number of triggers until a PMT next has ≥ 1 pulse is geometric
with p = 1 − e^{−μ}, and the number of pulses in such a window is a zero-truncated
Poisson. Drawing these directly (skip-ahead) simulates every trigger exactly while only
touching the ~N·p windows with a pulse, so 10⁸–10⁹ triggers take well under a second.
The expected numbers are known in closed form — the totals (:func:`expected_rates`) and
the NPE spectra (:func:`expected_npe_spectra`, a compound Poisson per PMT) — and the
tests compare them with the simulation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..exceptions import UnknownName
from ..validation import require_non_negative, require_positive

__all__ = ["DarkCountResult", "expected_npe_spectra", "expected_rates", "simulate_dark_counts"]


def _numba_kernel() -> Callable[..., None]:
    """Compile (or load from the on-disk cache) the numba kernel; imported lazily because
    initialising numba costs ~0.5 s per process."""
    global _KERNEL
    if _KERNEL is None:
        from . import _dark_counts_numba

        _KERNEL = _dark_counts_numba.simulate
    return _KERNEL


_KERNEL: Callable[..., None] | None = None


def _hits_numpy(n_triggers: int, mu: float, cdf: np.ndarray, rng: np.random.Generator):
    """Trigger indices with >= 1 dark pulse in one PMT and their PE (vectorised skip-ahead)."""
    p = -np.expm1(-mu)
    expected = n_triggers * p
    size = int(expected + 8 * np.sqrt(expected) + 64)
    pos = np.cumsum(rng.geometric(p, size)) - 1
    while pos[-1] < n_triggers:  # rare: draw more gaps
        pos = np.concatenate([pos, pos[-1] + np.cumsum(rng.geometric(p, size))])
    pos = pos[pos < n_triggers]
    # pulses per hit window: zero-truncated Poisson by inverse CDF
    k = np.arange(1, 64)
    log_pmf = k * np.log(mu) - mu - np.cumsum(np.log(k))
    ztp_cdf = np.cumsum(np.exp(log_pmf)) / p
    ztp_cdf[-1] = 1.0
    pulses = np.searchsorted(ztp_cdf, rng.random(pos.size)) + 1
    # PE of every pulse, summed per window
    pe_each = np.searchsorted(cdf, rng.random(int(pulses.sum()))) + 1
    starts = np.concatenate([[0], np.cumsum(pulses)[:-1]])
    pe = np.add.reduceat(pe_each, starts) if pos.size else np.zeros(0, dtype=np.int64)
    return pos, pe


def _simulate_numpy(n_triggers: int, n_pairs: int, mu: float, cdf: np.ndarray, max_npe: int,
                    seed: int, hist_all: np.ndarray, hist_coinc: np.ndarray) -> None:
    rng = np.random.default_rng(seed)
    for _pair in range(n_pairs):
        pos_a, pe_a = _hits_numpy(n_triggers, mu, cdf, rng)
        pos_b, pe_b = _hits_numpy(n_triggers, mu, cdf, rng)
        union = np.union1d(pos_a, pos_b)
        a = np.zeros(union.size, dtype=np.int64)
        b = np.zeros(union.size, dtype=np.int64)
        a[np.searchsorted(union, pos_a)] = pe_a
        b[np.searchsorted(union, pos_b)] = pe_b
        npe = np.minimum(a + b, max_npe)
        hist_all += np.bincount(npe, minlength=max_npe + 1)
        hist_coinc += np.bincount(npe[(a > 0) & (b > 0)], minlength=max_npe + 1)


@dataclass(frozen=True)
class DarkCountResult:
    """Outcome of :func:`simulate_dark_counts`.

    Attributes
    ----------
    n_triggers : int
        Simulated beam triggers.
    npe_without : ndarray
        Sub-detector events per NPE bin (0 … max_npe, last bin is overflow) without
        the coincidence requirement (bin 0 is always empty).
    npe_with : ndarray
        The same with criterion 3 (≥ 1 PE in both PMTs).
    """

    n_triggers: int
    npe_without: np.ndarray
    npe_with: np.ndarray

    @property
    def suppression(self) -> float:
        """Events without / with criterion 3 (inf if no coincidence was simulated)."""
        w = int(self.npe_with.sum())
        return float(self.npe_without.sum()) / w if w else float("inf")

    @property
    def suppression_uncertainty(self) -> float:
        """Poisson (1σ) uncertainty of :attr:`suppression`, dominated by the coincidences."""
        w, a = float(self.npe_with.sum()), float(self.npe_without.sum())
        if w == 0:
            return float("inf")
        return (a / w) * np.sqrt(1.0 / w + 1.0 / a)


def expected_rates(dark_rate: float, window: float, n_pairs: int) -> tuple[float, float]:
    """Closed-form expected sub-detector events per trigger (without, with criterion 3).

    Without: n_pairs · (1 − e^{−2μ}); with: n_pairs · (1 − e^{−μ})², μ = R·w.
    """
    mu = float(require_positive("dark rate", dark_rate)) * float(require_positive("window", window))
    return n_pairs * -np.expm1(-2 * mu), n_pairs * np.expm1(-mu) ** 2


def _pulse_probabilities(pe_per_pulse: ArrayLike) -> np.ndarray:
    """P(1, 2, ... PE) of one dark pulse, normalised; refuses negative or all-zero input."""
    probs = np.atleast_1d(require_non_negative("pe_per_pulse", pe_per_pulse)).astype(float)
    if probs.sum() <= 0:
        raise ValueError("pe_per_pulse: probabilities must not all be zero")
    return probs / probs.sum()


def expected_npe_spectra(dark_rate: float, window: float, pe_per_pulse: ArrayLike = (1.0,),
                         max_npe: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form NPE spectra of one sub-detector per trigger (without, with criterion 3).

    The PE of one PMT in a window is a compound Poisson: Poisson(μ = R·w) pulses, each
    with the PE distribution ``pe_per_pulse``. Its distribution f follows from Panjer's
    recursion, f(0) = e^{−μ}, f(n) = (μ/n) Σ_j j p_j f(n − j); the sub-detector sums two
    independent PMTs: without criterion 3, P(NPE = n) = Σ_a f(a) f(n − a) for n ≥ 1; with
    it, the same sum over a = 1 … n − 1 (both PMTs ≥ 1 PE).

    Parameters
    ----------
    dark_rate, window : float
        As for :func:`simulate_dark_counts` (hepunits frequency and time).
    pe_per_pulse : array_like
        Probabilities of 1, 2, 3, … PE per dark pulse (normalised here).
    max_npe : int
        Largest NPE returned, >= 2.

    Returns
    -------
    without, with_ : ndarray, shape (max_npe + 1,)
        Probabilities per trigger and sub-detector of NPE = 0 … max_npe (no overflow bin:
        NPE above ``max_npe`` is not included); bin 0 is 0. Multiply by triggers × pairs
        for expected events; summed to large ``max_npe`` they give :func:`expected_rates`.
    """
    mu = float(require_positive("dark rate", dark_rate)) * float(require_positive("window", window))
    if int(max_npe) < 2:
        raise ValueError(f"max_npe = {max_npe}: must be >= 2")
    n_max = int(max_npe)
    probs = _pulse_probabilities(pe_per_pulse)
    weights = np.zeros(n_max + 1)
    j = np.arange(1, min(probs.size, n_max) + 1)
    weights[j] = j * probs[: j.size]
    f = np.zeros(n_max + 1)
    f[0] = np.exp(-mu)
    for n in range(1, n_max + 1):
        f[n] = mu / n * float(np.dot(weights[1 : n + 1], f[n - 1 :: -1][:n]))
    without = np.convolve(f, f)[: n_max + 1]
    without[0] = 0.0
    g = f.copy()
    g[0] = 0.0
    return without, np.convolve(g, g)[: n_max + 1]


def simulate_dark_counts(n_triggers: int, dark_rate: float, window: float, n_pairs: int = 4,
                         pe_per_pulse: ArrayLike = (1.0,), max_npe: int = 20,
                         seed: int = 0, engine: str = "numpy") -> DarkCountResult:
    """Simulate dark-count events in ``n_triggers`` beam windows for ``n_pairs`` crystals.

    Parameters
    ----------
    n_triggers : int
        Number of beam triggers (e.g. 25 Hz × live time).
    dark_rate : float
        Dark-count rate of one PMT (hepunits frequency, e.g. ``111 * Hz``).
    window : float
        Signal window after each trigger (hepunits time, e.g. ``10 * microsecond``).
    n_pairs : int
        Sub-detectors (PMT pairs).
    pe_per_pulse : array_like
        Probabilities of 1, 2, 3, … PE per dark pulse (normalised here; default: every
        pulse is a single PE).
    max_npe : int
        Last NPE bin (overflow).
    seed : int
        Seed of the generator (results are reproducible for a given seed and engine).
    engine : {"numpy", "numba"}
        The same skip-ahead algorithm, vectorised in numpy (no compilation: best for a
        single run) or as a numba loop (cached compiled kernel: fastest per trigger once
        loaded). The two use different random streams and agree statistically.
    """
    n_triggers = int(n_triggers)
    if n_triggers < 1:
        raise ValueError(f"n_triggers = {n_triggers}: must be >= 1")
    if int(n_pairs) < 1:
        raise ValueError(f"n_pairs = {n_pairs}: must be >= 1")
    mu = float(require_positive("dark rate", dark_rate)) * float(require_positive("window", window))
    cdf = np.cumsum(_pulse_probabilities(pe_per_pulse))
    cdf[-1] = 1.0
    hist_all = np.zeros(int(max_npe) + 1, dtype=np.int64)
    hist_coinc = np.zeros(int(max_npe) + 1, dtype=np.int64)
    if engine == "numpy":
        _simulate_numpy(n_triggers, int(n_pairs), mu, cdf, int(max_npe), int(seed), hist_all,
                        hist_coinc)
    elif engine == "numba":
        _numba_kernel()(n_triggers, int(n_pairs), mu, mu, cdf, int(max_npe), int(seed) % (2**32),
                        hist_all, hist_coinc)
    else:
        raise UnknownName(f"dark-count engine {engine!r}: unknown; choose 'numpy' or 'numba'")
    return DarkCountResult(n_triggers, hist_all, hist_coinc)
