"""Issue 19's numbered cases tried, as a new user would, on the presets and commands that
arrived after it (reactor family, COHERENT data, reactor-flux, ``nuexp run FILE.toml``,
``nuexp init``): real files, a real CLI in a subprocess, real signals."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import nuexp

SRC = str(Path(nuexp.__file__).resolve().parents[1])
ENV = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "200"}


def _cli(*args: str, cwd: Path, umask: int | None = None) -> subprocess.CompletedProcess:
    code = "import os, sys; from nuexp.cli import main; "
    code += f"os.umask({umask}); " if umask is not None else ""
    return subprocess.run([sys.executable, "-c", code + "sys.argv[0] = 'nuexp'; main()",
                           *args], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=300)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


# ------------------------------------------------------------------------ case 1: --out
@pytest.mark.parametrize(("command", "out"), [
    (["run", "reactor-flux"], "d"), (["run", "coherent-csi-2021"], "."),
    (["run", "juno"], "afile"), (["run", "mine.toml"], "d"),
    (["init", "juno", "--out"], "afile"), (["init", "tao", "--out"], "d")])
def test_new_presets_and_commands_never_touch_foreign_paths(tmp_path, command, out):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "thesis.tex").write_text("work\n")
    (tmp_path / "afile").write_text("keep me\n")
    made = _cli("init", "tao", "--out", "mine.toml", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    before = _snapshot(tmp_path)
    res = _cli(*command, *([] if command[0] == "init" else ["--out"]), out, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and "error:" in res.stderr
    assert _snapshot(tmp_path) == before
    assert sorted(os.listdir(tmp_path)) == ["afile", "d", "mine.toml"]


# ------------------------------------------------------------- case 6: a real run, a signal
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_a_reactor_run_leaves_nothing(tmp_path, sig):
    """``nuexp run juno`` (~5 s) stopped as ``timeout``/SLURM (SIGTERM) or Ctrl-C would:
    the staging folder goes, nothing else appears, an earlier run is kept intact, and
    the exit status is 128 + the signal number, as shells and schedulers expect."""
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".nuexp-run").write_text("")
    (tmp_path / "out" / "results.json").write_text("{}\n")      # an earlier run
    before = _snapshot(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "nuexp.cli", "run", "juno", "--out",
                             "out"], cwd=tmp_path, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not any("nuexp-staging" in n for n in os.listdir(tmp_path)):
        assert proc.poll() is None and time.monotonic() < deadline, "no staging folder"
        time.sleep(0.05)
    time.sleep(0.5)                                   # inside the analysis
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig and "Traceback" not in err
    assert f"interrupted: {sig.name}" in err
    assert sorted(os.listdir(tmp_path)) == ["out"]
    assert _snapshot(tmp_path) == before


# ----------------------------------------------------------------- case 8: permissions
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_init_file_respects_the_umask(tmp_path, umask, mode):
    res = _cli("init", "juno", "--out", "mine.toml", cwd=tmp_path, umask=umask)
    assert res.returncode == 0, res.stderr
    assert stat.S_IMODE((tmp_path / "mine.toml").stat().st_mode) == mode
