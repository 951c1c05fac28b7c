"""Benchmark of figure rendering per preset (``python benchmarks/bench_figures.py [PRESET ...]``).

Runs each preset once in this process, writing into a temporary folder, and prints one
table: the run's wall time (``timing_s["total"]``), the seconds spent in
:func:`nuexp.report.plots.save_figure` (rendering and writing PNG + PDF, which is where
matplotlib spends its time; building the artists happens in the analysis and is counted
in the total only), and the number of figures. The first preset also pays for imports;
pass ``--warm`` to run one preset before measuring. The load average is printed since
wall times scale with it on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table


def main() -> None:
    import nuexp
    import nuexp.report.plots as plots

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", nargs="*", help="presets to run (default: all)")
    parser.add_argument("--warm", action="store_true", help="run clovers once first")
    args = parser.parse_args()
    presets = args.presets or sorted(nuexp.available_presets())

    spent: list[float] = []
    original = plots.save_figure

    def timed_save(*a, **kw):
        start = time.perf_counter()
        try:
            return original(*a, **kw)
        finally:
            spent.append(time.perf_counter() - start)

    plots.save_figure = timed_save
    table = Table(title="nuexp figures: rendering time per preset")
    for col in ("preset", "run total [s]", "save_figure [s]", "figures", "slowest [s]"):
        table.add_column(col, justify="right" if col != "preset" else "left")
    with tempfile.TemporaryDirectory() as tmp:
        if args.warm:
            nuexp.run("clovers", out=Path(tmp) / "warm")
        for preset in presets:
            spent.clear()
            try:
                res = nuexp.run(preset, out=Path(tmp) / preset)
            except nuexp.exceptions.NuexpError as err:
                table.add_row(preset, "—", "—", "—", f"not run: {type(err).__name__}")
                continue
            table.add_row(preset, f"{res.timing_s['total']:.2f}", f"{sum(spent):.2f}",
                          str(len(res.figures)), f"{max(spent, default=0):.2f}")
    Console().print(table)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs "
          "(wall times scale with it on a shared machine)")


if __name__ == "__main__":
    main()
