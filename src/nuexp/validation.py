"""Argument checks shared by the library: clear errors, no silent clipping, no NaN.

Each check raises :class:`nuexp.exceptions.UnphysicalParameter` with a message that
names the parameter, the offending value and the allowed range.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .exceptions import UnphysicalParameter

__all__ = ["require_positive", "require_non_negative", "require_in_range", "require_finite"]


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
