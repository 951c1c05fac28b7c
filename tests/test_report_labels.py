"""Figures name things in physics notation (issue #21): every background and source key of
the presets has a physics label, raw keys are caught by the layout check, and the corner
tick labels of a log-log plot do not collide once ``clear_corner`` is applied."""

import logging
import re
import warnings
from pathlib import Path

import pytest

import nuexp
from nuexp.report.figure_check import layout_problems
from nuexp.report.labels import is_raw_key, nuclide_label, parameter_label, physics_label
from nuexp.report.plots import clear_corner, figure_style, new_figure

_PRESETS = Path(nuexp.__file__).parent / "experiments"


def _background_keys() -> set[str]:
    keys: set[str] = set()
    for toml in _PRESETS.glob("*/*.toml"):
        text = toml.read_text()
        keys.update(re.findall(r"^\[backgrounds\.([a-z0-9_]+)\]", text, re.M))
        keys.update(re.findall(r"^\[\[detectors\.backgrounds\]\]\s*\nname\s*=\s*\"([^\"]+)\"",
                               text, re.M))
    return keys


def test_every_background_of_the_presets_has_a_physics_name():
    keys = _background_keys()
    assert {"li9he8", "alpha_n", "pmt_dark_counts"} <= keys   # the scan finds the tables
    assert not [k for k in keys if is_raw_key(physics_label(k))]


@pytest.mark.parametrize("key, shown", [
    ("li9he8", r"$^{9}$Li/$^{8}$He"), ("alpha_n", r"$^{13}$C($\alpha$,n)$^{16}$O"),
    ("carbon12_ngs", r"$^{12}$C($\nu_e$,e$^-$)$^{12}$N$_{\rm gs}$"),
    ("numubar", r"$\bar{\nu}_\mu$")])
def test_physics_label_of_known_keys(key, shown):
    assert physics_label(key) == shown
    assert is_raw_key(key) and not is_raw_key(shown)


def test_parameter_labels_carry_units():
    assert parameter_label("dm2_31") == r"$\Delta m^2_{31}$ [$10^{-3}$ eV$^2$]"
    assert not is_raw_key(parameter_label("dm2_21"))


def _log_log(clear: bool):
    with figure_style():
        fig, ax = new_figure()
        ax.plot([1e-3, 1e-1], [1.0, 10.0])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(1e-4, 1.0)
        ax.set_ylim(0.1, 20.0)
        ax.set_xlabel(r"$\sin^2 2\theta_{\mu e}$")
        ax.set_ylabel(r"$\Delta m^2_{41}$ [eV$^2$]")
        if clear:
            clear_corner(ax)
        return fig, layout_problems(fig)


def test_clear_corner_removes_the_corner_clash_only():
    _, before = _log_log(clear=False)
    assert any("overlaps" in p and "tick label" in p for p in before)
    fig, after = _log_log(clear=True)
    assert after == []
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert labels and all("-1" not in t for t in labels)     # 10^-1 unlabelled, 10^0 kept
    assert any("{0}" in t for t in labels)


def test_layout_check_reports_a_raw_key_in_a_legend():
    with figure_style():
        fig, ax = new_figure()
        ax.plot([0, 1], [0, 1], label="alpha_n")
        ax.legend()
        problems = layout_problems(fig)
    assert any("alpha_n" in p and "configuration key" in p for p in problems)


@pytest.mark.parametrize("name, shown", [
    ("Y96", "$^{96}$Y"), ("Cs142", "$^{142}$Cs"), ("U235", "$^{235}$U"), ("Pu241", "$^{241}$Pu"),
    ("Nb104m", r"$^{104\mathrm{m}}$Nb"), ("Am242m1", r"$^{242\mathrm{m1}}$Am"), ("H3", "$^{3}$H")])
def test_nuclide_label_puts_the_mass_number_up_front(name, shown):
    assert nuclide_label(name) == shown
    assert not is_raw_key(shown)


@pytest.mark.parametrize("name", ["96Y", "y96", "Y", "Y-96", "Nb104x", "Y1234", "alpha_n", ""])
def test_nuclide_label_rejects_what_is_not_a_nuclide(name):
    with pytest.raises(ValueError, match=f"nuclide name {re.escape(repr(name))}"):
        nuclide_label(name)


def test_nuclide_labels_render_in_the_figure_font(caplog):
    """The style's font has every glyph of the nuclide labels (no empty boxes)."""
    caplog.set_level(logging.WARNING, logger="matplotlib")
    with warnings.catch_warnings(record=True) as caught, figure_style():
        warnings.simplefilter("always")
        fig, ax = new_figure()
        for name in ("Y96", "Nb104m", "Cs142", "Am242m1"):
            ax.plot([0, 1], [0, 1], label=nuclide_label(name))
        ax.legend(fontsize=20)
        problems = layout_problems(fig)
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "missing from font" in m or "TeX to Unicode" in m]
    assert problems == []
