"""Benchmark of the COHERENT data fits (``python benchmarks/bench_coherent.py [--repeat N]``).

Prints one table, wall and CPU (process) time of each step, best of N for the fits:

* each single-data-set fit with all nuisances (signal strength free + the background-only
  fit; goal < 2 s per data set on one core);
* each profile scan of the presets at their TOML grids (CsI sin²θW, CsI R_n, LAr sin²θW;
  goal < 10 s each on one core);
* model construction (response matrices, templates) once;
* the load average, since the numbers scale with it on a shared machine.

Recorded (2026-12-05 12:40 UTC, load average 3.6 on 2 cores shared with other jobs,
``--repeat 2``, CEvNS prediction from the family's ``RecoilModel``): model set-up CsI
0.03 s, LAr 0.02 s; CsI fit with 8 free parameters + background-only fit 0.20 s
(311.9 ± 32.7 events, 11.30 σ), LAr with 10 free 0.05 s (161.7 ± 43.8, 3.81 σ); profile
scans CsI sin²θW (23 points) 2.45 s wall / 1.88 s CPU, CsI R_n (18) 2.29 / 1.50 s,
LAr sin²θW (22) 2.98 / 1.91 s — all within the goals.
"""

from __future__ import annotations

import argparse
import os
import time

from rich.console import Console
from rich.table import Table


def _timed(func, repeat: int) -> tuple[float, float, object]:
    best_wall, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = func()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    from nuexp.config import load_toml
    from nuexp.experiments.coherent_csi_2021 import analysis as csi_analysis
    from nuexp.experiments.coherent_data.fitting import fit_signal, profile
    from nuexp.experiments.coherent_lar_2020 import analysis as lar_analysis
    from nuexp.experiments.registry import get_preset

    csi_cfg = csi_analysis.Config.model_validate(load_toml(get_preset("coherent-csi-2021").path))
    lar_cfg = lar_analysis.Config.model_validate(load_toml(get_preset("coherent-lar-2020").path))
    rows = []
    wall, cpu, csi = _timed(lambda: csi_analysis.build_model(csi_cfg), 1)
    rows.append(("CsI model (response matrices, data)", wall, cpu, "", ""))
    wall, cpu, lar = _timed(lambda: lar_analysis.build_model(lar_cfg), 1)
    rows.append(("LAr model (release, prediction)", wall, cpu, "", ""))

    for label, model in (("CsI", csi), ("LAr", lar)):
        lik = model.likelihood(free=("cevns_scale",))
        n_free = lik.parameters.n_free
        wall, cpu, sig = _timed(lambda m=model, k=lik: fit_signal(
            k, lambda v: float(m.components(v)["cevns"].sum())), args.repeat)
        rows.append((f"{label} fit, {n_free} free parameters (+ background-only fit)", wall, cpu,
                     "< 2 s", (f"{sig.events:.1f} ± {sig.events_error:.1f} events, "
                              f"{sig.significance:.2f} σ, {sig.best.nfcn + sig.null.nfcn} calls")))

    scans = [("CsI", csi, "sin2_theta_w", csi_cfg.scans.sin2_theta_w),
             ("CsI", csi, "neutron_radius_fm", csi_cfg.scans.neutron_radius_fm),
             ("LAr", lar, "sin2_theta_w", lar_cfg.scans.sin2_theta_w)]
    for label, model, name, grid in scans:
        wall, cpu, prof = _timed(lambda m=model, n=name, g=grid: profile(m, n, g.grid()), 1)
        rows.append((f"{label} profile scan of {name} ({grid.points} points)", wall, cpu,
                     "< 10 s", (f"{prof.best:.3f} (+{prof.high - prof.best:.3f} "
                               f"−{prof.best - prof.low:.3f})")))

    table = Table(title="COHERENT data fits (one process; best of "
                        f"{args.repeat} for the fits)")
    for col in ("step", "wall [s]", "CPU [s]", "goal", "result"):
        table.add_column(col)
    for step, wall, cpu, goal, result in rows:
        table.add_row(step, f"{wall:.2f}", f"{cpu:.2f}", goal, result)
    console = Console()
    console.print(table)
    load = os.getloadavg()
    console.print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on "
                  f"{os.cpu_count()} cores (CPU time is the figure to compare on a busy machine)")


if __name__ == "__main__":
    main()
