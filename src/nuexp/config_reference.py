"""The configuration reference (``docs/configuration.md``), generated from the models.

Every experiment's configuration is a pydantic model; this module walks each model
(nested blocks, lists and tables of blocks included) and writes one Markdown table per
model: the TOML key, its type, default, allowed range and description (meaning and unit).
The test suite regenerates the page and fails when the committed file differs, and lists
every field that has no description::

    python -m nuexp.config_reference > docs/configuration.md
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

__all__ = ["FieldDoc", "config_models", "iter_fields", "missing_descriptions", "render"]

_HEADER = """\
# Configuration reference

Generated from the configuration models by `python -m nuexp.config_reference >
docs/configuration.md`; the test suite fails when this page is out of date. Every key is
written in a TOML file of the family it belongs to (`family = "..."`, or `extends` of a
preset of that family) or in a `--config` file, tables as `[block]`; a key not listed
here is refused. Units are those the key names (`_mev`, `_kg`, `_days`, ...) or the
description gives in brackets. "required" means the preset must set it.
"""


@dataclass(frozen=True)
class FieldDoc:
    """One leaf or block of a configuration model, as the reference shows it."""

    key: str
    type: str
    default: str
    allowed: str
    description: str | None


def config_models() -> dict[str, tuple[type[BaseModel], list[str]]]:
    """The configuration model of every family: ``{model path: (model, [families])}``."""
    from .experiments.registry import available_families

    models: dict[str, tuple[type[BaseModel], list[str]]] = {}
    for name, family in available_families().items():
        model = family.config
        key = f"{model.__module__}.{model.__qualname__}"
        models.setdefault(key, (model, []))[1].append(name)
    return dict(sorted(models.items()))


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]), True  # noqa: UP007
    return annotation, False


def _type_name(annotation: Any) -> str:
    annotation, optional = _strip_optional(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Literal:
        text = " \\| ".join(repr(a) for a in args)
    elif origin is typing.Annotated:
        text = _type_name(args[0])
    elif origin in (list, tuple, set, frozenset):
        inner = ", ".join(_type_name(a) for a in args if a is not Ellipsis)
        text = f"{origin.__name__}[{inner}]"
    elif origin is dict:
        text = f"table of {_type_name(args[1])}" if len(args) == 2 else "table"
    elif origin in (typing.Union, types.UnionType):
        text = " \\| ".join(_type_name(a) for a in args)
    elif inspect.isclass(annotation):
        text = "table" if issubclass(annotation, BaseModel) else annotation.__name__
    else:
        text = str(annotation).replace("typing.", "")
    return f"{text} or none" if optional else text


def _allowed(info: FieldInfo, annotation: Any) -> str:
    parts = []
    symbols = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤", "min_length": "length ≥",
               "max_length": "length ≤", "multiple_of": "multiple of"}
    for item in info.metadata:
        for attr, symbol in symbols.items():
            value = getattr(item, attr, None)
            if value is not None:
                parts.append(f"{symbol} {value:g}" if isinstance(value, float)
                             else f"{symbol} {value}")
    annotation, _ = _strip_optional(annotation)
    if typing.get_origin(annotation) is Literal:
        parts.append("one of " + ", ".join(repr(a) for a in typing.get_args(annotation)))
    return ", ".join(parts)


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    if info.default_factory is not None:
        try:
            value = info.default_factory()  # type: ignore[call-arg]
        except TypeError:
            return "(computed)"
    else:
        value = info.default
    if isinstance(value, BaseModel):
        return "(table defaults)"
    if isinstance(value, tuple):
        value = list(value)
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _blocks(annotation: Any) -> Iterator[tuple[str, type[BaseModel]]]:
    """Sub-models reachable from ``annotation``: ('' | '.<name>' | '[]', model)."""
    annotation, _ = _strip_optional(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        yield "", annotation
    elif origin is typing.Annotated:
        yield from _blocks(args[0])
    elif origin is dict and len(args) == 2:
        for suffix, model in _blocks(args[1]):
            yield ".<name>" + suffix, model
    elif origin in (list, tuple) and args:
        for suffix, model in _blocks(args[0]):
            yield "[]" + suffix, model
    elif origin in (typing.Union, types.UnionType):
        for arg in args:
            yield from _blocks(arg)


def iter_fields(model: type[BaseModel], prefix: str = "") -> Iterator[FieldDoc]:
    """Every field of ``model`` and of its nested blocks, depth first, as TOML keys."""
    for name, info in model.model_fields.items():
        key = f"{prefix}{info.alias or name}"
        annotation = info.annotation
        yield FieldDoc(key=key, type=_type_name(annotation), default=_default(info),
                       allowed=_allowed(info, annotation),
                       description=(info.description or "").strip() or None)
        seen = set()
        for suffix, block in _blocks(annotation):
            if block in seen:
                continue
            seen.add(block)
            yield from iter_fields(block, f"{key}{suffix}.")


def missing_descriptions(model: type[BaseModel]) -> list[str]:
    """Keys of ``model`` (nested blocks included) whose field has no description."""
    return [f.key for f in iter_fields(model) if f.description is None]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") if "\\|" not in text else text


def render() -> str:
    """The Markdown of ``docs/configuration.md``."""
    out = [_HEADER]
    for path, (model, presets) in config_models().items():
        out.append(f"## {', '.join(f'`{p}`' for p in presets)}\n")
        doc = inspect.cleandoc(model.__doc__ or "").split("\n\n")[0].replace("\n", " ")
        out.append(f"Model `{path}`" + (f": {doc}" if doc else "") + "\n")
        out.append("| key | type | default | allowed | description |")
        out.append("|---|---|---|---|---|")
        for f in iter_fields(model):
            out.append(f"| `{f.key}` | {_cell(f.type)} | {_cell(f.default)} | "
                       f"{_cell(f.allowed)} | {_cell(f.description or '**(no description)**')} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    sys.stdout.write(render())
