"""Figures of the ``clovers`` analysis (CLOVERS Figs. 1, 5, 6, 7, 10, 13, 14 style)."""

from __future__ import annotations

import json
import os
import threading
import traceback

import numpy as np
from hepunits import MeV, day, keV, second

from ...report.plots import new_figure
from ...sources.decay_at_rest import NUMU_PROMPT_ENERGY

__all__ = ["draw_all"]

# Unicode, not mathtext: parsing mathtext costs ~40 ms per string and output format
_FLAVOUR_LABEL = {"numu": "prompt νμ", "nue": "delayed νe", "numubar": "delayed ν\u0304μ"}
def _save(ctx, fig, stem: str, caption: str) -> None:
    ctx.figure(fig, stem, caption=caption)


def _log_y(ax) -> None:
    """Log y axis with plain tick labels (the default ones are mathtext, slow to render)."""
    from matplotlib.ticker import FuncFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))


_COLOUR = {"numu": "tab:blue", "nue": "tab:orange", "numubar": "tab:green"}


def _neutrino_spectra(ctx, chain, exposure_label):
    from ...sources.spallation import stopped_pion_spectra

    fig, ax = new_figure(figsize=(7, 5), layout="fixed")
    phi_h = chain.flux  # per flavour
    for f, spec in stopped_pion_spectra(401).items():
        if spec.energies.size:
            ax.plot(spec.energies / MeV, spec.density * MeV, color=_COLOUR[f], label=_FLAVOUR_LABEL[f])
    ax.axvline(NUMU_PROMPT_ENERGY / MeV, color=_COLOUR["numu"], label=_FLAVOUR_LABEL["numu"] +
               f" line ({NUMU_PROMPT_ENERGY / MeV:.2f} MeV)")
    ax.set_xlabel("Eν [MeV]")
    ax.set_ylabel("dN/dEν [1/MeV]")
    ax.set_xlim(0, 55)
    ax.set_ylim(0, None)
    ax.legend(fontsize=11, loc="upper left")
    from ..cevns.blocks import FLUX_UNIT

    ax.set_title(f"flux per flavour {phi_h / FLUX_UNIT:.3g} /cm²/h", fontsize=11)
    _save(ctx, fig, "neutrino_spectra",
               caption="CLOVERS Fig. 1 style: π+/μ+ decay-at-rest spectra, each normalised to one "
               "neutrino.")


def _recoil(ctx, chain, per):
    rec = chain.recoil
    t = rec.axis / keV
    fig, ax = new_figure(figsize=(7, 5), layout="fixed")
    ax.plot(t, rec.total() * keV, color="k", lw=2, label="total")
    for f, y in rec.by_component().items():
        ax.plot(t, y * keV, color=_COLOUR[f], label=_FLAVOUR_LABEL[f])
    for (iso, y), colour in zip(rec.by_isotope().items(), ("tab:purple", "tab:gray", "tab:brown")):
        ax.plot(t, y * keV, ls="--", color=colour, label=iso)
    ax.set_xlabel("nuclear recoil energy [keV]")
    ax.set_ylabel(f"events / keV ({per})")
    _log_y(ax)
    ax.set_ylim(1e-2, None)
    ax.set_xlim(0, 50)
    ax.legend(fontsize=11)
    _save(ctx, fig, "recoil_spectrum", caption="CLOVERS Fig. 6 style: CEvNS recoil spectra by "
                                               "flavour and isotope.")


def _npe(ctx, chain, per, weight):
    npe = chain.npe
    n = npe.axis
    fig, ax = new_figure(figsize=(7, 5), layout="fixed")
    ax.step(n, npe.total(), where="mid", color="k", lw=2, label="total")
    for f, y in npe.by_component().items():
        ax.step(n, y, where="mid", color=_COLOUR[f], label=_FLAVOUR_LABEL[f])
    ax.step(n, npe.total() * weight, where="mid", color="tab:red", ls="--",
            label="total after cuts, in window")
    ax.set_xlabel("NPE")
    ax.set_ylabel(f"events / PE ({per})")
    ax.set_xlim(0, 100)
    ax.legend(fontsize=11)
    _save(ctx, fig, "npe_spectrum", caption="CLOVERS Fig. 7 style: expected NPE spectra "
                                            "(Poisson PE statistics, 33.5 PE/keVee, COHERENT QF).")


def _efficiency(ctx, effs, npe):
    fig, ax = new_figure(figsize=(7, 5), layout="fixed")
    sel = npe <= 80
    ax.plot(npe[sel], effs["muon_veto"][sel], color="tab:green", label="μ veto (crit. 1)")
    ax.plot(npe[sel], effs["afterglow"][sel], color="tab:blue", label="afterglow (crit. 2)")
    ax.plot(npe[sel], effs["coincidence"][sel], color="tab:gray", ls=":", label="2-PMT coincidence (crit. 3)")
    ax.plot(npe[sel], effs["total"][sel], color="k", lw=2, label="total")
    ax.set_xlabel("NPE")
    ax.set_ylabel("efficiency")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=11, loc="lower right")
    _save(ctx, fig, "selection_efficiency", caption="CLOVERS Fig. 5 style: selection efficiency "
                                                    "versus NPE.")


def _stack(ctx, cfg, chain, weight, bkg, per):
    n = chain.npe.axis
    lo, hi = cfg.selection.npe_low, cfg.selection.npe_high
    sel = (n >= lo) & (n <= hi)
    fig, ax = new_figure(figsize=(7, 5), layout="fixed")
    edges = np.arange(lo, hi + 2) - 0.5
    bottom = np.zeros(sel.sum())
    for name, y in bkg.items():
        ax.stairs(bottom + y[sel], edges, baseline=bottom, fill=True, alpha=0.6,
                  label=cfg.backgrounds.components[name].label)
        bottom = bottom + y[sel]
    sig = chain.npe.total()[sel] * weight[sel]
    ax.stairs(sig, edges, color="tab:red", ls="--", lw=2, label="CEvNS signal")
    ax.stairs(sig + bottom, edges, color="tab:blue", lw=2, label="signal + background")
    ax.set_xlabel("NPE")
    ax.set_ylabel(f"events / PE ({per})")
    _log_y(ax)
    ax.set_ylim(1e-2, None)
    ax.legend(fontsize=11)
    _save(ctx, fig, "npe_stack", caption="CLOVERS Fig. 13 style: signal and background after all "
                                         "cuts in the NPE window (background shapes are assumptions).")


def _dark(ctx, cfg, toy):
    dc = cfg.dark_counts
    n = np.arange(toy.npe_without.size)
    # scale to the configured live time at the beam repetition rate
    n_real = cfg.source.repetition_rate_hz * cfg.exposure.live_days * day / second
    scale = n_real / toy.n_triggers
    fig, ax = new_figure(figsize=(7, 5), layout="fixed")
    ax.step(n[1:], toy.npe_without[1:] * scale, where="mid", color="tab:orange",
            label="without criterion 3")
    ax.step(n[1:], toy.npe_with[1:] * scale, where="mid", color="tab:blue", label="with criterion 3")
    _log_y(ax)
    ax.set_xlabel("NPE (sum of both PMTs)")
    ax.set_ylabel(f"events / {cfg.exposure.live_days:g} d")
    ax.legend(fontsize=11)
    ax.set_title(f"toy MC: {toy.n_triggers:.2g} triggers, {dc.n_pairs} PMT pairs, "
                 f"suppression {toy.suppression:.0f}", fontsize=10)
    _save(ctx, fig, "dark_counts", caption="CLOVERS Fig. 10 style: PMT dark-count spectra with "
                                           "and without the 2-PMT coincidence (criterion 3).")


def _map(ctx, cfg, masses, times, zmap, x5):
    fig, ax = new_figure(figsize=(7, 5.5), layout="fixed")
    extent = (masses[0], masses[-1], times[0], times[-1])
    mesh = ax.imshow(zmap, origin="lower", extent=extent, aspect="auto", cmap="viridis",
                     interpolation="nearest")
    fig.colorbar(mesh, ax=ax, label="S/√(S+B) [σ]")
    cs = ax.contour(masses, times, zmap, levels=[3, cfg.significance_map.target_sigma, 7],
                    colors=["w", "r", "w"], linewidths=[1, 2, 1])
    ax.clabel(cs, fmt=lambda v: f"{v:g}σ", fontsize=10)
    ax.plot(masses, x5 / masses, color="r", ls=":", lw=1)
    ax.plot([cfg.target.mass_kg], [cfg.exposure.live_days], marker="*", ms=16, color="gold",
            mec="k", ls="none", label=f"{cfg.target.mass_kg:g} kg, {cfg.exposure.live_days:g} d")
    ax.set_ylim(times[0], times[-1])
    ax.set_xlabel("detector mass [kg]")
    ax.set_ylabel("live time [days]")
    ax.legend(fontsize=11, loc="upper right")
    _save(ctx, fig, "significance_map", caption="CLOVERS Fig. 14 style: significance versus "
                                                "detector mass and data-collection time.")


_ORDER = ("neutrino_spectra", "recoil_spectrum", "npe_spectrum", "selection_efficiency",
          "npe_stack", "dark_counts", "significance_map")


def _run_jobs(ctx, jobs) -> None:
    """Run figure jobs; on a multi-core POSIX machine split them over two processes.

    Drawing and saving (PNG + PDF) dominates a ``nuexp run clovers``; a forked worker
    halves the wall time on two cores. The worker writes its files into the run's
    staging folder (atomically, as ``ctx.figure`` does) and reports the file names back
    through a pipe; the parent waits for it and fails the run if it failed, so nothing
    half-written reaches ``--out``. With ``--scheduler serial``, one core, other threads
    running, or no ``os.fork``, everything is drawn here.
    """
    serial = (len(jobs) < 2 or ctx.scheduler == "serial" or (os.cpu_count() or 1) < 2
              or threading.active_count() > 1 or not hasattr(os, "fork"))
    if serial:
        for job in jobs:
            job()
        return
    mine, theirs = jobs[0::2], jobs[1::2]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # worker
        code = 1
        try:
            os.close(read_end)
            before = len(ctx.results.figures)
            for job in theirs:
                job()
            os.write(write_end, json.dumps(ctx.results.figures[before:]).encode())
            code = 0
        except BaseException:  # report and exit without running the parent's cleanup
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        for job in mine:
            job()
    finally:
        chunks = []
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not chunks:
        raise RuntimeError("clovers: the figure worker process failed (traceback above)")
    ctx.results.figures.extend(json.loads(b"".join(chunks)))
    rank = {f"{stem}.png": i for i, stem in enumerate(_ORDER)}
    ctx.results.figures.sort(key=lambda name: rank.get(name, len(rank)))


def draw_all(ctx, cfg, chain, effs, window, bkg, toy, masses, times, zmap, x5, threshold) -> None:
    """Draw and save every figure of the run."""
    import matplotlib.pyplot as plt

    per = f"{cfg.exposure.live_days:g} d, {cfg.target.mass_kg:g} kg"
    weight = effs["total"] * window
    jobs = [
        lambda: _dark(ctx, cfg, toy),
        lambda: _recoil(ctx, chain, per),
        lambda: _npe(ctx, chain, per, weight),
        lambda: _stack(ctx, cfg, chain, weight, bkg, per),
        lambda: _efficiency(ctx, effs, chain.npe.axis),
        lambda: _map(ctx, cfg, masses, times, zmap, x5),
        lambda: _neutrino_spectra(ctx, chain, per),
    ]
    with plt.rc_context({"axes.formatter.use_mathtext": False}):
        _run_jobs(ctx, jobs)
