"""Layout checks for figures: overlapping text and anything drawn outside the figure.

A figure is ready for a talk when no two pieces of text collide (an axis label running
into tick labels, a legend over a title, a label taller than its panel) and nothing is
cut by the figure's edge, and no legend or label shows a configuration key instead of a
physics name. :func:`layout_problems` draws the figure once with the Agg
renderer and returns a readable list of what is wrong, so a test can fail with it.
Only text that matplotlib really draws is considered: tick labels of ticks outside the
view limits, invisible or empty texts are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from .labels import is_raw_key

__all__ = ["TextBox", "drawn_texts", "layout_problems"]

#: Overlaps or overhangs smaller than this many pixels are not reported (anti-aliasing,
#: glyph side bearings).
TOLERANCE_PX = 1.0


@dataclass(frozen=True)
class TextBox:
    """One drawn piece of text and its box in display pixels."""

    text: str
    role: str
    box: Bbox


def _in_view(axis: Axis, loc: float) -> bool:
    """Whether matplotlib draws a tick at ``loc``: inside the view limits, compared in the
    axis' scale (log, linear, ...) with the relative tolerance matplotlib itself uses."""
    transform = axis.get_transform()
    low, high = sorted(transform.transform(np.asarray(axis.get_view_interval(), float)))
    value = transform.transform(np.array([loc], float))[0]
    slack = 1e-10 * (high - low)
    return bool(np.isfinite(value) and low - slack <= value <= high + slack)


def _tick_labels(ax: Axes) -> tuple[set[int], list[tuple[Text, str]]]:
    """All tick-label objects of ``ax`` (ids) and those really drawn, with their role."""
    every: set[int] = set()
    drawn: list[tuple[Text, str]] = []
    for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
        for ticks in (axis.get_major_ticks(), axis.get_minor_ticks()):
            for tick in ticks:
                labels = (tick.label1, tick.label2)
                every.update(id(label) for label in labels)
                loc = tick.get_loc()
                if loc is None or not tick.get_visible() or not _in_view(axis, loc):
                    continue
                drawn.extend((label, f"{name} tick label") for label in labels)
    return every, drawn


def _shown(text: Text, hidden: set[int]) -> bool:
    if id(text) in hidden or not text.get_visible() or not text.get_text().strip():
        return False
    if text.get_alpha() == 0:
        return False
    return text.axes is None or text.axes.get_visible()


def drawn_texts(fig: Figure) -> list[TextBox]:
    """Every piece of text the figure draws, with its box in pixels (figure drawn first)."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    hidden: set[int] = set()
    for legend in fig.findobj(Legend):
        if not legend.get_visible():
            hidden.update(id(t) for t in [*legend.get_texts(), legend.get_title()])
    tick_ids: set[int] = set()
    candidates: list[tuple[Text, str]] = []
    for ax in fig.axes:
        if ax.get_visible():
            every, drawn = _tick_labels(ax)
            tick_ids |= every
            candidates.extend(drawn)
    for text in fig.findobj(Text):
        if id(text) not in tick_ids:
            candidates.append((text, "text"))
    boxes = []
    seen: set[int] = set()
    for text, role in candidates:
        if id(text) in seen or not _shown(text, hidden):
            continue
        seen.add(id(text))
        box = text.get_window_extent(renderer)
        if box.width > 0 and box.height > 0:
            boxes.append(TextBox(text.get_text(), role, box))
    return boxes


def _overlap(a: Bbox, b: Bbox) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > TOLERANCE_PX
            and min(a.y1, b.y1) - max(a.y0, b.y0) > TOLERANCE_PX)


def layout_problems(fig: Figure) -> list[str]:
    """What keeps ``fig`` from being ready for a talk; an empty list when nothing does.

    Reports (1) any two drawn texts whose boxes overlap, (2) any text or axes drawn
    outside the figure, (3) any text showing a raw configuration key (an underscore
    outside mathtext, such as ``alpha_n`` or ``dm2_31``).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, fully drawn on (it is rendered once here with Agg).

    Returns
    -------
    list of str
        One readable line per problem.
    """
    texts = drawn_texts(fig)
    width, height = fig.bbox.width, fig.bbox.height
    problems = []
    for item in texts:
        box = item.box
        if (box.x0 < -TOLERANCE_PX or box.y0 < -TOLERANCE_PX
                or box.x1 > width + TOLERANCE_PX or box.y1 > height + TOLERANCE_PX):
            problems.append(f"{item.role} {item.text!r} is cut by the figure edge "
                            f"({box.x0:.0f}, {box.y0:.0f}, {box.x1:.0f}, {box.y1:.0f} px "
                            f"in a {width:.0f} x {height:.0f} px figure)")
    for item in texts:
        if is_raw_key(item.text):
            problems.append(f"{item.role} {item.text!r} shows a configuration key; give it a "
                            "physics name (nuexp.report.labels)")
    for i, first in enumerate(texts):
        for second in texts[i + 1:]:
            if _overlap(first.box, second.box):
                problems.append(f"{first.role} {first.text!r} overlaps "
                                f"{second.role} {second.text!r}")
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        box = ax.get_tightbbox(renderer)
        if box is not None and (box.x0 < -TOLERANCE_PX or box.y0 < -TOLERANCE_PX
                                or box.x1 > width + TOLERANCE_PX
                                or box.y1 > height + TOLERANCE_PX):
            label = ax.get_label() or ax.get_title() or "axes"
            problems.append(f"axes {label!r} reaches outside the figure")
    return problems
