"""Isotopes and natural isotopic compositions, from the NIST tables in ``periodictable``.

Nothing is typed by hand: atomic masses (in unified atomic mass units u) and natural
abundances come from ``periodictable`` (NIST "Atomic Weights and Isotopic
Compositions"); u → MeV and the electron mass come from CODATA via ``scipy.constants``.

Masses are returned as energies in the hepunits system (MeV = 1), i.e. ``M c²``.

Examples
--------
>>> from nuexp.targets.isotopes import isotope, natural_composition
>>> cs = isotope("Cs133")
>>> (cs.Z, cs.N, cs.A)
(55, 78, 133)
>>> round(sum(natural_composition("Xe").values()), 12)
1.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import periodictable
from hepunits import eV

from ..constants import ATOMIC_MASS_UNIT, ELECTRON_MASS
from ..exceptions import UnknownName

__all__ = [
    "ATOMIC_MASS_UNIT",
    "ELECTRON_MASS",
    "Isotope",
    "isotope",
    "element_symbol",
    "natural_composition",
    "electron_binding_energy",
]


_NAME_PATTERNS = (
    re.compile(r"^\s*([A-Za-z]{1,3})\s*[-_ ]?\s*(\d{1,3})\s*$"),  # Cs133, Cs-133, Xe 131
    re.compile(r"^\s*(\d{1,3})\s*[-_ ]?\s*([A-Za-z]{1,3})\s*$"),  # 133Cs, 133-Cs
)


def electron_binding_energy(Z: int) -> float:
    """Total binding energy of the Z atomic electrons (hepunits energy).

    Fit of Lunney, Pearson & Thibault, Rev. Mod. Phys. 75 (2003) 1021, Eq. (A4):
    B_el = 14.4381 Z^2.39 + 1.55468e-6 Z^5.35 eV. For Cs (Z = 55) this is 0.21 MeV, i.e.
    2e-6 of the nuclear mass: negligible for CEvNS, kept only so that
    :attr:`Isotope.nuclear_mass` is the best value available.
    """
    if Z < 0:
        raise UnknownName(f"atomic number Z = {Z}: must be >= 0")
    return (14.4381 * Z**2.39 + 1.55468e-6 * Z**5.35) * eV


def element_symbol(name: str) -> str:
    """Return the canonical chemical symbol for ``name`` (``"cs"`` → ``"Cs"``).

    Raises
    ------
    UnknownName
        If no element has that symbol.
    """
    if not isinstance(name, str) or not name.strip():
        raise UnknownName(f"element {name!r}: expected a chemical symbol such as 'Cs'")
    sym = name.strip()
    sym = sym[0].upper() + sym[1:].lower()
    try:
        el = periodictable.elements.symbol(sym)
    except (ValueError, KeyError):
        el = None
    if el is None or el.number == 0:
        raise UnknownName(f"element {name!r}: not a chemical symbol (e.g. 'Cs', 'I', 'Xe')")
    return el.symbol


@dataclass(frozen=True, order=True)
class Isotope:
    """One nuclide: element symbol, Z and mass number A (masses from NIST).

    Create it with :func:`isotope`; the constructor does not check its arguments.

    Attributes
    ----------
    symbol : str
        Chemical symbol ("Cs").
    Z : int
        Proton number.
    A : int
        Mass number.
    """

    Z: int
    A: int
    symbol: str

    @property
    def N(self) -> int:
        """Neutron number A − Z."""
        return self.A - self.Z

    @property
    def name(self) -> str:
        """Canonical name, e.g. ``"Cs133"``."""
        return f"{self.symbol}{self.A}"

    def __str__(self) -> str:
        return self.name

    @property
    def mass_u(self) -> float:
        """Atomic (neutral-atom) mass in unified atomic mass units (NIST)."""
        return float(periodictable.elements[self.Z][self.A].mass)

    @property
    def atomic_mass(self) -> float:
        """Neutral-atom mass M_atom c² (hepunits energy)."""
        return self.mass_u * ATOMIC_MASS_UNIT

    @property
    def nuclear_mass(self) -> float:
        """Nuclear mass: M_atom − Z m_e + B_el(Z) (hepunits energy).

        The electron binding energy (:func:`electron_binding_energy`) changes the result
        by ~1e-6 relative; it is included for completeness, not because it matters.
        """
        return self.atomic_mass - self.Z * ELECTRON_MASS + electron_binding_energy(self.Z)

    @property
    def abundance(self) -> float:
        """Natural abundance as a fraction (0 for nuclides absent in nature; NIST)."""
        return float(periodictable.elements[self.Z][self.A].abundance) / 100.0


@cache
def isotope(name: str) -> Isotope:
    """Look up an isotope by name: ``"Cs133"``, ``"Xe-131"``, ``"C12"``, ``"133Cs"``.

    Parameters
    ----------
    name : str
        Chemical symbol and mass number in either order, optionally separated by ``-``,
        ``_`` or a space. The symbol is case-insensitive.

    Returns
    -------
    Isotope

    Raises
    ------
    UnknownName
        If the text is not of that form, the element does not exist, or NIST lists no
        nuclide with that mass number.
    """
    if not isinstance(name, str):
        raise UnknownName(f"isotope {name!r}: expected a string such as 'Cs133' or 'Xe-131'")
    match = _NAME_PATTERNS[0].match(name)
    if match:
        sym, a_text = match.groups()
    else:
        match = _NAME_PATTERNS[1].match(name)
        if not match:
            raise UnknownName(
                f"isotope {name!r}: expected a symbol and a mass number, e.g. 'Cs133', "
                "'Xe-131', 'C12' or '133Cs'"
            )
        a_text, sym = match.groups()
    try:
        symbol = element_symbol(sym)
    except UnknownName:
        raise UnknownName(f"isotope {name!r}: {sym!r} is not a chemical symbol") from None
    el = periodictable.elements.symbol(symbol)
    A = int(a_text)
    if A not in el.isotopes:
        known = f"{min(el.isotopes)}–{max(el.isotopes)}" if el.isotopes else "none"
        raise UnknownName(
            f"isotope {name!r}: NIST lists no {symbol} nuclide with A = {A} "
            f"(known mass numbers: {known})"
        )
    return Isotope(Z=int(el.number), A=A, symbol=symbol)


@cache
def _composition(symbol: str) -> tuple[tuple[Isotope, float], ...]:
    el = periodictable.elements.symbol(symbol)
    pairs = [(Isotope(Z=int(el.number), A=int(a), symbol=symbol), float(el[a].abundance))
             for a in el.isotopes if el[a].abundance > 0]
    total = sum(f for _, f in pairs)
    if total <= 0:
        raise UnknownName(
            f"element {symbol!r} has no stable isotopes with a natural abundance in NIST; "
            "give the isotope explicitly (e.g. 'Tc99')"
        )
    # NIST abundances sum to 100 % within rounding; renormalise so the fractions sum to 1.
    return tuple((iso, f / total) for iso, f in pairs)


def natural_composition(element: str) -> dict[Isotope, float]:
    """Natural isotopic composition of an element: ``{Isotope: atom fraction}``.

    Fractions are NIST natural abundances renormalised to sum to exactly 1 (the tabulated
    percentages sum to 100 within their rounding).

    Parameters
    ----------
    element : str
        Chemical symbol (case-insensitive), e.g. ``"Xe"``.

    Raises
    ------
    UnknownName
        Unknown symbol, or an element without natural isotopes (Tc, Pm, ...).
    """
    return dict(_composition(element_symbol(element)))
