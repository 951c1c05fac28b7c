"""Neutrino oscillation: PMNS, vacuum, matter (constant, layered, PREM), 3+1 sterile.

Public API (stable; other modules code against these names)::

    from hepunits import MeV, km
    from nuexp.oscillation import (OscillationParameters, pmns_matrix, probability,
                                   probability_matrix, reactor_survival,
                                   ConstantDensity, LayeredProfile, prem_profile, PremEarth)

    p = OscillationParameters.preset("nufit-5.2-no")
    pee = probability(p, "e", "e", E * MeV, 52.5 * km, antineutrino=True)
    P = probability_matrix(p, E * MeV, L * km, matter=ConstantDensity(2.45))  # [..., from, to]

Energies and baselines are hepunits quantities; Δm² in eV²; phases in radians.
"""

from .constants import MATTER_POTENTIAL_EV_PER_G_CM3, PHASE_EV2_KM_PER_GEV, PHASE_FACTOR
from .engine import (
                     FLAVOURS,
                     flavour_index,
                     hamiltonian,
                     probability,
                     probability_matrix,
                     reactor_survival,
)
from .masses import (
                     KATRIN_M_BETA_LIMIT_EV,
                     effective_mass_beta,
                     effective_mass_betabeta,
                     effective_mass_betabeta_band,
                     lightest_mass_bound,
                     neutrino_masses,
)
from .matter import (
                     EARTH_RADIUS,
                     ConstantDensity,
                     LayeredProfile,
                     PremEarth,
                     chord_length,
                     prem_density,
                     prem_profile,
)
from .parameters import PRESET_SOURCES, PRESETS, OscillationParameters
from .pmns import JARLSKOG_CKM, jarlskog_invariant, pmns_matrix

__all__ = [
    "OscillationParameters",
    "PRESETS",
    "PRESET_SOURCES",
    "pmns_matrix",
    "jarlskog_invariant",
    "JARLSKOG_CKM",
    "probability",
    "probability_matrix",
    "reactor_survival",
    "hamiltonian",
    "flavour_index",
    "FLAVOURS",
    "ConstantDensity",
    "LayeredProfile",
    "PremEarth",
    "prem_profile",
    "prem_density",
    "chord_length",
    "EARTH_RADIUS",
    "PHASE_FACTOR",
    "PHASE_EV2_KM_PER_GEV",
    "MATTER_POTENTIAL_EV_PER_G_CM3",
    "neutrino_masses",
    "effective_mass_beta",
    "effective_mass_betabeta",
    "effective_mass_betabeta_band",
    "lightest_mass_bound",
    "KATRIN_M_BETA_LIMIT_EV",
]
