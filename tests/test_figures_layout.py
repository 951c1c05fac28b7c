"""Every figure of every preset is ready for a talk: no two texts overlap and nothing is
cut by the figure's edge (:func:`nuexp.report.figure_check.layout_problems`).

Each preset is run once (in-process, files in a temporary folder); every figure is
checked as it is handed to the report, after its layout engine has placed everything.
A new preset with a broken plot fails here."""

from __future__ import annotations

import os

import pytest

import nuexp
import nuexp.report.plots as plots
from nuexp.exceptions import DataNotAvailable
from nuexp.report.figure_check import layout_problems


def _presets() -> list[str]:
    return sorted(nuexp.available_presets())


@pytest.mark.slow
@pytest.mark.parametrize("preset", _presets())
def test_every_figure_of_the_preset_is_laid_out_cleanly(preset, tmp_path, monkeypatch):
    checked: dict[str, list[str]] = {}
    original = plots.save_figure

    def checking_save(fig, directory, stem, **kwargs):
        checked[stem] = layout_problems(fig)
        return original(fig, directory, stem, **kwargs)

    monkeypatch.setattr(plots, "save_figure", checking_save)
    if hasattr(os, "fork"):            # figures drawn in a forked worker escape the check
        monkeypatch.delattr(os, "fork")
    try:
        res = nuexp.run(preset, out=tmp_path / preset)
    except DataNotAvailable as err:
        pytest.skip(f"{preset}: {err}")
    assert sorted(f"{stem}.png" for stem in checked) == sorted(res.figures)
    broken = {stem: problems for stem, problems in checked.items() if problems}
    assert not broken, "\n".join(f"{preset}/{stem}: {'; '.join(p[:3])}"
                                 for stem, p in broken.items())
