"""Cut flows: named selection cuts with efficiencies (or counts), per data-taking period.

A :class:`CutFlow` is an ordered list of :class:`Cut` for one period (e.g. JSNS2 2021
and 2022, whose trigger windows differ). Its total efficiency is the product of the cut
efficiencies; the uncertainty of the product adds the *relative* uncertainties in
quadrature (cuts treated as uncorrelated, as in JSNS2 2025, Table 1). Several periods are
combined with :func:`pot_weighted_average` (weights ∝ protons on target; period
uncertainties uncorrelated, which reproduces the paper's 5.88 ± 0.21 %, Sec. V).

A cut flow can also be built from event counts after each cut
(:meth:`CutFlow.from_counts`), with binomial uncertainties — the event-level analysis
fills it that way.

Examples
--------
>>> from nuexp.events.cutflow import Cut, CutFlow
>>> flow = CutFlow("toy", [Cut("energy", 0.5, 0.01), Cut("timing", 0.8)])
>>> flow.total
0.4
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import UnphysicalParameter
from ..validation import require_in_range, require_non_negative, require_positive

__all__ = ["Cut", "CutFlow", "pot_weighted_average"]


@dataclass(frozen=True)
class Cut:
    """One selection cut.

    Parameters
    ----------
    name : str
        Short name ("prompt energy 20-40 MeV").
    efficiency : float
        Fraction of events (passing the previous cuts) that pass this one, in [0, 1].
    uncertainty : float
        One-σ absolute uncertainty of ``efficiency`` (≥ 0).
    reference : float, optional
        A reference value to show beside it (e.g. the published one).
    note : str
        Free text (how it was obtained).
    """

    name: str
    efficiency: float
    uncertainty: float = 0.0
    reference: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise UnphysicalParameter(f"cut name must be a non-empty string; got {self.name!r}")
        require_in_range(f"cut {self.name!r}: efficiency", self.efficiency, 0.0, 1.0)
        require_non_negative(f"cut {self.name!r}: uncertainty", self.uncertainty)
        object.__setattr__(self, "efficiency", float(self.efficiency))
        object.__setattr__(self, "uncertainty", float(self.uncertainty))

    @property
    def relative_uncertainty(self) -> float:
        """uncertainty / efficiency (0 when both are 0)."""
        if self.efficiency == 0.0:
            return 0.0 if self.uncertainty == 0.0 else float("inf")
        return self.uncertainty / self.efficiency


@dataclass(frozen=True)
class CutFlow:
    """Ordered cuts of one data-taking period.

    Parameters
    ----------
    period : str
        Label of the period ("2021").
    cuts : sequence of Cut
        In the order they are applied; names must be unique.
    """

    period: str
    cuts: tuple[Cut, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        cuts = tuple(self.cuts)
        names = [c.name for c in cuts]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise UnphysicalParameter(f"cut flow {self.period!r}: duplicate cut names {dup}")
        object.__setattr__(self, "cuts", cuts)

    @classmethod
    def from_counts(cls, period: str, names: Sequence[str], counts: Sequence[float]) -> CutFlow:
        """Build from the number of events before any cut and after each cut.

        Parameters
        ----------
        names : sequence of str
            Cut names, one per cut.
        counts : sequence of float
            ``len(names) + 1`` non-negative, non-increasing counts: the initial number,
            then the number left after each cut. Efficiencies are successive ratios with
            binomial uncertainties √(ε(1−ε)/N_before).
        """
        n = require_non_negative("counts", counts)
        if n.ndim != 1 or n.size != len(names) + 1:
            raise UnphysicalParameter(
                f"counts: need {len(names) + 1} numbers (initial + one per cut); got {n.size}"
            )
        if np.any(np.diff(n) > 0):
            raise UnphysicalParameter(f"counts must not increase from one cut to the next; got {n.tolist()}")
        if n[0] <= 0:
            raise UnphysicalParameter(f"counts: the initial count must be > 0; got {n[0]}")
        cuts = []
        for name, before, after in zip(names, n[:-1], n[1:]):
            eff = after / before if before > 0 else 0.0
            unc = np.sqrt(eff * (1 - eff) / before) if before > 0 else 0.0
            cuts.append(Cut(name, eff, float(unc), note=f"{after:g}/{before:g} events"))
        return cls(period, tuple(cuts))

    def __getitem__(self, name: str) -> Cut:
        for cut in self.cuts:
            if cut.name == name:
                return cut
        raise KeyError(f"cut flow {self.period!r} has no cut {name!r}; cuts: {[c.name for c in self.cuts]}")

    def replace(self, name: str, cut: Cut) -> CutFlow:
        """A new cut flow with the cut called ``name`` replaced by ``cut``."""
        self[name]  # raises if absent
        return CutFlow(self.period, tuple(cut if c.name == name else c for c in self.cuts))

    @property
    def total(self) -> float:
        """Product of the cut efficiencies (1 for an empty flow)."""
        return float(np.prod([c.efficiency for c in self.cuts])) if self.cuts else 1.0

    @property
    def total_uncertainty(self) -> float:
        """Absolute uncertainty of :attr:`total`: relative uncertainties in quadrature."""
        if self.total == 0.0:
            return float(np.sqrt(sum(c.uncertainty**2 for c in self.cuts if c.efficiency == 0.0)))
        rel = np.sqrt(sum(c.relative_uncertainty**2 for c in self.cuts))
        return float(self.total * rel)

    def cumulative(self) -> np.ndarray:
        """Efficiency after each cut (running product)."""
        return np.cumprod([c.efficiency for c in self.cuts])

    def rows(self) -> list[dict]:
        """One row per cut (and a total row), for ``ctx.table``."""
        out = []
        for cut, cum in zip(self.cuts, self.cumulative()):
            out.append({"period": self.period, "cut": cut.name, "efficiency": cut.efficiency,
                        "uncertainty": cut.uncertainty, "cumulative": float(cum),
                        "reference": cut.reference, "note": cut.note})
        out.append({"period": self.period, "cut": "total", "efficiency": self.total,
                    "uncertainty": self.total_uncertainty, "cumulative": self.total,
                    "reference": None, "note": "product; relative uncertainties in quadrature"})
        return out


def pot_weighted_average(flows: Sequence[CutFlow], pot: Sequence[float],
                         correlated: bool = False) -> tuple[float, float]:
    """POT-weighted mean of the total efficiencies of several periods.

    Parameters
    ----------
    flows : sequence of CutFlow
        One per period.
    pot : sequence of float
        Protons on target of each period (> 0; any common unit).
    correlated : bool
        Treat the period uncertainties as fully correlated (linear sum) instead of
        uncorrelated (quadrature, the default, which reproduces JSNS2 2025 Sec. V).

    Returns
    -------
    mean, uncertainty : float
    """
    weights = require_positive("pot", pot)
    if weights.ndim != 1 or weights.size != len(flows) or weights.size == 0:
        raise UnphysicalParameter(f"pot: need one value per cut flow ({len(flows)}); got {weights.size}")
    w = weights / weights.sum()
    totals = np.array([f.total for f in flows])
    errs = np.array([f.total_uncertainty for f in flows])
    mean = float(np.sum(w * totals))
    unc = float(np.sum(w * errs)) if correlated else float(np.sqrt(np.sum((w * errs) ** 2)))
    return mean, unc
