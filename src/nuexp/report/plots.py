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

from .atomic import atomic_write_bytes  # noqa: E402
from .layout import FixedMargins  # noqa: E402

__all__ = ["new_figure", "save_figure", "STYLE"]

#: The mplhep style every nuexp figure uses.
STYLE = "ROOT"
_style_applied = False

#: Adjustments on top of the mplhep style: tick labels far enough from the axes that the
#: first x label and the lowest y label never meet in the corner, and a colour cycle that
#: colour-blind readers can tell apart (Okabe & Ito, "Color Universal Design", 2008).
_RC = {
    "figure.max_open_warning": 0,
    "xtick.major.pad": 12.0,
    "ytick.major.pad": 8.0,
    "axes.prop_cycle": matplotlib.cycler(color=[
        "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
        "#000000"]),
}


def _apply_style() -> None:
    global _style_applied
    if not _style_applied:
        mplhep.style.use(STYLE)
        plt.rcParams.update(_RC)
        _style_applied = True


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs):
    """Return ``(fig, axes)`` from :func:`matplotlib.pyplot.subplots` in the nuexp style.

    The layout is matplotlib's constrained layout unless ``layout`` says otherwise:
    ``layout="fixed"`` selects :class:`~nuexp.report.layout.FixedMargins` (for figures with
    short tick labels: cheaper to save); any other ``layout`` is matplotlib's. Figures are
    saved as laid out (no tight bounding box), so what the layout engine placed is what
    the file shows.
    """
    _apply_style()
    kwargs.setdefault("figsize", (8.0 * ncols, 6.0 * nrows))
    kwargs.setdefault("layout", "constrained")
    if kwargs["layout"] == "fixed":
        kwargs["layout"] = FixedMargins()
    return plt.subplots(nrows, ncols, **kwargs)


def save_figure(fig, directory: str | Path, stem: str, *, caption: str | None = None) -> str:
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
    metadata = {"png": {"Software": "nuexp"}, "pdf": {"Creator": "nuexp"}}
    if caption:
        metadata["png"]["Description"] = caption
        metadata["pdf"]["Subject"] = caption
    with plt.rc_context({"savefig.bbox": "standard"}):
        for ext in ("png", "pdf"):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=ext, dpi=110 if ext == "png" else None,
                        metadata=metadata[ext])
            atomic_write_bytes(directory / f"{stem}.{ext}", buffer.getvalue())
    plt.close(fig)
    return f"{stem}.png"
