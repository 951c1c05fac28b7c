"""Issue 19: never lose a user's data, and refuse bad input at the door.

Each numbered case of the issue has a test here, on real files, real subprocesses and
real signals.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import nuexp
from nuexp.exceptions import OutputRefused
from nuexp.fileio import MARKER, prepare_output, remove_stale, staged_output

SRC = str(Path(nuexp.__file__).resolve().parents[1])


def _cli(*args: str, cwd: Path, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "nuexp.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, **kw)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


# ----------------------------------------------------------------------- case 1: --out
@pytest.mark.parametrize("command", [["run", "clovers"], ["simulate", "jsns2", "--pot", "1e19"]])
def test_out_folder_with_foreign_files_is_refused_untouched(tmp_path, command):
    thesis = tmp_path / "d"
    thesis.mkdir()
    (thesis / "thesis.tex").write_text("work\n")
    before = _snapshot(tmp_path)
    res = _cli(*command, "--out", "d", cwd=tmp_path)
    assert res.returncode == 2
    assert "thesis.tex" in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) <= 3
    assert _snapshot(tmp_path) == before
    assert sorted(os.listdir(tmp_path)) == ["d"]          # no staging folder left


@pytest.mark.parametrize("out, why", [(".", "current"), ("", "is empty"),
                                      ("afile", "not a folder"), ("/dev/null", "not a folder"),
                                      ("/proc/nuexp-out", "no folder can be created")])
def test_out_that_is_not_a_new_folder_is_refused(tmp_path, out, why):
    (tmp_path / "afile").write_text("keep me\n")
    before = _snapshot(tmp_path)
    res = _cli("run", "clovers", "--out", out, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and "error:" in res.stderr
    assert why in " ".join(res.stderr.split())            # the reason, e.g. '' is empty
    assert _snapshot(tmp_path) == before
    assert (tmp_path / "afile").read_text() == "keep me\n"


def test_python_api_refuses_foreign_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(OutputRefused, match="notes.txt"):
        nuexp.run("clovers", out=tmp_path)
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_run_replaces_its_own_output_and_respects_umask(tmp_path):
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        nuexp.run("clovers", out=out)
        (out / "results.json").write_text("stale")
        nuexp.run("clovers", out=out)                      # an earlier run: replaced
    finally:
        os.umask(old)
    assert (out / MARKER).is_file()
    assert (out / "results.json").read_text() != "stale"
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    modes = {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert modes == {0o644}
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_a_file_added_to_an_earlier_run_is_never_replaced(tmp_path):
    # issue 19, "nuexp only ever replaces what nuexp wrote": the marker lists the run's
    # files, so notes a user keeps in a run folder (top level or in a subfolder) make it
    # foreign; before, the whole folder was replaced and the notes deleted
    out = tmp_path / "out"
    with staged_output(out) as staging:
        (staging / "results.json").write_text("{}")
        (staging / "sub").mkdir()
        (staging / "sub" / "a.csv").write_text("a\n")
    for added in (out / "notes.txt", out / "sub" / "notes.txt"):
        added.write_text("my notes")
        with pytest.raises(OutputRefused, match=f"nuexp did not write \\({added.relative_to(out).as_posix()}\\)"):
            prepare_output(out)
        assert added.read_text() == "my notes"
        added.unlink()
    with staged_output(out) as staging:                 # untouched run: replaced
        (staging / "table.csv").write_text("b\n")
    assert sorted(os.listdir(out)) == [MARKER, "table.csv"]
    assert os.listdir(tmp_path) == ["out"]


def test_staged_output_leaves_nothing_on_error(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), staged_output(out) as staging:
        (staging / "partial.txt").write_text("x")
        raise RuntimeError("analysis failed")
    assert os.listdir(tmp_path) == []


def test_empty_folder_and_symlink(tmp_path):
    (tmp_path / "empty").mkdir()
    with staged_output(tmp_path / "empty") as staging:
        (staging / "a").write_text("a")
    assert sorted(os.listdir(tmp_path / "empty")) == [MARKER, "a"]
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    with pytest.raises(OutputRefused, match="symbolic link"):
        prepare_output(tmp_path / "link")


# ----------------------------------------------------------------------- case 6: signals
def test_stale_staging_of_dead_process_is_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    staging = prepare_output(tmp_path / "out")
    stale = tmp_path / staging.name.replace(f"-{os.getpid()}-", f"-{pid}-")
    staging.rename(stale)
    mine = prepare_output(tmp_path / "out")               # this process: alive, kept
    assert remove_stale(tmp_path) == []
    assert sorted(os.listdir(tmp_path)) == [mine.name]    # the dead one went first
    stale.mkdir()
    assert remove_stale(tmp_path) == [stale] and mine.exists()


_SLOW_RUN = r"""
import sys, time
import nuexp.experiments.runner as runner
from nuexp.fileio import install_signal_handlers
install_signal_handlers()
real = runner.RunContext
class Slow(real):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        (self.staging / "partial.csv").write_text("x")
        print("started", flush=True)
        time.sleep(60)
runner.RunContext = Slow
runner.run("clovers", out=sys.argv[1])
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_cleans_up_staging(tmp_path, sig):
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_RUN, str(tmp_path / "out")],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    assert any(".nuexp-staging-" in n for n in os.listdir(tmp_path))
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert os.listdir(tmp_path) == []


def test_sigterm_removes_temporary_dataset(tmp_path):
    code = r"""
import sys, time
from nuexp.fileio import install_signal_handlers, temporary_folder
install_signal_handlers()
with temporary_folder("jsns2-events", dir=sys.argv[1]) as tmp:
    (tmp / "data.parquet").write_bytes(b"x" * 1000)
    print("started", flush=True)
    time.sleep(60)
"""
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    assert len(os.listdir(tmp_path)) == 1
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert os.listdir(tmp_path) == []


_SWALLOWED = r"""
import os, signal, sys
from nuexp.fileio import (Terminated, commit_output, install_signal_handlers,
                          prepare_output)
install_signal_handlers()
staging = prepare_output(sys.argv[1])
(staging / "results.json").write_text("{}")
class Finaliser:
    def __del__(self):                        # Python only prints what __del__ raises
        os.kill(os.getpid(), signal.SIGTERM)
        sum(range(10_000))                    # the handler runs here, inside __del__
Finaliser()
print("survived", flush=True)
try:
    commit_output(staging, sys.argv[1])
except Terminated as err:
    print("refused:", err, flush=True)
"""


def test_a_swallowed_signal_still_stops_the_commit(tmp_path):
    """A SIGTERM whose exception Python swallowed (raised inside ``__del__``) must not
    let the interrupted run be put in place: the handler records it, commit refuses."""
    env = {**os.environ, "PYTHONPATH": SRC}
    res = subprocess.run([sys.executable, "-c", _SWALLOWED, str(tmp_path / "out")],
                         env=env, capture_output=True, text=True, timeout=60)
    assert res.stdout.splitlines()[0] == "survived", res.stderr
    assert "Exception ignored" in res.stderr                 # it was swallowed
    assert res.stdout.splitlines()[1].startswith("refused: interrupted by SIGTERM")
    assert os.listdir(tmp_path) == []


_IN_COMPILER = r"""
import signal, time
from nuexp.fileio import Terminated, install_signal_handlers
install_signal_handlers()
compiler = {"__name__": "numba.core.compiler", "signal": signal}
exec("def compile_step():\n    signal.raise_signal(signal.SIGTERM)\n"
     "    return 'compiled'\n", compiler)
print(compiler["compile_step"](), flush=True)      # not interrupted inside the compiler
try:
    time.sleep(30)
except Terminated:
    print("terminated after it", flush=True)
"""


def test_a_signal_inside_the_jit_compiler_is_delivered_after_it(tmp_path):
    """Raised inside numba/llvmlite, SIGTERM's exception is swallowed by a ctypes callback
    or crashes LLVM (exit -11 seen on Python 3.13): it is deferred until the compiler
    has returned, then raised as usual."""
    env = {**os.environ, "PYTHONPATH": SRC}
    res = subprocess.run([sys.executable, "-c", _IN_COMPILER], env=env,
                         capture_output=True, text=True, timeout=60)
    assert res.stdout.splitlines() == ["compiled", "terminated after it"], res.stderr


def test_sigkill_leftovers_are_removed_by_next_run(tmp_path):
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_RUN, str(tmp_path / "out")],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    proc.kill()
    proc.communicate(timeout=60)
    assert len(os.listdir(tmp_path)) == 1                  # the dead process's staging
    staging = prepare_output(tmp_path / "out")
    assert os.listdir(tmp_path) == [staging.name]


# ------------------------------------------------------------------- case 2: event data
@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from nuexp.events.simulation import simulate_to_directory
    from nuexp.experiments.registry import resolve_config

    _, cfg = resolve_config("jsns2-events")
    sim = cfg.simulation.with_pot(3e20).model_copy(update={"spills_per_block": 1_000_000})
    folder = tmp_path_factory.mktemp("events") / "ev"
    simulate_to_directory(sim, folder, seed=5)
    return folder


@pytest.fixture
def ev(dataset, tmp_path):
    import shutil

    return Path(shutil.copytree(dataset, tmp_path / "ev"))


def _process(folder):
    from nuexp.events.pipeline import process_files

    return process_files(folder, scheduler="serial")


def test_intact_dataset_is_read_and_counted_once(ev):
    import json

    manifest = json.loads((ev / "manifest.json").read_text())
    assert _process(ev).events == sum(b["rows"] for b in manifest["blocks"].values())


def test_copied_block_is_refused(ev):
    from nuexp.exceptions import DataIntegrityError

    block = sorted(ev.glob("*.parquet"))[1]
    copy = ev / f"{block.stem}_copy.parquet"
    copy.write_bytes(block.read_bytes())
    with pytest.raises(DataIntegrityError, match=f"{copy.name}.*not listed"):
        _process(ev)
    (ev / "manifest.json").unlink()                 # real data: no manifest
    with pytest.raises(DataIntegrityError, match=f"{copy.name}: starts at run"):
        _process(ev)


def test_block_in_two_formats_is_refused(ev):
    from nuexp.events.io import iter_file_chunks, write_root
    from nuexp.events.schema import EventChunk
    from nuexp.exceptions import DataIntegrityError

    block = sorted(ev.glob("*.parquet"))[0]
    write_root(block.with_suffix(".root"), EventChunk.concatenate(list(iter_file_chunks(block))))
    with pytest.raises(DataIntegrityError, match="two formats"):
        _process(ev)


def test_missing_or_replaced_block_is_refused(ev):
    from nuexp.exceptions import DataIntegrityError

    blocks = sorted(ev.glob("*.parquet"))
    saved = blocks[0].read_bytes()
    blocks[0].unlink()
    with pytest.raises(DataIntegrityError, match=f"{blocks[0].name}: listed .* but missing"):
        _process(ev)
    blocks[0].write_bytes(blocks[1].read_bytes())   # another block under its name
    with pytest.raises(DataIntegrityError, match=blocks[0].name):
        _process(ev)
    blocks[0].write_bytes(saved)
    _process(ev)


def test_flipped_bit_in_a_page_is_detected(ev):
    from nuexp.events.io import iter_file_columns
    from nuexp.exceptions import SchemaMismatch

    block = sorted(ev.glob("*.parquet"))[0]
    data = bytearray(block.read_bytes())
    data[len(data) // 3] ^= 0x10
    block.write_bytes(bytes(data))
    with pytest.raises(SchemaMismatch, match=block.name):
        _process(ev)                                 # manifest checksum or page CRC
    (ev / "manifest.json").unlink()
    with pytest.raises(SchemaMismatch, match=block.name):
        for _ in iter_file_columns(block):           # the Parquet page CRC
            pass


@pytest.mark.parametrize(("column", "value"), [
    ("energy_mev", float("nan")), ("energy_mev", -1.0), ("x_cm", float("inf")),
    ("time_us", float("nan")), ("time_us", -5000.0), ("trigger", 7), ("truth", 42),
    ("veto_top_pe", float("-inf"))])
def test_bad_values_are_refused_naming_file_column_row_value(tmp_path, dataset, column,
                                                              value):
    import pyarrow.parquet as pq

    from nuexp.events.io import EventWriter
    from nuexp.events.pipeline import process_file
    from nuexp.events.schema import EventChunk
    from nuexp.exceptions import DataIntegrityError

    block = sorted(dataset.glob("*.parquet"))[0]
    columns = pq.read_table(block).to_pydict()
    columns = {k: __import__("numpy").asarray(v) for k, v in columns.items()}
    # a negative time in mid-file is also out of time order: put it first
    row = 0 if column == "time_us" and value == -5000.0 else len(columns[column]) // 2
    columns[column] = columns[column].astype(float if isinstance(value, float) else int)
    columns[column][row] = value
    from nuexp.events.schema import COLUMNS

    columns = {k: v.astype(COLUMNS[k][0]) for k, v in columns.items()}
    bad = tmp_path / "bad.parquet"
    with EventWriter(bad) as writer:
        writer.write(EventChunk.from_columns(columns))
    shown = "nan" if value != value else repr(value)
    with pytest.raises(DataIntegrityError,
                       match=rf"bad.parquet: column '{column}', row {row}: value {shown}"):
        process_file(bad)


def test_empty_block_outside_a_manifest_is_refused(tmp_path):
    from nuexp.events.io import write_events
    from nuexp.events.schema import EventChunk
    from nuexp.exceptions import DataIntegrityError

    write_events(tmp_path / "empty.parquet", EventChunk.empty())
    with pytest.raises(DataIntegrityError, match="empty.parquet: holds no events"):
        _process(tmp_path)


def test_fifo_as_data_is_refused_not_hanging(tmp_path):
    from nuexp.exceptions import DataIntegrityError

    os.mkfifo(tmp_path / "data.parquet")
    with pytest.raises(DataIntegrityError, match="not a regular file"):
        _process(tmp_path)
    with pytest.raises(DataIntegrityError, match="not a regular file"):
        _process(tmp_path / "data.parquet")


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe", None])
def test_broken_manifest_is_refused(ev, content):
    from nuexp.exceptions import DataIntegrityError

    (ev / "manifest.json").unlink()
    if content is None:
        (ev / "manifest.json").mkdir()
    else:
        (ev / "manifest.json").write_bytes(content)
    with pytest.raises(DataIntegrityError, match="manifest.json: not a readable"):
        _process(ev)


# --------------------------------------------------------------- case 4: validation
@pytest.mark.parametrize(("preset", "override", "field"), [
    ("jsns2-sterile", {"beam": {"power_mw": float("inf")}}, "beam.power_mw"),
    ("jsns2-events", {"simulation": {"rates": {"muon_hz": True}}}, "simulation.rates.muon_hz"),
])
def test_inf_and_booleans_are_refused(preset, override, field):
    from nuexp.exceptions import InvalidConfiguration
    from nuexp.experiments.registry import resolve_config

    with pytest.raises(InvalidConfiguration, match=field.replace(".", r"\.")):
        resolve_config(preset, override)


def test_boolean_is_not_a_number_in_python():
    from nuexp.config import StrictModel
    from nuexp.exceptions import InvalidConfiguration  # noqa: F401 - the API's type

    class Block(StrictModel):
        mass_kg: float

    with pytest.raises(Exception, match="boolean"):
        Block(mass_kg=True)
    assert Block(mass_kg=2).mass_kg == 2.0


# --------------------------------------------------------------- case 3: memory
def test_simulate_huge_pot_is_refused_without_allocating(tmp_path):
    res = _cli("simulate", "jsns2", "--pot", "1e30", "--out", "big", cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "at most 100000" in res.stderr and os.listdir(tmp_path) == []


def test_require_memory_gives_estimate_and_available():
    from nuexp.exceptions import InsufficientMemory
    from nuexp.validation import available_memory, require_memory

    require_memory(1e6, "a small array")
    with pytest.raises(InsufficientMemory, match="would need about .* available"):
        require_memory(10 * available_memory(), "a large array")


def test_muon_rate_that_would_not_fit_is_refused(tmp_path):
    from nuexp.exceptions import InsufficientMemory
    from nuexp.experiments.jsns2_events.analysis import simulate_dataset

    with pytest.raises(InsufficientMemory, match="simulating one block"):
        simulate_dataset("jsns2", tmp_path / "x", pot=1e21,
                         config={"simulation": {"rates": {"muon_hz": 1e9}}})
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------- case 7: one-line errors
def test_os_errors_are_one_line(tmp_path):
    (tmp_path / "cfgdir").mkdir()
    (tmp_path / "bad.toml").write_bytes(b"\xff\xfe\x00x = 1\n")
    for args in (["run", "clovers", "--config", "cfgdir"],
                 ["run", "clovers", "--config", "bad.toml"],
                 ["simulate", "jsns2", "--seed", "-1", "--out", "s"]):
        res = _cli(*args, cwd=tmp_path)
        assert res.returncode == 2, (args, res.stderr)
        assert "Traceback" not in res.stderr and res.stderr.strip(), args
    res = _cli("run", "clovers", "--config", "cfgdir", "--debug", cwd=tmp_path)
    assert "Traceback" in res.stderr


def test_full_disk_is_one_line(tmp_path, monkeypatch):
    import errno

    from nuexp import cli

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out"))

    monkeypatch.setattr(cli, "app", full)
    monkeypatch.setattr(sys, "argv", ["nuexp", "run", "clovers"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2


# --------------------------------------------------------------- case 5: checkpoints
def _triple(x):
    return [3.0 * x, 1.0]


def test_checkpoint_is_plain_data_and_never_trusted(tmp_path):
    import pickle

    import numpy as np

    from nuexp.parallel import map_tasks

    assert map_tasks(_triple, [1.0, 2.0], scheduler="serial", checkpoint=tmp_path) == \
        [[3.0, 1.0], [6.0, 1.0]]
    files = sorted(tmp_path.glob("task-*.npz"))
    with np.load(files[0], allow_pickle=False) as stored:     # plain data, no pickle
        assert stored["data"].tolist() == [3.0, 1.0]
    # a planted pickle would run code if it were unpickled: it is recomputed instead
    files[0].write_bytes(pickle.dumps(print))
    # a valid file of another task put in place of task 1: refused by its key
    files[1].write_bytes(files[0].read_bytes())
    assert map_tasks(_triple, [1.0, 2.0], scheduler="serial", checkpoint=tmp_path) == \
        [[3.0, 1.0], [6.0, 1.0]]


def test_checkpoint_key_includes_the_version(tmp_path, monkeypatch):
    import nuexp
    from nuexp.parallel import map_tasks

    map_tasks(_triple, [1.0], scheduler="serial", checkpoint=tmp_path)
    before = {p.name for p in tmp_path.iterdir()}
    monkeypatch.setattr(nuexp, "__version__", "99.0")
    map_tasks(_triple, [1.0], scheduler="serial", checkpoint=tmp_path)
    assert {p.name for p in tmp_path.iterdir()} - before


def test_checkpoint_dir_that_is_a_file_is_refused(tmp_path):
    from nuexp.exceptions import InvalidConfiguration
    from nuexp.parallel import map_tasks

    (tmp_path / "ck").write_text("x")
    with pytest.raises(InvalidConfiguration, match="checkpoint folder"):
        map_tasks(_triple, [1.0], scheduler="serial", checkpoint=tmp_path / "ck")


@pytest.mark.parametrize("override", [{"scan": {"n_sin2_2theta": 100_000_000}},
                                      {"toys": {"n_toys": 1_000_000_000}},
                                      {"beam": {"bunch_centres_ns": []}}])
def test_sterile_sizes_and_empty_lists_are_refused(override):
    from nuexp.exceptions import InvalidConfiguration
    from nuexp.experiments.registry import resolve_config

    with pytest.raises(InvalidConfiguration):
        resolve_config("jsns2-sterile", override)


def test_oscillate_energy_range_that_would_not_fit(tmp_path):
    res = _cli("oscillate", "--energy-range", "10:50:3e9", cwd=tmp_path)
    assert res.returncode == 2 and "would need about" in res.stderr
    assert "Traceback" not in res.stderr


def _juno_binning(**binning):
    """An override of juno's [[detectors]] (an array of tables is replaced as a whole)
    with ``binning`` changed."""
    import copy

    from nuexp.experiments.resolve import resolve

    detectors = copy.deepcopy(resolve("juno").data["detectors"])
    for detector in detectors:
        detector["binning"].update(binning)
    return {"detectors": detectors}


@pytest.mark.parametrize(("preset", "override", "field"), [
    ("jsns2-sterile", {"toys": {"points": [[2.0, 1.0]]}}, "toys.points"),
    ("juno", _juno_binning(n_fine=100_000_000), r"detectors\.0\.binning\.n_fine"),
    ("juno", _juno_binning(bin_width_kev=1e-9), r"detectors\.0\.binning\.bin_width_kev"),
    ("juno", {"sensitivity": {"profile_scan_points": 10**9}},
     r"sensitivity\.profile_scan_points")])
def test_unphysical_toy_point_and_huge_grid_are_refused(preset, override, field):
    """Each is refused naming its field (the juno grid override used to be refused only
    because ``binning`` is not a top-level table: the test could not fail)."""
    from nuexp.exceptions import InvalidConfiguration
    from nuexp.experiments.registry import resolve_config

    with pytest.raises(InvalidConfiguration, match=field):
        resolve_config(preset, override)
    if preset == "juno":                      # the same table with sane values is fine
        resolve_config(preset, _juno_binning(n_fine=1600))
