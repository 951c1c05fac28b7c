"""Read and validate the Daya Bay full data release (``dayabay-data-official``).

The release (Daya Bay Collaboration, "Full Data Release of the Daya Bay Reactor Neutrino
Experiment", Zenodo, DOI 10.5281/zenodo.17587229; analysis of F. P. An et al., PRL 130,
161802 (2023)) is an installable Python package holding the 3158-day nGd IBD sample:
per-detector, per-period prompt spectra, daily detector data, weekly reactor ν̄ rates,
background rates and shapes, the IAV matrix, the LSNL curves, Huber–Mueller spectra with
their uncertainties and every model parameter as YAML.  Licence CC BY 4.0.

This module reads its HDF5 and YAML files with h5py and PyYAML through the package's own path
helper (``dayabay_data_official.get_path_data``); nothing is copied into nuexp and there is
no network access at run time.  Everything read is checked (names, shapes, binning, the
6AD/8AD/7AD periods, positive live times) and a missing or wrong-version package raises
:class:`~nuexp.exceptions.DataNotAvailable` with the pip command that fixes it.

Units: the arrays keep the release's units (MeV, seconds, metres, per day); the model
converts them to the hepunits system where it uses them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ...exceptions import DataNotAvailable, SchemaMismatch, UnknownName, UnphysicalParameter
from ...extras import MissingExtra

__all__ = [
    "EXPECTED_VERSION",
    "PACKAGE",
    "INSTALL_HINT",
    "CITATION",
    "PERIODS",
    "DETECTORS",
    "REACTORS",
    "ISOTOPES",
    "ISOTOPES_NEQ",
    "BACKGROUNDS",
    "SITES",
    "INACTIVE",
    "DailyDetectorData",
    "ReactorRates",
    "Release",
    "data_path",
    "load_release",
    "active_pairs",
    "check_names",
]

#: Distribution name of the data release on PyPI.
PACKAGE = "dayabay-data-official"
#: Version of the release this analysis was validated against.
EXPECTED_VERSION = "1.0.1"
#: What to run when the release is missing.
INSTALL_HINT = 'pip install "nuexp[dayabay]"  (installs dayabay-data-official==1.0.1)'
_NEEDS = "the Daya Bay analysis"
#: Citation to attach to every result and plot that uses the release.
CITATION = ("Daya Bay data release, Zenodo 10.5281/zenodo.17587229 (CC BY 4.0); "
            "F. P. An et al. (Daya Bay), PRL 130, 161802 (2023)")

#: Data-taking periods, named by the number of active detectors (release README).
PERIODS = ("6AD", "8AD", "7AD")
#: Antineutrino detectors, ``AD<hall><index>``.
DETECTORS = ("AD11", "AD12", "AD21", "AD22", "AD31", "AD32", "AD33", "AD34")
#: Reactor cores.
REACTORS = ("R1", "R2", "R3", "R4", "R5", "R6")
#: Fissile isotopes.
ISOTOPES = ("U235", "U238", "Pu239", "Pu241")
#: Isotopes with a non-equilibrium correction (Mueller et al., PRC 83, 054615).
ISOTOPES_NEQ = ("U235", "Pu239", "Pu241")
#: Background sources (release README, "Background rates table").
BACKGROUNDS = ("accidentals", "lithium_helium", "fast_neutrons", "amc", "alpha_neutron")
#: Experimental halls and their detectors.
SITES = {"EH1": ("AD11", "AD12"), "EH2": ("AD21", "AD22"), "EH3": ("AD31", "AD32", "AD33", "AD34")}
#: (period, detector) combinations without data: AD22, AD34 installed after 6AD; AD11 off in 7AD.
INACTIVE = (("6AD", "AD22"), ("6AD", "AD34"), ("7AD", "AD11"))

_N_FINE = 240
_FINE_EDGES = np.linspace(0.0, 12.0, _N_FINE + 1)


def active_pairs(periods=PERIODS, detectors=DETECTORS) -> tuple[tuple[str, str], ...]:
    """(detector, period) pairs with data, detector-major (the official model's order)."""
    return tuple((d, p) for d in detectors for p in periods if (p, d) not in INACTIVE)


def check_names(kind: str, names, allowed) -> tuple[str, ...]:
    """Refuse names the release does not have, listing the allowed ones."""
    names = tuple(names)
    for name in names:
        if name not in allowed:
            raise UnknownName(f"{kind} {name!r} is not in the Daya Bay release; "
                              f"allowed: {', '.join(allowed)}")
    if not names:
        raise UnknownName(f"{kind}: the selection is empty; allowed: {', '.join(allowed)}")
    return names


def data_path() -> Path:
    """Folder of the HDF5 variant of the installed release.

    Raises
    ------
    DataNotAvailable
        If the package is not installed or is not version :data:`EXPECTED_VERSION`.
    """
    try:
        found = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        raise MissingExtra("dayabay", _NEEDS, f"{PACKAGE} is not installed") from None
    if found != EXPECTED_VERSION:
        raise MissingExtra("dayabay", _NEEDS, f"{PACKAGE} version {found} is installed but "
                           f"nuexp's Daya Bay analysis expects version {EXPECTED_VERSION}")
    try:
        from dayabay_data_official import get_path_data
    except ImportError as err:  # pragma: no cover - broken installation
        raise MissingExtra("dayabay", _NEEDS, f"{PACKAGE} cannot be imported: {err}") from None
    path = Path(get_path_data("hdf5"))
    if not (path / "parameters").is_dir():
        raise DataNotAvailable(f"{PACKAGE} at {path} has no hdf5/parameters folder; "
                               f"reinstall with: {INSTALL_HINT}")
    return path


@dataclass(frozen=True)
class DailyDetectorData:
    """Daily detector table of one detector (release ``dayabay_daily_detector_data``).

    Attributes
    ----------
    day : ndarray of int
        Day number since 2011-12-24 (0-based).
    n_det : ndarray of int
        Number of active detectors that day (6, 8, 7; 0 = no physics data).
    livetime, eff_livetime : ndarray
        Live time and live time × (muon veto × multiplicity) efficiency [s].
    eff : ndarray
        Muon-veto × multiplicity efficiency.
    rate_accidentals : ndarray
        Accidental rate [1/day] *before* the efficiency is applied.
    """

    day: np.ndarray
    n_det: np.ndarray
    livetime: np.ndarray
    eff: np.ndarray
    eff_livetime: np.ndarray
    rate_accidentals: np.ndarray


@dataclass(frozen=True)
class ReactorRates:
    """Weekly ν̄ rate of one core above the IBD threshold (release ``neutrino_rate``).

    Attributes
    ----------
    day : ndarray of int
        First day of each week.
    n_days : ndarray of int
        Days in each period (7).
    n_det_mask : ndarray of int
        Bit mask of the detector periods the week overlaps (0b001 6AD, 0b010 8AD, 0b100 7AD).
    rate : ndarray
        ν̄ emitted per second (Huber–Mueller spectra, exact IBD threshold).
    """

    day: np.ndarray
    n_days: np.ndarray
    n_det_mask: np.ndarray
    rate: np.ndarray

    def daily(self) -> tuple[np.ndarray, np.ndarray]:
        """Days and the rate on each day (weekly values repeated, no interpolation)."""
        days = (self.day[:, None] + np.arange(int(self.n_days.max()))[None, :])
        keep = np.arange(int(self.n_days.max()))[None, :] < self.n_days[:, None]
        rates = np.broadcast_to(self.rate[:, None], days.shape)
        return days[keep], rates[keep]


@dataclass(frozen=True)
class Release:
    """Everything the θ13 analysis reads from the release, validated.

    Spectra are on the 240 fine bins of 50 keV between 0 and 12 MeV (:attr:`fine_edges`).
    Dictionaries are keyed by detector/period/reactor/isotope names as the release names
    them.  Build it with :func:`load_release`; :meth:`with_daily` returns a modified copy
    (used to test bad inputs).
    """

    version: str
    path: Path
    fine_edges: np.ndarray
    final_edges: np.ndarray
    knot_energies: np.ndarray
    ibd: dict[tuple[str, str], np.ndarray]
    background_shapes: dict[tuple[str, str, str], np.ndarray]
    daily: dict[str, DailyDetectorData]
    reactor_rates: dict[str, ReactorRates]
    iav_matrix: np.ndarray
    lsnl_energy: np.ndarray
    lsnl_curves: dict[str, np.ndarray]
    hm_energy: np.ndarray
    hm_spectra: dict[str, np.ndarray]
    hm_unc_energy: np.ndarray
    hm_unc_corr: dict[str, np.ndarray]
    hm_unc_uncorr: dict[str, np.ndarray]
    neq_energy: np.ndarray
    neq_correction: dict[str, np.ndarray]
    snf_energy: np.ndarray
    snf_correction: dict[str, np.ndarray]
    parameters: dict[str, Any] = field(repr=False)

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Active (detector, period) pairs."""
        return active_pairs()

    def with_daily(self, detector: str, **columns: np.ndarray) -> Release:
        """A copy with some daily columns of one detector replaced, validated again."""
        check_names("detector", [detector], DETECTORS)
        daily = dict(self.daily)
        daily[detector] = replace(daily[detector], **columns)
        new = replace(self, daily=daily)
        _validate_daily(new.daily)
        return new

    def param(self, name: str) -> Any:
        """The parsed YAML file ``name`` (without extension) of the release's parameters."""
        if name not in self.parameters:
            raise UnknownName(f"release parameter file {name!r} unknown; "
                              f"known: {', '.join(sorted(self.parameters))}")
        return self.parameters[name]


def _h5(path: Path):
    try:
        import h5py
    except ImportError:
        raise MissingExtra("dayabay", _NEEDS, "h5py is not installed") from None

    if not path.is_file():
        raise DataNotAvailable(f"release file {path} is missing; reinstall with: {INSTALL_HINT}")
    return h5py.File(path, "r")


def _hist(handle, key: str, where: Path) -> np.ndarray:
    if key not in handle:
        raise SchemaMismatch(f"{where.name}: histogram {key!r} is missing")
    rec = handle[key][:]
    if rec.dtype.names != ("E_min_MeV", "E_max_MeV", "N"):
        raise SchemaMismatch(f"{where.name}/{key}: columns {rec.dtype.names}, expected "
                             "('E_min_MeV', 'E_max_MeV', 'N')")
    if rec.shape != (_N_FINE,) or not (np.allclose(rec["E_min_MeV"], _FINE_EDGES[:-1])
                                        and np.allclose(rec["E_max_MeV"], _FINE_EDGES[1:])):
        raise SchemaMismatch(f"{where.name}/{key}: expected 240 bins of 50 keV on [0, 12] MeV")
    counts = np.asarray(rec["N"], dtype=float)
    if np.any(~np.isfinite(counts)) or np.any(counts < 0):
        raise SchemaMismatch(f"{where.name}/{key}: negative or non-finite bin contents")
    return counts


def _graph(handle, key: str, columns: tuple[str, str], where: Path) -> tuple[np.ndarray, np.ndarray]:
    if key not in handle:
        raise SchemaMismatch(f"{where.name}: graph {key!r} is missing")
    rec = handle[key][:]
    if rec.dtype.names != columns:
        raise SchemaMismatch(f"{where.name}/{key}: columns {rec.dtype.names}, expected {columns}")
    x = np.asarray(rec[columns[0]], dtype=float)
    y = np.asarray(rec[columns[1]], dtype=float)
    if np.any(np.diff(x) <= 0) or not np.all(np.isfinite(y)):
        raise SchemaMismatch(f"{where.name}/{key}: x not increasing or y not finite")
    return x, y


def _same_x(name: str, xs: list[np.ndarray]) -> np.ndarray:
    for x in xs[1:]:
        if x.shape != xs[0].shape or not np.allclose(x, xs[0]):
            raise SchemaMismatch(f"{name}: the graphs do not share one energy axis")
    return xs[0]


def _read_yaml(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        return yaml.safe_load(handle)


def _read_tsv_column(path: Path, column: str) -> np.ndarray:
    lines = path.read_text().split()
    if not lines or lines[0] != column:
        raise SchemaMismatch(f"{path.name}: expected a single column {column!r}")
    values = np.array([float(v) for v in lines[1:]])
    if np.any(np.diff(values) <= 0):
        raise SchemaMismatch(f"{path.name}: edges must increase")
    return values


def _validate_daily(daily: dict[str, DailyDetectorData]) -> None:
    for det, table in daily.items():
        for name in ("livetime", "eff_livetime", "rate_accidentals", "eff"):
            arr = getattr(table, name)
            if arr.shape != table.day.shape or not np.all(np.isfinite(arr)):
                raise SchemaMismatch(f"daily data {det}.{name}: shape {arr.shape} or non-finite")
            if np.any(arr < 0):
                raise UnphysicalParameter(
                    f"daily data {det}.{name} must be >= 0; got min {arr.min()!r} "
                    f"on day {int(table.day[np.argmin(arr)])}")
        for period in PERIODS:
            if (period, det) in INACTIVE:
                continue
            mask = table.n_det == int(period[0])
            total = table.eff_livetime[mask].sum()
            if not total > 0:
                raise UnphysicalParameter(
                    f"daily data {det}: total effective live time in {period} must be > 0; "
                    f"got {total!r} s")


def load_release(path: str | Path | None = None) -> Release:
    """Read the release and check it.

    Parameters
    ----------
    path : path, optional
        The release's ``hdf5`` folder; by default the installed package's (after a version
        check).

    Returns
    -------
    Release

    Raises
    ------
    DataNotAvailable
        Package missing, wrong version, or a file missing.
    SchemaMismatch
        A file does not have the expected names, columns, shapes or binning.
    """
    if path is None:
        root = data_path()
        version = metadata.version(PACKAGE)
    else:
        root = Path(path)
        version = "unknown"
        if not root.is_dir():
            raise DataNotAvailable(f"release folder {root} does not exist; {INSTALL_HINT}")
    dataset = root / "dayabay_dataset"
    pars_dir = root / "parameters"

    ibd: dict[tuple[str, str], np.ndarray] = {}
    shapes: dict[tuple[str, str, str], np.ndarray] = {}
    for period in PERIODS:
        f_ibd = dataset / f"dayabay_ibd_spectra_{period}.hdf5"
        f_bkg = dataset / f"dayabay_background_spectra_{period}.hdf5"
        with _h5(f_ibd) as h_ibd, _h5(f_bkg) as h_bkg:
            expected = {f"ibd_spectrum_{d}" for d in DETECTORS if (period, d) not in INACTIVE}
            if set(h_ibd.keys()) != expected:
                raise SchemaMismatch(f"{f_ibd.name}: detectors {sorted(h_ibd.keys())}, "
                                     f"expected {sorted(expected)}")
            for det in DETECTORS:
                if (period, det) in INACTIVE:
                    continue
                ibd[(det, period)] = _hist(h_ibd, f"ibd_spectrum_{det}", f_ibd)
                for bkg in BACKGROUNDS:
                    shape = _hist(h_bkg, f"spectrum_shape_{bkg}_{det}", f_bkg)
                    total = shape.sum()
                    if not total > 0:
                        raise SchemaMismatch(f"{f_bkg.name}: {bkg} shape of {det} is empty")
                    shapes[(bkg, det, period)] = shape / total

    daily: dict[str, DailyDetectorData] = {}
    f_daily = dataset / "dayabay_daily_detector_data.hdf5"
    with _h5(f_daily) as handle:
        for det in DETECTORS:
            if det not in handle:
                raise SchemaMismatch(f"{f_daily.name}: detector {det} missing")
            rec = handle[det][:]
            need = ("day", "n_det", "livetime", "eff", "rate_accidentals", "eff_livetime")
            missing = [c for c in need if c not in rec.dtype.names]
            if missing:
                raise SchemaMismatch(f"{f_daily.name}/{det}: missing columns {missing}")
            if np.any(np.diff(rec["day"]) != 1):
                raise SchemaMismatch(f"{f_daily.name}/{det}: days are not consecutive")
            bad = set(np.unique(rec["n_det"]).tolist()) - {0, 6, 7, 8}
            if bad:
                raise SchemaMismatch(f"{f_daily.name}/{det}: unknown n_det values {sorted(bad)}")
            daily[det] = DailyDetectorData(
                day=rec["day"].astype(int), n_det=rec["n_det"].astype(int),
                livetime=rec["livetime"].astype(float), eff=rec["eff"].astype(float),
                eff_livetime=rec["eff_livetime"].astype(float),
                rate_accidentals=rec["rate_accidentals"].astype(float))
    _validate_daily(daily)

    rates: dict[str, ReactorRates] = {}
    f_rate = root / "neutrino_rate.hdf5"
    with _h5(f_rate) as handle:
        for core in REACTORS:
            if core not in handle:
                raise SchemaMismatch(f"{f_rate.name}: reactor {core} missing")
            rec = handle[core][:]
            rate = rec["neutrino_rate_per_s"].astype(float)
            if np.any(rate < 0) or not np.all(np.isfinite(rate)):
                raise SchemaMismatch(f"{f_rate.name}/{core}: negative or non-finite ν̄ rate")
            if np.any(np.diff(rec["period"]) != 1):
                raise SchemaMismatch(f"{f_rate.name}/{core}: weeks are not consecutive")
            rates[core] = ReactorRates(day=rec["day"].astype(int),
                                       n_days=rec["n_days"].astype(int),
                                       n_det_mask=rec["n_det_mask"].astype(int), rate=rate)

    f_iav = root / "detector_iav_matrix.hdf5"
    with _h5(f_iav) as handle:
        iav = np.asarray(handle["iav_matrix"][:], dtype=float)
    if iav.shape != (_N_FINE, _N_FINE):
        raise SchemaMismatch(f"{f_iav.name}: IAV matrix shape {iav.shape}, expected (240, 240)")
    colsum = iav.sum(axis=0)
    if not np.all(np.isclose(colsum, 1.0, atol=1e-8) | (colsum == 0.0)):
        raise SchemaMismatch(f"{f_iav.name}: IAV matrix columns must sum to 1 (or 0)")

    f_lsnl = root / "detector_lsnl_curves.hdf5"
    lsnl: dict[str, np.ndarray] = {}
    xs = []
    with _h5(f_lsnl) as handle:
        for name in ("nominal", "pull0", "pull1", "pull2", "pull3"):
            x, y = _graph(handle, name, ("E_MeV", "f"), f_lsnl)
            xs.append(x)
            lsnl[name] = y
    lsnl_energy = _same_x("LSNL curves", xs)

    def graphs(fname: str, keys, columns) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        file = root / fname
        out, xs = {}, []
        with _h5(file) as handle:
            for key in keys:
                x, y = _graph(handle, key, columns, file)
                xs.append(x)
                out[key] = y
        return _same_x(fname, xs), out

    hm_energy, hm = graphs("reactor_antineutrino_spectra_hm.hdf5", ISOTOPES, ("E_MeV", "N_density"))
    unc_keys = [f"{kind}_{iso}" for kind in ("corr", "uncorr") for iso in ISOTOPES]
    unc_energy, unc = graphs("reactor_antineutrino_spectra_hm_uncertainties.hdf5", unc_keys,
                             ("E_MeV", "sigma_rel"))
    neq_energy, neq = graphs("nonequilibrium_correction.hdf5", ISOTOPES_NEQ, ("E_MeV", "C"))
    snf_energy, snf = graphs("snf_correction.hdf5", REACTORS, ("E_MeV", "C"))
    for iso, spec in hm.items():
        if np.any(spec <= 0):
            raise SchemaMismatch(f"Huber–Mueller spectrum {iso}: must be > 0 everywhere")

    parameters: dict[str, Any] = {}
    for file in sorted(pars_dir.glob("*.yaml")) + sorted((pars_dir / "extra").glob("*.yaml")):
        parameters[file.stem] = _read_yaml(file)
    needed = ("baselines", "detector_eres", "detector_relative", "detector_iav_offdiag_scale",
              "detector_lsnl", "detector_efficiency", "detector_n_protons_nominal",
              "detector_n_protons_correction", "antineutrinos_per_fission_huber_mueller",
              "reactor_energy_per_fission", "reactor_fission_fractions",
              "reactor_fission_fractions_scale", "reactor_nonequilibrium_correction",
              "reactor_snf", "reactor_thermal_power_nominal", "reactor_thermal_power_uncertainty",
              "background_rate_scale_accidentals", "background_rate_uncertainty_scale_amc",
              "background_rate_uncertainty_scale_site", "background_rates_correlated",
              "background_rates_uncorrelated", "survival_probability",
              "survival_probability_solar", "pdg2024", "ibd_constants")
    missing = [n for n in needed if n not in parameters]
    if missing:
        raise SchemaMismatch(f"release parameters missing: {missing}")
    base = parameters["baselines"]["parameters"]["baseline"]
    for det in DETECTORS:
        if det not in base or set(base[det]) != set(REACTORS):
            raise SchemaMismatch(f"baselines.yaml: entry for {det} missing or incomplete")

    final_edges = _read_tsv_column(pars_dir / "final_erec_bin_edges.tsv", "E_rec_MeV")
    knots = _read_tsv_column(pars_dir / "reactor_antineutrino_spectrum_edges.tsv", "E_neutrino_MeV")
    if not np.all(np.isclose(final_edges[:, None], _FINE_EDGES[None, :], atol=1e-9).any(axis=1)):
        raise SchemaMismatch("final_erec_bin_edges.tsv: edges must lie on the 50 keV fine grid")

    return Release(version=version, path=root, fine_edges=_FINE_EDGES.copy(),
                   final_edges=final_edges, knot_energies=knots, ibd=ibd,
                   background_shapes=shapes, daily=daily, reactor_rates=rates, iav_matrix=iav,
                   lsnl_energy=lsnl_energy, lsnl_curves=lsnl, hm_energy=hm_energy,
                   hm_spectra=hm, hm_unc_energy=unc_energy,
                   hm_unc_corr={i: unc[f"corr_{i}"] for i in ISOTOPES},
                   hm_unc_uncorr={i: unc[f"uncorr_{i}"] for i in ISOTOPES},
                   neq_energy=neq_energy, neq_correction=neq, snf_energy=snf_energy,
                   snf_correction=snf, parameters=parameters)
