"""The jsns2-sterile preset end to end (small grid), and dask = serial for its tasks."""

from __future__ import annotations

import logging
import pickle
import time

import numpy as np
import pytest

import nuexp
from nuexp.experiments.jsns2_sterile.analysis import SterileModel, scan_row
from nuexp.experiments.registry import resolve_config
from nuexp.parallel import LOCAL_CLUSTER_QUIET, SchedulerUnreachable, map_tasks
from nuexp.stats.contours import log_grid

SMALL = {"scan": {"n_sin2_2theta": 8, "n_dm2": 6},
         "toys": {"n_toys": 60, "points": [[0.003, 1.2]]},
         "plots": {"enabled": False}}


@pytest.fixture(scope="module")
def result():
    return nuexp.run("jsns2-sterile", config=SMALL)


def test_headline_keys(result):
    for key in ("sensitivity_sin2_2theta_at_dm2_1ev2", "sensitivity_sin2_2theta_at_dm2_2p5ev2",
                "expected_ibd_signal_at_lsnd_best_fit"):
        value = result[key].value
        assert np.isfinite(value) and value > 0, key
    # the sensitivity at the LSND best-fit Δm² must reach below sin²2θ = 1, and 1 eV²
    # is a weaker Δm² for a 24 m / ~40 MeV experiment than 2.5 eV² (L/E oscillation max)
    assert result["sensitivity_sin2_2theta_at_dm2_2p5ev2"].value < \
        result["sensitivity_sin2_2theta_at_dm2_1ev2"].value < 1.0
    rows = result.tables["sensitivity_contour"]
    assert rows and {"segment", "sin2_2theta", "dm2_ev2"} <= set(rows[0])
    assert result.tables["feldman_cousins"][0]["fc_critical_delta_chi2"] > 0


def test_scan_rows_identical_on_a_local_cluster():
    distributed = pytest.importorskip("distributed")
    cfg = resolve_config("jsns2-sterile")[1]
    sm = SterileModel(cfg)
    tm = sm.template_model()
    s_grid = log_grid("s", 1e-4, 1.0, 6)
    dm2 = log_grid("dm2", 0.5, 10.0, 4)
    unit = sm.signal(1.0, dm2)
    asimov = tm.expected(np.zeros(sm.centres.size), 0.0)
    tasks = [(tm, unit[i], s_grid, asimov) for i in range(dm2.size)]
    serial = map_tasks(scan_row, tasks, unpack=True, scheduler="serial")
    # tasks travel to process workers pickled: check the round trip here, and keep the
    # cluster in-process (threads) so the test stays quick; process workers are
    # exercised by tests/test_parallel.py
    for a, b in zip(serial, [scan_row(*pickle.loads(pickle.dumps(t))) for t in tasks]):
        np.testing.assert_array_equal(a, b)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       silence_logs=logging.ERROR, **LOCAL_CLUSTER_QUIET)
    client = distributed.Client(cluster, set_as_default=False)
    try:
        dist = map_tasks(scan_row, tasks, unpack=True, scheduler=client, chunk_size=1)
    finally:
        client.close()
        cluster.close()
    for a, b in zip(serial, dist):
        np.testing.assert_array_equal(a, b)


def test_unreachable_scheduler_is_a_quick_clear_error():
    start = time.perf_counter()
    with pytest.raises(SchedulerUnreachable, match="127.0.0.1:9"):
        nuexp.run("jsns2-sterile", config=SMALL, scheduler="tcp://127.0.0.1:9")
    assert time.perf_counter() - start < 20.0


def test_scan_checkpoint_resumes_with_identical_results(tmp_path, result):
    """Finished Δm² rows are saved; a rerun (e.g. after an interruption) reuses them."""
    config = {**SMALL, "parallel": {"checkpoint_dir": str(tmp_path)},
              "toys": {"enabled": False}}
    first = nuexp.run("jsns2-sterile", config=config)
    saved = sorted(tmp_path.glob("pot_analysed/task-*.npz"))
    assert len(saved) == SMALL["scan"]["n_dm2"]
    saved[0].unlink()                       # as if the run had stopped before this row
    second = nuexp.run("jsns2-sterile", config=config)
    assert len(list(tmp_path.glob("pot_analysed/task-*.npz"))) == SMALL["scan"]["n_dm2"]
    np.testing.assert_array_equal(first.spectra["delta_chi2_map"],
                                  second.spectra["delta_chi2_map"])
    np.testing.assert_array_equal(first.spectra["delta_chi2_map"],
                                  result.spectra["delta_chi2_map"])
