"""Benchmark: JSNS2 sterile sensitivity scan and Feldman–Cousins toys, serial vs dask.

Prints a table: wall time of a 100 × 100 Asimov (sin²2θ, Δm²) grid (one task per Δm²
row) and of 10⁴ Feldman–Cousins toys at each point of a small subset, run serially and
on a dask LocalCluster with 2 worker processes (``nuexp.parallel.map_tasks``), the
speed-up, the cost per grid point / per toy, and whether the results are bit-identical.

Usage::

    python benchmarks/bench_sterile.py [--grid 100] [--toys 10000] [--points 2] [--workers 2]

Measured 2026-11-23 on the 2-core CI-class machine (AMD EPYC, 2 vCPU, other light work
running): Asimov grid 100 x 100 9.3 s serial vs 5.7 s on 2 workers (1.63x, 0.93 ms per
grid point); 2 x 10⁴ FC toys 33.4 s vs 19.2 s (1.74x, 1.7 ms per toy with 30 Δm² rows
profiled each); results bit-identical. Before the workers got ``WORKER_MALLOC_ENV``
(nuexp.parallel) the toys scaled 1.31x: dask's default malloc settings made each toy
45 % dearer in a worker than in a plain process. The rest of the gap to 2x is the
scheduler and client sharing the two cores with the workers.
"""

from __future__ import annotations

import os

# One BLAS/OpenMP thread in this process, as dask's nanny sets for its workers
# (distributed.nanny.pre-spawn-environ): otherwise "serial" secretly uses every core.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


class _Timed:
    """Wrap a task function so that it also returns its CPU seconds (picklable)."""

    def __init__(self, func):
        self.func = func

    def __call__(self, *args):
        start = time.process_time()
        out = self.func(*args)
        return out, time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=100)
    parser.add_argument("--toys", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import distributed
    from rich.console import Console
    from rich.table import Table

    from nuexp.experiments.jsns2_sterile.analysis import SterileModel, scan_row
    from nuexp.experiments.registry import resolve_config
    from nuexp.parallel import local_cluster, map_tasks
    from nuexp.stats.contours import log_grid
    from nuexp.stats.feldman_cousins import delta_chi2_toys

    cfg = resolve_config("jsns2-sterile")[1]
    sm = SterileModel(cfg)
    tm = sm.template_model()
    s_grid = log_grid("sin2_2theta", 1e-4, 1.0, args.grid)
    dm2 = log_grid("dm2", 0.1, 20.0, args.grid)
    unit = sm.signal(1.0, dm2)
    asimov = tm.expected(np.zeros(sm.centres.size), 0.0)
    scan_tasks = [(tm, unit[i], s_grid, asimov) for i in range(dm2.size)]
    coarse = log_grid("dm2", 0.1, 20.0, 30)
    templates = sm.signal(1.0, coarse)
    rows = np.linspace(5, 25, args.points).astype(int)
    # 10⁴ toys per point as chunks of 1000 toys (independent seeds per chunk)
    chunks = max(1, args.toys // 1000)
    fc_tasks = [(tm, templates, int(r), 0.003, args.toys // chunks)
                for r in rows for _ in range(chunks)]

    cpu = {}

    def run(scheduler):
        t0 = time.perf_counter()
        scan = map_tasks(_Timed(scan_row), scan_tasks, unpack=True, scheduler=scheduler)
        t1 = time.perf_counter()
        fc = map_tasks(_Timed(delta_chi2_toys), fc_tasks, unpack=True, scheduler=scheduler,
                       seed=2024, chunk_size=1)
        t2 = time.perf_counter()
        cpu[scheduler == "serial"] = (sum(c for _, c in scan), sum(c for _, c in fc))
        scan = [r for r, _ in scan]
        fc = [r for r, _ in fc]
        crit = [float(np.quantile(np.concatenate(fc[k * chunks:(k + 1) * chunks]), 0.9))
                for k in range(len(rows))]
        return np.vstack(scan), np.concatenate(fc), t1 - t0, t2 - t1, crit

    scan_s, fc_s, ts_scan, ts_fc, crit = run("serial")
    start = time.perf_counter()
    cluster = local_cluster(args.workers)
    client = distributed.Client(cluster, set_as_default=False)
    t_start = time.perf_counter() - start
    try:
        client.run(lambda: __import__("nuexp.experiments.jsns2_sterile.analysis"))   # warm imports
        scan_d, fc_d, td_scan, td_fc, _ = run(client)
    finally:
        client.close()
        cluster.close()

    n_points = args.grid * args.grid
    n_toys = len(fc_tasks) * (args.toys // chunks)
    table = Table(title=f"jsns2-sterile on {os.cpu_count()} cores (load avg "
                        f"{os.getloadavg()[0]:.1f}); LocalCluster start {t_start:.1f} s")
    for col in ("stage", "serial wall [s]", f"LocalCluster {args.workers}w wall [s]",
                "speed-up", "task CPU serial / cluster [s]", "serial cost (CPU)",
                "bit-identical"):
        table.add_column(col)
    table.add_row(f"Asimov grid {args.grid}x{args.grid}", f"{ts_scan:.2f}", f"{td_scan:.2f}",
                  f"{ts_scan / td_scan:.2f}",
                  f"{cpu[True][0]:.1f} / {cpu[False][0]:.1f}",
                  f"{1e3 * cpu[True][0] / n_points:.2f} ms/point",
                  str(np.array_equal(scan_s, scan_d)))
    table.add_row(f"FC toys {args.points} pts x {args.toys}", f"{ts_fc:.2f}", f"{td_fc:.2f}",
                  f"{ts_fc / td_fc:.2f}",
                  f"{cpu[True][1]:.1f} / {cpu[False][1]:.1f}",
                  f"{1e3 * cpu[True][1] / n_toys:.3f} ms/toy "
                  f"({cpu[True][1] / args.points:.1f} s/point; 30 Δm² rows profiled per toy)",
                  str(np.array_equal(fc_s, fc_d)))
    Console().print(table)
    for r, c in zip(rows, crit):
        print(f"FC critical Δχ² (90 % CL) at sin²2θ = 0.003, Δm² = {coarse[r]:.3g} eV²: "
              f"{c:.3f} (Wilks 1 dof 2.706, 2 dof 4.605)")


if __name__ == "__main__":
    main()
