"""Where families and presets come from: nuexp itself and installed packages.

Families
    The built-in families are listed in :data:`BUILTIN_FAMILIES` (name → module holding a
    module-level ``FAMILY``); a module is imported only when its family is used, so
    ``nuexp run clovers`` does not import the Daya Bay fit.
Presets
    Every TOML in a family folder ``nuexp/experiments/<folder>/<name>.toml`` is a preset
    called ``<name>`` (its ``experiment`` key must equal the file name).
Other packages
    An installed distribution adds families and presets through the entry-point group
    :data:`ENTRY_POINT_GROUP` (``nuexp.experiments``). The entry point names a module (or
    a :class:`~nuexp.experiments.analysis.Family` object); its ``FAMILY`` (or ``FAMILIES``)
    are registered, and the TOMLs with an ``experiment`` key in the module's folder (and
    one level of sub-folders) are presets. In ``pyproject.toml``::

        [project.entry-points."nuexp.experiments"]
        my-detectors = "my_detectors"

A name may be given only once across nuexp and the installed packages; a clash is an
error naming both places.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from types import ModuleType
from typing import Any

from ..config import load_toml
from ..exceptions import InvalidConfiguration, UnknownName
from .analysis import Family

__all__ = [
    "BUILTIN_FAMILIES",
    "ENTRY_POINT_GROUP",
    "Preset",
    "available_families",
    "available_presets",
    "family_origins",
    "get_family",
    "get_preset",
    "resolve_config",
]

#: Entry-point group through which installed packages add families and presets.
ENTRY_POINT_GROUP = "nuexp.experiments"

#: The families shipped with nuexp: name → module defining ``FAMILY``. Until the CEvNS and
#: reactor families land, each paper reproduction is a family of its preset's name.
BUILTIN_FAMILIES: dict[str, str] = {
    "cicenns": "nuexp.experiments.cicenns.analysis",
    "clovers": "nuexp.experiments.clovers.analysis",
    "coherent-csi": "nuexp.experiments.coherent_csi.analysis",
    "dayabay": "nuexp.experiments.dayabay.analysis",
    "jsns2-events": "nuexp.experiments.jsns2_events.analysis",
    "jsns2-flux": "nuexp.experiments.jsns2_flux.analysis",
    "jsns2-sterile": "nuexp.experiments.jsns2_sterile.analysis",
    "juno": "nuexp.experiments.juno.analysis",
    "relics": "nuexp.experiments.relics.analysis",
}


@dataclass(frozen=True)
class Preset:
    """A preset TOML shipped by nuexp or by an installed package.

    Attributes
    ----------
    name : str
        Preset name (the file stem).
    path : Path
        The TOML file.
    description : str
        Its ``description`` (empty when it inherits one through ``extends``).
    family, extends : str or None
        What the file names (exactly one of the two is set in a valid preset).
    origin : str
        ``"nuexp"`` or the distribution that provides it.
    """

    name: str
    path: Path
    description: str
    family: str | None
    extends: str | None
    origin: str = "nuexp"

    def raw(self) -> dict[str, Any]:
        """The preset's TOML content."""
        return load_toml(self.path)


@dataclass(frozen=True)
class _Plugin:
    """What one entry point provides."""

    entry_point: str
    distribution: str
    families: tuple[Family, ...]
    folder: Path | None


def _families_of(obj: Any, where: str) -> tuple[Family, ...]:
    if isinstance(obj, Family):
        return (obj,)
    found: list[Any] = []
    if isinstance(obj, ModuleType):
        if hasattr(obj, "FAMILY"):
            found.append(obj.FAMILY)
        found.extend(getattr(obj, "FAMILIES", ()))
    for family in found:
        if not isinstance(family, Family):
            raise InvalidConfiguration(
                f"{where}: FAMILY/FAMILIES must hold nuexp.experiments.analysis.Family "
                f"objects, got {family!r}")
    return tuple(found)


@cache
def _plugins() -> tuple[_Plugin, ...]:
    """Load every entry point of :data:`ENTRY_POINT_GROUP` (once per process)."""
    plugins = []
    for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = ep.dist.name if ep.dist is not None else "unknown distribution"
        where = f"entry point {ep.name!r} = {ep.value!r} of {dist} (group {ENTRY_POINT_GROUP})"
        try:
            obj = ep.load()
        except Exception as err:  # a broken plugin must say which one, whatever it raised
            raise InvalidConfiguration(f"{where}: cannot be loaded ({err})") from err
        module = obj if isinstance(obj, ModuleType) else importlib.import_module(ep.module)
        file = getattr(module, "__file__", None)
        plugins.append(_Plugin(ep.name, dist, _families_of(obj, where),
                               Path(file).parent if file else None))
    return tuple(plugins)


def _builtin_family(name: str) -> Family:
    module = importlib.import_module(BUILTIN_FAMILIES[name])
    family = getattr(module, "FAMILY", None)
    if not isinstance(family, Family) or family.name != name:
        raise InvalidConfiguration(
            f"module {module.__name__} must define FAMILY = Family(name={name!r}, ...)")
    return family


@cache
def _plugin_families() -> dict[str, tuple[Family, str]]:
    found: dict[str, tuple[Family, str]] = {}
    for plugin in _plugins():
        for family in plugin.families:
            owner = f"{plugin.distribution} (entry point {plugin.entry_point!r})"
            other = ("nuexp" if family.name in BUILTIN_FAMILIES
                     else found[family.name][1] if family.name in found else None)
            if other is not None:
                raise InvalidConfiguration(
                    f"family {family.name!r} is provided by both {other} and {owner}")
            found[family.name] = (family, owner)
    return found


def get_family(name: str) -> Family:
    """The family called ``name``; an unknown name lists the known ones."""
    if name in BUILTIN_FAMILIES:
        return _builtin_family(name)
    plugins = _plugin_families()
    if name in plugins:
        return plugins[name][0]
    known = sorted([*BUILTIN_FAMILIES, *plugins])
    raise UnknownName(f"field 'family' = {name!r}: unknown family; available families: "
                      f"{', '.join(known)}")


def family_origins() -> dict[str, str]:
    """Every family name → who provides it (``"nuexp"`` or a distribution), sorted,
    without importing the built-in families."""
    origins = dict.fromkeys(BUILTIN_FAMILIES, "nuexp")
    origins.update({name: owner for name, (_, owner) in _plugin_families().items()})
    return dict(sorted(origins.items()))


def available_families() -> dict[str, Family]:
    """Every family (built-in and installed), by name, sorted (imports them all)."""
    families = {name: _builtin_family(name) for name in BUILTIN_FAMILIES}
    families.update({name: fam for name, (fam, _) in _plugin_families().items()})
    return dict(sorted(families.items()))


def _read_presets(paths: list[Path], origin: str, found: dict[str, Preset],
                  require_all: bool) -> None:
    for path in sorted(paths, key=lambda p: p.name):
        data = load_toml(path)
        if not require_all and "experiment" not in data:
            continue  # a plugin's other TOML files (data, tool settings) are not presets
        name = path.stem
        if data.get("experiment") != name:
            raise InvalidConfiguration(
                f"preset {path}: field 'experiment' = {data.get('experiment')!r} must equal "
                f"the file name {name!r}")
        if name in found:
            raise InvalidConfiguration(
                f"preset {name!r} is provided by both {found[name].origin} "
                f"({found[name].path}) and {origin} ({path})")
        found[name] = Preset(name, path, str(data.get("description", "")),
                             data.get("family"), data.get("extends"), origin)


@cache
def available_presets() -> dict[str, Preset]:
    """All presets (nuexp's, then installed packages'), by name, sorted."""
    root = Path(str(resources.files("nuexp.experiments")))
    found: dict[str, Preset] = {}
    _read_presets(list(root.glob("*/*.toml")), "nuexp", found, require_all=True)
    for plugin in _plugins():
        if plugin.folder is not None:
            paths = [*plugin.folder.glob("*.toml"), *plugin.folder.glob("*/*.toml")]
            _read_presets(paths, plugin.distribution, found, require_all=False)
    return dict(sorted(found.items()))


def get_preset(name: str) -> Preset:
    """The preset called ``name``; an unknown name lists the known ones."""
    presets = available_presets()
    if name not in presets:
        raise UnknownName(
            f"unknown experiment {name!r}; available presets: {', '.join(presets)} "
            "(or give the path of a TOML file)"
        )
    return presets[name]


def resolve_config(name: str, override: dict[str, Any] | None = None,
                   source: str = "override") -> tuple[Family, Any]:
    """Resolve preset (or TOML path) ``name`` with ``override`` merged over it.

    Returns ``(family, config)``; see :func:`nuexp.experiments.resolve.resolve`.
    """
    from .resolve import resolve  # resolve builds on this module

    resolved = resolve(name, override, source)
    return resolved.family, resolved.config
