"""numba kernel of :mod:`nuexp.detector.dark_counts` (geometric skip-ahead, exact).

Kept in its own module so that importing :mod:`nuexp.detector.dark_counts` does not
import numba; the compiled code is cached on disk (``cache=True``).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["simulate"]


@numba.njit(cache=True)
def _next_hit(current: int, p_hit: float) -> int:
    # trigger index of the next window with >= 1 pulse (geometric skip-ahead)
    if p_hit <= 0.0:
        return 1 << 62
    u = np.random.random()
    if p_hit >= 1.0:
        return current + 1
    gap = int(np.floor(np.log1p(-u) / np.log1p(-p_hit)))  # failures before success
    return current + 1 + gap


@numba.njit(cache=True)
def _zero_truncated_poisson(mu: float) -> int:
    # inverse-CDF sampling of k >= 1 with P(k) = e^-mu mu^k / k! / (1 - e^-mu)
    u = np.random.random() * (-np.expm1(-mu))
    k = 1
    term = np.exp(-mu) * mu
    cum = term
    while cum < u and k < 1000:
        k += 1
        term *= mu / k
        cum += term
    return k


@numba.njit(cache=True)
def _pe_of_pulses(n_pulses: int, pe_cdf: np.ndarray) -> int:
    total = 0
    for _ in range(n_pulses):
        u = np.random.random()
        k = 0
        while k < pe_cdf.size - 1 and pe_cdf[k] < u:
            k += 1
        total += k + 1  # pe_cdf[k] is P(PE <= k + 1)
    return total


@numba.njit(cache=True)
def simulate(n_triggers: int, n_pairs: int, mu_a: float, mu_b: float, pe_cdf: np.ndarray,
              max_npe: int, seed: int, hist_all: np.ndarray, hist_coinc: np.ndarray) -> None:
    np.random.seed(seed)
    p_a = -np.expm1(-mu_a)
    p_b = -np.expm1(-mu_b)
    for _pair in range(n_pairs):
        ia = _next_hit(-1, p_a)
        ib = _next_hit(-1, p_b)
        while True:
            t = min(ia, ib)
            if t >= n_triggers:
                break
            pe_a = 0
            pe_b = 0
            if ia == t:
                pe_a = _pe_of_pulses(_zero_truncated_poisson(mu_a), pe_cdf)
                ia = _next_hit(ia, p_a)
            if ib == t:
                pe_b = _pe_of_pulses(_zero_truncated_poisson(mu_b), pe_cdf)
                ib = _next_hit(ib, p_b)
            npe = min(pe_a + pe_b, max_npe)
            hist_all[npe] += 1
            if pe_a > 0 and pe_b > 0:
                hist_coinc[npe] += 1
