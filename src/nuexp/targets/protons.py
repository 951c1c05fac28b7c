"""Free protons (¹H nuclei): the inverse-beta-decay target of a scintillator.

Examples
--------
>>> from hepunits import kg
>>> from nuexp.targets.protons import free_protons
>>> f"{free_protons(20e6 * kg, formula='C18H30'):.3e}"       # 20 kt of LAB
'1.466e+33'
"""

from __future__ import annotations

from hepunits import kg
from scipy.constants import Avogadro

from ..exceptions import UnknownName
from ..validation import require_in_range, require_positive
from .compound import Compound
from .isotopes import isotope, natural_composition

__all__ = ["free_protons"]


def free_protons(mass: float, *, formula: str | None = None,
                 hydrogen_mass_fraction: float | None = None) -> float:
    """Number of free protons (¹H nuclei) in a mass of (hydrogen-bearing) scintillator.

    Parameters
    ----------
    mass : float
        Target mass (hepunits mass; 1 kt = ``1e6 * kg``).
    formula : str, optional
        Chemical formula of the scintillator (e.g. linear alkylbenzene ``"C18H30"``);
        natural isotopic abundances from periodictable (via
        :class:`nuexp.targets.compound.Compound`), so only ¹H counts, not ²H.
    hydrogen_mass_fraction : float, optional
        Alternatively the hydrogen mass fraction (0, 1]; the ¹H share of natural
        hydrogen is applied.

    Returns
    -------
    float
        Number of free protons.
    """
    mass = float(require_positive("target mass", mass))
    if (formula is None) == (hydrogen_mass_fraction is None):
        raise UnknownName("free_protons: give exactly one of 'formula' or "
                          "'hydrogen_mass_fraction'")
    h1 = isotope("H1")
    if formula is not None:
        nuclei = Compound(formula).nuclei(mass)
        if h1 not in nuclei:
            raise UnknownName(f"formula {formula!r} contains no hydrogen")
        return float(nuclei[h1])
    assert hydrogen_mass_fraction is not None      # exactly one of the two is given
    frac = float(require_in_range("hydrogen_mass_fraction", hydrogen_mass_fraction,
                                  0.0, 1.0, inclusive=True))
    if frac == 0.0:
        require_positive("hydrogen_mass_fraction", frac)
    comp = natural_composition("H")
    molar_h = sum(iso.mass_u * x for iso, x in comp.items())      # g/mol
    atoms_h = mass / kg * 1e3 * frac / molar_h * Avogadro
    return float(atoms_h * comp[h1])
