"""nuexp: from source to significance for MeV-scale neutrino experiments.

The package follows the physics chain: ``sources`` → ``oscillation`` → ``interactions``
→ ``targets`` → ``detector`` → ``rates`` → ``events`` → ``stats`` → ``experiments`` →
``report``. The one-call entry point is :func:`run`.

Units: inside the library every dimensional number is in the hepunits system
(``from hepunits import MeV, cm, s``: multiply by the unit on the way in, divide on the
way out); configuration files and ``results.json`` use the units their keys name.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

#: The stages of the physics chain and the helpers around them, imported on first use.
_SUBMODULES = (
    "sources", "oscillation", "interactions", "targets", "detector", "rates", "events",
    "stats", "experiments", "report", "config", "exceptions", "extras", "parallel",
)

__all__ = ["__version__", "available_presets", "run", *_SUBMODULES]


def __getattr__(name: str) -> Any:
    # Lazy: `import nuexp` stays fast; the runner pulls in the experiment machinery.
    if name == "run":
        from .experiments.runner import run

        return run
    if name == "available_presets":
        from .experiments.registry import available_presets

        return available_presets
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'nuexp' has no attribute {name!r}")


def __dir__() -> list[str]:
    # the public names, lazy ones included, for dir(nuexp) and tab completion
    return sorted(__all__)
