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
from matplotlib.figure import Figure

from ..fileio import atomic_write_bytes

__all__ = ["STYLE", "figure_style", "new_figure", "save_figure"]

#: The mplhep style every nuexp figure uses.
STYLE = "ROOT"

# keyword arguments of Figure.subplots; the others go to the Figure itself
_SUBPLOTS_KEYS = ("sharex", "sharey", "squeeze", "width_ratios", "height_ratios",
                  "subplot_kw", "gridspec_kw")

#: Adjustments on top of the mplhep style: tick labels far enough from the axes that the
#: first x label and the lowest y label never meet in the corner, and a colour cycle that
#: colour-blind readers can tell apart (Okabe & Ito, "Color Universal Design", 2008).
_RC = {
    "xtick.major.pad": 12.0,
    "ytick.major.pad": 8.0,
    "axes.prop_cycle": mpl.cycler(color=[
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


def save_figure(fig: Figure, directory: str | Path, stem: str, *, caption: str | None = None) -> str:
    """Save ``fig`` as ``stem.png`` and ``stem.pdf`` in ``directory``, atomically; close it.

    Parameters
    ----------
    caption : str, optional
        What the figure shows and where its inputs come from. It is kept as metadata of
        both files (PNG ``Description``, PDF ``Subject``) and shown under the figure in the
        run's ``index.html``; it is never drawn into the plot, so it cannot collide with
        the axes.

    Returns
    -------
    str
        The PNG file name.
    """
    directory = Path(directory)
    metadata: dict[str, dict[str, str]] = {"png": {"Software": "nuexp"},
                                           "pdf": {"Creator": "nuexp"}}
    if caption:
        metadata["png"]["Description"] = caption
        metadata["pdf"]["Subject"] = caption
    # in the style: tick labels are made when the figure is drawn, from the rcParams then
    with figure_style(), mpl.rc_context({"savefig.bbox": "standard"}):
        for ext in ("png", "pdf"):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=ext, dpi=110 if ext == "png" else None,
                        metadata=metadata[ext])
            atomic_write_bytes(directory / f"{stem}.{ext}", buffer.getvalue())
    import matplotlib.pyplot as plt  # a figure made through pyplot leaves its list too

    plt.close(fig)
    return f"{stem}.png"

