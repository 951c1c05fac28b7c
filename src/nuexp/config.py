"""Validated, versioned experiment configurations (pydantic).

A preset is a TOML file shipped in :mod:`nuexp.experiments.presets`. Its top-level keys
``schema_version``, ``experiment``, ``description`` and ``analysis`` are common to every
experiment; the rest is validated by the analysis's own :class:`ExperimentConfig`
subclass. Unknown keys are refused (``extra="forbid"``), so a misspelt key is an error,
never silently ignored.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from .exceptions import InvalidConfiguration

__all__ = [
    "SCHEMA_VERSION",
    "StrictModel",
    "ExperimentConfig",
    "load_toml",
    "deep_merge",
    "validate_config",
]

#: Version of the preset schema; a preset with another version is refused.
SCHEMA_VERSION = 1


class StrictModel(BaseModel):
    """Base of every configuration block: unknown keys are refused, values are checked
    on assignment, and the model is immutable once validated.

    Every float must be finite (``inf``/``nan`` are refused, ``allow_inf_nan=False``),
    and a boolean is never taken for a number (``npe_low = true`` is an error, not 1).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True,
                              allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_as_number(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name is not None:
            annotation = cls.model_fields[info.field_name].annotation
            if annotation is not bool and "bool" not in str(annotation):
                raise ValueError(f"a boolean ({value}) is not allowed here; give a "
                                 f"{getattr(annotation, '__name__', annotation)}")
        return value


class ExperimentConfig(StrictModel):
    """Keys common to every experiment preset."""

    schema_version: Literal[1] = SCHEMA_VERSION
    experiment: str
    description: str
    analysis: str


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
