"""RELICS: the CEvNS family for reactor ν̄e on liquid xenon (S2 only), plus the paper's
specifics.

Inputs and published numbers:

* W. Wang, "Neutrino physics: an experimental overview" (CSNS, 2024), page "RELICS":
  Sanmen, 3.4 GW thermal, core at 25 m, ν̄e flux "> 1e13 ν/cm²/s", 4902 CEvNS events and
  backgrounds (cosmic neutrons 230, μ-induced neutrons 1.5, electron recoils 5.7,
  delayed electrons 1081) per 32 kg·year.
* RELICS collaboration, arXiv:2405.05554 (v2 abstract): 32 kg·yr at 25 m from a
  **3 GW** core, ionisation-only analysis, S2 window 120–240 PE: 4902.4 CEvNS and
  1318.4 background events. v3: 120–300 PE ≙ *average* recoils 0.63–1.36 keVnr.

The preset ``relics.toml`` is a CEvNS-family TOML (reactor source, natural xenon,
``xenon-s2`` observable with the NEST v2 charge yield); this module adds what only this
preset reports: the flux bookkeeping (ν̄e per fission, fissions per second), the count at
the paper's 3 GW, the count with the other S2 fluctuation model, and the threshold in
ionisation electrons.

**Threshold model.** ``statistics = "mean"`` counts recoils whose *mean* S2 lies in the
window, i.e. an electron-count threshold on the mean ionisation yield (the reading of
the paper's "average nuclear recoil from 0.63 keV"). ``"poisson"`` lets the number of
extracted electrons fluctuate (Poisson) and the S2 per electron be Gaussian. Because the
Xe recoil spectrum falls by ×6 per 0.15 keV at 0.6 keV, the two differ by ≈3×; both are
reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from hepunits import GW, MeV, s
from pydantic import Field, model_validator

from ...config import StrictModel
from ...constants import IBD_THRESHOLD
from ...detector.xenon import XenonS2Response
from ...sources import reactor_low_energy as rle
from ...sources.reactor import FissionFractions
from ..analysis import Family
from ..cevns.config import CevnsConfig, XenonBlock
from ..cevns.family import CevnsOutcome
from ..cevns.family import compute as cevns_compute
from ..cevns.family import report as cevns_report
from ..cevns.model import CevnsModel
from ..context import RunContext

__all__ = ["FAMILY", "Config", "compute", "report"]


class PaperBlock(StrictModel):
    """What the RELICS paper assumed differently from the talk."""

    thermal_power_gw: float = Field(gt=0, le=20, description="power assumed by the paper's "
                                                             "event count [GW]")


class Config(CevnsConfig):
    """The CEvNS family configuration plus the paper's reactor power."""

    paper: PaperBlock = Field(description="the paper's assumptions (arXiv:2405.05554 v2)")

    @model_validator(mode="after")
    def _reactor_xenon(self):
        src = self.source
        if src.kind != "reactor" or src.thermal_power_gw is None or src.fission_fractions is None:
            raise ValueError(f"source.kind = {src.kind!r}: the relics family needs a 'reactor' "
                             "source (thermal_power_gw, fission_fractions)")
        if self.response.xenon is None:
            raise ValueError("response.xenon: the relics family needs the xenon S2 block "
                             "(observable 'xenon-s2')")
        return self

    @property
    def thermal_power(self) -> float:
        """Reactor thermal power (hepunits power)."""
        assert self.source.thermal_power_gw is not None  # checked by _reactor_xenon
        return self.source.thermal_power_gw * GW

    @property
    def fractions(self) -> FissionFractions:
        """Fission fractions of the reactor source."""
        assert self.source.fission_fractions is not None  # checked by _reactor_xenon
        return FissionFractions.from_mapping(self.source.fission_fractions)

    @property
    def xenon(self) -> XenonBlock:
        """The xenon S2 response block."""
        assert self.response.xenon is not None  # checked by _reactor_xenon
        return self.response.xenon


@dataclass
class RelicsOutcome:
    """The family outcome, the other fluctuation model and the flux bookkeeping."""

    cevns: CevnsOutcome
    other_statistics: str
    other_events: float
    per_fission: float
    below_ibd: float
    fissions_per_second: float
    threshold_electrons: float


def compute(config: Config, ctx: RunContext) -> RelicsOutcome:
    """The CEvNS family, the other S2 fluctuation model, and the reactor bookkeeping."""
    outcome = cevns_compute(config, ctx)
    other = "poisson" if config.response.statistics == "mean" else "mean"
    alt = config.model_copy(update={"response": config.response.model_copy(
        update={"statistics": other})})
    other_events = float(CevnsModel(alt).predict().sum())
    src, fractions, x = config.source, config.fractions, config.xenon
    s2 = XenonS2Response(x.drift_field_v_per_cm, x.extraction_efficiency,
                         x.single_electron_gain_pe, x.single_electron_width)
    return RelicsOutcome(
        outcome, other, other_events,
        rle.antineutrinos_per_fission(fractions, **src.join),
        rle.antineutrinos_per_fission(fractions, emax=rle.IBD_THRESHOLD, **src.join),
        rle.fission_rate(config.thermal_power, fractions),
        s2.threshold_electrons(float(config.response.bins.values()[0])))


def report(config: Config, outcome: RelicsOutcome, ctx: RunContext) -> None:
    """The family's report plus the RELICS-specific quantities."""
    cevns_report(config, outcome.cevns, ctx)
    o, fractions = outcome, config.fractions
    ctx.quantity("antineutrinos_per_fission", o.per_fission, "1",
             note=f"{o.below_ibd:.3f} of them below the {IBD_THRESHOLD / MeV:.3f} MeV IBD threshold (Kopeikin "
                  "2012 below the join incl. 239U/239Np, Huber-Mueller above)")
    ctx.quantity("fissions_per_second", o.fissions_per_second * s, "s^-1",
             note=f"{config.thermal_power / GW:g} GW / "
                  f"{rle.energy_per_fission(fractions) / MeV:.2f} MeV per fission (Ma 2013)")
    per = f"events / {config.exposure.live_days:g} d / {config.target.mass_kg:g} kg"
    scale = config.paper.thermal_power_gw * GW / config.thermal_power
    sig = o.cevns.signal_events
    entry = ctx.published_entry("signal_events_paper_power")
    spread = ("" if entry is None or not isinstance(entry.value, float) else
              f"; {sig * scale / entry.value:.2f} x the published {entry.value:g}, with the "
              f"other S2 model {o.other_events * scale / entry.value:.2f} x")
    ctx.quantity("signal_events_paper_power", sig * scale, per,
             note=f"signal_events at the paper's {config.paper.thermal_power_gw:g} GW "
                  f"(events are proportional to the power); with the other S2 model "
                  f"('{o.other_statistics}') {o.other_events * scale:.0f}{spread}")
    ctx.quantity(f"signal_events_{o.other_statistics}_statistics", o.other_events, per,
             note=f"the other S2 model ('{o.other_statistics}'); configured: "
                  f"'{config.response.statistics}'. Poisson electron-number fluctuations feed "
                  "recoils below 0.63 keVnr into the window")
    ctx.quantity("threshold_electrons", o.threshold_electrons, "electrons",
             note="first S2 bin edge / (extraction x single-electron gain)")


FAMILY = Family(name="relics", config=Config, compute=compute, report=report,
                description="RELICS (CEvNS family): reactor CEvNS on liquid xenon, S2 only, "
                            "Sanmen 3.4 GW at 25 m")
