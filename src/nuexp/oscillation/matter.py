"""Matter along the neutrino path: constant density, layered profiles, PREM Earth chords.

Conventions (issue 10): electron density N_e = ρ · Y_e · N_A per cm³ (nucleon mass 1 u),
charged-current potential V_CC = √2 G_F N_e on ν_e; neutral-current potential
V_NC = −G_F N_n/√2 with N_n = ρ (1 − Y_e) N_A on every active flavour, which is a common
phase for 3ν and appears as +G_F N_n/√2 on the sterile state for 3+1.  Antineutrinos
feel −V.

Examples
--------
>>> from hepunits import km
>>> from nuexp.oscillation import ConstantDensity, LayeredProfile, prem_profile
>>> crust = ConstantDensity(2.8)               # g/cm³, Y_e = 0.5
>>> round(crust.potential_ev * 1e13, 3)        # V_CC in units of 1e-13 eV
1.069
>>> two = LayeredProfile([(100 * km, 2.8, 0.5), (50 * km, 3.3, 0.49)])
>>> round(two.total_length / km, 6)
150.0
>>> chord = prem_profile(12000 * km)           # crosses the outer core
>>> bool(chord.total_length / km > 11999.999)
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from hepunits import km

from ..exceptions import UnphysicalParameter
from ..validation import require_in_range, require_non_negative, require_positive
from .constants import MATTER_POTENTIAL_EV_PER_G_CM3

__all__ = [
    "ConstantDensity",
    "LayeredProfile",
    "PremEarth",
    "prem_profile",
    "prem_density",
    "EARTH_RADIUS",
    "chord_length",
    "baseline_from_cos_zenith",
]

#: Mean Earth radius used by PREM (Dziewonski & Anderson 1981), hepunits length.
EARTH_RADIUS: float = 6371.0 * km


@dataclass(frozen=True)
class ConstantDensity:
    """Matter of constant density along the whole baseline.

    Parameters
    ----------
    density_g_cm3 : float
        Mass density in g/cm³ (≥ 0).
    ye : float
        Electron fraction Y_e in [0, 1] (default 0.5).
    """

    density_g_cm3: float
    ye: float = 0.5

    def __post_init__(self) -> None:
        require_non_negative("density_g_cm3", self.density_g_cm3)
        require_in_range("ye", self.ye, 0.0, 1.0)
        object.__setattr__(self, "density_g_cm3", float(self.density_g_cm3))
        object.__setattr__(self, "ye", float(self.ye))

    @property
    def potential_ev(self) -> float:
        """V_CC = √2 G_F N_e in eV (neutrinos)."""
        return MATTER_POTENTIAL_EV_PER_G_CM3 * self.density_g_cm3 * self.ye

    @property
    def nc_potential_ev(self) -> float:
        """V_NC = −G_F N_n/√2 in eV (neutrinos), N_n = ρ (1 − Y_e) N_A."""
        return -0.5 * MATTER_POTENTIAL_EV_PER_G_CM3 * self.density_g_cm3 * (1.0 - self.ye)


@dataclass(frozen=True)
class LayeredProfile:
    """Piecewise-constant matter: layers crossed in order, source first.

    Parameters
    ----------
    layers : sequence of (length, density_g_cm3, ye)
        Length in hepunits (e.g. ``100 * km``), density in g/cm³, Y_e in [0, 1].
    """

    layers: tuple[tuple[float, float, float], ...]

    def __init__(self, layers: Iterable[Sequence[float]]) -> None:
        rows = [tuple(layer) for layer in layers]
        if not rows:
            raise UnphysicalParameter("layers must contain at least one layer")
        for k, layer in enumerate(rows):
            if len(layer) != 3:
                raise UnphysicalParameter(
                    f"layer {k} must be (length, density_g_cm3, ye); got {layer!r}")
        arr = np.asarray(rows, dtype=float)
        good = (np.all(np.isfinite(arr), axis=1) & (arr[:, 0] > 0) & (arr[:, 1] >= 0)
                & (arr[:, 2] >= 0) & (arr[:, 2] <= 1))
        if not np.all(good):  # name the first bad layer and field
            k = int(np.flatnonzero(~good)[0])
            length, rho, ye = arr[k]
            require_positive(f"layers[{k}].length", length)
            require_non_negative(f"layers[{k}].density_g_cm3", rho)
            require_in_range(f"layers[{k}].ye", ye, 0.0, 1.0)
        object.__setattr__(self, "layers", tuple(map(tuple, arr.tolist())))

    @property
    def total_length(self) -> float:
        """Sum of the layer lengths (hepunits length)."""
        return float(sum(layer[0] for layer in self.layers))

    @property
    def lengths(self) -> np.ndarray:
        """Layer lengths, hepunits."""
        return np.array([layer[0] for layer in self.layers])

    @property
    def potentials_ev(self) -> np.ndarray:
        """V_CC of each layer in eV."""
        return np.array([MATTER_POTENTIAL_EV_PER_G_CM3 * r * y for _, r, y in self.layers])

    @property
    def nc_potentials_ev(self) -> np.ndarray:
        """V_NC of each layer in eV (negative for neutrinos)."""
        return np.array([-0.5 * MATTER_POTENTIAL_EV_PER_G_CM3 * r * (1.0 - y)
                         for _, r, y in self.layers])


# --- PREM -----------------------------------------------------------------------------------
# Preliminary Reference Earth Model, A. M. Dziewonski and D. L. Anderson, Phys. Earth Planet.
# Inter. 25 (1981) 297, Table 1: ρ(x) = a0 + a1 x + a2 x² + a3 x³ in g/cm³, x = r / 6371 km.
# (outer radius of the shell in km, a0, a1, a2, a3)
_PREM_SHELLS: tuple[tuple[float, float, float, float, float], ...] = (
    (1221.5, 13.0885, 0.0, -8.8381, 0.0),          # inner core
    (3480.0, 12.5815, -1.2638, -3.6426, -5.5281),  # outer core
    (5701.0, 7.9565, -6.4761, 5.5283, -3.0807),    # lower mantle
    (5771.0, 5.3197, -1.4836, 0.0, 0.0),           # transition zone
    (5971.0, 11.2494, -8.0298, 0.0, 0.0),
    (6151.0, 7.1089, -3.8045, 0.0, 0.0),
    (6346.6, 2.6910, 0.6924, 0.0, 0.0),            # LVZ + LID
    (6356.0, 2.900, 0.0, 0.0, 0.0),                # lower crust
    (6368.0, 2.600, 0.0, 0.0, 0.0),                # upper crust
    (6371.0, 1.020, 0.0, 0.0, 0.0),                # ocean
)
_PREM_OUTER = np.array([row[0] for row in _PREM_SHELLS])
_PREM_COEF = np.array([row[1:] for row in _PREM_SHELLS])
_CORE_RADIUS_KM = 3480.0
#: Default electron fractions: core 0.4656, mantle/crust 0.4957 (the values commonly used
#: with PREM in atmospheric-neutrino codes, e.g. OscProb's PremModel and Prob3++).
YE_CORE: float = 0.4656
YE_MANTLE: float = 0.4957


def prem_density(radius: np.ndarray | float) -> np.ndarray:
    """PREM mass density in g/cm³ at radius ``radius`` (hepunits length, 0 ≤ r ≤ R⊕)."""
    r = require_in_range("radius", radius, 0.0, EARTH_RADIUS * (1 + 1e-12)) / km
    x = r / 6371.0
    # shell k holds r in (outer_{k-1}, outer_k]; r = 0 belongs to the inner core
    k = np.minimum(np.searchsorted(_PREM_OUTER, r, side="left"), len(_PREM_SHELLS) - 1)
    c = _PREM_COEF[k]
    return c[..., 0] + x * (c[..., 1] + x * (c[..., 2] + x * c[..., 3]))


def chord_length(cos_zenith: np.ndarray | float) -> np.ndarray:
    """Baseline through the Earth for an upgoing direction (cos θz < 0), hepunits length.

    L = −2 R⊕ cos θz for a detector at the surface; 0 for cos θz ≥ 0 (no Earth crossed)."""
    c = require_in_range("cos_zenith", cos_zenith, -1.0, 1.0)
    return np.where(c < 0, -2.0 * EARTH_RADIUS * c, 0.0)


def baseline_from_cos_zenith(cos_zenith: np.ndarray | float) -> np.ndarray:
    """Alias of :func:`chord_length`."""
    return chord_length(cos_zenith)


_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)


def prem_profile(baseline: float, *, max_layer: float = 200.0 * km,
                 ye_core: float = YE_CORE, ye_mantle: float = YE_MANTLE) -> LayeredProfile:
    """Layered profile along the straight chord of length ``baseline`` through PREM.

    The chord joins two points on the surface; it is cut at every PREM shell boundary and
    each piece into sub-layers of at most ``max_layer``, each with the path-averaged PREM
    density (8-point Gauss–Legendre along the chord).

    Parameters
    ----------
    baseline : float
        Chord length (hepunits), 0 < L ≤ 2 R⊕.
    max_layer : float
        Longest sub-layer (hepunits), default 200 km.
    ye_core, ye_mantle : float
        Electron fractions inside and outside r = 3480 km.

    Returns
    -------
    LayeredProfile
        Symmetric about the chord midpoint; lengths sum to ``baseline``.
    """
    L = float(require_in_range("baseline", baseline, 0.0, 2.0 * EARTH_RADIUS))
    if L <= 0:
        raise UnphysicalParameter(f"baseline must be > 0 for a PREM chord; got {baseline!r}")
    require_positive("max_layer", max_layer)
    require_in_range("ye_core", ye_core, 0.0, 1.0)
    require_in_range("ye_mantle", ye_mantle, 0.0, 1.0)
    R = EARTH_RADIUS
    half = 0.5 * L
    b2 = max(R * R - half * half, 0.0)  # squared impact parameter
    # distance from the midpoint at which the chord crosses each shell boundary
    edges = [0.0]
    for outer, *_ in _PREM_SHELLS[:-1]:
        r_edge = outer * km
        if r_edge * r_edge > b2:
            edges.append(np.sqrt(r_edge * r_edge - b2))
    edges.append(half)
    edges = np.unique(np.clip(edges, 0.0, half))
    # refine into sub-layers, from the midpoint outwards (vectorised over all pieces)
    a_list, b_list = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        n = max(1, int(np.ceil((b - a) / max_layer - 1e-12)))
        grid = np.linspace(a, b, n + 1)
        a_list.append(grid[:-1])
        b_list.append(grid[1:])
    a_arr = np.concatenate(a_list)
    b_arr = np.concatenate(b_list)
    s = 0.5 * (b_arr - a_arr)[:, None] * _GL_X[None, :] + 0.5 * (a_arr + b_arr)[:, None]
    r = np.minimum(np.sqrt(b2 + s * s), R)
    rho = (prem_density(r) @ _GL_W) / 2.0
    r_mid = np.sqrt(b2 + (0.5 * (a_arr + b_arr)) ** 2)
    ye = np.where(r_mid < _CORE_RADIUS_KM * km, ye_core, ye_mantle)
    half_layers = list(zip((b_arr - a_arr).tolist(), rho.tolist(), ye.tolist()))
    # source side (outer → midpoint) then detector side (midpoint → outer)
    layers = list(reversed(half_layers)) + half_layers
    return LayeredProfile(layers)


@dataclass(frozen=True)
class PremEarth:
    """Matter argument meaning "the PREM chord for each baseline" (atmospheric geometry).

    Each distinct baseline gets :func:`prem_profile` (baselines up to 2 R⊕).
    """

    max_layer: float = 200.0 * km
    ye_core: float = YE_CORE
    ye_mantle: float = YE_MANTLE

    def profile(self, baseline: float) -> LayeredProfile:
        """The chord profile for one baseline (memoised: an oscillogram recomputed for other
        parameters crosses the same chords)."""
        return _prem_chord(float(baseline), float(self.max_layer), float(self.ye_core),
                           float(self.ye_mantle))


@lru_cache(maxsize=4096)
def _prem_chord(baseline: float, max_layer: float, ye_core: float,
                ye_mantle: float) -> LayeredProfile:
    """:func:`prem_profile`, cached by value (profiles are immutable)."""
    return prem_profile(baseline, max_layer=max_layer, ye_core=ye_core, ye_mantle=ye_mantle)
