"""Quenching: the electron-equivalent energy E_ee produced by a nuclear recoil T_nr.

Models (select by name with :func:`get_quenching`):

``"coherent-csi-2022"``
    COHERENT measurement of the CsI[Na] response to nuclear recoils, Akimov et al.,
    JINST 17 (2022) P10034 (cited by CLOVERS, Sec. 3.1): the global fit
    E_ee = a T + b T² + c T³ + d T⁴ (T and E_ee in MeV) with a = 0.0554628,
    b = 4.30681 MeV⁻¹, c = −111.707 MeV⁻², d = 840.384 MeV⁻³ (the polynomial released
    with the COHERENT CsI data, arXiv:2110.07730). The fit covers 3–60 keV_nr; below 3
    keV_nr it is an extrapolation (QF → 5.5 % as T → 0). CLOVERS applies it to undoped
    CsI at 77 K, as we do.
``"constant"``
    E_ee = QF · T with a constant QF (e.g. COHERENT 2017: 0.0878, Akimov et al. 2017).

Built from parameters (no name): :class:`LindhardQuenching` (Lindhard et al., Mat. Fys.
Medd. Dan. Vid. Selsk. 33 (1963) no. 10, with the electronic-stopping constant k and the
medium's Z) and :class:`TabulatedQuenching` (QF at tabulated recoil energies, linear in
between, the end values held outside the table — stated in its docstring).

All energies are hepunits energies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hepunits import MeV, keV
from numpy.typing import ArrayLike

from ..exceptions import UnknownName, UnphysicalParameter
from ..validation import require_in_range, require_non_negative

__all__ = ["Quenching", "PolynomialQuenching", "ConstantQuenching", "LindhardQuenching",
           "TabulatedQuenching", "COHERENT_CSI_2022", "QUENCHING_MODELS", "get_quenching"]


class Quenching:
    """Base class: :meth:`electron_equivalent` maps T_nr → E_ee (vectorised)."""

    name: str = "quenching"

    def electron_equivalent(self, recoil: ArrayLike) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def factor(self, recoil: ArrayLike) -> np.ndarray:
        """Quenching factor E_ee / T_nr (the T → 0 limit at T = 0)."""
        t = require_non_negative("nuclear recoil energy", recoil)
        tiny = 1e-9 * keV
        safe = np.where(t > tiny, t, tiny)
        return self.electron_equivalent(safe) / safe

    def recoil_for(self, electron_equivalent: ArrayLike, t_max: float = 200 * keV) -> np.ndarray:
        """Inverse: the T_nr that gives ``electron_equivalent`` (monotonic models only).

        Solved by interpolation on a fine grid up to ``t_max``; values beyond the grid
        are refused.
        """
        e = require_non_negative("electron-equivalent energy", electron_equivalent)
        grid = np.linspace(0.0, t_max, 20001)
        ee = self.electron_equivalent(grid)
        if np.any(np.diff(ee) <= 0):
            raise ValueError(f"quenching model {self.name!r} is not monotonic up to {t_max / keV} keV")
        require_in_range("electron-equivalent energy", e, 0.0, float(ee[-1]))
        return np.interp(e, ee, grid)


@dataclass(frozen=True)
class PolynomialQuenching(Quenching):
    """E_ee = Σ_k c_k T^k (k ≥ 1), T and E_ee in MeV (coefficients in MeV^(1−k))."""

    coefficients: tuple[float, ...]
    name: str = "polynomial"

    def electron_equivalent(self, recoil: ArrayLike) -> np.ndarray:
        """E_ee (hepunits energy) for recoil energies T_nr (hepunits energy, ≥ 0)."""
        t = require_non_negative("nuclear recoil energy", recoil) / MeV
        out = np.zeros_like(t)
        for c in reversed(self.coefficients):  # Horner, no constant term
            out = (out + c) * t
        return np.clip(out, 0.0, None) * MeV


@dataclass(frozen=True)
class ConstantQuenching(Quenching):
    """E_ee = QF · T with 0 < QF ≤ 1."""

    qf: float
    name: str = "constant"

    def __post_init__(self) -> None:
        require_in_range("quenching factor", self.qf, 0.0, 1.0)
        if self.qf <= 0:
            raise UnphysicalParameter(f"quenching factor must be > 0; got {self.qf!r}")

    def electron_equivalent(self, recoil: ArrayLike) -> np.ndarray:
        """E_ee = QF · T (hepunits energy)."""
        return self.qf * require_non_negative("nuclear recoil energy", recoil)


@dataclass(frozen=True)
class LindhardQuenching(Quenching):
    """Lindhard quenching: QF(T) = k g(ε) / (1 + k g(ε)), ε = 11.5 T[keV] Z^{−7/3}.

    Attributes
    ----------
    k : float
        Electronic-stopping constant (> 0; Lindhard's k = 0.133 Z^{2/3} A^{−1/2}, e.g.
        0.157 for Ge, 0.166 for Xe).
    Z : float
        Atomic number of the medium (> 0).
    """

    k: float
    Z: float
    name: str = "lindhard"

    def __post_init__(self) -> None:
        if not (self.k > 0 and self.Z > 0):
            raise UnphysicalParameter(f"Lindhard quenching: k = {self.k!r} and Z = {self.Z!r} "
                                      "must both be > 0")

    def electron_equivalent(self, recoil: ArrayLike) -> np.ndarray:
        """E_ee = QF(T) · T (hepunits energy)."""
        from .xenon import lindhard_quenching  # the one implementation of g(ε)

        t = require_non_negative("nuclear recoil energy", recoil)
        return lindhard_quenching(t, self.Z, self.k) * t


@dataclass(frozen=True)
class TabulatedQuenching(Quenching):
    """QF tabulated at recoil energies, linear in between.

    Below the first point the first QF and above the last the last QF are used (a
    constant extrapolation, so a table should span the recoil range of the analysis).

    Attributes
    ----------
    recoil : tuple of float
        Strictly increasing recoil energies (hepunits energy, ≥ 0), at least two.
    factors : tuple of float
        QF at those energies, each in (0, 1].
    """

    recoil: tuple[float, ...]
    factors: tuple[float, ...]
    name: str = "tabulated"

    def __post_init__(self) -> None:
        t, f = np.asarray(self.recoil, float), np.asarray(self.factors, float)
        if t.ndim != 1 or t.size < 2 or t.shape != f.shape or np.any(np.diff(t) <= 0) or t[0] < 0:
            raise UnphysicalParameter("tabulated quenching: need >= 2 strictly increasing, "
                                      "non-negative recoil energies and one QF per energy")
        if np.any(f <= 0) or np.any(f > 1) or not np.all(np.isfinite(f)):
            raise UnphysicalParameter(f"tabulated quenching: QF values must lie in (0, 1]; got {f}")

    def electron_equivalent(self, recoil: ArrayLike) -> np.ndarray:
        """E_ee = QF(T) · T (hepunits energy)."""
        t = require_non_negative("nuclear recoil energy", recoil)
        return np.interp(t, self.recoil, self.factors) * t


#: Akimov et al., JINST 17 (2022) P10034, CsI[Na] global polynomial fit (3–60 keV_nr).
COHERENT_CSI_2022 = PolynomialQuenching(
    coefficients=(0.0554628, 4.30681, -111.707, 840.384), name="coherent-csi-2022")

#: Named models (the constant model needs a value and is built by :func:`get_quenching`).
QUENCHING_MODELS = ("coherent-csi-2022", "constant")


def get_quenching(name: str, qf: float | None = None) -> Quenching:
    """Build the quenching model ``name``.

    Parameters
    ----------
    name : str
        ``"coherent-csi-2022"`` or ``"constant"``.
    qf : float, optional
        The constant quenching factor (required for ``"constant"``, refused otherwise).
    """
    key = str(name).strip().lower()
    if key == "coherent-csi-2022":
        if qf is not None:
            raise ValueError("quenching 'coherent-csi-2022' takes no constant qf")
        return COHERENT_CSI_2022
    if key == "constant":
        if qf is None:
            raise ValueError("quenching 'constant' needs a value qf in (0, 1]")
        return ConstantQuenching(float(qf))
    raise UnknownName(f"quenching model {name!r}: unknown; choose one of {', '.join(QUENCHING_MODELS)}")
