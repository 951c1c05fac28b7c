"""Plot helpers: one HEP style (mplhep) for every figure, saved as PNG and PDF.

Use :func:`new_figure` to get a styled figure, draw on it, then hand it to
``RunContext.figure`` which saves it atomically and closes it.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import mplhep  # noqa: E402

from .atomic import atomic_write_bytes  # noqa: E402

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
    """Return ``(fig, axes)`` from :func:`matplotlib.pyplot.subplots` in the nuexp style."""
    _apply_style()
    kwargs.setdefault("figsize", (8.0 * ncols, 6.0 * nrows))
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
    if caption:
        fig.text(0.01, -0.02, caption, fontsize=9, ha="left", va="top", wrap=True)
    for ext in ("png", "pdf"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=110 if ext == "png" else None)
        atomic_write_bytes(directory / f"{stem}.{ext}", buffer.getvalue())
    plt.close(fig)
    return f"{stem}.png"
