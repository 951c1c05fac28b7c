"""Liquid mixtures (scintillator cocktails) → number of nuclei of each isotope in a volume.

A :class:`Liquid` has a density and either a chemical formula (``"C16H20"``) or element
weight fractions (``{"C": 0.877, "H": 0.121, "Gd": 0.00103}``). A :class:`Mixture`
combines liquids by **volume fraction** assuming ideal mixing (the mass of a component in
volume V is f_i V ρ_i), as JSNS2 2025 does for its 90 % Gd-LS + 10 % DIN target
(Sec. VIII.3). Elements take their natural isotopic composition (NIST, via
:mod:`nuexp.targets.isotopes` / :mod:`nuexp.targets.compound`).

Weight fractions must sum to 1 within ``weight_tolerance`` (default 1 %); the small
remainder of a recipe that lists only its main elements (JSNS2 Gd-LS: 87.7 + 12.1 +
0.103 = 99.903 %) is *not* renormalised away — it stands for unlisted trace elements.

Examples
--------
>>> from hepunits import g, cm3
>>> from nuexp.targets.mixture import Liquid, Mixture
>>> din = Liquid("DIN", density=0.958 * g / cm3, formula="C16H20")
>>> water = Liquid("water", density=1.0 * g / cm3, formula="H2O")
>>> mix = Mixture([(din, 0.5), (water, 0.5)])
>>> round(mix.density / (g / cm3), 3)
0.979
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import InvalidConfiguration
from ..validation import require_in_range, require_positive
from .compound import Compound
from .isotopes import Isotope, isotope

__all__ = ["Liquid", "Mixture"]


@dataclass(frozen=True)
class Liquid:
    """One liquid of a mixture.

    Parameters
    ----------
    name : str
        Label used in messages ("Gd-LS").
    density : float
        Mass density (hepunits, e.g. ``0.860 * g / cm3``), > 0.
    formula : str, optional
        Chemical formula (exactly one of ``formula`` / ``weight_fractions``).
    weight_fractions : mapping, optional
        Element symbol → mass fraction (0–1).
    weight_tolerance : float
        Allowed |Σ weight fractions − 1| (default 0.01).
    """

    name: str
    density: float
    formula: str | None = None
    weight_fractions: Mapping[str, float] | None = None
    weight_tolerance: float = 0.01
    _parts: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        require_positive(f"liquid {self.name!r}: density", self.density)
        if (self.formula is None) == (self.weight_fractions is None):
            raise InvalidConfiguration(
                f"liquid {self.name!r}: give exactly one of 'formula' or 'weight_fractions'"
            )
        if self.formula is not None:
            parts = ((Compound(self.formula), 1.0),)
        else:
            fractions = dict(self.weight_fractions)
            if not fractions:
                raise InvalidConfiguration(f"liquid {self.name!r}: weight_fractions is empty")
            total = float(sum(fractions.values()))
            if abs(total - 1.0) > self.weight_tolerance:
                raise InvalidConfiguration(
                    f"liquid {self.name!r}: weight_fractions sum to {total:.5g} "
                    f"({100 * total:.5g} %); must be 1 within {self.weight_tolerance} "
                    "(give fractions, not percent)"
                )
            for element, w in fractions.items():
                require_in_range(f"liquid {self.name!r}: weight fraction of {element}", w, 0.0, 1.0)
            parts = tuple((Compound(element), float(w)) for element, w in fractions.items())
        object.__setattr__(self, "_parts", parts)

    def nuclei(self, mass: float) -> dict[Isotope, float]:
        """Nuclei of each isotope in ``mass`` (hepunits mass) of this liquid."""
        require_positive(f"liquid {self.name!r}: mass", mass)
        out: dict[Isotope, float] = {}
        for compound, fraction in self._parts:
            if fraction == 0.0:
                continue
            for iso, n in compound.nuclei(mass * fraction).items():
                out[iso] = out.get(iso, 0.0) + n
        return out


@dataclass(frozen=True)
class Mixture:
    """Liquids mixed by volume fraction.

    Parameters
    ----------
    components : sequence of (Liquid, float)
        Each liquid with its volume fraction; fractions in [0, 1] summing to 1 within
        ``tolerance``.
    tolerance : float
        Allowed |Σ fractions − 1| (default 1e-6).
    """

    components: Sequence[tuple[Liquid, float]]
    tolerance: float = 1e-6

    def __post_init__(self) -> None:
        comps = tuple((liquid, float(f)) for liquid, f in self.components)
        if not comps:
            raise InvalidConfiguration("mixture: no components")
        for liquid, f in comps:
            require_in_range(f"mixture: volume fraction of {liquid.name!r}", f, 0.0, 1.0)
        total = sum(f for _, f in comps)
        if abs(total - 1.0) > self.tolerance:
            shown = ", ".join(f"{liquid.name}={f}" for liquid, f in comps)
            raise InvalidConfiguration(
                f"mixture: volume fractions ({shown}) sum to {total:.6g}; they must sum to 1"
            )
        object.__setattr__(self, "components", comps)

    @property
    def density(self) -> float:
        """Mixture density Σ f_i ρ_i (ideal mixing), hepunits."""
        return float(sum(f * liquid.density for liquid, f in self.components))

    def mass(self, volume: float) -> float:
        """Mass of ``volume`` (hepunits volume) of the mixture."""
        return float(require_positive("volume", volume)) * self.density

    def nuclei(self, volume: float) -> dict[Isotope, float]:
        """Nuclei of each isotope in ``volume`` (hepunits volume), most numerous first."""
        v = float(require_positive("volume", volume))
        out: dict[Isotope, float] = {}
        for liquid, f in self.components:
            if f == 0.0:
                continue
            for iso, n in liquid.nuclei(f * v * liquid.density).items():
                out[iso] = out.get(iso, 0.0) + n
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def count(self, name: str, volume: float) -> float:
        """Number of nuclei of one isotope (``"C12"``) in ``volume``."""
        iso = isotope(name)
        return float(self.nuclei(volume).get(iso, 0.0))

    def element_mass_fractions(self) -> dict[str, float]:
        """Mass fraction of each element in the mixture (diagnostic)."""
        per_unit_volume = self.nuclei(1.0)
        masses: dict[str, float] = {}
        for iso, n in per_unit_volume.items():
            masses[iso.symbol] = masses.get(iso.symbol, 0.0) + n * iso.mass_u
        total = float(np.sum(list(masses.values())))
        return {k: v / total for k, v in masses.items()}
