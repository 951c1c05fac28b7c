"""Benchmark of the JUNO sensitivity chain (``python benchmarks/bench_juno.py``).

Prints a table of wall times and objective-call counts:

* model construction (reactor × IBD × response);
* one χ² evaluation (matter oscillation for 8 cores on the fine grid + banded response +
  exact profiling of the linear nuisances);
* the precision table (100 d, 6 y, 20 y) from the Asimov Fisher matrix, and the same 6 y
  errors from iminuit MIGRAD + HESSE for comparison;
* the Asimov mass-ordering Δχ² at 6 y with the full nuisance set (≥ 200 bins, ≥ 10
  nuisances) — nuexp's profiled χ² versus a GLoBES-style brute force in which every
  nuisance is an explicit MINUIT parameter (GLoBES itself is not installable from PyPI);
* profile-scan throughput (points per second);
* the ``juno`` preset end to end (precision table, NMO both ways, matter check, scans,
  figures).

Recorded 2026-12-05 on the 2-core machine, nearly idle (reactor family, energy-scale pulls
linearised, true-ordering fit skipped on Asimov data): one NMO Δχ² 0.31 s (124 calls,
Δχ² = 8.570; 2.0 s CPU and 512 calls before); ``nuexp.run("juno")`` without files 2.2 s,
``nuexp run juno --out DIR`` 4.65 s inside the run with figures (5.5 s wall with
interpreter start-up; ~11 s before).

Re-measured 2026-12-05 12:52 UTC (load average 0.3–0.5, other sessions active), with the
preset's NMO Δχ² recomputed for the summation flux: one NMO Δχ² 0.311 s (124 calls);
``nuexp.run("juno")`` without files 2.35 s; ``nuexp run juno --out DIR`` 5.40 s inside the
run (flux-model comparison 0.21 s of it, then with two summation libraries; figures 1.40 s;
about 1.6 s outside the timed stages), against 4.81 s for main without the comparison at
the same time: the 5 s target is missed by main's figure and output stages as well.

Re-measured 2026-12-06 02:05 UTC (load average 0.4-0.6, only this benchmark running),
after ``gc.freeze()`` at exit and no ``scipy.stats`` at start-up: one NMO Δχ² 0.334 s;
``nuexp.run("juno")`` without files 2.42 s; ``nuexp run juno --out DIR`` cold 5.01 s best
of 3, median 5.25 s (goal < 5 s). At 03:17 UTC the same machine, as idle, ran everything
~40 % slower (NMO 0.360 s, in-process 3.05 s, cold 7.06 s), and an interleaved A/B with
the code of 02:05 gave the same times for both: machine speed, not code; read the ratios
of one run, not absolute times, on a shared machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

from nuexp.experiments.reactor.model import build_analysis
from nuexp.experiments.registry import resolve_config
from nuexp.stats.fit import asimov_covariance, fit
from nuexp.stats.nuisances import Parameter, ParameterSet
from nuexp.stats.scan import ordering_delta_chi2, profile_scan


class BruteForceChi2:
    """Same χ² as ProfiledChi2 but with every linear nuisance as a MINUIT parameter."""

    errordef = 1.0

    def __init__(self, lik):
        self.lik = lik
        k = len(lik.parameters)
        extra = [Parameter(n, 0.0, step=s, prior=(0.0, s))
                 for n, s in zip(lik.linear_names, lik.linear_sigmas)]
        self.parameters = ParameterSet([*lik.parameters, *extra])
        self.k = k

    @property
    def names(self):
        return self.parameters.names

    def __call__(self, x):
        x = np.asarray(x, dtype=float)
        mu0, D, var = self.lik._call_model(x[:self.k])
        eta = x[self.k:]
        mu = mu0 + D @ eta
        w = self.lik._weights(mu0, var)
        r = self.lik.data - mu
        return float(r @ (w * r)) + self.parameters.pull_chi2(x)


_CPU: list[float] = []


def timed(func):
    """Run ``func``; return (result, wall seconds) and remember the CPU seconds."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = func()
    _CPU.append(time.process_time() - c0)
    return out, time.perf_counter() - t0


def _cold_cli(out: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``nuexp run juno --out OUT`` in a fresh interpreter
    (figures PNG + PDF, results table printed), as a user runs it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    code = (f"import sys; sys.argv = ['nuexp', 'run', 'juno', '--out', {out!r}]; "
            "from nuexp.cli import main; main()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"nuexp run juno failed ({proc.returncode}): {proc.stderr[-2000:]}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    cfg = resolve_config("juno", {}, "bench")[1]
    rows = []
    ana, t = timed(lambda: build_analysis(cfg))
    rows.append(("model construction (JUNO + TAO reference)", t, _CPU[-1], "", ""))
    days6 = 6 * 365.25
    lik = ana.likelihood(days6)
    x0 = lik.parameters.values
    lik(x0)
    _, t = timed(lambda: [lik(x0 + 1e-6 * i) for i in range(20)])
    rows.append(("one chi2 evaluation", t / 20, _CPU[-1] / 20, "1", f"{lik.data.size} bins"))

    def table():
        return {lab: ana.precision(d) for lab, d in cfg.sensitivity.precision_exposures_days.items()}

    prec, t = timed(table)
    rows.append(("precision table (Fisher, 3 exposures)", t, _CPU[-1], "", ""))
    res, t = timed(lambda: fit(lik, hesse=True))
    names, cov = asimov_covariance(lik)
    worst = max(abs(res.errors[n] / np.sqrt(cov[i, i]) - 1) for i, n in enumerate(names)
                if n in ("dm2_31", "dm2_21", "sin2_theta12", "sin2_theta13"))
    rows.append(("6 y errors, MIGRAD+HESSE", t, _CPU[-1], str(res.nfcn), f"max |HESSE/Fisher - 1| = {worst:.3f}"))

    n_nuis = lik.parameters.n_constrained + len(lik.linear_names)
    r, t = timed(lambda: ana.nmo(days6))
    rows.append(("NMO delta chi2 6 y (profiled)", t, _CPU[-1], str(r.nfcn),
                 f"dchi2 = {r.delta_chi2:.3f}, {n_nuis} nuisances"))
    brute = BruteForceChi2(lik)
    start_alt = dict(r.fit_alternative.values)
    rb, t = timed(lambda: ordering_delta_chi2(brute, "dm2_31", start=dict(zip(brute.names, brute.parameters.values)),
                                              alternative_starts=[start_alt]))
    rows.append(("NMO 6 y, brute force (all nuisances in MINUIT)", t, _CPU[-1], str(rb.nfcn),
                 f"dchi2 = {rb.delta_chi2:.3f} (warm start)"))

    s = np.sqrt(cov[names.index("dm2_31"), names.index("dm2_31")])
    grid = ana.truth["dm2_31"] + s * np.linspace(-2, 2, 5)
    sc, t = timed(lambda: profile_scan(lik, "dm2_31", grid, reference=0.0, strategy=0))
    rows.append(("profile scan dm2_31 (5 points)", t, _CPU[-1], str(sc.nfcn), f"{5 / t:.2f} points/s"))

    import nuexp

    res_run, t = timed(lambda: nuexp.run("juno"))
    rows.append(("juno preset end to end (nuexp.run, no files)", t, _CPU[-1], "",
                 f"nmo_delta_chi2_6y = {res_run['nmo_delta_chi2_6y'].value:.3f}"))

    with tempfile.TemporaryDirectory() as tmp:
        runs = [_cold_cli(os.path.join(tmp, f"run{i}")) for i in range(3)]
    wall, cpu = min(runs)
    rows.append(("nuexp run juno --out DIR (cold process, best of 3)", wall, cpu, "",
                 f"median {sorted(r[0] for r in runs)[1]:.2f} s; figures PNG+PDF; goal < 5 s"))

    print(f"{'stage':50s} {'wall s':>8s} {'cpu s':>8s} {'calls':>6s}  note")
    for name, sec, cpu, calls, note in rows:
        print(f"{name:50s} {sec:8.3f} {cpu:8.3f} {calls:>6s}  {note}")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (wall times scale "
          "with it on a shared machine)")
    print("\nprecision (relative 1 sigma):")
    for lab, p in prec.items():
        print("  " + lab + ": " + ", ".join(f"{k}={v:.4g}" for k, v in p.items()))


if __name__ == "__main__":
    main()
