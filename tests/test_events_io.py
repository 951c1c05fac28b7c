"""Event schema and columnar I/O: Parquet round trip in row groups, chunked streaming over
files and folders, ROOT TTrees written with uproot, and every kind of bad input."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hepunits import cm, us

from nuexp.events.io import EventWriter, iter_chunks, write_events, write_root
from nuexp.events.schema import COLUMNS, SCHEMA_VERSION, VERSION_KEY, EventChunk, arrow_schema
from nuexp.events.selection import SelectionCuts, event_masks
from nuexp.exceptions import DataNotAvailable, InvalidConfiguration, SchemaMismatch


def make_chunk(n: int, seed: int = 0, period: int = 2021, first_spill: int = 0) -> EventChunk:
    """n events in time order, ~5 per spill."""
    rng = np.random.default_rng(seed)
    spill = first_spill + np.sort(rng.integers(0, max(n // 5, 1), n))
    time = rng.uniform(0.0, 12000.0, n)
    order = np.lexsort((time, spill))
    spill, time = spill[order], time[order]
    return EventChunk.from_columns({
        "run": 1 + spill // 1000, "spill": spill, "time_us": time,
        "trigger": (time > 10.0).astype(np.int8), "energy_mev": rng.uniform(2, 50, n),
        "x_cm": rng.uniform(-150, 150, n), "y_cm": rng.uniform(-150, 150, n),
        "z_cm": rng.uniform(-120, 120, n), "veto_top_pe": rng.exponential(2, n),
        "veto_bottom_pe": rng.exponential(2, n), "period": np.full(n, period),
        "truth": rng.integers(0, 8, n)})


def assert_same(a: EventChunk, b: EventChunk) -> None:
    for name, values in a.to_columns().items():
        np.testing.assert_array_equal(values, b.to_columns()[name], err_msg=name)


def test_parquet_round_trip_in_row_groups_and_fixed_chunks(tmp_path):
    chunk = make_chunk(1000)
    path = write_events(tmp_path / "ev.parquet", [chunk.take(slice(0, 300)),
                                                  chunk.take(slice(300, None))],
                        row_group_size=128)
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups == 8          # ceil(1000 / 128)
    assert meta.metadata[VERSION_KEY.encode()] == str(SCHEMA_VERSION).encode()
    sizes = [len(c) for c in iter_chunks(path, chunk_size=333)]
    assert sizes == [333, 333, 333, 1]
    assert_same(EventChunk.concatenate(list(iter_chunks(path, chunk_size=333))), chunk)


def test_units_converted_to_hepunits_on_read(tmp_path):
    chunk = make_chunk(10)
    path = write_events(tmp_path / "ev.parquet", chunk)
    back = next(iter_chunks(path))
    raw = pq.read_table(path).to_pydict()
    np.testing.assert_allclose(back.time, np.asarray(raw["time_us"]) * us)
    np.testing.assert_allclose(back.x, np.asarray(raw["x_cm"], dtype=np.float32) * cm)


def test_directory_is_streamed_in_name_order_across_files(tmp_path):
    a = make_chunk(250, seed=1, first_spill=0)
    b = make_chunk(250, seed=2, first_spill=10_000)
    write_events(tmp_path / "b.parquet", b)
    write_events(tmp_path / "a.parquet", a)
    (tmp_path / "notes.txt").write_text("ignored")
    chunks = list(iter_chunks(tmp_path, chunk_size=100))
    assert [len(c) for c in chunks] == [100, 100, 100, 100, 100]
    assert_same(EventChunk.concatenate(chunks), EventChunk.concatenate([a, b]))


def test_root_ttree_written_with_uproot_is_read_like_parquet(tmp_path):
    uproot = pytest.importorskip("uproot")
    chunk = make_chunk(400, seed=3)
    columns = {k: v for k, v in chunk.to_columns().items() if k != "truth"}
    path = tmp_path / "ev.root"
    with uproot.recreate(path) as handle:
        handle[VERSION_KEY] = str(SCHEMA_VERSION)
        handle.mktree("events", {k: v.dtype for k, v in columns.items()})
        handle["events"].extend(columns)
    back = EventChunk.concatenate(list(iter_chunks(path, chunk_size=150)))
    assert len(back) == 400
    np.testing.assert_array_equal(back.truth, 0)        # optional column absent
    for name in columns:
        np.testing.assert_array_equal(back.to_columns()[name], columns[name], err_msg=name)
    # and nuexp's own ROOT writer gives the same as its Parquet writer
    write_root(tmp_path / "own.root", chunk)
    assert_same(EventChunk.concatenate(list(iter_chunks(tmp_path / "own.root"))), chunk)


def _write_table(path, columns: dict, metadata: dict | None):
    table = pa.table({k: pa.array(v) for k, v in columns.items()})
    if metadata is not None:
        table = table.replace_schema_metadata(metadata)
    pq.write_table(table, path)
    return path


def test_missing_column_names_file_and_column(tmp_path):
    cols = make_chunk(20).to_columns()
    cols.pop("energy_mev")
    path = _write_table(tmp_path / "nocol.parquet", cols, {VERSION_KEY: "1"})
    with pytest.raises(SchemaMismatch, match=r"nocol\.parquet.*missing column 'energy_mev'"):
        list(iter_chunks(path))


def test_wrong_schema_version_and_no_version_are_refused(tmp_path):
    cols = make_chunk(20).to_columns()
    path = _write_table(tmp_path / "v2.parquet", cols, {VERSION_KEY: "2"})
    with pytest.raises(SchemaMismatch, match=r"v2\.parquet.*schema version '2'"):
        list(iter_chunks(path))
    path = _write_table(tmp_path / "plain.parquet", cols, None)
    with pytest.raises(SchemaMismatch, match=r"plain\.parquet.*not a nuexp event file"):
        list(iter_chunks(path))


def test_wrong_column_type_is_refused(tmp_path):
    cols = make_chunk(20).to_columns()
    cols["period"] = cols["period"].astype(np.float64)
    path = _write_table(tmp_path / "type.parquet", cols, {VERSION_KEY: "1"})
    with pytest.raises(SchemaMismatch, match=r"type\.parquet.*column 'period' has type float64"):
        list(iter_chunks(path))


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_or_truncated_parquet_names_the_file(tmp_path, damage):
    path = write_events(tmp_path / "bad.parquet", make_chunk(5000), row_group_size=1000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"PAR1" + bytes(999))
    with pytest.raises(SchemaMismatch, match=r"bad\.parquet.*(corrupt|truncated)"):
        list(iter_chunks(path))


def test_truncated_root_file_names_the_file(tmp_path):
    pytest.importorskip("uproot")
    path = write_root(tmp_path / "bad.root", make_chunk(3000))
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(SchemaMismatch, match=r"bad\.root"):
        list(iter_chunks(path))


def test_events_out_of_time_order_name_column_and_row(tmp_path):
    chunk = make_chunk(100)
    cols = chunk.to_columns()
    # swap two times inside one spill
    spill = cols["spill"]
    i = int(np.flatnonzero(spill[1:] == spill[:-1])[0])
    cols["time_us"][[i, i + 1]] = cols["time_us"][[i + 1, i]]
    path = write_events(tmp_path / "order.parquet", EventChunk.from_columns(cols))
    with pytest.raises(SchemaMismatch, match=rf"order\.parquet.*row {i + 1}, column 'time_us'"):
        list(iter_chunks(path, chunk_size=7))


def test_order_is_checked_across_chunk_boundaries_and_files(tmp_path):
    a = make_chunk(50, seed=1, first_spill=1000)
    b = make_chunk(50, seed=2, first_spill=0)          # earlier spills in a later file
    write_events(tmp_path / "1.parquet", a)
    write_events(tmp_path / "2.parquet", b)
    with pytest.raises(SchemaMismatch, match=r"2\.parquet.*out of time order.*'(run|spill)'"):
        list(iter_chunks(tmp_path, chunk_size=10))


def test_missing_input_and_unknown_suffix(tmp_path):
    with pytest.raises(DataNotAvailable, match="no such event file"):
        list(iter_chunks(tmp_path / "nothing.parquet"))
    with pytest.raises(DataNotAvailable, match="no .parquet or .root"):
        list(iter_chunks(tmp_path))
    (tmp_path / "x.csv").write_text("1")
    with pytest.raises(SchemaMismatch, match="unknown event-file type"):
        list(iter_chunks(tmp_path / "x.csv"))


def test_interrupted_writer_leaves_nothing(tmp_path):
    target = tmp_path / "ev.parquet"
    with pytest.raises(RuntimeError):
        with EventWriter(target, row_group_size=10) as writer:
            writer.write(make_chunk(100))
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_period_without_window_setting_is_an_error():
    chunk = make_chunk(10, period=2023)
    with pytest.raises(InvalidConfiguration, match=r"period 2023 .*'period'.*2021, 2022"):
        event_masks(chunk, SelectionCuts(), source="run.parquet")


def test_schema_lists_every_column_once():
    schema = arrow_schema()
    assert schema.names == list(COLUMNS)
    assert arrow_schema(with_truth=False).names == [c for c in COLUMNS if c != "truth"]


@pytest.mark.parametrize("validate", [True, False])
def test_iter_file_columns_checks_order_across_pieces_in_both_modes(tmp_path, validate):
    """The order checker of either mode (RowChecker or OrderChecker) names the first row
    out of order, also when it is the first row of a later piece."""
    from nuexp.events.io import iter_file_columns

    columns = make_chunk(200).to_columns()
    columns["spill"][128] = columns["spill"][127] - 1      # first row of the third piece
    path = write_events(tmp_path / "ev.parquet", EventChunk.from_columns(columns))
    with pytest.raises(SchemaMismatch, match=r"ev.parquet: .* row 128, column 'spill'"):
        for _ in iter_file_columns(path, chunk_size=64, validate=validate):
            pass


def test_iter_file_columns_checks_values_only_when_validating(tmp_path):
    """``validate=True`` refuses a NaN energy naming the row; ``validate=False`` passes it
    on (the event pipeline's fused pass checks the values as it reads them)."""
    from nuexp.events.io import iter_file_columns
    from nuexp.exceptions import DataIntegrityError

    columns = make_chunk(200).to_columns()
    columns["energy_mev"][77] = np.nan
    path = write_events(tmp_path / "ev.parquet", EventChunk.from_columns(columns))
    with pytest.raises(DataIntegrityError, match=r"column 'energy_mev', row 77: value nan"):
        for _ in iter_file_columns(path, chunk_size=64):
            pass
    rows = [c["energy_mev"] for c in iter_file_columns(path, chunk_size=64, validate=False)]
    assert sum(len(r) for r in rows) == 200 and np.isnan(np.concatenate(rows)[77])
