"""FixedMargins layout: nothing drawn may fall outside the figure or onto the caption."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from nuexp.report.layout import FixedMargins, wrap_caption
from nuexp.report.plots import figure_style, new_figure, save_figure

CAPTION = ("CLOVERS Fig. 13 style: signal and background after all cuts in the NPE window "
           "(background shapes are assumptions); a caption long enough to need two lines.")


def _line(ax):
    x = np.linspace(0, 100, 50)
    ax.plot(x, 0.03 * np.exp(-x / 30), label="a")
    ax.set_xlabel("NPE")
    ax.set_ylabel("events / PE (180 d, 12 kg)")
    ax.legend()


def _log(ax):
    ax.step(np.arange(10), np.logspace(6, 0, 10))
    ax.set_yscale("log")
    ax.set_xlabel("NPE (sum of both PMTs)")
    ax.set_ylabel("events / 180 d")
    ax.set_title("toy MC: 5e+07 triggers")


def _map(ax):
    mesh = ax.pcolormesh(np.linspace(1, 30, 20), np.linspace(10, 400, 20),
                         np.random.default_rng(1).random((20, 20)) * 10)
    ax.figure.colorbar(mesh, ax=ax, label="S/√(S+B) [σ]")
    ax.set_xlabel("detector mass [kg]")
    ax.set_ylabel("live time [days]")


@pytest.mark.parametrize("draw, shape, size", [
    (_line, (1, 1), (7, 5)), (_log, (1, 1), (7, 5)), (_map, (1, 1), (7, 5.5)),
    (_line, (1, 2), (14, 5)), (_log, (2, 1), (7, 9)),
])
def test_everything_drawn_lies_inside_the_figure(tmp_path, draw, shape, size):
    with figure_style():                  # as the runner draws every analysis's figures
        fig, axes = new_figure(*shape, figsize=size, layout="fixed")
        for ax in np.atleast_1d(axes).ravel():
            draw(ax)
        assert isinstance(fig.get_layout_engine(), FixedMargins)
        save_figure(fig, tmp_path, "f", caption=CAPTION)     # closes the figure
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        width, height = fig.get_size_inches() * fig.dpi
        caption = fig.texts[-1].get_window_extent(renderer)
        boxes = [(ax, ax.get_tightbbox(renderer)) for ax in fig.axes]
    for _ax, box in boxes:
        assert box.x0 >= 0 and box.y0 >= 0, (box, "outside the figure")
        assert box.x1 <= width + 1 and box.y1 <= height + 1, (box, "outside the figure")
        assert box.y0 >= caption.y1 - 1, "axes run into the caption"
    grid = [box for ax, box in boxes if not hasattr(ax, "_colorbar")]
    for i, a in enumerate(grid):                          # panels do not overlap
        for b in grid[i + 1:]:
            assert not a.overlaps(b)
    assert (tmp_path / "f.png").stat().st_size > 0 and (tmp_path / "f.pdf").stat().st_size > 0


def test_caption_wrapping_and_bad_arguments():
    lines = wrap_caption(CAPTION, 7.0)
    assert len(lines) >= 2 and " ".join(lines) == CAPTION
    with pytest.raises(ValueError, match="label_chars"):
        FixedMargins(label_chars=0)
    fig, _ = new_figure(figsize=(1.0, 1.0), layout="fixed")
    with pytest.raises(RuntimeError, match="too small"):
        FigureCanvasAgg(fig).draw()     # new_figure's figures have no canvas of their own
