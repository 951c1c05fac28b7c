"""Plot helpers: one HEP style (mplhep) for every figure, saved as PNG and PDF.

Use :func:`new_figure` to get a styled figure, draw on it, then hand it to
``RunContext.figure`` which saves it atomically and closes it. Figures are cropped to
their drawn content (``savefig.bbox = "tight"``) unless they were made with
``new_figure(..., layout="fixed")`` (:class:`nuexp.report.layout.FixedMargins`), which
lays them out from the font sizes and saves them as they are, at 40 % less cost.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import mplhep  # noqa: E402

from ..fileio import atomic_write_bytes  # noqa: E402
from .layout import CAPTION_FONTSIZE, FixedMargins, wrap_caption  # noqa: E402

__all__ = ["new_figure", "save_figure", "STYLE"]

#: The mplhep style every nuexp figure uses.
STYLE = "ROOT"
_style_applied = False


def _apply_style() -> None:
    global _style_applied
    if not _style_applied:
        mplhep.style.use(STYLE)
        plt.rcParams.update({"figure.max_open_warning": 0, "savefig.bbox": "tight"})
        _style_applied = True


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs):
    """Return ``(fig, axes)`` from :func:`matplotlib.pyplot.subplots` in the nuexp style.

    ``layout="fixed"`` selects :class:`~nuexp.report.layout.FixedMargins` (for figures with
    short tick labels: cheaper to save); any other ``layout`` is matplotlib's.
    """
    _apply_style()
    kwargs.setdefault("figsize", (8.0 * ncols, 6.0 * nrows))
    if kwargs.get("layout") == "fixed":
        kwargs["layout"] = FixedMargins()
    return plt.subplots(nrows, ncols, **kwargs)


def save_figure(fig, directory: str | Path, stem: str, *, caption: str | None = None) -> str:
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
    if caption and fixed:
        lines = wrap_caption(caption, fig.get_size_inches()[0] - 0.2)
        engine.caption_lines = len(lines)
        fig.text(0.1 / fig.get_size_inches()[0], 0.05 / fig.get_size_inches()[1],
                 "\n".join(lines), fontsize=CAPTION_FONTSIZE, ha="left", va="bottom")
    elif caption:
        fig.text(0.01, -0.02, caption, fontsize=CAPTION_FONTSIZE, ha="left", va="top",
                 wrap=True)
    with plt.rc_context({"savefig.bbox": "standard" if fixed else "tight"}):
        for ext in ("png", "pdf"):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=ext, dpi=110 if ext == "png" else None)
            atomic_write_bytes(directory / f"{stem}.{ext}", buffer.getvalue())
    plt.close(fig)
    return f"{stem}.png"
