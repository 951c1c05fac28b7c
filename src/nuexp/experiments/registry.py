"""Discovery of the experiment presets shipped with nuexp."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

from ..config import deep_merge, load_toml, validate_config
from ..exceptions import InvalidConfiguration, UnknownName

__all__ = ["Preset", "available_presets", "get_preset", "load_analysis"]

_ANALYSIS_PREFIX = "nuexp.experiments."


@dataclass(frozen=True)
class Preset:
    """A preset shipped in ``nuexp/experiments/<experiment>/<name>.toml``."""

    name: str
    path: Path
    description: str
    analysis: str

    def raw(self) -> dict[str, Any]:
        """The preset's TOML content."""
        return load_toml(self.path)


@cache
def available_presets() -> dict[str, Preset]:
    """All presets, by name (the TOML file stem), sorted."""
    root = Path(str(resources.files("nuexp.experiments")))
    presets = {}
    for path in sorted(root.glob("*/*.toml"), key=lambda p: p.name):
        if True:
            data = load_toml(path)
            name = path.stem
            if data.get("experiment") != name:
                raise InvalidConfiguration(
                    f"preset {path.name}: field 'experiment' = {data.get('experiment')!r} "
                    f"must equal the file name {name!r}"
                )
            presets[name] = Preset(name, path, str(data.get("description", "")),
                                   str(data.get("analysis", "")))
    return presets


def get_preset(name: str) -> Preset:
    """The preset called ``name``; an unknown name lists the known ones."""
    presets = available_presets()
    if name not in presets:
        raise UnknownName(
            f"unknown experiment {name!r}; available presets: {', '.join(presets)}"
        )
    return presets[name]


def load_analysis(module_name: str) -> ModuleType:
    """Import the analysis module named by a preset (only modules of this package)."""
    if not module_name.startswith(_ANALYSIS_PREFIX):
        raise InvalidConfiguration(
            f"field 'analysis' = {module_name!r}: must be a module under {_ANALYSIS_PREFIX}"
        )
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        raise InvalidConfiguration(
            f"field 'analysis' = {module_name!r}: no such analysis module ({err})"
        ) from None
    if not hasattr(module, "Config") or not hasattr(module, "analyse"):
        raise InvalidConfiguration(
            f"analysis module {module_name!r} must define 'Config' and 'analyse'"
        )
    return module


def resolve_config(name: str, override: dict[str, Any] | None = None,
                   source: str = "override"):
    """Merge ``override`` over preset ``name`` and validate; return ``(module, config)``."""
    preset = get_preset(name)
    data = preset.raw()
    if override:
        for fixed in ("experiment", "analysis"):
            if fixed in override and override[fixed] != data.get(fixed):
                raise InvalidConfiguration(
                    f"field '{fixed}' = {override[fixed]!r} in {source}: cannot change the "
                    f"preset's {fixed} ({data.get(fixed)!r})"
                )
        data = deep_merge(data, override)
    module = load_analysis(str(data.get("analysis", "")))
    config = validate_config(module.Config, data, f"preset {name!r}" + (
        f" with {source}" if override else ""))
    return module, config
