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

A ``[published.<key>]`` entry describes the configuration of the layer that wrote it (its
*owner*, usually a preset). When a later layer changes the physics (any field outside
:data:`NON_PHYSICS_FIELDS`), the entry no longer describes the run:
:meth:`Resolved.inapplicable_published` says which entries and why, and the run records
them without comparing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..config import (
    REPLACE_KEY,
    SCHEMA_VERSION,
    ExperimentConfig,
    PublishedValue,
    deep_merge,
    load_toml,
)
from ..exceptions import InvalidConfiguration
from .analysis import Family
from .registry import available_presets, get_family, get_preset

__all__ = ["DEFAULT_ORIGIN", "NON_PHYSICS_FIELDS", "Inapplicable", "Layer", "Resolved",
           "is_path", "resolve"]

#: Origin reported for a value no file gives (the family model's default).
DEFAULT_ORIGIN = "default"

#: Configuration fields (dotted; a table stands for everything in it) whose change leaves
#: published values applicable: they do not describe the experiment and change no
#: computed value beyond the random stream or the last bits.
#:
#: - ``schema_version``, ``experiment``, ``description``, ``family``: the file's format,
#:   names and text (``family`` cannot change along a chain anyway);
#: - ``published``: reference data, never inputs (each entry is judged on its own);
#: - ``data_citation`` (coherent-data families): citation text;
#: - ``parallel`` (jsns2-sterile): where scan tasks run and where finished ones are kept;
#:   results do not depend on either (:meth:`RunContext.map`);
#: - ``plots`` (jsns2-sterile): which figures are drawn;
#: - ``statistics.map_mass_kg``, ``statistics.map_time_days``, ``statistics.map_points``
#:   (CEvNS families): range and grid of the significance-map figure only;
#: - ``statistics.conventions_table`` (CEvNS families): the extra table over form-factor
#:   and sin²θW conventions (and the spread quoted in a note); no value changes;
#: - ``dark_counts.engine`` (clovers): numpy or numba implementation of the same toy; they
#:   draw different random streams, as another ``--seed`` does;
#: - ``data.chunk_size`` (jsns2-events): rows read per chunk, which bounds the memory (sums
#:   differ in the last bits, ~1e-13 relative);
#: - ``simulation.row_group_size`` (jsns2-events): Parquet layout of simulated files.
#:
#: The seed, ``--scheduler``, ``--workers``, ``--out`` and ``--figures`` are arguments of
#: the run, not configuration, and never matter here. Sizes of Monte-Carlo samples (toys,
#: triggers, simulated spills) and numerical grids are *not* listed: they change the
#: computed values (their precision), so a comparison validated for the preset's sizes
#: does not carry over; the note of each quantity names them.
NON_PHYSICS_FIELDS: frozenset[str] = frozenset({
    "schema_version", "experiment", "description", "family", "published", "data_citation",
    "parallel", "plots", "statistics.map_mass_kg", "statistics.map_time_days",
    "statistics.map_points", "statistics.conventions_table", "dark_counts.engine",
    "data.chunk_size", "simulation.row_group_size",
})

#: Changed fields named in full in a note; further ones are counted.
_NAMED_FIELDS = 6

_MIGRATE = (
    "schema_version 1 named a Python module; to migrate, write `schema_version = 2` and "
    "replace `analysis = \"nuexp.experiments.X.analysis\"` by `family = \"X\"` (the names "
    "`nuexp list` shows), or use `extends = \"PRESET\"` to start from a preset"
)


@dataclass(frozen=True)
class Layer:
    """One source of values: a preset, a user file or an override.

    Attributes
    ----------
    label : str
        How messages name it (``"preset 'clovers'"``, a file path, ``"override"``).
    data : dict
        Its TOML content, without ``extends``.
    path : Path or None
        The file (``None`` for an override given as a dict).
    preset : bool
        Whether it is a preset shipped by nuexp or an installed package.
    """

    label: str
    data: dict[str, Any]
    path: Path | None = None
    preset: bool = False


@dataclass(frozen=True)
class Inapplicable:
    """Why a ``[published.<key>]`` entry does not describe the run.

    Attributes
    ----------
    owner : Layer
        The layer that wrote the entry (the configuration it describes).
    changed : tuple of str
        Dotted physics fields whose value the run changes after ``owner``
        (``"target.mass_kg"``, ``"detectors[0].efficiency"``), in file order.
    """

    owner: Layer
    changed: tuple[str, ...]

    @property
    def note(self) -> str:
        """One sentence for the quantity's note, naming the owner and the changed fields."""
        owner = f"the {self.owner.label}" if self.owner.preset else self.owner.label
        named = ", ".join(self.changed[:_NAMED_FIELDS])
        more = len(self.changed) - _NAMED_FIELDS
        if more > 0:
            named += f" and {more} more field{'s' if more > 1 else ''}"
        return f"published value is for {owner}; not compared: this run changes {named}"


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

    def inapplicable_published(self) -> dict[str, Inapplicable]:
        """The published entries that do not describe this run, by quantity key.

        An entry belongs to the last layer that wrote it, except that a user file (or an
        override) restating the inherited entry unchanged, as ``nuexp init`` writes it,
        does not take it over; a preset that writes it does. The entry applies when no
        later layer changes a physics field: the configuration the owner resolves to
        (defaults included) and the one that is run are compared value by value, outside
        :data:`NON_PHYSICS_FIELDS`. Restating a value, or changing only non-physics
        fields, keeps the comparison.

        Returns
        -------
        dict of str to Inapplicable
            Empty for a preset run as it is, and whenever every entry applies.
        """
        published = self.data.get("published")
        if len(self.layers) < 2 or not isinstance(published, dict):
            return {}
        merged: list[dict[str, Any]] = []
        data: dict[str, Any] = {}
        for layer in self.layers:
            data = deep_merge(data, layer.data)
            merged.append(data)
        changes: dict[int, tuple[str, ...]] = {}
        found: dict[str, Inapplicable] = {}
        for key in published:
            owner = _owner(self.layers, merged, key)
            if owner == len(self.layers) - 1:
                continue
            if owner not in changes:
                changes[owner] = self._changed_after(merged[owner])
            if changes[owner]:
                found[key] = Inapplicable(self.layers[owner], changes[owner])
        return found

    def _changed_after(self, owned: dict[str, Any]) -> tuple[str, ...]:
        """The physics fields whose value differs between ``owned`` (the layers merged up
        to an owner) and the run: both validated, defaults filled in; both as written when
        ``owned`` does not validate on its own (a file that a later one completes)."""
        try:
            old = self.family.validate({"experiment": self.name, **owned},
                                       "published owner").model_dump(mode="json")
            new = self.config.model_dump(mode="json")
        except InvalidConfiguration:
            old, new = owned, self.data
        return tuple(path for path in _differences(old, new) if not _non_physics(path))


def _origin(origins: dict[str, str], dotted: str) -> str | None:
    """The layer that set ``dotted`` or a table holding it; ``None``: a default."""
    parts = dotted.split(".")
    for n in range(len(parts), 0, -1):
        found = origins.get(".".join(parts[:n]))
        if found is not None:
            return found
    return None


def _owner(layers: tuple[Layer, ...], merged: list[dict[str, Any]], key: str) -> int:
    """Index of the layer owning ``[published.<key>]`` (see
    :meth:`Resolved.inapplicable_published`); ``merged[i]`` holds layers ``0..i``."""
    owner = 0
    for i, layer in enumerate(layers):
        written = layer.data.get("published")
        if not isinstance(written, dict) or key not in written:
            continue
        before = _entry(merged[i - 1].get("published", {}).get(key)) if i else None
        if layer.preset or _entry(merged[i]["published"].get(key)) != before:
            owner = i
    return owner


def _entry(table: Any) -> Any:
    """A ``[published.<key>]`` table with its defaults filled in (``reproduced = true``
    written out or not is the same entry); as written when it is not valid."""
    try:
        return PublishedValue.model_validate(table).model_dump()
    except ValidationError:
        return table


_ABSENT = object()


def _differences(old: Any, new: Any, path: str = "") -> list[str]:
    """Dotted paths where ``new`` differs from ``old`` (tables key by key, lists of the
    same length item by item as ``name[i]``), in the order of the keys."""
    if isinstance(old, dict) and isinstance(new, dict):
        keys = [*old, *(k for k in new if k not in old)]
        return [diff for key in keys
                for diff in _differences(old.get(key, _ABSENT), new.get(key, _ABSENT),
                                         f"{path}.{key}" if path else str(key))]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [diff for i, (a, b) in enumerate(zip(old, new))
                for diff in _differences(a, b, f"{path}[{i}]")]
    return [] if old == new else [path]


def _non_physics(path: str) -> bool:
    """Whether the dotted ``path`` lies in :data:`NON_PHYSICS_FIELDS`."""
    return any(path == name or path.startswith((f"{name}.", f"{name}["))
               for name in NON_PHYSICS_FIELDS)


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


def _file_layer(path: Path, label: str, preset: bool) -> tuple[Layer, str | None]:
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
    return Layer(label, body, path, preset), extends


_FOLDER = ("{path}: is a folder, not an experiment TOML file or a preset name; give the "
           "TOML file (nuexp init NAME --out FILE.toml writes one)")


def _locate(target: str | os.PathLike[str], base_dir: Path | None) -> tuple[Path, str, bool]:
    """The file ``target`` names, a label for messages and whether it is a preset."""
    if is_path(target):
        path = Path(target).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if path.is_dir():
            raise InvalidConfiguration(_FOLDER.format(path=path))
        if not os.path.lexists(path):
            raise InvalidConfiguration(f"experiment file {str(path)!r} does not exist")
        return path.resolve(), str(path), False      # load_toml refuses a FIFO or a device
    if str(target) not in available_presets() and Path(target).expanduser().is_dir():
        raise InvalidConfiguration(_FOLDER.format(path=target))
    preset = get_preset(str(target))
    return preset.path.resolve(), f"preset {preset.name!r}", True


def _chain(target: str | os.PathLike[str]) -> list[Layer]:
    """The layers of ``target``, innermost (the one naming the family) first."""
    layers: list[Layer] = []
    seen: list[Path] = []
    base_dir: Path | None = None
    while True:
        path, label, preset = _locate(target, base_dir)
        if path in seen:
            cycle = " → ".join(str(p) for p in [*seen[seen.index(path):], path])
            raise InvalidConfiguration(f"'extends' makes a cycle: {cycle}")
        seen.append(path)
        layer, extends = _file_layer(path, label, preset)
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
