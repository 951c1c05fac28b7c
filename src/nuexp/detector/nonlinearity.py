"""Energy non-linearity of a scintillator: E_vis = E_dep · f(E_dep) · (1 + Σ_k η_k δ_k(E_dep)).

The nominal curve f is configurable:

``"identity"``
    f = 1 (the reconstructed scale after calibration, the usual choice of sensitivity
    studies where only the *uncertainty* of the non-linearity matters).
``"table"``
    f linearly interpolated between nodes (E_k, f_k), constant beyond the end nodes.
``"empirical"``
    f(E) = (p0 + p3/E) / (1 + p1 exp(−p2 E)), E in MeV: a four-parameter form of the kind
    used by Daya Bay for the positron response (Birks quenching at low energy, Cherenkov
    light rising with energy).

The uncertainty is a set of :class:`PullCurve` objects: 1σ relative deformations δ_k(E)
(linear in E between nodes) multiplied by nuisance parameters η_k ~ N(0, 1).

Examples
--------
>>> from hepunits import MeV
>>> from nuexp.detector.nonlinearity import NonLinearity, PullCurve
>>> nl = NonLinearity(pull_curves=(PullCurve("scale", (1.0, 10.0), (0.005, 0.005)),))
>>> round(float(nl.visible(4 * MeV, [1.0])) / MeV, 4)
4.02
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from hepunits import MeV
from numpy.typing import ArrayLike

from ..exceptions import InvalidConfiguration
from ..validation import require_finite, require_positive

__all__ = ["PullCurve", "NonLinearity", "KINDS"]

#: Nominal curve kinds.
KINDS = ("identity", "table", "empirical")


def _check_nodes(label: str, nodes: Sequence[float], values: Sequence[float]) -> None:
    x = require_finite(f"{label} nodes", nodes)
    y = require_finite(f"{label} values", values)
    if x.ndim != 1 or x.size < 1 or x.shape != y.shape:
        raise InvalidConfiguration(f"{label}: nodes and values need the same length >= 1; "
                                   f"got {x.size} and {y.size}")
    if np.any(np.diff(x) <= 0) or np.any(x <= 0):
        raise InvalidConfiguration(f"{label}: nodes (MeV) must be > 0 and increasing; got {list(x)}")


@dataclass(frozen=True)
class PullCurve:
    """A 1σ relative deformation δ(E) of the energy scale.

    Parameters
    ----------
    name : str
        Nuisance name.
    nodes_mev : sequence of float
        Energies (MeV) of the nodes, increasing.
    delta : sequence of float
        δ at the nodes (fraction; e.g. 0.003 = +0.3 % at 1σ); constant beyond the ends.
    """

    name: str
    nodes_mev: tuple[float, ...]
    delta: tuple[float, ...]

    def __post_init__(self) -> None:
        _check_nodes(f"pull curve {self.name!r}", self.nodes_mev, self.delta)

    def __call__(self, energy: np.ndarray) -> np.ndarray:
        return np.interp(energy / MeV, self.nodes_mev, self.delta)


@dataclass(frozen=True)
class NonLinearity:
    """Nominal non-linearity curve plus pull-curve uncertainties.

    Parameters
    ----------
    kind : {"identity", "table", "empirical"}
    nodes_mev, values : sequence of float
        Nodes and f values for ``kind="table"``.
    parameters : sequence of 4 float
        (p0, p1, p2, p3) for ``kind="empirical"``.
    pull_curves : sequence of PullCurve
        The uncertainty model.
    """

    kind: str = "identity"
    nodes_mev: tuple[float, ...] = ()
    values: tuple[float, ...] = ()
    parameters: tuple[float, ...] = ()
    pull_curves: tuple[PullCurve, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidConfiguration(f"non-linearity kind {self.kind!r}: choose one of {', '.join(KINDS)}")
        if self.kind == "table":
            _check_nodes("non-linearity table", self.nodes_mev, self.values)
            require_positive("non-linearity table values", self.values)
        if self.kind == "empirical" and len(self.parameters) != 4:
            raise InvalidConfiguration("empirical non-linearity needs 4 parameters (p0, p1, p2, p3); "
                                       f"got {len(self.parameters)}")
        names = [c.name for c in self.pull_curves]
        if len(set(names)) != len(names):
            raise InvalidConfiguration(f"duplicate pull-curve names: {names}")

    @property
    def pull_names(self) -> tuple[str, ...]:
        """Names of the nuisance parameters (one per pull curve)."""
        return tuple(c.name for c in self.pull_curves)

    def nominal(self, energy: ArrayLike) -> np.ndarray:
        """f(E) of the nominal curve at deposited energy ``energy`` (hepunits, > 0)."""
        E = require_positive("deposited energy", energy)
        if self.kind == "identity":
            return np.ones_like(E)
        if self.kind == "table":
            return np.interp(E / MeV, self.nodes_mev, self.values)
        p0, p1, p2, p3 = self.parameters
        x = E / MeV
        return (p0 + p3 / x) / (1.0 + p1 * np.exp(-p2 * x))

    def visible(self, energy: ArrayLike, pulls: ArrayLike | None = None) -> np.ndarray:
        """E_vis = E · f(E) · (1 + Σ η_k δ_k(E)) for deposited energy ``energy``.

        Parameters
        ----------
        energy : array_like
            Deposited energy (hepunits, > 0).
        pulls : array_like, optional
            η_k, one per pull curve (default all 0).
        """
        E = require_positive("deposited energy", energy)
        scale = self.nominal(E)
        if pulls is not None:
            eta = np.asarray(pulls, dtype=float)
            if eta.shape != (len(self.pull_curves),):
                raise InvalidConfiguration(f"expected {len(self.pull_curves)} non-linearity pulls "
                                           f"({', '.join(self.pull_names)}); got {eta.shape}")
            deform = 1.0 + sum(e * c(E) for e, c in zip(eta, self.pull_curves))
            if np.any(deform <= 0):
                raise InvalidConfiguration("non-linearity pulls make the energy scale <= 0")
            scale = scale * deform
        return E * scale
