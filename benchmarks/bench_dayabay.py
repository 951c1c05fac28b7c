"""Benchmark: nuexp vs the official Daya Bay model (dayabay-model 1.7.1) on the release.

Runs, from cold processes, the normal-ordering fit with all systematics as a covariance
matrix (CNP χ², 546 bins, 21 free parameters) in

* nuexp (this environment), and
* the collaboration's ``dayabay-model`` 1.7.1 (``dagflow-team/dayabay-model``) if it is
  installed in a separate Python 3.11 environment (default ``/work/venv-dyb``; set with
  ``--official-python``), driven through a subprocess — it is never imported here and is
  not a dependency of nuexp (``bench`` extra only),

and prints best fit, errors, χ², number of χ² evaluations, time per evaluation and wall
time side by side.  Data: Daya Bay data release, Zenodo 10.5281/zenodo.17587229 (CC BY
4.0); F. P. An et al., PRL 130, 161802 (2023).

Measured 2026-11-23 on the shared 2-core machine (nuexp: background_uncertainty =
"official-1.7", Gauss–Newton HESSE)::

                           nuexp                 dayabay-model 1.7.1
    sin2_2theta13          0.08542 ± 0.00232     0.08542 ± 0.00232
    dm2_32 [1e-3 eV2]      2.4710 ± 0.0599       2.4708 ± 0.0590
    chi2 (ndf 525)         558.04                557.98
    chi2 evaluations       33 + 17 gradients     1421
    build + covariance     4.1 s                 131.6 s
    MIGRAD + HESSE         1.5 s                 66.9 s
    wall, cold process     9.0 s                 200.8 s   (22× faster; Δ < 0.003σ)

Usage::

    python benchmarks/bench_dayabay.py [--official-python /work/venv-dyb/bin/python]
           [--background-uncertainty official-1.7] [--skip-official]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

OFFICIAL_DRIVER = textwrap.dedent(r'''
    import json, sys, time
    t0 = time.perf_counter()
    import iminuit
    from dag_modelling.tools.make_fcn import make_fcn
    from dayabay_data_official import get_path_data
    from dayabay_model import model_dayabay
    t_import = time.perf_counter() - t0
    t = time.perf_counter()
    model = model_dayabay(path_data=get_path_data("hdf5"))
    t_build = time.perf_counter() - t
    st = model.storage
    model.switch_data("real")
    pars = {p.name: p for p in filter(lambda x: "global_normalization" not in x.name,
                                      st["parameters.free"].walkvalues())}
    fcn = make_fcn(st["outputs.statistic.full.covmat.chi2cnp"], parameters=pars, safe=False)
    ncall = [0]
    import numpy as np
    def counted(*x):
        ncall[0] += 1
        return float(np.asarray(fcn(*x)).ravel()[0])
    t = time.perf_counter()
    first = float(counted(*[p.value for p in pars.values()]))
    t_first = time.perf_counter() - t
    m = iminuit.Minuit(counted, name=pars.keys(), **{n: p.value for n, p in pars.items()})
    m.errordef = 1
    t = time.perf_counter()
    m.migrad()
    t_migrad = time.perf_counter() - t
    n_migrad = ncall[0]
    t = time.perf_counter()
    m.hesse()
    t_hesse = time.perf_counter() - t
    s, d = "survival_probability.SinSq2Theta13", "survival_probability.DeltaMSq32"
    print("RESULT " + json.dumps({
        "sin2_2theta13": m.values[s], "err_sin2_2theta13": m.errors[s],
        "dm2_32": m.values[d], "err_dm2_32": m.errors[d], "chi2": m.fval, "valid": m.valid,
        "n_calls": ncall[0], "n_calls_migrad": n_migrad, "t_import": t_import,
        "t_build": t_build, "t_first_eval_with_covariance": t_first, "t_migrad": t_migrad,
        "t_hesse": t_hesse, "first_chi2": first}))
''')

NUEXP_DRIVER = textwrap.dedent(r'''
    import json, sys, time
    t0 = time.perf_counter()
    from nuexp.experiments.dayabay.fit import single_thread_blas
    from nuexp.experiments.dayabay.data import load_release
    from nuexp.experiments.dayabay.fit import DayaBayFit
    from nuexp.experiments.dayabay.model import DayaBayModel
    t_import = time.perf_counter() - t0
    with single_thread_blas():
        t = time.perf_counter()
        model = DayaBayModel(load_release(), background_uncertainty=sys.argv[1])
        t_build = time.perf_counter() - t
        t = time.perf_counter()
        fit = DayaBayFit(model)
        t_cov = time.perf_counter() - t
        t = time.perf_counter()
        r = fit.fit(hesse=sys.argv[2])
        t_fit = time.perf_counter() - t
    print("RESULT " + json.dumps({
        "sin2_2theta13": r.values["sin2_2theta13"], "err_sin2_2theta13": r.errors["sin2_2theta13"],
        "dm2_32": r.values["dm2_32"], "err_dm2_32": r.errors["dm2_32"], "chi2": r.chi2,
        "valid": r.valid, "n_calls": r.n_calls, "n_grad": r.n_grad, "t_import": t_import,
        "t_build": t_build, "t_covariance": t_cov, "t_fit": t_fit,
        "t_migrad": fit.last_migrad_seconds}))
''')


def _run(python: str, code: str, args: list[str], timeout: float) -> tuple[dict | None, float, str]:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(code)
        path = handle.name
    t = time.perf_counter()
    try:
        proc = subprocess.run([python, path, *args], capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - t, "timeout"
    finally:
        Path(path).unlink(missing_ok=True)
    wall = time.perf_counter() - t
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:]), wall, ""
    return None, wall, (proc.stderr or proc.stdout)[-2000:]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official-python", default="/work/venv-dyb/bin/python")
    parser.add_argument("--background-uncertainty", default="official-1.7",
                        choices=["absolute", "official-1.7"])
    parser.add_argument("--hesse", default="gauss-newton", choices=["gauss-newton", "numerical"])
    parser.add_argument("--skip-official", action="store_true")
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args(argv)

    rows = {}
    res, wall, err = _run(sys.executable, NUEXP_DRIVER,
                          [args.background_uncertainty, args.hesse], args.timeout)
    if res is None:
        print("nuexp failed:", err)
        return 1
    res["wall"] = wall
    rows["nuexp"] = res
    official_ok = (not args.skip_official and Path(args.official_python).exists()
                   and subprocess.run([args.official_python, "-c", "import dayabay_model"],
                                      capture_output=True).returncode == 0)
    if official_ok:
        res, wall, err = _run(args.official_python, OFFICIAL_DRIVER, [], args.timeout)
        if res is None:
            print("dayabay-model failed:", err)
        else:
            res["wall"] = wall
            rows["dayabay-model 1.7.1"] = res
    else:
        print("dayabay-model 1.7.1: not installed (create a Python 3.11 venv and "
              "`pip install dayabay-model==1.7.1`, pass --official-python)")

    print(f"\nDaya Bay NO fit, covariance CNP chi2, 546 bins, 21 free parameters "
          f"(nuexp background uncertainty: {args.background_uncertainty}, HESSE: {args.hesse})")
    header = f"{'':22s}" + "".join(f"{k:>22s}" for k in rows)
    print(header)

    def line(label, fn):
        print(f"{label:22s}" + "".join(f"{fn(v):>22s}" for v in rows.values()))
    line("sin2_2theta13", lambda v: f"{v['sin2_2theta13']:.5f} ± {v['err_sin2_2theta13']:.5f}")
    line("dm2_32 [1e-3 eV2]", lambda v: f"{v['dm2_32']*1e3:.4f} ± {v['err_dm2_32']*1e3:.4f}")
    line("chi2 (ndf 525)", lambda v: f"{v['chi2']:.2f}")
    line("chi2 evaluations", lambda v: f"{v['n_calls']}" + (f" + {v['n_grad']} grad"
                                                             if "n_grad" in v else ""))
    line("import [s]", lambda v: f"{v['t_import']:.1f}")
    line("build [s]", lambda v: f"{v['t_build']:.1f}")
    line("covariance [s]", lambda v: f"{v.get('t_covariance', v.get('t_first_eval_with_covariance', 0)):.1f}")
    line("MIGRAD [s]", lambda v: f"{v['t_migrad']:.1f}")
    line("MIGRAD+HESSE [s]", lambda v: f"{v.get('t_fit', v['t_migrad'] + v.get('t_hesse', 0)):.1f}")
    line("ms per chi2 (MIGRAD)", lambda v: f"{1e3 * v['t_migrad'] / max(v.get('n_calls_migrad', v['n_calls'] + 3 * v.get('n_grad', 0)), 1):.1f}")
    line("wall, cold process [s]", lambda v: f"{v['wall']:.1f}")
    if len(rows) == 2:
        a, b = rows["nuexp"], rows["dayabay-model 1.7.1"]
        print(f"\nspeed-up (wall, cold process): {b['wall'] / a['wall']:.1f}×; "
              f"Δ sin2_2theta13 = {(a['sin2_2theta13'] - b['sin2_2theta13']) / b['err_sin2_2theta13']:+.3f}σ, "
              f"Δ dm2_32 = {(a['dm2_32'] - b['dm2_32']) / b['err_dm2_32']:+.3f}σ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
