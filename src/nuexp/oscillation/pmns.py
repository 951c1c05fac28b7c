"""The PMNS matrix (3×3) and its 3+1 extension (4×4) in the standard parametrisation.

PDG convention (the talk, seed 004, "Neutrino Mixing & Oscillation" slide):
``U = R23 · U13(δ) · R12`` with ``U_e3 = s13 e^{-iδ}``, optionally times
``diag(e^{iα21/2}, e^{iα31/2}, 1)`` (Majorana phases, "The Status of Neutrino
Oscillation in 2006" slide).  3+1: ``U = R34 · R24(δ24) · R14(δ14) · R23 · R13(δ) · R12``,
flavours (e, μ, τ, s); a complex rotation R_ij(θ, δ) has ``s e^{-iδ}`` at (i, j) and
``-s e^{iδ}`` at (j, i).

Examples
--------
>>> import numpy as np
>>> from nuexp.oscillation import OscillationParameters, pmns_matrix
>>> U = pmns_matrix(OscillationParameters.preset("nufit-5.2-no"))
>>> U.shape
(3, 3)
>>> bool(np.allclose(U @ U.conj().T, np.eye(3), atol=1e-15))
True
"""

from __future__ import annotations

import math

import numpy as np

from .parameters import OscillationParameters

__all__ = ["pmns_matrix", "rotation", "jarlskog_invariant", "JARLSKOG_CKM"]

#: J_CKM from PDG 2024 (CKM review, "J = (3.12 +0.13 -0.12) × 10^-5"), quoted for
#: comparison in the talk (seed 004, J_PMNS/J_CKM slide: ≈ 3e-2 / 3e-5).
JARLSKOG_CKM: float = 3.12e-5


def rotation(n: int, i: int, j: int, sin2_theta: float, delta: float = 0.0) -> np.ndarray:
    """Complex rotation in the (i, j) plane of an n×n identity, PDG sign convention.

    Parameters
    ----------
    n : int
        Dimension.
    i, j : int
        Plane (0-based, i < j).
    sin2_theta : float
        sin²θ of the rotation angle.
    delta : float
        Phase in radians attached as ``s e^{-iδ}`` at (i, j).
    """
    s = math.sqrt(sin2_theta)
    c = math.sqrt(1.0 - sin2_theta)
    r = np.eye(n, dtype=complex)
    r[i, i] = c
    r[j, j] = c
    r[i, j] = s * complex(math.cos(delta), -math.sin(delta))
    r[j, i] = -s * complex(math.cos(delta), math.sin(delta))
    return r


def pmns_matrix(params: OscillationParameters, *, majorana: bool = False) -> np.ndarray:
    """The lepton mixing matrix U (flavour rows e, μ, τ[, s]; mass columns 1, 2, 3[, 4]).

    Parameters
    ----------
    params : OscillationParameters
        3ν or 3+1 parameter set.
    majorana : bool
        Multiply by ``diag(e^{iα21/2}, e^{iα31/2}, 1[, 1])`` on the right (irrelevant to
        oscillations; used for m_ββ).

    Returns
    -------
    numpy.ndarray
        Complex array of shape (3, 3) or (4, 4), unitary to machine precision.
    """
    n = params.n_flavours
    u = (rotation(n, 1, 2, params.sin2_theta23)
         @ rotation(n, 0, 2, params.sin2_theta13, params.delta_cp)
         @ rotation(n, 0, 1, params.sin2_theta12))
    if n == 4:
        u = (rotation(4, 2, 3, params.sin2_theta34)
             @ rotation(4, 1, 3, params.sin2_theta24, params.delta_24)
             @ rotation(4, 0, 3, params.sin2_theta14, params.delta_14)
             @ u)
    if majorana:
        phases = np.ones(n, dtype=complex)
        phases[0] = np.exp(0.5j * params.alpha_21)
        phases[1] = np.exp(0.5j * params.alpha_31)
        u = u * phases[None, :]
    return u


def jarlskog_invariant(params: OscillationParameters) -> float:
    """The Jarlskog invariant J = Im(U_e1 U_μ2 U*_e2 U*_μ1) of the active 3×3 block.

    For 3ν, J = s12 c12 s23 c23 s13 c13² sin δ ≈ 0.033 sin δ (the talk's J_PMNS ≈
    3×10⁻² sin δ, seed 004, after Nunokawa et al., arXiv:0710.0554).

    Examples
    --------
    >>> from nuexp.oscillation import OscillationParameters, jarlskog_invariant
    >>> p = OscillationParameters.preset("nufit-5.2-no").replace(delta_cp_deg=90)
    >>> round(jarlskog_invariant(p), 3)
    0.033
    """
    u = pmns_matrix(params)
    return float(np.imag(u[0, 0] * u[1, 1] * np.conj(u[0, 1]) * np.conj(u[1, 0])))
