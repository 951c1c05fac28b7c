"""Argument checks shared by the library: clear errors, no silent clipping, no NaN.

Each check raises :class:`nuexp.exceptions.UnphysicalParameter` with a message that
names the parameter, the offending value and the allowed range.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from .exceptions import InsufficientMemory, UnphysicalParameter

__all__ = ["require_positive", "require_non_negative", "require_in_range", "require_finite",
           "available_memory", "require_memory", "format_bytes"]

#: Share of the available memory one allocation may take (the rest is for the
#: interpreter, the libraries and the other arrays of the computation).
MEMORY_FRACTION = 0.8


def _describe(value: ArrayLike) -> str:
    arr = np.asarray(value)
    if arr.ndim == 0:
        return repr(arr.item())
    return f"array with min {np.nanmin(arr)!r}, max {np.nanmax(arr)!r}"


def require_finite(name: str, value: ArrayLike) -> np.ndarray:
    """Return ``value`` as a float array, refusing NaN and infinity."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise UnphysicalParameter(f"{name} must be finite; got {_describe(value)}")
    return arr


def require_positive(name: str, value: ArrayLike) -> np.ndarray:
    """Return ``value`` as a float array, refusing anything that is not > 0."""
    arr = require_finite(name, value)
    if np.any(arr <= 0):
        raise UnphysicalParameter(f"{name} must be > 0; got {_describe(value)}")
    return arr


def require_non_negative(name: str, value: ArrayLike) -> np.ndarray:
    """Return ``value`` as a float array, refusing anything that is < 0."""
    arr = require_finite(name, value)
    if np.any(arr < 0):
        raise UnphysicalParameter(f"{name} must be >= 0; got {_describe(value)}")
    return arr


def require_in_range(
    name: str, value: ArrayLike, low: float, high: float, *, inclusive: bool = True
) -> np.ndarray:
    """Return ``value`` as a float array, refusing anything outside ``[low, high]``.

    With ``inclusive=False`` the interval is open.
    """
    arr = require_finite(name, value)
    bad = (arr < low) | (arr > high) if inclusive else (arr <= low) | (arr >= high)
    if np.any(bad):
        brackets = "[{}, {}]" if inclusive else "({}, {})"
        raise UnphysicalParameter(
            f"{name} must be in {brackets.format(low, high)}; got {_describe(value)}"
        )
    return arr


def format_bytes(nbytes: float) -> str:
    """``1.5 GB``-style size (powers of 1024, as ``free -h``)."""
    value = float(nbytes)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(value) < 1024 or unit == "PB":
            return f"{value:.3g} {unit}"
        value /= 1024
    return f"{value:.3g} PB"  # pragma: no cover - loop always returns


def _cgroup_room() -> float:
    """Memory left under this process's cgroup (v2) limit, or infinity without one."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
    except OSError:
        return float("inf")
    if limit == "max":
        return float("inf")
    return max(int(limit) - int(used), 0)


def available_memory() -> float:
    """Memory this process can still allocate, in bytes: ``MemAvailable`` of
    ``/proc/meminfo`` and the room under a container's cgroup limit, whichever is less
    (infinity where neither is known)."""
    room = _cgroup_room()
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return min(room, int(line.split()[1]) * 1024.0)
    except OSError:  # pragma: no cover - not Linux
        pass
    return room


def require_memory(nbytes: float, what: str) -> None:
    """Refuse a computation whose estimated memory ``nbytes`` would not fit.

    Parameters
    ----------
    nbytes : float
        Estimated peak memory of the computation [bytes].
    what : str
        What is allocated and which settings decide its size, for the message.

    Raises
    ------
    InsufficientMemory
        When ``nbytes`` exceeds :data:`MEMORY_FRACTION` of :func:`available_memory`; the
        message gives the estimate, the available memory and ``what``.
    """
    room = available_memory()
    if not nbytes <= MEMORY_FRACTION * room:
        raise InsufficientMemory(
            f"{what} would need about {format_bytes(nbytes)} of memory; this machine has "
            f"{format_bytes(room)} available (at most {MEMORY_FRACTION:.0%} of it is used "
            "for one allocation). Reduce the setting, or run on a larger machine")
