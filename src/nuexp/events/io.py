"""Columnar I/O of triggered events: Parquet (pyarrow, row groups) and ROOT TTrees (uproot).

Writing is atomic: :class:`EventWriter` writes to a temporary file beside the target and
renames it only when closed without error, so an interrupted job leaves the complete
file or none. Reading streams fixed-size chunks (:func:`iter_chunks`) from one file or a
directory of files, checks the schema (:mod:`nuexp.events.schema`) and the time order,
and turns every low-level failure (corrupt or truncated file, missing column, wrong
version, rows out of order) into :class:`~nuexp.exceptions.SchemaMismatch` naming the
file and the column.

Examples
--------
>>> import tempfile, pathlib
>>> from nuexp.events.schema import EventChunk
>>> from nuexp.events.io import EventWriter, iter_chunks
>>> path = pathlib.Path(tempfile.mkdtemp()) / "empty.parquet"
>>> with EventWriter(path) as writer:
...     writer.write(EventChunk.empty())
>>> sum(len(c) for c in iter_chunks(path))
0
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hepunits import us

from ..exceptions import DataNotAvailable, SchemaMismatch
from .fused import order_violation
from .schema import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    SCHEMA_VERSION,
    VERSION_KEY,
    EventChunk,
    arrow_schema,
    check_columns,
    check_version,
)

__all__ = [
    "EventWriter",
    "write_events",
    "write_root",
    "event_files",
    "iter_chunks",
    "iter_file_chunks",
    "iter_file_columns",
    "OrderChecker",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_ROW_GROUP_SIZE",
]

#: Rows per chunk handed to the analysis (≈ 100 MB as float64 EventChunk columns; the
#: pipeline reads files in smaller pieces but keeps the blocks this size defines).
DEFAULT_CHUNK_SIZE = 1_000_000
#: Rows per Parquet row group.
DEFAULT_ROW_GROUP_SIZE = 500_000
_SUFFIXES = (".parquet", ".root")
_DICTIONARY_COLUMNS = ("run", "trigger", "period", "truth")


class EventWriter:
    """Write event chunks to a Parquet file in row groups, atomically.

    Parameters
    ----------
    path : path
        Target file (``.parquet``); its folder is created.
    row_group_size : int
        Rows per row group.
    with_truth : bool
        Keep the optional ``truth`` column (simulation).
    compression : str
        Parquet codec.

    Use as a context manager; the file appears only when the block ends without error.
    """

    def __init__(self, path: str | Path, row_group_size: int = DEFAULT_ROW_GROUP_SIZE,
                 with_truth: bool = True, compression: str = "lz4") -> None:
        if row_group_size < 1:
            raise ValueError(f"row_group_size = {row_group_size}: must be >= 1")
        self.path = Path(path)
        self.row_group_size = int(row_group_size)
        self.schema = arrow_schema(with_truth)
        self.rows = 0
        self._buffer: list[EventChunk] = []
        self._buffered = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                   dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(tmp)
        # dictionary encoding only where values repeat (floats would just pay for trying)
        self._writer = pq.ParquetWriter(self._tmp, self.schema, compression=compression,
                                        use_dictionary=[c for c in _DICTIONARY_COLUMNS
                                                        if c in self.schema.names])

    def write(self, chunk: EventChunk) -> None:
        """Append rows (buffered until a row group is full)."""
        if len(chunk):
            self._buffer.append(chunk)
            self._buffered += len(chunk)
        while self._buffered >= self.row_group_size:
            merged = EventChunk.concatenate(self._buffer)
            self._flush(merged.take(slice(0, self.row_group_size)))
            rest = merged.take(slice(self.row_group_size, None))
            self._buffer, self._buffered = ([rest], len(rest)) if len(rest) else ([], 0)

    def _flush(self, chunk: EventChunk) -> None:
        columns = chunk.to_columns()
        arrays = [pa.array(columns[f.name]) for f in self.schema]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema),
                                 row_group_size=self.row_group_size)
        self.rows += len(chunk)

    def close(self) -> Path:
        """Flush, close and move the file into place."""
        if self._buffered:
            self._flush(EventChunk.concatenate(self._buffer))
            self._buffer, self._buffered = [], 0
        self._writer.close()
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Discard everything written so far."""
        try:
            self._writer.close()
        finally:
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_events(path: str | Path, chunks, row_group_size: int = DEFAULT_ROW_GROUP_SIZE,
                 with_truth: bool = True) -> Path:
    """Write an iterable of :class:`EventChunk` (or one chunk) to a Parquet file."""
    if isinstance(chunks, EventChunk):
        chunks = [chunks]
    with EventWriter(path, row_group_size, with_truth) as writer:
        for chunk in chunks:
            writer.write(chunk)
    return Path(path)


def write_root(path: str | Path, chunk: EventChunk, tree: str = "events",
               with_truth: bool = True) -> Path:
    """Write events to a ROOT file (TTree ``tree`` + the schema version as a TObjString),
    atomically. Needs ``uproot`` (``pip install 'nuexp[root]'``)."""
    uproot = _import_uproot()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        columns = chunk.to_columns()
        if not with_truth:
            for name in OPTIONAL_COLUMNS:
                columns.pop(name)
        with uproot.recreate(tmp) as handle:
            handle[VERSION_KEY] = str(SCHEMA_VERSION)
            handle.mktree(tree, {name: values.dtype for name, values in columns.items()})
            handle[tree].extend(columns)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _import_uproot():
    try:
        import uproot
    except ImportError:  # pragma: no cover - uproot is in the test extra
        raise DataNotAvailable("reading ROOT files needs uproot: pip install 'nuexp[root]'") \
            from None
    return uproot


def event_files(source: str | Path) -> list[Path]:
    """The event files of ``source``: the file itself, or the ``.parquet``/``.root`` files
    of a directory in name order (hidden temporary files are skipped)."""
    source = Path(source)
    if source.is_dir():
        files = sorted(p for p in source.iterdir()
                       if p.suffix in _SUFFIXES and not p.name.startswith("."))
        if not files:
            raise DataNotAvailable(f"{source}: no .parquet or .root event files")
        return files
    if not source.exists():
        raise DataNotAvailable(f"{source}: no such event file or directory")
    if source.suffix not in _SUFFIXES:
        raise SchemaMismatch(f"{source}: unknown event-file type {source.suffix!r}; "
                             f"expected one of {', '.join(_SUFFIXES)}")
    return [source]


class OrderChecker:
    """Checks that rows come in time order, (run, spill, time) non-decreasing, across
    consecutive chunks of one stream."""

    def __init__(self) -> None:
        self._last: tuple[int, int, float] | None = None
        self.rows = 0

    def check(self, chunk: EventChunk, source: str) -> None:
        """Raise :class:`SchemaMismatch` naming ``source``, the column and the row."""
        self.check_arrays(chunk.run, chunk.spill, chunk.time, 1.0, source)

    def check_arrays(self, run: np.ndarray, spill: np.ndarray, time: np.ndarray,
                     time_unit: float, source: str) -> None:
        """The same check on bare columns; ``time * time_unit`` is the hepunits time.

        One numba pass (:func:`nuexp.events.fused.order_violation`); only when it finds a
        violation are the column and row worked out with numpy for the message.
        """
        n = run.shape[0]
        if n == 0:
            return
        last = self._last
        row, _ = order_violation(run, spill, time, float(time_unit), last is not None,
                                 *(last if last is not None else (0, 0, 0.0)))
        if row >= 0:
            self._raise(run, spill, np.asarray(time, dtype=np.float64) * time_unit, source)
        self._last = (int(run[-1]), int(spill[-1]), float(time[-1]) * time_unit)
        self.rows += n

    def _raise(self, run, spill, time, source: str) -> None:
        if self._last is not None:
            run = np.concatenate(([self._last[0]], run))
            spill = np.concatenate(([self._last[1]], spill))
            time = np.concatenate(([self._last[2]], time))
            offset = self.rows - 1
        else:
            offset = 0
        d_run = np.diff(run)
        d_spill = np.diff(spill)
        d_time = np.diff(time)
        for column, bad in (
            ("run", d_run < 0),
            ("spill", (d_run == 0) & (d_spill < 0)),
            ("time_us", (d_run == 0) & (d_spill == 0) & (d_time < 0)),
        ):
            if bad.any():
                row = offset + int(np.argmax(bad)) + 1
                raise SchemaMismatch(
                    f"{source}: events out of time order at row {row}, column {column!r} "
                    f"decreases; rows must be sorted by (run, spill, time_us)")
        raise AssertionError("order_violation and the numpy check disagree")  # pragma: no cover


def _parquet_batches(path: Path, batch_size: int, threads: bool = True
                     ) -> Iterator[dict[str, np.ndarray]]:
    source = str(path)
    try:
        # memory-mapped: the decoder reads the pages in place (no copy into read buffers)
        handle = pq.ParquetFile(path, memory_map=True)
        schema = handle.schema_arrow
    except (pa.ArrowException, OSError) as err:
        raise SchemaMismatch(f"{source}: not a readable Parquet file (corrupt or "
                             f"truncated?): {err}") from None
    metadata = schema.metadata or {}
    check_version(metadata.get(VERSION_KEY.encode()), source)
    # numpy dtype of each numeric column (to_pandas_dtype() needs pandas before pyarrow 25)
    types = {f.name: pa.array([], type=f.type).to_numpy(zero_copy_only=False).dtype
             for f in schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)}
    for f in schema:
        if f.name in COLUMNS and f.name not in types:
            raise SchemaMismatch(f"{source}: column {f.name!r} has type {f.type}; "
                                 f"expected {COLUMNS[f.name][0]}")
    has_truth = check_columns(types, source)
    names = [c for c in COLUMNS if has_truth or c not in OPTIONAL_COLUMNS]
    try:
        for batch in handle.iter_batches(batch_size=batch_size, columns=names,
                                         use_threads=threads):
            columns = {}
            for name in names:
                array = batch.column(name)
                if array.null_count:
                    raise SchemaMismatch(f"{source}: column {name!r} has missing values")
                # no nulls, primitive type: a read-only view of the Arrow buffer
                columns[name] = array.to_numpy(zero_copy_only=False)
            yield columns
    except (pa.ArrowException, OSError) as err:
        raise SchemaMismatch(f"{source}: corrupt or truncated Parquet data: {err}") from None


def _root_batches(path: Path, batch_size: int, tree: str
                  ) -> Iterator[dict[str, np.ndarray]]:
    uproot = _import_uproot()
    source = str(path)
    try:
        handle = uproot.open(path)
    except Exception as err:  # uproot raises several types for damaged files
        raise SchemaMismatch(f"{source}: not a readable ROOT file (corrupt or "
                             f"truncated?): {err}") from None
    with handle:
        try:
            version = handle[VERSION_KEY] if VERSION_KEY in handle else None
            events = handle[tree]
        except KeyError:
            raise SchemaMismatch(f"{source}: no TTree {tree!r}") from None
        except Exception as err:
            raise SchemaMismatch(f"{source}: corrupt or truncated ROOT file: {err}") \
                from None
        check_version(version, source)
        if not hasattr(events, "iterate") or not hasattr(events, "branches"):
            raise SchemaMismatch(f"{source}: {tree!r} is not a TTree")
        types = {branch.name: np.dtype(branch.interpretation.to_dtype)
                 for branch in events.branches
                 if hasattr(branch.interpretation, "to_dtype")}
        has_truth = check_columns(types, source)
        names = [c for c in COLUMNS if has_truth or c not in OPTIONAL_COLUMNS]
        try:
            for arrays in events.iterate(names, step_size=batch_size, library="np"):
                # ROOT stores big-endian: native byte order for the numba kernels
                yield {name: np.asarray(arrays[name], dtype=COLUMNS[name][0])
                       for name in names}
        except SchemaMismatch:
            raise
        except Exception as err:
            raise SchemaMismatch(f"{source}: corrupt or truncated ROOT data: {err}") \
                from None


def iter_file_columns(path: str | Path, chunk_size: int = DEFAULT_CHUNK_SIZE,
                      tree: str = "events", threads: bool = True
                      ) -> Iterator[dict[str, np.ndarray]]:
    """Stream one file's columns as stored (file units: µs, cm, ...; schema dtypes, native
    byte order) in chunks of at most ``chunk_size`` rows, time order checked.

    Parquet columns are zero-copy, read-only views of the Arrow buffers: nothing is
    converted, so this is the fast path of :func:`nuexp.events.pipeline.process_file`.
    ``truth`` is absent when the file has no truth column. ``threads=False`` decodes the
    Parquet columns in this thread only (≈ 10 % less CPU, more wall time): for workers
    that already fill every core.
    """
    path = Path(path)
    checker = OrderChecker()
    batches = (_root_batches(path, chunk_size, tree) if path.suffix == ".root"
               else _parquet_batches(path, chunk_size, threads))
    for columns in batches:
        checker.check_arrays(columns["run"], columns["spill"], columns["time_us"], us,
                             str(path))
        yield columns


def iter_file_chunks(path: str | Path, chunk_size: int = DEFAULT_CHUNK_SIZE,
                     tree: str = "events") -> Iterator[EventChunk]:
    """Stream one file's events in chunks of at most ``chunk_size`` rows (time order
    checked), converted to :class:`EventChunk` (hepunits, float64)."""
    for columns in iter_file_columns(path, chunk_size, tree):
        yield EventChunk.from_columns(columns)


def iter_chunks(source: str | Path, chunk_size: int = DEFAULT_CHUNK_SIZE,
                tree: str = "events") -> Iterator[EventChunk]:
    """Stream events from a file or a directory of files in chunks of exactly
    ``chunk_size`` rows (the last one shorter).

    Parameters
    ----------
    source : path
        A ``.parquet`` or ``.root`` file, or a directory of them (name order).
    chunk_size : int
        Rows per chunk; memory stays flat whatever the dataset size.
    tree : str
        TTree name in ROOT files.

    Raises
    ------
    SchemaMismatch
        Corrupt/truncated file, missing column, wrong type or schema version, or rows out
        of (run, spill, time) order — naming the file and the column.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size = {chunk_size}: must be >= 1")
    pending: list[EventChunk] = []
    count = 0
    checker = OrderChecker()
    for path in event_files(source):
        for chunk in iter_file_chunks(path, chunk_size, tree):
            checker.check(chunk, str(path))
            pending.append(chunk)
            count += len(chunk)
            while count >= chunk_size:
                merged = EventChunk.concatenate(pending)
                yield merged.take(slice(0, chunk_size))
                rest = merged.take(slice(chunk_size, None))
                pending, count = ([rest], len(rest)) if len(rest) else ([], 0)
    if count:
        yield EventChunk.concatenate(pending)
