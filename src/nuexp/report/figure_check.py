"""Layout checks for figures: overlapping text and anything drawn outside the figure.

A figure is ready for a talk when no two pieces of text collide (an axis label running
into tick labels, a legend over a title, a label taller than its panel) and nothing is
cut by the figure's edge, and no legend or label shows a configuration key instead of a
physics name, and no legend without an opaque frame lies over a line, band or marker of
its axes (:func:`legends_over_data`). :func:`layout_problems` draws the figure once with
the Agg renderer and returns a readable list of what is wrong, so a test can fail with it.
Only text that matplotlib really draws is considered: tick labels of ticks outside the
view limits, invisible or empty texts are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection, PathCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from .labels import is_raw_key

__all__ = ["TextBox", "drawn_texts", "layout_problems", "legends_over_data"]

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


def _legend_content(legend: Legend, renderer: RendererBase) -> Bbox | None:
    """Box [px] of what a legend draws (entry texts and handles, without the padding of
    its frame), or ``None`` when it draws nothing."""
    boxes = [t.get_window_extent(renderer) for t in legend.get_texts()
             if t.get_visible() and t.get_text().strip()]
    boxes += [h.get_window_extent(renderer) for h in legend.legend_handles
              if h is not None and h.get_visible()]
    boxes = [b for b in boxes if b.width > 0 and b.height > 0 and np.all(np.isfinite(b.bounds))]
    return Bbox.union(boxes) if boxes else None


def _opaque_frame(legend: Legend) -> bool:
    """Whether the legend's frame hides what is drawn under it."""
    frame = legend.get_frame()
    return (legend.get_frame_on() and frame.get_visible() and frame.get_fill()
            and frame.get_facecolor()[3] >= 1.0)


def _marker_hit(points: np.ndarray, radius: np.ndarray, box: Bbox) -> bool:
    """Whether any marker of ``radius`` [px] around ``points`` [px] reaches into ``box``."""
    points = np.asarray(points, float).reshape(-1, 2)
    ok = np.all(np.isfinite(points), axis=1)
    radius = np.broadcast_to(radius, ok.shape)[ok]
    x, y = points[ok].T
    return bool(np.any((x + radius > box.x0) & (x - radius < box.x1)
                       & (y + radius > box.y0) & (y - radius < box.y1)))


def _path_hit(path: Path, box: Bbox, filled: bool) -> bool:
    cleaned = path.cleaned(remove_nans=True)
    return len(cleaned.vertices) > 1 and cleaned.intersects_bbox(box, filled=filled)


def _covers(artist: Artist, box: Bbox, renderer: RendererBase) -> bool:
    """Whether ``artist`` draws anything inside ``box`` [px] (its clip box applied)."""
    if not artist.get_visible() or artist.get_alpha() == 0:
        return False
    clip = artist.get_clip_box() if artist.get_clip_on() else None
    if clip is not None:
        inter = Bbox.intersection(box, clip)
        if inter is None or inter.width <= 0 or inter.height <= 0:
            return False
        box = inter
    px = renderer.points_to_pixels(1.0)
    if isinstance(artist, Line2D):
        xy = artist.get_transform().transform_path(artist.get_path())
        if artist.get_linestyle() not in ("None", "none", "", " ") and artist.get_linewidth() > 0:
            if _path_hit(xy, box, filled=False):
                return True
        if artist.get_marker() not in ("None", "none", "", " ", None):
            return _marker_hit(xy.vertices, 0.5 * artist.get_markersize() * px, box)
        return False
    if isinstance(artist, Patch):
        xy = artist.get_transform().transform_path(artist.get_path())
        return _path_hit(xy, box, filled=artist.get_fill())
    if isinstance(artist, PathCollection):        # scatter: markers at offsets
        offsets = artist.get_offset_transform().transform(artist.get_offsets())
        return _marker_hit(offsets, 0.5 * np.sqrt(artist.get_sizes()) * px, box)
    if isinstance(artist, Collection):
        transform = artist.get_transform()
        filled = len(artist.get_facecolor()) > 0 and bool(np.any(artist.get_facecolor()[:, 3]))
        return any(_path_hit(transform.transform_path(path), box, filled)
                   for path in artist.get_paths())
    return False


def legends_over_data(fig: Figure) -> list[str]:
    """Legends without an opaque frame whose entries lie over something their axes draw.

    The box of a legend's entries (texts and handles) is compared with every line,
    marker, band, patch and collection of the axes it belongs to, within that artist's
    clip box, and with the axes' insets; the artists of a twin (``twinx``/``twiny``,
    the same place in the figure) count as the axes' own. A legend with an opaque frame
    hides what is under it and is not reported; a figure legend placed outside all axes,
    or an axes legend placed outside its axes, cannot overlap them.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, drawn (:func:`drawn_texts` or a save has laid it out).

    Returns
    -------
    list of str
        One readable line per legend and artist under it.
    """
    renderer = fig.canvas.get_renderer()
    problems = []
    for legend in fig.findobj(Legend):
        if not legend.get_visible() or _opaque_frame(legend):
            continue
        box = _legend_content(legend, renderer)
        if box is None:
            continue
        if legend.axes is None:
            axes = fig.axes
        else:
            place = legend.axes.get_position().bounds
            axes = [ax for ax in fig.axes if ax.get_position().bounds == place]
        for ax in axes:
            if not ax.get_visible():
                continue
            under = [a for a in (*ax.lines, *ax.patches, *ax.collections)
                     if _covers(a, box, renderer)]
            under += [inset for inset in ax.child_axes if inset.get_visible()
                      and _overlap(inset.get_window_extent(renderer), box)]
            for artist in under:
                name = artist.get_label() if not isinstance(artist, Axes) else "inset axes"
                entries = ", ".join(t.get_text() for t in legend.get_texts())
                problems.append(f"legend ({entries[:60]}) is drawn over {type(artist).__name__} "
                                f"{name!r}; move it where nothing is drawn or give it an "
                                "opaque frame")
    return problems


def layout_problems(fig: Figure) -> list[str]:
    """What keeps ``fig`` from being ready for a talk; an empty list when nothing does.

    Reports (1) any two drawn texts whose boxes overlap, (2) any text or axes drawn
    outside the figure, (3) any text showing a raw configuration key (an underscore
    outside mathtext, such as ``alpha_n`` or ``dm2_31``), (4) any legend without an
    opaque frame over the data of its axes (:func:`legends_over_data`).

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
    return problems + legends_over_data(fig)
