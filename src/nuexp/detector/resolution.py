"""Energy resolution of a scintillator detector: σ/E = √(a²/E + b² + c²/E²).

``a`` is the photon-statistics (stochastic) term, ``b`` the constant term (energy leakage,
non-uniformity), ``c`` the noise term (dark noise, annihilation γ); E in MeV. JUNO's
expected positron resolution (talk, calibration page; JUNO, arXiv:2405.17860):
a = 2.61 %, b = 0.64 %, c = 1.20 % → 2.943 % at 1 MeV (quoted as 2.95 %).

:class:`Resolution` also builds the response matrix of Gaussian smearing from a fine grid
of visible energies into reconstructed-energy bins (exact bin integrals of the Gaussian).

Examples
--------
>>> from hepunits import MeV
>>> from nuexp.detector.resolution import Resolution
>>> r = Resolution.preset("juno")
>>> round(float(r.relative(1 * MeV)), 4)
0.0294
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hepunits import MeV
from numpy.typing import ArrayLike
from scipy.special import ndtr

from ..exceptions import InvalidConfiguration, UnknownName
from ..validation import require_non_negative, require_positive

__all__ = ["Resolution", "RESOLUTION_PRESETS"]

#: Named (a, b, c) sets (fractions; E in MeV).
#: "juno": talk, calibration page (JUNO, arXiv:2405.17860): 2.61 %, 0.64 %, 1.20 %.
RESOLUTION_PRESETS: dict[str, tuple[float, float, float]] = {
    "juno": (0.0261, 0.0064, 0.0120),
}


@dataclass(frozen=True)
class Resolution:
    """σ/E = √(a²/E + b² + c²/E²), E in MeV.

    Parameters
    ----------
    a : float
        Stochastic term (fraction × √MeV), ≥ 0.
    b : float
        Constant term (fraction), ≥ 0.
    c : float
        Noise term (fraction × MeV), ≥ 0.
    """

    a: float
    b: float = 0.0
    c: float = 0.0

    def __post_init__(self) -> None:
        for name in ("a", "b", "c"):
            require_non_negative(f"resolution term {name}", getattr(self, name))
        if self.a == self.b == self.c == 0:
            require_positive("resolution terms a, b, c (at least one)", 0.0)

    @classmethod
    def preset(cls, name: str) -> Resolution:
        """A named set from :data:`RESOLUTION_PRESETS`."""
        try:
            return cls(*RESOLUTION_PRESETS[name])
        except KeyError:
            raise UnknownName(f"resolution preset {name!r}: choose one of "
                              f"{', '.join(RESOLUTION_PRESETS)}") from None

    def scaled(self, factor: float) -> Resolution:
        """All three terms multiplied by ``factor`` (> 0)."""
        f = float(require_positive("resolution scale factor", factor))
        return Resolution(self.a * f, self.b * f, self.c * f)

    def relative(self, energy: ArrayLike) -> np.ndarray:
        """σ/E at ``energy`` (hepunits energy, > 0)."""
        e = require_positive("visible energy", energy) / MeV
        return np.sqrt(self.a**2 / e + self.b**2 + self.c**2 / e**2)

    def sigma(self, energy: ArrayLike) -> np.ndarray:
        """σ (hepunits energy) at ``energy``."""
        return self.relative(energy) * np.asarray(energy, dtype=float)

    def response_matrix(self, true_energy: ArrayLike, edges: ArrayLike) -> np.ndarray:
        """Probability that an event of visible energy E_j is reconstructed in bin i.

        Parameters
        ----------
        true_energy : array_like
            Visible energies (hepunits, > 0), shape (n,).
        edges : array_like
            Reconstructed-energy bin edges (hepunits, increasing), shape (m + 1,).

        Returns
        -------
        numpy.ndarray
            Shape (m, n): Φ((e_{i+1} − E_j)/σ_j) − Φ((e_i − E_j)/σ_j). Columns sum to the
            probability of landing inside the binning (< 1 near its ends).
        """
        E = require_positive("visible energy", true_energy)
        e = np.asarray(edges, dtype=float)
        if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0):
            raise InvalidConfiguration("edges must be an increasing 1-d array of at least 2 values")
        s = self.sigma(E)
        cdf = ndtr((e[:, None] - E[None, :]) / s[None, :])
        return np.diff(cdf, axis=0)

    def response_matrix_sparse(self, true_energy: ArrayLike, edges: ArrayLike, *,
                               n_sigma: float = 8.0, extra_sigma: ArrayLike | None = None):
        """:meth:`response_matrix` as a ``scipy.sparse`` CSR matrix, banded to ±``n_sigma``.

        Only the bin edges within ``n_sigma`` standard deviations of each true energy are
        evaluated (the neglected probability is below 2 Φ(−n_sigma) ≈ 1e-15 for 8σ).
        ``extra_sigma`` (hepunits energy, per true energy) is added in quadrature to the
        detector σ (e.g. the kinematic spread of the IBD positron energy).
        """
        from scipy import sparse

        E = require_positive("visible energy", true_energy)
        e = np.asarray(edges, dtype=float)
        if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0):
            raise InvalidConfiguration("edges must be an increasing 1-d array of at least 2 values")
        s = self.sigma(E)
        if extra_sigma is not None:
            s = np.sqrt(s**2 + require_non_negative("extra_sigma", extra_sigma) ** 2)
        lo = np.clip(np.searchsorted(e, E - n_sigma * s) - 1, 0, e.size - 1)
        hi = np.clip(np.searchsorted(e, E + n_sigma * s) + 1, 0, e.size - 1)
        width = int(np.max(hi - lo)) + 1
        idx = np.minimum(lo[:, None] + np.arange(width)[None, :], e.size - 1)   # (n, width)
        cdf = ndtr((e[idx] - E[:, None]) / s[:, None])
        prob = np.diff(cdf, axis=1)                                             # (n, width-1)
        rows = idx[:, :-1]
        valid = (idx[:, 1:] > idx[:, :-1]) & (prob > 0)
        cols = np.broadcast_to(np.arange(E.size)[:, None], rows.shape)
        return sparse.csr_matrix((prob[valid], (rows[valid], cols[valid])),
                                 shape=(e.size - 1, E.size))
