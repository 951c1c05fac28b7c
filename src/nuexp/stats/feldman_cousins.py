"""Feldman–Cousins critical values from toys, for a signal-strength × template-row grid.

Feldman & Cousins, Phys. Rev. D 57 (1998) 3873 (Sec. V, the ordering by likelihood
ratio): at a true point (s0, m0) draw pseudo-experiments, compute for each

    Δχ² = χ²(s0, m0) − min_{s ≥ 0, m ∈ grid} χ²(s, m),

with the nuisances profiled in both terms (and their global observables drawn about the
true values, so the constraints fluctuate as auxiliary measurements do), and take the
``cl`` quantile of the Δχ² distribution as the critical value at that point. The point is
inside the ``cl`` region for observed data whose Δχ² there is below it. Near the physical
boundary s = 0, or where the sensitivity is poor, the critical value differs from the
asymptotic (Wilks) one — which is why toys are needed at low statistics.

The model is a :class:`~nuexp.stats.batched_profile.TemplateModel` with one unit-strength
signal template per grid row m (for an oscillation search the Δm² rows; s = sin²2θ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..exceptions import InvalidConfiguration
from .batched_profile import TemplateModel, profile

__all__ = ["ToyResult", "delta_chi2_toys", "critical_value"]


@dataclass(frozen=True)
class ToyResult:
    """Δχ² of each toy at a true point and the critical value at ``cl``."""

    delta_chi2: np.ndarray
    critical: float
    cl: float
    n_toys: int


def delta_chi2_toys(model: TemplateModel, templates: ArrayLike, row: int, strength: float,
                    n_toys: int, rng: np.random.Generator, *, chunk: int = 500
                    ) -> np.ndarray:
    """Δχ² of ``n_toys`` pseudo-experiments thrown at (``strength``, ``templates[row]``).

    Parameters
    ----------
    model : TemplateModel
        Backgrounds and nuisances.
    templates : array_like (M, B)
        Unit-strength signal template of every grid row.
    row : int
        Index of the true row.
    strength : float
        True signal strength (≥ 0).
    n_toys : int
        Number of toys (≥ 1).
    rng : numpy.random.Generator
        Source of randomness (seed it for reproducible, backend-independent results).
    chunk : int
        Toys profiled at once (memory ∝ chunk × M × B).

    Returns
    -------
    ndarray (n_toys,)
        Δχ² ≥ 0 per toy.
    """
    tmpl = np.atleast_2d(np.asarray(templates, dtype=float))
    if not 0 <= row < tmpl.shape[0]:
        raise InvalidConfiguration(f"row = {row}: must be in [0, {tmpl.shape[0] - 1}]")
    if not (np.isfinite(strength) and strength >= 0):
        raise InvalidConfiguration(f"true strength = {strength!r}: must be finite and >= 0")
    if int(n_toys) != n_toys or n_toys < 1:
        raise InvalidConfiguration(f"n_toys = {n_toys!r}: must be an integer >= 1")
    counts, glob = model.sample(tmpl[row], strength, int(n_toys), rng)
    out = np.empty(int(n_toys))
    for start in range(0, int(n_toys), chunk):
        n = counts[start:start + chunk]
        g = glob[start:start + chunk]
        at_true = profile(model, tmpl[row], n, g, strength=np.full(len(n), strength))
        best = profile(model, tmpl[None, :, :], n[:, None, :], g[:, None, :])
        out[start:start + chunk] = at_true.chi2 - best.chi2.min(axis=1)
    # the global minimum includes (s0, m0) itself, so Δχ² ≥ 0 up to the fit tolerance
    return np.maximum(out, 0.0)


def critical_value(model: TemplateModel, templates: ArrayLike, row: int, strength: float,
                   n_toys: int, rng: np.random.Generator, cl: float = 0.90,
                   **kwargs) -> ToyResult:
    """Feldman–Cousins critical Δχ² at one true point (see :func:`delta_chi2_toys`)."""
    if not 0 < cl < 1:
        raise InvalidConfiguration(f"confidence level cl = {cl!r}: must be in (0, 1)")
    d = delta_chi2_toys(model, templates, row, strength, n_toys, rng, **kwargs)
    return ToyResult(delta_chi2=d, critical=float(np.quantile(d, cl)), cl=cl,
                     n_toys=int(n_toys))
