"""Run independent tasks in parallel (dask.distributed), serially, or resume them.

:func:`map_tasks` is the one entry point. It maps a function over a sequence of
independent tasks (grid points of a scan, batches of toys, event files) and returns the
results **in task order**, whatever the backend:

``scheduler="serial"``
    in this process, one task after the other (no dask needed);
``scheduler=None``
    a dask.distributed ``LocalCluster`` started for the call and always closed again
    (``workers`` processes, default: the core count; one thread each, because our tasks
    are Python-level loops and fits that hold the GIL);
``scheduler="tcp://host:8786"``
    connect to a running dask scheduler; an unreachable address raises
    :class:`SchedulerUnreachable` naming it after ``connect_timeout`` seconds, never hangs;
``scheduler=<distributed.Client>``
    use a client you already hold (it is left open).

Randomness: with ``seed=`` every task ``i`` receives its own ``numpy.random.Generator``
built from ``SeedSequence(seed).spawn(n)[i]``, so the numbers a task draws depend only on
the seed and its position, never on the backend, the number of workers or the order in
which tasks finish: results are bit-identical to the serial run.

Checkpointing: with ``checkpoint=FOLDER`` every finished task's result is saved as plain
data (a numeric array or JSON in ``FOLDER/task-<index>-<key>.npz``, no pickle, written
atomically). ``<key>`` is a hash of the function's name, the task, its seed and the nuexp
version, stored in the file with a SHA-256 of key and data; a rerun with the same inputs
loads what is there and computes only the rest, while a changed task, another release or
a damaged, foreign or replaced file is recomputed, never trusted.

dask is an optional dependency (``pip install 'nuexp[dask]'``); asking for a non-serial
scheduler without it raises :class:`ParallelBackendUnavailable`.

Examples
--------
>>> from nuexp.parallel import map_tasks
>>> map_tasks(pow, [(2, 3), (3, 2)], scheduler="serial", unpack=True)
[8, 9]
>>> def noisy(x, rng):
...     return x + rng.normal()
>>> a = map_tasks(noisy, [0.0, 1.0], scheduler="serial", seed=7)
>>> b = map_tasks(noisy, [0.0, 1.0], scheduler="serial", seed=7)
>>> a == b
True
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .exceptions import InvalidConfiguration, NuexpError
from .fileio import atomic_write_bytes

__all__ = [
    "map_tasks",
    "task_seeds",
    "SchedulerUnreachable",
    "ParallelBackendUnavailable",
    "default_workers",
    "LOCAL_CLUSTER_QUIET",
    "WORKER_MALLOC_ENV",
    "local_cluster",
]

#: Seconds to wait for a remote scheduler before giving up.
DEFAULT_CONNECT_TIMEOUT = 5.0


#: LocalCluster options: no dashboard, and the scheduler's small HTTP server on a free
#: local port (not 8787), so that several clusters on one machine never collide.
LOCAL_CLUSTER_QUIET: dict[str, Any] = {
    "dashboard_address": None,
    "scheduler_kwargs": {"dashboard": False, "dashboard_address": "127.0.0.1:0"},
}


#: glibc malloc settings for LocalCluster worker processes. dask's nanny exports
#: MALLOC_TRIM_THRESHOLD_ = 64 kB before it spawns a worker (``distributed.nanny.
#: pre-spawn-environ``) so that freed memory goes back to the OS at once. Setting any
#: glibc malloc threshold also switches off glibc's *dynamic* mmap threshold, so every
#: numpy temporary above 128 kB becomes an mmap/munmap pair with fresh page faults. Our
#: tasks allocate and free such temporaries in tight loops: Feldman-Cousins toys took
#: 45 % more CPU per task in workers than in a plain process (measured on 2 cores). With
#: these values (keep up to 1 GiB of freed memory, serve allocations up to 32 MiB, glibc's
#: ceiling on 64-bit, from the heap) they cost the same as in a plain process. They must
#: be in the environment before the worker process starts: glibc reads them once.
WORKER_MALLOC_ENV: dict[str, int] = {"MALLOC_TRIM_THRESHOLD_": 2**30,
                                     "MALLOC_MMAP_THRESHOLD_": 2**25}


def local_cluster(n_workers: int, *, processes: bool = True):
    """Start a quiet dask ``LocalCluster``: one thread per worker, no dashboard, and
    worker processes spawned with :data:`WORKER_MALLOC_ENV`.

    Parameters
    ----------
    n_workers : int
        Number of workers (processes, or threads with ``processes=False``).
    processes : bool
        Process workers (default) or in-process thread workers.

    Returns
    -------
    distributed.LocalCluster
        The caller closes it.
    """
    distributed = _import_distributed()
    import dask

    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", default={}),
               **WORKER_MALLOC_ENV}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        return distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=processes,
            silence_logs=logging.ERROR, **LOCAL_CLUSTER_QUIET)


class SchedulerUnreachable(NuexpError, ConnectionError):
    """A dask scheduler address could not be reached within the timeout."""


class ParallelBackendUnavailable(NuexpError, ImportError):
    """dask.distributed is needed for the requested scheduler but is not installed."""


def default_workers() -> int:
    """Number of CPU cores this process may use (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def task_seeds(seed: int | np.random.SeedSequence, n: int) -> list[np.random.SeedSequence]:
    """Independent, reproducible seed sequences for ``n`` tasks.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        Seed of the whole map.
    n : int
        Number of tasks.

    Returns
    -------
    list of numpy.random.SeedSequence
        ``SeedSequence(seed).spawn(n)``: child ``i`` depends only on ``seed`` and ``i``.
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    # spawn() on a fresh copy so that repeated calls give the same children
    root = np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key,
                                  pool_size=root.pool_size)
    return root.spawn(n)


# --------------------------------------------------------------------------- task running
class _Runner:
    """Picklable wrapper that calls ``func`` on a chunk of ``(index, task, seedseq)``."""

    def __init__(self, func: Callable[..., Any], unpack: bool, seeded: bool) -> None:
        self.func = func
        self.unpack = unpack
        self.seeded = seeded

    def one(self, task: Any, seedseq: np.random.SeedSequence | None) -> Any:
        args = tuple(task) if self.unpack else (task,)
        if self.seeded:
            args = (*args, np.random.default_rng(seedseq))
        return self.func(*args)

    def __call__(self, chunk: list[tuple[int, Any, Any]]) -> list[tuple[int, Any]]:
        out = []
        for index, task, seedseq in chunk:
            try:
                out.append((index, self.one(task, seedseq)))
            except Exception as err:
                err.add_note(f"nuexp.parallel: raised by task {index} ({_short(task)})")
                raise
        return out


def _short(task: Any, limit: int = 80) -> str:
    text = repr(task)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _func_name(func: Callable[..., Any]) -> str:
    module = getattr(func, "__module__", "") or ""
    name = getattr(func, "__qualname__", None) or type(func).__qualname__
    return f"{module}.{name}"


def _task_key(func: Callable[..., Any], task: Any, seedseq: Any) -> str:
    """Hash of the function, the task (its configuration), its seed and the nuexp
    version: a checkpoint of another configuration, seed or release is never reused.
    (``pickle.dumps`` only serialises the task for hashing; nothing is ever unpickled.)"""
    from . import __version__

    digest = hashlib.sha256()
    digest.update(f"{_func_name(func)}|nuexp {__version__}".encode())
    try:
        digest.update(pickle.dumps(task, protocol=4))
    except Exception as err:
        raise InvalidConfiguration(
            f"checkpointing needs picklable tasks; task {_short(task)} is not: {err}"
        ) from None
    if seedseq is not None:
        digest.update(repr((seedseq.entropy, seedseq.spawn_key)).encode())
    return digest.hexdigest()[:20]


def _encode(result: Any) -> tuple[str, np.ndarray]:
    """A result as plain data: a numeric array, or JSON text (as bytes)."""
    if not isinstance(result, (dict, str)):
        try:
            array = np.asarray(result)
        except (ValueError, TypeError):
            array = None
        if array is not None and array.dtype.kind in "biufc":
            kind = "scalar" if np.isscalar(result) or array.ndim == 0 else (
                "list" if isinstance(result, (list, tuple)) else "array")
            return kind, array
    try:
        text = json.dumps(result, allow_nan=True)
    except TypeError:
        raise InvalidConfiguration(
            f"checkpointing stores numbers, arrays and JSON data; a task returned "
            f"{type(result).__name__}") from None
    return "json", np.frombuffer(text.encode(), dtype=np.uint8)


def _decode(kind: str, data: np.ndarray) -> Any:
    if kind == "json":
        return json.loads(data.tobytes().decode())
    if kind == "scalar":
        return data.item()
    return data.tolist() if kind == "list" else data


def _digest(key: str, kind: str, data: np.ndarray) -> str:
    h = hashlib.sha256(f"{key}|{kind}|{data.dtype.str}|{data.shape}".encode())
    h.update(np.ascontiguousarray(data).tobytes())
    return h.hexdigest()


class _Checkpoint:
    """A folder of finished task results, one ``.npz`` file per task: plain data (no
    pickle, read with ``allow_pickle=False``), holding its key (function, task, seed,
    nuexp version) and a SHA-256 of key and data, both checked on load; a damaged,
    foreign or replaced file is deleted and its task recomputed, never trusted."""

    def __init__(self, folder: str | Path, keys: list[str]) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InvalidConfiguration(
                f"checkpoint folder {str(self.folder)!r} cannot be created "
                f"({err.strerror}); give a folder path (checkpoint_dir)") from None
        self.keys = keys

    def path(self, index: int) -> Path:
        return self.folder / f"task-{index:07d}-{self.keys[index]}.npz"

    def load(self) -> dict[int, Any]:
        done: dict[int, Any] = {}
        for index in range(len(self.keys)):
            path = self.path(index)
            if not path.is_file():
                continue
            try:
                with np.load(path, allow_pickle=False) as stored:
                    key, kind = str(stored["key"]), str(stored["kind"])
                    data, digest = stored["data"], str(stored["digest"])
                if key == self.keys[index] and digest == _digest(key, kind, data):
                    done[index] = _decode(kind, data)
                    continue
            except Exception:
                pass
            path.unlink(missing_ok=True)
        return done

    def save(self, index: int, result: Any) -> None:
        key = self.keys[index]
        kind, data = _encode(result)
        buffer = io.BytesIO()
        np.savez(buffer, key=np.array(key), kind=np.array(kind), data=data,
                 digest=np.array(_digest(key, kind, data)))
        atomic_write_bytes(self.path(index), buffer.getvalue())


# --------------------------------------------------------------------------- progress
class _Progress:
    def __init__(self, enabled: bool, description: str, total: int, done: int) -> None:
        self.bar = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                            console=Console(file=sys.stderr), transient=True)
        self.bar.start()
        self.task = self.bar.add_task(description, total=total, completed=done)

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


# --------------------------------------------------------------------------- dask backend
def _import_distributed():
    try:
        import distributed
    except ImportError as err:
        raise ParallelBackendUnavailable(
            "scheduler other than 'serial' needs dask.distributed, which is not installed: "
            "pip install 'nuexp[dask]' (or pass scheduler='serial')"
        ) from err
    return distributed


def _open_client(scheduler: Any, workers: int | None, processes: bool,
                 connect_timeout: float):
    """Return ``(client, cluster_or_None, owned)``."""
    distributed = _import_distributed()
    if isinstance(scheduler, distributed.Client):
        return scheduler, None, False
    if scheduler is None:
        cluster = local_cluster(workers or default_workers(), processes=processes)
        try:
            client = distributed.Client(cluster, set_as_default=False)
        except BaseException:
            cluster.close()
            raise
        return client, cluster, True
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise InvalidConfiguration(
            f"field 'scheduler' = {scheduler!r}: must be 'serial', None (LocalCluster), "
            "a dask scheduler address such as 'tcp://host:8786', or a distributed.Client"
        )
    try:
        client = distributed.Client(scheduler, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise SchedulerUnreachable(
            f"dask scheduler at {scheduler!r} is unreachable (waited {connect_timeout:g} s): "
            f"{err}. Start one with 'dask scheduler' + 'dask worker ADDRESS', or run with "
            "--scheduler serial"
        ) from None
    return client, None, True


def _run_dask(runner: _Runner, chunks: list[list[tuple[int, Any, Any]]], client,
              on_done: Callable[[list[tuple[int, Any]]], None]) -> None:
    distributed = _import_distributed()
    futures = client.map(runner, chunks, pure=False)
    try:
        for future in distributed.as_completed(futures, loop=client.loop):
            on_done(future.result())
    except BaseException:
        client.cancel(futures)
        raise


# --------------------------------------------------------------------------- public API
def map_tasks(
    func: Callable[..., Any],
    tasks: Sequence[Any],
    *,
    scheduler: Any = None,
    workers: int | None = None,
    seed: int | np.random.SeedSequence | None = None,
    unpack: bool = False,
    progress: bool = False,
    description: str = "tasks",
    checkpoint: str | Path | None = None,
    chunk_size: int | None = None,
    processes: bool = True,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> list[Any]:
    """Apply ``func`` to every task and return the results in task order.

    Parameters
    ----------
    func : callable
        ``func(task)`` (or ``func(*task)`` with ``unpack=True``); with ``seed`` it gets a
        ``numpy.random.Generator`` as last argument. For process workers it must be
        picklable (a module-level function or a picklable object).
    tasks : sequence
        Independent tasks; must be picklable for dask and for ``checkpoint``.
    scheduler : {"serial", None, str, distributed.Client}
        Where to run (see the module docstring). ``None`` starts a ``LocalCluster``.
    workers : int, optional
        Workers of the LocalCluster (default: the number of usable cores). Ignored for
        other schedulers.
    seed : int or numpy.random.SeedSequence, optional
        Root seed; task ``i`` draws from ``default_rng(SeedSequence(seed).spawn(n)[i])``.
    unpack : bool
        Call ``func(*task)`` instead of ``func(task)``.
    progress : bool
        Show a rich progress bar on standard error.
    description : str
        Label of the progress bar.
    checkpoint : path, optional
        Folder where finished results are saved (atomically) and reloaded on a rerun.
    chunk_size : int, optional
        Tasks sent to a worker at a time (default: about 4 chunks per worker, so that tiny
        tasks do not drown in scheduling overhead). Does not change the results.
    processes : bool
        LocalCluster workers are processes (default) or threads of this process.
    connect_timeout : float
        Seconds to wait for a remote scheduler (> 0).

    Returns
    -------
    list
        ``[func(tasks[0]), func(tasks[1]), ...]``.

    Raises
    ------
    SchedulerUnreachable
        The scheduler address did not answer within ``connect_timeout``.
    ParallelBackendUnavailable
        dask.distributed is missing and a non-serial scheduler was asked for.
    InvalidConfiguration
        Bad ``workers``, ``chunk_size``, ``connect_timeout`` or ``scheduler``.
    Exception
        The first exception raised by a task, re-raised with a note naming the task.
        Tasks already finished stay in ``checkpoint``.
    """
    tasks = list(tasks)
    n = len(tasks)
    if workers is not None and (int(workers) != workers or workers < 1):
        raise InvalidConfiguration(f"field 'workers' = {workers!r}: must be an integer >= 1")
    if chunk_size is not None and (int(chunk_size) != chunk_size or chunk_size < 1):
        raise InvalidConfiguration(
            f"field 'chunk_size' = {chunk_size!r}: must be an integer >= 1")
    if not (connect_timeout > 0 and math.isfinite(connect_timeout)):
        raise InvalidConfiguration(
            f"field 'connect_timeout' = {connect_timeout!r}: must be a finite number > 0 s")
    if n == 0:
        return []

    seeds: list[Any] = task_seeds(seed, n) if seed is not None else [None] * n
    runner = _Runner(func, unpack=unpack, seeded=seed is not None)
    results: list[Any] = [None] * n
    done = np.zeros(n, dtype=bool)

    store = None
    if checkpoint is not None:
        store = _Checkpoint(checkpoint, [_task_key(func, t, s) for t, s in zip(tasks, seeds)])
        for index, value in store.load().items():
            results[index] = value
            done[index] = True

    todo = [(i, tasks[i], seeds[i]) for i in range(n) if not done[i]]
    bar = _Progress(progress, description, n, int(done.sum()))

    def on_done(chunk_results: list[tuple[int, Any]]) -> None:
        for index, value in chunk_results:
            results[index] = value
            done[index] = True
            if store is not None:
                store.save(index, value)
        bar.advance(len(chunk_results))

    try:
        if not todo:
            return results
        if scheduler == "serial":
            for item in todo:
                on_done(runner([item]))
            return results
        client, cluster, owned = _open_client(scheduler, workers, processes, connect_timeout)
        try:
            n_workers = max(1, len(client.scheduler_info().get("workers", {})) or
                            (workers or default_workers()))
            size = chunk_size or max(1, math.ceil(len(todo) / (4 * n_workers)))
            chunks = [todo[k:k + size] for k in range(0, len(todo), size)]
            _run_dask(runner, chunks, client, on_done)
        finally:
            if owned:
                client.close()
            if cluster is not None:
                cluster.close()
        return results
    finally:
        bar.close()
