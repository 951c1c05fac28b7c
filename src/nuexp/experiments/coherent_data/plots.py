"""Figures of the COHERENT data presets: projections with residuals, profiles, NSI plane."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ...report.plots import new_figure

__all__ = ["nsi_figure", "profile_figure", "projections_figure"]

_COLOURS = {"cevns": "tab:red", "brn": "tab:blue", "nin": "tab:cyan",
            "delayed_brn": "tab:cyan", "steady_state": "0.7"}
_LABELS = {"cevns": "CEvNS", "brn": "BRN (prompt)", "nin": "NIN", "delayed_brn": "BRN (delayed)",
           "steady_state": "steady state"}


def projections_figure(data: np.ndarray, components: Mapping[str, np.ndarray],
                       axes: Sequence[tuple[np.ndarray, str]], title: str):
    """Data and stacked fitted components projected on each axis, with residuals.

    Parameters
    ----------
    data : ndarray
        Observed counts, one dimension per entry of ``axes``.
    components : mapping
        {name: expected counts (same shape as ``data``)} at the best fit; stacked from
        the last to the first (steady state at the bottom when listed last).
    axes : sequence of (edges, label)
        Bin edges (in display units) and axis label of each dimension.
    title : str
    """
    n = len(axes)
    fig, ax = new_figure(2, n, figsize=(5.5 * n, 6.5), height_ratios=[3, 1], sharex="col",
                         squeeze=False)
    for k in range(n):
        ax[0, k].tick_params(labelbottom=False)
    names = list(components)[::-1]
    for k, (edges, label) in enumerate(axes):
        other = tuple(i for i in range(data.ndim) if i != k)
        width = np.diff(edges)
        obs = data.sum(axis=other)
        base = np.zeros_like(obs, dtype=float)
        for name in names:
            proj = components[name].sum(axis=other)
            ax[0, k].stairs((base + proj) / width, edges, baseline=base / width, fill=True,
                            alpha=0.8, color=_COLOURS.get(name), label=_LABELS.get(name, name))
            base = base + proj
        centres = 0.5 * (edges[1:] + edges[:-1])
        ax[0, k].errorbar(centres, obs / width, yerr=np.sqrt(obs) / width, fmt="o", color="k",
                          ms=3, label="data")
        scale = np.sqrt(np.maximum(base, 1e-9))
        ax[1, k].errorbar(centres, (obs - base) / scale, yerr=np.sqrt(obs) / scale, fmt="o",
                          color="k", ms=3)
        ax[1, k].axhline(0.0, color="tab:red", lw=1)
        ax[1, k].set_xlabel(label, fontsize=13)
        ax[0, k].set_ylabel(f"events per unit of {label.split(' [')[0]}", fontsize=12)
        ax[1, k].set_ylabel("(data − fit)/√fit", fontsize=11)
        for row in (0, 1):
            ax[row, k].tick_params(labelsize=11)
    ax[0, 0].legend(fontsize=9)
    ax[0, 0].set_title(title, fontsize=11, loc="left")
    return fig


def profile_figure(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], xlabel: str,
                   published: tuple[float, float, str] | None = None):
    """Δχ² profile curves, with the 1σ line and an optional published value ± 1σ band."""
    fig, ax = new_figure(figsize=(7, 5))
    for label, (x, y) in curves.items():
        ax.plot(x, y, lw=2, label=label)
    ax.axhline(1.0, color="0.5", ls="--", lw=1)
    if published is not None:
        value, sigma, label = published
        ax.axvspan(value - sigma, value + sigma, color="tab:green", alpha=0.2, label=label)
        ax.axvline(value, color="tab:green", lw=1)
    ax.set_ylim(0, 9)
    ax.set_xlabel(xlabel, fontsize=14)
    ax.set_ylabel("Δχ² (profiled)", fontsize=14)
    # above the axes: the curves rise to the top on both sides and the band fills the
    # middle, so no corner inside is free
    ax.legend(fontsize=10, loc="lower left", bbox_to_anchor=(0.0, 1.0),
              ncols=len(ax.get_legend_handles_labels()[1]))
    return fig


def nsi_figure(panels: Sequence[tuple[np.ndarray, np.ndarray, Mapping[str, np.ndarray]]],
               level: float):
    """Allowed regions Δχ² ≤ ``level`` in (ε^uV_ee, ε^dV_ee), one panel per grid.

    ``panels``: (ε_u grid, ε_d grid, {label: Δχ² (rows: ε_d)}); a label starting with
    "combined" is filled. Infinite Δχ² (excluded) is drawn as excluded.
    """
    fig, axes = new_figure(1, len(panels), figsize=(6.2 * len(panels), 6))
    axes = np.atleast_1d(axes)
    colours = ("tab:blue", "tab:orange", "k")
    for ax, (eps_u, eps_d, maps) in zip(axes, panels):
        handles = []
        for (label, chi2), colour in zip(maps.items(), colours):
            finite = np.where(np.isfinite(chi2), chi2, 10 * level)
            combined = label.startswith("combined")
            if combined:
                ax.contourf(eps_u, eps_d, finite, levels=[-1.0, level], colors=["0.6"], alpha=0.6)
            # the combined edge is drawn wider and below, so a single-nucleus edge that
            # coincides with it (CsI dominates near the origin) still shows on top
            ax.contour(eps_u, eps_d, finite, levels=[level], colors=[colour],
                       linewidths=3.2 if combined else 1.8, zorder=2 if combined else 3)
            handles.append(Patch(facecolor=(0.6, 0.6, 0.6, 0.6), edgecolor=colour, lw=2,
                                 label=label) if combined
                           else Line2D([], [], color=colour, lw=1.8, label=label))
        ax.plot([0], [0], "*", color="tab:red", ms=12, zorder=4)
        handles.append(Line2D([], [], marker="*", color="tab:red", ms=12, ls="",
                              label="Standard Model"))
        ax.legend(handles=handles, fontsize=10, loc="upper right")
        ax.set_xlabel(r"$\varepsilon^{uV}_{ee}$", fontsize=15)
        ax.set_ylabel(r"$\varepsilon^{dV}_{ee}$", fontsize=15)
        ax.tick_params(labelsize=12)
        ax.xaxis.set_major_locator(MaxNLocator(6, prune="lower"))  # corner labels collide
    return fig
