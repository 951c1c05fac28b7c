"""Figures of the ``reactor-flux`` preset (spectra, top nuclides, library spread, bump)."""

from __future__ import annotations

import numpy as np
from hepunits import MeV

from ...report.labels import nuclide_label, physics_label
from ...report.plots import new_figure
from ...sources import summation
from ...sources.reactor import ISOTOPES

__all__ = ["bump", "library_spread", "spectra_and_ratio", "top_nuclides"]

def spectra_and_ratio(outcome, config, ctx) -> None:
    """Four spectra (summation vs HM) and their ratio to HM."""
    E = outcome.energy / MeV
    ref = config.summation.reference
    fig, axes = new_figure(2, 4, figsize=(24, 10))
    for k, iso in enumerate(ISOTOPES):
        top, bot = axes[0][k], axes[1][k]
        hm = outcome.spectra["huber-mueller"][iso]
        top.plot(E, hm, "k-", label="Huber–Mueller")
        for j, v in enumerate(config.summation.libraries):
            top.plot(E, outcome.spectra[v][iso], color=f"C{j}", lw=1, label=f"summation {physics_label(v)}")
            bot.plot(E, outcome.spectra[v][iso] / hm, color=f"C{j}", lw=1)
        top.set_yscale("log")
        top.set_title(nuclide_label(iso))
        bot.axhline(1.0, color="k", lw=0.8)
        bot.axvspan(5.0, 7.0, color="grey", alpha=0.15)
        bot.set_ylim(0.6, 1.4)
        bot.set_xlim(1.8, 8.5)
        bot.set_xlabel(r"$E_\nu$ [MeV]")
        if k == 0:
            top.set_ylabel(r"$\bar\nu_e$ / (MeV fission)")
            bot.set_ylabel("summation / Huber–Mueller")
    axes[0][0].legend(fontsize=13)
    ctx.figure(fig, "spectra_ratio_to_hm", caption=(
        "Summation spectra per fission (tables on a 10 keV grid; the saw-tooth is the sum of "
        "branch endpoints) and their ratio to Huber–Mueller; shaded: the 5–7 MeV neutrino "
        f"energy region of the 4–6 MeV prompt bump. Reference variant: {ref}."))


#: Colours of the nuclides named in the top-nuclides legend: Paul Tol's "muted" scheme,
#: distinct for colour-blind readers (Tol, SRON/EPS/TN/09-002, 2021); the rest of the
#: leading nuclides is drawn in grey.
_NUCLIDE_COLOURS = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255",
                    "#44AA99", "#999933", "#AA4499")
_OTHERS_COLOUR = "#BBBBBB"


def _named_nuclides(ranked: list[list[str]]) -> list[str]:
    """The nuclides the legend names: those in the top ``n`` of any isotope, with ``n`` as
    large as the palette allows, ordered by best rank (then first isotope)."""
    for n in range(max(map(len, ranked)), 0, -1):
        best: dict[str, tuple[int, int]] = {}
        for i, names in enumerate(ranked):
            for rank, name in enumerate(names[:n]):
                best[name] = min(best.get(name, (rank, i)), (rank, i))
        if len(best) <= len(_NUCLIDE_COLOURS):
            return sorted(best, key=best.__getitem__)
    return []


def top_nuclides(outcome, config, ctx) -> None:
    """Contributions of the leading nuclides to 5–8 MeV, per isotope (reference variant).

    A nuclide has the same colour in every panel and one legend names them all; the
    leading nuclides beyond the palette are stacked together in grey.
    """
    ref = summation.load_table(config.summation.reference)
    E = ref.energy / MeV
    sel = (E >= 4.0) & (E <= 9.0)
    named = _named_nuclides([outcome.top[iso][0] for iso in ISOTOPES])
    colour = dict(zip(named, _NUCLIDE_COLOURS))
    n_top = max(len(outcome.top[iso][0]) for iso in ISOTOPES)
    fig, axes = new_figure(1, 4, figsize=(24, 6.5))
    handles = {}
    for ax, iso in zip(axes, ISOTOPES):
        names, spectra, _ = outcome.top[iso]
        others = np.zeros(sel.sum())
        bottom = np.zeros(sel.sum())
        for name, s in zip(names, spectra):
            part = s[sel] * MeV
            if name not in colour:
                others += part
                continue
            handles[name] = ax.fill_between(E[sel], bottom, bottom + part, color=colour[name],
                                            lw=0)
            bottom += part
        handles["others"] = ax.fill_between(E[sel], bottom, bottom + others,
                                            color=_OTHERS_COLOUR, lw=0)
        (handles["total"],) = ax.plot(E[sel], ref.spectrum(iso)[sel] * MeV, "k-", lw=2)
        ax.set_yscale("log")
        ax.set_ylim(1e-4, None)
        ax.set_xlabel(r"$E_\nu$ [MeV]")
        ax.set_title(nuclide_label(iso))
    axes[0].set_ylabel(r"$\bar\nu_e$ / (MeV fission)")
    labels = {name: nuclide_label(name) for name in named}
    labels["others"] = f"rest of top {n_top}"
    labels["total"] = "all nuclides"
    fig.legend([handles[k] for k in labels], list(labels.values()), loc="outside right upper")
    ctx.figure(fig, "top_nuclides_5_8_mev", caption=(
        f"Stacked contributions of the {n_top} nuclides that dominate 5–8 MeV per isotope "
        f"(cumulative yield × β branches, {config.summation.reference}); each nuclide among "
        "the leading ones of any isotope has its own colour in every panel, the other "
        "leading nuclides are grouped in grey; the black line is the full sum."))


def library_spread(outcome, config, ctx) -> None:
    """Each variant over the reference, with the half-spread band."""
    E = outcome.energy / MeV
    ref = config.summation.reference
    fig, axes = new_figure(1, 4, figsize=(24, 6))
    for ax, iso in zip(axes, ISOTOPES):
        base = outcome.spectra[ref][iso]
        vals = np.array([outcome.spectra[v][iso] for v in config.summation.libraries])
        ax.fill_between(E, vals.min(axis=0) / base, vals.max(axis=0) / base, color="grey",
                        alpha=0.3, label="library spread")
        for j, v in enumerate(config.summation.libraries):
            ax.plot(E, vals[j] / base, color=f"C{j}", lw=1, label=physics_label(v))
        ax.plot(E, outcome.spectra["huber-mueller"][iso] / base, "k--", lw=1,
                label="Huber–Mueller")
        ax.set_ylim(0.7, 1.3)
        ax.set_xlabel(r"$E_\nu$ [MeV]")
        ax.set_title(nuclide_label(iso))
    axes[0].set_ylabel(f"ratio to {physics_label(ref)}")
    axes[0].legend(fontsize=13)
    ctx.figure(fig, "library_spread", caption=(
        "Spread of the summation spectra between nuclear-data choices (yields and decay data "
        "of ENDF/B-VIII.0, JEFF-3.3; ENSDF β branches), relative to the reference variant."))


def bump(b, config, ctx) -> None:
    """Data / prediction per hall group for each flux model, with the systematic band."""
    centres = 0.5 * (b.edges[1:] + b.edges[:-1])
    fig, axes = new_figure(1, 2, figsize=(16, 7))      # room for the legend row above
    for ax, g in zip(axes, ("near", "far")):
        hm = b.prediction["huber-mueller"][g]
        ax.fill_between(centres, 1 - b.band[g], 1 + b.band[g], step="mid", color="grey",
                        alpha=0.3, label="syst. (fit covariance, shape)")
        ax.errorbar(centres, b.data[g] / hm, yerr=b.stat[g] / hm, fmt="ko", ms=3,
                    label="data / Huber–Mueller")
        for j, (label, pred) in enumerate(b.prediction.items()):
            if label == "huber-mueller":
                continue
            ax.step(centres, pred[g] / hm, where="mid", color=f"C{j}", label=f"summation {physics_label(label)}")
        ax.axhline(1.0, color="k", lw=0.8)
        ax.axvspan(*config.bump.window_mev, color="C1", alpha=0.08)
        ax.set_ylim(0.8, 1.2)
        ax.set_xlabel(r"prompt energy $E_{\rm p}$ [MeV]")
        ax.set_ylabel("ratio to normalised Huber–Mueller")
        ax.set_title({"near": "near halls (EH1 + EH2)", "far": "far hall (EH3)"}[g])
    # above both panels: inside, the entries would lie on the band or the curves
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncols=5,
               fontsize=13)
    ctx.figure(fig, "bump_daya_bay", caption=(
        "Daya Bay full data release (background subtracted) over the Huber–Mueller prediction "
        "at the free-spectrum oscillation best fit, each prediction normalised to the data; "
        "lines: the summation shapes over Huber–Mueller (same normalisation). Data: Daya Bay "
        "Collaboration, Zenodo 10.5281/zenodo.17587229."))
