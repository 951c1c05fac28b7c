"""Loader of COHERENT's CsI[Na] 2021 data release (shipped in ``nuexp/data/coherent/csi-2021``).

COHERENT, D. Akimov et al., Phys. Rev. Lett. 129 (2022) 081801, arXiv:2110.07730: a
14.6 kg CsI[Na] crystal 19.3 m from the SNS target, 3.198e23 protons on target. The
release holds

* the selected beam-on events in coincidence with the beam (``dataBeamOnC.txt``) and in
  the anti-coincidence window (``dataBeamOnAC.txt``, the steady-state background sample
  of the same length), each event as (PE, recoil time in µs);
* the beam-related-neutron (BRN) and neutrino-induced-neutron (NIN) PDFs as separate PE
  and time projections (PE projections already include the PE efficiency, the time
  projections do not include the time efficiency);
* the PE efficiency ε(x) = a / (1 + exp(−b (x − c))) + d with its nominal and ±1σ
  coefficients (``effCoefficients.txt``);
* the scintillation response E_ee(T) = a T + b T² + c T³ + d T⁴ (T, E_ee in MeV), nominal
  and two ±1σ modes (``scintRespCoefficients.txt``).

This module lives in :mod:`nuexp.events` because it turns a released event sample into
arrays for the statistics and experiment stages; it only imports lower stages
(:mod:`nuexp.detector.quenching`). Times are returned in hepunits (ns = 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
from hepunits import microsecond

from ..detector.quenching import PolynomialQuenching
from ..exceptions import DataNotAvailable, SchemaMismatch

__all__ = [
    "CSI_2021_CITATION",
    "CsiRelease",
    "SigmoidEfficiency",
    "load_csi_2021",
    "release_folder",
]

#: Citation of the release, for presets and results.json.
CSI_2021_CITATION = ("COHERENT, D. Akimov et al., Phys. Rev. Lett. 129 (2022) 081801, "
                     "arXiv:2110.07730 (CsI[Na] data release)")


@dataclass(frozen=True)
class SigmoidEfficiency:
    """PE efficiency ε(x) = a / (1 + exp(−b (x − c))) + d of the release, clipped at 0.

    ``b`` is per PE, ``c`` in PE. Below the PE where the sigmoid crosses zero the
    efficiency is zero (the release's curve goes negative there: no event is kept).
    """

    a: float
    b: float
    c: float
    d: float

    def __call__(self, pe: np.ndarray) -> np.ndarray:
        """ε at PE values ``pe`` (any shape), in [0, a + d]."""
        x = np.asarray(pe, dtype=float)
        return np.maximum(self.a / (1.0 + np.exp(-self.b * (x - self.c))) + self.d, 0.0)


@dataclass(frozen=True)
class CsiRelease:
    """The CsI[Na] 2021 release as arrays.

    Attributes
    ----------
    coincidence, anticoincidence : ndarray, shape (n, 2)
        Events as (PE, recoil time [hepunits time]).
    brn_pe, nin_pe : ndarray, shape (250, 2)
        (PE bin centre, weight) of the BRN / NIN PE projections (1-PE bins).
    brn_time, nin_time : ndarray, shape (650, 2)
        (time bin centre [hepunits time], expected events per bin) of the BRN / NIN time
        projections (10-ns bins, before the time efficiency).
    efficiency : dict[str, SigmoidEfficiency]
        ``"nominal"``, ``"plus"`` (+1σ, higher efficiency), ``"minus"`` (−1σ).
    quenching : dict[str, PolynomialQuenching]
        ``"nominal"``, ``"mode0_plus"``, ``"mode0_minus"``, ``"mode1_plus"``,
        ``"mode1_minus"``: the scintillation-response model and its two ±1σ modes.
    """

    coincidence: np.ndarray
    anticoincidence: np.ndarray
    brn_pe: np.ndarray
    brn_time: np.ndarray
    nin_pe: np.ndarray
    nin_time: np.ndarray
    efficiency: dict[str, SigmoidEfficiency]
    quenching: dict[str, PolynomialQuenching]


def release_folder() -> Path:
    """Folder of the shipped CsI[Na] 2021 release."""
    folder = Path(str(resources.files("nuexp"))) / "data" / "coherent" / "csi-2021"
    if not folder.is_dir():
        raise DataNotAvailable(f"COHERENT CsI 2021 release not found at {folder} "
                               "(the package data were not installed)")
    return folder


def _table(path: Path, columns: int) -> np.ndarray:
    try:
        arr = np.loadtxt(path, comments="#", ndmin=2)
    except (OSError, ValueError) as err:
        raise SchemaMismatch(f"{path.name}: cannot read as a numeric table ({err})") from None
    if arr.shape[1] != columns or not np.all(np.isfinite(arr)):
        raise SchemaMismatch(f"{path.name}: expected {columns} finite columns per row; "
                             f"got shape {arr.shape}")
    return arr


def _coefficient_blocks(path: Path) -> list[tuple[str, tuple[float, ...]]]:
    """(label, coefficients) for each '# label' line followed by a row of numbers."""
    blocks: list[tuple[str, tuple[float, ...]]] = []
    label = ""
    for line in path.read_text().splitlines():
        text = line.strip()
        if text.startswith("#"):
            label = text.lstrip("# ").strip()
        elif text:
            values = tuple(float(v) for v in re.split(r"\s+", text))
            if len(values) != 4:
                raise SchemaMismatch(f"{path.name}: expected 4 coefficients per model; "
                                     f"got {len(values)} in {text!r}")
            blocks.append((label, values))
    return blocks


def _events(path: Path) -> np.ndarray:
    ev = _table(path, 2)
    ev[:, 1] *= microsecond
    return ev


@cache
def load_csi_2021() -> CsiRelease:
    """Read the shipped release (cached; arrays are shared, do not modify them).

    The efficiency file labels both variants "+1 sigma"; the second has the higher
    midpoint c (11.88 PE against 10.86 nominal), i.e. the lower efficiency, and is
    returned as ``"minus"``.
    """
    folder = release_folder()
    eff = _coefficient_blocks(folder / "effCoefficients.txt")
    qf = _coefficient_blocks(folder / "scintRespCoefficients.txt")
    if len(eff) != 3 or len(qf) != 5:
        raise SchemaMismatch(f"expected 3 efficiency and 5 scintillation models; got "
                             f"{len(eff)} and {len(qf)}")
    efficiency = {name: SigmoidEfficiency(*coef)
                  for name, (_, coef) in zip(("nominal", "plus", "minus"), eff)}
    q_names = ("nominal", "mode0_plus", "mode0_minus", "mode1_plus", "mode1_minus")
    quenching = {name: PolynomialQuenching(coefficients=coef, name=f"coherent-csi-2021-{name}")
                 for name, (_, coef) in zip(q_names, qf)}
    brn_time = _table(folder / "brnTrec.txt", 2)
    nin_time = _table(folder / "ninTrec.txt", 2)
    brn_time[:, 0] *= microsecond
    nin_time[:, 0] *= microsecond
    return CsiRelease(
        coincidence=_events(folder / "dataBeamOnC.txt"),
        anticoincidence=_events(folder / "dataBeamOnAC.txt"),
        brn_pe=_table(folder / "brnPE.txt", 2),
        brn_time=brn_time,
        nin_pe=_table(folder / "ninPE.txt", 2),
        nin_time=nin_time,
        efficiency=efficiency,
        quenching=quenching,
    )
