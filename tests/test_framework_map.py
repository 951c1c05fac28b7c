"""RunContext.map (issue #14): a family's scans and toys go through the one parallel path
(nuexp.parallel.map_tasks), and the run, not the family, chooses where they execute."""

import numpy as np
import pytest

import nuexp.parallel
from nuexp.config import ExperimentConfig
from nuexp.exceptions import InvalidConfiguration
from nuexp.experiments.context import RunContext
from nuexp.report.results import Results

CALLS = []


def _ctx(scheduler=None, workers=None, seed=7):
    results = Results(experiment="t", config=ExperimentConfig(experiment="t", family="t"),
                      seed=seed, nuexp_version="test")
    return RunContext(results, None, False, scheduler=scheduler, workers=workers)


def square(x):
    CALLS.append(x)
    return x * x


def noisy(x, scale, rng):
    return x + scale * rng.normal()


@pytest.fixture
def schedulers(monkeypatch):
    """Record which scheduler each map_tasks call gets (then run it serially)."""
    seen = []
    real = nuexp.parallel.map_tasks

    def spy(func, tasks, **kwargs):
        seen.append(kwargs["scheduler"])
        return real(func, tasks, **{**kwargs, "scheduler": "serial"})

    monkeypatch.setattr(nuexp.parallel, "map_tasks", spy)
    return seen


def test_map_keeps_task_order_and_unpacks():
    ctx = _ctx(scheduler="serial")
    assert ctx.map(square, [3.0, 1.0, 2.0], label="squares") == [9.0, 1.0, 4.0]
    assert ctx.map(pow, [(2, 5), (5, 2)], label="powers", unpack=True) == [32, 25]
    assert ctx.map(square, [], label="nothing") == []


def test_run_chooses_the_backend_not_the_family(schedulers):
    _ctx().map(square, [1, 2, 3], label="few", cluster_min_tasks=4)
    _ctx().map(square, [1, 2, 3, 4], label="enough", cluster_min_tasks=4)
    _ctx(scheduler="serial").map(square, list(range(10)), label="forced serial",
                                 cluster_min_tasks=1)
    _ctx(scheduler="tcp://scheduler:8786").map(square, [1], label="remote")
    _ctx().map(square, list(range(100)), label="cluster not asked for")
    assert schedulers == ["serial", None, "serial", "tcp://scheduler:8786", "serial"]


def test_seeded_tasks_are_reproducible_and_seed_dependent():
    ctx = _ctx(scheduler="serial")
    tasks = [(0.0, 1.0), (10.0, 1.0), (20.0, 0.0)]
    a = ctx.map(noisy, tasks, label="toys", unpack=True, seed=ctx.child_seed("toys"))
    b = ctx.map(noisy, tasks, label="toys", unpack=True, seed=ctx.child_seed("toys"))
    c = ctx.map(noisy, tasks, label="toys", unpack=True, seed=ctx.child_seed("other"))
    assert a == b and a != c
    assert a[2] == 20.0                       # scale 0: the generator changes nothing
    # the same numbers map_tasks gives for that seed (the one path)
    direct = nuexp.parallel.map_tasks(noisy, tasks, scheduler="serial", unpack=True,
                                      seed=ctx.child_seed("toys"))
    assert a == direct


def test_checkpoint_resumes_without_recomputing(tmp_path):
    ctx = _ctx(scheduler="serial")
    CALLS.clear()
    first = ctx.map(square, [1.0, 2.0, 3.0], label="scan", checkpoint=tmp_path / "scan")
    assert CALLS == [1.0, 2.0, 3.0]
    CALLS.clear()
    again = ctx.map(square, [1.0, 2.0, 3.0, 4.0], label="scan", checkpoint=tmp_path / "scan")
    assert again[:3] == first and again[3] == 16.0
    assert CALLS == [4.0]                     # only the new task ran


def test_cluster_min_tasks_must_be_positive():
    with pytest.raises(InvalidConfiguration, match="cluster_min_tasks' = 0"):
        _ctx(scheduler="serial").map(square, [1], label="x", cluster_min_tasks=0)


@pytest.mark.slow
def test_local_cluster_gives_the_serial_numbers():
    pytest.importorskip("distributed")
    tasks = [(float(i), 1.0) for i in range(4)]
    seed = _ctx().child_seed("toys")
    serial = _ctx(scheduler="serial").map(noisy, tasks, label="t", unpack=True, seed=seed)
    cluster = _ctx(workers=2).map(noisy, tasks, label="t", unpack=True, seed=seed,
                                  cluster_min_tasks=1)
    np.testing.assert_array_equal(serial, cluster)
