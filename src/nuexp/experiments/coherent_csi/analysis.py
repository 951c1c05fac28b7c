"""COHERENT CsI[Na] 2017: the CEvNS family, plus the nominal-power rate CLOVERS quotes.

Akimov et al. (COHERENT), "Observation of coherent elastic neutrino-nucleus scattering",
Science 357 (2017) 1123: 14.57 kg CsI[Na] 19.3 m from the SNS mercury target,
1.76 × 10²³ protons on target (7.48 GWh) in 308.1 live days, 0.08 ν per proton per
flavour, Standard-Model prediction 173 ± 48 events. The preset ``coherent-csi.toml`` is a
CEvNS-family TOML with the released detector response (arXiv:1804.09459); this module
adds what is specific to this preset:

* ``beam_energy_2017`` and ``mean_beam_power_2017``: protons on target × proton energy,
  beside the paper's 7.48 GWh. The paper quotes both 1.76e23 POT and 7.48 GWh, which
  fix the mean proton energy at 0.955 GeV; its nominal "1 GeV" would put 7.83 GWh
  (1.06 MW) on the same protons. The preset uses 0.955 GeV so the two agree.
* ``signal_rate_nominal_power``: CLOVERS quotes 0.053 /day/kg for COHERENT (abstract,
  Sec. 4). The 2017 exposure gives the selected events per live day and kg at the mean
  power (1.01 MW); scaled by beam power to the SNS nominal 1.4 MW (the configured
  ``beam_power_kw``) this is the rate CLOVERS quotes.
"""

from __future__ import annotations

from hepunits import GW, GeV, day, hour, kW

from ...exceptions import InvalidConfiguration
from ...sources.spallation import get_facility
from ..analysis import Family
from ..cevns.config import CevnsConfig
from ..cevns.family import CevnsOutcome, compute
from ..cevns.family import report as cevns_report
from ..context import RunContext

__all__ = ["FAMILY", "report"]


def _beam(config: CevnsConfig) -> tuple[float, float, float]:
    """(protons on target, proton energy, nominal beam power) in hepunits; all required."""
    src, exp = config.source, config.exposure
    missing = [name for name, v in (("source.beam_power_kw", src.beam_power_kw),
                                    ("source.proton_energy_gev", src.proton_energy_gev),
                                    ("exposure.protons_on_target", exp.protons_on_target))
               if v is None]
    if missing or src.beam_power_kw is None or src.proton_energy_gev is None \
            or exp.protons_on_target is None:
        raise InvalidConfiguration(f"coherent-csi: {', '.join(missing)} not given; the "
                                   "nominal-power rate needs each of them (> 0)")
    return exp.protons_on_target, src.proton_energy_gev * GeV, src.beam_power_kw * kW


def report(config: CevnsConfig, outcome: CevnsOutcome, ctx: RunContext) -> None:
    """The family's report, the 2017 beam energy and power, and the nominal-power rate."""
    cevns_report(config, outcome, ctx)
    pot, energy, nominal = _beam(config)
    live = config.exposure.live_days * day
    beam_energy = pot * energy
    mean_power = beam_energy / live
    mw = 1000 * kW
    entry = ctx.published_entry("beam_energy_2017")
    implied = ("" if entry is None or not isinstance(entry.value, float) else
               f"; the published {entry.value:g} GWh over {pot:.3g} POT imply "
               f"{entry.value * GW * hour / pot / GeV:.4f} GeV")
    ctx.quantity("beam_energy_2017", beam_energy / (GW * hour), "GWh",
                 note=f"protons on target x proton energy ({pot:.3g} x "
                      f"{energy / GeV:g} GeV){implied}")
    ctx.quantity("mean_beam_power_2017", mean_power / mw, "MW",
                 note=f"beam_energy_2017 over the {config.exposure.live_days:g} live days")

    rate_2017 = outcome.signal_events / config.kg_day
    scale = nominal / mean_power
    sns = get_facility("SNS")
    by_protons = (nominal / sns.proton_energy) / (pot / live)
    published = ctx.published_entry("signal_events")
    own = ("" if published is None or not isinstance(published.value, float) else
           f"; with COHERENT's own {published.value:g} predicted events the same scaling gives "
           f"{published.value / config.kg_day * scale:.4f}")
    ctx.quantity("signal_rate_nominal_power", rate_2017 * scale, "day^-1 kg^-1",
                 note=f"selected events per live day per kg of the 2017 data set "
                      f"({rate_2017:.4f} at the mean {mean_power / mw:.3f} MW) scaled by beam "
                      f"power to the nominal {nominal / mw:g} MW (x{scale:.3f}){own}. Scaled by "
                      f"proton rate at the SNS nominal {sns.proton_energy / GeV:g} GeV instead "
                      f"(x{by_protons:.3f}, which mixes two proton energies) it would be "
                      f"{rate_2017 * by_protons:.4f}")


FAMILY = Family(name="coherent-csi", config=CevnsConfig, compute=compute, report=report,
                description="COHERENT CsI[Na] 2017 (CEvNS family): 173 predicted events and "
                            "the nominal-power rate CLOVERS quotes")
