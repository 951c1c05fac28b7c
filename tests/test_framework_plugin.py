"""Experiments from other packages (issue #14): a package installed with pip adds a family
and a preset through the entry-point group `nuexp.experiments`; `nuexp list` shows them
and `nuexp run` runs them."""

import json
import math
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import scipy.constants as const

import nuexp

PLUGIN = Path(__file__).parent / "plugin_pkg"


@pytest.fixture(scope="module")
def plugin_python(tmp_path_factory):
    """A fresh venv with the test plugin pip-installed in it; returns its python."""
    root = tmp_path_factory.mktemp("plugin")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    # The venv sees this interpreter's packages (numpy, pydantic, pip, ...) through a .pth
    # file: `--system-site-packages` would show the base interpreter's, not this venv's.
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    parents = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    Path(purelib, "_parent_sites.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in dict.fromkeys(parents)))
    source = shutil.copytree(PLUGIN, root / "plugin_pkg")   # the build writes beside it
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                    "--no-index", "--quiet", str(source)], check=True)
    return python


def _nuexp(python, *args, cwd):
    # the nuexp under test, whatever nuexp the parent environment has installed
    env = {**os.environ, "PYTHONPATH": str(Path(nuexp.__file__).parents[1])}
    return subprocess.run([python, "-m", "nuexp.cli", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, check=False)


@pytest.mark.slow
def test_installed_package_adds_a_family_and_a_preset(plugin_python, tmp_path):
    listed = _nuexp(plugin_python, "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "plugin-preset" in listed.stdout
    assert "plugin-flux" in listed.stdout and "nuexp-plugin-demo" in listed.stdout
    assert "clovers" in listed.stdout                      # nuexp's own are still there

    done = _nuexp(plugin_python, "run", "plugin-preset", "--out", str(tmp_path / "out"),
                  "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "out" / "results.json").read_text())
    assert result["experiment"] == "plugin-preset"
    assert result["config"]["family"] == "plugin-flux"
    # P/E_p · yield / (4π L²) for 140 kW, 1.6 GeV, 0.17 ν/p, 10.5 m (CLOVERS 2023, Sec. 2.1)
    protons_per_s = 140e3 / (1.6e9 * const.electron_volt)
    expected = protons_per_s * 0.17 / (4 * math.pi * 1050.0**2)
    assert result["quantities"]["flux_per_flavour"]["value"] == pytest.approx(expected,
                                                                            rel=1e-12)


@pytest.mark.slow
def test_a_user_file_can_extend_a_plugin_preset(plugin_python, tmp_path):
    mine = tmp_path / "farther.toml"
    mine.write_text('schema_version = 2\nextends = "plugin-preset"\ndistance_m = 21.0\n')
    near = _nuexp(plugin_python, "run", "plugin-preset", "--json", "--out",
                  str(tmp_path / "near"), cwd=tmp_path)
    far = _nuexp(plugin_python, "run", str(mine), "--json", "--out", str(tmp_path / "far"),
                 cwd=tmp_path)
    assert near.returncode == 0 and far.returncode == 0, near.stderr + far.stderr
    value = {name: json.loads((tmp_path / name / "results.json").read_text())
             ["quantities"]["flux_per_flavour"]["value"] for name in ("near", "far")}
    assert value["far"] == pytest.approx(value["near"] / 4.0, rel=1e-12)   # 1/L², L × 2
    shown = _nuexp(plugin_python, "init", "plugin-flux", cwd=tmp_path)
    assert shown.returncode == 0 and 'family = "plugin-flux"' in shown.stdout
