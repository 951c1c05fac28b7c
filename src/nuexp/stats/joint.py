"""A joint likelihood: the sum of several objectives sharing some parameters.

Each part (e.g. a :class:`~nuexp.stats.likelihood.BinnedLikelihood` of one data set)
keeps its own parameters; parameters named in ``shared`` are one parameter of the joint
fit (e.g. sin²θW or NSI couplings measured by two detectors), every other parameter is
renamed ``"<label>.<name>"``. The joint objective has ``names``, ``parameters``,
``errordef`` and ``__call__(x)``, so :func:`nuexp.stats.fit.fit` and
:func:`nuexp.stats.scan.profile_scan` work on it unchanged.

A shared parameter must not carry a prior in more than one part: its pull term would be
counted twice (:class:`~nuexp.exceptions.InvalidConfiguration` otherwise).

Examples
--------
>>> import numpy as np
>>> from nuexp.stats.likelihood import BinnedLikelihood
>>> from nuexp.stats.nuisances import Parameter, ParameterSet
>>> a = BinnedLikelihood(lambda x: x[0] * np.array([10.0]), [12.0],
...                      ParameterSet([Parameter("mu", 1.0)]))
>>> b = BinnedLikelihood(lambda x: x[0] * np.array([20.0]), [18.0],
...                      ParameterSet([Parameter("mu", 1.0)]))
>>> joint = JointLikelihood({"a": a, "b": b}, shared=("mu",))
>>> joint.names
('mu',)
>>> round(joint(np.array([1.0])), 6) == round(a(np.array([1.0])) + b(np.array([1.0])), 6)
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..exceptions import InvalidConfiguration
from .nuisances import Parameter, ParameterSet

__all__ = ["JointLikelihood"]


class JointLikelihood:
    """Sum of objectives with shared and renamed parameters.

    Parameters
    ----------
    parts : mapping
        {label: objective}; each objective has ``parameters`` (ParameterSet) and
        ``__call__(x)`` returning −2 ln L (or χ²).
    shared : iterable of str
        Parameter names that are the same parameter in every part that has them.
    """

    errordef = 1.0

    def __init__(self, parts: Mapping[str, Any], shared: Iterable[str] = ()) -> None:
        self.parts = dict(parts)
        self.shared = frozenset(shared)
        params: list[Parameter] = []
        index: dict[str, int] = {}
        with_prior: dict[str, str] = {}
        self._maps: list[np.ndarray] = []
        for label, obj in self.parts.items():
            rows = []
            for p in obj.parameters:
                name = p.name if p.name in self.shared else f"{label}.{p.name}"
                if p.prior is not None and p.name in self.shared:
                    if name in with_prior:
                        raise InvalidConfiguration(
                            f"shared parameter {name!r} has a prior in both {with_prior[name]!r} "
                            f"and {label!r}; keep it in one part")
                    with_prior[name] = label
                if name not in index:
                    index[name] = len(params)
                    params.append(replace(p, name=name))
                rows.append(index[name])
            self._maps.append(np.array(rows, dtype=int))
        unknown = self.shared - {p.name for p in params}
        if unknown:
            raise InvalidConfiguration(f"shared parameters {sorted(unknown)} are in no part")
        self.parameters = ParameterSet(params)

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names of the joint fit (order of ``x``)."""
        return self.parameters.names

    def split(self, x: ArrayLike) -> dict[str, np.ndarray]:
        """Each part's own parameter vector for the joint vector ``x``."""
        x = np.asarray(x, dtype=float)
        return {label: x[rows] for label, rows in zip(self.parts, self._maps)}

    def __call__(self, x: ArrayLike) -> float:
        parts = self.split(x)
        return float(sum(obj(parts[label]) for label, obj in self.parts.items()))
