"""Compiled (numba) inner loops of the oscillation engine.

Every kernel evaluates, for each output point k,

    P_ab = δ_ab − 4 Σ_p Re X_p,ab sin²Δ_p + 2 Σ_p Im X_p,ab sin 2Δ_p ,

with Δ_p = freq[e_k, p] · L_k over the mass-state pairs p = (i > j) and the coefficients
X_p,ab = U*_ai U_bi U_aj U*_bj of the (vacuum or matter) mixing.  The caller builds
``freq`` and ``X`` per distinct energy; the kernels only do the per-point work, so a
(E, L) grid diagonalises once per energy.  The sines come from a vectorisable
Cody–Waite reduced polynomial sincos (``_sincos``), accurate to a few ulp for
|x| < 2^30, so LLVM can SIMD the whole loop without SVML; the caller switches to the
libm path (``fast=False``) for larger phases.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__ = ["probability_kernel", "sincos_floor_kernel", "MAX_FAST_PHASE",
           "matter3_coefficients"]

#: Phases (rad) above which the polynomial sincos is not used (Cody–Waite limit).
MAX_FAST_PHASE = 2.0**29

# π/2 split in three parts (Cephes sin.c DP1..DP3 scaled by 1/2) for exact reduction.
_TWO_OVER_PI = 0.63661977236758134308
_PIO2_1 = 2.0 * 7.85398125648498535156e-1
_PIO2_2 = 2.0 * 3.77489470793079817668e-8
_PIO2_3 = 2.0 * 2.69515142907905952645e-15
# Cephes sin/cos minimax coefficients on [-π/4, π/4] (S. L. Moshier, Cephes math library).
_S0 = 1.58962301576546568060e-10
_S1 = -2.50507477628578072866e-8
_S2 = 2.75573136213857245213e-6
_S3 = -1.98412698295895385996e-4
_S4 = 8.33333333332211858878e-3
_S5 = -1.66666666666666307295e-1
_C0 = -1.13585365213876817300e-11
_C1 = 2.08757008419747316778e-9
_C2 = -2.75573141792967388112e-7
_C3 = 2.48015872888517045348e-5
_C4 = -1.38888888888730564116e-3
_C5 = 4.16666666666665929218e-2


@nb.njit(inline="always", fastmath=False, cache=True)
def _sincos(x):
    """(sin x, cos x) without branches (SIMD-friendly); accurate for |x| < 2^30."""
    q = np.floor(x * _TWO_OVER_PI + 0.5)
    r = ((x - q * _PIO2_1) - q * _PIO2_2) - q * _PIO2_3
    z = r * r
    s = r + r * z * (((((_S0 * z + _S1) * z + _S2) * z + _S3) * z + _S4) * z + _S5)
    c = 1.0 - 0.5 * z + z * z * (((((_C0 * z + _C1) * z + _C2) * z + _C3) * z + _C4) * z
                                 + _C5)
    qi = np.int64(q) & 3
    # quadrant: 0 → (s, c); 1 → (c, -s); 2 → (-s, -c); 3 → (-c, s)
    swap = (qi & 1) == 1
    sn = c if swap else s
    cs = s if swap else c
    sign_s = 1.0 - 2.0 * ((qi >> 1) & 1)
    sign_c = 1.0 - 2.0 * (((qi + 1) >> 1) & 1)
    return sn * sign_s, cs * sign_c


@nb.njit(cache=True, fastmath=False)
def probability_kernel(freq, e_index, baseline, l_index, coef_re, coef_im, c_index,
                       damp2, d_index, n, fast, out):
    """Fill ``out[k, a, b]`` (P from flavour a to b) for every output point k.

    Parameters
    ----------
    freq : (nE, n-1) float
        Δ_{k1} per unit length for each distinct energy (pairs (2,1), (3,1)[, (4,1)]).
    e_index : (N,) int
        Energy index of each point.
    baseline : (nL,) float ; l_index : (N,) int
        Baselines and the baseline index of each point.
    coef_re, coef_im : (nC, npairs, n, n) float
        Re and Im of X_p,ab; pairs ordered (2,1), (3,1), (3,2)[, (4,1), (4,2), (4,3)].
    c_index : (nE,) int
        Coefficient set of each energy (all 0 in vacuum).
    damp2 : (nD,) float ; d_index : (N,) int
        Gaussian damping: sin²Δ → (1 − D cos 2Δ)/2, sin 2Δ → D sin 2Δ with
        D = exp(−2 Δ² damp2); ``damp2`` all zero disables it.
    n : int
        Number of flavours (3 or 4).
    fast : bool
        Use the polynomial sincos (|phase| < MAX_FAST_PHASE).
    out : (N, n, n) float
        Output.
    """
    npts = e_index.shape[0]
    npairs = n * (n - 1) // 2
    s2 = np.empty(6)
    sn = np.empty(6)
    bs = np.empty(3)
    bc = np.empty(3)
    for k in range(npts):
        e = e_index[k]
        L = baseline[l_index[k]]
        c = c_index[e]
        d2 = damp2[d_index[k]]
        for b in range(n - 1):
            x = 2.0 * freq[e, b] * L
            if fast:
                sb, cb = _sincos(x)
            else:
                sb, cb = math.sin(x), math.cos(x)
            bs[b] = sb
            bc[b] = cb
        # pair order: (21), (31), (32), (41), (42), (43)
        # sin/cos of 2Δ_ij for i > j > 1 by angle subtraction: 2Δ_ij = 2Δ_i1 − 2Δ_j1
        sn[0] = bs[0]
        s2[0] = bc[0]
        sn[1] = bs[1]
        s2[1] = bc[1]
        sn[2] = bs[1] * bc[0] - bc[1] * bs[0]
        s2[2] = bc[1] * bc[0] + bs[1] * bs[0]
        if n == 4:
            sn[3] = bs[2]
            s2[3] = bc[2]
            sn[4] = bs[2] * bc[0] - bc[2] * bs[0]
            s2[4] = bc[2] * bc[0] + bs[2] * bs[0]
            sn[5] = bs[2] * bc[1] - bc[2] * bs[1]
            s2[5] = bc[2] * bc[1] + bs[2] * bs[1]
        if d2 > 0.0:
            for p in range(npairs):
                if p == 0:
                    ph = freq[e, 0] * L
                elif p == 1:
                    ph = freq[e, 1] * L
                elif p == 2:
                    ph = (freq[e, 1] - freq[e, 0]) * L
                elif p == 3:
                    ph = freq[e, 2] * L
                elif p == 4:
                    ph = (freq[e, 2] - freq[e, 0]) * L
                else:
                    ph = (freq[e, 2] - freq[e, 1]) * L
                D = math.exp(-2.0 * ph * ph * d2)
                sn[p] *= D
                s2[p] *= D
        # s2 holds cos 2Δ (times D); sin²Δ = (1 − cos 2Δ)/2
        for p in range(npairs):
            s2[p] = 0.5 * (1.0 - s2[p])
        for a in range(n):
            for b in range(n):
                acc = 1.0 if a == b else 0.0
                for p in range(npairs):
                    acc += -4.0 * coef_re[c, p, a, b] * s2[p] + 2.0 * coef_im[c, p, a, b] * sn[p]
                out[k, a, b] = acc


@nb.njit(cache=True, fastmath=False)
def vacuum3_scalar_l_kernel(freq, L, cre, cim, fast, out):
    """Vacuum 3ν, one baseline, one coefficient set: the hot path of reactor spectra.

    ``freq``: (N, 2) Δ_21, Δ_31 per unit length; ``cre``/``cim``: (3, 3, 3);
    ``out``: (N, 3, 3).
    """
    npts = freq.shape[0]
    for k in range(npts):
        x0 = 2.0 * freq[k, 0] * L
        x1 = 2.0 * freq[k, 1] * L
        if fast:
            s0, c0 = _sincos(x0)
            s1, c1 = _sincos(x1)
        else:
            s0, c0 = math.sin(x0), math.cos(x0)
            s1, c1 = math.sin(x1), math.cos(x1)
        s2_0 = 0.5 * (1.0 - c0)
        s2_1 = 0.5 * (1.0 - c1)
        c2 = c1 * c0 + s1 * s0
        s2_2 = 0.5 * (1.0 - c2)
        sn2 = s1 * c0 - c1 * s0
        for a in range(3):
            for b in range(3):
                acc = 1.0 if a == b else 0.0
                acc += (-4.0 * (cre[0, a, b] * s2_0 + cre[1, a, b] * s2_1 + cre[2, a, b] * s2_2)
                        + 2.0 * (cim[0, a, b] * s0 + cim[1, a, b] * s1 + cim[2, a, b] * sn2))
                out[k, a, b] = acc


@nb.njit(cache=True, fastmath=False)
def sincos_floor_kernel(freq, L, fast, out):
    """The floor: only the two sincos per point that every 3ν matrix needs."""
    npts = freq.shape[0]
    for k in range(npts):
        x0 = 2.0 * freq[k, 0] * L
        x1 = 2.0 * freq[k, 1] * L
        if fast:
            s0, c0 = _sincos(x0)
            s1, c1 = _sincos(x1)
        else:
            s0, c0 = math.sin(x0), math.cos(x0)
            s1, c1 = math.sin(x1), math.cos(x1)
        out[k] = s0 + c0 + s1 + c1


@nb.njit(cache=True, fastmath=False)
def matter3_coefficients(m0_re, m0_im, a_ee, freq_scale, freq, cre, cim, ok, gap_tol):
    """Per-energy effective frequencies and coefficients for 3ν in constant matter.

    Closed form: the eigenvalues of the traceless part B of H' = U M² U† + diag(A, 0, 0)
    (eV²) by the trigonometric cubic solution, and the projectors onto the eigenvectors
    by Sylvester's formula P_k = Π_{j≠k} (B − λ_j)/(λ_k − λ_j) (no eigenvectors needed).

    Parameters
    ----------
    m0_re, m0_im : (3, 3) float
        U M² U† in eV² (U conjugated for antineutrinos).
    a_ee : (nE,) float
        A = 2 E V_CC in eV² (negative for antineutrinos).
    freq_scale : (nE,) float
        Phase per unit length per eV² at each energy (PHASE_FACTOR / E).
    freq, cre, cim : outputs (nE, 2), (nE, 3, 3, 3), (nE, 3, 3, 3).
    ok : (nE,) bool output
        False where two eigenvalues are closer than ``gap_tol`` × scale (caller falls back
        to a numerical eigendecomposition there).
    """
    nE = a_ee.shape[0]
    Br = np.empty((3, 3))
    Bi = np.empty((3, 3))
    B2r = np.empty((3, 3))
    B2i = np.empty((3, 3))
    Pr = np.empty((3, 3, 3))
    Pi = np.empty((3, 3, 3))
    lam = np.empty(3)
    for e in range(nE):
        A = a_ee[e]
        tr = (m0_re[0, 0] + A + m0_re[1, 1] + m0_re[2, 2]) / 3.0
        for a in range(3):
            for b in range(3):
                Br[a, b] = m0_re[a, b]
                Bi[a, b] = m0_im[a, b]
        Br[0, 0] += A
        for a in range(3):
            Br[a, a] -= tr
        # B² (Hermitian)
        for a in range(3):
            for b in range(3):
                sr = 0.0
                si = 0.0
                for c in range(3):
                    sr += Br[a, c] * Br[c, b] - Bi[a, c] * Bi[c, b]
                    si += Br[a, c] * Bi[c, b] + Bi[a, c] * Br[c, b]
                B2r[a, b] = sr
                B2i[a, b] = si
        p2 = (B2r[0, 0] + B2r[1, 1] + B2r[2, 2]) / 6.0  # tr(B²)/6
        # det B for Hermitian B (real)
        det = (Br[0, 0] * (Br[1, 1] * Br[2, 2] - (Br[1, 2] ** 2 + Bi[1, 2] ** 2))
               - Br[1, 1] * (Br[0, 2] ** 2 + Bi[0, 2] ** 2)
               - Br[2, 2] * (Br[0, 1] ** 2 + Bi[0, 1] ** 2)
               + 2.0 * (Br[0, 1] * (Br[1, 2] * Br[0, 2] + Bi[1, 2] * Bi[0, 2])
                        - Bi[0, 1] * (Br[0, 2] * Bi[1, 2] - Bi[0, 2] * Br[1, 2])))
        if p2 <= 0.0:
            ok[e] = False
            continue
        sp = math.sqrt(p2)
        r = 0.5 * det / (p2 * sp)
        if r > 1.0:
            r = 1.0
        elif r < -1.0:
            r = -1.0
        phi = math.acos(r) / 3.0
        lam[0] = 2.0 * sp * math.cos(phi + 2.0943951023931954923)  # smallest
        lam[2] = 2.0 * sp * math.cos(phi)                         # largest
        lam[1] = -lam[0] - lam[2]
        scale = 2.0 * sp
        g01 = lam[1] - lam[0]
        g12 = lam[2] - lam[1]
        if g01 < gap_tol * scale or g12 < gap_tol * scale:
            ok[e] = False
            continue
        ok[e] = True
        for k in range(3):
            i = (k + 1) % 3
            j = (k + 2) % 3
            den = 1.0 / ((lam[k] - lam[i]) * (lam[k] - lam[j]))
            li = lam[i] + lam[j]
            lp = lam[i] * lam[j]
            for a in range(3):
                for b in range(3):
                    vr = B2r[a, b] - li * Br[a, b]
                    vi = B2i[a, b] - li * Bi[a, b]
                    if a == b:
                        vr += lp
                    Pr[k, a, b] = vr * den
                    Pi[k, a, b] = vi * den
        # mass-state pairs (2,1), (3,1), (3,2) in matter-eigenvalue order
        freq[e, 0] = (lam[1] - lam[0]) * freq_scale[e]
        freq[e, 1] = (lam[2] - lam[0]) * freq_scale[e]
        for p in range(3):
            if p == 0:
                hi, lo = 1, 0
            elif p == 1:
                hi, lo = 2, 0
            else:
                hi, lo = 2, 1
            for a in range(3):
                for b in range(3):
                    # X = U*_a,hi U_b,hi U_a,lo U*_b,lo = (P_hi)_ba (P_lo)_ab
                    xr = Pr[hi, b, a] * Pr[lo, a, b] - Pi[hi, b, a] * Pi[lo, a, b]
                    xi = Pr[hi, b, a] * Pi[lo, a, b] + Pi[hi, b, a] * Pr[lo, a, b]
                    cre[e, p, a, b] = xr
                    cim[e, p, a, b] = xi
