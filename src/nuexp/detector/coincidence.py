"""Multi-PMT coincidence: the efficiency of requiring light in both PMTs of a crystal.

CLOVERS criterion 3 (Sec. 2.4): each sub-detector (one CsI crystal, two PMTs) must see
at least one PE in both PMTs. If each of the n detected photoelectrons lands in PMT A
with probability p (½ for a symmetric crystal) independently, the split is binomial and

    ε₃(n) = P(k ≥ m and n − k ≥ m),  k ~ Binomial(n, p),

which for m = 1 is 1 − pⁿ − (1 − p)ⁿ (= 1 − 2^{1−n} for p = ½; 0 for n ≤ 1).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import bdtr  # binomial CDF; scipy.stats is slow to import

from ..validation import require_in_range, require_non_negative

__all__ = ["two_pmt_coincidence_efficiency"]


def two_pmt_coincidence_efficiency(npe: ArrayLike, split: float = 0.5,
                                   min_pe_each: int = 1) -> np.ndarray:
    """Probability that a binomial split of ``npe`` PE gives ≥ ``min_pe_each`` in each PMT.

    Parameters
    ----------
    npe : array_like
        Total detected photoelectrons (non-negative integers).
    split : float
        Probability that a photoelectron is in PMT A, in [0, 1].
    min_pe_each : int
        Required PE in each PMT (≥ 0).

    Returns
    -------
    ndarray
        Efficiency in [0, 1], same shape as ``npe``.
    """
    n = require_non_negative("npe", npe)
    if np.any(n != np.round(n)):
        raise ValueError("npe must be integer counts")
    p = float(require_in_range("PMT light split", split, 0.0, 1.0))
    m = int(min_pe_each)
    if m < 0:
        raise ValueError(f"min_pe_each = {m}: must be >= 0")
    # P(m <= k <= n - m) = F(n - m) - F(m - 1)
    ni = np.round(n).astype(np.int64)
    ok = ni - m >= m
    k_hi = np.where(ok, ni - m, 0)
    upper = bdtr(k_hi, ni, p)
    lower = bdtr(m - 1, ni, p) if m >= 1 else np.zeros(ni.shape)
    eff = np.where(ok, upper - lower, 0.0)
    return np.clip(eff, 0.0, 1.0)
