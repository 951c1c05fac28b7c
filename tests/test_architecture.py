"""The one-way import chain of nuexp (issue 14), checked on every module's source.

Physics stages, lowest first (a stage may import itself and any lower stage, never a
higher one)::

    sources → oscillation → interactions → targets → detector → rates → events → stats
      → report → experiments → cli

* ``report`` is the presentation layer (results.json, tables, figures). It sits above
  every physics stage and below ``experiments``: the standards say it "is used by
  experiments and the CLI only", so no physics stage may import it, and it imports no
  experiment. (The README draws it after ``experiments`` because it presents their
  results; in imports it is a library they use.)
* ``cli`` is ``nuexp.cli``, ``nuexp.cli_oscillate``, ``nuexp.__main__`` and the package
  ``nuexp/__init__.py`` (its lazy ``run`` re-exports the runner).
* Foundation modules, importable from every stage, import only each other:
  ``config`` (pydantic base models: every stage validates its inputs with them),
  ``exceptions``, ``validation`` (argument checks), ``constants`` (physical constants
  defined once), ``_version``, ``fileio`` (atomic file writes and output folders, needed by events,
  parallel and report alike), ``extras`` (which optional extra is installed and the
  exact command that installs a missing one) and ``parallel`` (the one task path — serial, dask
  LocalCluster or scheduler address, checkpoints — with no physics in it: ``events``
  maps event files through it, experiments their scans and toys).

Imports inside functions count: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import nuexp

PACKAGE = Path(nuexp.__file__).parent

#: Import order of the stages, lowest first.
STAGES = ["sources", "oscillation", "interactions", "targets", "detector", "rates",
          "events", "stats", "report", "experiments", "cli"]
#: Modules every stage may import; they import only each other.
FOUNDATION = {"config", "exceptions", "validation", "constants", "_version", "fileio", "extras",
              "parallel"}
#: Top-level modules that belong to the command-line layer (config_reference is the
#: `python -m nuexp.config_reference` command that writes docs/configuration.md).
CLI_MODULES = {"cli", "cli_oscillate", "cli_experiments", "config_reference", "__main__",
               "__init__"}


def _stage(module: str) -> str:
    """Stage (or ``"foundation"``) of a dotted module name inside nuexp."""
    parts = module.split(".")
    assert parts[0] == "nuexp", module
    top = parts[1] if len(parts) > 1 else "__init__"
    if top in FOUNDATION:
        return "foundation"
    if top in CLI_MODULES:
        return "cli"
    if top in STAGES:
        return top
    raise AssertionError(f"module {module} belongs to no stage: add it to STAGES, "
                         "FOUNDATION or CLI_MODULES (and say why in this docstring)")


def _module_name(path: Path, package: Path) -> str:
    rel = path.relative_to(package.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1 and parts != ["nuexp", "__init__"]:
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every nuexp import in the file, at any depth."""
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    if module == "nuexp.__init__":
        package = "nuexp"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "nuexp"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "nuexp":
                target = node.module
            else:
                continue
            if target == "nuexp":   # "from .. import x": each name is a module or attribute
                found += [(node.lineno, f"nuexp.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, target))
    return found


def _violations(root: Path = PACKAGE) -> list[str]:
    """Every import of a higher stage (or of a stage by a foundation module) under root."""
    rank = {name: i for i, name in enumerate(STAGES)}
    bad = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        stage = _stage(module)
        for line, target in _imports(path, root):
            if target == "nuexp.__version__":
                target = "nuexp._version"
            other = _stage(target)
            where = f"{path.relative_to(root.parent)}:{line}"
            if stage == "foundation":
                if other != "foundation":
                    bad.append(f"{where}: foundation module imports {target} ({other})")
            elif other != "foundation" and rank[other] > rank[stage]:
                bad.append(f"{where}: {stage} imports {target} ({other}, a higher stage)")
    return bad


def test_no_stage_imports_a_higher_one():
    bad = _violations()
    assert not bad, "one-way chain broken:\n" + "\n".join(bad)


@pytest.mark.parametrize("source, target, expected", [
    ("nuexp/interactions/x.py", "from ..targets.isotopes import isotope", "higher stage"),
    ("nuexp/oscillation/x.py", "def f():\n    from ..report.plots import new_figure",
     "higher stage"),
    ("nuexp/parallel.py", "from .report.atomic import atomic_write_bytes", "foundation module"),
    ("nuexp/events/x.py", "from ..parallel import map_tasks", None),
    ("nuexp/experiments/x/y.py", "from ... import __version__", None),
    ("nuexp/config.py", "from .report import results", "foundation module"),
    ("nuexp/events/x.py", "from ..fileio import atomic_write_text", None),
])
def test_checker_sees_lazy_and_relative_imports(tmp_path, source, target, expected):
    # the checker itself must catch what the issue listed (a test that cannot fail is none)
    path = tmp_path / source
    path.parent.mkdir(parents=True, exist_ok=True)
    for parent in path.parents:
        if parent == tmp_path:
            break
        (parent / "__init__.py").touch()
    path.write_text(target + "\n")
    bad = _violations(tmp_path / "nuexp")
    if expected is None:
        assert not bad
    else:
        assert len(bad) == 1 and expected in bad[0], bad
