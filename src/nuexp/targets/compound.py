"""Chemical compounds: a formula and a mass → number of nuclei of each isotope.

Formulas are parsed by ``periodictable.formula`` ("CsI", "C16H20", "H2O", "NaI");
elements take their natural isotopic composition (NIST, via
:func:`nuexp.targets.isotopes.natural_composition`); an explicitly labelled isotope in the
formula (periodictable syntax ``"C[13]"`` or ``"D2O"``) is used as is.

Examples
--------
>>> from hepunits import kg
>>> from nuexp.targets.compound import Compound
>>> csi = Compound("CsI")
>>> n = csi.nuclei(12 * kg)
>>> round(n[next(iter(n))] / 1e25, 2)   # Cs-133 nuclei in 12 kg of CsI
2.78
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import periodictable
from hepunits import kg
from scipy.constants import physical_constants

from ..exceptions import UnknownName
from ..validation import require_positive
from .isotopes import Isotope, isotope, natural_composition

__all__ = ["Compound", "ATOMIC_MASS_UNIT_KG"]

#: Unified atomic mass unit in kilograms (CODATA via scipy).
ATOMIC_MASS_UNIT_KG: float = physical_constants["atomic mass constant"][0]


@lru_cache(maxsize=256)
def _parse(formula: str) -> tuple:
    """(atom, count) pairs of a formula; cached because parsing costs ~5 ms."""
    try:
        parsed = periodictable.formula(formula)
    except Exception as err:  # periodictable raises ValueError or pyparsing errors
        raise UnknownName(f"formula {formula!r}: cannot be parsed ({err})") from None
    return tuple(parsed.atoms.items())


@dataclass(frozen=True)
class Compound:
    """A chemical compound with natural isotopic abundances.

    Parameters
    ----------
    formula : str
        Chemical formula understood by ``periodictable.formula`` ("CsI", "C16H20").
    """

    formula: str
    _atoms: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.formula, str) or not self.formula.strip():
            raise UnknownName(f"formula {self.formula!r}: expected a chemical formula such as 'CsI'")
        atoms = dict(_parse(self.formula.strip()))
        if not atoms:
            raise UnknownName(f"formula {self.formula!r}: contains no atoms")
        object.__setattr__(self, "_atoms", atoms)

    @cached_property
    def isotopes_per_unit(self) -> dict[Isotope, float]:
        """Mean number of nuclei of each isotope per formula unit (natural abundances)."""
        out: dict[Isotope, float] = {}
        for atom, count in self._atoms.items():
            if hasattr(atom, "isotope"):  # an explicitly labelled isotope
                parts = {isotope(f"{atom.element.symbol}{atom.isotope}"): 1.0}
            else:
                parts = natural_composition(atom.symbol)
            for iso, fraction in parts.items():
                out[iso] = out.get(iso, 0.0) + float(count) * fraction
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))

    @cached_property
    def molar_mass_u(self) -> float:
        """Mass of one formula unit in u (= g/mol), from the isotope masses and abundances."""
        return sum(n * iso.mass_u for iso, n in self.isotopes_per_unit.items())

    @property
    def unit_mass(self) -> float:
        """Mass of one formula unit (hepunits mass)."""
        return self.molar_mass_u * ATOMIC_MASS_UNIT_KG * kg

    def formula_units(self, mass: float) -> float:
        """Number of formula units (molecules) in ``mass`` (hepunits mass, > 0)."""
        mass = float(require_positive("target mass", mass))
        return mass / self.unit_mass

    def nuclei(self, mass: float) -> dict[Isotope, float]:
        """Number of nuclei of each isotope in ``mass`` of the compound.

        Parameters
        ----------
        mass : float
            Target mass (hepunits mass, e.g. ``12 * kg``), > 0.

        Returns
        -------
        dict
            ``{Isotope: number of nuclei}``, most abundant first.
        """
        units = self.formula_units(mass)
        return {iso: units * n for iso, n in self.isotopes_per_unit.items()}

    def mass_fractions(self) -> dict[Isotope, float]:
        """Mass fraction of each isotope (sums to 1)."""
        total = self.molar_mass_u
        return {iso: n * iso.mass_u / total for iso, n in self.isotopes_per_unit.items()}
