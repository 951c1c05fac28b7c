"""Oscillograms: probability against L/E, or against E and cos θz through PREM.

Examples
--------
>>> import numpy as np
>>> from hepunits import MeV, km
>>> from nuexp.oscillation import OscillationParameters
>>> from nuexp.oscillation.plots import plot_probability_vs_l_over_e
>>> p = OscillationParameters.preset("juno-talk")
>>> fig = plot_probability_vs_l_over_e(p, "e", "e", np.linspace(1.8, 8, 300) * MeV,
...                                    52.5 * km, antineutrino=True)
>>> len(fig.axes)
1
"""

from __future__ import annotations

import numpy as np
from hepunits import GeV, MeV, km

from .engine import FLAVOURS, Matter, flavour_index, probability
from .matter import PremEarth, chord_length
from .parameters import OscillationParameters

__all__ = ["plot_probability_vs_l_over_e", "plot_zenith_oscillogram"]

_GREEK = {"e": "e", "mu": r"\mu", "tau": r"\tau", "s": "s"}


def _label(a: int, b: int, anti: bool) -> str:
    bar = r"\bar{\nu}" if anti else r"\nu"
    return rf"$P({bar}_{{{_GREEK[FLAVOURS[a]]}}} \to {bar}_{{{_GREEK[FLAVOURS[b]]}}})$"


def plot_probability_vs_l_over_e(params: OscillationParameters, flavour_from, flavour_to,
                                 energy, baseline, *, antineutrino: bool = False,
                                 matter: Matter = None):
    """P against L/E (km/MeV) for energies at one or several baselines (hepunits)."""
    from ..report.plots import new_figure

    a = flavour_index(flavour_from, params.n_flavours)
    b = flavour_index(flavour_to, params.n_flavours)
    E = np.atleast_1d(np.asarray(energy, dtype=float))
    P = probability(params, a, b, E, baseline, antineutrino=antineutrino, matter=matter)
    fig, ax = new_figure()
    loe = (np.asarray(baseline) / km) / (E / MeV)
    order = np.argsort(loe)
    ax.plot(loe[order], np.asarray(P)[order], lw=1.5)
    ax.set_xlabel("L/E [km/MeV]")
    ax.set_ylabel(_label(a, b, antineutrino))
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(params.name or "custom parameters", fontsize=12)
    return fig


def plot_zenith_oscillogram(params: OscillationParameters, flavour_from, flavour_to,
                            energy, cos_zenith, *, antineutrino: bool = False,
                            matter: PremEarth | None = None):
    """P in the (E, cos θz) plane for upgoing neutrinos through PREM (cos θz < 0)."""
    from ..report.plots import new_figure

    a = flavour_index(flavour_from, params.n_flavours)
    b = flavour_index(flavour_to, params.n_flavours)
    E = np.asarray(energy, dtype=float)
    cz = np.asarray(cos_zenith, dtype=float)
    L = chord_length(cz)
    P = probability(params, a, b, E[None, :], L[:, None], antineutrino=antineutrino,
                    matter=matter or PremEarth())
    fig, ax = new_figure()
    mesh = ax.pcolormesh(E / GeV, cz, P, shading="auto", vmin=0, vmax=1, cmap="viridis")
    fig.colorbar(mesh, ax=ax, label=_label(a, b, antineutrino))
    ax.set_xscale("log")
    ax.set_xlabel("E [GeV]")
    ax.set_ylabel(r"$\cos\theta_z$")
    return fig
