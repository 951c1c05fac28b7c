"""Validated, versioned experiment configurations (pydantic).

A preset is a TOML file shipped in :mod:`nuexp.experiments.presets`. Its top-level keys
``schema_version``, ``experiment``, ``description`` and ``analysis`` are common to every
experiment; the rest is validated by the analysis's own :class:`ExperimentConfig`
subclass. Unknown keys are refused (``extra="forbid"``), so a misspelt key is an error,
never silently ignored.
"""

from __future__ import annotations

import copy
import math
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .exceptions import InvalidConfiguration

__all__ = [
    "SCHEMA_VERSION",
    "StrictModel",
    "PublishedValue",
    "ExperimentConfig",
    "load_toml",
    "deep_merge",
    "validate_config",
]

#: Version of the preset schema; a preset with another version is refused.
SCHEMA_VERSION = 1


class StrictModel(BaseModel):
    """Base of every configuration block: unknown keys are refused, values are checked
    on assignment, and the model is immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


#: Internal references a reader cannot follow (a seed file, an issue, a session).
_INTERNAL_SOURCE = re.compile(r"\b(seed|issue|session)\s*#?\d", re.IGNORECASE)


class PublishedValue(StrictModel):
    """A number quoted by a paper or talk, shown beside the value nuexp computes.

    Published values are reference data, never inputs: a TOML table
    ``[published.<quantity key>]`` holds one, and
    :meth:`nuexp.experiments.context.RunContext.quantity` attaches it to the quantity of
    the same key in ``results.json``.
    """

    value: float | str = Field(
        description="the published number in the quantity's unit, or a string for a bound or "
                    "a statement that is not one number ('> 6 sigma', '0.6 vs 0.4'); finite")
    uncertainty: float | None = Field(
        default=None, ge=0, description="published one-standard-deviation uncertainty, same "
                                        "unit as value, >= 0")
    source: str = Field(
        min_length=1, description="where a reader finds the number: paper or talk, section, "
                                  "table or equation ('JSNS2 2025, Sec. VI'); no internal "
                                  "references")
    note: str | None = Field(
        default=None, description="what the published number means or why nuexp differs")
    reproduced: bool = Field(
        default=True, description="false when the document's own inputs do not reproduce the "
                                  "number; the note then says why (listed in "
                                  "docs/not-reproduced.md)")

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float | str) -> float | str:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"value = {value} must be finite")
        if isinstance(value, str) and not value.strip():
            raise ValueError("value must not be an empty string")
        return value

    @field_validator("source")
    @classmethod
    def _readable(cls, source: str) -> str:
        if _INTERNAL_SOURCE.search(source):
            raise ValueError(f"source = {source!r} is an internal reference; name the paper or "
                             "talk and its section, table or equation")
        return source


class ExperimentConfig(StrictModel):
    """Keys common to every experiment preset."""

    schema_version: Literal[1] = SCHEMA_VERSION
    experiment: str
    description: str
    analysis: str
    published: dict[str, PublishedValue] = Field(
        default_factory=dict,
        description="published reference values by quantity key (reference only, never inputs)")


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning syntax errors into :class:`InvalidConfiguration`."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise InvalidConfiguration(f"configuration file {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as err:
        raise InvalidConfiguration(f"{path}: not valid TOML: {err}") from None


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` updated recursively with ``override`` (tables merge, values replace)."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _format_error(err: ValidationError, source: str) -> str:
    lines = [f"invalid configuration ({source}):"]
    for item in err.errors():
        field = ".".join(str(part) for part in item["loc"]) or "<root>"
        value = item.get("input")
        shown = "" if item["type"] == "missing" else f" = {value!r}"
        lines.append(f"  field '{field}'{shown}: {item['msg']}")
    return "\n".join(lines)


def validate_config(model: type[ExperimentConfig], data: dict[str, Any], source: str):
    """Validate ``data`` with ``model``; errors name each field, its value and the rule."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InvalidConfiguration(_format_error(err, source)) from None
