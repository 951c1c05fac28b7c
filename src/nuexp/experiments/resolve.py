"""From a TOML file (or preset name) to a validated configuration, and where each value
came from.

An experiment file names its family directly (``family = "clovers"``) or extends a
preset or another file (``extends = "clovers"``, ``extends = "../base.toml"``); chains
may be of any depth and a cycle is an error naming it. The layers merge from the family
outwards, table by table (:func:`nuexp.config.deep_merge`): a later layer's value
replaces the earlier one, a table holding ``_replace = true`` replaces the inherited
table as a whole. An ``--config`` override is the last layer. Values no layer gives take
the family model's defaults.

``extends`` is read as a path when it ends in ``.toml`` or holds a ``/`` (relative to the
file that names it), otherwise as a preset name. Every file in a chain carries
``schema_version = 2``; an override fragment may leave it out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import (
    REPLACE_KEY,
    SCHEMA_VERSION,
    ExperimentConfig,
    deep_merge,
    load_toml,
)
from ..exceptions import InvalidConfiguration
from .analysis import Family
from .registry import available_presets, get_family, get_preset

__all__ = ["DEFAULT_ORIGIN", "Layer", "Resolved", "is_path", "resolve"]

#: Origin reported for a value no file gives (the family model's default).
DEFAULT_ORIGIN = "default"

_MIGRATE = (
    "schema_version 1 named a Python module; to migrate, write `schema_version = 2` and "
    "replace `analysis = \"nuexp.experiments.X.analysis\"` by `family = \"X\"` (the names "
    "`nuexp list` shows), or use `extends = \"PRESET\"` to start from a preset"
)


@dataclass(frozen=True)
class Layer:
    """One source of values: a preset, a user file or an override."""

    label: str
    data: dict[str, Any]
    path: Path | None = None


@dataclass(frozen=True)
class Resolved:
    """A resolved experiment.

    Attributes
    ----------
    name : str
        Experiment name (the outermost file's ``experiment``, else its file stem).
    family : Family
        The family that runs it.
    config : ExperimentConfig
        The validated configuration.
    data : dict
        The merged TOML content before validation (no ``extends``, no ``_replace``).
    layers : tuple of Layer
        From the innermost (the file naming the family) to the override.
    origins : dict
        Dotted key path → label of the layer that set it (absent: a default).
    """

    name: str
    family: Family
    config: ExperimentConfig
    data: dict[str, Any]
    layers: tuple[Layer, ...]
    origins: dict[str, str] = field(default_factory=dict)

    def origin(self, dotted: str) -> str:
        """Where the value at ``dotted`` (``"detector.mass_kg"``) came from."""
        return _origin(self.origins, dotted) or DEFAULT_ORIGIN


def _origin(origins: dict[str, str], dotted: str) -> str | None:
    """The layer that set ``dotted`` or a table holding it; ``None``: a default."""
    parts = dotted.split(".")
    for n in range(len(parts), 0, -1):
        found = origins.get(".".join(parts[:n]))
        if found is not None:
            return found
    return None


def is_path(target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` names a TOML file rather than a preset (see the module doc)."""
    if isinstance(target, os.PathLike):
        return True
    return target.endswith(".toml") or "/" in target or os.sep in target


def _check_header(data: dict[str, Any], label: str, *, required: bool) -> None:
    if REPLACE_KEY in data:
        raise InvalidConfiguration(
            f"{label}: '{REPLACE_KEY}' belongs in a table, not at the top of the file")
    version = data.get("schema_version")
    if "analysis" in data or version == 1:
        raise InvalidConfiguration(
            f"{label}: field 'schema_version' = {version!r}"
            f"{' with analysis = ' + repr(data['analysis']) if 'analysis' in data else ''}: "
            f"{_MIGRATE}")
    if version is None:
        if required:
            raise InvalidConfiguration(
                f"{label}: field 'schema_version' is missing; write `schema_version = "
                f"{SCHEMA_VERSION}` at the top of the file")
        return
    if version != SCHEMA_VERSION:
        raise InvalidConfiguration(
            f"{label}: field 'schema_version' = {version!r}: this nuexp reads version "
            f"{SCHEMA_VERSION} only")


def _file_layer(path: Path, label: str) -> tuple[Layer, str | None]:
    data = load_toml(path)
    _check_header(data, label, required=True)
    has_family, extends = "family" in data, data.get("extends")
    if has_family and extends is not None:
        raise InvalidConfiguration(
            f"{label}: give either 'family' or 'extends', not both (family = "
            f"{data['family']!r}, extends = {extends!r})")
    if not has_family and extends is None:
        raise InvalidConfiguration(
            f"{label}: name a family (family = \"NAME\") or what it builds on "
            "(extends = \"PRESET\" or \"path/to/file.toml\"); `nuexp list` shows both")
    if extends is not None and (not isinstance(extends, str) or not extends):
        raise InvalidConfiguration(
            f"{label}: field 'extends' = {extends!r}: must be a preset name or a TOML path")
    body = {k: v for k, v in data.items() if k != "extends"}
    return Layer(label, body, path), extends


_FOLDER = ("{path}: is a folder, not an experiment TOML file or a preset name; give the "
           "TOML file (nuexp init NAME --out FILE.toml writes one)")


def _locate(target: str | os.PathLike[str], base_dir: Path | None) -> tuple[Path, str]:
    """The file ``target`` names and a label for messages."""
    if is_path(target):
        path = Path(target).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if path.is_dir():
            raise InvalidConfiguration(_FOLDER.format(path=path))
        if not os.path.lexists(path):
            raise InvalidConfiguration(f"experiment file {str(path)!r} does not exist")
        return path.resolve(), str(path)      # load_toml refuses a FIFO or a device
    if str(target) not in available_presets() and Path(target).expanduser().is_dir():
        raise InvalidConfiguration(_FOLDER.format(path=target))
    preset = get_preset(str(target))
    return preset.path.resolve(), f"preset {preset.name!r}"


def _chain(target: str | os.PathLike[str]) -> list[Layer]:
    """The layers of ``target``, innermost (the one naming the family) first."""
    layers: list[Layer] = []
    seen: list[Path] = []
    base_dir: Path | None = None
    while True:
        path, label = _locate(target, base_dir)
        if path in seen:
            cycle = " → ".join(str(p) for p in [*seen[seen.index(path):], path])
            raise InvalidConfiguration(f"'extends' makes a cycle: {cycle}")
        seen.append(path)
        layer, extends = _file_layer(path, label)
        layers.append(layer)
        if extends is None:
            return layers[::-1]
        target, base_dir = extends, path.parent


def _record_origins(origins: dict[str, str], data: dict[str, Any], label: str,
                    prefix: str = "") -> None:
    for key, value in data.items():
        if key == REPLACE_KEY:
            continue
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            if value.get(REPLACE_KEY) is True:
                for old in [k for k in origins if k == dotted or k.startswith(dotted + ".")]:
                    del origins[old]
            if not value:
                origins[dotted] = label
            _record_origins(origins, value, label, dotted + ".")
        else:
            origins[dotted] = label


def resolve(target: str | os.PathLike[str], override: dict[str, Any] | None = None,
            override_source: str = "override") -> Resolved:
    """Resolve and validate an experiment.

    Parameters
    ----------
    target : str or path
        Preset name, or the path of an experiment TOML file.
    override : dict, optional
        Merged over the result last (``nuexp run ... --config FILE``); it may not change
        ``family`` or ``experiment``.
    override_source : str
        How ``override`` is named in messages.

    Returns
    -------
    Resolved
    """
    layers = _chain(target)
    outer = layers[-1]
    if override:
        _check_header(override, override_source, required=False)
        name = outer.data.get("experiment", outer.path.stem if outer.path else None)
        for fixed in ("family", "extends", "experiment"):
            if fixed in override and not (fixed == "experiment" and override[fixed] == name):
                raise InvalidConfiguration(
                    f"field '{fixed}' = {override[fixed]!r} in {override_source}: an "
                    f"override cannot change the {fixed}; write an experiment file with "
                    "`extends = ...` instead")
        layers.append(Layer(override_source, override))
    data: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for layer in layers:
        data = deep_merge(data, layer.data)
        _record_origins(origins, layer.data, layer.label)
    if "experiment" not in outer.data:
        assert outer.path is not None  # every chain layer is a file
        data["experiment"] = outer.path.stem
        origins["experiment"] = f"file name of {outer.label}"
    elif outer.path is not None:
        origins["experiment"] = outer.label
    family_name = data["family"]
    if not isinstance(family_name, str):
        raise InvalidConfiguration(
            f"{layers[0].label}: field 'family' = {family_name!r}: must be a family name")
    family = get_family(family_name)
    where = " → ".join(layer.label for layer in reversed(layers))
    config = family.validate(data, where, lambda dotted: _origin(origins, dotted))
    return Resolved(str(data["experiment"]), family, config, data, tuple(layers), origins)
