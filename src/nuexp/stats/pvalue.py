"""p-values of a counting excess over a background, and their one-sided significance.

Constructions (n observed, expected background b ± σ_b):

* :func:`poisson_p_value` — P(N ≥ n | b), background known exactly. For JSNS2 2025
  (n = 79, b = 42.2) this gives 2.76e-7, the paper's 2.9e-7 (Sec. VI) to rounding, so
  this is the construction the paper used.
* :func:`p_value_poisson_gauss` — P(N ≥ n) averaged over a Gaussian prior on b
  (truncated at b > 0, renormalised): the "Cousins–Highland" hybrid.
* :func:`p_value_poisson_lognormal` — the same with a log-normal prior of the same mean
  and standard deviation (never negative).
* :func:`profile_likelihood_significance` — Poisson(n | s + b) × Gauss(b₀ | b, σ_b),
  q₀ = −2 ln λ(s = 0) with b profiled (closed form), Z = √q₀ (Wilks, one-sided).

:func:`significance` converts a p-value to the one-sided Gaussian σ,
Z = Φ⁻¹(1 − p); :func:`p_value_from_significance` is the inverse.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ..exceptions import UnphysicalParameter
from ..validation import require_in_range, require_non_negative, require_positive

__all__ = [
    "significance",
    "p_value_from_significance",
    "poisson_p_value",
    "p_value_poisson_gauss",
    "p_value_poisson_lognormal",
    "profile_likelihood_significance",
]


def _count(name: str, n) -> int:
    value = float(require_non_negative(name, n))
    if value != int(value):
        raise UnphysicalParameter(f"{name} must be a whole number of events; got {n!r}")
    return int(value)


def significance(p_value: float) -> float:
    """One-sided Gaussian significance Z = Φ⁻¹(1 − p) = −Φ⁻¹(p).

    Parameters
    ----------
    p_value : float
        In (0, 1].
    """
    p = float(require_in_range("p_value", p_value, 0.0, 1.0))
    if p <= 0.0:
        raise UnphysicalParameter("p_value must be > 0 (a p-value of exactly 0 has no finite σ)")
    return float(-special.ndtri(p))


def p_value_from_significance(z: float) -> float:
    """One-sided p-value of a Z-σ excess, p = 1 − Φ(Z)."""
    return float(special.ndtr(-float(z)))


def poisson_p_value(observed: int, background: float) -> float:
    """P(N ≥ observed | Poisson mean ``background``): background known exactly.

    Parameters
    ----------
    observed : int
        Observed events (≥ 0).
    background : float
        Expected background (> 0).
    """
    n = _count("observed", observed)
    b = float(require_positive("background", background))
    return _poisson_at_least(n, b)


def _poisson_at_least(n: int, mean):
    """P(N ≥ n) for a Poisson ``mean`` (scalar or array): the regularised lower incomplete
    gamma function P(n, mean) for n ≥ 1 (an exact identity), 1 for n = 0."""
    if n == 0:
        return 1.0 if np.ndim(mean) == 0 else np.ones_like(mean)
    out = special.gammainc(n, mean)
    return float(out) if np.ndim(out) == 0 else out


def _prior_average(n: int, grid: np.ndarray, weights: np.ndarray) -> float:
    weights = weights / weights.sum()
    return float(np.sum(_poisson_at_least(n, grid) * weights))


def _grid(background: float, uncertainty: float) -> np.ndarray:
    lo = max(background - 10 * uncertainty, 0.0)
    hi = background + 12 * uncertainty
    grid = np.linspace(lo, hi, 20001)
    return grid[grid > 0]


def p_value_poisson_gauss(observed: int, background: float, uncertainty: float) -> float:
    """P(N ≥ n) with b ~ Gauss(background, uncertainty) truncated to b > 0.

    Parameters
    ----------
    observed : int
        Observed events.
    background, uncertainty : float
        Mean and standard deviation of the background prior (> 0, ≥ 0).
    """
    n = _count("observed", observed)
    b = float(require_positive("background", background))
    sb = float(require_non_negative("background uncertainty", uncertainty))
    if sb == 0.0:
        return poisson_p_value(n, b)
    grid = _grid(b, sb)
    # the Gaussian's constant cancels in the normalised average
    return _prior_average(n, grid, np.exp(-0.5 * ((grid - b) / sb) ** 2))


def p_value_poisson_lognormal(observed: int, background: float, uncertainty: float) -> float:
    """P(N ≥ n) with a log-normal prior on b of mean ``background`` and sd ``uncertainty``."""
    n = _count("observed", observed)
    b = float(require_positive("background", background))
    sb = float(require_non_negative("background uncertainty", uncertainty))
    if sb == 0.0:
        return poisson_p_value(n, b)
    s2 = np.log1p((sb / b) ** 2)
    grid = _grid(b, sb)
    # log-normal density of median b e^(-s²/2), up to the constant that cancels
    pdf = np.exp(-0.5 * (np.log(grid / b) + 0.5 * s2) ** 2 / s2) / grid
    return _prior_average(n, grid, pdf)


def profile_likelihood_significance(observed: int, background: float,
                                    uncertainty: float) -> tuple[float, float]:
    """Asymptotic discovery significance with a Gaussian-constrained background.

    Likelihood L(s, b) = Pois(n | s + b) · N(b₀ | b, σ_b). Under s = 0 the profiled
    background solves b² + (σ_b² − b₀) b − n σ_b² = 0; q₀ = −2 ln[L(0, b̂̂)/L(ŝ, b̂)]
    with ŝ = n − b₀, b̂ = b₀ (q₀ = 0 when n ≤ b₀). Z = √q₀, p = 1 − Φ(Z).

    Returns
    -------
    z, p_value : float
    """
    n = _count("observed", observed)
    b0 = float(require_positive("background", background))
    sb = float(require_non_negative("background uncertainty", uncertainty))
    if n <= b0:
        return 0.0, 0.5
    if sb == 0.0:
        bhh = b0
        penalty = 0.0
    else:
        v = sb**2
        bhh = 0.5 * ((b0 - v) + np.sqrt((b0 - v) ** 2 + 4 * n * v))
        penalty = (bhh - b0) ** 2 / v
    # ln Pois(n|n) − ln Pois(n|b̂̂) = n ln(n/b̂̂) − (n − b̂̂)
    q0 = 2.0 * (n * np.log(n / bhh) - (n - bhh)) + penalty
    z = float(np.sqrt(max(q0, 0.0)))
    return z, p_value_from_significance(z)
