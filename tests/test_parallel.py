"""Tests of nuexp.parallel.map_tasks: order, seeds, dask LocalCluster, checkpoints, errors."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from nuexp.exceptions import InvalidConfiguration
from nuexp.parallel import (
    WORKER_MALLOC_ENV,
    ParallelBackendUnavailable,
    SchedulerUnreachable,
    local_cluster,
    map_tasks,
    task_seeds,
)


def draw(x: float, rng: np.random.Generator) -> np.ndarray:
    """A seeded task: depends on the task and on its own random stream."""
    return x + rng.normal(size=4)


def square(x: float) -> float:
    return x * x


CALLS: list[int] = []
FAIL_AT: set[int] = set()


def flaky(i: int) -> int:
    """Records its calls; raises for the indices in FAIL_AT (serial scheduler only)."""
    CALLS.append(i)
    if i in FAIL_AT:
        raise RuntimeError(f"boom at {i}")
    return 10 * i


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = local_cluster(2)
    cl = distributed.Client(cluster, set_as_default=False)
    yield cl
    cl.close()
    cluster.close()


def _malloc_environment() -> dict[str, str | None]:
    import os
    return {k: os.environ.get(k) for k in WORKER_MALLOC_ENV}


def test_workers_start_with_the_malloc_settings(client):
    """glibc reads MALLOC_* once at start-up: the values must be there before the worker
    process runs (dask's pre-spawn environment), not set afterwards."""
    expected = {k: str(v) for k, v in WORKER_MALLOC_ENV.items()}
    for env in client.run(_malloc_environment).values():
        assert env == expected


def test_serial_order_and_unpack():
    assert map_tasks(square, [3.0, 1.0, 2.0], scheduler="serial") == [9.0, 1.0, 4.0]
    assert map_tasks(pow, [(2, 5), (5, 2)], scheduler="serial", unpack=True) == [32, 25]
    assert map_tasks(square, [], scheduler="serial") == []


def test_task_seeds_are_independent_of_count_and_repeatable():
    a = task_seeds(11, 5)
    b = task_seeds(11, 8)
    for sa, sb in zip(a, b):
        assert np.array_equal(sa.generate_state(4), sb.generate_state(4))
    assert not np.array_equal(a[0].generate_state(4), a[1].generate_state(4))


def test_cluster_bit_identical_to_serial(client):
    tasks = [float(i) for i in range(23)]
    serial = map_tasks(draw, tasks, scheduler="serial", seed=2024)
    for chunk in (1, 5):
        dist = map_tasks(draw, tasks, scheduler=client, seed=2024, chunk_size=chunk)
        assert len(dist) == len(serial)
        for s, d in zip(serial, dist):
            assert np.array_equal(s, d)  # bit-identical, not just close
    other = map_tasks(draw, tasks, scheduler="serial", seed=2025)
    assert not np.array_equal(serial[0], other[0])


def test_cluster_by_address(client):
    out = map_tasks(square, list(range(7)), scheduler=client.scheduler.address)
    assert out == [i * i for i in range(7)]


def test_local_cluster_started_and_closed():
    pytest.importorskip("distributed")
    out = map_tasks(draw, [0.0, 1.0, 2.0], scheduler=None, workers=2, seed=5)
    ref = map_tasks(draw, [0.0, 1.0, 2.0], scheduler="serial", seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(out, ref))


def test_unreachable_scheduler_is_quick_and_named():
    pytest.importorskip("distributed")
    start = time.perf_counter()
    with pytest.raises(SchedulerUnreachable, match=r"tcp://127\.0\.0\.1:9"):
        map_tasks(square, [1.0], scheduler="tcp://127.0.0.1:9", connect_timeout=1.0)
    assert time.perf_counter() - start < 6.0


def test_missing_dask_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ParallelBackendUnavailable, match=r"nuexp\[dask\]"):
        map_tasks(square, [1.0], scheduler=None)
    # serial needs no dask
    assert map_tasks(square, [2.0], scheduler="serial") == [4.0]


@pytest.mark.parametrize("kwargs", [{"workers": 0}, {"workers": 1.5}, {"chunk_size": 0},
                                    {"connect_timeout": 0.0}, {"connect_timeout": np.inf}])
def test_bad_options(kwargs):
    with pytest.raises(InvalidConfiguration):
        map_tasks(square, [1.0], scheduler="serial", **kwargs)


def test_bad_scheduler_type():
    pytest.importorskip("distributed")
    with pytest.raises(InvalidConfiguration, match="scheduler"):
        map_tasks(square, [1.0], scheduler=42)


def test_checkpoint_resume_after_failure(tmp_path):
    CALLS.clear()
    FAIL_AT.clear()
    FAIL_AT.add(3)
    with pytest.raises(RuntimeError, match="boom at 3") as info:
        map_tasks(flaky, list(range(6)), scheduler="serial", checkpoint=tmp_path)
    assert any("task 3" in note for note in info.value.__notes__)
    assert len(list(tmp_path.glob("task-*.npz"))) == 3          # tasks 0, 1, 2 saved
    assert not list(tmp_path.glob(".*tmp"))                     # no partial files left
    FAIL_AT.clear()
    CALLS.clear()
    out = map_tasks(flaky, list(range(6)), scheduler="serial", checkpoint=tmp_path)
    assert out == [0, 10, 20, 30, 40, 50]
    assert CALLS == [3, 4, 5]                                    # only the rest was run
    CALLS.clear()
    assert map_tasks(flaky, list(range(6)), scheduler="serial", checkpoint=tmp_path) == out
    assert CALLS == []


def test_checkpoint_changed_task_or_damaged_file_is_recomputed(tmp_path):
    CALLS.clear()
    FAIL_AT.clear()
    map_tasks(flaky, [1, 2, 3], scheduler="serial", checkpoint=tmp_path)
    CALLS.clear()
    assert map_tasks(flaky, [1, 7, 3], scheduler="serial", checkpoint=tmp_path) == [10, 70, 30]
    assert CALLS == [7]
    damaged = sorted(tmp_path.glob("task-0000000-*.npz"))[0]
    damaged.write_bytes(b"not an npz file")
    CALLS.clear()
    assert map_tasks(flaky, [1, 7, 3], scheduler="serial", checkpoint=tmp_path) == [10, 70, 30]
    assert CALLS == [1]


def test_checkpoint_with_cluster_matches_serial(client, tmp_path):
    tasks = [0.5 * i for i in range(9)]
    first = map_tasks(draw, tasks, scheduler=client, seed=9, checkpoint=tmp_path)
    assert len(list(tmp_path.glob("task-*.npz"))) == 9
    again = map_tasks(draw, tasks, scheduler="serial", seed=9, checkpoint=tmp_path)
    fresh = map_tasks(draw, tasks, scheduler="serial", seed=9)
    for a, b, c in zip(first, again, fresh):
        assert np.array_equal(a, b) and np.array_equal(a, c)
