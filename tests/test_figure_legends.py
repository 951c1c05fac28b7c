"""Legends a talk can show (issue #21): a frameless legend over a band or a line (of its
axes or of a twin) is caught by :func:`nuexp.report.figure_check.legends_over_data`, which
:func:`~nuexp.report.figure_check.layout_problems` runs for every figure, and the reactor-flux top-nuclides
legend names each nuclide once, in its own colour."""

import numpy as np
import pytest

from nuexp.experiments.reactor_flux.plots import _NUCLIDE_COLOURS, _named_nuclides
from nuexp.report.figure_check import drawn_texts, layout_problems, legends_over_data
from nuexp.report.plots import figure_style, new_figure


def _dvtx_like(loc: str, frame: bool = False):
    """The jsns2-events ΔVTX figure's layout: a full-height band and a dotted line on the
    left, the data falling off to the right."""
    with figure_style():
        fig, ax = new_figure()
        x = np.linspace(2.5, 340, 60)
        ax.plot(x, 600 * np.exp(-(((x - 150) / 80) ** 2)) + 1, "ko", ms=4, label="pairs")
        ax.axvspan(0, 20, color="0.85", label="ΔVTX ≤ 20 cm")
        ax.axvline(40, color="0.5", ls=":", label="normalisation > 40 cm")
        ax.set_yscale("log")
        ax.set_ylim(0.5, 3e4)
        ax.legend(loc=loc, frameon=frame, framealpha=1.0)
        drawn_texts(fig)
        return legends_over_data(fig)


def test_a_frameless_legend_over_the_band_and_the_line_is_reported():
    problems = _dvtx_like("upper left")
    assert any("Rectangle" in p and "ΔVTX ≤ 20 cm" in p for p in problems)
    assert any("Line2D" in p and "normalisation" in p for p in problems)


def test_a_legend_where_nothing_is_drawn_or_with_an_opaque_frame_is_not_reported():
    assert _dvtx_like("upper right") == []
    assert _dvtx_like("upper left", frame=True) == []


def test_markers_under_a_legend_are_reported():
    with figure_style():
        fig, ax = new_figure()
        ax.plot([0.1, 0.5, 0.9], [0.95, 0.5, 0.05], "ko", label="data")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.legend(loc="upper left")
        drawn_texts(fig)
        assert any("'data'" in p for p in legends_over_data(fig))


def test_a_figure_legend_outside_the_axes_is_not_reported():
    with figure_style():
        fig, ax = new_figure()
        ax.fill_between([0, 1], [0, 0], [1, 1], label="band")
        fig.legend(loc="outside right upper")
        drawn_texts(fig)
        assert legends_over_data(fig) == []


def _twin_spectra(legend_above: bool):
    """The jsns2-flux neutrino_spectra layout: a curve of a twin y axis along the top."""
    with figure_style():
        fig, ax = new_figure()
        ax.plot([0, 1], [0, 0.1], label="flux")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        twin = ax.twinx()
        twin.plot([0, 1], [0.95, 0.9], color="k", ls="--", label="cross section")
        twin.set_ylim(0, 1)
        if legend_above:
            ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0))
        else:
            ax.legend(loc="upper left")
        drawn_texts(fig)
        return legends_over_data(fig)


def test_a_legend_over_the_curve_of_a_twin_axis_is_reported():
    assert any("'cross section'" in p for p in _twin_spectra(legend_above=False))


def test_a_legend_above_its_axes_is_not_reported():
    assert _twin_spectra(legend_above=True) == []


def test_layout_problems_includes_legends_over_data():
    # what tests/test_figures_layout.py runs for every figure of every preset
    with figure_style():
        fig, ax = new_figure()
        ax.fill_between([0, 1], [0, 0], [1, 1], label="band")
        ax.legend(loc="upper left")
        assert any("is drawn over" in p and "'band'" in p for p in layout_problems(fig))


# top 12 of each isotope as ranked in the ENDF/B-VIII.0 reference table (5-8 MeV)
_RANKED = [
    ["Y96", "Rb92", "Rb94", "Cs142", "Y97", "Rb93", "Rb90", "Cs140", "Nb100", "Sr95", "Kr91",
     "Y98"],
    ["Y96", "Rb92", "Rb94", "Y100", "Cs142", "Nb104", "Y97", "Rb93", "I138", "Y98", "Y99",
     "Te135"],
    ["Y96", "Rb92", "Y97", "Nb100", "Cs142", "Cs140", "Rb94", "Y98", "Rb93", "I138", "Y98m",
     "Sr95"],
    ["Y96", "Cs142", "Rb92", "Tc108", "Y97", "Nb104", "Rb94", "Cs140", "Nb104m", "Y100",
     "Nb100", "I138"],
]


def test_the_legend_names_the_leading_nuclides_of_every_isotope_once():
    named = _named_nuclides(_RANKED)
    assert len(named) == len(set(named)) <= len(_NUCLIDE_COLOURS)
    assert named[:2] == ["Y96", "Rb92"]                   # best rank first
    # the top 5 of every isotope fit the palette (8 nuclides), the top 6 (11) do not
    assert set(named) == {n for ranked in _RANKED for n in ranked[:5]}
    assert len(set(_NUCLIDE_COLOURS)) == len(_NUCLIDE_COLOURS)


@pytest.mark.parametrize("ranked, expected", [([["Y96"]], ["Y96"]), ([[]], [])])
def test_named_nuclides_of_short_rankings(ranked, expected):
    assert _named_nuclides(ranked) == expected
