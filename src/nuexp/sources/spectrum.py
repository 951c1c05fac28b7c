"""A neutrino energy spectrum: a tabulated continuous density plus discrete lines.

:class:`NeutrinoSpectrum` is the container the interaction and rate code folds with cross
sections. Its normalisation is whatever the caller gives (a probability density, a flux
in 1/(area·time·energy), a fluence, ...); methods never renormalise silently.

Examples
--------
>>> from hepunits import MeV
>>> from nuexp.sources.decay_at_rest import nue_spectrum, NUMU_PROMPT_ENERGY
>>> s = NeutrinoSpectrum.from_function(nue_spectrum, 0.0, 52.83 * MeV)
>>> round(s.total(), 6)
1.0
>>> line = NeutrinoSpectrum.line(NUMU_PROMPT_ENERGY)
>>> line.total()
1.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import trapezoid

from ..validation import require_finite, require_non_negative, require_positive

__all__ = ["NeutrinoSpectrum"]


@dataclass(frozen=True, eq=False)
class NeutrinoSpectrum:
    """Continuous part on an energy grid plus discrete lines.

    Parameters
    ----------
    energies : ndarray
        Increasing energy grid (hepunits energy) of the continuous part; may be empty.
    density : ndarray
        Density on that grid (per unit energy, in the caller's normalisation), ≥ 0.
        Integrated with the trapezoidal rule.
    line_energies : ndarray
        Energies of the discrete lines; may be empty.
    line_weights : ndarray
        Number (in the caller's normalisation) in each line, ≥ 0.
    """

    energies: np.ndarray
    density: np.ndarray
    line_energies: np.ndarray
    line_weights: np.ndarray

    def __post_init__(self) -> None:
        e = np.atleast_1d(require_non_negative("spectrum energies", self.energies)) \
            if np.size(self.energies) else np.zeros(0)
        d = np.atleast_1d(require_non_negative("spectrum density", self.density)) \
            if np.size(self.density) else np.zeros(0)
        if e.shape != d.shape:
            raise ValueError(
                f"spectrum: energies ({e.size}) and density ({d.size}) need the same length"
            )
        if e.size == 1:
            raise ValueError("spectrum: a continuous part needs at least 2 grid points")
        if e.size and np.any(np.diff(e) <= 0):
            raise ValueError("spectrum energies must be strictly increasing")
        le = np.atleast_1d(require_positive("line energies", self.line_energies)) \
            if np.size(self.line_energies) else np.zeros(0)
        lw = np.atleast_1d(require_non_negative("line weights", self.line_weights)) \
            if np.size(self.line_weights) else np.zeros(0)
        if le.shape != lw.shape:
            raise ValueError(
                f"spectrum: line energies ({le.size}) and weights ({lw.size}) need the same length"
            )
        for name, arr in (("energies", e), ("density", d), ("line_energies", le),
                          ("line_weights", lw)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    # -- constructors -------------------------------------------------------------------
    @classmethod
    def from_function(cls, pdf: Callable[[np.ndarray], ArrayLike], emin: float, emax: float,
                      n: int = 2001, scale: float = 1.0) -> NeutrinoSpectrum:
        """Tabulate ``scale * pdf(E)`` on ``n`` equally spaced energies in [emin, emax]."""
        emin = float(require_non_negative("emin", emin))
        emax = float(require_positive("emax", emax))
        if emax <= emin:
            raise ValueError(f"spectrum range: emax ({emax}) must exceed emin ({emin})")
        if n < 2:
            raise ValueError(f"spectrum grid: n = {n} must be >= 2")
        e = np.linspace(emin, emax, int(n))
        return cls(e, float(scale) * np.asarray(pdf(e), dtype=float), np.zeros(0), np.zeros(0))

    @classmethod
    def line(cls, energy: float, weight: float = 1.0) -> NeutrinoSpectrum:
        """A single monochromatic line."""
        return cls(np.zeros(0), np.zeros(0), np.array([energy], dtype=float),
                   np.array([weight], dtype=float))

    # -- operations ---------------------------------------------------------------------
    def scaled(self, factor: float) -> NeutrinoSpectrum:
        """The same spectrum multiplied by ``factor`` (≥ 0), e.g. a flux normalisation."""
        f = float(require_non_negative("spectrum scale factor", factor))
        return NeutrinoSpectrum(self.energies, self.density * f, self.line_energies,
                                self.line_weights * f)

    def __add__(self, other: NeutrinoSpectrum) -> NeutrinoSpectrum:
        if not isinstance(other, NeutrinoSpectrum):
            return NotImplemented
        if self.energies.size and other.energies.size:
            grid = np.union1d(self.energies, other.energies)
            dens = self.evaluate(grid) + other.evaluate(grid)
        elif self.energies.size:
            grid, dens = self.energies, self.density
        else:
            grid, dens = other.energies, other.density
        return NeutrinoSpectrum(grid, dens, np.concatenate([self.line_energies, other.line_energies]),
                                np.concatenate([self.line_weights, other.line_weights]))

    def evaluate(self, energy: ArrayLike) -> np.ndarray:
        """Continuous density at ``energy`` (linear interpolation, 0 outside the grid)."""
        e = require_finite("energy", energy)
        if not self.energies.size:
            return np.zeros_like(e)
        return np.interp(e, self.energies, self.density, left=0.0, right=0.0)

    def total(self) -> float:
        """Integral of the continuous part plus the sum of the line weights."""
        cont = float(trapezoid(self.density, self.energies)) if self.energies.size else 0.0
        return cont + float(self.line_weights.sum())

    def mean_energy(self) -> float:
        """Mean energy (continuous and lines together)."""
        tot = self.total()
        if tot <= 0:
            raise ValueError("spectrum: mean energy of an empty spectrum is undefined")
        cont = float(trapezoid(self.density * self.energies, self.energies)) \
            if self.energies.size else 0.0
        return (cont + float(np.dot(self.line_weights, self.line_energies))) / tot

    @property
    def max_energy(self) -> float:
        """Largest energy with support (0 for an empty spectrum)."""
        cands = [0.0]
        if self.energies.size:
            nz = np.nonzero(self.density > 0)[0]
            if nz.size:
                cands.append(float(self.energies[min(nz[-1] + 1, self.energies.size - 1)]))
        if self.line_energies.size:
            cands.append(float(self.line_energies[self.line_weights > 0].max(initial=0.0)))
        return max(cands)
