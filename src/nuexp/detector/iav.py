"""Inner-acrylic-vessel (IAV) energy-loss distortion with a scaled off-diagonal part.

Positrons created near the acrylic vessel lose part of their energy in it, which moves a
fraction of the events of each true-energy bin to lower bins.  Daya Bay provides this as a
column-normalised matrix (release ``detector_iav_matrix``, 240 × 240 bins of 50 keV) and
models its uncertainty by scaling the off-diagonal elements by a factor s = 1 ± 0.04
(uncorrelated between detectors, release ``detector_iav_offdiag_scale.yaml``), the columns
being renormalised to 1 afterwards.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..exceptions import UnphysicalParameter
from ..validation import require_finite, require_non_negative

__all__ = ["rescale_offdiagonal", "rescale_offdiagonal_many"]


def rescale_offdiagonal(matrix: ArrayLike, scale: float) -> np.ndarray:
    """Scale the off-diagonal elements by ``scale`` and renormalise the columns.

    Parameters
    ----------
    matrix : array_like, shape (n, n)
        Square distortion matrix; column i is the distribution of true bin i.
    scale : float
        Off-diagonal scale (≥ 0; 1 = unchanged).

    Returns
    -------
    ndarray, shape (n, n)
        Columns summing to 1 (columns that were empty stay empty).
    """
    m = require_finite("matrix", matrix)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise UnphysicalParameter(f"matrix must be square; got shape {m.shape}")
    s = float(require_non_negative("scale", scale))
    return rescale_offdiagonal_many(m, np.array([s]))[0]


def rescale_offdiagonal_many(matrix: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Vectorised :func:`rescale_offdiagonal` for several scales; returns (k, n, n)."""
    m = np.asarray(matrix, dtype=float)
    s = np.asarray(scales, dtype=float)
    diag = np.diag(m)
    out = s[:, None, None] * m[None, :, :]
    idx = np.arange(m.shape[0])
    out[:, idx, idx] = diag[None, :]
    colsum = out.sum(axis=1, keepdims=True)
    np.divide(out, colsum, out=out, where=colsum != 0.0)
    return out
