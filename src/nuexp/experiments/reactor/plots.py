"""Figures of the reactor family (written through ``ctx.figure``)."""

from __future__ import annotations

import numpy as np
from hepunits import MeV

from ...report.labels import parameter_label, physics_label
from ...report.plots import new_figure


def _ordering(dm2_31: float) -> str:
    """'normal ordering' for Δm²31 > 0, else 'inverted ordering'."""
    return "normal ordering" if dm2_31 > 0 else "inverted ordering"


def figures(ctx, cfg, out) -> None:
    """Expected spectra per detector, and the figures of each analysis that ran."""
    a = cfg.sensitivity
    exp, ana = out.exp, out.ana
    days = (a.nmo_reference_years if out.nmo_rows else a.theta13_reference_years) * \
        a.days_per_year
    fig, axes = new_figure(len(exp.detectors), 1, figsize=(9, 3.5 * len(exp.detectors) + 1),
                           squeeze=False)
    for ax, d in zip(axes[:, 0], exp.detectors):
        c, width = d.ibd.centres / MeV, np.diff(d.ibd.edges) / MeV
        ax.step(c, d.ibd.unoscillated() * days / width, where="mid", color="grey",
                label="no oscillation")
        ax.step(c, d.ibd.spectra(ana.base, exp.density).sum(axis=0) * days / width,
                where="mid", label=f"oscillated ({_ordering(ana.base.dm2_31)})")
        bk = d.background_spectra() * days
        if bk.size:
            ax.stackplot(c, bk / width, labels=[physics_label(b) for b in d.background_names],
                         alpha=0.5, step="mid")
        ax.set_ylabel("events / MeV")
        ax.set_title(f"{physics_label(d.name)}, {days / a.days_per_year:g} yr", fontsize=14,
                     loc="left")
        ax.legend(fontsize=9, ncol=2)
    axes[-1, 0].set_xlabel(r"reconstructed prompt energy $E_{\rm p}$ [MeV]")
    ctx.figure(fig, "spectra", caption="Expected prompt-energy spectra per detector.")

    if out.nmo_ref is not None:
        ref_days = a.nmo_reference_years * a.days_per_year
        pred = ana.predictor(ref_days)
        x_io = ana.parameters.from_dict(out.nmo_ref.fit_alternative.values)
        no = pred(ana.parameters.values)[0]
        _, _, io = ana.likelihood(ref_days).profile(x_io)
        d0 = exp.detectors[0]
        n0 = d0.ibd.n_bins
        c, width = d0.ibd.centres / MeV, np.diff(d0.ibd.edges) / MeV
        true, other = _ordering(ana.base.dm2_31), _ordering(-ana.base.dm2_31)
        fig, ax = new_figure(2, 1, figsize=(9, 8.5), sharex=True,
                             gridspec_kw={"height_ratios": [2.4, 1.2]})
        ax[0].step(c, no[:n0] / width, where="mid", label=f"{true} (Asimov truth)")
        ax[0].step(c, io[:n0] / width, where="mid", ls="--", label=f"{other}, best fit")
        ax[0].set_ylabel("events / MeV")
        ax[0].legend()
        ax[1].step(c, (io[:n0] - no[:n0]) / np.sqrt(no[:n0]), where="mid")
        ax[1].axhline(0.0, color="0.5", lw=1)
        # √ as a character: the style's font has no glyph for mathtext's \sqrt
        ax[1].set_ylabel(r"$(N_{\rm fit}-N_{\rm true})$/√$N_{\rm true}$", fontsize=14)
        ax[1].set_xlabel(r"reconstructed prompt energy $E_{\rm p}$ [MeV]")
        ctx.figure(fig, "spectrum_no_io", caption=f"{d0.name}: Asimov spectra; the other "
                   "ordering fitted with all nuisances profiled.")
        fig, ax = new_figure()
        ax.plot([r["years"] for r in out.nmo_rows], [r["delta_chi2"] for r in out.nmo_rows],
                "o-", label="nuexp (Asimov, reactors only)")
        ax.axhline(a.nmo_target_delta_chi2, color="r", ls=":",
                   label=rf"$\Delta\chi^2 = {a.nmo_target_delta_chi2:g}$")
        ax.set_xlabel(rf"years of data at {exp.total_power_gw:.1f} GW$_{{\rm th}}$")
        ax.set_ylabel(r"$\Delta\chi^2$ (mass ordering)")
        ax.legend()
        ctx.figure(fig, "nmo_vs_exposure", caption=(
            f"Mass-ordering Δχ² vs years of data (Asimov, true {true}, the other ordering "
            "fitted with Δm²31 free and all nuisances profiled; reactor ν̄e only)."))

    if out.scans:
        fig, axes = new_figure(1, len(out.scans), squeeze=False)
        for ax, (p, s) in zip(axes[0], out.scans.items()):
            ax.plot(s.points, s.delta_chi2, "o", label="profile (iminuit)")
            xx = np.linspace(s.points.min(), s.points.max(), 200)
            ax.plot(xx, ((xx - ana.truth[p]) / out.scan_sigma[p]) ** 2, "-",
                    label="Fisher parabola")
            ax.axhline(1.0, color="r", ls=":")
            ax.set_xlabel(parameter_label(p))
            ax.set_ylabel(r"$\Delta\chi^2$ (profiled)")
            ax.legend(fontsize=10)
            ax.ticklabel_format(useOffset=False)
        ctx.figure(fig, "profile_scans", caption=f"Profile scans at {a.profile_scan_exposure}.")

    if out.theta13_rows:
        fig, ax = new_figure()
        curves = {cfg.experiment: out.theta13_rows, **out.theta13_compare}
        for name, rows in curves.items():
            ax.plot([r["years"] for r in rows], [r["sin2_2theta13"] for r in rows], "o-",
                    label=name)
        ax.set_yscale("log")
        ax.set_xlabel("years of data")
        ax.set_ylabel(rf"$\sin^2 2\theta_{{13}}$ sensitivity ({a.theta13_cl:.0%} CL)")
        ax.legend(loc="lower left", fontsize=11)
        ctx.figure(fig, "theta13_sensitivity_vs_exposure",
                   caption=f"sin²2θ13 excluded at {a.theta13_cl:.0%} CL if θ13 = 0, vs years "
                           "of data (Δm²31 = 2.5e-3 eV² fixed, nuisances profiled).")
