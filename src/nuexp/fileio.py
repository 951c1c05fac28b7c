"""Safe file output: atomic writes, output folders nuexp owns, and cleanup on signals.

This is a foundation module (like :mod:`nuexp.config`): every stage that writes files
(the event simulator, checkpoints, the report) uses it, so it imports nothing of nuexp
but the exceptions.

Rules
-----
* **Atomic files**: :func:`atomic_write_bytes` writes a temporary file beside the target
  and renames it, so a reader sees the old file or the new one, never a partial one. The
  file gets the permissions of a normal file (``0666 & ~umask``, 0644 by default), not
  the 0600 of a temporary file.
* **Output folders nuexp owns**: a run folder holds the marker file :data:`MARKER`.
  :func:`staged_output` (or :func:`prepare_output` + :func:`commit_output`) writes into
  a hidden staging folder beside the target and renames it into place at the end.
  The target may be missing (it is created), an empty folder, or a folder holding the
  marker (a previous nuexp run, replaced in one rename). The marker lists every file and
  folder the run wrote, so a file added to a run folder afterwards (the user's notes)
  makes the folder foreign again. Anything else — a folder with
  other files, a file, a device, a symbolic link, ``.``, ``""``, the current folder or
  one of its parents — is refused with :class:`OutputRefused` before anything is
  written, and nothing is touched.
* **Signals and dead processes**: staging and temporary folders carry the host name and
  the process id. :func:`install_signal_handlers` makes SIGTERM (what ``timeout``, SLURM
  and container stops send) raise :class:`Terminated`, a :class:`KeyboardInterrupt`, so
  it unwinds and cleans up exactly like Ctrl-C; a later run removes the staging folders
  of processes on this host that no longer exist (after SIGKILL or a power cut). A
  signal arriving inside numba's compiler is delivered again once the compiler has
  returned (an exception raised there is lost or crashes LLVM). The handlers also
  record the signal, and :func:`commit_output` refuses to put a run in
  place once one was received: an interruption that Python swallowed (one raised inside
  a ``__del__`` method or a callback is only printed) still never yields an output.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from .exceptions import OutputRefused

__all__ = [
    "MARKER",
    "Terminated",
    "atomic_write_bytes",
    "atomic_write_text",
    "file_mode",
    "check_output",
    "check_collection_output",
    "prepare_output",
    "commit_output",
    "discard_output",
    "staged_output",
    "temporary_folder",
    "remove_stale",
    "install_signal_handlers",
    "received_signal",
]

#: File written into every folder nuexp creates as a run output; only a folder holding
#: it (or an empty one) is ever replaced.
MARKER = ".nuexp-run"
_MARKER_TEXT = "written by nuexp; this folder may be replaced by the next run with the same " \
    "output folder\n"
#: Line of the marker after which the paths the run wrote follow, one per line.
_LISTING = "# written by this run (any other file keeps nuexp from replacing the folder):\n"
_umask_lock = threading.Lock()
#: Signals received since :func:`install_signal_handlers` (numbers, in order).
_received: list[int] = []


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM (see
    :func:`install_signal_handlers`); a :class:`KeyboardInterrupt`, so every cleanup
    path of Ctrl-C runs."""


def _umask() -> int:
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    """Permissions of a new regular file under the current umask (0644 by default)."""
    return 0o666 & ~_umask()


def _host() -> str:
    return "".join(c if c.isalnum() else "_" for c in socket.gethostname())[:40] or "host"


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never
    a partial one; the file's mode follows the umask (0644 by default)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Text version of :func:`atomic_write_bytes` (UTF-8)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _tree(folder: Path) -> set[str]:
    """Relative POSIX paths of every file and folder below ``folder`` (links not
    followed)."""
    found: set[str] = set()
    for root, dirs, files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        found.update((rel / name).as_posix() for name in (*dirs, *files))
    return found


def _foreign(folder: Path) -> list[str]:
    """Paths below a run folder that its marker does not list (none for a marker of a
    nuexp version that wrote no listing)."""
    text = (folder / MARKER).read_text(encoding="utf-8", errors="replace")
    if _LISTING not in text:
        return []
    listed = set(text.split(_LISTING, 1)[1].splitlines())
    return sorted(_tree(folder) - listed - {MARKER})


def _refuse(out: object, why: str) -> OutputRefused:
    return OutputRefused(
        f"output folder {str(out)!r}: {why}; nothing was written. Give --out (out=) a new "
        f"folder name, or a folder of an earlier nuexp run (it holds {MARKER})")


def _refuse_foreign(out: object, foreign: list[str]) -> OutputRefused:
    shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
    return _refuse(out, f"holds files nuexp did not write ({shown})")


def _new_or_folder(out: str | Path) -> tuple[Path, bool]:
    """``out`` as a :class:`Path`, and whether it exists; refused unless it is a new
    name or a real folder (not empty, ``.``, the current folder or one of its parents, a
    symbolic link, a file or a device)."""
    if not str(out).strip():
        raise _refuse(out, "is empty")
    path = Path(out)
    if path.name in ("", ".", ".."):
        raise _refuse(out, "names the current or a parent folder, not a new folder")
    try:
        cwd = Path.cwd().resolve()
        if path.resolve() in (cwd, *cwd.parents):
            raise _refuse(out, "is the current folder or one of its parents")
        info = path.lstat()
    except FileNotFoundError:
        return path, False
    except OSError as err:
        raise _refuse(out, f"cannot be examined ({err.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise _refuse(out, "is a symbolic link")
    if not stat.S_ISDIR(info.st_mode):
        raise _refuse(out, "exists and is not a folder")
    return path, True


def check_output(out: str | Path) -> Path:
    """Check that ``out`` may receive a run's output; return it as a :class:`Path`.

    Raises
    ------
    OutputRefused
        ``out`` is empty, ``.``, the current folder or one of its parents, a symbolic
        link, an existing file or device, a folder holding files nuexp did not write
        (no :data:`MARKER`), or its parent folder cannot be created or written.
    """
    path, exists = _new_or_folder(out)
    if exists:
        try:
            entries = {p.name for p in path.iterdir()}
            foreign = sorted(entries) if MARKER not in entries else _foreign(path)
        except OSError as err:
            raise _refuse(out, f"cannot be listed ({err.strerror})") from None
        if foreign:
            raise _refuse_foreign(out, foreign)
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _refuse(out, f"its parent folder cannot be created ({err.strerror})") from None
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise _refuse(out, f"its parent folder {str(parent)!r} is not writable")
    return path


def check_collection_output(out: str | Path, allowed: set[str]) -> Path:
    """Check the folder of a collection of runs (``nuexp run all``): one run folder per
    name of ``allowed``, each checked by its own run with :func:`check_output`.

    Parameters
    ----------
    out : str or Path
        The folder; it may be absent or empty.
    allowed : set of str
        Entry names nuexp writes there (the run folders, the collection's own pages).
        Folders of other nuexp runs (holding :data:`MARKER`, e.g. a user's own experiment
        run into the same default folder) and the hidden staging and aside folders nuexp
        leaves beside a run folder are allowed too; the collection never writes to them.

    Raises
    ------
    OutputRefused
        ``out`` is empty, the current folder or one of its parents, a symbolic link, a
        file or device, or a folder holding anything else, which is then left untouched.
    """
    path, exists = _new_or_folder(out)
    if not exists:
        return path
    ours = re.compile(r"\..+\.nuexp-(?:staging|old)-")
    try:
        foreign = sorted(p.name for p in path.iterdir()
                         if p.name not in allowed and not ours.match(p.name)
                         and not (p.is_dir() and not p.is_symlink() and (p / MARKER).is_file()))
    except OSError as err:
        raise _refuse(out, f"cannot be listed ({err.strerror})") from None
    if foreign:
        raise _refuse_foreign(out, foreign)
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # exists, owned by someone else
        return True
    return True


def remove_stale(folder: str | Path) -> list[Path]:
    """Remove nuexp staging, aside and temporary folders in ``folder`` left by processes
    of this host that no longer run (checked by PID); return what was removed.

    Only folders of this user whose names nuexp gives (``.NAME.nuexp-staging-HOST-PID-*``,
    ``.NAME.nuexp-old-HOST-PID-*``, ``nuexp-tmp-LABEL-HOST-PID-*``) are considered.
    """
    pattern = re.compile(rf"nuexp-(?:staging|old|tmp-.+)-{re.escape(_host())}-(\d+)-[^-]+$")
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = pattern.search(entry.name)
        if match is None or _pid_alive(int(match.group(1))):
            continue
        try:
            info = entry.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def prepare_output(out: str | Path) -> Path:
    """Check ``out`` (:func:`check_output`), remove stale staging folders beside it, and
    create the hidden staging folder (holding :data:`MARKER`) to write the run into.

    Returns
    -------
    Path
        The staging folder; pass it to :func:`commit_output` or :func:`discard_output`.
    """
    path = check_output(out)
    remove_stale(path.parent)
    try:
        staging = Path(tempfile.mkdtemp(
            prefix=f".{path.name}.nuexp-staging-{_host()}-{os.getpid()}-", dir=path.parent))
    except OSError as err:
        raise _refuse(out, f"no folder can be created beside it ({err.strerror})") from None
    try:
        os.chmod(staging, 0o777 & ~_umask())
        atomic_write_text(staging / MARKER, _MARKER_TEXT)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def commit_output(staging: str | Path, out: str | Path) -> Path:
    """Move the finished ``staging`` folder to ``out``, replacing a previous nuexp run.

    ``out`` is checked again (it may have changed while the run worked); the previous
    run is renamed aside first and removed only once the new one is in place, so an
    interruption leaves the complete old or the complete new output.
    """
    staging = Path(staging)
    if _received:                         # an interruption the run did not stop for
        discard_output(staging)
        raise Terminated(f"interrupted by {signal.Signals(_received[0]).name}; the run "
                         "was not put in place")
    try:
        path = check_output(out)
        written = sorted(_tree(staging) - {MARKER})
        atomic_write_text(staging / MARKER, _MARKER_TEXT + _LISTING + "".join(
            f"{name}\n" for name in written))
    except OutputRefused:
        discard_output(staging)
        raise
    aside = None
    if path.exists():
        aside = path.with_name(f".{path.name}.nuexp-old-{_host()}-{os.getpid()}-"
                               f"{staging.name.rsplit('-', 1)[-1]}")
        os.replace(path, aside)
    try:
        os.replace(staging, path)
    except BaseException:
        if aside is not None:
            os.replace(aside, path)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    return path


def discard_output(staging: str | Path | None) -> None:
    """Remove a staging folder (after an error or an interruption)."""
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def staged_output(out: str | Path) -> Iterator[Path]:
    """``with staged_output(out) as staging:`` write into ``staging``; on success the
    folder becomes ``out`` (:func:`commit_output`), on any error or interruption it is
    removed and ``out`` is left as it was."""
    staging = prepare_output(out)
    try:
        yield staging
        commit_output(staging, out)
    except BaseException:
        discard_output(staging)
        raise


@contextlib.contextmanager
def temporary_folder(label: str, dir: str | Path | None = None) -> Iterator[Path]:
    """A temporary folder (in ``dir`` or the system's temporary folder) removed on exit,
    SIGTERM included; one left by a killed process is removed by the next call."""
    parent = Path(dir) if dir is not None else Path(tempfile.gettempdir())
    remove_stale(parent)
    folder = Path(tempfile.mkdtemp(prefix=f"nuexp-tmp-{label}-{_host()}-{os.getpid()}-",
                                   dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


#: Modules inside which a signal handler must not raise: an exception raised in numba's
#: compiler or in llvmlite's ctypes callbacks is swallowed or leaves LLVM in a state that
#: crashes the process (seen with SIGTERM during a first JIT compilation).
_DEFER_IN = ("numba", "llvmlite")
#: Delay before a deferred signal is delivered again (s).
_RETRY_S = 0.05


def _in_compiler(frame: FrameType | None) -> bool:
    while frame is not None:
        if str(frame.f_globals.get("__name__", "")).startswith(_DEFER_IN):
            return True
        frame = frame.f_back
    return False


def _interrupt(signum: int, frame: FrameType | None, error: KeyboardInterrupt) -> None:
    if signum not in _received:
        _received.append(signum)
    if _in_compiler(frame):         # come back once the compiler has returned
        timer = threading.Timer(_RETRY_S, os.kill, (os.getpid(), signum))
        timer.daemon = True
        timer.start()
        return
    raise error


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    _interrupt(signum, frame, Terminated(f"terminated by signal "
                                         f"{signal.Signals(signum).name}"))


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _interrupt(signum, frame, KeyboardInterrupt())


def received_signal() -> int | None:
    """The first signal (SIGTERM or SIGINT) received since
    :func:`install_signal_handlers`, or None; the CLI exits with 128 + its number."""
    return _received[0] if _received else None


def install_signal_handlers() -> None:
    """Make SIGTERM raise :class:`Terminated` (and SIGINT :class:`KeyboardInterrupt`, as
    always) in the main thread, so staging folders and temporary datasets are cleaned up
    as for Ctrl-C; both are recorded (:func:`received_signal`). Called by the CLI; a
    program that embeds nuexp decides for itself."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
        signal.signal(signal.SIGINT, _on_sigint)
