"""Oscillation figures: probability against L/E, the (E, cos θz) oscillogram through
PREM, and the absolute-mass observables (m_β, m_ββ) against the lightest mass.

The physics is :mod:`nuexp.oscillation`; this module only draws it (report is the
presentation layer, used by experiments and the CLI).

Examples
--------
>>> import numpy as np
>>> from hepunits import MeV, km
>>> from nuexp.oscillation import OscillationParameters
>>> from nuexp.report.oscillation import plot_probability_vs_l_over_e
>>> p = OscillationParameters.preset("juno-talk")
>>> fig = plot_probability_vs_l_over_e(p, "e", "e", np.linspace(1.8, 8, 300) * MeV,
...                                    52.5 * km, antineutrino=True)
>>> len(fig.axes)
1
"""

from __future__ import annotations

import numpy as np
from hepunits import GeV, MeV, km

from ..exceptions import UnphysicalParameter
from ..oscillation.engine import FLAVOURS, Matter, flavour_index, probability
from ..oscillation.masses import (
    KATRIN_M_BETA_LIMIT_EV,
    effective_mass_beta,
    effective_mass_betabeta_band,
    lightest_mass_bound,
)
from ..oscillation.matter import PremEarth, chord_length
from ..oscillation.parameters import OscillationParameters
from .plots import new_figure

__all__ = ["plot_effective_masses", "plot_probability_vs_l_over_e", "plot_zenith_oscillogram"]

_GREEK = {"e": "e", "mu": r"\mu", "tau": r"\tau", "s": "s"}


def _label(a: int, b: int, anti: bool) -> str:
    bar = r"\bar{\nu}" if anti else r"\nu"
    return rf"$P({bar}_{{{_GREEK[FLAVOURS[a]]}}} \to {bar}_{{{_GREEK[FLAVOURS[b]]}}})$"


def plot_probability_vs_l_over_e(params: OscillationParameters, flavour_from, flavour_to,
                                 energy, baseline, *, antineutrino: bool = False,
                                 matter: Matter = None):
    """P against L/E (km/MeV) for energies at one or several baselines (hepunits)."""
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
    # ``name`` is a __slots__ field that OscillationParameters does not annotate
    name: str | None = getattr(params, "name", None)
    ax.set_title(name or "custom parameters", fontsize=12)
    return fig


def plot_zenith_oscillogram(params: OscillationParameters, flavour_from, flavour_to,
                            energy, cos_zenith, *, antineutrino: bool = False,
                            matter: PremEarth | None = None):
    """P in the (E, cos θz) plane for upgoing neutrinos through PREM (cos θz < 0)."""
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


def plot_effective_masses(normal: OscillationParameters, inverted: OscillationParameters,
                          *, lightest_range_ev: tuple[float, float] = (1e-4, 1.0),
                          m_beta_limit_ev: float = KATRIN_M_BETA_LIMIT_EV):
    """Figure with m_β and the m_ββ band against the lightest mass, both orderings.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels; the KATRIN limit and the implied lightest-mass bounds are drawn.
    """
    # (0, Δm²21, Δm²31): the sign of Δm²31 is the ordering
    if normal.mass_squared_differences()[2] <= 0 or inverted.mass_squared_differences()[2] >= 0:
        raise UnphysicalParameter("plot_effective_masses needs (normal, inverted) parameter sets")
    m0 = np.geomspace(*lightest_range_ev, 400)
    fig, (ax1, ax2) = new_figure(1, 2)
    for p, colour, label in ((normal, "#D55E00", "normal ordering"),
                             (inverted, "#0072B2", "inverted ordering")):
        ax1.plot(m0, effective_mass_beta(p, m0), color=colour, label=label)
        bound = lightest_mass_bound(p, m_beta_limit_ev)
        ax1.axvline(bound, color=colour, ls=":", lw=1)
        lo, hi = effective_mass_betabeta_band(p, m0)
        ax2.fill_between(m0, np.maximum(lo, 1e-5), hi, color=colour, alpha=0.35, label=label)
    ax1.axhline(m_beta_limit_ev, color="k", ls="--", lw=1,
                label=f"KATRIN $m_\\beta$ < {m_beta_limit_ev} eV (90% CL)")
    for ax, ylabel in ((ax1, r"$m_\beta$ [eV]"), (ax2, r"$m_{\beta\beta}$ [eV]")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("lightest neutrino mass [eV]")
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper left", fontsize=12)
    ax2.set_ylim(1e-4, 2.0)
    return fig
