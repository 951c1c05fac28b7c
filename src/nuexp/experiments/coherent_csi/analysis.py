"""COHERENT CsI[Na] 2017: the CEvNS family, plus the nominal-power rate CLOVERS quotes.

Akimov et al. (COHERENT), "Observation of coherent elastic neutrino-nucleus scattering",
Science 357 (2017) 1123: 14.57 kg CsI[Na] 19.3 m from the SNS mercury target,
1.76 × 10²³ protons on target in 308.1 live days, 0.08 ν per proton per flavour,
Standard-Model prediction 173 ± 48 events. The preset ``coherent-csi.toml`` is a
CEvNS-family TOML with the released detector response (arXiv:1804.09459); this module
adds the one comparison specific to this preset:

``signal_rate_nominal_power``: CLOVERS quotes 0.053 /day/kg for COHERENT (abstract,
Sec. 4). The 2017 exposure itself corresponds to 173 / (308.1 d × 14.57 kg) = 0.039
/day/kg at its mean beam power of 1.06 MW; 0.053 is reproduced at the SNS nominal
1.4 MW (the configured beam power), which is how it is computed here.
"""

from __future__ import annotations

from hepunits import GeV, day, kW

from ..analysis import Family
from ..cevns.config import CevnsConfig
from ..cevns.family import CevnsOutcome, compute
from ..cevns.family import report as cevns_report
from ..context import RunContext

__all__ = ["FAMILY", "report"]


def report(config: CevnsConfig, outcome: CevnsOutcome, ctx: RunContext) -> None:
    """The family's report plus the selected-event rate at the nominal beam power."""
    cevns_report(config, outcome, ctx)
    model, src, exp = outcome.model, config.source, config.exposure
    live = exp.live_days * day
    mean_power = exp.protons_on_target * src.proton_energy_gev * GeV / live
    rate_2017 = outcome.signal_events / config.kg_day
    ctx.quantity("signal_rate_nominal_power", rate_2017 * src.flux() / model.flux,
             "day^-1 kg^-1",
             note=f"selected events per live day per kg scaled to the nominal "
                  f"{src.beam_power_kw / 1000:g} MW beam; at the 2017 mean power "
                  f"({mean_power / (1000 * kW):.2f} MW) it is {rate_2017:.4f}")


FAMILY = Family(name="coherent-csi", config=CevnsConfig, compute=compute, report=report,
                description="COHERENT CsI[Na] 2017 (CEvNS family): 173 predicted events and "
                            "the nominal-power rate CLOVERS quotes")
