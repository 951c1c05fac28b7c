"""Build the summation tables from evaluated nuclear data (needs the ``[summation]`` extra).

Regenerate the shipped tables (a few minutes on one core)::

    python -m nuexp.sources.summation.build                       # all variants
    python -m nuexp.sources.summation.build --variant jeff-3.3    # one variant

The equilibrium ν̄e spectrum per fission of isotope i is the summation formula (Vogel et
al., Phys. Rev. C 24, 1543 (1981); Mueller et al., Phys. Rev. C 83, 054615 (2011), Eq. 1;
the talk's seed 004, "The ab initio (summation) method")

    S_i(E) = Σ_n Y^c_{i,n} Σ_j b_{n,j} S_{n,j}(E),

with Y^c_{i,n} the cumulative fission yield of nuclide n (ENDF-6 MF8/MT459) — at equilibrium
(irradiation long compared with every half-life) the β⁻ activity of n per fission equals its
cumulative yield — b_{n,j} the absolute intensity per decay of β⁻ branch j (endpoint E₀ⱼ,
forbiddenness) and S_{n,j} the normalised antineutrino spectrum of
:mod:`nuexp.sources.summation.beta_shape`.

Data, all read offline from the wheels of ``sandy`` (ENDF-6 files of the IAEA/NEA
distributions) and ``paceENSDF`` (ENSDF 2023 as JSON):

* yields: thermal (0.0253 eV) for ²³⁵U, ²³⁹Pu, ²⁴¹Pu, fast (the library's lowest energy above
  1 keV: 500 keV in ENDF/B-VIII.0, 400 keV in JEFF-3.3) for ²³⁸U;
* decay: β⁻ branching ratio (sum of the decay modes whose first step is β⁻, RTYP 1.x), Q_β,
  discrete β⁻ spectrum (STYP = 1: endpoint ER, intensity RI·FD, transition TYPE);
* forbiddenness: from ENSDF where a branch of the same parent has an endpoint within
  max(20 keV, 1 %) (ENSDF's ΔJ^Δπ classification, e.g. ⁹⁰Y 2⁻ → 0⁺ first unique), otherwise
  the library's TYPE (1 allowed, 2–5 n-th non-unique, 6–9 n-th unique; ENDF-6 Formats
  Manual, BNL-203218-2018-INRE, Sec. 8.3), otherwise allowed.

Variants (:data:`VARIANTS`): the yield library with its own decay sub-library
("endfb-viii.0", "jeff-3.3"), and ENDF/B-VIII.0 yields with ENSDF branches replacing the
library's wherever ENSDF has β⁻ intensities for the parent ("endfb-viii.0+ensdf").

**Gap filling** (nuclides with a β⁻ branching ratio and Q_β but missing or incomplete
branches). Discrete intensities that add up to ≥ 95 % of the β⁻ branching ratio are rescaled
to it (rounding of evaluated tables). A larger deficit, or no branch at all, is filled with a
*statistical* model: the feeding of daughter excitation E_x is ∝ ρ(E_x) f(Z, Q_β − E_x), with
a Fermi-gas level density ρ ∝ exp(2√(a E_x)) (Gilbert & Cameron, Can. J. Phys. 43, 1446
(1965)) and f the allowed phase-space integral; E_x in [0, Q_β) is represented by 20
effective allowed branches (a crude stand-in for the gross theory, Takahashi & Yamada, Prog.
Theor. Phys. 41, 1470 (1969)). With the textbook a = A/8 MeV⁻¹ the model is far too soft:
on the library's own nuclides with complete schemes and Q_β > 4 MeV it gives ≈ 0.12 of their
IBD yield per decay (constant feeding per MeV, a = 0, gives ≈ 1.15). So a = c·A/8 MeV⁻¹ with
c fixed per library by :func:`calibrate_gap_model` on those nuclides (decay data only, no
reactor measurement); c and the number of calibration nuclides are stored in the table. The
gap model's share of the IBD yield is stored (``gap_*`` arrays) and reported, and the gap
spectrum of the textbook c = 1 is stored too (``*_gap_spectrum_fermi_gas``) as the soft end
of the gap-model uncertainty.

Not included: non-equilibrium (finite irradiation time) — every nuclide is at equilibrium,
which over-counts long-lived pairs such as ¹⁴⁴Ce/¹⁴⁴Pr, ¹⁰⁶Ru/¹⁰⁶Rh, ⁹⁰Sr/⁹⁰Y relative to
ILL's 12 h–1.8 d irradiations (Huber–Mueller) by ≲ 1 % of the IBD yield
(Mueller et al. 2011, Sec. IV).
"""

from __future__ import annotations

import argparse
import glob
import importlib
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from hepunits import MeV, eV, keV, second

from ...exceptions import DataNotAvailable, UnknownName
from .beta_shape import ELECTRON_MASS, _norm, antineutrino_spectrum

__all__ = [
    "FISSION_TARGETS",
    "VARIANTS",
    "Branch",
    "Nuclide",
    "build_variant",
    "main",
    "read_decay",
    "read_ensdf",
    "read_yields",
]

#: Variant name → (sandy library for yields and decay, replace branches by ENSDF).
VARIANTS: dict[str, tuple[str, bool]] = {
    "endfb-viii.0": ("endfb_80", False),
    "jeff-3.3": ("jeff_33", False),
    "endfb-viii.0+ensdf": ("endfb_80", True),
}
#: Isotope → (ZAM of the fissioning nucleus, "thermal" or "fast").
FISSION_TARGETS: dict[str, tuple[int, str]] = {
    "U235": (922350, "thermal"), "U238": (922380, "fast"),
    "Pu239": (942390, "thermal"), "Pu241": (942410, "thermal"),
}
#: Energy grid of the tables: 0–15 MeV in 10 keV steps (hepunits energy).
GRID: np.ndarray = np.linspace(0.0, 15.0, 1501) * MeV
_N_TOP = 12                      # nuclides kept per isotope for the 5–8 MeV breakdown
_RESCALE_LIMIT = 0.95            # discrete intensities ≥ 95 % of BR_β⁻ are rescaled
_N_GAP_BRANCHES = 20
_ENSDF_KIND = {"1UF": "1U", "2UF": "2U", "3UF": "3U", "4UF": "4U",
               "1F": "1NU", "2F": "2NU", "3F": "3NU", "4F": "4NU"}
_ENDF_KIND = {1: "allowed", 2: "1NU", 3: "2NU", 4: "3NU", 5: "4NU",
              6: "1U", 7: "2U", 8: "3U", 9: "4U"}


@dataclass
class Branch:
    """One β⁻ branch: kinetic endpoint (hepunits energy), intensity per decay, shape class."""

    endpoint: float
    intensity: float
    kind: str = "allowed"


@dataclass
class Nuclide:
    """Decay data of one nuclide (ZAM = 10000 Z + 10 A + isomer index)."""

    zam: int
    half_life: float                     # hepunits time; 0 for stable
    br_beta: float                       # β⁻ branching ratio (first step)
    q_beta: float                        # hepunits energy (0 if unknown)
    branches: list[Branch] = field(default_factory=list)
    origin: str = "library"              # "library", "ensdf", "gap", "rescaled", "library+gap"
    fermi_gas_gap: list[Branch] = field(default_factory=list)   # same deficit, c = 1

    @property
    def Z(self) -> int:
        return self.zam // 10000

    @property
    def A(self) -> int:
        return (self.zam // 10) % 1000


def _sandy() -> ModuleType:
    try:
        sandy = importlib.import_module("sandy")
    except ImportError:
        raise DataNotAvailable("the summation build needs the nuclear-data extra: "
                               "pip install 'nuexp[summation]' (sandy, paceENSDF)") from None
    return sandy


def read_yields(library: str) -> dict[str, tuple[dict[int, float], dict[int, float]]]:
    """Independent and cumulative yields per fission target: {isotope: (independent, cumulative)}.

    Parameters
    ----------
    library : str
        sandy library name ("endfb_80", "jeff_33").
    """
    sandy = _sandy()
    tape = sandy.get_endf6_file(library, "nfpy", "all")
    out = {}
    for iso, (zam, spectrum) in FISSION_TARGETS.items():
        mat = int(zam // 10000 * 100 + {922350: 28, 922380: 37, 942390: 37, 942410: 43}[zam])
        data = sandy.Fy.from_endf6(tape.filter_by(listmat=[mat])).data
        energies = np.sort(data.E.unique())
        e = energies[0] if spectrum == "thermal" else energies[energies > 1e3][0]
        if spectrum == "thermal" and not abs(e - 0.0253) < 1e-6:
            raise DataNotAvailable(f"{library}: no thermal yields for {iso}")
        sel = data[data.E == e]
        ind = sel[sel.MT == 454].groupby("ZAP").FY.sum()
        cum = sel[sel.MT == 459].groupby("ZAP").FY.sum()
        out[iso] = ({int(k): float(v) for k, v in ind.items() if v > 0},
                    {int(k): float(v) for k, v in cum.items() if v > 0})
    return out


def read_decay(library: str) -> dict[int, Nuclide]:
    """β⁻ decay data of every nuclide of a decay sub-library, by ZAM."""
    sandy = _sandy()
    tape = sandy.get_endf6_file(library, "decay", "all")
    out = {}
    for mat in tape.mat:
        sec = tape.read_section(mat, 8, 457)
        zam = int(sec["ZA"]) * 10 + int(sec["LISO"])
        modes = sec.get("DK", [])
        beta = [m for m in modes if 1.0 <= float(m["RTYP"]) < 2.0]
        br = float(sum(m["BR"] for m in beta))
        q = max((float(m["Q"]) for m in beta), default=0.0) * eV
        branches = []
        spec = sec.get("SPECTRA", {}).get(1)
        if spec and "ER" in spec:
            fd = float(spec["FD"])
            for d in spec["ER"]:
                if float(d.get("RTYP", 1.0)) // 1 != 1 or d["ER"] <= 0 or d["RI"] <= 0:
                    continue
                branches.append(Branch(float(d["ER"]) * eV, float(d["RI"]) * fd,
                                       _ENDF_KIND.get(round(d.get("TYPE", 1.0)), "allowed")))
        out[zam] = Nuclide(zam, float(sec["HL"]) * second, br, q, branches)
    return out


def _ensdf_dir() -> Path:
    try:
        paceENSDF = importlib.import_module("paceENSDF")
    except ImportError:
        raise DataNotAvailable("ENSDF branches need paceENSDF: pip install 'nuexp[summation]'"
                               ) from None
    if paceENSDF.__file__ is None:
        raise DataNotAvailable("paceENSDF is installed without a package folder (its "
                               "ENSDF_JSON data cannot be located)")
    return Path(paceENSDF.__file__).parent / "ENSDF_JSON"


def _num(value) -> float | None:
    """A JSON number, or None for missing/non-numeric entries (ENSDF's "0+X" etc.)."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def read_ensdf() -> dict[int, list[Branch]]:
    """β⁻ branches of ENSDF (paceENSDF JSON), by parent ZAM; intensities relative (sum 1).

    Ground-state parents come from the ``…_0keV.json`` files, isomers (index 1) from the
    lowest excited parent level of the same nuclide. The endpoint is ENSDF's, or
    Q + E(parent level) − E(daughter level) when it is missing.
    """
    files: dict[int, list[tuple[float, str]]] = {}
    for f in glob.glob(str(_ensdf_dir() / "j_input_*.json")):
        parts = os.path.basename(f)[:-len("keV.json")].split("_")
        zp, zd = int(parts[4][:3]), int(parts[5][:3])
        if zd != zp + 1:
            continue
        try:
            level = float(parts[6])
        except ValueError:               # "0.0pX"-style levels of unknown offset
            continue
        files.setdefault(zp * 1000 + int(parts[4][3:]), []).append((level, f))
    out: dict[int, list[Branch]] = {}
    for za, entries in files.items():
        entries.sort()
        isomers = [e for e in entries if e[0] > 0]
        picks = [(0, e) for e in entries if e[0] == 0] + ([(1, isomers[0])] if isomers else [])
        for iso_index, (plevel, path) in picks:
            with open(path) as fh:
                data = json.load(fh)
            q = _num(data["parentDecay"][0].get("valueQ")) if data.get("parentDecay") else None
            branches = []
            for lv in data.get("levelScheme", []):
                for b in lv.get("betaMinusDecay", []) or []:
                    inten = _num(b.get("betaMinusIntensity"))
                    e0 = _num(b.get("endPointBetaMinusEnergy"))
                    daughter_level = _num(lv.get("levelEnergy"))
                    if e0 is None and q is not None and daughter_level is not None:
                        e0 = q + plevel - daughter_level
                    if not inten or not e0 or e0 <= 0 or inten <= 0:
                        continue
                    kind = _ENSDF_KIND.get(b.get("forbiddennessDegree") or "", "allowed")
                    branches.append(Branch(float(e0) * keV, float(inten), kind))
            total = sum(b.intensity for b in branches)
            if total > 0:
                for b in branches:
                    b.intensity /= total
                out[za * 10 + iso_index] = branches
    return out


def _ensdf_kinds(nuc: Nuclide, ensdf: list[Branch]) -> None:
    """Forbiddenness of the library branches from ENSDF branches of matching endpoint."""
    if not ensdf:
        return
    ends = np.array([b.endpoint for b in ensdf])
    for b in nuc.branches:
        k = int(np.argmin(np.abs(ends - b.endpoint)))
        close = abs(ends[k] - b.endpoint) <= max(20 * keV, 0.01 * b.endpoint)
        if close and (ensdf[k].kind != "allowed" or b.kind.endswith("NU")):
            b.kind = ensdf[k].kind


def gap_branches(Z: int, A: int, q_beta: float, intensity: float,
                 level_density_scale: float = 1.0) -> list[Branch]:
    """Statistical gap-filling model (module docstring): 20 effective allowed branches.

    Parameters
    ----------
    Z, A : int
        Parent charge and mass number.
    q_beta : float
        Q_β (hepunits energy, > 0).
    intensity : float
        β⁻ decays per decay of the parent to distribute.
    level_density_scale : float
        c in a = c A / 8 MeV⁻¹ (c = 1: Gilbert–Cameron; c = 0: constant feeding per unit
        energy, i.e. feeding ∝ phase space only), ≥ 0.
    """
    edges = np.linspace(0.0, q_beta, _N_GAP_BRANCHES + 1)
    ex = 0.5 * (edges[1:] + edges[:-1])
    a = level_density_scale * A / (8.0 * MeV)
    w0 = 1.0 + (q_beta - ex) / ELECTRON_MASS
    phase = np.array([_norm(Z + 1, A, w, "allowed", False, False) for w in w0])
    weight = np.exp(2.0 * np.sqrt(a * ex)) * phase
    weight = intensity * weight / weight.sum()
    return [Branch(float(q_beta - x), float(w)) for x, w in zip(ex, weight)]


def _ibd_weight(branches: list[Branch], Z: int, A: int, grid: np.ndarray,
                weight: np.ndarray) -> float:
    """∫ S(E) w(E) dE of a branch list (w: an IBD-like weight on ``grid``)."""
    total = 0.0
    for b in branches:
        sel = grid < b.endpoint
        if b.intensity > 0 and sel.any():
            total += b.intensity * float(np.trapezoid(
                antineutrino_spectrum(grid[sel], Z + 1, A, b.endpoint) * weight[sel], grid[sel]))
    return total


def calibrate_gap_model(decay: dict[int, Nuclide], yields: dict[int, float],
                        q_min: float = 4.0 * MeV) -> tuple[float, int]:
    """Level-density scale c of :func:`gap_branches` from the library's complete schemes.

    Over the β⁻ emitters of the library with complete discrete branches (Σ intensities ≥ 95 %
    of BR_β⁻ ≈ 1) and Q_β > ``q_min`` (the nuclides that matter above the IBD threshold),
    c is chosen so that the gap model applied to them reproduces their total IBD-weighted
    yield, Σ_n Y_n ∫ S_n^model (E − Δ)² dE = Σ_n Y_n ∫ S_n^data (E − Δ)² dE (Y_n: ²³⁵U
    cumulative yields; (E − 1.293 MeV)², the IBD energy dependence to leading order). The
    calibration uses decay data only — never a reactor measurement. Fermi-gas c = 1 gives
    ≈ 0.12 of the data (far too soft), c = 0 ≈ 1.15 (too hard) for JEFF-3.3.

    Returns
    -------
    (c, n) : the scale and the number of calibration nuclides.
    """
    from scipy.optimize import brentq

    grid = np.linspace(1.8, 15.0, 331) * MeV
    weight = (grid - 1.293 * MeV) ** 2
    members = []
    for zam, nuc in decay.items():
        total = sum(b.intensity for b in nuc.branches)
        if (zam in yields and nuc.half_life > 0 and nuc.br_beta >= 0.99
                and nuc.q_beta > q_min and total >= _RESCALE_LIMIT * nuc.br_beta):
            measured = _ibd_weight(nuc.branches, nuc.Z, nuc.A, grid, weight) / total
            members.append((yields[zam], nuc, measured))
    data = sum(y * m for y, _, m in members)

    def closure(c: float) -> float:
        model = sum(y * _ibd_weight(gap_branches(n.Z, n.A, n.q_beta, 1.0, c), n.Z, n.A, grid,
                                    weight) for y, n, _ in members)
        return model / data - 1.0

    return float(brentq(closure, 0.0, 1.0, xtol=1e-3)), len(members)


def _complete(nuc: Nuclide, level_density_scale: float) -> Nuclide:
    """Rescale or gap-fill the branches of a β⁻ emitter so they add up to BR_β⁻."""
    total = sum(b.intensity for b in nuc.branches)
    if total >= _RESCALE_LIMIT * nuc.br_beta and total > 0:
        for b in nuc.branches:
            b.intensity *= nuc.br_beta / total
        if abs(total - nuc.br_beta) > 1e-6 * nuc.br_beta:
            nuc.origin = nuc.origin + "+rescaled"
        return nuc
    deficit = nuc.br_beta - total
    nuc.branches = nuc.branches + [
        Branch(b.endpoint, b.intensity, "gap")
        for b in gap_branches(nuc.Z, nuc.A, nuc.q_beta, deficit, level_density_scale)]
    nuc.fermi_gas_gap = gap_branches(nuc.Z, nuc.A, nuc.q_beta, deficit, 1.0)
    nuc.origin = "gap" if total == 0 else nuc.origin + "+gap"
    return nuc


def _nuclide_spectra(nuc: Nuclide, grid: np.ndarray) -> tuple[np.ndarray, ...]:
    """(measured-branch, gap-model, Fermi-gas gap-model) spectra per decay on ``grid``."""
    out = [np.zeros_like(grid) for _ in range(3)]
    tagged = [(b, 1 if b.kind == "gap" else 0) for b in nuc.branches]
    tagged += [(b, 2) for b in nuc.fermi_gas_gap]
    for b, slot in tagged:
        if b.endpoint < 1.0 * keV or b.intensity <= 0:
            continue
        kind = "allowed" if b.kind == "gap" else b.kind
        sel = grid < b.endpoint
        out[slot][sel] += b.intensity * antineutrino_spectrum(grid[sel], nuc.Z + 1, nuc.A,
                                                              b.endpoint, kind=kind)
    return tuple(out)


def _name(zam: int) -> str:
    from periodictable import elements
    z, a, m = zam // 10000, (zam // 10) % 1000, zam % 10
    return f"{elements[z].symbol}{a}" + ("m" if m else "")


def build_variant(variant: str, grid: np.ndarray = GRID) -> dict[str, np.ndarray]:
    """All arrays of one table variant (see :func:`main` for the file layout)."""
    if variant not in VARIANTS:
        raise UnknownName(f"summation variant {variant!r}: choose one of {', '.join(VARIANTS)}")
    library, use_ensdf = VARIANTS[variant]
    yields = read_yields(library)
    decay = read_decay(library)
    ensdf = read_ensdf()
    scale, n_calibration = calibrate_gap_model(decay, yields["U235"][1])
    needed = sorted({z for _, cum in yields.values() for z in cum})
    spectra: dict[int, tuple[np.ndarray, ...]] = {}
    origin: dict[int, str] = {}
    for zam in needed:
        nuc = decay.get(zam)
        if nuc is None or nuc.br_beta <= 0 or nuc.half_life <= 0:
            continue
        if use_ensdf and zam in ensdf:
            nuc.branches = [Branch(b.endpoint, b.intensity * nuc.br_beta, b.kind)
                            for b in ensdf[zam]]
            nuc.origin = "ensdf"
        else:
            _ensdf_kinds(nuc, ensdf.get(zam, []))
        if nuc.q_beta <= 0 and not nuc.branches:
            continue
        if nuc.q_beta <= 0:
            nuc.q_beta = max(b.endpoint for b in nuc.branches)
        spectra[zam] = _nuclide_spectra(_complete(nuc, scale), grid)
        origin[zam] = nuc.origin
    out: dict[str, np.ndarray] = {"energy_mev": grid / MeV,
                                  "variant": np.array(variant), "library": np.array(library),
                                  "gap_level_density_scale": np.array(scale),
                                  "gap_calibration_nuclides": np.array(n_calibration)}
    band = (grid >= 5 * MeV) & (grid <= 8 * MeV)
    for iso, (ind, cum) in yields.items():
        total = np.zeros_like(grid)
        gap = np.zeros_like(grid)
        gap_fg = np.zeros_like(grid)
        contrib = {}
        n_beta = n_gap = missing = 0.0
        for zam, y in cum.items():
            if zam in spectra:
                m, g, g_fg = spectra[zam]
                total += y * (m + g)
                gap += y * g
                gap_fg += y * g_fg
                contrib[zam] = y * (m + g)
                n_beta += y * decay[zam].br_beta
                n_gap += y * sum(b.intensity for b in decay[zam].branches if b.kind == "gap")
            elif zam in decay and decay[zam].br_beta > 0 and decay[zam].half_life > 0:
                missing += y * decay[zam].br_beta
            elif zam not in decay:
                missing += y
        stable = sum(y for z, y in cum.items() if z in decay and decay[z].half_life == 0)
        top = sorted(contrib, key=lambda z: -np.trapezoid(contrib[z][band], grid[band]))[:_N_TOP]
        out[f"{iso}_spectrum"] = total * MeV                    # ν̄ / (MeV fission)
        out[f"{iso}_gap_spectrum"] = gap * MeV
        out[f"{iso}_gap_spectrum_fermi_gas"] = gap_fg * MeV
        out[f"{iso}_top_names"] = np.array([_name(z) for z in top])
        out[f"{iso}_top_spectra"] = (np.array([contrib[z] for z in top]) * MeV).astype(np.float32)
        out[f"{iso}_top_origin"] = np.array([origin[z] for z in top])
        out[f"{iso}_beta_decays_per_fission"] = np.array(n_beta)
        out[f"{iso}_gap_decays_per_fission"] = np.array(n_gap)
        out[f"{iso}_missing_per_fission"] = np.array(missing)
        out[f"{iso}_sum_independent"] = np.array(sum(ind.values()))
        out[f"{iso}_sum_cumulative_stable"] = np.array(stable)
        out[f"{iso}_n_nuclides"] = np.array(sum(1 for z in cum if z in spectra))
    return out


def table_path(variant: str) -> Path:
    """Where the shipped table of ``variant`` lives."""
    return Path(__file__).parent / "tables" / f"summation_{variant}.npz"


def main(argv: list[str] | None = None) -> int:
    """Command line: build and write the tables (``--variant`` repeatable, default all)."""
    parser = argparse.ArgumentParser(prog="python -m nuexp.sources.summation.build",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--variant", action="append", choices=list(VARIANTS),
                        help="table variant (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="output directory")
    args = parser.parse_args(argv)
    for variant in args.variant or list(VARIANTS):
        arrays: dict[str, Any] = build_variant(variant)
        path = table_path(variant) if args.out is None else args.out / f"summation_{variant}.npz"
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **arrays)
        print(f"{variant}: wrote {path} ({path.stat().st_size / 1024:.0f} kB); β⁻ decays per "
              f"fission " + ", ".join(f"{i} {float(arrays[f'{i}_beta_decays_per_fission']):.3f}"
                                      for i in FISSION_TARGETS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
