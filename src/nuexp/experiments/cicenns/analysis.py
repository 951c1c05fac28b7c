"""CICENNS: a 300 kg CsI(Na) CEvNS detector at CSNS, compared with COHERENT's 14.6 kg.

Source: W. Wang, "Neutrino physics: an experimental overview" (CSNS, 2024), page
"CICENNS experiment at CSNS": 15 CsI(Na) crystals of 20 kg, two 5-inch PMTs per crystal
(coincidence), plastic-scintillator neutron veto; "sufficient signal events: 300 → 6500"
from target mass 14.6 → 300 kg and threshold 7 → 3 keVnr. The talk gives **no exposure,
distance or beam power**: the preset assumes the CLOVERS detector location at CSNS
(10.5 m from the target, CLOVERS Sec. 2.1 / Fig. 6), 140 kW and one CSNS operating year of
5000 beam hours (T. Liang, "Status and prospects of CSNS", TUM/FRM II colloquium:
"neutron beamtime of about 5000 hours per year" at 140 kW).

The COHERENT reference ("300") is evaluated for the documented COHERENT 2017 data set
(Akimov et al., Science 357 (2017) 1123: 14.6 kg CsI[Na], 19.3 m from the SNS target,
1.76e23 protons on target, 0.08 ν per proton per flavour), with the 7 keVnr threshold.

Chain (as CLOVERS): :mod:`nuexp.sources.spallation` (flux from beam power, energy, yield,
distance; decay-at-rest spectra) → :mod:`nuexp.rates` (CEvNS on ¹³³Cs and ¹²⁷I with the
Helm form factor) → recoil threshold in keVnr as the talk states it → background budget
and :mod:`nuexp.stats.counting` (S/√(S+B), mass × time map). The NPE spectrum uses the
COHERENT CsI[Na] quenching (Akimov et al. 2022), light yield and the two-PMT coincidence
of :mod:`nuexp.detector` for the event-spectrum figure.
"""

from __future__ import annotations

import warnings

import numpy as np
from hepunits import GW, MeV, cm, hour, keV, kg, kW, m
from pydantic import Field, field_validator
from scipy.integrate import trapezoid

from ...config import ExperimentConfig, StrictModel
from ..analysis import Family
from ..cevns.blocks import BackgroundCounts, FormFactorName, MassTimeMapBlock, WeakMixing
from ..context import RunContext
from ...detector.coincidence import two_pmt_coincidence_efficiency
from ...detector.quenching import get_quenching
from ...rates import LabelledSpectra, npe_spectra, recoil_spectra
from ...report.plots import new_figure
from ...sources import reactor_low_energy as rle
from ...sources.reactor import FissionFractions
from ...sources.spallation import flux_per_flavour, get_facility, stopped_pion_spectra
from ...stats.counting import exposure_for_significance, significance, significance_map
from ...targets.compound import Compound
from ...targets.isotopic_composition import ElementTarget

__all__ = ["FAMILY", "Config", "analyse", "events_above"]

_TALK = "W. Wang, CSNS 2024 talk, page 'CICENNS experiment at CSNS'"


class SourceBlock(StrictModel):
    facility: str = "CSNS"
    beam_power_kw: float = Field(gt=0)
    distance_m: float = Field(gt=0)
    beam_hours_per_year: float = Field(gt=0, le=8766)
    years: float = Field(gt=0)

    @field_validator("facility")
    @classmethod
    def _facility(cls, value: str) -> str:
        return get_facility(value).name


class DetectorBlock(StrictModel):
    formula: str = "CsI"
    crystals: int = Field(gt=0)
    crystal_mass_kg: float = Field(gt=0)
    threshold_kevnr: float = Field(ge=0)
    light_yield_pe_per_kevee: float = Field(gt=0)
    quenching: str = "coherent-csi-2022"
    form_factor: FormFactorName = "helm"
    sin2_theta_w: WeakMixing = "low-energy"

    @field_validator("formula")
    @classmethod
    def _formula(cls, value: str) -> str:
        Compound(value).isotopes_per_unit  # noqa: B018  (parses, refuses unknown elements)
        return value

    @field_validator("quenching")
    @classmethod
    def _quenching(cls, value: str) -> str:
        get_quenching(value)
        return value



class CoherentBlock(StrictModel):
    facility: str = "SNS"
    protons_on_target: float = Field(gt=0)
    distance_m: float = Field(gt=0)
    mass_kg: float = Field(gt=0)
    threshold_kevnr: float = Field(ge=0)

    @field_validator("facility")
    @classmethod
    def _facility(cls, value: str) -> str:
        return get_facility(value).name


class BackgroundBlock(StrictModel):
    events_per_kg_year: BackgroundCounts
    note: str = ""


class ReactorComparisonBlock(StrictModel):
    thermal_power_gw: float = Field(gt=0)
    distance_m: float = Field(gt=0)
    fission_fractions: dict[str, float]

    @field_validator("fission_fractions")
    @classmethod
    def _fractions(cls, value: dict[str, float]) -> dict[str, float]:
        FissionFractions.from_mapping(value)
        return value



class Config(ExperimentConfig):
    source: SourceBlock
    detector: DetectorBlock
    coherent: CoherentBlock
    backgrounds: BackgroundBlock
    reactor_comparison: ReactorComparisonBlock
    map: MassTimeMapBlock


def _fluences(flux_per_flavour_value: float, duration: float) -> dict:
    """Decay-at-rest fluence per flavour for a flux (per area per time) over ``duration``."""
    return {f: spec.scaled(flux_per_flavour_value * duration)
            for f, spec in stopped_pion_spectra().items()}


def events_above(recoil: np.ndarray, dn_dt: np.ndarray, threshold: float) -> float:
    """∫_threshold dN/dT dT on the grid (linear interpolation at the threshold)."""
    grid = np.union1d(recoil[recoil > threshold], [threshold])
    return float(trapezoid(np.interp(grid, recoil, dn_dt), grid))


def analyse(config: Config, ctx: RunContext) -> None:
    """Run the analysis (compute and report).

    Legacy family: this step records the quantities, tables and figures itself, so
    the family has no separate report step (the CEvNS and reactor families split them).
    """
    sc, dc, cc, bc = config.source, config.detector, config.coherent, config.backgrounds
    recoil = np.linspace(0.0, 60.0, 3001) * keV
    opts = {"form_factor": dc.form_factor, "sin2_theta_w": dc.sin2_theta_w}
    csi = Compound(dc.formula)

    # --- CICENNS design at CSNS ------------------------------------------------------
    fac = get_facility(sc.facility)
    mass_kg = dc.crystals * dc.crystal_mass_kg
    phi = flux_per_flavour(sc.beam_power_kw * kW, fac.proton_energy, fac.nu_per_proton_per_flavour,
                           sc.distance_m * m)
    beam_time = sc.beam_hours_per_year * hour * sc.years
    with ctx.timer("cicenns_rates"):
        design = recoil_spectra(recoil, _fluences(phi, beam_time), csi.nuclei(mass_kg * kg), **opts)
        dn_dt = design.total()
        n_design = events_above(recoil, dn_dt, dc.threshold_kevnr * keV)
        n_design_7 = events_above(recoil, dn_dt, cc.threshold_kevnr * keV)
    ctx.quantity("flux_per_flavour", phi * cm**2 * hour, "cm^-2 h^-1",
                 note=f"{fac.name}, {sc.beam_power_kw:g} kW, {fac.proton_energy / MeV / 1e3:g} GeV, "
                      f"{fac.nu_per_proton_per_flavour} ν/p/flavour, {sc.distance_m:g} m")
    per_full_year = n_design / (sc.beam_hours_per_year * sc.years) * 8766.0
    ctx.quantity(
        "cevns_events", n_design, "events", published=6500, source=_TALK,
        note=(f"{dc.crystals} × {dc.crystal_mass_kg:g} kg {dc.formula}, recoils above "
              f"{dc.threshold_kevnr:g} keVnr (no efficiency). Exposure not given in the talk; "
              f"assumed {sc.years:g} × {sc.beam_hours_per_year:g} beam hours at "
              f"{sc.beam_power_kw:g} kW, {sc.distance_m:g} m from the CSNS target (CLOVERS "
              f"location). 6500 corresponds to {6500 / n_design * sc.beam_hours_per_year * sc.years:.0f}"
              f" beam hours at this flux ({per_full_year:.0f} events per calendar year of "
              f"continuous beam). With a {cc.threshold_kevnr:g} keVnr threshold the same "
              f"exposure gives {n_design_7:.0f}."))

    # --- COHERENT CsI[Na] reference ----------------------------------------------------
    sns = get_facility(cc.facility)
    fluence = cc.protons_on_target * sns.nu_per_proton_per_flavour / (4 * np.pi * (cc.distance_m * m) ** 2)
    with ctx.timer("coherent_rates"):
        coh = recoil_spectra(recoil, {f: sp.scaled(fluence) for f, sp in stopped_pion_spectra().items()},
                             csi.nuclei(cc.mass_kg * kg), **opts)
        n_coh = events_above(recoil, coh.total(), cc.threshold_kevnr * keV)
    pot_300 = cc.protons_on_target * 300.0 / n_coh
    ctx.quantity(
        "coherent_comparison_events", n_coh, "events", published=300, source=_TALK,
        note=(f"COHERENT 2017 data set (Akimov et al. 2017): {cc.mass_kg:g} kg, "
              f"{cc.protons_on_target:.3g} POT, {sns.nu_per_proton_per_flavour} ν/p/flavour, "
              f"{cc.distance_m:g} m, recoils above {cc.threshold_kevnr:g} keVnr, no efficiency. "
              f"The exposure that gives 300 is {pot_300:.3g} POT "
              f"({pot_300 / cc.protons_on_target:.2f} of the 2017 data set, i.e. "
              f"{cc.mass_kg:g} kg × {pot_300 * sns.proton_energy / sns.beam_power / (24 * hour):.0f}"
              f" days at {sns.beam_power / kW / 1e3:g} MW)."))
    ctx.quantity("coherent_exposure_for_300", pot_300, "protons on target",
                 note=f"at {cc.distance_m:g} m, {cc.mass_kg:g} kg, {cc.threshold_kevnr:g} keVnr")
    ctx.quantity("signal_gain_over_coherent", n_design / n_coh, "1", published=6500 / 300,
                 source=_TALK + " (ratio 6500/300)",
                 note="design events / COHERENT events, each for its own assumed exposure")

    # --- backgrounds, significance, map ------------------------------------------------
    kg_years = mass_kg * sc.years
    bkg = {k: v * kg_years for k, v in bc.events_per_kg_year.items()}
    n_bkg = float(sum(bkg.values()))
    ctx.quantity("background_events", n_bkg, "events",
                 note=f"{bc.note} ({kg_years:g} kg·yr)".strip())
    ctx.quantity("significance", float(significance(n_design, n_bkg)), "sigma",
                 note="S/sqrt(S+B) (CLOVERS Eq. 1), statistics only")
    ctx.table("backgrounds", [{"source": k, "events": v} for k, v in bkg.items()]
              + [{"source": "total", "events": n_bkg}])
    s_rate, b_rate = n_design / kg_years, n_bkg / kg_years
    masses = np.geomspace(*config.map.mass_kg, config.map.points)
    times = np.geomspace(*config.map.time_years, config.map.points)
    zmap = significance_map(masses, times, s_rate, b_rate)
    level = config.map.significance_level
    ctx.quantity(f"exposure_for_{level:g}sigma", exposure_for_significance(level, s_rate, b_rate),
                 "kg·year", note="Z² (s + b)/s² with rates per kg·(operating) year")
    ctx.spectrum("significance_map", {"masses_kg": masses, "times_years": times, "z": zmap})

    with ctx.timer("figures"):
        _figures(ctx, config, recoil, design, coh, masses, times, zmap, level, mass_kg, phi)


def _figures(ctx, config, recoil, design, coh, masses, times, zmap, level, mass_kg, phi) -> None:
    sc, dc, cc, rc = config.source, config.detector, config.coherent, config.reactor_comparison
    opts = {"form_factor": dc.form_factor, "sin2_theta_w": dc.sin2_theta_w}
    day = 24 * hour

    # 1. recoil spectra of Xe and CsI at a reactor and at CSNS, side by side (per kg·day)
    fractions = FissionFractions.from_mapping(rc.fission_fractions)
    reactor = rle.reactor_flux_spectrum(rc.thermal_power_gw * GW, rc.distance_m * m, fractions)
    targets = {"Xe": ElementTarget.natural("Xe").nuclei(1 * kg), dc.formula: Compound(dc.formula).nuclei(1 * kg)}
    t_reac = np.geomspace(1e-3, 3.0, 400) * keV
    t_dar = np.geomspace(0.05, 60.0, 400) * keV
    fig, (a1, a2) = new_figure(1, 2)
    for name, nuclei in targets.items():
        r = recoil_spectra(t_reac, {"nuebar": reactor}, nuclei, **opts).total()
        a1.plot(t_reac / keV, r * keV * day, label=name)
        d = recoil_spectra(t_dar, {f: sp.scaled(phi) for f, sp in stopped_pion_spectra().items()},
                           nuclei, **opts).total()
        a2.plot(t_dar / keV, d * keV * day, label=name)
    a1.set_title(f"reactor {rc.thermal_power_gw:g} GW at {rc.distance_m:g} m", fontsize=14)
    a2.set_title(f"CSNS {sc.beam_power_kw:g} kW at {sc.distance_m:g} m", fontsize=14)
    for ax in (a1, a2):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"$T_{\rm nr}$ [keV]")
        ax.set_ylabel("events / (keV kg day)")
        ax.legend(fontsize=12)
    a1.set_ylim(1e-4, None)
    a2.set_ylim(1e-5, None)
    ctx.figure(fig, "recoil_spectra_reactor_vs_csns",
               caption="CEvNS recoil spectra on natural Xe and CsI: reactor ν̄e (Kopeikin + "
                       "Huber–Mueller) vs CSNS stopped-pion neutrinos (beam-on time).")

    # 2. event spectra above threshold: recoil (CICENNS vs COHERENT) and NPE
    fig, (a1, a2) = new_figure(1, 2)
    for spec, label, thr in ((design, f"CICENNS {mass_kg:g} kg", dc.threshold_kevnr),
                             (coh, f"COHERENT {cc.mass_kg:g} kg (2017 exposure)", cc.threshold_kevnr)):
        y = spec.total() * keV
        line, = a1.plot(recoil / keV, y, label=label)
        sel = recoil >= thr * keV
        a1.fill_between(recoil[sel] / keV, y[sel], alpha=0.3, color=line.get_color())
        a1.axvline(thr, color=line.get_color(), ls=":")
    a1.set_yscale("log")
    a1.set_xlim(0, 40)
    a1.set_ylim(1.0, None)
    a1.set_xlabel(r"$T_{\rm nr}$ [keV]")
    a1.set_ylabel("events / keV")
    a1.legend(fontsize=11)
    quench = get_quenching(dc.quenching)
    max_npe = 80
    above = recoil >= dc.threshold_kevnr * keV
    design_above = LabelledSpectra(design.axis, design.components, design.isotopes,
                                   design.values * above, differential=True)
    npe = npe_spectra(design_above, quench, dc.light_yield_pe_per_kevee / keV, max_npe).total()
    n = np.arange(max_npe + 1)
    with warnings.catch_warnings():
        # scipy's bdtr deprecates float-typed counts inside two_pmt_coincidence_efficiency
        # (engineer A's module; values are exact integers, the result is unaffected).
        warnings.simplefilter("ignore", DeprecationWarning)
        eff = two_pmt_coincidence_efficiency(n)
    a2.step(n, npe, where="mid", label=f"CEvNS above {dc.threshold_kevnr:g} keVnr")
    a2.step(n, npe * eff, where="mid", label="with 2-PMT coincidence")
    a2.set_yscale("log")
    a2.set_ylim(1.0, None)
    a2.set_xlabel("NPE")
    a2.set_ylabel("events / PE")
    a2.legend(fontsize=11)
    ctx.figure(fig, "event_spectra",
               caption=f"CICENNS CEvNS above {dc.threshold_kevnr:g} keVnr vs COHERENT above "
                       f"{cc.threshold_kevnr:g} keVnr (left); NPE with COHERENT CsI[Na] quenching, "
                       f"{dc.light_yield_pe_per_kevee:g} PE/keVee and 2-PMT coincidence (right).")

    # 3. significance map
    fig, ax = new_figure()
    mesh = ax.pcolormesh(masses, times, zmap, shading="auto")
    fig.colorbar(mesh, ax=ax, label="S/√(S+B)")
    levels = sorted({level, 10.0, 30.0, 100.0})
    cs = ax.contour(masses, times, zmap, levels=levels, colors="w")
    ax.clabel(cs, fmt=lambda v: f"{v:g}σ")
    ax.plot([mass_kg], [sc.years], marker="*", ms=14, color="r")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("CsI mass [kg]")
    ax.set_ylabel("operating time [years]")
    ctx.figure(fig, "significance_map", caption="CICENNS significance vs mass and time.")


FAMILY = Family(name="cicenns", config=Config, compute=analyse,
                description="CICENNS: 300 kg CsI(Na) CEvNS at CSNS vs COHERENT's 14.6 kg (W. Wang, CSNS 2024 talk)")
