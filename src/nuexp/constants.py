"""Physical constants used in more than one stage, defined once (a foundation module).

Masses are the PDG values shipped with ``particle`` (the same numbers as CODATA 2018 in
``scipy.constants`` for the electron and proton), in hepunits energy; SI constants come
from ``scipy.constants``. Everything else (``day``, ``year``, ``hbarc``, ...) is taken
from hepunits where it is used.

Examples
--------
>>> from hepunits import MeV
>>> from nuexp.constants import ELECTRON_MASS, IBD_THRESHOLD
>>> round(ELECTRON_MASS / MeV, 6), round(IBD_THRESHOLD / MeV, 4)
(0.510999, 1.8061)
"""

from __future__ import annotations

from hepunits import MeV
from particle import Particle
from scipy.constants import e as _elementary_charge
from scipy.constants import physical_constants

__all__ = ["ATOMIC_MASS_UNIT", "ELECTRON_MASS", "ELEMENTARY_CHARGE", "IBD_THRESHOLD",
           "NEUTRON_MASS", "PROTON_MASS"]

#: Unified atomic mass unit as an energy, u c² (CODATA via scipy), hepunits energy.
ATOMIC_MASS_UNIT: float = physical_constants["atomic mass constant energy equivalent in MeV"][0] * MeV

def _pdg_mass(pdgid: int) -> float:
    """Mass of a particle from the PDG table shipped with ``particle`` (hepunits energy)."""
    mass = Particle.from_pdgid(pdgid).mass
    if mass is None:                       # pragma: no cover - the PDG table has these
        raise LookupError(f"particle {pdgid} has no mass in the PDG table")
    return float(mass) * MeV


#: Electron mass (PDG, via ``particle``), hepunits energy.
ELECTRON_MASS: float = _pdg_mass(11)
#: Proton mass (PDG, via ``particle``), hepunits energy.
PROTON_MASS: float = _pdg_mass(2212)
#: Neutron mass (PDG, via ``particle``), hepunits energy.
NEUTRON_MASS: float = _pdg_mass(2112)
#: Inverse-beta-decay threshold on a proton at rest, ((m_n + m_e)² − m_p²)/(2 m_p)
#: ≈ 1.806 MeV, hepunits energy.
IBD_THRESHOLD: float = ((NEUTRON_MASS + ELECTRON_MASS) ** 2 - PROTON_MASS**2) / (2 * PROTON_MASS)
#: Elementary charge in coulomb (exact SI value); also joule per electronvolt.
ELEMENTARY_CHARGE: float = _elementary_charge
