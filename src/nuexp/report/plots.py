"""Plot helpers: one HEP style (mplhep) for every figure, saved as PNG and PDF.

Use :func:`new_figure` to get a figure, draw on it inside :func:`figure_style` (the
runner wraps every analysis in it), then hand it to ``RunContext.figure`` which saves it
atomically and closes it. Nothing here changes matplotlib's global state: no backend is
chosen at import (the ``nuexp`` command selects Agg itself) and the style is applied in a
context only. Figures use matplotlib's constrained layout and are saved as laid out; a
caption goes into the file's metadata (PNG ``Description``, PDF ``Subject``) and the run's
``index.html``, never onto the drawing.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler
from matplotlib.ticker import Formatter

from ..fileio import atomic_write_bytes

__all__ = ["PDF_RASTER_DPI", "PNG_DPI", "STYLE", "clear_corner", "figure_style", "new_figure",
           "save_figure"]

#: The mplhep style every nuexp figure uses.
STYLE = "ROOT"

#: Resolution of the PNG files [dots per inch] (an 8 x 6 inch figure is 880 x 660 pixels).
PNG_DPI = 110
#: Resolution of the rasterised parts (colour meshes) of the PDF files [dots per inch].
PDF_RASTER_DPI = 200

# keyword arguments of Figure.subplots; the others go to the Figure itself
_SUBPLOTS_KEYS = ("sharex", "sharey", "squeeze", "width_ratios", "height_ratios",
                  "subplot_kw", "gridspec_kw")

#: Adjustments on top of the mplhep style: tick labels far enough from the axes that the
#: first x label and the lowest y label never meet in the corner, and a colour cycle that
#: colour-blind readers can tell apart (Okabe & Ito, "Color Universal Design", 2008).
_RC = {
    "xtick.major.pad": 12.0,
    "ytick.major.pad": 8.0,
    "axes.prop_cycle": cycler(color=[
        "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
        "#000000"]),
}


@contextmanager
def figure_style() -> Iterator[None]:
    """Draw in the nuexp style inside this block; the caller's rcParams come back after it.

    nuexp never changes matplotlib's global state: the runner draws every analysis's
    figures inside this context, so a notebook's style and backend are left as they were.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> before = dict(mpl.rcParams)
    >>> with figure_style():
    ...     fig, ax = new_figure()
    ...     _ = ax.plot([1, 2], [3, 4])
    >>> dict(mpl.rcParams) == before
    True
    """
    import mplhep

    with mpl.style.context([getattr(mplhep.style, STYLE), _RC]):
        yield


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """Return ``(fig, axes)`` like :func:`matplotlib.pyplot.subplots`, in the nuexp style.

    The figure is a plain :class:`~matplotlib.figure.Figure`, not registered with pyplot:
    making it needs no GUI backend and never shows up in a notebook by itself. Draw on it
    inside :func:`figure_style` (the runner does) so that labels and lines get the style.

    The layout is matplotlib's constrained layout unless ``layout`` says otherwise.
    Figures are saved as laid out (no tight bounding box), so what the layout engine
    placed is what the file shows.
    """
    kwargs.setdefault("figsize", (8.0 * ncols, 6.0 * nrows))
    kwargs.setdefault("layout", "constrained")
    subplot_kwargs = {key: kwargs.pop(key) for key in _SUBPLOTS_KEYS if key in kwargs}
    with figure_style():
        fig = Figure(**kwargs)
        axes: Axes | Any = fig.subplots(nrows, ncols, **subplot_kwargs)
    return fig, axes


class _BlankAtLowerLimit(Formatter):
    """Wrap a tick formatter so that the tick at the lower view limit carries no label."""

    def __init__(self, base: Formatter) -> None:
        self.base = base

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.base.set_axis(axis)

    def set_locs(self, locs: Any) -> None:
        self.base.set_locs(locs)

    def get_offset(self) -> str:
        return self.base.get_offset()

    def _at_lower_limit(self, value: float) -> bool:
        if not isinstance(self.axis, Axis):   # a formatter used outside an axis
            return False
        transform = self.axis.get_transform()
        low, high = sorted(transform.transform(list(self.axis.get_view_interval())))
        mapped = transform.transform([value])[0]
        return bool(abs(mapped - low) <= 1e-6 * (high - low))

    def format_ticks(self, values: Any) -> list[str]:
        labels = self.base.format_ticks(values)
        return ["" if self._at_lower_limit(v) else label for v, label in zip(values, labels)]

    def __call__(self, x: float, pos: int | None = None) -> str:
        return "" if self._at_lower_limit(x) else self.base(x, pos)


def clear_corner(ax: Axes) -> None:
    """Leave the lower-left corner of ``ax`` to the x axis: no y tick label at the bottom.

    When both axes have a tick exactly at their lower limit (log axes spanning whole
    decades, symmetric scans such as -0.6 ... 0.6), the first x tick label and the lowest
    y tick label meet in the corner. The lowest y tick keeps its mark and loses only its
    label; the reader still has every other decade or step.
    """
    ax.yaxis.set_major_formatter(_BlankAtLowerLimit(ax.yaxis.get_major_formatter()))


def save_figure(fig: Figure, directory: str | Path, stem: str, *, caption: str | None = None,
                formats: tuple[str, ...] = ("png", "pdf")) -> str:
    """Save ``fig`` as ``stem.png`` and/or ``stem.pdf`` in ``directory``, atomically; close it.

    Parameters
    ----------
    caption : str, optional
        What the figure shows and where its inputs come from. It is kept as metadata of
        both files (PNG ``Description``, PDF ``Subject``) and shown under the figure in the
        run's ``index.html``; it is never drawn into the plot, so it cannot collide with
        the axes.
    formats : tuple of str
        Which files to write: ``"png"``, ``"pdf"`` or both (the default).

    Returns
    -------
    str
        The PNG file name (the PDF's when only a PDF is written).
    """
    directory = Path(directory)
    metadata: dict[str, dict[str, str]] = {"png": {"Software": "nuexp"},
                                           "pdf": {"Creator": "nuexp"}}
    if caption:
        metadata["png"]["Description"] = caption
        metadata["pdf"]["Subject"] = caption
    # a colour mesh goes into the PDF as one image, not as thousands of vector quads
    for mesh in fig.findobj(QuadMesh):
        mesh.set_rasterized(True)
    # in the style: tick labels are made when the figure is drawn, from the rcParams then
    engine = fig.get_layout_engine()
    try:
        with figure_style(), mpl.rc_context({"savefig.bbox": "standard"}):
            for ext in formats:
                buffer = io.BytesIO()
                fig.savefig(buffer, format=ext,
                            dpi=PNG_DPI if ext == "png" else PDF_RASTER_DPI,
                            metadata=metadata[ext])
                atomic_write_bytes(directory / f"{stem}.{ext}", buffer.getvalue())
                if engine is not None:
                    # laid out by the PNG's draw: the PDF keeps those positions instead of
                    # running the layout engine (a third of the drawing time) a second time
                    fig.set_layout_engine("none")
    finally:
        if engine is not None:   # the figure is handed back laid out as it came
            fig.set_layout_engine(engine)
    import matplotlib.pyplot as plt  # a figure made through pyplot leaves its list too

    plt.close(fig)
    return f"{stem}.png" if "png" in formats else f"{stem}.pdf"

