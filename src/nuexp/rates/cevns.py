"""Expected event spectra: fluence × cross section × number of targets × detector response.

Generic over sources (any :class:`~nuexp.sources.spectrum.NeutrinoSpectrum` per flavour or
per component), targets (any ``{nucleus: count}``) and CEvNS options. The result keeps
its axes by name (flavour/component × isotope × energy), so it can be summed by axis.

Chain::

    dN/dT (flavour, isotope, T) = N_nuclei(isotope) · ∫ Φ_flavour(E) dσ/dT(E, T; isotope) dE
    N(flavour, isotope, n)      = ∫ dN/dT · Pois(n; LY · E_ee(T)) dT

Example
-------
>>> import numpy as np
>>> from hepunits import kg, keV, m, cm, day
>>> from nuexp.sources.spallation import FACILITIES, stopped_pion_spectra
>>> from nuexp.targets.compound import Compound
>>> phi = FACILITIES["CSNS"].flux_per_flavour(10.5 * m)
>>> fluence = {f: s.scaled(phi * 180 * day) for f, s in stopped_pion_spectra().items()}
>>> spec = recoil_spectra(np.linspace(0, 50, 501) * keV, fluence, Compound("CsI").nuclei(12 * kg))
>>> 250 < spec.total_events() < 350
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import trapezoid

from ..detector.photoelectrons import fold_to_npe, mean_photoelectrons
from ..detector.quenching import Quenching
from ..interactions.cevns import (
    SIN2_THETA_W_LOW_ENERGY,
    folded_differential_cross_section,
)
from ..sources.spectrum import NeutrinoSpectrum
from ..validation import require_non_negative

__all__ = ["LabelledSpectra", "npe_spectra", "recoil_spectra"]


@dataclass(frozen=True, eq=False)
class LabelledSpectra:
    """Spectra with named axes: ``values[component, isotope, bin]``.

    Attributes
    ----------
    axis : ndarray
        The energy-like axis (recoil energies for a differential spectrum, NPE values
        for a counts spectrum).
    components : tuple of str
        Neutrino flavours or source components.
    isotopes : tuple of str
        Target isotopes.
    values : ndarray
        Shape (len(components), len(isotopes), len(axis)).
    differential : bool
        True if ``values`` are densities in the axis (dN/dT), False for counts per bin.
    """

    axis: np.ndarray
    components: tuple[str, ...]
    isotopes: tuple[str, ...]
    values: np.ndarray
    differential: bool

    def total(self) -> np.ndarray:
        """Sum over components and isotopes, shape (len(axis),)."""
        return self.values.sum(axis=(0, 1))

    def by_component(self) -> dict[str, np.ndarray]:
        """{component: spectrum summed over isotopes}."""
        return {c: self.values[i].sum(axis=0) for i, c in enumerate(self.components)}

    def by_isotope(self) -> dict[str, np.ndarray]:
        """{isotope: spectrum summed over components}."""
        return {s: self.values[:, j].sum(axis=0) for j, s in enumerate(self.isotopes)}

    def total_events(self, weights: ArrayLike | None = None) -> float:
        """Integral (differential) or sum (counts) of the total, optionally weighted per bin."""
        y = self.total()
        if weights is not None:
            y = y * np.asarray(weights, dtype=float)
        if self.differential:
            return float(trapezoid(y, self.axis))
        return float(y.sum())

    def events_by_component(self, weights: ArrayLike | None = None) -> dict[str, float]:
        """Integrated events per component (weights as in :meth:`total_events`)."""
        w = 1.0 if weights is None else np.asarray(weights, dtype=float)
        out = {}
        for c, y in self.by_component().items():
            out[c] = float(trapezoid(y * w, self.axis)) if self.differential else float((y * w).sum())
        return out


def recoil_spectra(
    recoil: ArrayLike,
    fluences: Mapping[str, NeutrinoSpectrum],
    nuclei: Mapping,
    *,
    form_factor: str = "helm",
    sin2_theta_w: float | str = SIN2_THETA_W_LOW_ENERGY,
) -> LabelledSpectra:
    """CEvNS dN/dT for each flavour and isotope.

    Parameters
    ----------
    recoil : array_like
        Increasing recoil-energy grid (hepunits energy).
    fluences : mapping
        {component name: NeutrinoSpectrum} with the time-integrated fluence (number per
        area per energy, lines in number per area). A flux works too and gives rates.
    nuclei : mapping
        {nucleus: number of nuclei}; nuclei need Z, N, A, ``nuclear_mass`` and ``str()``
        (e.g. from :meth:`nuexp.targets.compound.Compound.nuclei`).
    form_factor, sin2_theta_w
        As for :func:`nuexp.interactions.cevns.differential_cross_section`.

    Returns
    -------
    LabelledSpectra
        ``differential=True``, values in events per unit recoil energy.
    """
    t = require_non_negative("recoil energy grid", recoil)
    if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0):
        raise ValueError("recoil energy grid must be 1-D, strictly increasing, >= 2 points")
    comps = tuple(fluences)
    isos = tuple(nuclei)
    values = np.zeros((len(comps), len(isos), t.size))
    for j, iso in enumerate(isos):
        count = float(require_non_negative(f"number of {iso} nuclei", nuclei[iso]))
        for i, c in enumerate(comps):
            values[i, j] = count * folded_differential_cross_section(
                t, fluences[c], iso, form_factor=form_factor, sin2_theta_w=sin2_theta_w)
    return LabelledSpectra(t, comps, tuple(str(s) for s in isos), values, differential=True)


def npe_spectra(spectra: LabelledSpectra, quenching: Quenching, light_yield: float,
                max_npe: int) -> LabelledSpectra:
    """Fold recoil spectra with quenching, light yield and Poisson PE statistics.

    Parameters
    ----------
    spectra : LabelledSpectra
        Differential recoil spectra (from :func:`recoil_spectra`).
    quenching : Quenching
        T_nr → E_ee model.
    light_yield : float
        PE per unit E_ee (hepunits 1/energy), > 0.
    max_npe : int
        Largest NPE kept (the tail beyond is dropped; choose it above the window).

    Returns
    -------
    LabelledSpectra
        Counts per NPE value 0 … max_npe (``differential=False``).
    """
    if not spectra.differential:
        raise ValueError("npe_spectra needs differential recoil spectra")
    mu = mean_photoelectrons(quenching.electron_equivalent(spectra.axis), light_yield)
    counts = fold_to_npe(spectra.axis, spectra.values, mu, max_npe)
    return LabelledSpectra(np.arange(int(max_npe) + 1, dtype=float), spectra.components,
                           spectra.isotopes, counts, differential=False)
