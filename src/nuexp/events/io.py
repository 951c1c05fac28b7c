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
>>> from nuexp.events.io import EventWriter, iter_file_chunks
>>> path = pathlib.Path(tempfile.mkdtemp()) / "empty.parquet"
>>> with EventWriter(path) as writer:
...     writer.write(EventChunk.empty())
>>> sum(len(c) for c in iter_file_chunks(path))   # iter_chunks refuses an empty file
0
"""

from __future__ import annotations

import json
import mmap
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash
from hepunits import us

from ..exceptions import DataIntegrityError, DataNotAvailable, SchemaMismatch
from ..fileio import file_mode
from .fused import VALUE_COLUMNS, order_violation, row_violation, rows_valid
from .schema import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    SCHEMA_VERSION,
    VALUE_LIMITS,
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
    "RowChecker",
    "MANIFEST",
    "CHECKSUM_KEY",
    "read_manifest",
    "file_checksum",
    "verify_checksum",
    "manifest_checksums",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_ROW_GROUP_SIZE",
]

#: Rows per chunk handed to the analysis (≈ 100 MB as float64 EventChunk columns; the
#: pipeline reads files in smaller pieces but keeps the blocks this size defines).
DEFAULT_CHUNK_SIZE = 1_000_000
#: Rows per Parquet row group.
DEFAULT_ROW_GROUP_SIZE = 500_000
_SUFFIXES = (".parquet", ".root")
#: The dataset manifest written by the simulator (``nuexp simulate``): per block, the
#: row count and the checksum that the reader verifies.
MANIFEST = "manifest.json"
#: Manifest key of a block's checksum (:func:`file_checksum`, XXH3-128).
CHECKSUM_KEY = "xxh3_128"
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
        # dictionary encoding only where values repeat (floats would just pay for trying);
        # a CRC32 per page, verified on read, so that a flipped bit is never decoded
        self._writer = pq.ParquetWriter(self._tmp, self.schema, compression=compression,
                                        use_dictionary=[c for c in _DICTIONARY_COLUMNS
                                                        if c in self.schema.names],
                                        write_page_checksum=True)

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
        os.chmod(self._tmp, file_mode())
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
        os.chmod(tmp, file_mode())
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


#: Load every page of a mapping in the one ``mmap`` call (Linux; elsewhere 0: faulted in
#: as read). Touching a page of a file in the page cache through a fresh mapping costs a
#: page fault, ~0.3 µs per 4 kB, as much as hashing it; populated in bulk, far less.
_POPULATE = getattr(mmap, "MAP_POPULATE", 0)


def _map_file(path: str | Path) -> mmap.mmap | None:
    """The whole file, mapped read-only with its pages loaded; ``None`` for an empty file.

    The caller may hash the mapping and then decode from it, so that the pages are
    mapped once for both (:func:`iter_file_columns`); the mapping is released when the
    last view of it goes away.
    """
    with open(path, "rb") as handle:
        if not os.fstat(handle.fileno()).st_size:
            return None
        if hasattr(mmap, "MAP_SHARED"):
            return mmap.mmap(handle.fileno(), 0, flags=mmap.MAP_SHARED | _POPULATE,
                             prot=mmap.PROT_READ)
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)  # pragma: no cover


def _digest(mapping: mmap.mmap | None) -> str:
    digest = xxhash.xxh3_128()
    if mapping is not None:
        digest.update(mapping)
    return digest.hexdigest()


def file_checksum(path: str | Path) -> str:
    """XXH3-128 (xxhash) of every byte of a file, hex: the checksum the manifest records.

    The file is memory-mapped and hashed in place (~18 GB/s per core, so ~2 ns per
    trigger of the 32 bytes each takes on disk; SHA-256 would cost ~30 ns). A file
    verified this way is then decoded from the same mapping without Parquet's page CRC32
    checks, which cost ~14 ns per trigger in pyarrow and add nothing once every byte is
    verified.
    """
    mapping = _map_file(path)
    try:
        return _digest(mapping)
    finally:
        if mapping is not None:
            mapping.close()


def verify_checksum(path: str | Path, expected: str, mapping: mmap.mmap | None = None
                    ) -> None:
    """Refuse a file whose :func:`file_checksum` is not ``expected`` (from a manifest);
    ``mapping`` is the file already mapped by :func:`_map_file`."""
    actual = _digest(mapping) if mapping is not None else file_checksum(path)
    if actual != expected:
        raise DataIntegrityError(
            f"{path}: content differs from the checksum in its {MANIFEST}; the file was "
            "modified, replaced or damaged")


def manifest_checksums(source: str | Path) -> dict[Path, str]:
    """The checksums the manifest of ``source`` (a dataset folder, or a file in one)
    records, by file; empty without a manifest."""
    source = Path(source)
    folder = source if source.is_dir() else source.parent
    manifest = read_manifest(folder)
    blocks = (manifest or {}).get("blocks")
    if not isinstance(blocks, dict):
        return {}
    return {folder / name: entry[CHECKSUM_KEY] for name, entry in blocks.items()
            if isinstance(entry, dict) and CHECKSUM_KEY in entry}


def read_manifest(folder: str | Path) -> dict | None:
    """The manifest of a dataset folder (``manifest.json``), or ``None`` when there is
    none (real data).

    Raises
    ------
    DataIntegrityError
        The manifest is not a readable JSON object (a folder, not UTF-8, invalid JSON).
    """
    path = Path(folder) / MANIFEST
    if not os.path.lexists(path):
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise DataIntegrityError(f"{path}: not a readable dataset manifest ({reason}); "
                                 "restore it or simulate the dataset again") from None
    if not isinstance(manifest, dict):
        raise DataIntegrityError(f"{path}: not a dataset manifest (a JSON object expected)")
    return manifest


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _check_against_manifest(folder: Path, files: list[Path], manifest: dict,
                            verify: bool) -> None:
    """Every block the manifest lists is present once, with its row count (and, with
    ``verify``, its checksum); nothing else is there."""
    blocks = manifest.get("blocks")
    where = folder / MANIFEST
    if not isinstance(blocks, dict) or not blocks:
        raise DataIntegrityError(
            f"{where}: lists no blocks (a manifest of an older nuexp?); simulate the "
            "dataset again, or remove the manifest to read the files as real data")
    present = {p.name: p for p in files}
    for path in files:
        if path.name not in blocks:
            raise DataIntegrityError(
                f"{path}: not listed in {where} (a copy or a stray file?); remove it")
    for name, entry in blocks.items():
        path = folder / name
        if name not in present:
            raise DataIntegrityError(
                f"{path}: listed in {where} but missing; its POT would still count. "
                "Restore the file or simulate the dataset again")
        if not isinstance(entry, dict) or CHECKSUM_KEY not in entry or "rows" not in entry:
            raise DataIntegrityError(f"{where}: entry of {name!r} has no row count and "
                                     "checksum")
        if not verify:       # the caller verifies the checksum, which covers the rows
            continue
        rows = _row_count(path)
        if rows != entry["rows"]:
            raise DataIntegrityError(
                f"{path}: holds {rows} rows, {where} records {entry['rows']}; the file was "
                "replaced or damaged")
        verify_checksum(path, entry[CHECKSUM_KEY])


def _row_count(path: Path) -> int:
    """Rows of an event file, from its metadata (no data decoded)."""
    try:
        if path.suffix == ".root":
            uproot = _import_uproot()
            with uproot.open(path) as handle:
                return int(handle["events"].num_entries)
        return int(pq.ParquetFile(path).metadata.num_rows)
    except (pa.ArrowException, OSError, KeyError) as err:
        raise SchemaMismatch(f"{path}: not a readable event file (corrupt or truncated?): "
                             f"{err}") from None


def event_files(source: str | Path, verify_checksums: bool = True) -> list[Path]:
    """The event files of ``source``: the file itself, or the ``.parquet``/``.root`` files
    of a directory in name order (hidden temporary files are skipped).

    A folder with a manifest (a simulated dataset) must hold exactly the blocks it
    lists, each with the recorded row count and checksum (``verify_checksums=False``
    leaves the checksums, which cover the row counts, to the caller:
    :func:`nuexp.events.pipeline.process_files` verifies each in the task that reads the
    file). In any folder, one block in
    two formats (``x.parquet`` and ``x.root``) is refused; overlapping files (a copy under
    another name) are refused by :func:`nuexp.events.pipeline.process_files`, which sees
    their spills.

    Raises
    ------
    DataNotAvailable
        No such file or folder, or no event files in it.
    DataIntegrityError
        Unlisted, duplicate or missing block; wrong row count or checksum; a file that is
        not a regular file (a FIFO, a device).
    """
    source = Path(source)
    if source.is_dir():
        candidates = sorted(p for p in source.iterdir()
                            if p.suffix in _SUFFIXES and not p.name.startswith("."))
        for path in candidates:
            if not _regular(path):
                raise DataIntegrityError(f"{path}: not a regular file (a FIFO, device or "
                                         "folder?); remove it from the data folder")
        stems: dict[str, Path] = {}
        for path in candidates:
            if path.stem in stems:
                raise DataIntegrityError(
                    f"{path} and {stems[path.stem]}: the same block in two formats; keep "
                    "one of them")
            stems[path.stem] = path
        manifest = read_manifest(source)
        if manifest is not None:
            _check_against_manifest(source, candidates, manifest, verify_checksums)
        else:
            for path in candidates:
                _refuse_empty(path)
        if not candidates:
            raise DataNotAvailable(f"{source}: no .parquet or .root event files")
        return candidates
    if not source.exists():
        raise DataNotAvailable(f"{source}: no such event file or directory")
    if source.suffix not in _SUFFIXES:
        raise SchemaMismatch(f"{source}: unknown event-file type {source.suffix!r}; "
                             f"expected one of {', '.join(_SUFFIXES)}")
    if not _regular(source):
        raise DataIntegrityError(f"{source}: not a regular file (a FIFO or device?)")
    _refuse_empty(source)
    return [source]


def _refuse_empty(path: Path) -> None:
    """Outside a manifest that records it, a file without events is a broken block."""
    if _row_count(path) == 0:
        raise DataIntegrityError(f"{path}: holds no events (an empty or truncated block); "
                                 "remove it or restore the data")


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
        row, column = order_violation(run, spill, time, float(time_unit), last is not None,
                                      *(last if last is not None else (0, 0, 0.0)))
        if column >= 3:
            name, values = ("run", run) if column == 3 else ("spill", spill)
            raise DataIntegrityError(f"{source}: column {name!r}, row {self.rows + row}: "
                                     f"value {values[row].item()!r} is negative")
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


_LIMITS = np.array([VALUE_LIMITS[c] for c in VALUE_COLUMNS], dtype=np.float64)


class RowChecker:
    """Checks, row by row as a file streams, that rows are in (run, spill, time) order
    and every value is in its range (:data:`nuexp.events.schema.VALUE_LIMITS`: finite,
    physical, known trigger and truth codes). One numba pass per chunk
    (:func:`nuexp.events.fused.row_violation`)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._last: tuple[int, int, float] | None = None
        self.rows = 0

    def check(self, columns: dict[str, np.ndarray], time_unit: float) -> None:
        """Raise :class:`DataIntegrityError` naming the file, column, row and value, or
        :class:`SchemaMismatch` for rows out of order."""
        run, spill, time = columns["run"], columns["spill"], columns["time_us"]
        n = run.shape[0]
        if n == 0:
            return
        truth = columns.get("truth")
        last = self._last
        arrays = (run, spill, time, columns["trigger"], columns["energy_mev"],
                  columns["x_cm"], columns["y_cm"], columns["z_cm"], columns["veto_top_pe"],
                  columns["veto_bottom_pe"], columns["period"])
        if last is not None:          # the first row against the previous chunk's last
            first_ok = (run[0], spill[0], float(time[0]) * time_unit) >= last
        else:
            first_ok = True
        if first_ok and rows_valid(*arrays, truth if truth is not None else columns["trigger"],
                                   _LIMITS, float(time_unit)):
            self._last = (int(run[-1]), int(spill[-1]), float(time[-1]) * time_unit)
            self.rows += n
            return
        row, code = row_violation(
            *arrays, truth if truth is not None else columns["trigger"], truth is not None,
            _LIMITS, float(time_unit), last is not None,
            *(last if last is not None else (0, 0, 0.0)))
        if code >= 3:
            name = VALUE_COLUMNS[code - 3]
            low, high = VALUE_LIMITS[name]
            value = columns[name][row].item()
            raise DataIntegrityError(
                f"{self.source}: column {name!r}, row {self.rows + row}: value {value!r} "
                f"outside the allowed range [{low:g}, {high:g}] (finite values only)")
        if code >= 0:
            column = ("run", "spill", "time_us")[code]
            raise SchemaMismatch(
                f"{self.source}: events out of time order at row {self.rows + row}, column "
                f"{column!r} decreases; rows must be sorted by (run, spill, time_us)")
        self._last = (int(run[-1]), int(spill[-1]), float(time[-1]) * time_unit)
        self.rows += n


def _parquet_batches(path: Path, batch_size: int, threads: bool = True,
                     mapping: mmap.mmap | None = None) -> Iterator[dict[str, np.ndarray]]:
    """Decode a Parquet file: from ``mapping`` (the file, mapped and already verified
    against its checksum) without page CRC checks, or else memory-mapped with them."""
    source = str(path)
    try:
        # memory-mapped: the decoder reads the pages in place (no copy into read buffers)
        if mapping is not None:
            handle = pq.ParquetFile(pa.BufferReader(pa.py_buffer(mapping)),
                                    page_checksum_verification=False)
        else:
            handle = pq.ParquetFile(path, memory_map=True, page_checksum_verification=True)
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
                      tree: str = "events", threads: bool = True, validate: bool = True,
                      checksum: str | None = None) -> Iterator[dict[str, np.ndarray]]:
    """Stream one file's columns as stored (file units: µs, cm, ...; schema dtypes, native
    byte order) in chunks of at most ``chunk_size`` rows, time order checked.

    Parquet columns are zero-copy, read-only views of the Arrow buffers: nothing is
    converted, so this is the fast path of :func:`nuexp.events.pipeline.process_file`.
    ``truth`` is absent when the file has no truth column. ``threads=False`` decodes the
    Parquet columns in this thread only (≈ 10 % less CPU, more wall time): for workers
    that already fill every core. With ``checksum`` (from the manifest) the whole file
    is verified first and the Parquet page CRCs are not checked again; without, they
    are. ``validate=False`` checks only the order and the sign
    of run and spill: for the event pipeline, whose fused pass checks the values
    (:func:`nuexp.events.fused.row_flags`) as it reads them anyway.
    """
    path = Path(path)
    source = str(path)
    mapping = None
    if checksum is not None:
        # the pages mapped once, for the hash and then for the decoder
        mapping = _map_file(path) if path.suffix == ".parquet" else None
        verify_checksum(path, checksum, mapping)
    batches = (_root_batches(path, chunk_size, tree) if path.suffix == ".root"
               else _parquet_batches(path, chunk_size, threads, mapping))
    if validate:
        checker = RowChecker(source)
        for columns in batches:
            checker.check(columns, us)
            yield columns
    else:
        order = OrderChecker()
        for columns in batches:
            order.check_arrays(columns["run"], columns["spill"], columns["time_us"], us,
                               source)
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
