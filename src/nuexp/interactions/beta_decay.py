"""Allowed β± decay: energy spectrum with the Fermi function, decay times, sampling.

The allowed spectrum (JSNS2 2025, Eq. 2) is

    dΓ/dE ∝ p E (E0 − E)² F(Z, E),

with ``E`` the *total* energy of the charged lepton (rest mass included), ``p`` its
momentum and ``E0`` the total-energy endpoint.

Fermi-function convention
-------------------------
We use the non-relativistic (point-nucleus) Fermi function of the paper,

    F(Z, E) = 2πη / (1 − exp(−2πη)),   η = ± Z α / β,

where ``Z`` is the charge number of the **daughter** nucleus, ``β = p/E`` and the sign is
**+ for an emitted electron** (attraction, F > 1) and **− for an emitted positron**
(repulsion, F < 1). For a positron this equals the paper's form
2π|η| / (exp(2π|η|) − 1) with |η| = Zα/β. For ¹²N_gs → ¹²C e⁺ νe the daughter is ¹²C,
so Z = 6 (``charge=+1``); for ¹²C(νe, e⁻)¹²N the outgoing electron sees ¹²N, Z = 7.

Constants: α and m_e from ``scipy.constants`` (CODATA); the ¹²N_gs endpoint
E0 = 16.83 MeV (total positron energy) and lifetime τ = 15.9 ms from JSNS2 2025, Sec. IV.

Examples
--------
>>> import numpy as np
>>> from nuexp.interactions.beta_decay import N12_DECAY
>>> e = np.linspace(N12_DECAY.energy_min, N12_DECAY.endpoint, 2001)
>>> round(float(np.trapezoid(N12_DECAY.pdf(e), e)), 4)
1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from hepunits import MeV, ms
from numpy.typing import ArrayLike
from scipy import integrate
from scipy.constants import alpha as FINE_STRUCTURE

from ..constants import ELECTRON_MASS
from ..exceptions import UnphysicalParameter
from ..validation import require_finite, require_non_negative, require_positive

__all__ = [
    "ELECTRON_MASS",
    "FINE_STRUCTURE",
    "fermi_function",
    "BetaDecay",
    "N12_DECAY",
    "decay_time_fraction",
]



def fermi_function(Z: int, energy: ArrayLike, charge: int) -> np.ndarray:
    """Non-relativistic Fermi function F(Z, E) = 2πη / (1 − e^{−2πη}).

    Parameters
    ----------
    Z : int
        Charge number of the daughter nucleus (≥ 0).
    energy : array_like
        Total energy of the lepton, rest mass included (hepunits energy, > m_e).
    charge : {-1, +1}
        Lepton charge: −1 for an electron (η = +Zα/β, attraction),
        +1 for a positron (η = −Zα/β, repulsion).

    Returns
    -------
    ndarray
        F(Z, E) (dimensionless). At E = m_e (β = 0) the limit is returned:
        ∞ is never produced; for a positron F → 0, for an electron F is evaluated at
        a tiny β and grows like 1/β (finite for any E > m_e).
    """
    if charge not in (-1, +1):
        raise UnphysicalParameter(f"charge must be -1 (electron) or +1 (positron); got {charge!r}")
    if Z < 0:
        raise UnphysicalParameter(f"Z (daughter charge number) must be >= 0; got {Z!r}")
    e = require_finite("lepton total energy", energy)
    if np.any(e < ELECTRON_MASS):
        raise UnphysicalParameter(
            f"lepton total energy must be >= m_e = {ELECTRON_MASS / MeV:.6f} MeV; "
            f"got min {np.min(e) / MeV!r} MeV"
        )
    p = np.sqrt(np.maximum(e**2 - ELECTRON_MASS**2, 0.0))
    beta = np.maximum(p / e, 1e-12)
    x = -charge * 2.0 * np.pi * Z * FINE_STRUCTURE / beta  # 2πη with the sign convention
    # x / (1 - exp(-x)) written stably for both signs: for x < 0 it is |x| / (exp(|x|) - 1).
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = np.where(np.abs(x) < 1e-12, 1.0, x / -np.expm1(-np.clip(x, -700, 700)))
    if Z == 0:
        out = np.ones_like(e)
    return np.where(np.isfinite(out), out, 0.0)


@dataclass(frozen=True)
class BetaDecay:
    """An allowed β± transition: spectrum, lifetime, sampling and visible energy.

    Parameters
    ----------
    daughter_Z : int
        Charge number of the daughter nucleus (6 for ¹²N → ¹²C).
    charge : {-1, +1}
        Charge of the emitted lepton: +1 for β+ (positron), −1 for β−.
    endpoint : float
        Maximum *total* lepton energy E0 (hepunits energy, > m_e).
    lifetime : float
        Mean life τ (hepunits time), not the half-life.
    name : str
        Label for messages and plots.
    """

    daughter_Z: int
    charge: int
    endpoint: float
    lifetime: float
    name: str = "beta decay"

    def __post_init__(self) -> None:
        if self.charge not in (-1, +1):
            raise UnphysicalParameter(f"{self.name}: charge must be -1 or +1; got {self.charge!r}")
        require_positive(f"{self.name}: lifetime", self.lifetime)
        if not self.endpoint > ELECTRON_MASS:
            raise UnphysicalParameter(
                f"{self.name}: endpoint (total energy) must be > m_e = "
                f"{ELECTRON_MASS / MeV:.6f} MeV; got {self.endpoint / MeV!r} MeV"
            )

    @property
    def energy_min(self) -> float:
        """Lowest total energy, m_e (hepunits energy)."""
        return ELECTRON_MASS

    @property
    def kinetic_endpoint(self) -> float:
        """Kinetic-energy endpoint E0 − m_e (16.32 MeV for ¹²N_gs; the paper's 16.3 MeV)."""
        return self.endpoint - ELECTRON_MASS

    def _shape(self, energy: np.ndarray) -> np.ndarray:
        inside = (energy > ELECTRON_MASS) & (energy < self.endpoint)
        e = np.where(inside, energy, 0.5 * (ELECTRON_MASS + self.endpoint))
        p = np.sqrt(e**2 - ELECTRON_MASS**2)
        shape = p * e * (self.endpoint - e) ** 2 * fermi_function(self.daughter_Z, e, self.charge)
        return np.where(inside, shape, 0.0)

    @cached_property
    def _norm(self) -> float:
        value, _ = integrate.quad(lambda x: float(self._shape(np.array(x))),
                                  ELECTRON_MASS, self.endpoint, limit=200, epsabs=0)
        return value

    def pdf(self, energy: ArrayLike) -> np.ndarray:
        """Probability density of the lepton total energy (1/energy), zero outside.

        Parameters
        ----------
        energy : array_like
            Total lepton energy (hepunits energy).
        """
        e = require_finite("lepton total energy", energy)
        return self._shape(e) / self._norm

    def kinetic_pdf(self, kinetic: ArrayLike) -> np.ndarray:
        """Probability density of the kinetic energy T = E − m_e (1/energy)."""
        t = require_finite("lepton kinetic energy", kinetic)
        return self.pdf(t + ELECTRON_MASS)

    @cached_property
    def _cdf_table(self) -> tuple[np.ndarray, np.ndarray]:
        grid = ELECTRON_MASS + (self.endpoint - ELECTRON_MASS) * np.linspace(0, 1, 4001) ** 1.0
        dens = self.pdf(grid)
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(grid))])
        return grid, cdf / cdf[-1]

    def cdf(self, energy: ArrayLike) -> np.ndarray:
        """Cumulative distribution of the total energy (tabulated, 4001 nodes)."""
        e = require_finite("lepton total energy", energy)
        grid, cdf = self._cdf_table
        return np.interp(e, grid, cdf, left=0.0, right=1.0)

    def mean_energy(self) -> float:
        """Mean total lepton energy (hepunits energy)."""
        value, _ = integrate.quad(lambda x: x * float(self.pdf(np.array(x))),
                                  ELECTRON_MASS, self.endpoint, limit=200)
        return value

    def visible_energy(self, energy: ArrayLike, annihilation: bool = True) -> np.ndarray:
        """Visible energy deposited by the lepton, without detector response.

        Kinetic energy T = E − m_e, plus 2 m_e from the two 511 keV annihilation photons
        for a positron when ``annihilation`` is true (both fully contained), so that
        E_vis = E + m_e for β+ (JSNS2 2025, Sec. IV, Fig. 1c).

        Parameters
        ----------
        energy : array_like
            Total lepton energy (hepunits energy).
        annihilation : bool
            Add the annihilation energy for a positron.
        """
        e = require_finite("lepton total energy", energy)
        vis = e - ELECTRON_MASS
        if self.charge == +1 and annihilation:
            vis = vis + 2.0 * ELECTRON_MASS
        return vis

    def visible_pdf(self, visible: ArrayLike, annihilation: bool = True) -> np.ndarray:
        """Probability density of :meth:`visible_energy` (1/energy)."""
        v = require_finite("visible energy", visible)
        shift = ELECTRON_MASS if (self.charge == +1 and annihilation) else -ELECTRON_MASS
        return self.pdf(v - shift)

    def visible_fraction(self, low: float, high: float, annihilation: bool = True) -> float:
        """Fraction of decays with visible energy in ``[low, high]`` (no resolution)."""
        if not high > low:
            raise UnphysicalParameter(f"visible-energy window: need high > low; got [{low}, {high}]")
        shift = ELECTRON_MASS if (self.charge == +1 and annihilation) else -ELECTRON_MASS
        lo, hi = self.cdf(np.array([low - shift, high - shift]))
        return float(hi - lo)

    def sample(self, size: int, rng: np.random.Generator | int | None) -> np.ndarray:
        """Draw total lepton energies by inverting the tabulated CDF.

        Parameters
        ----------
        size : int
            Number of draws (≥ 0).
        rng : numpy.random.Generator or int
            Generator, or a seed for a new one. ``None`` is refused (every random
            process in nuexp is seeded).
        """
        generator = _generator(rng)
        if size < 0:
            raise UnphysicalParameter(f"size must be >= 0; got {size}")
        grid, cdf = self._cdf_table
        return np.interp(generator.random(size), cdf, grid)

    def sample_decay_time(self, size: int, rng: np.random.Generator | int | None) -> np.ndarray:
        """Draw decay times from exp(−t/τ) (hepunits time)."""
        generator = _generator(rng)
        if size < 0:
            raise UnphysicalParameter(f"size must be >= 0; got {size}")
        return generator.exponential(self.lifetime, size)

    def time_fraction(self, t_min: float, t_max: float) -> float:
        """Fraction of decays between ``t_min`` and ``t_max`` (exact exponential integral)."""
        return decay_time_fraction(t_min, t_max, self.lifetime)


def decay_time_fraction(t_min: float, t_max: float, lifetime: float) -> float:
    """Exact ∫ exp(−t/τ)/τ dt over [t_min, t_max] = e^{−t_min/τ} − e^{−t_max/τ}.

    Parameters
    ----------
    t_min, t_max : float
        Window (hepunits time), 0 ≤ t_min < t_max.
    lifetime : float
        Mean life τ (hepunits time).
    """
    t_min = float(require_non_negative("t_min", t_min))
    t_max = float(require_non_negative("t_max", t_max))
    tau = float(require_positive("lifetime", lifetime))
    if not t_max > t_min:
        raise UnphysicalParameter(f"time window: need t_max > t_min; got [{t_min}, {t_max}]")
    return float(np.exp(-t_min / tau) - np.exp(-t_max / tau))


def _generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    if rng is None:
        raise UnphysicalParameter("rng: give a numpy Generator or an integer seed (never None)")
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(int(rng))


#: ¹²N_gs → ¹²C e⁺ νe: E0 = 16.83 MeV total positron energy, τ = 15.9 ms
#: (JSNS2 2025, Sec. IV, Eq. 2). Daughter ¹²C: Z = 6.
N12_DECAY = BetaDecay(daughter_Z=6, charge=+1, endpoint=16.83 * MeV, lifetime=15.9 * ms,
                      name="12N_gs beta+ decay")
