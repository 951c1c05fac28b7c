"""Oscillation engine benchmark: time per full flavour matrix, nuexp and peers side by side.

Run:  python benchmarks/bench_oscillation.py [--quick]

Times are CPU time per core (``time.process_time``, best of a few repeats, one thread:
NUMBA_NUM_THREADS=1, OMP/OPENBLAS threads = 1), in ns per *full* matrix (all 9 or 16
probabilities), including the allocation of the output.  Peers run in the same process on
the same points (or a stated subset, scaled per matrix):

* ``numpy eigh``: a straightforward batched ``numpy.linalg.eigh`` + amplitude product;
* NuOscProbExact (``oscprob3nu``/``oscprob4nu``/``earth``, numba kernels), if installed;
* nuSQuIDS (``nuSQuIDS`` python bindings, ODE evolution), if installed — never a runtime
  dependency of nuexp.

``floor`` is the time to evaluate only the sines/cosines every matrix needs (vacuum) or
only the closed-form eigenvalues (matter, vectorised exactly as in the engine) for the same
points.  Writing a fresh N × 9 float64 output alone costs ~14 ns per matrix on the
development machine (page zeroing + ~8 GB/s stores), included in every nuexp number.
On a machine shared with other jobs the absolute numbers move by ~2×; the ratios in one
run are what to read (docs/oscillation.md quotes medians of three runs).
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
from hepunits import MeV, km  # noqa: E402
from hepunits.constants import hbarc  # noqa: E402

from nuexp.oscillation import (  # noqa: E402
    ConstantDensity,
    OscillationParameters,
    chord_length,
    hamiltonian,
    kernels,
    prem_profile,
    probability_matrix,
)
from nuexp.oscillation.constants import PHASE_FACTOR  # noqa: E402

KM_IN_INV_EV = km / (hbarc * 1e6)
NO = OscillationParameters.preset("nufit-5.2-no")
STERILE = NO.replace(sin2_theta14=0.02, sin2_theta24=0.015, sin2_theta34=0.01, dm2_41=1.3)
RHO = ConstantDensity(2.8, 0.5)


def cpu_time(fn: Callable[[], object], repeats: int = 3) -> float:
    """Best CPU time (s) of ``repeats`` calls after one warm-up call."""
    fn()
    best = math.inf
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


# --- peers ---------------------------------------------------------------------------------
def numpy_eigh(params, E, L, matter=None):
    """Straightforward batched numpy baseline: eigh of 2E·H per point, amplitude, |·|²."""
    Eb, Lb = np.broadcast_arrays(E, L)
    Eb, Lb = Eb.ravel(), Lb.ravel()
    v_cc = 0.0 if matter is None else matter.potential_ev
    v_nc = 0.0 if matter is None else matter.nc_potential_ev
    h = hamiltonian(params, Eb, potential_ev=v_cc, nc_potential_ev=v_nc)
    lam, v = np.linalg.eigh(h)
    ph = np.exp(-1j * lam * (2 * PHASE_FACTOR * Lb / Eb)[:, None])
    S = (v * ph[:, None, :]) @ np.conj(np.swapaxes(v, -1, -2))
    return np.swapaxes(np.abs(S) ** 2, -1, -2)


def _nope_h(params, E_ev, matter):
    """NuOscProbExact Hamiltonian stack (eV) from its own builders."""
    import hamiltonians3nu
    import hamiltonians4nu

    s12, s23, s13 = (math.sqrt(x) for x in (params.sin2_theta12, params.sin2_theta23,
                                             params.sin2_theta13))
    v_cc = 0.0 if matter is None else matter.potential_ev
    if params.n_flavours == 3:
        h0 = hamiltonians3nu.hamiltonian_3nu_vacuum_energy_independent(
            s12, s23, s13, params.delta_cp, params.dm2_21, params.dm2_31)
        return hamiltonians3nu.hamiltonian_3nu_matter(h0, E_ev, v_cc), h0
    s14, s24, s34 = (math.sqrt(x) for x in (params.sin2_theta14, params.sin2_theta24,
                                             params.sin2_theta34))
    h0 = hamiltonians4nu.hamiltonian_4nu_vacuum_energy_independent(
        s12, s23, s13, s14, s24, s34, params.delta_cp, params.dm2_21, params.dm2_31,
        params.dm2_41, params.delta_14, params.delta_24)
    v_nc = 0.0 if matter is None else matter.nc_potential_ev
    return hamiltonians4nu.hamiltonian_4nu_matter(h0, E_ev, v_cc, v_nc), h0


def nuoscprobexact(params, E_mev, L_km, matter=None):
    """NuOscProbExact batched call on (E, L) points (flattened)."""
    import oscprob3nu
    import oscprob4nu

    Eb, Lb = np.broadcast_arrays(E_mev, L_km)
    h, _ = _nope_h(params, Eb.ravel() * 1e6, matter)
    fn = oscprob3nu.probabilities_3nu if params.n_flavours == 3 else oscprob4nu.probabilities_4nu
    return fn(h, Lb.ravel() * KM_IN_INV_EV)


def nusquids_rows(params, E_mev, L_km, matter=None):
    """nuSQuIDS multi-energy evolution, one evolve per initial flavour (full matrix)."""
    import nuSQuIDS as nsq

    u = nsq.Const()
    n = params.n_flavours
    nus = nsq.nuSQUIDS(np.asarray(E_mev) * u.MeV, n, nsq.NeutrinoType.neutrino, False)
    for (i, j), s2 in (((0, 1), params.sin2_theta12), ((0, 2), params.sin2_theta13),
                       ((1, 2), params.sin2_theta23)):
        nus.Set_MixingAngle(i, j, math.asin(math.sqrt(s2)))
    nus.Set_SquareMassDifference(1, params.dm2_21)
    nus.Set_SquareMassDifference(2, params.dm2_31)
    nus.Set_CPPhase(0, 2, params.delta_cp)
    if matter is None:
        nus.Set_Body(nsq.Vacuum())
        nus.Set_Track(nsq.Vacuum.Track(L_km * u.km))
    else:
        nus.Set_Body(nsq.ConstantDensity(matter.density_g_cm3, matter.ye))
        nus.Set_Track(nsq.ConstantDensity.Track(L_km * u.km))
    nus.Set_rel_error(1e-9)
    nus.Set_abs_error(1e-9)
    out = np.empty((len(E_mev), n, n))
    for a in range(n):
        state = np.zeros((len(E_mev), n))
        state[:, a] = 1.0
        nus.Set_initial_state(state, nsq.Basis.flavor)
        nus.EvolveState()
        for k in range(len(E_mev)):
            for b in range(n):
                out[k, a, b] = nus.EvalFlavorAtNode(b, k, 0)
    return out


def _available(module: str) -> bool:
    try:
        __import__(module)
        return True
    except Exception:
        return False


# --- floors ----------------------------------------------------------------------------------
def vacuum_floor(params, x):
    kf = PHASE_FACTOR * np.asarray(params.mass_squared_differences()[1:])
    out = np.empty(x.size)
    kernels.sincos_floor_kernel(params.n_flavours, kf, x, True, out)
    return out


def matter_floor(E):
    """Only the closed-form eigenvalues (trigonometric cubic) for every point, computed as
    the engine does (vectorised Cephes asin and unreduced sincos), nothing else."""
    u = np.asarray(hamiltonian(NO, E[:1]))[0]  # same structure; A varies per point
    a = 2.0 * (E / 1e-6) * RHO.potential_ev
    return _cubic_only(np.ascontiguousarray(u.real), np.ascontiguousarray(u.imag), a)


import numba as _nb  # noqa: E402

from nuexp.oscillation.kernels import _SQRT3, _THIRD, _asin, _sincos_small  # noqa: E402


@_nb.njit(cache=False, fastmath={"contract"}, error_model="numpy")
def _cubic_only(m0_re, m0_im, a_ee):
    out = np.empty(a_ee.shape[0])
    g0, g1, g2 = m0_re[0, 0], m0_re[1, 1], m0_re[2, 2]
    ax = m0_re[0, 1] ** 2 + m0_im[0, 1] ** 2
    ay = m0_re[0, 2] ** 2 + m0_im[0, 2] ** 2
    az = m0_re[1, 2] ** 2 + m0_im[1, 2] ** 2
    re_xzy = ((m0_re[0, 1] * m0_re[1, 2] - m0_im[0, 1] * m0_im[1, 2]) * m0_re[0, 2]
              + (m0_re[0, 1] * m0_im[1, 2] + m0_im[0, 1] * m0_re[1, 2]) * m0_im[0, 2])
    for i in range(a_ee.shape[0]):
        A = a_ee[i]
        tr = (g0 + A + g1 + g2) * _THIRD
        d0, d1, d2 = g0 + A - tr, g1 - tr, g2 - tr
        p2 = (d0 * d0 + d1 * d1 + d2 * d2 + 2.0 * (ax + ay + az)) * (1.0 / 6.0)
        det = d0 * d1 * d2 + 2.0 * re_xzy - d0 * az - d1 * ay - d2 * ax
        sp = np.sqrt(p2)
        r = min(1.0, max(-1.0, 0.5 * det / (p2 * sp)))
        s, c = _sincos_small(-_asin(r) * _THIRD)
        out[i] = sp * (_SQRT3 * c - s) - sp * (_SQRT3 * c + s)   # λ2 + λ0
    return out


# --- the table -----------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10x fewer points")
    args = ap.parse_args()
    scale = 10 if args.quick else 1
    n1 = 10**6 // scale
    ng = 1000 if not args.quick else 300
    have_nope = _available("oscprob3nu")
    have_nsq = _available("nuSQuIDS")

    E1 = np.linspace(1.0, 10.0, n1)            # MeV, one baseline
    L1 = 52.5                                    # km
    Eg = np.linspace(1.0, 10.0, ng)[:, None]     # MeV x km grid
    Lg = np.linspace(1.0, 200.0, ng)[None, :]
    E1h = np.linspace(0.5, 20.0, n1) * 1e3       # MeV (GeV range) for matter rows
    L1h = 1300.0
    Egh = np.geomspace(500.0, 2e4, ng)[:, None]
    Lgh = np.linspace(100.0, 1.2e4, ng)[None, :]

    rows = []

    def row(name, npts, ours, floor=None, eigh=None, nope=None, nsq=None, note=""):
        per = lambda t, n: None if t is None else t / n * 1e9  # noqa: E731
        rows.append((name, npts, per(ours, npts), floor, eigh, nope, nsq, note))

    def peer(fn, npts_full, npts_sub):
        t = cpu_time(fn, repeats=1)
        return t / npts_sub * 1e9

    sub = max(n1 // 10, 1000)   # subset for the slow peers, scaled per matrix
    print(f"points: {n1:,} energies x 1 baseline; {ng}x{ng} (E, L) grid; "
          f"NuOscProbExact {'yes' if have_nope else 'NOT installed'}; "
          f"nuSQuIDS {'yes' if have_nsq else 'NOT installed (pip install nusquids failed)'}")

    # 1. vacuum 3ν
    for label, E, L, N in (("vacuum 3ν, 1e6 E × 1 L", E1, L1, n1),
                           ("vacuum 3ν, E×L grid", Eg, Lg, ng * ng)):
        t = cpu_time(lambda: probability_matrix(NO, E * MeV, L * km))
        x = np.ascontiguousarray(np.broadcast_to(L * km / (E * MeV), np.broadcast_shapes(
            np.shape(E), np.shape(L)))).ravel()
        fl = cpu_time(lambda: vacuum_floor(NO, x)) / N * 1e9
        Es, Ls = (E[:sub], L) if np.ndim(L) == 0 else (Eg[:max(ng // 10, 10)], Lg)
        ns = np.broadcast(Es, Ls).size
        eig = peer(lambda: numpy_eigh(NO, Es * MeV, Ls * km), N, ns)
        nope = peer(lambda: nuoscprobexact(NO, Es, Ls), N, ns) if have_nope else None
        nsq = None
        if have_nsq:
            e_nsq = np.linspace(1.0, 10.0, 200)
            nsq = cpu_time(lambda: nusquids_rows(NO, e_nsq, L1), repeats=1) / e_nsq.size * 1e9
        row(label, N, t, fl, eig, nope, nsq)

    # 2. constant matter 3ν (GeV energies, long baselines)
    for label, E, L, N in (("matter 3ν ρ=2.8, 1e6 E × 1 L", E1h, L1h, n1),
                           ("matter 3ν ρ=2.8, E×L grid", Egh, Lgh, ng * ng)):
        t = cpu_time(lambda: probability_matrix(NO, E * MeV, L * km, matter=RHO))
        Eflat = np.ascontiguousarray(np.broadcast_to(E, np.broadcast_shapes(
            np.shape(E), np.shape(L)))).ravel() * MeV
        fl = cpu_time(lambda: matter_floor(Eflat)) / N * 1e9 if np.ndim(L) == 0 else \
            cpu_time(lambda: matter_floor(np.ravel(E) * MeV)) / N * 1e9
        Es, Ls = (E[:sub], L) if np.ndim(L) == 0 else (Egh[:max(ng // 10, 10)], Lgh)
        ns = np.broadcast(Es, Ls).size
        eig = peer(lambda: numpy_eigh(NO, Es * MeV, Ls * km, RHO), N, ns)
        nope = peer(lambda: nuoscprobexact(NO, Es, Ls, RHO), N, ns) if have_nope else None
        nsq = None
        if have_nsq:
            e_nsq = np.geomspace(500.0, 2e4, 100)
            nsq = cpu_time(lambda: nusquids_rows(NO, e_nsq, L1h, RHO), repeats=1) / 100 * 1e9
        note = "floor = eigenvalues only" if np.ndim(L) == 0 else \
            "floor = eigenvalues per E only"
        row(label, N, t, fl, eig, nope, nsq, note)

    # 3. 3+1 in matter
    for label, E, L, N in (("3+1 matter ρ=2.8, 1e6 E × 1 L", E1h, L1h, n1),
                           ("3+1 matter ρ=2.8, E×L grid", Egh, Lgh, ng * ng)):
        t = cpu_time(lambda: probability_matrix(STERILE, E * MeV, L * km, matter=RHO))
        Es, Ls = (E[:sub], L) if np.ndim(L) == 0 else (Egh[:max(ng // 10, 10)], Lgh)
        ns = np.broadcast(Es, Ls).size
        eig = peer(lambda: numpy_eigh(STERILE, Es * MeV, Ls * km, RHO), N, ns)
        nope = peer(lambda: nuoscprobexact(STERILE, Es, Ls, RHO), N, ns) if have_nope else None
        note = ("ours: real-arithmetic Jacobi per point (vacuum-basis start)" if np.ndim(L) == 0
                else "ours: LAPACK eigh per E, then the grid kernel")
        row(label, N, t, None, eig, nope, None, note)

    # 4. PREM (layered), 3ν
    chord = 12000.0
    prof = prem_profile(chord * km)
    ne = 20000 // scale
    Ep = np.geomspace(1.0, 30.0, ne) * 1e3
    t = cpu_time(lambda: probability_matrix(NO, Ep * MeV, chord * km, matter=prof))
    nope = None
    if have_nope:
        import earth

        _, h0 = _nope_h(NO, Ep[:1] * 1e6, None)
        cz = -chord / (2 * 6371.0)
        es = Ep[: max(ne // 10, 100)] * 1e6
        nope = cpu_time(lambda: earth.probabilities_3nu_earth(h0, es, cz), repeats=1) / es.size * 1e9
    row(f"PREM 3ν, {ne:,} E × 1 chord ({len(prof.layers)} layers)", ne, t, None, None, nope,
        None, "peer: its default 8 slabs/segment (more slabs than our 72)")
    nz = 100 // (3 if args.quick else 1)
    cz = np.linspace(-1.0, -0.05, nz)
    Ez = np.geomspace(1.0, 30.0, nz) * 1e3
    from nuexp.oscillation.matter import _prem_chord

    def grid(cold):
        if cold:
            _prem_chord.cache_clear()
        return probability_matrix(NO, Ez[None, :] * MeV, chord_length(cz)[:, None],
                                  matter=_prem())

    t = cpu_time(lambda: grid(True), repeats=1)
    row(f"PREM 3ν, {nz}×{nz} (cos θz, E) grid, cold", nz * nz, t, None, None, None, None,
        "includes building each chord (few E per chord)")
    t = cpu_time(lambda: grid(False), repeats=1)
    row(f"PREM 3ν, {nz}×{nz} (cos θz, E) grid, warm", nz * nz, t, None, None, None, None,
        "chords memoised by PremEarth (repeated oscillograms)")
    # vacuum with a reused output buffer (the call pattern inside a fit)
    buf = np.empty((n1, 3, 3))
    t = cpu_time(lambda: probability_matrix(NO, E1 * MeV, L1 * km, out=buf))
    row("vacuum 3ν, 1e6 E × 1 L, out= reused", n1, t, None, None, None, None,
        "no allocation/page faults")
    x = np.ascontiguousarray(L1 * km / (E1 * MeV))
    from nuexp.oscillation import pmns_matrix
    from nuexp.oscillation.engine import _coef_matrix, _coefficients_from_u
    A = _coef_matrix(*_coefficients_from_u(pmns_matrix(NO)))
    kf = PHASE_FACTOR * np.asarray(NO.mass_squared_differences()[1:])
    flat = np.empty((n1, 9))
    t = cpu_time(lambda: kernels.vacuum_kernel(3, kf, x, A, True, flat))
    row("vacuum 3ν, 1e6 E × 1 L, kernel only", n1, t, None, None, None, None,
        "no input checks, no allocation")
    t = cpu_time(lambda: np.empty((n1, 9)).fill(0.5))
    row("memory floor: write a fresh N × 9 output", n1, t, None, None, None, None,
        "np.empty + fill: what every row above pays for its output")

    # --- print
    hdr = (f"{'case':44s} {'points':>10s} {'nuexp':>9s} {'floor':>8s} {'np.eigh':>9s} "
           f"{'NuOscPE':>9s} {'nuSQuIDS':>10s} {'best peer/nuexp':>15s}  note")
    print("\ntime per full flavour matrix [ns], CPU time, one core\n" + hdr)
    print("-" * len(hdr))
    f = lambda v: "—" if v is None else (f"{v:,.0f}" if v >= 10 else f"{v:.1f}")  # noqa: E731
    for name, npts, ours, floor, eig, nope, nsq, note in rows:
        peers = [v for v in (nope, nsq) if v is not None]
        ratio = "—" if not peers else f"{min(peers) / ours:.1f}x"
        print(f"{name:44s} {npts:>10,} {f(ours):>9s} {f(floor):>8s} {f(eig):>9s} "
              f"{f(nope):>9s} {f(nsq):>10s} {ratio:>15s}  {note}")
    print("\nmemory: the output (N × n² float64) plus O(N) float64 scratch (L/E or phases); "
          "per-energy coefficients for grids are O(#E).")


def _prem():
    from nuexp.oscillation import PremEarth

    return PremEarth()


if __name__ == "__main__":
    main()
