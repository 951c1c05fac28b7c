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
import math
import re
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from .exceptions import InvalidConfiguration

__all__ = [
    "REPLACE_KEY",
    "SCHEMA_VERSION",
    "PublishedValue",
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
SCHEMA_VERSION: Final = 2

#: A table holding ``_replace = true`` replaces the inherited table instead of merging.
REPLACE_KEY = "_replace"


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
        if info.field_name is None or not _holds_bool(value):
            return value
        annotation = cls.model_fields[info.field_name].annotation
        text = str(annotation)
        if annotation is bool or "bool" in text or "Any" in text:
            return value
        # a table is checked only where the field is a dict (not a sub-model's table)
        if isinstance(value, dict) and "dict[" not in text:
            return value
        if isinstance(value, (list, tuple)) and "list[" not in text and "tuple[" not in text:
            return value
        if isinstance(value, bool):
            raise ValueError(f"a boolean ({value}) is not allowed here; give a "
                             f"{getattr(annotation, '__name__', annotation)}")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        key, item = next((k, v) for k, v in items if not isinstance(v, dict) and _holds_bool(v))
        raise ValueError(f"entry {key!r} = {item!r}: a boolean is not allowed here; give "
                         "a number")


def _holds_bool(value: Any) -> bool:
    """``value`` is a boolean, or a list/tuple or a table of plain values holding one
    (``{U235 = true}``); tables of tables are sub-models and check their own fields."""
    if isinstance(value, bool):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_bool(v) for v in value)
    if isinstance(value, dict):
        return any(not isinstance(v, dict) and _holds_bool(v) for v in value.values())
    return False


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
    published: dict[str, PublishedValue] = Field(
        default_factory=dict,
        description="published reference values by quantity key (reference only, never inputs)")


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file.

    Raises
    ------
    InvalidConfiguration
        One line naming the file (and the line, for a syntax error or a byte that is not
        UTF-8) and how to fix it: no such file, a folder or another non-regular file (a
        FIFO would block forever), unreadable, not UTF-8, not valid TOML.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InvalidConfiguration(f"configuration file {str(path)!r} does not exist") from None
    except OSError as err:
        raise InvalidConfiguration(f"{path}: cannot be read ({err.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidConfiguration(f"{path}: is a folder, not a TOML file; give the file "
                                   "(e.g. {path}/experiment.toml)".replace("{path}", str(path)))
    if not stat.S_ISREG(info.st_mode):
        raise InvalidConfiguration(f"{path}: not a regular file (a FIFO or device?); give a "
                                   "TOML file")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InvalidConfiguration(f"{path}: cannot be read ({err.strerror}); check its "
                                   "permissions") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise InvalidConfiguration(
            f"{path}, line {line}, column {column}: byte 0x{data[err.start]:02x} is not "
            "UTF-8 text; save the file as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err).splitlines()[0] if str(err) else "syntax error"
        position = _TOML_POSITION.search(message)
        if position is not None:
            message = message[:position.start()]
            where = f"{path}, line {position.group(1)}, column {position.group(2)}"
        else:
            where = str(path)
        raise InvalidConfiguration(f"{where}: not valid TOML ({message})") from None


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


#: Longest value shown in a validation message (a table is cut, not printed whole).
_SHOWN = 160


def _format_error(err: ValidationError, source: str,
                  origin: Callable[[str], str | None] | None) -> str:
    lines = [f"invalid configuration ({source}):"]
    for item in err.errors():
        if not item["loc"]:        # a check across tables: its message names the fields
            lines.append(f"  {item['msg']}")
            continue
        field = ".".join(str(part) for part in item["loc"])
        value = repr(item.get("input"))
        if len(value) > _SHOWN:     # a whole table: the message says what is wrong in it
            value = value[:_SHOWN - 5] + " ...}" if value.startswith("{") else \
                value[:_SHOWN - 4] + " ..."
        shown = "" if item["type"] == "missing" else f" = {value}"
        where = origin(field) if origin is not None and item["type"] != "missing" else None
        shown += f" (from {where})" if where else ""
        lines.append(f"  field '{field}'{shown}: {item['msg']}")
    return "\n".join(lines)


def validate_config(model: type[ExperimentConfig], data: dict[str, Any], source: str,
                    origin: Callable[[str], str | None] | None = None):
    """Validate ``data`` with ``model``; errors name each field, its value and the rule.

    ``origin(dotted_field)``, when given, names the file a bad value was read from.
    """
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InvalidConfiguration(_format_error(err, source, origin)) from None
