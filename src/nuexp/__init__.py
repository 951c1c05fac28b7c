"""nuexp: from source to significance for MeV-scale neutrino experiments.

The package follows the physics chain: ``sources`` → ``oscillation`` → ``interactions``
→ ``targets`` → ``detector`` → ``rates`` → ``events`` → ``stats`` → ``experiments`` →
``report``. The one-call entry point is :func:`run`.

Units: inside the library every dimensional number is in the hepunits system
(``from hepunits import MeV, cm, s``: multiply by the unit on the way in, divide on the
way out); configuration files and ``results.json`` use the units their keys name.
"""

from __future__ import annotations

from ._version import __version__

__all__ = ["__version__", "run", "available_presets"]


def __getattr__(name: str):
    # Lazy: `import nuexp` stays fast; the runner pulls in the experiment machinery.
    if name == "run":
        from .experiments.runner import run

        return run
    if name == "available_presets":
        from .experiments.registry import available_presets

        return available_presets
    raise AttributeError(f"module 'nuexp' has no attribute {name!r}")
