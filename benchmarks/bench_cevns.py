"""Benchmark of the CEvNS family (``python benchmarks/bench_cevns.py [--repeat N]``).

Prints one table (issue #15 goals in the last column):

* one full configuration after import — model set-up (fluence, kernels, response
  matrix, timing), spectra, counts, S/√(S+B) and the binned Asimov significance — for
  the clovers, coherent-csi, CENNS-10 argon and cicenns presets (goal < 50 ms);
* the family's whole ``compute`` step (adds the conventions table, the profiled
  significance fit and, for cicenns, the physics reach);
* one ``predict`` call, the unit of a data fit (issue #17 goal < 1 ms): nominal, with a
  new neutron radius each call (form factors recomputed), with the quenching nuisance;
* a 100 × 100 NSI (ε^{uV}_{ee}, ε^{dV}_{ee}) scan and a 100 × 100 (sin²θ_W, R_n) scan
  on cicenns (goal < 5 s on one core);
* beside them, the run time of the code before the family (the hand-wired CLOVERS chain
  ``run_chain`` + selection of ``experiments/cevns/blocks.py``, main at 8571274), measured
  on this machine at 09:23 UTC with load average ~6 on 2 cores (other engineers' jobs):
  4.6 ms best of 7 (4.8 ms median) for flux → recoil → NPE → selection → 158.7 events.

Timings on a shared machine scale with its load; the load average is printed.

Recorded (09:25 UTC, load average 4.1 on 2 cores, ``--repeat 3``): one configuration
3.4–21 ms (clovers 8.1 ms, coherent-csi 3.4, CENNS-10 argon 20.6, cicenns 9.7; before
the family the CLOVERS chain alone took 4.6 ms); clovers family compute 21 ms; cicenns
compute with the physics reach 1.8 s; predict 14 µs (nominal), 19 µs (quenching + flux
nuisances), 0.68 ms with a new neutron radius each call; 100 × 100 NSI scan 0.57 s,
100 × 100 (sin²θ_W, R_n) scan 0.27 s.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from rich.console import Console
from rich.table import Table

#: Pre-family CLOVERS rate chain (blocks.run_chain + selection), ms, best of 7 — see above.
BEFORE_CHAIN_MS = 4.6


def _best(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    r = args.repeat

    from nuexp.experiments.cevns.family import compute
    from nuexp.experiments.cevns.model import CevnsModel
    from nuexp.experiments.cevns.statistics import nsi_plane, sin2_rn_plane
    from nuexp.experiments.context import RunContext
    from nuexp.experiments.resolve import resolve
    from nuexp.report.results import Results
    from nuexp.stats.asimov import asimov_discovery_significance
    from nuexp.stats.counting import significance

    rows = []

    def one_configuration(cfg) -> float:
        model = CevnsModel(cfg)
        signal = model.predict()
        bkg = sum(model.backgrounds().values(), np.zeros_like(signal))
        model.recoil_spectrum()
        model.total_events()
        if bkg.sum() > 0:
            significance(signal.sum(), bkg.sum())
            asimov_discovery_significance(signal, bkg)
        return float(signal.sum())

    for preset in ("clovers", "coherent-csi", "coherent-cenns10-lar", "cicenns"):
        cfg = resolve(preset).config
        one_configuration(cfg)  # imports, first allocations
        best, med = _best(lambda cfg=cfg: one_configuration(cfg), r)
        note = f"before: {BEFORE_CHAIN_MS:.1f} ms (chain only)" if preset == "clovers" else ""
        rows.append((f"{preset}: one configuration", f"{best * 1e3:.1f} ms",
                     f"median {med * 1e3:.1f} ms", note, "< 50 ms"))

    for preset in ("clovers", "cicenns"):
        cfg = resolve(preset).config
        ctx = RunContext(Results(experiment=preset, config=cfg, seed=1, nuexp_version="bench"),
                         None, False)
        best, med = _best(lambda cfg=cfg, ctx=ctx: compute(cfg, ctx), 1 if preset == "cicenns" else r)
        what = "family compute (incl. physics reach)" if preset == "cicenns" else "family compute"
        rows.append((f"{preset}: {what}", f"{best * 1e3:.0f} ms", f"median {med * 1e3:.0f} ms",
                     "", ""))

    lar = CevnsModel(resolve("coherent-cenns10-lar").config)
    lar.predict(quenching=0.5)
    n = 200
    best, _ = _best(lambda: [lar.predict(sin2_theta_w=0.23 + 1e-5 * i) for i in range(n)], r)
    rows.append(("predict (argon, 12 x 10 bins), nominal radii", f"{best / n * 1e6:.0f} us",
                 "", "", "< 1 ms"))
    counter = iter(range(10**9))
    best, _ = _best(lambda: [lar.predict(neutron_radius_fm=4.0 + 1e-6 * next(counter))
                             for _ in range(n)], r)
    rows.append(("predict, new R_n every call", f"{best / n * 1e6:.0f} us", "", "", "< 1 ms"))
    best, _ = _best(lambda: [lar.predict(quenching=0.3 + 1e-6 * i, flux_norm=1.02)
                             for i in range(n)], r)
    rows.append(("predict, quenching + flux nuisances", f"{best / n * 1e6:.0f} us", "", "",
                 "< 1 ms"))

    cic = CevnsModel(resolve("cicenns").config)
    axis = np.linspace(-0.6, 0.6, 100)
    nsi_plane(cic, "e", axis, axis)
    best, _ = _best(lambda: nsi_plane(cic, "e", axis, axis), max(1, r // 2))
    rows.append(("cicenns: 100 x 100 NSI (eps_uV_ee, eps_dV_ee) scan", f"{best:.2f} s", "",
                 "flux profiled", "< 5 s"))
    s2 = np.linspace(0.20, 0.28, 100)
    rn = np.linspace(4.0, 5.6, 100)
    best, _ = _best(lambda: sin2_rn_plane(cic, s2, rn), max(1, r // 2))
    rows.append(("cicenns: 100 x 100 (sin2, R_n) scan", f"{best:.2f} s", "", "flux profiled",
                 "< 5 s"))

    table = Table(title=f"CEvNS family (load average {os.getloadavg()[0]:.1f} on "
                        f"{os.cpu_count()} cores)")
    for col in ("what", "best", "median", "note", "goal"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


if __name__ == "__main__":
    main()
