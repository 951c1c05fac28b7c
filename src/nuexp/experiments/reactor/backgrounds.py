"""Spectral shapes of the reactor-experiment backgrounds (prompt energy, after selection).

Simple analytic forms, documented per component; not any collaboration's simulated shapes.
A TOML may instead tabulate a shape (``shape_nodes_mev``, ``shape_values``).
"""

from __future__ import annotations

import numpy as np
from hepunits import MeV

from ...constants import ELECTRON_MASS, IBD_THRESHOLD, NEUTRON_MASS, PROTON_MASS
from ...interactions import ibd

__all__ = ["BACKGROUND_SHAPES"]


def _shape_accidentals(e: np.ndarray) -> np.ndarray:
    # radioactivity-dominated prompt singles: falling exponential, slope 0.5 MeV
    return np.where(e >= 0.7, np.exp(-(e - 0.7) / 0.5), 0.0)


def _beta_shape(t: np.ndarray, q: float) -> np.ndarray:
    # allowed β spectrum without Fermi function: p E (Q − T)², T kinetic energy
    me = ibd.ELECTRON_MASS / MeV
    E = t + me
    p = np.sqrt(np.clip(E**2 - me**2, 0, None))
    return np.where((t > 0) & (t < q), p * E * (q - t) ** 2, 0.0)


def _shape_li9he8(e: np.ndarray) -> np.ndarray:
    # β-n emitters 9Li (Q = 13.6 MeV) / 8He (10.7 MeV) decaying to n-unbound states:
    # an allowed β spectrum with an effective endpoint of 11 MeV
    return _beta_shape(e, 11.0)


def _shape_geo(e: np.ndarray) -> np.ndarray:
    # U-chain (E_ν < 3.27 MeV) and Th-chain (< 2.25 MeV) ν̄e × IBD, prompt = E_ν − Δ + m_e:
    # β-like shapes, Th/U event ratio 0.29 (the chondritic Th/U = 3.9 mass ratio)
    delta, me = (NEUTRON_MASS - PROTON_MASS) / MeV, ELECTRON_MASS / MeV
    enu = e + delta - me
    sig = np.clip((enu - delta) ** 2 - me**2, 0, None) ** 0.5 * (enu - delta)
    u = np.where(enu < 3.27, sig * (3.27 - enu) ** 2, 0.0)
    th = np.where(enu < 2.25, sig * (2.25 - enu) ** 2, 0.0)
    u = u / max(u.sum(), 1e-300)
    th = th / max(th.sum(), 1e-300)
    return np.where(enu > IBD_THRESHOLD / MeV, u + 0.29 * th, 0.0)


def _shape_flat(e: np.ndarray) -> np.ndarray:
    return np.ones_like(e)


def _shape_alpha_n(e: np.ndarray) -> np.ndarray:
    # 13C(α,n)16O: quenched proton recoils below ~3 MeV (75 %) and the 6.05/6.13 MeV
    # de-excitation of 16O (25 %)
    low = np.where(e < 4.0, np.exp(-(e - 0.7) / 1.0), 0.0)
    low = low / max(low.sum(), 1e-300)
    peak = np.exp(-0.5 * ((e - 6.1) / 0.2) ** 2)
    peak = peak / max(peak.sum(), 1e-300)
    return 0.75 * low + 0.25 * peak


#: Analytic prompt-energy shapes (E in MeV) of the background components, dN/dE up to a
#: constant. ``world_reactors`` (None) is the experiment's own unoscillated reactor shape.
BACKGROUND_SHAPES = {
    "accidentals": _shape_accidentals,
    "li9he8": _shape_li9he8,
    "geoneutrinos": _shape_geo,
    "fast_neutrons": _shape_flat,
    "atmospheric": _shape_flat,
    "alpha_n": _shape_alpha_n,
    "flat": _shape_flat,
    "world_reactors": None,
}
