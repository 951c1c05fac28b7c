"""Every figure of every preset is ready for a talk: no two texts overlap and nothing is
cut by the figure's edge (:func:`nuexp.report.figure_check.layout_problems`).

Each preset is run once (in-process, files in a temporary folder); every figure is
checked as it is handed to the report, after its layout engine has placed everything,
and the run folder's index.html shows every figure.
A new preset with a broken plot fails here, and so does a glyph the font does not have
(drawn as an empty box) or a layout engine switched behind the figure's back."""

from __future__ import annotations

import logging
import os
import warnings

import pytest

import nuexp
import nuexp.report.plots as plots
from nuexp.exceptions import DataNotAvailable
from nuexp.report.figure_check import layout_problems

#: matplotlib messages that mean a figure shows something other than what was meant
_BAD_MESSAGES = ("missing from font", "No TeX to Unicode mapping", "layout has changed")


def _presets() -> list[str]:
    return sorted(nuexp.available_presets())


@pytest.mark.slow
@pytest.mark.parametrize("preset", _presets())
def test_every_figure_of_the_preset_is_laid_out_cleanly(preset, tmp_path, monkeypatch, caplog):
    checked: dict[str, list[str]] = {}
    original = plots.save_figure
    caplog.set_level(logging.WARNING, logger="matplotlib")

    def checking_save(fig, directory, stem, **kwargs):
        checked[stem] = layout_problems(fig)
        return original(fig, directory, stem, **kwargs)

    monkeypatch.setattr(plots, "save_figure", checking_save)
    if hasattr(os, "fork"):            # figures drawn in a forked worker escape the check
        monkeypatch.delattr(os, "fork")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = nuexp.run(preset, out=tmp_path / preset)
    except DataNotAvailable as err:
        pytest.skip(f"{preset}: {err}")
    messages = {str(w.message) for w in caught} | {r.getMessage() for r in caplog.records}
    assert not [m for m in messages if any(b in m for b in _BAD_MESSAGES)]
    assert sorted(f"{stem}.png" for stem in checked) == sorted(res.figures)
    # issue #21: every run folder gets its report page, showing every figure
    page = (tmp_path / preset / "index.html").read_text()
    assert all(f'src="{name}"' in page for name in res.figures)
    broken = {stem: problems for stem, problems in checked.items() if problems}
    assert not broken, "\n".join(f"{preset}/{stem}: {'; '.join(p[:3])}"
                                 for stem, p in broken.items())
