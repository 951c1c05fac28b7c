"""A family from outside nuexp: the stopped-pion flux of one flavour at a detector.

It exists to prove the entry-point group ``nuexp.experiments`` end to end: nuexp finds
``FAMILY`` here and the preset ``plugin-preset.toml`` beside this file.
"""

from hepunits import GeV, cm, kW, m, s
from pydantic import Field

from nuexp.config import ExperimentConfig
from nuexp.experiments.analysis import Family
from nuexp.sources.spallation import flux_per_flavour


class FluxConfig(ExperimentConfig):
    """A stopped-pion source and a detector distance."""

    beam_power_kw: float = Field(gt=0, description="proton beam power [kW], > 0")
    proton_energy_gev: float = Field(gt=0, description="proton kinetic energy [GeV], > 0")
    nu_per_proton_per_flavour: float = Field(
        gt=0, le=10, description="neutrinos of one flavour per proton, (0, 10]")
    distance_m: float = Field(gt=0, description="target–detector distance [m], > 0")


def compute(config: FluxConfig, ctx) -> float:
    """Flux of one flavour at the detector (hepunits 1/(area·time))."""
    return float(flux_per_flavour(config.beam_power_kw * kW, config.proton_energy_gev * GeV,
                                  config.nu_per_proton_per_flavour, config.distance_m * m))


def report(config: FluxConfig, flux: float, ctx) -> None:
    """Record the flux in cm^-2 s^-1."""
    ctx.quantity("flux_per_flavour", flux / (1 / cm**2 / s), "cm^-2 s^-1")


FAMILY = Family(name="plugin-flux", config=FluxConfig, compute=compute, report=report,
                description="stopped-pion flux per flavour (test plugin)")
