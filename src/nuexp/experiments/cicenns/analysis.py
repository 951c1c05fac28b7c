"""CICENNS: the CEvNS family for a 300 kg CsI(Na) detector at CSNS, plus the talk's
comparison with COHERENT's 14.6 kg.

Source: W. Wang, "Neutrino physics: an experimental overview" (CSNS, 2024), page
"CICENNS experiment at CSNS": 15 CsI(Na) crystals of 20 kg, "sufficient signal events:
300 → 6500" from target mass 14.6 → 300 kg and threshold 7 → 3 keVnr, and the science
goals "weak couplings at low momentum transfer (±3 %)", "mean radius of neutron
distribution inside nucleus (±2 %)", "world-best NSI search". The preset ``cicenns.toml``
is a CEvNS-family TOML (design, backgrounds, the systematics model and the physics reach
``weak_coupling_precision``, ``neutron_radius_precision``, ``nsi_ee_uv_interval_90cl``);
this module adds only the talk's COHERENT reference ("300"): the same CsI convention and
recoil threshold analysis applied to the COHERENT 2017 data set (Akimov et al., Science 357
(2017) 1123: 14.6 kg at 19.3 m, 1.76e23 protons on target, 0.08 ν per proton per flavour)
at the talk's 7 keVnr threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from hepunits import keV
from pydantic import Field, field_validator

from ...config import StrictModel
from ...interactions.cevns import max_recoil
from ...sources.decay_at_rest import MICHEL_ENDPOINT
from ...targets.isotopes import isotope
from ..analysis import Family
from ..cevns.config import BinsBlock, CevnsConfig, ReachBlock, StatisticsBlock
from ..cevns.family import CevnsOutcome
from ..cevns.family import compute as cevns_compute
from ..cevns.family import report as cevns_report
from ..cevns.model import CevnsModel
from ..context import RunContext

__all__ = ["FAMILY", "Config", "compute", "report"]


class CoherentBlock(StrictModel):
    """The COHERENT CsI[Na] reference exposure (same CsI convention as the design)."""

    facility: str = Field("SNS", description="facility name, for labels")
    protons_on_target: float = Field(gt=0, description="protons on target")
    nu_per_proton_per_flavour: float = Field(gt=0, le=10, description="neutrinos per proton "
                                                                      "per flavour")
    proton_energy_gev: float = Field(gt=0, le=100, description="proton kinetic energy [GeV]")
    distance_m: float = Field(gt=0, description="target-detector distance [m]")
    mass_kg: float = Field(gt=0, description="CsI mass [kg]")
    live_days: float = Field(gt=0, description="beam-on live days of the data set")
    threshold_kevnr: float = Field(ge=0, lt=60, description="recoil threshold [keVnr], below "
                                   "the largest I-127 recoil at the Michel endpoint (47.19)")

    @field_validator("threshold_kevnr")
    @classmethod
    def _below_kinematic_maximum(cls, value: float) -> float:
        # I-127, the lighter nucleus of CsI, recoils furthest: above its T_max nothing counts
        t_max = float(max_recoil(MICHEL_ENDPOINT, isotope("I127").nuclear_mass)) / keV
        if value >= t_max:
            raise ValueError(f"threshold_kevnr = {value:g} keVnr: no stopped-pion neutrino can "
                             f"give a Cs or I recoil that large; allowed range [0, {t_max:.2f})")
        return value


class Config(CevnsConfig):
    """The CEvNS family configuration plus the COHERENT reference block."""

    coherent: CoherentBlock = Field(description="COHERENT reference exposure (talk: '300')")


@dataclass
class CicennsOutcome:
    """The family outcome and the COHERENT reference count."""

    cevns: CevnsOutcome
    coherent_events: float


def _coherent_config(config: Config) -> CevnsConfig:
    cc = config.coherent
    top = float(config.response.bins.values()[-1])
    return CevnsConfig.model_validate({
        **config.model_dump(exclude={"coherent", "timing", "backgrounds", "statistics",
                                     "reach", "published"}),
        "source": {"kind": "stopped-pion", "facility": cc.facility, "distance_m": cc.distance_m,
                   "beam_power_kw": 1400.0, "proton_energy_gev": cc.proton_energy_gev,
                   "nu_per_proton_per_flavour": cc.nu_per_proton_per_flavour},
        "exposure": {"live_days": cc.live_days, "protons_on_target": cc.protons_on_target},
        "target": {**config.target.model_dump(), "mass_kg": cc.mass_kg},
        "response": {**config.response.model_dump(exclude={"bins"}),
                     "bins": BinsBlock(edges=[cc.threshold_kevnr, top]).model_dump()},
        "efficiency": {"curve": "none"},
        "statistics": StatisticsBlock(conventions_table=False).model_dump(),
        "reach": ReachBlock().model_dump(),
    })


def compute(config: Config, ctx: RunContext) -> CicennsOutcome:
    """The CEvNS family (with the physics reach), then the COHERENT reference count."""
    outcome = cevns_compute(config, ctx)
    with ctx.timer("coherent_reference"):
        coherent = float(CevnsModel(_coherent_config(config)).predict().sum())
    return CicennsOutcome(outcome, coherent)


def report(config: Config, outcome: CicennsOutcome, ctx: RunContext) -> None:
    """The family's report plus the COHERENT comparison."""
    cevns_report(config, outcome.cevns, ctx)
    cc, n_coh = config.coherent, outcome.coherent_events
    pot_300 = cc.protons_on_target * 300.0 / n_coh
    ctx.quantity("coherent_comparison_events", n_coh, "events",
             note=f"COHERENT 2017 data set: {cc.mass_kg:g} kg, {cc.protons_on_target:.3g} POT, "
                  f"{cc.nu_per_proton_per_flavour:g} nu/p/flavour, {cc.distance_m:g} m, recoils "
                  f"above {cc.threshold_kevnr:g} keVnr, no efficiency, the design's CsI "
                  f"convention ({config.interaction.form_factor}, "
                  f"{config.interaction.sin2_theta_w}). 300 corresponds to {pot_300:.3g} POT "
                  f"({pot_300 / cc.protons_on_target:.2f} of the 2017 data set)")
    ctx.quantity("coherent_exposure_for_300", pot_300, "protons on target",
             note=f"at {cc.distance_m:g} m, {cc.mass_kg:g} kg, {cc.threshold_kevnr:g} keVnr")
    ctx.quantity("signal_gain_over_coherent", outcome.cevns.signal_events / n_coh, "1",
             note="design events / COHERENT events, each for its own exposure")


FAMILY = Family(name="cicenns", config=Config, compute=compute, report=report,
                description="CICENNS (CEvNS family): 300 kg CsI(Na) at CSNS, physics reach, "
                            "vs COHERENT 14.6 kg")
