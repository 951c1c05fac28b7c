"""Validated, versioned experiment configurations (pydantic).

An experiment is a TOML file: a preset shipped in a family folder
(``nuexp/experiments/<name>/<preset>.toml``) or a user's file anywhere. Its top-level
keys ``schema_version``, ``experiment``, ``description`` and ``family`` are common to
every experiment; the rest is validated by the family's own :class:`ExperimentConfig`
subclass. Unknown keys are refused (``extra="forbid"``), so a misspelt key is an error,
never silently ignored. How ``extends`` chains and ``_replace`` tables are resolved is
described in :mod:`nuexp.experiments.resolve` and ``docs/experiments-as-data.md``.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .exceptions import InvalidConfiguration

__all__ = [
    "REPLACE_KEY",
    "SCHEMA_VERSION",
    "ExperimentConfig",
    "StrictModel",
    "deep_merge",
    "load_toml",
    "strip_replace",
    "validate_config",
]

#: Version of the experiment TOML format; a file with another version is refused.
#: Version 1 named a Python module (``analysis = "nuexp.experiments.X"``); version 2 names
#: a family (``family = "X"``) or a preset/file it extends (``extends = "X"``).
SCHEMA_VERSION = 2

#: A table holding ``_replace = true`` replaces the inherited table instead of merging.
REPLACE_KEY = "_replace"


class StrictModel(BaseModel):
    """Base of every configuration block: unknown keys are refused, values are checked
    on assignment, and the model is immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class ExperimentConfig(StrictModel):
    """Keys common to every experiment (preset or user file), before the family's own."""

    schema_version: Literal[2] = Field(
        SCHEMA_VERSION, description="version of the experiment TOML format; only 2")
    experiment: str = Field(
        min_length=1, description="name of the experiment (a user file defaults to its "
                                  "file name without .toml)")
    description: str = Field("", description="one line shown by `nuexp list` and in results")
    family: str = Field(
        min_length=1, description="family (analysis) that runs this experiment, e.g. "
                                  "'clovers'; `nuexp list` shows the families")


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


def _replaces(table: dict[str, Any], where: str) -> bool:
    flag = table.get(REPLACE_KEY, False)
    if not isinstance(flag, bool):
        raise InvalidConfiguration(
            f"field '{where}{REPLACE_KEY}' = {flag!r}: must be true or false")
    return flag


def strip_replace(data: dict[str, Any], where: str = "") -> dict[str, Any]:
    """A deep copy of ``data`` without ``_replace`` markers (checking they are booleans)."""
    out = {}
    for key, value in data.items():
        if key == REPLACE_KEY:
            _replaces(data, where)
            continue
        out[key] = strip_replace(value, f"{where}{key}.") if isinstance(value, dict) \
            else copy.deepcopy(value)
    return out


def deep_merge(base: dict[str, Any], override: dict[str, Any],
               _where: str = "") -> dict[str, Any]:
    """Return ``base`` updated recursively with ``override``.

    Tables merge key by key and values replace, except that a table of ``override``
    holding ``_replace = true`` replaces the table of ``base`` as a whole (so an
    override can drop keys, e.g. a fission fraction). The markers are removed.
    """
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if key == REPLACE_KEY:
            continue
        where = f"{_where}{key}."
        if isinstance(value, dict):
            if isinstance(merged.get(key), dict) and not _replaces(value, where):
                merged[key] = deep_merge(merged[key], value, where)
            else:
                merged[key] = strip_replace(value, where)
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
