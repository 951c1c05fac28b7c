"""Optional dependencies ("extras") and the exact command that installs one.

nuexp's core install runs every preset but ``dayabay``; the optional pieces are pip
extras declared in ``pyproject.toml``: ``dayabay`` (the Daya Bay data release and
h5py), ``dask`` (clusters for scans and toys), ``root`` (reading ROOT event files).
Code that needs one raises :class:`MissingExtra`, whose message carries the command to
run, and ``nuexp run all`` marks such a preset as skipped instead of failed.
"""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from .exceptions import DataNotAvailable

__all__ = ["EXTRAS", "MissingExtra", "install_command"]

#: The extras and what each brings.
EXTRAS = {
    "dayabay": "the Daya Bay full data release (dayabay-data-official 1.0.1) and h5py",
    "dask": "dask.distributed, for clusters running scans, toys and event files",
    "root": "uproot, for reading ROOT event files",
}


def _editable_source() -> Path | None:
    """The source folder of an editable (``pip install -e``) install of nuexp, if any."""
    try:
        text = metadata.distribution("nuexp").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    info = json.loads(text)
    if not info.get("dir_info", {}).get("editable", False):
        return None
    url = urlparse(info.get("url", ""))
    return Path(unquote(url.path)) if url.scheme == "file" else None


def install_command(extra: str) -> str:
    """The pip command that installs the extra ``extra`` into this environment.

    For an editable install (the README's ``pip install -e .``) it names the source
    folder (``.`` when it is the working directory), so that it can be pasted as it is.

    Examples
    --------
    >>> install_command("dayabay").startswith("pip install")
    True
    """
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; known: {', '.join(EXTRAS)}")
    source = _editable_source()
    if source is None:
        return f'pip install "nuexp[{extra}]"'
    try:
        here = Path.cwd().resolve() == source.resolve()
    except OSError:
        here = False
    where = "." if here else os.fspath(source)
    return f'pip install -e "{where}[{extra}]"'


class MissingExtra(DataNotAvailable):
    """An optional dependency is not installed; the message says how to install it.

    Parameters
    ----------
    extra : str
        Name of the extra (a key of :data:`EXTRAS`).
    what : str
        What needs it, e.g. ``"the dayabay preset"``.
    detail : str, optional
        Which package is missing or wrong.
    """

    def __init__(self, extra: str, what: str, detail: str | None = None) -> None:
        self.extra = extra
        self.command = install_command(extra)
        reason = f" ({detail})" if detail else ""
        super().__init__(f"{what} needs the optional '{extra}' dependencies{reason}; "
                         f"install them with: {self.command}")
