"""What a user gets from ``import nuexp``: the public API, and no change to their matplotlib."""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

import nuexp

ROOT = Path(__file__).resolve().parents[1]

# A user's session: their own backend and style, then nuexp imported and an analysis run
# in-process (it draws a figure). Their backend and every rcParam must be unchanged.
_USER_SESSION = """
import json, sys
import matplotlib
matplotlib.use("svg")
import matplotlib.pyplot as plt
plt.style.use("ggplot")
before = {k: repr(v) for k, v in matplotlib.rcParams.items()}
import nuexp
import nuexp.report.plots, nuexp.cli
after_import = {k: repr(v) for k, v in matplotlib.rcParams.items()}
res = nuexp.run("coherent-csi", out=sys.argv[1])
after_run = {k: repr(v) for k, v in matplotlib.rcParams.items()}
print(json.dumps({
    "backend": matplotlib.get_backend(),
    "changed_by_import": sorted(k for k in before if before[k] != after_import[k]),
    "changed_by_run": sorted(k for k in before if before[k] != after_run[k]),
    "figures": res.figures,
}))
"""


def test_import_and_run_leave_the_users_matplotlib_alone(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    proc = subprocess.run([sys.executable, "-c", _USER_SESSION, str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["backend"] == "svg"
    assert report["changed_by_import"] == []
    assert report["changed_by_run"] == []
    assert "observable_spectrum.png" in report["figures"]       # and it did draw
    assert all((tmp_path / "out" / f).with_suffix(".pdf").is_file() for f in report["figures"])


def test_public_api_is_listed_and_visible():
    for name in ("run", "available_presets", "oscillation", "sources", "stats", "__version__"):
        assert name in nuexp.__all__
        assert name in dir(nuexp)
        assert getattr(nuexp, name) is not None
    assert inspect.isfunction(nuexp.run) and nuexp.run.__doc__
    assert nuexp.oscillation.__name__ == "nuexp.oscillation"
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        nuexp.nonexistent  # noqa: B018


def test_pydoc_shows_run():
    import pydoc

    text = pydoc.render_doc(nuexp, renderer=pydoc.plaintext)
    assert "run(" in text and inspect.getdoc(nuexp.run).splitlines()[0] in text


def _third_party_imports(nodes: Iterable[ast.AST]) -> Iterator[tuple[ast.stmt, str]]:
    """(statement, top-level package) for every absolute import among ``nodes`` of a
    package outside the standard library and nuexp."""
    skip = set(sys.stdlib_module_names) | {"nuexp", "__future__"}
    for node in nodes:
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for top in sorted({name.split(".")[0] for name in names} - skip):
            yield node, top


def _pyproject() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_declared_python_floor_matches_the_interpreter_features():
    # tomllib and BaseException.add_note (used by the library) need 3.11
    project = _pyproject()["project"]
    assert project["requires-python"] == ">=3.11"
    assert sys.version_info >= (3, 11)


def test_every_import_of_the_library_is_declared():
    """Third-party modules imported by src/nuexp are dependencies or in an extra."""
    project = _pyproject()["project"]
    declared = " ".join(project["dependencies"]).lower()
    extras = {name: " ".join(reqs).lower()
              for name, reqs in project["optional-dependencies"].items()}
    # import name -> distribution name, where they differ
    distribution = {"yaml": "pyyaml", "dayabay_data_official": "dayabay-data-official",
                    "annotated_types": "annotated-types",
                    "distributed": "dask[distributed]",
                    "mpl_toolkits": "matplotlib"}   # ships inside matplotlib
    found: dict[str, set[str]] = {}
    for path in (ROOT / "src" / "nuexp").rglob("*.py"):
        for _, top in _third_party_imports(ast.walk(ast.parse(path.read_text(), str(path)))):
            found.setdefault(top, set()).add(path.name)
    undeclared = []
    for top, files in sorted(found.items()):
        dist = distribution.get(top, top).lower()
        in_core = dist in declared
        in_extra = any(dist in reqs for reqs in extras.values())
        if not (in_core or in_extra):
            undeclared.append(f"{top} ({', '.join(sorted(files))})")
    assert undeclared == []
    for unused in ("hist", "h5py"):      # unused, or optional (Daya Bay only)
        assert not any(req.split(">")[0].split("=")[0] == unused
                       for req in project["dependencies"])
    assert "h5py" in extras["dayabay"]


def test_module_level_imports_are_core_dependencies():
    """A module that imports a third-party package at its top needs it the moment it is
    imported, so that package must be a core dependency, not an extra: an extra is
    imported where it is used, which raises MissingExtra with the install command.
    (The COHERENT LAr 2020 loader once imported PyYAML, then in the dayabay extra only,
    at its top: `nuexp run all` on a core install stopped at coherent-lar-2020.)"""
    declared = {req.split(">")[0].split("=")[0].split("[")[0].lower()
                for req in _pyproject()["project"]["dependencies"]}
    distribution = {"yaml": "pyyaml", "annotated_types": "annotated-types",
                    "mpl_toolkits": "matplotlib"}
    outside_core = []
    for path in sorted((ROOT / "src" / "nuexp").rglob("*.py")):
        for node, top in _third_party_imports(ast.parse(path.read_text(), str(path)).body):
            if distribution.get(top, top).lower() not in declared:
                outside_core.append(f"{path.relative_to(ROOT)}:{node.lineno}: {top}")
    assert outside_core == []


def test_license_changelog_citation_and_typed_marker_ship():
    project = _pyproject()["project"]
    assert project["license"] == "BSD-3-Clause"
    assert "BSD 3-Clause" in (ROOT / "LICENSE").read_text() or \
        "Redistribution and use in source and binary forms" in (ROOT / "LICENSE").read_text()
    assert f"## {project['version']}" in (ROOT / "CHANGELOG.md").read_text()
    citation = (ROOT / "CITATION.cff").read_text()
    assert f'version: "{project["version"]}"' in citation
    assert (ROOT / "src" / "nuexp" / "py.typed").is_file()
