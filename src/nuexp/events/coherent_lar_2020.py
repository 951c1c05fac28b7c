"""Loader of COHERENT's CENNS-10 liquid-argon 2020 data release, Analysis A.

COHERENT, D. Akimov et al., Phys. Rev. Lett. 126 (2021) 012002, arXiv:2003.10630; data
release arXiv:2006.12659, doi:10.5281/zenodo.3903810 (shipped in
``nuexp/data/coherent/lar-2020``). 24.4 kg fiducial at 27.5 m, 13.8e22 protons on target.

The release gives 3-D histograms on one grid: reconstructed energy (12 bins of 10 keVee
from 0 to 120 keVee) × F90 (8 bins of 0.05 from 0.5 to 0.9) × time (10 bins of 0.5 µs,
centres 0.15 … 4.65 µs), one row per bin as (energy centre, F90 centre, time centre,
value), energy slowest and time fastest. Each PDF is normalised to its predicted number
of events (CEvNS 128, prompt BRN 497, delayed BRN 33, steady state 3152); the systematic
variants keep the normalisation and change the shape. ``datanobkgsub.txt`` holds the
observed counts (3752 events). ``LArParametersAnlA.yaml`` gives exposure, geometry,
quenching, flux, the SNS proton-pulse timing and the published normalisations;
``CENNS10AnlAEfficiency.txt`` the acceptance vs energy.

Times are returned in hepunits (ns = 1), energies in hepunits (MeV = 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from hepunits import keV, microsecond

from ..exceptions import DataNotAvailable, SchemaMismatch

__all__ = [
    "LAR_2020_CITATION",
    "LAR_PDF_FILES",
    "LarRelease",
    "load_lar_2020",
    "release_folder",
]

#: Citation of the release, for presets and results.json.
LAR_2020_CITATION = ("COHERENT, D. Akimov et al., Phys. Rev. Lett. 126 (2021) 012002, "
                     "arXiv:2003.10630; data release arXiv:2006.12659, "
                     "doi:10.5281/zenodo.3903810 (Analysis A)")

#: Name of each 3-D histogram → its file in the release.
LAR_PDF_FILES: dict[str, str] = {
    "cevns": "cevnspdf.txt",
    "cevns_f90_plus": "cevnspdf+1sigF90.txt",
    "cevns_f90_minus": "cevnspdf-1sigF90.txt",
    "cevns_timing_mean": "cevnspdfCEvNSTimingMeanSyst.txt",
    "brn": "brnpdf.txt",
    "brn_energy_plus": "brnpdf+1sigEnergy.txt",
    "brn_energy_minus": "brnpdf-1sigEnergy.txt",
    "brn_timing_mean_plus": "brnpdf+1sigBRNTimingMean.txt",
    "brn_timing_mean_minus": "brnpdf-1sigBRNTimingMean.txt",
    "brn_timing_width": "brnpdfBRNTimingWidthSyst.txt",
    "delayed_brn": "delbrnpdf.txt",
    "steady_state": "bkgpdf.txt",
    "data": "datanobkgsub.txt",
}

_SHAPE = (12, 8, 10)


@dataclass(frozen=True)
class LarRelease:
    """The CENNS-10 Analysis A release as arrays.

    Attributes
    ----------
    energy_edges : ndarray, shape (13,)
        Reconstructed-energy bin edges (hepunits energy, electron equivalent).
    f90_edges : ndarray, shape (9,)
    time_edges : ndarray, shape (11,)
        Time bin edges (hepunits time).
    histograms : dict[str, ndarray]
        Every entry of :data:`LAR_PDF_FILES`, shape (12, 8, 10) = (energy, F90, time).
    parameters : dict
        The YAML file as read.
    efficiency : ndarray, shape (n, 3)
        (energy [keVee], recoil energy [keVnr], acceptance) at the bin centres, as in the file.
    """

    energy_edges: np.ndarray
    f90_edges: np.ndarray
    time_edges: np.ndarray
    histograms: dict[str, np.ndarray]
    parameters: dict[str, Any]
    efficiency: np.ndarray

    def value(self, key: str) -> float:
        """``parameters[key]["value"]`` as a float (names the key when missing)."""
        try:
            return float(self.parameters[key]["value"])
        except (KeyError, TypeError):
            raise SchemaMismatch(f"LArParametersAnlA.yaml: no value for {key!r}") from None


def release_folder() -> Path:
    """Folder of the shipped CENNS-10 2020 release."""
    folder = Path(str(resources.files("nuexp"))) / "data" / "coherent" / "lar-2020"
    if not folder.is_dir():
        raise DataNotAvailable(f"COHERENT LAr 2020 release not found at {folder} "
                               "(the package data were not installed)")
    return folder


def _edges_from_centres(centres: np.ndarray) -> np.ndarray:
    width = np.diff(centres)
    if not np.allclose(width, width[0]):
        raise SchemaMismatch(f"bin centres are not evenly spaced: {centres}")
    return np.append(centres - 0.5 * width[0], centres[-1] + 0.5 * width[0])


def _grid(path: Path) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    try:
        rows = np.loadtxt(path, ndmin=2)
    except (OSError, ValueError) as err:
        raise SchemaMismatch(f"{path.name}: cannot read as a numeric table ({err})") from None
    if rows.shape != (int(np.prod(_SHAPE)), 4) or not np.all(np.isfinite(rows)):
        raise SchemaMismatch(f"{path.name}: expected {int(np.prod(_SHAPE))} finite rows of 4 "
                             f"columns; got shape {rows.shape}")
    axes = tuple(np.unique(rows[:, k]) for k in range(3))
    if tuple(a.size for a in axes) != _SHAPE:
        raise SchemaMismatch(f"{path.name}: grid {tuple(a.size for a in axes)}, expected {_SHAPE}")
    values = rows[:, 3].reshape(_SHAPE)
    # energy slowest, time fastest: check that the reshaped coordinates match the axes
    coords = rows[:, :3].reshape(*_SHAPE, 3)
    if not (np.all(coords[:, 0, 0, 0] == axes[0]) and np.all(coords[0, :, 0, 1] == axes[1])
            and np.all(coords[0, 0, :, 2] == axes[2])):
        raise SchemaMismatch(f"{path.name}: rows are not ordered (energy, F90, time)")
    return values, axes


@cache
def load_lar_2020() -> LarRelease:
    """Read the shipped release (cached; arrays are shared, do not modify them)."""
    folder = release_folder()
    histograms = {}
    axes = None
    for name, filename in LAR_PDF_FILES.items():
        values, these = _grid(folder / filename)
        if axes is not None and not all(np.array_equal(a, b) for a, b in zip(axes, these)):
            raise SchemaMismatch(f"{filename}: its grid differs from {LAR_PDF_FILES['cevns']}")
        axes = these
        histograms[name] = values
    assert axes is not None
    with (folder / "LArParametersAnlA.yaml").open() as handle:
        parameters = yaml.safe_load(handle)
    efficiency = np.loadtxt(folder / "CENNS10AnlAEfficiency.txt", ndmin=2)
    if efficiency.shape[1] != 3:
        raise SchemaMismatch("CENNS10AnlAEfficiency.txt: expected 3 columns (keVee, keVnr, "
                             f"efficiency); got {efficiency.shape[1]}")
    return LarRelease(
        energy_edges=_edges_from_centres(axes[0]) * keV,
        f90_edges=_edges_from_centres(axes[1]),
        time_edges=_edges_from_centres(axes[2]) * microsecond,
        histograms=histograms,
        parameters=parameters,
        efficiency=efficiency,
    )
