"""Summation (ab-initio) reactor ν̄e spectra from fission yields and β decays.

The spectra are precomputed per fissioning isotope from evaluated nuclear data by
:mod:`nuexp.sources.summation.build` (needs the ``[summation]`` extra: sandy, paceENSDF) and
shipped as small tables (``tables/summation_<variant>.npz``, 10 keV grid, 0–15 MeV), so using
them needs no extra package and no network. Physics of one branch:
:mod:`nuexp.sources.summation.beta_shape`.

Examples
--------
>>> from hepunits import MeV
>>> from nuexp.sources.summation import isotope_spectrum
>>> s = isotope_spectrum("U235", [3.0 * MeV, 5.0 * MeV], variant="endfb-viii.0")
>>> bool(s[0] > s[1] > 0)
True
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
from hepunits import MeV
from numpy.typing import ArrayLike

from ...exceptions import DataNotAvailable, UnknownName
from ...validation import require_positive

__all__ = [
    "DEFAULT_VARIANT",
    "ISOTOPES",
    "VARIANTS",
    "SummationTable",
    "isotope_spectrum",
    "library_band",
    "load_table",
    "spectrum_per_fission",
]

#: Table variants shipped (see :data:`nuexp.sources.summation.build.VARIANTS`).
VARIANTS: tuple[str, ...] = ("endfb-viii.0", "jeff-3.3", "endfb-viii.0+ensdf")
DEFAULT_VARIANT = "endfb-viii.0"
#: Gap-filling models: "calibrated" (level density scaled to reproduce the library's complete
#: schemes; the tables' default) and "fermi-gas" (textbook a = A/8 MeV⁻¹, far too soft on
#: the complete schemes): the two ends of the gap-model uncertainty (see :mod:`.build`).
GAP_MODELS: tuple[str, ...] = ("calibrated", "fermi-gas")
ISOTOPES: tuple[str, ...] = ("U235", "U238", "Pu239", "Pu241")
_TABLES = Path(__file__).parent / "tables"


class SummationTable:
    """One shipped table: per-isotope spectra, gap-model share, top nuclides, diagnostics.

    Parameters
    ----------
    variant : str
        One of :data:`VARIANTS`.
    """

    def __init__(self, variant: str) -> None:
        if variant not in VARIANTS:
            raise UnknownName(f"summation variant {variant!r}: choose one of "
                              f"{', '.join(VARIANTS)}")
        path = _TABLES / f"summation_{variant}.npz"
        if not path.is_file():
            raise DataNotAvailable(f"summation table {path} is missing; regenerate it with "
                                   f"python -m nuexp.sources.summation.build --variant {variant}")
        with np.load(path) as data:
            self._data = {k: data[k] for k in data.files}
        self.variant = variant
        #: Energy nodes (hepunits energy), shape (n,).
        self.energy = self._data["energy_mev"] * MeV

    def spectrum(self, isotope: str, gap_model: str = "calibrated") -> np.ndarray:
        """ν̄e per fission per unit energy at :attr:`energy` (1/hepunits energy)."""
        total = self._data[f"{_check(isotope)}_spectrum"] / MeV
        if _gap(gap_model) == "calibrated":
            return total
        return total - self.gap_spectrum(isotope) + self.gap_spectrum(isotope, gap_model)

    def gap_spectrum(self, isotope: str, gap_model: str = "calibrated") -> np.ndarray:
        """Part of :meth:`spectrum` from the statistical gap-filling model."""
        suffix = "" if _gap(gap_model) == "calibrated" else "_fermi_gas"
        return self._data[f"{_check(isotope)}_gap_spectrum{suffix}"] / MeV

    def top_nuclides(self, isotope: str) -> tuple[list[str], np.ndarray, list[str]]:
        """Names, spectra (n_top, n; 1/hepunits energy) and data origin of the nuclides
        contributing most to 5–8 MeV, largest first."""
        iso = _check(isotope)
        return ([str(x) for x in self._data[f"{iso}_top_names"]],
                self._data[f"{iso}_top_spectra"].astype(float) / MeV,
                [str(x) for x in self._data[f"{iso}_top_origin"]])

    def diagnostic(self, isotope: str, name: str) -> float:
        """A stored scalar: ``beta_decays_per_fission``, ``gap_decays_per_fission``,
        ``missing_per_fission``, ``sum_independent``, ``n_nuclides``."""
        key = f"{_check(isotope)}_{name}"
        if key not in self._data:
            raise UnknownName(f"summation table diagnostic {name!r} does not exist")
        return float(self._data[key])

    @property
    def gap_model(self) -> tuple[float, int]:
        """(c, n): level-density scale of the gap model (a = c A/8 MeV⁻¹) and the number of
        library nuclides it was calibrated on (see :mod:`.build`)."""
        return (float(self._data["gap_level_density_scale"]),
                int(self._data["gap_calibration_nuclides"]))

    def __call__(self, isotope: str, E_nu: ArrayLike, gap_model: str = "calibrated"
                 ) -> np.ndarray:
        """Linear interpolation of :meth:`spectrum` at ``E_nu`` (0 above the table)."""
        E = require_positive("neutrino energy E_nu", E_nu)
        return np.interp(E, self.energy, self.spectrum(isotope, gap_model), right=0.0)


def _check(isotope: str) -> str:
    if isotope not in ISOTOPES:
        raise UnknownName(f"fissile isotope {isotope!r}: choose one of {', '.join(ISOTOPES)}")
    return isotope


def _gap(gap_model: str) -> str:
    if gap_model not in GAP_MODELS:
        raise UnknownName(f"gap model {gap_model!r}: choose one of {', '.join(GAP_MODELS)}")
    return gap_model


@cache
def load_table(variant: str = DEFAULT_VARIANT) -> SummationTable:
    """The shipped table of ``variant`` (cached)."""
    return SummationTable(variant)


def isotope_spectrum(isotope: str, E_nu: ArrayLike, *, variant: str = DEFAULT_VARIANT,
                     gap_model: str = "calibrated") -> np.ndarray:
    """Summation ν̄e spectrum per fission of one isotope, dN/dE (1/hepunits energy).

    Parameters
    ----------
    isotope : str
        One of :data:`ISOTOPES`.
    E_nu : array_like
        Antineutrino energy (hepunits energy, > 0); the table covers 0–15 MeV, above which
        the spectrum is 0 (no fission product has Q_β > 15 MeV).
    variant : str
        Table variant (:data:`VARIANTS`).
    gap_model : str
        :data:`GAP_MODELS` entry for the nuclides without complete β branches.
    """
    return load_table(variant)(isotope, E_nu, gap_model)


def spectrum_per_fission(E_nu: ArrayLike, fractions, *,
                         variant: str = DEFAULT_VARIANT) -> np.ndarray:
    """Σ_i f_i S_i(E) for a :class:`nuexp.sources.reactor.FissionFractions` (1/energy)."""
    return sum(getattr(fractions, iso) * isotope_spectrum(iso, E_nu, variant=variant)
               for iso in ISOTOPES)


def library_band(isotope: str, E_nu: ArrayLike,
                 variants: tuple[str, ...] = VARIANTS) -> tuple[np.ndarray, np.ndarray]:
    """Centre and half-width of the spread between table variants (1/hepunits energy).

    The band is (max − min)/2 around (max + min)/2 over ``variants``: the library choice as
    an uncertainty, not a statistical interval.
    """
    values = np.array([isotope_spectrum(isotope, E_nu, variant=v) for v in variants])
    hi, lo = values.max(axis=0), values.min(axis=0)
    return 0.5 * (hi + lo), 0.5 * (hi - lo)
