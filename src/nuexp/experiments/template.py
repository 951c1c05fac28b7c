"""Write an experiment as a TOML file: ``nuexp init`` (every field, commented with its
meaning, unit and allowed range) and ``nuexp show`` (the resolved values and where each
came from), and the JSON Schema of ``nuexp schema``.

The writer walks the family's pydantic model, so a field is written whatever the
family: nested models become tables (``[detector]``), ``dict[str, Model]`` a table per
key (``[published.signal_events]``), ``list[Model]`` an array of tables
(``[[backgrounds]]``). Values are those of a validated configuration, so the output
validates to the same configuration.
"""

from __future__ import annotations

import json
import math
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ..config import REPLACE_KEY, SCHEMA_VERSION
from ..exceptions import UnknownName
from .registry import available_presets, get_family
from .resolve import Resolved, resolve

__all__ = ["init_text", "json_schema", "reference_preset", "show_text", "toml_value"]

#: Fields common to every experiment; written in the file header, not as ordinary fields.
_HEADER_FIELDS = ("schema_version", "experiment", "description", "family")

#: Units read from the end of a key when its description gives none (``mass_kg``).
_SUFFIX_UNITS = {
    "kg": "kg", "t": "t", "m": "m", "km": "km", "cm": "cm", "mm": "mm", "m2": "m²",
    "mev": "MeV", "kev": "keV", "kevee": "keVee", "kevnr": "keVnr", "gev": "GeV",
    "ev2": "eV²", "s": "s", "ns": "ns", "us": "µs", "ms": "ms", "days": "days",
    "hours": "hours", "years": "years", "kw": "kW", "mw": "MW", "gw": "GW", "hz": "Hz",
    "percent": "%", "pe": "photoelectrons", "npe": "photoelectrons",
}


def toml_key(key: str) -> str:
    """``key`` as a TOML key (quoted unless it is a bare key)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def toml_value(value: Any) -> str:
    """A TOML literal for a JSON-like value (tables inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        items = [toml_value(v) for v in value]
        one_line = "[" + ", ".join(items) + "]"
        if len(one_line) <= 80:
            return one_line
        return "[\n" + "".join(f"    {item},\n" for item in items) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}"
                                for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


# ------------------------------------------------------------------------ model walking
def _strip(annotation: Any) -> tuple[Any, bool]:
    """The annotation without Annotated/Optional; and whether None is allowed."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        if len(args) == 1:
            return _strip(args[0])[0], optional
    return annotation, False


def _model_of(annotation: Any) -> type[BaseModel] | None:
    bare, _ = _strip(annotation)
    return bare if isinstance(bare, type) and issubclass(bare, BaseModel) else None


def _container(annotation: Any) -> tuple[str | None, type[BaseModel] | None]:
    """``("dict", Model)`` for ``dict[str, Model]``, ``("list", Model)`` for lists."""
    bare, _ = _strip(annotation)
    origin = typing.get_origin(bare)
    args = typing.get_args(bare)
    if origin is dict and len(args) == 2:
        return "dict", _model_of(args[1])
    if origin in (list, tuple) and args:
        return "list", _model_of(args[0])
    return None, None


def _type_words(annotation: Any) -> str:
    bare, optional = _strip(annotation)
    if typing.get_origin(bare) in (typing.Union, types.UnionType):
        words = " or ".join(_type_words(a) for a in typing.get_args(bare))
    elif typing.get_origin(bare) is Literal:
        words = "one of " + ", ".join(toml_value(a) for a in typing.get_args(bare))
    elif isinstance(bare, type):
        words = {"float": "number", "int": "integer", "str": "text", "bool": "true/false"
                 }.get(bare.__name__, bare.__name__)
    else:
        words = str(bare).replace("typing.", "")
    return words + (" (optional)" if optional else "")


def _range_words(info: FieldInfo) -> str:
    parts = []
    for item in info.metadata:
        for attr, sign in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            bound = getattr(item, attr, None)
            if bound is not None:
                parts.append(f"{sign} {bound:g}" if isinstance(bound, (int, float))
                             else f"{sign} {bound}")
        if isinstance(item, annotated_types.MinLen):
            parts.append(f"at least {item.min_length} long")
        if isinstance(item, annotated_types.MaxLen):
            parts.append(f"at most {item.max_length} long")
    return ", ".join(parts)


def _unit_from_key(key: str) -> str | None:
    suffix = key.rsplit("_", 1)[-1].lower() if "_" in key else ""
    return _SUFFIX_UNITS.get(suffix)


def field_comment(key: str, info: FieldInfo) -> str:
    """One line: meaning [unit]; type; allowed range (what ``nuexp init`` writes)."""
    model = _model_of(info.annotation) or _container(info.annotation)[1]
    if model is not None:
        doc = info.description or (model.__dict__.get("__doc__") or "").strip()
        return doc.split("\n\n")[0].replace("\n", " ") if doc else key
    words = []
    if info.description:
        words.append(info.description.rstrip("."))
    unit = _unit_from_key(key)
    if unit and "_per_" not in key and unit not in (info.description or ""):
        words.append(f"[{unit}]")
    words.append(_type_words(info.annotation))
    rng = _range_words(info)
    if rng:
        words.append(f"allowed: {rng}")
    return "; ".join(words)


@dataclass
class _Writer:
    """Writes one model's values as TOML; ``comment(dotted, key, info)`` gives a comment
    (``above=True``: on the line above; otherwise at the end of the line)."""

    comment: Callable[[str, str, FieldInfo | None], str | None]
    above: bool
    skip: Callable[[str], bool]
    comment_headers: bool = True

    def __post_init__(self) -> None:
        self.lines: list[str] = []

    def _line(self, text: str, dotted: str, key: str, info: FieldInfo | None) -> None:
        header = text.startswith("[")
        note = self.comment(dotted, key, info) if self.comment_headers or not header else None
        if note and self.above:
            self.lines.append(f"# {note}")
            self.lines.append(text)
        else:
            self.lines.append(f"{text}   # {note}" if note else text)

    def table(self, model: type[BaseModel] | None, values: dict[str, Any], path: list[str],
              fields: dict[str, FieldInfo] | None = None) -> None:
        """Write the plain keys of ``values``, then its sub-tables."""
        fields = fields if fields is not None else (model.model_fields if model else {})
        keys = list(fields) if fields else list(values)
        keys += [k for k in values if k not in keys]
        later: list[tuple[str, Any, FieldInfo | None]] = []
        for key in keys:
            dotted = ".".join([*path, key])
            if self.skip(dotted) or key not in values and key not in fields:
                continue
            info = fields.get(key)
            value = values.get(key)
            if isinstance(value, dict) or (isinstance(value, list) and value and info and
                                           _container(info.annotation)[1] is not None):
                later.append((key, value, info))
            elif value is None:
                self._line(f"# {toml_key(key)} =   (not set)", dotted, key, info)
            else:
                self._line(f"{toml_key(key)} = {toml_value(value)}", dotted, key, info)
        for key, value, info in later:
            self._sub(key, value, info, path)

    def _sub(self, key: str, value: Any, info: FieldInfo | None, path: list[str]) -> None:
        sub_path = [*path, key]
        header = ".".join(toml_key(p) for p in sub_path)
        dotted = ".".join(sub_path)
        kind, item_model = _container(info.annotation) if info else (None, None)
        if isinstance(value, list):
            for item in value:
                self.lines.append("")
                self._line(f"[[{header}]]", dotted, key, info)
                self.table(item_model, item, sub_path)
            return
        model = _model_of(info.annotation) if info else None
        self.lines.append("")
        self._line(f"[{header}]", dotted, key, info)
        if kind == "dict" and item_model is not None:
            for name, item in value.items():
                self.lines.append("")
                item_path = [*sub_path, name]
                self._line(f"[{'.'.join(toml_key(p) for p in item_path)}]",
                           ".".join(item_path), name, None)
                self.table(item_model, item, item_path)
        else:
            self.table(model, value, sub_path)


def _body(resolved: Resolved, writer: _Writer) -> str:
    values = resolved.config.model_dump(mode="json")
    fields = {k: v for k, v in type(resolved.config).model_fields.items()
              if k not in _HEADER_FIELDS}
    writer.table(None, {k: v for k, v in values.items() if k not in _HEADER_FIELDS},
                 [], fields)
    return "\n".join(writer.lines).strip("\n") + "\n"


# -------------------------------------------------------------------------------- init
def reference_preset(family: str) -> str | None:
    """The preset ``nuexp init FAMILY`` takes its values from: the first (by name) whose
    family is ``family``; ``None`` when the family ships no preset."""
    for name in available_presets():
        if resolve(name).family.name == family:
            return name
    return None


def init_text(name: str, *, as_family: bool = False, file_stem: str | None = None) -> str:
    """A complete, commented experiment TOML that runs unchanged.

    Parameters
    ----------
    name : str
        Preset (the file ``extends`` it) or family (the file names the family and holds
        the values of the family's first preset, without its published values).
    as_family : bool
        Treat ``name`` as a family even when a preset has the same name.
    file_stem : str, optional
        Name of the file being written (the experiment's default name).
    """
    presets = available_presets()
    if name in presets and not as_family:
        resolved, mode = resolve(name), "extends"
    else:
        family = get_family(name)  # an unknown name lists the families
        start = reference_preset(family.name)
        if start is None:
            raise UnknownName(
                f"family {name!r} ships no preset to take values from; write the file by "
                f"hand (`nuexp schema {name}` lists the fields)")
        resolved, mode = resolve(start), "family"
    fam = resolved.family
    described = {k: v.description for k, v in type(resolved.config).model_fields.items()}
    stem = file_stem or "this file's name"
    head = [
        f"# nuexp experiment file, written by `nuexp init {name}`.",
        "# It runs unchanged: `nuexp run FILE --out DIR`; `nuexp show FILE` prints what each",
        "# value resolves to. Every field is written with its meaning, unit and allowed",
        "# range. Tables merge over what this file extends; a table holding",
        f"# `{REPLACE_KEY} = true` replaces the inherited table instead (to drop keys).",
        "",
        f"# {described['schema_version']}",
        f"schema_version = {SCHEMA_VERSION}",
        f"# {described['experiment']}",
        f"# experiment = {toml_value(file_stem or 'my-experiment')}   # default: {stem}",
        f"# {described['description']}",
        f"description = {toml_value(resolved.config.description)}",
    ]
    if mode == "extends":
        head += ["# preset (or TOML path) this file builds on; values below replace its own",
                 f"extends = {toml_value(name)}"]
    else:
        head += [f"# family: {fam.description}" if fam.description else "# family",
                 f"family = {toml_value(fam.name)}",
                 f"# values taken from the preset {resolved.name!r} of this family"]
    skip_published = mode == "family"
    writer = _Writer(lambda dotted, key, info: field_comment(key, info) if info else None,
                     above=True,
                     skip=lambda dotted: skip_published and dotted == "published")
    text = "\n".join(head) + "\n\n" + _body(resolved, writer)
    if skip_published:
        text += ("\n# Published reference values (compared in results.json) go in tables:\n"
                 "# [published.QUANTITY]\n# value = 1.0\n# uncertainty = 0.1\n"
                 "# source = \"paper, section/table/equation\"\n")
    return text


# -------------------------------------------------------------------------------- show
def show_text(target: str) -> str:
    """The resolved configuration of ``target`` with the origin of every value."""
    resolved = resolve(target)
    title = f"# {resolved.name}: family {resolved.family.name!r}"
    head = [f"{title}, resolved from (later layers win):"]
    for layer in resolved.layers:
        where = f"  {layer.path}" if layer.path is not None and layer.label != str(
            layer.path) else ""
        head.append(f"#   {layer.label}{where}")
    head += ["# After each value: the layer it comes from, or the family's default.", ""]
    for key in _HEADER_FIELDS:
        value = getattr(resolved.config, key)
        head.append(f"{key} = {toml_value(value)}   # {resolved.origin(key)}")
    writer = _Writer(lambda dotted, key, info: resolved.origin(dotted), above=False,
                     skip=lambda dotted: False, comment_headers=False)
    return "\n".join(head) + "\n\n" + _body(resolved, writer)


# ------------------------------------------------------------------------------ schema
def json_schema(name: str) -> dict[str, Any]:
    """JSON Schema of an experiment file of family (or preset) ``name``.

    It describes the file as written: ``experiment`` may be left out (it defaults to the
    file name), and ``extends`` may stand in for ``family``.
    """
    if name in available_presets():
        family = resolve(name).family
        title = f"nuexp preset {name!r} (family {family.name!r})"
    else:
        family, title = get_family(name), f"nuexp family {name!r}"
    schema = family.config.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"{title}, experiment file schema_version {SCHEMA_VERSION}"
    schema["properties"]["extends"] = {
        "type": "string", "title": "Extends",
        "description": "preset name or TOML path this file builds on (instead of family)"}
    schema["required"] = [k for k in schema.get("required", ())
                          if k not in ("experiment", "family")]
    schema["required"].append("schema_version")
    return schema
