"""¹²C(νe, e⁻)¹²N_gs: cross section, μDAR flux average, prompt-electron energy.

Kinematics
----------
With atomic masses, Q = M(¹²N) − M(¹²C) = 17.338 MeV (NIST masses from
``periodictable``, as in :mod:`nuexp.targets.isotopes`; the JSNS2 paper quotes 17.3 MeV, Sec. IV). The nuclear
mass difference is Δ = Q − m_e = 16.827 MeV, which is also the total-energy endpoint of
the ¹²N_gs β+ decay (the paper's E_max = 16.83 MeV). Neglecting the ¹²N recoil
(< 0.12 MeV below 53 MeV), the prompt electron has total energy E_e = Eν − Δ and kinetic
energy T_e = Eν − Q; the threshold is Eν = Q.

Cross-section model ("allowed-ft")
----------------------------------
The 0⁺ → 1⁺ transition ¹²C_gs → ¹²N_gs is the inverse of the measured allowed
Gamow–Teller decay ¹²N_gs → ¹²C_gs. In the allowed approximation (zero momentum
transfer, the q² → 0 limit of the elementary-particle treatment of Fukugita, Kohyama &
Kubodera, Phys. Lett. B 212 (1988) 139, which normalises its form factors to the same
decay), the cross section follows from the decay's ft value without any nuclear model:

    σ(Eν) = (2J_f + 1)/(2J_i + 1) · 2π² ln2 ħ / (ft m_e⁵) · p_e E_e F(7, E_e) · (ħc)²,

with (2J_f+1)/(2J_i+1) = 3 (¹²N 1⁺ vs ¹²C 0⁺), F the Fermi function for an electron in
the field of ¹²N (Z = 7; :func:`nuexp.interactions.beta_decay.fermi_function`) and
log ft = 4.120 for ¹²N_gs → ¹²C_gs (Ajzenberg-Selove, Nucl. Phys. A 506 (1990) 1,
Table 12.x of the A = 12 evaluation). This reproduces the μDAR flux average of the
KARMEN/LSND measurements to a few per cent; it neglects the q²-dependence of the nuclear
form factors (which lowers σ at high Eν) and weak magnetism (which raises it for ν).

Measurements (JSNS2 2025, Sec. VIII.2): KARMEN (9.3 ± 0.9)×10⁻⁴² cm² [Maschuw et al.,
Prog. Part. Nucl. Phys. 40 (1998) 183], LSND (8.9 ± 0.9)×10⁻⁴² cm² [Auerbach et al.,
Phys. Rev. C 64 (2001) 065501]; weighted average quoted as (9.1 ± 0.7)×10⁻⁴² cm².

Examples
--------
>>> from hepunits import cm2, MeV
>>> from nuexp.interactions.carbon12 import flux_averaged_cross_section
>>> 0.8 < flux_averaged_cross_section() / (1e-41 * cm2) < 1.0
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import periodictable
from hepunits import MeV, cm2
from hepunits import s as second
from hepunits.constants import hbar, hbarc
from numpy.typing import ArrayLike
from scipy import integrate

from ..constants import ATOMIC_MASS_UNIT, ELECTRON_MASS
from ..exceptions import UnknownName, UnphysicalParameter
from ..sources.decay_at_rest import MICHEL_ENDPOINT, nue_spectrum
from ..validation import require_finite, require_positive
from .beta_decay import fermi_function

__all__ = [
    "Q_VALUE",
    "NUCLEAR_MASS_DIFFERENCE",
    "THRESHOLD",
    "LOG_FT_N12_GS",
    "MEASURED_CROSS_SECTIONS",
    "Measurement",
    "weighted_average",
    "prompt_electron_total_energy",
    "prompt_electron_kinetic_energy",
    "cross_section",
    "flux_averaged_cross_section",
    "InteractingSpectrum",
]

#: Q = M_atom(¹²N) − M_atom(¹²C) (NIST via periodictable), hepunits energy (≈ 17.338 MeV).
Q_VALUE: float = (periodictable.N[12].mass - periodictable.C[12].mass) * ATOMIC_MASS_UNIT
#: Nuclear mass difference Q − m_e (≈ 16.827 MeV) = ¹²N_gs β+ total-energy endpoint.
NUCLEAR_MASS_DIFFERENCE: float = Q_VALUE - ELECTRON_MASS
#: Reaction threshold in Eν (recoil neglected): E_e = m_e at Eν = Q.
THRESHOLD: float = Q_VALUE
#: log10(ft / s) of ¹²N_gs → ¹²C_gs (Ajzenberg-Selove, Nucl. Phys. A 506 (1990) 1).
LOG_FT_N12_GS: float = 4.120
#: Spin factor (2J_f + 1)/(2J_i + 1) for ¹²C(0⁺) → ¹²N(1⁺).
SPIN_FACTOR: float = 3.0


@dataclass(frozen=True)
class Measurement:
    """A measured flux-averaged cross section (hepunits area)."""

    experiment: str
    value: float
    uncertainty: float
    reference: str


#: μDAR flux-averaged σ(¹²C(νe,e⁻)¹²N_gs), as quoted in JSNS2 2025, Sec. VIII.2.
MEASURED_CROSS_SECTIONS: tuple[Measurement, ...] = (
    Measurement("KARMEN", 9.3e-42 * cm2, 0.9e-42 * cm2,
                "Maschuw et al., Prog. Part. Nucl. Phys. 40 (1998) 183"),
    Measurement("LSND", 8.9e-42 * cm2, 0.9e-42 * cm2,
                "Auerbach et al., Phys. Rev. C 64 (2001) 065501"),
)


def weighted_average(values: ArrayLike, uncertainties: ArrayLike) -> tuple[float, float]:
    """Inverse-variance weighted mean and its uncertainty (uncorrelated inputs).

    Parameters
    ----------
    values, uncertainties : array_like
        Same shape; uncertainties > 0.

    Returns
    -------
    mean, uncertainty : float
    """
    x = require_finite("values", values)
    s = require_positive("uncertainties", uncertainties)
    if x.shape != s.shape or x.size == 0:
        raise UnphysicalParameter(
            f"values and uncertainties must be non-empty and of equal shape; got {x.shape}, {s.shape}"
        )
    w = 1.0 / s**2
    return float(np.sum(w * x) / np.sum(w)), float(1.0 / np.sqrt(np.sum(w)))


def prompt_electron_total_energy(neutrino_energy: ArrayLike) -> np.ndarray:
    """Total energy of the prompt e⁻, E_e = Eν − (Q − m_e) (recoil neglected).

    Raises for Eν below threshold (no silent clipping).
    """
    e = require_finite("neutrino energy", neutrino_energy)
    if np.any(e < THRESHOLD):
        raise UnphysicalParameter(
            f"neutrino energy must be >= threshold {THRESHOLD / MeV:.3f} MeV; "
            f"got min {np.min(e) / MeV!r} MeV"
        )
    return e - NUCLEAR_MASS_DIFFERENCE


def prompt_electron_kinetic_energy(neutrino_energy: ArrayLike) -> np.ndarray:
    """Kinetic energy of the prompt e⁻, T_e = Eν − Q (recoil neglected)."""
    return prompt_electron_total_energy(neutrino_energy) - ELECTRON_MASS


def _allowed_ft(energy: np.ndarray, log_ft: float) -> np.ndarray:
    above = energy > THRESHOLD
    ee = np.where(above, energy - NUCLEAR_MASS_DIFFERENCE, 2 * ELECTRON_MASS)
    pe = np.sqrt(ee**2 - ELECTRON_MASS**2)
    ft = 10.0**log_ft * second
    prefactor = SPIN_FACTOR * 2.0 * np.pi**2 * np.log(2.0) * hbar / (ft * ELECTRON_MASS**5)
    sigma = prefactor * pe * ee * fermi_function(7, ee, charge=-1) * hbarc**2
    return np.where(above, sigma, 0.0)


_MODELS = {"allowed-ft": _allowed_ft}


def cross_section(neutrino_energy: ArrayLike, model: str = "allowed-ft",
                  log_ft: float = LOG_FT_N12_GS) -> np.ndarray:
    """σ(¹²C(νe, e⁻)¹²N_gs) as a function of Eν (hepunits area); zero below threshold.

    Parameters
    ----------
    neutrino_energy : array_like
        Eν (hepunits energy, ≥ 0).
    model : {"allowed-ft"}
        Allowed Gamow–Teller approximation normalised to the ¹²N_gs ft value (module
        docstring).
    log_ft : float
        log10(ft/s) of ¹²N_gs → ¹²C_gs.

    Returns
    -------
    ndarray
        Cross section (hepunits area; divide by ``hepunits.cm2`` for cm²).
    """
    e = require_finite("neutrino energy", neutrino_energy)
    if np.any(e < 0):
        raise UnphysicalParameter(f"neutrino energy must be >= 0; got min {np.min(e)!r}")
    if model not in _MODELS:
        raise UnknownName(f"cross-section model {model!r}: known models are {sorted(_MODELS)}")
    require_positive("log_ft", log_ft)
    return _MODELS[model](e, float(log_ft))


def flux_averaged_cross_section(spectrum: Callable[[np.ndarray], np.ndarray] = nue_spectrum,
                                e_max: float = MICHEL_ENDPOINT, model: str = "allowed-ft",
                                log_ft: float = LOG_FT_N12_GS) -> float:
    """⟨σ⟩ = ∫ φ(E) σ(E) dE / ∫ φ(E) dE over [0, e_max] (hepunits area).

    Parameters
    ----------
    spectrum : callable
        Neutrino energy density φ(E) (any normalisation); default the μ+DAR νe spectrum
        (JSNS2 2025, Eq. 1).
    e_max : float
        Upper end of the spectrum (default mμ/2).
    """
    require_positive("e_max", e_max)
    norm, _ = integrate.quad(lambda x: float(spectrum(np.array(x))), 0.0, e_max, limit=200)
    if not norm > 0:
        raise UnphysicalParameter("spectrum integrates to zero or less on [0, e_max]")
    if e_max <= THRESHOLD:
        return 0.0
    num, _ = integrate.quad(
        lambda x: float(spectrum(np.array(x)) * cross_section(np.array(x), model, log_ft)),
        THRESHOLD, e_max, limit=200)
    return num / norm


@dataclass(frozen=True)
class InteractingSpectrum:
    """Energy distribution of the neutrinos that interact, φ(Eν)σ(Eν), and of the
    prompt electron; tabulated for fast pdfs and sampling.

    Parameters
    ----------
    spectrum : callable
        Neutrino energy density (default μ+DAR νe).
    e_max : float
        End of the neutrino spectrum (default mμ/2).
    model, log_ft
        As for :func:`cross_section`.
    nodes : int
        Number of tabulation nodes between threshold and ``e_max``.
    """

    spectrum: Callable[[np.ndarray], np.ndarray] = nue_spectrum
    e_max: float = MICHEL_ENDPOINT
    model: str = "allowed-ft"
    log_ft: float = LOG_FT_N12_GS
    nodes: int = 4001

    @cached_property
    def _table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.e_max <= THRESHOLD:
            raise UnphysicalParameter(
                f"e_max = {self.e_max / MeV} MeV is below the threshold {THRESHOLD / MeV:.3f} MeV"
            )
        grid = np.linspace(THRESHOLD, self.e_max, self.nodes)
        dens = self.spectrum(grid) * cross_section(grid, self.model, self.log_ft)
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(grid))])
        if not cdf[-1] > 0:
            raise UnphysicalParameter("no interactions: φσ vanishes above threshold")
        return grid, dens / cdf[-1], cdf / cdf[-1]

    def neutrino_pdf(self, neutrino_energy: ArrayLike) -> np.ndarray:
        """Density of the interacting neutrino energy (1/energy), normalised to 1."""
        e = require_finite("neutrino energy", neutrino_energy)
        grid, dens, _ = self._table
        return np.interp(e, grid, dens, left=0.0, right=0.0)

    def kinetic_pdf(self, kinetic: ArrayLike) -> np.ndarray:
        """Density of the prompt-electron kinetic energy T_e = Eν − Q (1/energy)."""
        t = require_finite("electron kinetic energy", kinetic)
        return self.neutrino_pdf(t + Q_VALUE)

    def kinetic_fraction(self, low: float, high: float) -> float:
        """Fraction of interactions with T_e in ``[low, high]`` (no detector response)."""
        if not high > low:
            raise UnphysicalParameter(f"kinetic-energy window: need high > low; got [{low}, {high}]")
        grid, _, cdf = self._table
        lo, hi = np.interp(np.array([low, high]) + Q_VALUE, grid, cdf, left=0.0, right=1.0)
        return float(hi - lo)

    def sample_neutrino_energy(self, size: int, rng: np.random.Generator | int) -> np.ndarray:
        """Draw interacting neutrino energies (inverse CDF)."""
        if rng is None:
            raise UnphysicalParameter("rng: give a numpy Generator or an integer seed (never None)")
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(int(rng))
        if size < 0:
            raise UnphysicalParameter(f"size must be >= 0; got {size}")
        grid, _, cdf = self._table
        return np.interp(gen.random(size), cdf, grid)

    def sample_kinetic_energy(self, size: int, rng: np.random.Generator | int) -> np.ndarray:
        """Draw prompt-electron kinetic energies T_e = Eν − Q."""
        return self.sample_neutrino_energy(size, rng) - Q_VALUE
