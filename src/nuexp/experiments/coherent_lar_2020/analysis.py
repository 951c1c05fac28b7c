"""COHERENT CENNS-10 LAr 2020 data (Analysis A): CEvNS count, significance and sin²θW.

The released 3-D histograms (COHERENT, PRL 126 (2021) 012002; data release
arXiv:2006.12659, doi:10.5281/zenodo.3903810; shipped with nuexp) fitted with the binned
energy × F90 × time Poisson likelihood of :mod:`nuexp.experiments.coherent_lar_2020.model`
(the release's systematic PDFs as interpolated shape nuisances), with iminuit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hepunits import keV, microsecond
from pydantic import Field

from ...config import StrictModel
from ...events.coherent_lar_2020 import load_lar_2020
from ..analysis import Family
from ..coherent_data.config import CoherentDataConfig
from ..coherent_data.fitting import (
    Profile,
    SignalFit,
    fit_signal,
    profile,
    record_fit,
    record_profile,
)
from ..context import RunContext
from .model import LarModel, LarSetup

__all__ = ["FAMILY", "Config", "build_model", "compute", "report"]


#: Published best-fit normalisations in the release's LArParametersAnlA.yaml.
_BEST_FIT = {"prompt BRN": "promptBeamRelatedNeutronBestfitNormalization",
             "delayed BRN": "delayedBeamRelatedNeutronBestfitNormalization",
             "steady state": "ssBackgroundBestfitNormalization"}


class LarQuenchingBlock(StrictModel):
    """QF = a + b T (T in keVnr), LArParametersAnlA.yaml "larQF"."""

    a: float = Field(gt=0, lt=1, description="constant term")
    a_uncertainty: float = Field(ge=0, description="1σ of a")
    b_per_kevnr: float = Field(ge=0, description="slope [1/keVnr]")
    b_uncertainty_per_kevnr: float = Field(ge=0, description="1σ of the slope [1/keVnr]")


class Config(CoherentDataConfig):
    """The ``coherent-lar-2020`` preset: the CEvNS family's target and interaction blocks
    plus the release's quenching and energy window."""

    quenching: LarQuenchingBlock = Field(description="argon quenching factor of the release")
    energy_max_kevee: float = Field(gt=0, le=120, description="upper end of the energy window "
                                    "[keVee] (the release's PDFs end at 120 keVee)")


def build_model(cfg: Config) -> LarModel:
    """The likelihood model of the preset (data from the shipped release)."""
    s, q = cfg.source, cfg.quenching
    setup = LarSetup(
        flux_uncertainty=s.flux_uncertainty, pulse=s.pulse(), qf_a=q.a, qf_b=q.b_per_kevnr,
        qf_a_sigma=q.a_uncertainty, qf_b_sigma=q.b_uncertainty_per_kevnr,
        energy_max=cfg.energy_max_kevee * keV)
    return LarModel(setup, load_lar_2020(), cfg.recoil_model())


@dataclass
class Outcome:
    """Everything :func:`report` records."""

    model: LarModel
    signal: SignalFit
    sm_events: float
    sm_error: float
    sm_by_flavour: dict[str, float]
    sin2: Profile


def compute(cfg: Config, ctx: RunContext) -> Outcome:
    """Fit the data: count, significance, SM prediction, profile of sin²θW."""
    with ctx.timer("model"):
        model = build_model(cfg)
    with ctx.timer("signal_fit"):
        signal = fit_signal(model.likelihood(free=("cevns_scale",)),
                            lambda v: float(model.components(v)["cevns"].sum()))
    nominal = model.parameters().to_dict(model.parameters().values)
    by_flavour = model.predicted_by_flavour(nominal)
    sm = sum(by_flavour.values())
    qf_shift = max(abs(model.predicted(nominal, t) - sm) for t in (-1.0, 1.0))
    sm_error = float(np.hypot(cfg.source.flux_uncertainty * sm, qf_shift))
    with ctx.timer("sin2_theta_w_scan"):
        sin2 = profile(model, "sin2_theta_w", cfg.scans.sin2_theta_w.grid(), ctx)
    return Outcome(model, signal, sm, sm_error, by_flavour, sin2)


def report(cfg: Config, out: Outcome, ctx: RunContext) -> None:
    """Record the keys of issue #17 and draw the fit projections and the profile."""
    m, sig = out.model, out.signal
    p = m.release.parameters
    comps = m.components(sig.best.values)
    ctx.quantity("cevns_events_fit", sig.events, "events", uncertainty=sig.events_error,
            note=f"binned Poisson fit of the {int(m.data.sum())} events on the release's "
                 "12 x 8 x 10 (energy, F90, time) grid; fitted prompt BRN "
                 f"{comps['brn'].sum():.0f}, delayed BRN {comps['delayed_brn'].sum():.1f}, "
                 f"steady state {comps['steady_state'].sum():.0f}; 1σ (statistics and the "
                 f"shape nuisances) from the HESSE covariance, statistics alone (nuisances "
                 f"fixed) ±{sig.events_stat_error:.1f}; COHERENT's best fit (release YAML): "
                 + ", ".join(f"{label} {p[key]['value']:g} ± {p[key]['uncertainty']:g}"
                             for label, key in _BEST_FIT.items())
                 + f". data: {cfg.data_citation}")
    ctx.quantity("sm_prediction", out.sm_events, "events", uncertainty=out.sm_error,
            note="nuexp's prediction in the release's window (0–"
                 f"{cfg.energy_max_kevee:g} keVee, −0.1–4.9 µs, its acceptance and QF): "
                 + ", ".join(f"{f} {n:.1f}" for f, n in out.sm_by_flavour.items())
                 + f"; 1σ = flux {cfg.source.flux_uncertainty:.0%} ⊕ QF ±1σ (a and b together)")
    s2 = out.sin2
    record_profile(ctx, "sin2_theta_w", s2, "1",
                   note="profile likelihood (Δχ² = 1): CEvNS count predicted at each sin2θW "
                        f"with the {cfg.source.flux_uncertainty:.0%} flux and QF priors, shape "
                        "from the release")
    record_fit(ctx, sig, comps, m.data)

    if ctx.staging is None:
        return
    from ..coherent_data.plots import profile_figure, projections_figure

    rel = m.release
    fig = projections_figure(m.data, comps,
                             [(rel.energy_edges / keV, "energy [keVee]"), (rel.f90_edges, "F90"),
                              (rel.time_edges / microsecond, "time [µs]")],
                             "COHERENT CENNS-10 LAr 2020 (Analysis A), best fit")
    ctx.figure(fig, "fit_projections", caption="CENNS-10: data and fitted components projected "
               "on energy, F90 and time, with residuals.")
    fig = profile_figure({"CENNS-10 LAr 2020": (s2.points, s2.delta_chi2)}, r"$\sin^2\theta_W$")
    ctx.figure(fig, "profile_sin2_theta_w", caption="Profile likelihood of sin²θW (LAr).")


FAMILY = Family(name="coherent-lar-2020", config=Config, compute=compute, report=report,
                description="COHERENT CENNS-10 LAr 2020 data: CEvNS fit, significance, sin2θW")
