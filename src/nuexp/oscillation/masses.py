"""Absolute-mass observables of the talk: m_β (β decay, KATRIN) and m_ββ (0νββ).

Seed 004, KATRIN slide: ``m_β = √(Σ_i |U_ei|² m_i²)`` with the KATRIN bound
m_ν < 0.45 eV at 90 % CL (Lokhov–Tkachov construction; Feldman–Cousins 0.31 eV).
m_ββ = |Σ_i U_ei² m_i| with the Majorana phases of the PMNS matrix ("Status of neutrino
oscillation in 2006" slide); over unknown phases it fills a band whose edges are exact
(triangle inequality for three complex terms).

Examples
--------
>>> from nuexp.oscillation import OscillationParameters
>>> from nuexp.oscillation.masses import effective_mass_beta, lightest_mass_bound
>>> no = OscillationParameters.preset("nufit-5.2-no")
>>> round(float(effective_mass_beta(no, 0.0)), 4)          # eV, m1 = 0
0.0088
>>> round(lightest_mass_bound(no, 0.45), 4)                 # eV, from KATRIN's 0.45 eV
0.4499
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..exceptions import UnphysicalParameter
from ..validation import require_non_negative, require_positive
from .parameters import OscillationParameters
from .pmns import pmns_matrix

__all__ = [
    "KATRIN_M_BETA_LIMIT_EV",
    "KATRIN_M_BETA_LIMIT_FC_EV",
    "neutrino_masses",
    "effective_mass_beta",
    "lightest_mass_bound",
    "effective_mass_betabeta",
    "effective_mass_betabeta_band",
]

#: KATRIN (Neutrino 2024, seed 004): m_ν < 0.45 eV at 90 % CL (Lokhov–Tkachov).
KATRIN_M_BETA_LIMIT_EV: float = 0.45
#: Same data with the Feldman–Cousins construction: m_ν < 0.31 eV at 90 % CL (seed 004).
KATRIN_M_BETA_LIMIT_FC_EV: float = 0.31


def neutrino_masses(params: OscillationParameters, lightest_ev: ArrayLike) -> np.ndarray:
    """(m1, m2, m3) in eV for a lightest mass (m1 in NO, m3 in IO), shape (..., 3).

    The ordering follows the sign of ``params.dm2_31``.
    """
    m0 = require_non_negative("lightest_ev", lightest_ev)
    m02 = m0**2
    if params.dm2_31 > 0:
        m2s = np.stack([m02, m02 + params.dm2_21, m02 + params.dm2_31], axis=-1)
    else:
        m1s = m02 - params.dm2_31  # Δm²31 < 0
        m2s = np.stack([m1s, m1s + params.dm2_21, m02], axis=-1)
    return np.sqrt(m2s)


def effective_mass_beta(params: OscillationParameters, lightest_ev: ArrayLike) -> np.ndarray:
    """m_β = √(Σ |U_ei|² m_i²) in eV (seed 004, KATRIN slide)."""
    ue2 = np.abs(pmns_matrix(params)[0, :3]) ** 2
    m = neutrino_masses(params, lightest_ev)
    return np.sqrt(np.sum(ue2 * m**2, axis=-1))


def lightest_mass_bound(params: OscillationParameters,
                        m_beta_limit_ev: float = KATRIN_M_BETA_LIMIT_EV) -> float:
    """Largest lightest mass (eV) allowed by m_β < ``m_beta_limit_ev``, for the ordering of
    ``params`` (m_β² is linear in m_lightest², so this is closed form).

    Raises
    ------
    UnphysicalParameter
        If the limit is below the minimum m_β of that ordering (lightest mass = 0).
    """
    limit = float(require_positive("m_beta_limit_ev", m_beta_limit_ev))
    floor = float(effective_mass_beta(params, 0.0))
    if limit < floor:
        raise UnphysicalParameter(
            f"m_beta_limit_ev = {limit!r} eV is below the minimum m_beta = {floor:.4g} eV of "
            f"the {params.ordering} ordering; allowed: >= {floor:.4g} eV")
    # m_β² = m0² + floor² (Σ|U_ei|² = 1 for 3ν)
    ue2 = np.abs(pmns_matrix(params)[0, :3]) ** 2
    return float(np.sqrt((limit**2 - floor**2) / np.sum(ue2)))


def effective_mass_betabeta(params: OscillationParameters, lightest_ev: ArrayLike) -> np.ndarray:
    """m_ββ = |Σ U_ei² m_i| in eV with the Majorana phases of ``params`` (alpha_21, alpha_31)."""
    ue = pmns_matrix(params, majorana=True)[0, :3]
    m = neutrino_masses(params, lightest_ev)
    return np.abs(np.sum(ue**2 * m, axis=-1))


def effective_mass_betabeta_band(params: OscillationParameters,
                                 lightest_ev: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(min, max) of m_ββ over all Majorana and Dirac phases, in eV.

    With a_i = |U_ei|² m_i: max = Σ a_i; min = max(0, 2 max_i a_i − Σ a_i).
    """
    ue2 = np.abs(pmns_matrix(params)[0, :3]) ** 2
    a = ue2 * neutrino_masses(params, lightest_ev)
    total = np.sum(a, axis=-1)
    return np.maximum(0.0, 2.0 * np.max(a, axis=-1) - total), total
