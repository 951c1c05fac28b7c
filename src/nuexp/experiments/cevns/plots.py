"""Figures of the CEvNS family: recoil spectra, observable and time spectra with the
backgrounds stacked, the significance map, and the physics reach (precision vs exposure,
the NSI plane)."""

from __future__ import annotations

import numpy as np
from hepunits import MeV, cm, keV, microsecond
from matplotlib.ticker import LogFormatter

from ...report.labels import physics_label, scientific
from ...report.plots import clear_corner, new_figure

__all__ = ["draw_all"]

_UNITS = {"pe": "NPE", "electrons": "ionisation electrons", "energy": r"$E_{\rm ee}$ [keVee]",
          "recoil": r"$T_{\rm nr}$ [keV]", "xenon-s2": "S2 [PE]"}


def draw_all(ctx, cfg, o) -> None:
    """Draw every figure the outcome supports (only called when writing files)."""
    model = o.model
    name = cfg.experiment
    # neutrino fluences: continua as densities; a line (a delta function, a fluence in
    # cm⁻² with no density) as a vertical marker with its fluence in the legend
    fig, ax = new_figure()
    peak = max((float(np.max(spec.density)) * MeV * cm**2 for spec in model.fluences.values()
                if spec.energies.size), default=1.0)
    power = int(np.floor(np.log10(peak))) if peak > 0 else 0
    for comp, spec in model.fluences.items():
        if spec.energies.size:
            ax.plot(spec.energies / MeV, spec.density * MeV * cm**2 / 10**power,
                    label=physics_label(comp))
        for e, w in zip(spec.line_energies, spec.line_weights):
            ax.axvline(e / MeV, color="k", ls="--", lw=1.5,
                       label=f"{physics_label(comp)} line ({scientific(w * cm**2)} cm$^{{-2}}$)")
    ax.set_ylim(0, None)
    ax.set_xlabel(r"$E_\nu$ [MeV]")
    ax.set_ylabel(rf"fluence [$10^{{{power}}}$ cm$^{{-2}}$ MeV$^{{-1}}$]")
    ax.legend(fontsize=12, loc="upper left")
    ctx.figure(fig, "neutrino_spectra", caption=f"{name}: neutrino fluence at the detector "
               "(per MeV for the continua; the monoenergetic line's fluence in the legend).")

    # efficiency vs observable
    edges = model.edges
    centres = 0.5 * (edges[1:] + edges[:-1])
    fig, ax = new_figure()
    ax.step(centres, model.efficiency(centres), where="mid", color="k",
            label="efficiency × constant factors")
    ax.set_xlabel(_UNITS[cfg.response.observable])
    ax.set_ylabel("selection efficiency")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=11)
    ctx.figure(fig, "selection_efficiency", caption=f"{name}: efficiency in the analysis bins "
                                                    "(PMT coincidence, if any, not included).")
    # recoil spectra per component
    fig, ax = new_figure()
    rate = model.recoil_spectrum() * keV
    for comp, y in zip(model.components, rate):
        ax.plot(model.recoil / keV, y, label=physics_label(comp))
    ax.plot(model.recoil / keV, rate.sum(axis=0), color="k", label="total")
    ax.set_yscale("log")
    top = rate.sum(axis=0).max()
    ax.set_ylim(top * 1e-4, top * 2)
    ax.set_xlabel(r"$T_{\rm nr}$ [keV]")
    ax.set_ylabel("CEvNS events / keV")
    ax.legend(fontsize=11)
    ctx.figure(fig, "recoil_spectrum", caption=f"{name}: CEvNS recoil spectra (no response).")

    # observable: signal and stacked backgrounds
    fig, ax = new_figure()
    bottom = np.zeros(edges.size - 1)
    for label, counts in o.backgrounds.items():
        c = counts.sum(axis=1)
        ax.stairs(bottom + c, edges, baseline=bottom, fill=True, alpha=0.5,
                  label=physics_label(label))
        bottom = bottom + c
    ax.stairs(bottom + o.signal.sum(axis=1), edges, baseline=bottom, color="k", lw=2,
              label=f"CEvNS ({o.signal_events:.3g} events)")
    ax.set_xlabel(_UNITS[cfg.response.observable])
    ax.set_ylabel("events / bin")
    ax.legend(fontsize=11)
    ctx.figure(fig, "observable_spectrum",
               caption=f"{name}: CEvNS and backgrounds in the analysis bins.")

    if model.time_edges.size > 2 or np.isfinite(model.time_edges[-1]):
        t = model.time_edges / microsecond
        fig, ax = new_figure()
        bottom = np.zeros(t.size - 1)
        for label, counts in o.backgrounds.items():
            c = counts.sum(axis=0)
            ax.stairs(bottom + c, t, baseline=bottom, fill=True, alpha=0.5,
                      label=physics_label(label))
            bottom = bottom + c
        ax.stairs(bottom + o.signal.sum(axis=0), t, baseline=bottom, color="k", lw=2,
                  label="CEvNS")
        ax.set_xlabel(r"time after the proton pulse [$\mu$s]")
        ax.set_ylabel("events / bin")
        ax.legend(fontsize=11)
        ctx.figure(fig, "time_spectrum", caption=f"{name}: arrival times in the time bins.")

    if o.significance_map is not None:
        mp = o.significance_map
        fig, ax = new_figure()
        mesh = ax.pcolormesh(mp["mass_kg"], mp["time_days"], mp["significance"], shading="auto")
        fig.colorbar(mesh, ax=ax, label="S/√(S+B)")
        level = cfg.statistics.target_sigma
        cs = ax.contour(mp["mass_kg"], mp["time_days"], mp["significance"], levels=[level],
                        colors="w")
        ax.clabel(cs, fmt=lambda v: f"{v:g}σ", inline_spacing=8)
        ax.plot([cfg.target.mass_kg], [cfg.exposure.live_days], marker="*", ms=14, ls="",
                color="#D55E00", label="this configuration")
        # above the map, which fills the axes: nowhere inside is free of data
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=12)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("target mass [kg]")
        ax.set_ylabel("live time [days]")
        clear_corner(ax)
        ctx.figure(fig, "significance_map", caption=f"{name}: significance vs mass and time.")

    rows = o.reach.get("precision_vs_exposure")
    if rows:
        fig, ax = new_figure()
        x = [r["kg_day"] for r in rows]
        for key, label in (("weak_coupling_precision", r"$\sin^2\theta_W$"),
                           ("neutron_radius_precision", r"$R_n$")):
            if key in rows[0]:
                ax.plot(x, [100 * r[key] for r in rows], marker="o", label=label)
        ax.axvline(cfg.kg_day, color="0.5", ls=":", label="this configuration")
        ax.set_xscale("log")
        ax.set_yscale("log")
        # a precision axis spans about a decade: plain numbers (6, 4, 3), not 6×10⁰
        ax.yaxis.set_major_formatter(LogFormatter(labelOnlyBase=False))
        ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False,
                                                  minor_thresholds=(2, 0.5)))
        ax.set_xlabel("exposure [kg d]")
        ax.set_ylabel(r"relative 1$\sigma$ precision [%]")
        ax.legend(fontsize=11)
        ctx.figure(fig, "precision_vs_exposure",
                   caption=f"{name}: profile-likelihood precision vs exposure (Asimov data).")

    if "mediator_limits" in o.reach:
        _mediator(ctx, cfg, o)

    plane = o.reach.get("nsi_plane")
    if plane is not None:
        fig, ax = new_figure()
        ax.contourf(plane["uv"], plane["dv"], plane["delta_chi2"], levels=[0, 4.605],
                    colors=["#0072B2"], alpha=0.5)
        ax.contour(plane["uv"], plane["dv"], plane["delta_chi2"], levels=[4.605], colors="k")
        ax.fill([], [], color="#0072B2", alpha=0.5, label="90% CL allowed (Asimov SM data)")
        ax.plot([0], [0], marker="+", ms=14, ls="", color="#D55E00", label="Standard Model")
        ax.set_xlabel(r"$\varepsilon^{uV}_{ee}$")
        ax.set_ylabel(r"$\varepsilon^{dV}_{ee}$")
        ax.legend(loc="upper right", fontsize=11)
        clear_corner(ax)
        ctx.figure(fig, "nsi_plane",
                   caption=f"{name}: 90% CL allowed region (Δχ² < 4.61, two parameters) of "
                           "ε^uV_ee and ε^dV_ee on Asimov SM data, flux normalisation profiled.")


def _mediator(ctx, cfg, o) -> None:
    masses, limits = o.reach["mediator_limits"]
    ok = np.isfinite(limits)
    fig, ax = new_figure()
    ax.plot(masses[ok], limits[ok], marker="o", color="k")
    ax.fill_between(masses[ok], limits[ok], 1.0, alpha=0.3, label="excluded (90% CL)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$M_{Z'}$ [MeV]")
    ax.set_ylabel(r"$g'$")
    ax.legend(fontsize=11)
    ctx.figure(fig, "mediator_limits", caption=f"{cfg.experiment}: 90% CL upper limit on a "
                                               "universal light vector mediator's coupling "
                                               "(Asimov SM data, flux profiled).")
