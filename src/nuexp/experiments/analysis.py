"""What a family is: one validated configuration model and the validate → compute → report
steps every run goes through.

A *family* is a reusable analysis (the CEvNS family, the reactor ν̄e family, or one of the
bespoke paper reproductions). An experiment TOML names it with ``family = "NAME"`` (or
extends a preset that does); :func:`nuexp.experiments.runner.run` then

1. validates the merged TOML with :attr:`Family.config` (:meth:`Family.validate`),
2. calls :attr:`Family.compute` ``(config, ctx)``: the physics, no file output; it returns
   an *outcome* (any object: arrays, fit results, a dataclass),
3. calls :attr:`Family.report` ``(config, outcome, ctx)``: records quantities, tables and
   figures through the :class:`~nuexp.experiments.context.RunContext`.

The framework, not the family, writes ``results.json``, CSV tables and figures, stages the
output folder and seeds random processes.

A family is declared once, in its folder (``nuexp/experiments/<family>/family.py`` or the
analysis module), as a module-level ``FAMILY``:

>>> from nuexp.config import ExperimentConfig
>>> class DemoConfig(ExperimentConfig):
...     mass_kg: float = 1.0
>>> def compute(config, ctx):
...     return 2.0 * config.mass_kg
>>> def report(config, outcome, ctx):
...     ctx.quantity("twice_the_mass", outcome, "kg")
>>> FAMILY = Family(name="demo", config=DemoConfig, compute=compute, report=report,
...                 description="a demonstration")
>>> FAMILY.validate({"experiment": "d", "family": "demo"}, "doctest").mass_kg
1.0
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from ..config import ExperimentConfig, validate_config
from ..exceptions import InvalidConfiguration

if TYPE_CHECKING:
    from .context import RunContext

__all__ = ["FAMILY_NAME", "Analysis", "Family"]

C = TypeVar("C", bound=ExperimentConfig)
O = TypeVar("O")

#: Allowed family and preset names: lower-case words joined by ``-`` (``coherent-csi``).
FAMILY_NAME = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


class Analysis(Protocol[C, O]):
    """The interface every family implements (:class:`Family` is the implementation)."""

    name: str
    config: type[C]
    description: str

    def validate(self, data: dict[str, Any], source: str) -> C:
        """Validate the merged TOML ``data`` (``source`` names it in errors)."""

    def compute(self, config: C, ctx: RunContext) -> O:
        """The physics: no file output; return what :meth:`report` needs."""

    def report(self, config: C, outcome: O, ctx: RunContext) -> None:
        """Record quantities, tables and figures of ``outcome`` on ``ctx``."""


@dataclass(frozen=True)
class Family(Generic[C, O]):
    """A reusable analysis: its configuration model and its compute/report steps.

    Parameters
    ----------
    name : str
        What a TOML names with ``family = "NAME"``: lower-case words joined by ``-``.
    config : type
        Pydantic model of the whole TOML, a subclass of
        :class:`nuexp.config.ExperimentConfig` (unknown keys refused).
    compute : callable
        ``compute(config, ctx) -> outcome``: the physics, no file output.
    report : callable, optional
        ``report(config, outcome, ctx) -> None``: quantities, tables, figures. ``None``
        only for the legacy paper reproductions whose ``compute`` still records
        everything itself (their docstrings say so).
    description : str
        One line for ``nuexp list``.
    """

    name: str
    config: type[C]
    compute: Callable[[C, RunContext], O]
    report: Callable[[C, O, RunContext], None] | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not FAMILY_NAME.match(self.name):
            raise InvalidConfiguration(
                f"family name {self.name!r}: must be lower-case letters and digits joined "
                "by '-' or '_' (e.g. 'coherent-csi')")
        if not (isinstance(self.config, type) and issubclass(self.config, ExperimentConfig)):
            raise InvalidConfiguration(
                f"family {self.name!r}: config = {self.config!r} must be a subclass of "
                "nuexp.config.ExperimentConfig")
        for step in ("compute", "report"):
            value = getattr(self, step)
            if not callable(value) and not (step == "report" and value is None):
                raise InvalidConfiguration(
                    f"family {self.name!r}: {step} = {value!r} must be callable")

    def validate(self, data: dict[str, Any], source: str) -> C:
        """Validate ``data`` with :attr:`config`; errors name each field, value and rule."""
        if data.get("family", self.name) != self.name:
            raise InvalidConfiguration(
                f"field 'family' = {data['family']!r} in {source}: this is family "
                f"{self.name!r}")
        return validate_config(self.config, data, source)

    def run(self, config: C, ctx: RunContext) -> O:
        """Compute, then report; return the outcome (for notebooks and tests)."""
        outcome = self.compute(config, ctx)
        if self.report is not None:
            self.report(config, outcome, ctx)
        return outcome
