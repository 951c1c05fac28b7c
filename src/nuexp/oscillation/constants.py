"""Physical constants of the oscillation engine, derived from hepunits/scipy (CODATA).

The oscillation phase is ``Δm² L / (4 E ħc)``.  In the customary mixed units
(Δm² in eV², L in km, E in GeV) that is ``Δm² L / E × 1.26693268...``; the numbers here
are computed from ħc, never typed in (the rounded 1.267 moves P_ee at JUNO by ~1e-2).
"""

from __future__ import annotations

import math

from hepunits import GeV, eV, km
from hepunits.constants import Avogadro, hbarc
from scipy.constants import physical_constants

__all__ = [
    "PHASE_EV2_KM_PER_GEV",
    "PHASE_FACTOR",
    "MATTER_POTENTIAL_EV_PER_G_CM3",
    "FERMI_CONSTANT_GEV2",
]

#: Δm²L/(4E) per (eV² · km / GeV), from the exact ħc: 1.26693268...
PHASE_EV2_KM_PER_GEV: float = (eV**2 * km / GeV) / (4.0 * hbarc)

#: Phase Δm²L/(4E) = PHASE_FACTOR × Δm²[eV²] × L[hepunits length] / E[hepunits energy].
PHASE_FACTOR: float = eV**2 / (4.0 * hbarc)

#: Fermi coupling constant G_F/(ħc)³ in GeV⁻² (CODATA, via scipy: 1.1663787e-5).
FERMI_CONSTANT_GEV2: float = physical_constants["Fermi coupling constant"][0]

# V = √2 G_F N_e with N_e = ρ Y_e N_A per cm³ (nucleon mass = 1 u, the convention).
# (ħc)³ in GeV³ cm³: ħc [MeV mm] → GeV cm.
_HBARC_GEV_CM = hbarc / (GeV * 10.0)  # hepunits: cm = 10 mm
#: Charged-current potential in eV for ρ = 1 g/cm³ and Y_e = 1 (≈ 7.63e-14 eV).
MATTER_POTENTIAL_EV_PER_G_CM3: float = (
    math.sqrt(2.0) * FERMI_CONSTANT_GEV2 * _HBARC_GEV_CM**3 * Avogadro * 1e9
)
