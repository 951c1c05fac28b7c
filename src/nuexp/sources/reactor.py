"""Reactor ν̄e sources: fission fractions, energy per fission, cores, Huber–Mueller spectra.

A reactor core of thermal power P burning a fuel mix with fission fractions f_i (i = ²³⁵U,
²³⁸U, ²³⁹Pu, ²⁴¹Pu; Σ f_i = 1) undergoes P / Σ f_i e_i fissions per second, e_i the
energy released per fission (Ma et al., Phys. Rev. C 88, 014605 (2013); the same values
are inputs of the Daya Bay data release). Each
fission of isotope i emits S_i(E) ν̄e per MeV:

* ²³⁵U, ²³⁹Pu, ²⁴¹Pu: Huber, Phys. Rev. C 84, 024617 (2011), table of fit coefficients
  (exponential of a fifth-order polynomial in E/MeV fitted to the converted ILL β spectra);
* ²³⁸U: Mueller et al., Phys. Rev. C 83, 054615 (2011), table of fit coefficients (same
  functional form, from the ab-initio summation).

**Data-driven spectra.** :class:`TabulatedSpectrum` takes a measured spectrum per fission
(for instance the Daya Bay unfolded spectrum, which is not shipped with nuexp) from a CSV
table and replaces the fits in :class:`ReactorCore`.

**Validity.** Both fits describe 2–8 MeV (the range of the underlying β data). Outside it
the caller must choose: ``outside="raise"`` (default: an error naming the energy),
``"extrapolate"`` (evaluate the polynomial anyway; standard practice for the 1.8–2 MeV
and 8–12 MeV tails, which carry < 1 % of the IBD events; flagged in the
:class:`SpectrumModel` result) or ``"zero"``.

Examples
--------
>>> from hepunits import GW, km, second
>>> from nuexp.sources.reactor import FissionFractions, ReactorCore
>>> core = ReactorCore("TS-C1", 4.6 * GW, 52.77 * km, FissionFractions.preset("juno"))
>>> round(core.fissions_per_second() * second / 1e20, 3)   # 10^20 fissions per second
1.394
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from hepunits import GW, MeV, km
from numpy.typing import ArrayLike

from ..exceptions import UnknownName, UnphysicalParameter
from ..validation import require_in_range, require_non_negative, require_positive

__all__ = [
    "ISOTOPES", "ENERGY_PER_FISSION", "HUBER_MUELLER_COEFFICIENTS", "VALID_RANGE",
    "FissionFractions", "FluxModel", "ReactorCore", "SpectrumCorrection", "TabulatedSpectrum",
    "isotope_spectrum", "spectrum_per_fission",
    "mean_energy_per_fission", "JUNO_CORES", "juno_cores", "FLUX_MODELS", "reactor_spectrum",
]

#: Fissile isotopes, in the order used by every array of this module.
ISOTOPES: tuple[str, ...] = ("U235", "U238", "Pu239", "Pu241")

#: Energy released per fission (hepunits energy): Ma et al., PRC 88, 014605 (2013):
#: 202.36 ± 0.26, 205.99 ± 0.52, 211.12 ± 0.34, 214.26 ± 0.33 MeV (identical to the
#: values in the Daya Bay data release, checked in tests/test_reactor.py).
ENERGY_PER_FISSION: dict[str, float] = {
    "U235": 202.36 * MeV, "U238": 205.99 * MeV, "Pu239": 211.12 * MeV, "Pu241": 214.26 * MeV,
}
#: 1σ uncertainties of :data:`ENERGY_PER_FISSION` (same table).
ENERGY_PER_FISSION_ERROR: dict[str, float] = {
    "U235": 0.26 * MeV, "U238": 0.52 * MeV, "Pu239": 0.34 * MeV, "Pu241": 0.33 * MeV,
}

#: Coefficients α_1..α_6 of S(E) = exp(Σ_k α_k (E/MeV)^(k−1)) in ν̄/(MeV fission):
#: U235, Pu239, Pu241 from Huber, PRC 84, 024617 (2011) (exponential-polynomial fit table);
#: U238 from Mueller et al., PRC 83, 054615 (2011) (same form).
HUBER_MUELLER_COEFFICIENTS: dict[str, tuple[float, ...]] = {
    "U235": (4.367, -4.577, 2.100, -0.5294, 0.06186, -0.002777),
    "U238": (0.4833, 0.1927, -0.1283, -0.006762, 0.002233, -0.0001536),
    "Pu239": (4.757, -5.392, 2.563, -0.6596, 0.07820, -0.003536),
    "Pu241": (2.990, -2.882, 1.278, -0.3343, 0.03905, -0.001754),
}

#: Energy range (hepunits energy) in which the Huber and Mueller fits are valid.
VALID_RANGE: tuple[float, float] = (2.0 * MeV, 8.0 * MeV)

_OUTSIDE = ("raise", "extrapolate", "zero")

#: Named fission-fraction sets.
#: "juno": average fuel of the JUNO analyses (U235 : U238 : Pu239 : Pu241 =
#: 0.564 : 0.076 : 0.304 : 0.056; JUNO Yellow Book, J. Phys. G 43, 030401 (2016), Sec. 2.2,
#: also used in Chin. Phys. C 46, 123001 (2022)).
FISSION_FRACTION_PRESETS: dict[str, dict[str, float]] = {
    "juno": {"U235": 0.564, "U238": 0.076, "Pu239": 0.304, "Pu241": 0.056},
}


@dataclass(frozen=True)
class FissionFractions:
    """Fission fractions of ²³⁵U, ²³⁸U, ²³⁹Pu, ²⁴¹Pu (each in [0, 1], summing to 1).

    Parameters
    ----------
    U235, U238, Pu239, Pu241 : float
        Fraction of fissions from each isotope.
    tolerance : float
        Allowed |Σ f − 1| (default 1e-3, the rounding of published tables).
    """

    U235: float
    U238: float
    Pu239: float
    Pu241: float
    tolerance: float = field(default=1e-3, repr=False)

    def __post_init__(self) -> None:
        for name in ISOTOPES:
            require_in_range(f"fission fraction {name}", getattr(self, name), 0.0, 1.0)
        total = sum(getattr(self, n) for n in ISOTOPES)
        if abs(total - 1.0) > self.tolerance:
            raise UnphysicalParameter(
                f"fission fractions must sum to 1 (within {self.tolerance}); got "
                f"U235={self.U235}, U238={self.U238}, Pu239={self.Pu239}, "
                f"Pu241={self.Pu241}, sum={total:.6g}")

    @classmethod
    def preset(cls, name: str) -> FissionFractions:
        """A named set from :data:`FISSION_FRACTION_PRESETS`."""
        try:
            return cls(**FISSION_FRACTION_PRESETS[name])
        except KeyError:
            raise UnknownName(f"fission-fraction preset {name!r}: choose one of "
                              f"{', '.join(FISSION_FRACTION_PRESETS)}") from None

    @classmethod
    def from_mapping(cls, fractions: Mapping[str, float]) -> FissionFractions:
        """Build from ``{"U235": ..., ...}``; unknown or missing isotopes are refused."""
        unknown = set(fractions) - set(ISOTOPES)
        if unknown or set(fractions) != set(ISOTOPES):
            raise UnknownName(f"fission fractions need exactly the isotopes {ISOTOPES}; "
                              f"got {sorted(fractions)}")
        return cls(**{k: float(v) for k, v in fractions.items()})

    def as_array(self) -> np.ndarray:
        """Fractions in the order of :data:`ISOTOPES`."""
        return np.array([getattr(self, n) for n in ISOTOPES])


def mean_energy_per_fission(fractions: FissionFractions) -> float:
    """Σ f_i e_i (hepunits energy), with e_i from :data:`ENERGY_PER_FISSION`."""
    return float(sum(getattr(fractions, n) * ENERGY_PER_FISSION[n] for n in ISOTOPES))


def _check_range(E: np.ndarray, outside: str) -> np.ndarray:
    if outside not in _OUTSIDE:
        raise UnknownName(f"outside={outside!r}: choose one of {', '.join(_OUTSIDE)}")
    inside = (E >= VALID_RANGE[0] * (1 - 1e-12)) & (E <= VALID_RANGE[1] * (1 + 1e-12))
    if outside == "raise" and not np.all(inside):
        bad = E[~inside]
        raise UnphysicalParameter(
            f"neutrino energy {bad.min() / MeV:.4g}–{bad.max() / MeV:.4g} MeV is outside the "
            f"validity range [2, 8] MeV of the Huber/Mueller fits; pass outside="
            f"'extrapolate' or 'zero' to choose explicitly")
    return inside


def isotope_spectrum(isotope: str, E_nu: ArrayLike, *, outside: str = "raise") -> np.ndarray:
    """ν̄e spectrum per fission of one isotope, dN/dE (1/hepunits energy).

    Parameters
    ----------
    isotope : str
        One of :data:`ISOTOPES`.
    E_nu : array_like
        Antineutrino energy (hepunits energy, > 0).
    outside : {"raise", "extrapolate", "zero"}
        What to do outside :data:`VALID_RANGE` (see the module docstring).
    """
    if isotope not in HUBER_MUELLER_COEFFICIENTS:
        raise UnknownName(f"fissile isotope {isotope!r}: choose one of {', '.join(ISOTOPES)}")
    E = require_positive("neutrino energy E_nu", E_nu)
    inside = _check_range(E, outside)
    x = E / MeV
    poly = np.polynomial.polynomial.polyval(x, HUBER_MUELLER_COEFFICIENTS[isotope])
    out = np.exp(np.clip(poly, -700, 700)) / MeV
    if outside == "zero":
        out = np.where(inside, out, 0.0)
    return out


def spectrum_per_fission(E_nu: ArrayLike, fractions: FissionFractions, *,
                         outside: str = "raise") -> np.ndarray:
    """Σ_i f_i S_i(E): ν̄e per MeV per fission of the fuel mix (1/hepunits energy)."""
    return sum(getattr(fractions, n) * isotope_spectrum(n, E_nu, outside=outside)
               for n in ISOTOPES)


#: Flux models selectable by name (``flux.model`` of a reactor TOML): the Huber–Mueller fits
#: above, the summation tables of :mod:`nuexp.sources.summation`, or a
#: :class:`TabulatedSpectrum`.
FLUX_MODELS: tuple[str, ...] = ("huber-mueller", "summation", "tabulated")


def reactor_spectrum(E_nu: ArrayLike, fractions: FissionFractions | str, *,
                     model: str = "huber-mueller", library: str = "endfb-viii.0",
                     table: TabulatedSpectrum | None = None, gap_model: str = "calibrated",
                     outside: str = "raise") -> np.ndarray:
    """ν̄e per fission per unit energy (1/hepunits energy) for a named flux model.

    Parameters
    ----------
    E_nu : array_like
        Antineutrino energy (hepunits energy, > 0).
    fractions : FissionFractions or str
        Fuel mix, or one isotope of :data:`ISOTOPES` (pure isotope).
    model : {"huber-mueller", "summation", "tabulated"}
        :func:`isotope_spectrum` fits; the summation tables
        (:func:`nuexp.sources.summation.isotope_spectrum`, 0–15 MeV, ``outside`` applies
        beyond); or ``table`` (a measured spectrum of the whole mix; ``fractions`` must then
        be a :class:`FissionFractions` and only sets the energy per fission elsewhere).
    library : str
        Summation table variant (:data:`nuexp.sources.summation.VARIANTS`).
    table : TabulatedSpectrum, optional
        Required for ``model="tabulated"``.
    gap_model : str
        Summation gap-filling model (:data:`nuexp.sources.summation.GAP_MODELS`).
    outside : {"raise", "extrapolate", "zero"}
        Outside the model's validity range (see the module docstring).
    """
    if model not in FLUX_MODELS:
        raise UnknownName(f"flux model {model!r}: choose one of {', '.join(FLUX_MODELS)}")
    if model == "tabulated":
        if table is None or isinstance(fractions, str):
            raise UnknownName("flux model 'tabulated' needs table=TabulatedSpectrum and a "
                              "FissionFractions mix")
        return table(E_nu, outside=outside)
    weights = ({fractions: 1.0} if isinstance(fractions, str)
               else {n: getattr(fractions, n) for n in ISOTOPES})
    if model == "huber-mueller":
        return np.sum([w * isotope_spectrum(n, E_nu, outside=outside)
                       for n, w in weights.items()], axis=0)
    from . import summation

    E = require_positive("neutrino energy E_nu", E_nu)
    top = float(summation.load_table(library).energy[-1])
    if outside == "raise" and np.any(E > top):
        raise UnphysicalParameter(f"neutrino energy {E.max() / MeV:.4g} MeV is above the "
                                  f"summation table ({top / MeV:.4g} MeV)")
    return np.sum([w * summation.isotope_spectrum(n, E, variant=library, gap_model=gap_model)
                   for n, w in weights.items()], axis=0)


@dataclass(frozen=True)
class FluxModel:
    """A named flux model with its options: :func:`reactor_spectrum` as a reusable object
    (what ``flux.model`` and its options in a reactor TOML select).

    Parameters
    ----------
    model : {"huber-mueller", "summation", "tabulated"}
        See :func:`reactor_spectrum`.
    library : str
        Summation table variant (:data:`nuexp.sources.summation.VARIANTS`); used by
        ``model="summation"`` only.
    gap_model : str
        Summation gap-filling model (:data:`nuexp.sources.summation.GAP_MODELS`).
    table : TabulatedSpectrum, optional
        Exactly when ``model="tabulated"``.

    Examples
    --------
    >>> from hepunits import MeV
    >>> from nuexp.sources.reactor import FissionFractions, FluxModel
    >>> fr = FissionFractions.preset("juno")
    >>> ratio = FluxModel("summation")(4.0 * MeV, fr) / FluxModel()(4.0 * MeV, fr)
    >>> 0.7 < float(ratio) < 1.1
    True
    """

    model: str = "huber-mueller"
    library: str = "endfb-viii.0"
    gap_model: str = "calibrated"
    table: TabulatedSpectrum | None = None

    def __post_init__(self) -> None:
        from . import summation

        if self.model not in FLUX_MODELS:
            raise UnknownName(f"flux model {self.model!r}: choose one of "
                              f"{', '.join(FLUX_MODELS)}")
        if (self.model == "tabulated") != (self.table is not None):
            raise UnknownName(f"flux model {self.model!r} with table={self.table!r}: a "
                              "TabulatedSpectrum is needed exactly for model='tabulated'")
        if self.library not in summation.VARIANTS:
            raise UnknownName(f"summation library {self.library!r}: choose one of "
                              f"{', '.join(summation.VARIANTS)}")
        if self.gap_model not in summation.GAP_MODELS:
            raise UnknownName(f"gap model {self.gap_model!r}: choose one of "
                              f"{', '.join(summation.GAP_MODELS)}")

    @property
    def label(self) -> str:
        """Short description, e.g. ``"summation (endfb-viii.0, calibrated gap model)"``."""
        if self.model == "summation":
            return f"summation ({self.library}, {self.gap_model} gap model)"
        if self.table is not None:
            return f"tabulated ({self.table.label})"
        return self.model

    def __call__(self, E_nu: ArrayLike, fractions: FissionFractions | str, *,
                 outside: str = "raise") -> np.ndarray:
        """ν̄e per fission per unit energy (1/hepunits energy); see :func:`reactor_spectrum`."""
        return reactor_spectrum(E_nu, fractions, model=self.model, library=self.library,
                                table=self.table, gap_model=self.gap_model, outside=outside)


@dataclass(frozen=True)
class ReactorCore:
    """One reactor core.

    Parameters
    ----------
    name : str
        Label (e.g. ``"TS-C1"``).
    thermal_power : float
        Thermal power (hepunits power, > 0; e.g. ``4.6 * GW``).
    baseline : float
        Distance to the detector (hepunits length, > 0).
    fractions : FissionFractions
        Fuel composition.
    spectrum : TabulatedSpectrum or FluxModel, optional
        The ν̄e spectrum per fission: a measured one (e.g. the Daya Bay unfolded spectrum)
        or a named flux model (e.g. ``FluxModel("summation")``) instead of the
        Huber–Mueller fits (the default, ``None``); the fuel composition still sets the
        energy per fission.
    uptime : float
        Fraction of the time at ``thermal_power`` (in [0, 1]; 1 = always on).
    energy_per_fission : float, optional
        Mean energy released per fission (hepunits energy, > 0) instead of Σ f_i e_i.
    burnup : tuple of (weight, FissionFractions), optional
        Fuel states over the exposure with their relative time weights (> 0): the emitted
        spectrum is the fission-rate-weighted average over them (``fractions`` is then
        only the reference composition).
    corrections : tuple of SpectrumCorrection
        Relative spectral corrections (spent fuel, non-equilibrium), added together.
    """

    name: str
    thermal_power: float
    baseline: float
    fractions: FissionFractions
    spectrum: TabulatedSpectrum | FluxModel | None = None
    uptime: float = 1.0
    energy_per_fission: float | None = None
    burnup: tuple[tuple[float, FissionFractions], ...] = ()
    corrections: tuple[SpectrumCorrection, ...] = ()

    def __post_init__(self) -> None:
        require_positive(f"thermal_power of core {self.name!r}", self.thermal_power)
        require_positive(f"baseline of core {self.name!r}", self.baseline)
        require_in_range(f"uptime of core {self.name!r}", self.uptime, 0.0, 1.0)
        if self.energy_per_fission is not None:
            require_positive(f"energy_per_fission of core {self.name!r}",
                             self.energy_per_fission)
        for weight, _ in self.burnup:
            require_positive(f"burn-up weight of core {self.name!r}", weight)

    def _fuel_states(self) -> list[tuple[float, FissionFractions]]:
        """(relative time weight, fractions) of the fuel cycle; one state without burn-up."""
        if not self.burnup:
            return [(1.0, self.fractions)]
        total = sum(w for w, _ in self.burnup)
        return [(w / total, f) for w, f in self.burnup]

    def _energy_per_fission(self, fractions: FissionFractions) -> float:
        if self.energy_per_fission is not None:
            return self.energy_per_fission
        return mean_energy_per_fission(fractions)

    def fissions_per_second(self) -> float:
        """Fission rate at full power P / Σ f_i e_i (per hepunits time), averaged over the
        burn-up states when they are given (the uptime is not included)."""
        return float(sum(w * self.thermal_power / self._energy_per_fission(f)
                         for w, f in self._fuel_states()))

    def neutrino_spectrum(self, E_nu: ArrayLike, *, outside: str = "raise") -> np.ndarray:
        """Emitted ν̄e per unit time per unit energy (isotropic), time-averaged: the uptime
        multiplies, the burn-up states are averaged with their fission rates, and the
        relative corrections (spent fuel, non-equilibrium) multiply by (1 + Σ δ(E))."""
        out: np.ndarray = np.zeros(np.shape(E_nu))
        for weight, fr in self._fuel_states():
            fissions = weight * self.thermal_power / self._energy_per_fission(fr)
            if self.spectrum is None:
                per_fission = spectrum_per_fission(E_nu, fr, outside=outside)
            elif isinstance(self.spectrum, FluxModel):
                per_fission = self.spectrum(E_nu, fr, outside=outside)
            else:
                per_fission = self.spectrum(E_nu, outside=outside)
            out = out + fissions * per_fission
        if self.corrections:
            out = out * (1.0 + sum(c(E_nu) for c in self.corrections))
        return self.uptime * out

    def flux(self, E_nu: ArrayLike, *, outside: str = "raise") -> np.ndarray:
        """Unoscillated ν̄e flux at the detector, dΦ/dE per area, time and energy."""
        return self.neutrino_spectrum(E_nu, outside=outside) / (4 * np.pi * self.baseline**2)

    def with_power(self, thermal_power: float) -> ReactorCore:
        """A copy with another thermal power."""
        return replace(self, thermal_power=thermal_power)

    def at_baseline(self, baseline: float) -> ReactorCore:
        """A copy seen from another distance (the same core for another detector)."""
        return replace(self, baseline=baseline)


@dataclass(frozen=True)
class SpectrumCorrection:
    """A relative correction δ(E) to a core's emitted spectrum, S(E) → S(E)(1 + δ(E)).

    Used for the spent-fuel contribution (long-lived fission products in the cooling pool,
    a few 0.1 % below ~3.5 MeV) and the non-equilibrium correction (fission products not
    yet at equilibrium after the ILL exposure times, Mueller et al., PRC 83, 054615 (2011),
    Table VI), both given as tables by the user. δ is interpolated linearly between the
    nodes and is zero outside them.

    Parameters
    ----------
    name : str
        Label (``"spent_fuel"``, ``"non_equilibrium"``...).
    nodes_mev : sequence of float
        Antineutrino energies (MeV), increasing, ≥ 2 nodes.
    relative : sequence of float
        δ at the nodes (each > −1).
    """

    name: str
    nodes_mev: tuple[float, ...]
    relative: tuple[float, ...]

    def __post_init__(self) -> None:
        e = require_positive(f"correction {self.name!r} nodes_mev", self.nodes_mev)
        d = np.asarray(self.relative, dtype=float)
        if e.ndim != 1 or e.size < 2 or e.shape != d.shape or np.any(np.diff(e) <= 0):
            raise UnphysicalParameter(
                f"correction {self.name!r}: nodes_mev must increase and match 'relative' "
                f"({e.size} nodes, {d.size} values)")
        if not np.all(np.isfinite(d)) or np.any(d <= -1.0):
            raise UnphysicalParameter(f"correction {self.name!r}: relative = {self.relative} "
                                      "must be finite and > -1")

    def __call__(self, E_nu: ArrayLike) -> np.ndarray:
        """δ(E) at ``E_nu`` (hepunits energy)."""
        E = np.asarray(E_nu, dtype=float) / MeV
        return np.interp(E, self.nodes_mev, self.relative, left=0.0, right=0.0)


@dataclass(frozen=True)
class TabulatedSpectrum:
    """A ν̄e spectrum per fission given as a table (data-driven alternative to the fits).

    Values are interpolated linearly in log(S) between the nodes; outside the table the
    ``outside`` policy of :func:`isotope_spectrum` applies ("extrapolate" continues the
    log-linear trend of the end segments).

    Parameters
    ----------
    energies_mev : sequence of float
        Antineutrino energies (MeV), increasing, ≥ 2 nodes.
    per_fission_per_mev : sequence of float
        ν̄e per fission per MeV at the nodes (> 0).
    label : str
        Where the table comes from (shown in results).
    """

    energies_mev: tuple[float, ...]
    per_fission_per_mev: tuple[float, ...]
    label: str = "table"

    def __post_init__(self) -> None:
        e = require_positive("tabulated spectrum energies", self.energies_mev)
        v = require_positive("tabulated spectrum values", self.per_fission_per_mev)
        if e.ndim != 1 or e.size < 2 or e.shape != v.shape or np.any(np.diff(e) <= 0):
            raise UnphysicalParameter(
                "tabulated spectrum: energies must increase and match the values "
                f"({e.size} energies, {v.size} values)")

    @classmethod
    def from_csv(cls, path: str, label: str | None = None) -> TabulatedSpectrum:
        """Read two columns ``E_MeV, per_fission_per_MeV`` (header lines with '#' skipped)."""
        from pathlib import Path

        from ..exceptions import DataNotAvailable

        p = Path(path)
        if not p.is_file():
            raise DataNotAvailable(f"tabulated reactor spectrum {str(p)!r} does not exist")
        data = np.loadtxt(p, delimiter=",", comments="#", ndmin=2)
        if data.shape[1] < 2:
            raise UnphysicalParameter(f"{p}: need two columns (E_MeV, per_fission_per_MeV)")
        return cls(tuple(data[:, 0]), tuple(data[:, 1]), label or p.name)

    def __call__(self, E_nu: ArrayLike, *, outside: str = "raise") -> np.ndarray:
        """dN/dE per fission (1/hepunits energy) at ``E_nu``."""
        if outside not in _OUTSIDE:
            raise UnknownName(f"outside={outside!r}: choose one of {', '.join(_OUTSIDE)}")
        E = require_positive("neutrino energy E_nu", E_nu) / MeV
        x = np.asarray(self.energies_mev)
        y = np.log(np.asarray(self.per_fission_per_mev))
        inside = (E >= x[0]) & (E <= x[-1])
        if outside == "raise" and not np.all(inside):
            raise UnphysicalParameter(
                f"neutrino energy outside the tabulated range [{x[0]}, {x[-1]}] MeV of "
                f"{self.label!r}; pass outside='extrapolate' or 'zero'")
        out = np.interp(E, x, y)
        lo_slope = (y[1] - y[0]) / (x[1] - x[0])
        hi_slope = (y[-1] - y[-2]) / (x[-1] - x[-2])
        out = np.where(E < x[0], y[0] + lo_slope * (E - x[0]), out)
        out = np.where(E > x[-1], y[-1] + hi_slope * (E - x[-1]), out)
        res = np.exp(out) / MeV
        if outside == "zero":
            res = np.where(inside, res, 0.0)
        return res


#: JUNO reactor cores: (name, thermal power in GW_th, baseline in km). Taishan 2 cores of
#: 4.6 GW_th and Yangjiang 6 cores of 2.9 GW_th (9.2 + 17.4 = 26.6 GW_th, talk p. "JUNO");
#: per-core baselines from the JUNO Yellow Book, J. Phys. G 43, 030401 (2016), Table 2.
#: The Daya Bay (215 km) and Huizhou (265 km) complexes, 17.4 GW_th each (same table),
#: are optional far sources.
JUNO_CORES: dict[str, tuple[float, float]] = {
    "TS-C1": (4.6, 52.77), "TS-C2": (4.6, 52.64),
    "YJ-C1": (2.9, 52.74), "YJ-C2": (2.9, 52.82), "YJ-C3": (2.9, 52.41),
    "YJ-C4": (2.9, 52.49), "YJ-C5": (2.9, 52.11), "YJ-C6": (2.9, 52.19),
    "DYB": (17.4, 215.0), "HZ": (17.4, 265.0),
}
#: Cores present at JUNO in the talk's "26.6 GW_th" configuration.
JUNO_NEAR_CORES: tuple[str, ...] = ("TS-C1", "TS-C2", "YJ-C1", "YJ-C2", "YJ-C3",
                                    "YJ-C4", "YJ-C5", "YJ-C6")


def juno_cores(fractions: FissionFractions | None = None, *,
               include_far: bool = True) -> list[ReactorCore]:
    """The JUNO core list (:data:`JUNO_CORES`) as :class:`ReactorCore` objects.

    Parameters
    ----------
    fractions : FissionFractions, optional
        Fuel of every core (default: the ``"juno"`` preset).
    include_far : bool
        Include the Daya Bay and Huizhou complexes.
    """
    fractions = fractions or FissionFractions.preset("juno")
    names = JUNO_CORES if include_far else JUNO_NEAR_CORES
    return [ReactorCore(n, JUNO_CORES[n][0] * GW, JUNO_CORES[n][1] * km, fractions)
            for n in names]


def total_power(cores: list[ReactorCore]) -> float:
    """Sum of thermal powers (hepunits power, ≥ 0)."""
    return float(require_non_negative("total power", sum(c.thermal_power for c in cores)))
