"""The results of one ``nuexp run``: headline quantities and their ``results.json``.

The file follows ``shared/results-contract.md``: key names and units are those named in
the issues; ``value`` is always computed, ``published``/``source`` are references; no NaN
or infinity is ever written.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import NuexpError
from ..fileio import atomic_write_text

__all__ = ["DIMENSIONLESS", "Quantity", "Results"]

#: Unit of a dimensionless quantity in ``results.json``.
DIMENSIONLESS = "1"


def _finite_number(name: str, what: str, value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        raise NuexpError(f"quantity {name!r}: {what} must be a number, got a bool")
    number = value.item() if isinstance(value, np.generic) else value
    if not isinstance(number, (int, float)):
        raise NuexpError(f"quantity {name!r}: {what} must be a number, got {value!r}")
    if isinstance(number, float) and not math.isfinite(number):
        raise NuexpError(f"quantity {name!r}: {what} is {number}; NaN/inf never reach results")
    return number


@dataclass(frozen=True)
class Quantity:
    """One headline quantity.

    Parameters
    ----------
    name : str
        Key in ``results.json`` (exactly as named in the issue).
    value : float
        What nuexp computed, in ``unit``.
    unit : str
        Unit string as written in the issue (``"cm^-2 h^-1"``, ``"fraction"``, ...);
        ``"1"`` for a dimensionless number. An empty unit is taken as dimensionless and
        written as ``"1"``, so that every quantity in ``results.json`` has one.
    uncertainty : float, optional
        One standard deviation, same unit.
    uncertainty_low, uncertainty_high : float, optional
        Asymmetric uncertainties (positive numbers).
    published : float or str, optional
        Reference value from the source (a string for bounds such as ``"> 1e13"``).
    source : str, optional
        Where the published value comes from (paper, section, table).
    note : str, optional
        How it was computed or why it differs from the published value.
    published_uncertainty : float, optional
        One-standard-deviation uncertainty of the published value, same unit.
    reproduced : bool, optional
        ``False`` when the document's own inputs do not reproduce the published value (the
        note says why); ``None`` when not assessed.
    published_applies : bool, optional
        ``False`` when the published value describes another configuration than the one
        that was run (a user changed the physics of the preset that quotes it; the note
        names the changed fields): it is shown, never compared (no :attr:`ratio`, no
        ``reproduced``). ``None``: it applies.
    """

    name: str
    value: float
    unit: str
    uncertainty: float | None = None
    published: float | str | None = None
    source: str | None = None
    note: str | None = None
    uncertainty_low: float | None = None
    uncertainty_high: float | None = None
    published_uncertainty: float | None = None
    reproduced: bool | None = None
    published_applies: bool | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.unit, str):
            raise NuexpError(f"quantity {self.name!r}: unit must be a string, got {self.unit!r}")
        if not self.unit.strip():
            object.__setattr__(self, "unit", DIMENSIONLESS)
        object.__setattr__(self, "value", _finite_number(self.name, "value", self.value))
        if self.value is None:
            raise NuexpError(f"quantity {self.name!r} has no value; leave it out instead")
        for attr in ("uncertainty", "uncertainty_low", "uncertainty_high", "published_uncertainty"):
            number = _finite_number(self.name, attr, getattr(self, attr))
            if number is not None and number < 0:
                raise NuexpError(f"quantity {self.name!r}: {attr} must be >= 0, got {number}")
            object.__setattr__(self, attr, number)
        if not isinstance(self.published, str):
            object.__setattr__(
                self, "published", _finite_number(self.name, "published", self.published)
            )
        if self.published_applies is not None and self.published is None:
            raise NuexpError(f"quantity {self.name!r}: published_applies = "
                             f"{self.published_applies} without a published value")
        if self.published_applies is False and self.reproduced is not None:
            raise NuexpError(f"quantity {self.name!r}: reproduced = {self.reproduced} for a "
                             "published value that does not apply to this run (it is not "
                             "compared); leave reproduced unset")

    @property
    def is_p_value(self) -> bool:
        """Whether the quantity is a p-value (key ``p_value`` or ``p_value_*``)."""
        return self.name == "p_value" or self.name.startswith("p_value_")

    @property
    def ratio(self) -> float | None:
        """``value / published`` where that ratio means something, else ``None``.

        It is given when the published value is a non-zero number of the same sign as the
        value. It is not given for a bound or text (``"> 1e13"``), nor for a p-value:
        p-values of the same evidence differ by orders of magnitude with the data (a
        p-value is compared through the significance it implies, not by its ratio), nor
        when the published value does not describe this run (``published_applies``).
        """
        if (self.published_applies is False or self.is_p_value
                or isinstance(self.published, str) or not self.published):
            return None
        if (self.value < 0) != (self.published < 0):
            return None
        return self.value / self.published

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of this quantity (optional fields only when set)."""
        record: dict[str, Any] = {
            "value": self.value,
            "uncertainty": self.uncertainty,
            "unit": self.unit,
            "published": self.published,
            "source": self.source,
        }
        for key in ("uncertainty_low", "uncertainty_high", "published_uncertainty", "note",
                    "reproduced", "published_applies"):
            if getattr(self, key) is not None:
                record[key] = getattr(self, key)
        return record


@dataclass
class Results:
    """Everything one run produced.

    Attributes
    ----------
    experiment : str
        Preset name.
    config : pydantic model
        The validated configuration that was run.
    seed : int
        Seed of every random process in the run.
    quantities : dict of str to Quantity
        Headline quantities, by key.
    figures : list of str
        File names of the figures written (PNG; a PDF with the same stem is beside each).
    figure_captions : dict of str to str
        Caption of each figure (by PNG file name), shown in ``index.html``.
    tables : dict of str to list of dict
        Tables (also written as CSV), rows as dicts.
    spectra : dict of str to Any
        Arrays and spectra for notebook users (not written to ``results.json``).
    timing_s : dict of str to float
        Wall-clock seconds per stage, ``total`` included.
    out_dir : Path or None
        Where the files were written, if anywhere.
    """

    experiment: str
    config: Any
    seed: int
    nuexp_version: str
    quantities: dict[str, Quantity] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)
    figure_captions: dict[str, str] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    spectra: dict[str, Any] = field(default_factory=dict)
    timing_s: dict[str, float] = field(default_factory=dict)
    out_dir: Path | None = None

    def __getitem__(self, key: str) -> Quantity:
        return self.quantities[key]

    def to_dict(self) -> dict[str, Any]:
        """The ``results.json`` record."""
        return {
            "experiment": self.experiment,
            "nuexp_version": self.nuexp_version,
            "config": self.config.model_dump(mode="json"),
            "seed": self.seed,
            "quantities": {name: q.to_dict() for name, q in self.quantities.items()},
            "figures": list(self.figures),
            "tables": [f"{name}.csv" for name in self.tables],
            "timing_s": {k: round(float(v), 6) for k, v in self.timing_s.items()},
        }

    def to_json(self) -> str:
        """``results.json`` text; raises if anything is NaN or infinite."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"

    def write_json(self, path: str | Path) -> Path:
        """Write ``results.json`` atomically."""
        return atomic_write_text(path, self.to_json())
