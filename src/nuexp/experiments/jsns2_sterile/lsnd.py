"""The LSND ν̄μ → ν̄e appearance signal as a region in (sin²2θμe, Δm²41), for overlays.

Source: A. Aguilar et al. (LSND), "Evidence for neutrino oscillations from the observation
of ν̄e appearance in a ν̄μ beam", Phys. Rev. D 64 (2001) 112007, hep-ex/0104049.

The collaboration's own likelihood contour (its Fig. 27) is not reproduced here: no
digitised table of it was available to this project. Two substitutes are offered, and the
plots say which one is drawn:

* :func:`band` — **computed by nuexp** from the published total oscillation probability
  P = (0.264 ± 0.067 ± 0.045) % (abstract): the region where the two-flavour probability,
  averaged over the LSND neutrino energies and baselines, is compatible with P. This is a
  *rate-only* region; the collaboration's fit also used the L/E shape of the excess,
  which closes its region at large Δm² and splits it into islands below 1 eV². The rate
  band contains those islands but is wider.
* :func:`read_contour` — a digitised contour the user supplies as CSV (for instance the
  collaboration's released ``llreg`` vectors), drawn as given.

Averaging: the ν̄μ spectrum of μ+ decay at rest
(:func:`nuexp.sources.decay_at_rest.numubar_spectrum`) times the IBD cross section
(Strumia–Vissani, :mod:`nuexp.interactions.ibd`), restricted to the measurement's
positron-energy window, and baselines spread uniformly along its tank, weighted by the
1/L² fall of the flux. The measurement itself (probability, tank, window, best fit) is
data: the ``[lsnd]`` table of the jsns2-sterile TOML, with its sources
(:meth:`nuexp.experiments.jsns2_sterile.analysis.Lsnd.measurement`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...exceptions import InvalidConfiguration, UnphysicalParameter
from ...interactions import ibd
from ...oscillation.constants import PHASE_FACTOR
from ...sources.decay_at_rest import MICHEL_ENDPOINT, numubar_spectrum
from ...stats.contours import critical_delta_chi2

__all__ = ["LsndMeasurement", "averaged_sin2", "band", "excluded_fraction",
           "read_contour"]


@dataclass(frozen=True)
class LsndMeasurement:
    """A published decay-at-rest appearance probability and the set-up that measured it.

    Attributes
    ----------
    probability : float
        Total ν̄μ → ν̄e probability (fraction, not percent).
    stat, syst : float
        Its statistical and systematic uncertainties (fractions), added in quadrature.
    baseline_range : tuple of float
        Nearest and farthest baseline (hepunits length).
    positron_window : tuple of float
        Positron total-energy window of the selection (hepunits energy).
    """

    probability: float
    stat: float
    syst: float
    baseline_range: tuple[float, float]
    positron_window: tuple[float, float]

    @property
    def sigma(self) -> float:
        """Total uncertainty on the probability (fraction)."""
        return float(np.hypot(self.stat, self.syst))


def averaged_sin2(dm2_ev2, measurement: LsndMeasurement, *, n_energy: int = 400,
                  n_baseline: int = 48) -> np.ndarray:
    """⟨sin²(Δm² L / 4E)⟩ over the detected LSND spectrum and baselines.

    Parameters
    ----------
    dm2_ev2 : array_like
        Δm²41 in eV² (> 0).
    measurement : LsndMeasurement
        Set-up to average over.
    n_energy, n_baseline : int
        Quadrature points in energy (trapezoid) and baseline (Gauss–Legendre).

    Returns
    -------
    ndarray
        Same shape as ``dm2_ev2``; the appearance probability is sin²2θ times this.
    """
    dm2 = np.asarray(dm2_ev2, dtype=float)
    if not np.all(np.isfinite(dm2)) or np.any(dm2 <= 0):
        raise UnphysicalParameter(f"dm2_41 must be a finite value > 0 eV^2; got {dm2_ev2!r}")
    e_nu = np.linspace(ibd.THRESHOLD * 1.0001, MICHEL_ENDPOINT, n_energy)
    lo, hi = measurement.positron_window
    e_pos = ibd.mean_positron_energy(e_nu)
    selected = (e_pos >= lo) & (e_pos <= hi)
    w_e = numubar_spectrum(e_nu) * ibd.cross_section(e_nu, "strumia-vissani") * selected
    w_e = w_e * np.gradient(e_nu)
    x, wx = np.polynomial.legendre.leggauss(n_baseline)
    l0, l1 = measurement.baseline_range
    L = 0.5 * (l1 - l0) * x + 0.5 * (l1 + l0)
    w_l = wx / L**2
    weight = w_l[:, None] * w_e[None, :]
    weight = weight / weight.sum()
    phase = PHASE_FACTOR * dm2.reshape(-1, 1, 1) * (L[:, None] / e_nu[None, :])[None]
    avg = np.sum(np.sin(phase) ** 2 * weight[None], axis=(1, 2))
    return avg.reshape(dm2.shape)


def band(dm2_ev2, measurement: LsndMeasurement, cl: float = 0.90,
         dof: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Rate-only LSND allowed band: sin²2θ range at each Δm².

    A point is allowed when χ² = (sin²2θ ⟨sin²Δ⟩ − P)² / σ² is below the Wilks critical
    value for ``cl`` and ``dof`` (2 dof: a region in the plane, as LSND drew it).

    Returns
    -------
    (low, high) : ndarray
        Allowed sin²2θ interval per Δm²; ``nan`` where no sin²2θ ≤ 1 is allowed.
    """
    k = np.sqrt(critical_delta_chi2(cl, dof))
    p, s = measurement.probability, measurement.sigma
    if p - k * s <= 0:
        raise InvalidConfiguration(
            f"LSND band at cl = {cl}: P - k sigma = {p - k * s:.3g} <= 0, the band would "
            "reach zero mixing; choose a lower confidence level")
    avg = averaged_sin2(dm2_ev2, measurement)
    low = (p - k * s) / avg
    high = np.minimum((p + k * s) / avg, 1.0)
    ok = low <= 1.0
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def excluded_fraction(dm2_ev2, limits, measurement: LsndMeasurement, cl: float = 0.90,
                      dof: int = 2) -> float:
    """Share of the rate-only band that lies above per-Δm² exclusion limits.

    Parameters
    ----------
    dm2_ev2 : array_like
        Log-spaced Δm² rows (eV²); each row weighs the same.
    limits : array_like
        Excluded sin²2θ ≥ limit at each row (``inf`` where nothing is excluded).
    cl, dof : float, int
        The band's confidence level and degrees of freedom (see :func:`band`).

    Returns
    -------
    float
        Σ excluded log-length / Σ band log-length over the rows where the band exists.
    """
    dm2 = np.asarray(dm2_ev2, dtype=float)
    lim = np.asarray(limits, dtype=float)
    if lim.shape != dm2.shape or np.any(np.isnan(lim)) or np.any(lim <= 0):
        raise InvalidConfiguration("limits must be > 0 (or inf), one per dm2 row")
    low, high = band(dm2, measurement, cl, dof)
    rows = np.isfinite(low)
    if not np.any(rows):
        raise InvalidConfiguration("the LSND band does not cross any of the dm2 rows")
    low, high, lim = low[rows], high[rows], lim[rows]
    excluded = np.log(high / np.clip(lim, low, high))
    return float(excluded.sum() / np.log(high / low).sum())


def read_contour(path: str | Path) -> list[np.ndarray]:
    """Read a digitised contour: CSV with columns ``sin2_2theta``, ``dm2_ev2`` and an
    optional ``segment`` (closed polygons are separate segments).

    Returns
    -------
    list of ndarray
        One (N, 2) array of (sin²2θ, Δm²/eV²) per segment, in file order.

    Raises
    ------
    InvalidConfiguration
        Missing file or columns, non-numeric or non-positive values.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidConfiguration(f"lsnd.contour_csv = {str(path)!r}: no such file")
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"sin2_2theta", "dm2_ev2"} - set(reader.fieldnames or [])
        if missing:
            raise InvalidConfiguration(
                f"lsnd.contour_csv = {str(path)!r}: missing column(s) {sorted(missing)}; "
                "need sin2_2theta, dm2_ev2 and optionally segment")
        segments: dict[str, list[tuple[float, float]]] = {}
        for lineno, row in enumerate(reader, start=2):
            try:
                xy = (float(row["sin2_2theta"]), float(row["dm2_ev2"]))
            except ValueError:
                raise InvalidConfiguration(
                    f"lsnd.contour_csv = {str(path)!r}, line {lineno}: not a number: "
                    f"{row['sin2_2theta']!r}, {row['dm2_ev2']!r}") from None
            if not (0 < xy[0] <= 1 and xy[1] > 0):
                raise InvalidConfiguration(
                    f"lsnd.contour_csv = {str(path)!r}, line {lineno}: need "
                    f"0 < sin2_2theta <= 1 and dm2_ev2 > 0; got {xy}")
            segments.setdefault(row.get("segment") or "0", []).append(xy)
    if not segments:
        raise InvalidConfiguration(f"lsnd.contour_csv = {str(path)!r}: no points")
    return [np.asarray(points) for points in segments.values()]
