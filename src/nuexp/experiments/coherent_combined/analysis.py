"""COHERENT CsI[Na] 2021 + CENNS-10 LAr 2020: sin²θW and the νe vector-NSI plane.

Both data sets (the ``coherent-csi-2021`` and ``coherent-lar-2020`` presets, or any TOML
extending them) are fitted together. They share no nuisance parameter (fluxes, responses
and backgrounds are separate; the two flux normalisations are taken as independent), so
the joint −2 ln L is the sum of the two and

* ``sin2_theta_w``: the combined profile is the sum of the two profile curves on a common
  grid, measured from the minimum of the joint fit (:class:`nuexp.stats.joint.JointLikelihood`
  with sin²θW shared);
* the NSI plane (ε^{uV}_{ee}, ε^{dV}_{ee}): NSI act on νe only; the νe events of each
  detector are an exact quadratic form in (ε_u, ε_d) — the weak charge is linear in them —
  obtained from six predictions of the detector's model. Each detector's Δχ² is profiled
  once along the factor on its νe events (``nue_scale``) and read off at the factor each
  (ε_u, ε_d) gives. The CsI factor sums Cs and I exactly; the change of the νe PE shape
  between the two isotopes (their ε coefficients differ by < 1 %) is neglected. The
  allowed region is Δχ² ≤ the 90 % CL quantile for 2 parameters (Wilks).

Cs (N/Z = 1.42) and Ar (N/Z = 1.22) weigh ε_u and ε_d differently (bands along
ε_d ≈ −0.89 ε_u and −0.94 ε_u), so the bands of allowed couplings diverge away from the
origin: either nucleus alone allows an unbounded band, the combination a bounded region
(with these data it closes at |ε_u| ≈ 12).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from ...config import ExperimentConfig, StrictModel
from ...stats.contours import critical_delta_chi2
from ...stats.fit import fit
from ...stats.joint import JointLikelihood
from ..analysis import Family
from ..coherent_csi_2021.analysis import build_model as build_csi
from ..coherent_csi_2021.model import CsiModel
from ..coherent_data.config import ScanRange, published_band
from ..coherent_data.fitting import Profile, interval, profile
from ..coherent_lar_2020.analysis import build_model as build_lar
from ..coherent_lar_2020.model import LarModel
from ..context import RunContext
from ..registry import resolve_config

__all__ = ["FAMILY", "Config", "compute", "nue_quadratic", "report"]


class NsiBlock(StrictModel):
    """Grid of the NSI plane."""

    eps_u_ee: ScanRange = Field(description="grid of ε^{uV}_{ee}")
    eps_d_ee: ScanRange = Field(description="grid of ε^{dV}_{ee}")
    nue_scale: ScanRange = Field(description="grid of the νe-event factor profiled per detector")
    zoom: float = Field(gt=0, description="half-width of the zoomed panel around ε = 0")
    zoom_points: int = Field(ge=11, le=2001, description="grid points per axis of the zoom")
    confidence_level: float = Field(gt=0, lt=1, description="CL of the allowed region (2 dof)")


class Config(ExperimentConfig):
    """The ``coherent-combined`` preset."""

    data_citation: str = Field(min_length=1, description="citations of both data releases")
    csi: str = Field(min_length=1, description="CsI data set: a preset name or a TOML path")
    lar: str = Field(min_length=1, description="LAr data set: a preset name or a TOML path")
    sin2_theta_w: ScanRange = Field(description="common sin²θW grid of the profiles")
    nsi: NsiBlock = Field(description="the NSI (ε_ee^uV, ε_ee^dV) scan of the joint fit")


def nue_quadratic(count) -> np.ndarray:
    """Coefficients c of N_e(ε_u, ε_d) = c·(1, u, d, u², d², u d) from six evaluations.

    ``count(eps_u, eps_d)`` returns the νe events; the quadratic form is exact because the
    νe weak charge is linear in the couplings.
    """
    pts = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1)]
    design = np.array([[1, u, d, u * u, d * d, u * d] for u, d in pts], dtype=float)
    return np.linalg.solve(design, np.array([count(u, d) for u, d in pts]))


def _evaluate(c: np.ndarray, u: np.ndarray, d: np.ndarray) -> np.ndarray:
    return c[0] + c[1] * u + c[2] * d + c[3] * u * u + c[4] * d * d + c[5] * u * d


def _maps(curves: dict, u: np.ndarray, d: np.ndarray) -> dict[str, np.ndarray]:
    """Δχ² on the (u, d) grid (rows: d) for each detector alone and combined.

    ``curves[label] = (quadratic coefficients of the νe events, profile along nue_scale)``.
    Beyond the scanned factor the couplings are excluded (Δχ² = inf; the curve rises there).
    """
    uu, dd = np.meshgrid(u, d)
    chi2 = {}
    for label, (coeffs, scan) in curves.items():
        ratio = _evaluate(coeffs, uu, dd) / coeffs[0]
        chi2[label] = np.where(ratio <= scan.points[-1],
                               np.interp(ratio, scan.points,
                                         scan.delta_chi2 + scan.global_fit.fval), np.inf)
    total = sum(chi2.values())
    out = {f"{k} alone": v - np.min(v) for k, v in chi2.items()}
    out["combined"] = total - np.min(total)
    return out


@dataclass
class Outcome:
    """Everything :func:`report` records."""

    profiles: dict[str, Profile]
    combined_points: np.ndarray
    combined_delta: np.ndarray
    combined_best: float
    combined_low: float
    combined_high: float
    eps_u: np.ndarray
    eps_d: np.ndarray
    maps: dict[str, np.ndarray]
    zoom_axis: np.ndarray
    zoom_maps: dict[str, np.ndarray]
    level: float


def compute(cfg: Config, ctx: RunContext) -> Outcome:
    """Profiles of sin²θW, joint fit, and the Δχ² maps of the NSI plane."""
    _, csi_cfg = resolve_config(cfg.csi)
    _, lar_cfg = resolve_config(cfg.lar)
    csi, lar = build_csi(csi_cfg), build_lar(lar_cfg)
    models: dict[str, CsiModel | LarModel] = {"CsI": csi, "LAr": lar}
    grid = cfg.sin2_theta_w.grid()
    with ctx.timer("sin2_theta_w"):
        profiles = {k: profile(m, "sin2_theta_w", grid, ctx) for k, m in models.items()}
        joint = JointLikelihood({k: m.likelihood(free=("sin2_theta_w",))
                                 for k, m in models.items()}, shared=("sin2_theta_w",))
        best = fit(joint, hesse=False)
        # the two scans share the grid; a point missing in one is dropped
        common = np.intersect1d(profiles["CsI"].points, profiles["LAr"].points)
        chi2 = sum(np.interp(common, p.points, p.delta_chi2 + p.global_fit.fval)
                   for p in profiles.values())
        delta = np.maximum(chi2 - best.fval, 0.0)
        s2_best = best.values["sin2_theta_w"]
        low, high = interval(common, delta, s2_best)
    with ctx.timer("nsi"):
        u = cfg.nsi.eps_u_ee.grid()
        d = cfg.nsi.eps_d_ee.grid()
        scales = cfg.nsi.nue_scale.grid()
        csi_nominal = csi.parameters().to_dict(csi.parameters().values)
        lar_nominal = lar.parameters().to_dict(lar.parameters().values)

        def csi_nue(eu: float, ed: float) -> float:
            values = {**csi_nominal, "eps_u_ee": eu, "eps_d_ee": ed}
            return float(csi.pe_templates(values)["nominal"]["nue"].sum())

        def lar_nue(eu: float, ed: float) -> float:
            return lar.predicted_by_flavour({**lar_nominal, "eps_u_ee": eu, "eps_d_ee": ed})["nue"]

        curves = {}
        for label, count in (("CsI", csi_nue), ("LAr", lar_nue)):
            model = models[label]
            scan = profile(model, "nue_scale", scales, ctx)
            curves[label] = (nue_quadratic(count), scan)
        z = np.linspace(-cfg.nsi.zoom, cfg.nsi.zoom, cfg.nsi.zoom_points)
        maps = _maps(curves, u, d)
        zoom = _maps(curves, z, z)
    level = critical_delta_chi2(cfg.nsi.confidence_level, 2)
    return Outcome(profiles, common, delta, s2_best, low, high, u, d, maps, z, zoom, level)


def report(cfg: Config, out: Outcome, ctx: RunContext) -> None:
    """Record sin²θW and the NSI region (table of its extent, figure)."""
    singles = ", ".join(f"{k} {p.best:.3f} (+{p.high - p.best:.3f} −{p.best - p.low:.3f})"
                        for k, p in out.profiles.items())
    ctx.quantity("sin2_theta_w", out.combined_best, "1",
                 uncertainty=0.5 * (out.combined_high - out.combined_low),
                 uncertainty_low=out.combined_best - out.combined_low,
                 uncertainty_high=out.combined_high - out.combined_best,
                 note=f"joint fit of CsI[Na] 2021 and CENNS-10 2020 (sum of the profiles, "
                      f"Δχ² = 1); alone: {singles}. data: {cfg.data_citation}")
    rows = []
    for label, chi2 in out.maps.items():
        allowed = chi2 <= out.level
        uu, dd = np.meshgrid(out.eps_u, out.eps_d)
        rows.append({"data": label, "cl": cfg.nsi.confidence_level,
                     "delta_chi2_level": out.level,
                     "allowed_fraction_of_grid": float(allowed.mean()),
                     "eps_u_min": float(uu[allowed].min()) if allowed.any() else None,
                     "eps_u_max": float(uu[allowed].max()) if allowed.any() else None,
                     "eps_d_min": float(dd[allowed].min()) if allowed.any() else None,
                     "eps_d_max": float(dd[allowed].max()) if allowed.any() else None,
                     "sm_allowed": bool(np.interp(0.0, out.eps_d, [np.interp(
                         0.0, out.eps_u, row) for row in chi2]) <= out.level)})
    ctx.table("nsi_allowed_region", rows)
    ctx.spectrum("nsi_delta_chi2", out.maps)

    if ctx.staging is None:
        return
    from ..coherent_data.plots import nsi_figure, profile_figure

    curves = {f"{k}": (p.points, p.delta_chi2) for k, p in out.profiles.items()}
    curves["combined"] = (out.combined_points, out.combined_delta)
    fig = profile_figure(curves, r"$\sin^2\theta_W$",
                         published_band(ctx.published_entry("sin2_theta_w"), "reference"))
    ctx.figure(fig, "profile_sin2_theta_w", caption="Profile likelihood of sin²θW: CsI, LAr, "
               "combined.")
    fig = nsi_figure([(out.eps_u, out.eps_d, out.maps), (out.zoom_axis, out.zoom_axis,
                                                          out.zoom_maps)], out.level)
    ctx.figure(fig, "nsi_plane", caption=f"Allowed regions ({cfg.nsi.confidence_level:.0%} CL) "
               "of the νe vector NSI couplings (right: zoom). Each nucleus allows bands along "
               "(2Z + N) ε_u + (Z + 2N) ε_d = const; the Cs/I and Ar bands have different "
               "slopes, so only their combination is bounded.")


FAMILY = Family(name="coherent-combined", config=Config, compute=compute, report=report,
                description="COHERENT CsI 2021 + LAr 2020 data: sin2θW and the νe NSI plane")
