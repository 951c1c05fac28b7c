"""COHERENT CsI[Na] 2017: the first CEvNS observation, predicted with the same chain.

Akimov et al. (COHERENT), "Observation of coherent elastic neutrino-nucleus scattering",
Science 357 (2017) 1123: a 14.57 kg CsI[Na] crystal 19.3 m from the SNS mercury target,
1.76 × 10²³ protons on target (7.48 GWh) in 308.1 live days, 0.08 ν per proton per
flavour, Standard-Model prediction 173 ± 48 CEvNS events. Detector response as released
with the data (COHERENT, arXiv:1804.09459): constant quenching factor 8.78 %, light yield
13.348 PE/keV_ee, signal acceptance ε(n) = a / (1 + exp(−k (n − n₀))) with a = 0.6655,
k = 0.4942, n₀ = 10.8507, zero below 5 PE and halved between 5 and 6 PE.

``signal_rate``: CLOVERS quotes 0.053 /day/kg for COHERENT (abstract, Sec. 4). The 2017
exposure itself corresponds to 173 / (308.1 d × 14.57 kg) = 0.039 /day/kg at its mean
beam power of 1.06 MW; 0.053 is reproduced at the SNS nominal 1.4 MW, which is how we
compute it (the note says so).
"""

from __future__ import annotations

import numpy as np
from hepunits import GeV, cm, day, kW, m, s
from pydantic import Field, model_validator

from ...config import ExperimentConfig, StrictModel
from ..analysis import Family
from ..cevns.blocks import FLUX_UNIT, CevnsBlock, ResponseBlock, SourceBlock, TargetBlock, run_chain
from ..context import RunContext

__all__ = ["FAMILY", "Config", "analyse", "coherent_2017_acceptance"]

_SRC = "COHERENT 2017 (Akimov et al., Science 357, 1123)"


class ExposureBlock(StrictModel):
    """Protons on target and live time of the data set."""

    protons_on_target: float = Field(gt=0, description="protons on target")
    live_days: float = Field(gt=0, description="beam-on live days")


class AcceptanceBlock(StrictModel):
    """COHERENT 2017 signal acceptance in NPE (arXiv:1804.09459, Eq. 1)."""

    a: float = Field(gt=0, le=1)
    k: float = Field(gt=0, description="slope per PE")
    n0: float = Field(ge=0, description="midpoint in PE")
    npe_low: int = Field(ge=0, description="acceptance is zero below this NPE")
    half_below: int = Field(ge=0, description="acceptance is halved below this NPE")
    npe_high: int = Field(ge=1, description="highest NPE counted (inclusive)")

    @model_validator(mode="after")
    def _window(self):
        if self.npe_low > self.npe_high:
            raise ValueError(f"npe_low = {self.npe_low} must be <= npe_high = {self.npe_high}")
        return self


class Config(ExperimentConfig):
    """The ``coherent-csi`` preset."""

    source: SourceBlock
    target: TargetBlock
    exposure: ExposureBlock
    cevns: CevnsBlock
    response: ResponseBlock
    acceptance: AcceptanceBlock

    @model_validator(mode="after")
    def _inside(self):
        if self.acceptance.npe_high > self.response.max_npe:
            raise ValueError(f"acceptance.npe_high = {self.acceptance.npe_high} exceeds "
                             f"response.max_npe = {self.response.max_npe}")
        return self


def coherent_2017_acceptance(npe: np.ndarray, acc: AcceptanceBlock) -> np.ndarray:
    """ε(n) of the COHERENT 2017 data release, with the low-NPE steps and the window."""
    n = np.asarray(npe, dtype=float)
    eff = acc.a / (1.0 + np.exp(-acc.k * (n - acc.n0)))
    eff = np.where(n < acc.half_below, 0.5 * eff, eff)
    return np.where((n < acc.npe_low) | (n > acc.npe_high), 0.0, eff)


def analyse(config: Config, ctx: RunContext) -> None:
    """Predict the COHERENT 2017 CsI[Na] event count and the nominal-power rate.

    Legacy family: this step records the quantities, tables and figures itself, so
    the family has no separate report step (the CEvNS and reactor families split them).
    """
    cfg = config
    area = 4 * np.pi * (cfg.source.distance_m * m) ** 2
    fluence = cfg.exposure.protons_on_target * cfg.source.nu_per_proton_per_flavour / area
    live = cfg.exposure.live_days * day
    with ctx.timer("rates"):
        chain = run_chain(cfg.source, cfg.target, cfg.cevns, cfg.response, live, fluence=fluence)
        acc = coherent_2017_acceptance(chain.npe.axis, cfg.acceptance)
        predicted = chain.npe.total_events(acc)
        total = chain.recoil.total_events()
    mean_flux = fluence / live
    nominal_flux = chain.flux  # from the configured (nominal) beam power
    mean_power = (cfg.exposure.protons_on_target * cfg.source.proton_energy_gev * GeV / live)
    rate_nominal = predicted * (nominal_flux / mean_flux) / (cfg.exposure.live_days * cfg.target.mass_kg)

    conv = (f"form factor {cfg.cevns.form_factor!r}, sin2_theta_w {cfg.cevns.sin2_theta_w!r}, "
            f"quenching {cfg.response.quenching!r}"
            + (f" {cfg.response.quenching_factor}" if cfg.response.quenching_factor else "")
            + f", {cfg.response.light_yield_pe_per_kevee} PE/keVee, Poisson PE, COHERENT "
              "acceptance; see table cevns_choices for the spread")
    ctx.quantity("predicted_events", predicted, "events", published=173.0,
                 source=f"{_SRC}: SM prediction 173 +/- 48",
                 note=f"{cfg.exposure.protons_on_target:.3g} POT, {cfg.target.mass_kg:g} kg at "
                      f"{cfg.source.distance_m:g} m; {conv}")
    ctx.quantity("signal_rate", rate_nominal, "day^-1 kg^-1", published=0.053,
                 source="CLOVERS 2023, abstract and Sec. 4 (quoting COHERENT 2017)",
                 note=f"predicted events per live day per kg scaled to the nominal "
                      f"{cfg.source.beam_power_kw / 1000:g} MW beam; at the 2017 mean power "
                      f"({mean_power / (1000 * kW):.2f} MW) it is "
                      f"{predicted / (cfg.exposure.live_days * cfg.target.mass_kg):.4f}")
    ctx.quantity("cevns_total_events", total, "events", source="computed (no threshold)",
                 note="all recoils of the 2017 exposure before detector response")
    ctx.quantity("flux_per_flavour", mean_flux / FLUX_UNIT, "cm^-2 h^-1",
                 note=f"2017 mean flux = POT x yield / (4 pi L^2) / live time "
                      f"({mean_flux * cm**2 * s:.3g} cm^-2 s^-1)")

    with ctx.timer("cevns_choices"):
        rows = []
        for ff in ("klein-nystrand", "helm"):
            for s2 in ("z-pole", "low-energy"):
                alt = run_chain(cfg.source, cfg.target,
                                cfg.cevns.model_copy(update={"form_factor": ff, "sin2_theta_w": s2}),
                                cfg.response, live, fluence=fluence)
                rows.append({"form_factor": ff, "sin2_theta_w": s2,
                             "predicted_events": alt.npe.total_events(acc)})
        ctx.table("cevns_choices", rows)
    ctx.spectrum("recoil", chain.recoil)
    ctx.spectrum("npe", chain.npe)
    ctx.spectrum("acceptance", acc)

    if ctx.staging is not None:
        from ...report.plots import new_figure

        n = chain.npe.axis
        sel = n <= cfg.acceptance.npe_high + 10
        fig, ax = new_figure(figsize=(7, 5))
        ax.stairs(chain.npe.total()[sel], np.append(n[sel], n[sel][-1] + 1) - 0.5,
                  color="k", label="CEvNS, before acceptance")
        ax.stairs((chain.npe.total() * acc)[sel], np.append(n[sel], n[sel][-1] + 1) - 0.5,
                  color="tab:red", lw=2, label=f"after acceptance: {predicted:.0f} events")
        ax.set_xlabel("NPE")
        ax.set_ylabel("events / PE (2017 exposure)")
        ax.legend(fontsize=11)
        ctx.figure(fig, "npe_spectrum", caption="COHERENT 2017 CsI[Na]: predicted NPE spectrum.")


FAMILY = Family(name="coherent-csi", config=Config, compute=analyse,
                description="COHERENT 2017 CsI[Na] at the SNS: predicted CEvNS events (Science 357 (2017) 1123)")
