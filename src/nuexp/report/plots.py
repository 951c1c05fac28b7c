"""Plot helpers: one HEP style (mplhep) for every figure, saved as PNG and PDF.

Use :func:`new_figure` to get a figure, draw on it inside :func:`figure_style` (the
runner wraps every analysis in it), then hand it to ``RunContext.figure`` which saves it
atomically and closes it. Nothing here changes matplotlib's global state: no backend is
chosen at import (the ``nuexp`` command selects Agg itself) and the style is applied in a
context only. Figures are cropped to
their drawn content (``savefig.bbox = "tight"``) unless they were made with
``new_figure(..., layout="fixed")`` (:class:`nuexp.report.layout.FixedMargins`), which
lays them out from the font sizes and saves them as they are, at 40 % less cost.
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
from .layout import CAPTION_FONTSIZE, FixedMargins, wrap_caption

__all__ = ["STYLE", "figure_style", "new_figure", "save_figure"]

#: The mplhep style every nuexp figure uses.
STYLE = "ROOT"

#: Settings of nuexp on top of :data:`STYLE`: figures cropped to their drawn content
#: unless they use ``layout="fixed"``.
_NUEXP_RC = {"savefig.bbox": "tight"}

# keyword arguments of Figure.subplots; the others go to the Figure itself
_SUBPLOTS_KEYS = ("sharex", "sharey", "squeeze", "width_ratios", "height_ratios",
                  "subplot_kw", "gridspec_kw")


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

    with mpl.style.context([getattr(mplhep.style, STYLE), _NUEXP_RC]):
        yield


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """Return ``(fig, axes)`` like :func:`matplotlib.pyplot.subplots`, in the nuexp style.

    The figure is a plain :class:`~matplotlib.figure.Figure`, not registered with pyplot:
    making it needs no GUI backend and never shows up in a notebook by itself. Draw on it
    inside :func:`figure_style` (the runner does) so that labels and lines get the style.

    ``layout="fixed"`` selects :class:`~nuexp.report.layout.FixedMargins` (for figures with
    short tick labels: cheaper to save); any other ``layout`` is matplotlib's.
    """
    kwargs.setdefault("figsize", (8.0 * ncols, 6.0 * nrows))
    subplot_kwargs = {key: kwargs.pop(key) for key in _SUBPLOTS_KEYS if key in kwargs}
    with figure_style():
        if kwargs.get("layout") == "fixed":
            kwargs["layout"] = FixedMargins()
        fig = Figure(**kwargs)
        axes: Axes | Any = fig.subplots(nrows, ncols, **subplot_kwargs)
    return fig, axes


def save_figure(fig: Figure, directory: str | Path, stem: str, *, caption: str | None = None) -> str:
    """Save ``fig`` as ``stem.png`` and ``stem.pdf`` in ``directory``, atomically; close it.

    Parameters
    ----------
    caption : str, optional
        Text put under the plot (data citations, for instance).

    Returns
    -------
    str
        The PNG file name.
    """
    directory = Path(directory)
    engine = fig.get_layout_engine()
    fixed = isinstance(engine, FixedMargins)
    if caption and isinstance(engine, FixedMargins):
        lines = wrap_caption(caption, fig.get_size_inches()[0] - 0.2)
        engine.caption_lines = len(lines)
        fig.text(0.1 / fig.get_size_inches()[0], 0.05 / fig.get_size_inches()[1],
                 "\n".join(lines), fontsize=CAPTION_FONTSIZE, ha="left", va="bottom")
    elif caption:
        fig.text(0.01, -0.02, caption, fontsize=CAPTION_FONTSIZE, ha="left", va="top",
                 wrap=True)
    # in the style: tick labels are made when the figure is drawn, from the rcParams then
    with figure_style(), mpl.rc_context({"savefig.bbox": "standard" if fixed else "tight"}):
        for ext in ("png", "pdf"):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=ext, dpi=110 if ext == "png" else None)
            atomic_write_bytes(directory / f"{stem}.{ext}", buffer.getvalue())
    import matplotlib.pyplot as plt  # a figure made through pyplot leaves its list too

    plt.close(fig)
    return f"{stem}.png"

