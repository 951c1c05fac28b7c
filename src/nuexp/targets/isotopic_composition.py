"""Single-element targets with a natural or a user-given isotopic composition.

A liquid-xenon (or germanium, argon, ...) target is one element; its nuclei are split
among the isotopes by atom fraction. The natural composition comes from NIST via
:func:`nuexp.targets.isotopes.natural_composition` (nine isotopes for Xe); a configured
composition (e.g. depleted or enriched xenon) is validated here: every isotope must
belong to the element and the atom fractions must sum to 1.

Examples
--------
>>> from hepunits import kg
>>> xe = ElementTarget.natural("Xe")
>>> len(xe.composition)
9
>>> round(sum(xe.nuclei(1 * kg).values()) / 1e24, 3)   # Xe atoms in 1 kg
4.587
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hepunits import kg

from ..exceptions import UnknownName, UnphysicalParameter
from ..validation import require_in_range, require_positive
from .compound import ATOMIC_MASS_UNIT_KG
from .isotopes import Isotope, element_symbol, isotope, natural_composition

__all__ = ["ElementTarget", "composition_from_fractions"]


def composition_from_fractions(element: str, fractions: Mapping[str, float], *,
                               tolerance: float = 1e-4) -> dict[Isotope, float]:
    """Validate an isotopic composition ``{"Xe129": 0.264, ...}`` of one element.

    Parameters
    ----------
    element : str
        Chemical symbol of the element.
    fractions : mapping
        Isotope name → atom fraction in [0, 1].
    tolerance : float
        Allowed |Σ fractions − 1| (tabulated abundances are rounded).

    Returns
    -------
    dict
        ``{Isotope: fraction}`` renormalised to sum to exactly 1.

    Raises
    ------
    UnknownName
        Unknown element or isotope, or an isotope of another element.
    UnphysicalParameter
        A fraction outside [0, 1], or fractions that do not sum to 1 within ``tolerance``.
    """
    symbol = element_symbol(element)
    if not fractions:
        raise UnphysicalParameter(f"isotopic composition of {symbol}: no isotopes given")
    out: dict[Isotope, float] = {}
    for name, value in fractions.items():
        iso = isotope(name)
        if iso.symbol != symbol:
            raise UnknownName(
                f"isotopic composition of {symbol}: {name!r} is an isotope of {iso.symbol}, "
                f"not of {symbol}"
            )
        out[iso] = out.get(iso, 0.0) + float(require_in_range(f"fraction of {name}", value, 0.0, 1.0))
    total = sum(out.values())
    if abs(total - 1.0) > tolerance:
        raise UnphysicalParameter(
            f"isotopic composition of {symbol}: atom fractions must sum to 1 "
            f"(within {tolerance}); got {total!r}"
        )
    return {iso: f / total for iso, f in out.items()}


@dataclass(frozen=True)
class ElementTarget:
    """A target made of one element with a given isotopic composition.

    Create it with :meth:`natural` or :meth:`from_fractions`.

    Attributes
    ----------
    symbol : str
        Chemical symbol.
    composition : dict
        ``{Isotope: atom fraction}``, summing to 1.
    """

    symbol: str
    composition: dict[Isotope, float]

    @classmethod
    def natural(cls, element: str) -> ElementTarget:
        """The element with its NIST natural isotopic composition."""
        symbol = element_symbol(element)
        return cls(symbol, natural_composition(symbol))

    @classmethod
    def from_fractions(cls, element: str, fractions: Mapping[str, float]) -> ElementTarget:
        """The element with a configured composition (validated, see
        :func:`composition_from_fractions`)."""
        symbol = element_symbol(element)
        return cls(symbol, composition_from_fractions(symbol, fractions))

    @property
    def mean_atomic_mass_u(self) -> float:
        """Mean atomic mass in u (= g/mol) for this composition."""
        return sum(f * iso.mass_u for iso, f in self.composition.items())

    def atoms(self, mass: float) -> float:
        """Number of atoms in ``mass`` (hepunits mass, > 0)."""
        m = float(require_positive("target mass", mass))
        return (m / kg) / (self.mean_atomic_mass_u * ATOMIC_MASS_UNIT_KG)

    def nuclei(self, mass: float) -> dict[Isotope, float]:
        """Number of nuclei of each isotope in ``mass`` (hepunits mass)."""
        n = self.atoms(mass)
        return {iso: n * f for iso, f in self.composition.items()}
