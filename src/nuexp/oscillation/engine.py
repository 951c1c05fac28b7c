"""Oscillation probabilities: vacuum, constant-density matter, layered matter, 3ν and 3+1.

All flavour pairs at once, broadcasting over energy and baseline arrays of any shapes.
Energies and baselines are in hepunits (``energy * MeV``, ``baseline * km``).

The exact N-flavour result is written as

    P(ν_a → ν_b) = δ_ab − 4 Σ_{i>j} Re X_ij sin²Δ_ij + 2 Σ_{i>j} Im X_ij sin 2Δ_ij ,
    X_ij = U*_ai U_bi U_aj U*_bj ,   Δ_ij = Δm²_ij L / (4E) ,

in vacuum; in constant matter the same form holds with U and Δm² replaced by the
eigenvectors and eigenvalues of 2E·H (computed once per distinct energy, closed form for
3ν, LAPACK for 3+1).  Layered matter multiplies the evolution operators of the layers.
Antineutrinos: U → U*, V → −V.

Examples
--------
>>> import numpy as np
>>> from hepunits import MeV, km
>>> from nuexp.oscillation import (OscillationParameters, probability,
...                                probability_matrix, reactor_survival, ConstantDensity)
>>> p = OscillationParameters.preset("juno-talk")
>>> E = np.linspace(2, 8, 4) * MeV
>>> pee = probability(p, "e", "e", E, 52.5 * km, antineutrino=True)
>>> pee.shape
(4,)
>>> M = probability_matrix(p, E[:, None], np.array([1.6, 52.5]) * km)   # (E, L) grid
>>> M.shape                                   # index [..., from, to]
(4, 2, 3, 3)
>>> bool(np.allclose(M.sum(axis=-1), 1.0))
True
>>> bool(np.allclose(reactor_survival(p, E, 52.5 * km), pee, atol=1e-12))
True
>>> pm = probability(p, "e", "e", E, 52.5 * km, antineutrino=True,
...                  matter=ConstantDensity(2.45))
>>> bool(np.all(np.abs(pm - pee) < 0.02))
True
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..exceptions import UnknownName, UnphysicalParameter
from ..validation import require_non_negative, require_positive
from . import kernels
from .constants import PHASE_FACTOR
from .matter import ConstantDensity, LayeredProfile, PremEarth
from .parameters import OscillationParameters
from .pmns import pmns_matrix

__all__ = [
    "FLAVOURS",
    "flavour_index",
    "probability",
    "probability_matrix",
    "reactor_survival",
    "hamiltonian",
    "Matter",
]

#: Flavour labels in index order.
FLAVOURS: tuple[str, ...] = ("e", "mu", "tau", "s")
_ALIASES = {"e": 0, "nue": 0, "mu": 1, "m": 1, "numu": 1, "tau": 2, "t": 2, "nutau": 2,
            "s": 3, "sterile": 3, "nus": 3}

Matter = ConstantDensity | LayeredProfile | PremEarth | None

# mass-state pair order used by the kernels: (2,1), (3,1), (3,2), (4,1), (4,2), (4,3)
_PAIRS = {3: ((1, 0), (2, 0), (2, 1)),
          4: ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))}
# eV in hepunits energy (MeV = 1)
_EV = 1e-6


def flavour_index(flavour: str | int, n_flavours: int) -> int:
    """Index of a flavour label ("e", "mu", "tau", "s") or int, checked against n."""
    if isinstance(flavour, (int, np.integer)) and not isinstance(flavour, bool):
        idx = int(flavour)
    else:
        key = str(flavour).strip().lower()
        if key not in _ALIASES:
            raise UnknownName(f"unknown flavour {flavour!r}; allowed: e, mu, tau, s (3+1)")
        idx = _ALIASES[key]
    if not 0 <= idx < n_flavours:
        allowed = ", ".join(FLAVOURS[:n_flavours])
        raise UnknownName(f"flavour {flavour!r} not available with {n_flavours} flavours; "
                          f"allowed: {allowed}" + ("" if n_flavours == 4 else
                                                   " (the sterile 's' needs dm2_41)"))
    return idx


def _mixing(params: OscillationParameters, antineutrino: bool) -> np.ndarray:
    u = pmns_matrix(params)
    return u.conj() if antineutrino else u


def _coefficients_from_u(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """X_p,ab = U*_ai U_bi U_aj U*_bj for the kernel's pair order; u: (..., n, n)."""
    n = u.shape[-1]
    xs = []
    for hi, lo in _PAIRS[n]:
        ui, uj = u[..., :, hi], u[..., :, lo]
        # [a, b] = conj(U_a,hi) U_b,hi U_a,lo conj(U_b,lo)
        xs.append((np.conj(ui) * uj)[..., :, None] * (ui * np.conj(uj))[..., None, :])
    x = np.stack(xs, axis=-3)
    return np.ascontiguousarray(x.real), np.ascontiguousarray(x.imag)


def hamiltonian(params: OscillationParameters, energy: ArrayLike, *,
                antineutrino: bool = False, potential_ev: ArrayLike = 0.0,
                nc_potential_ev: ArrayLike = 0.0) -> np.ndarray:
    """The flavour-basis Hamiltonian times 2E, in eV²: U M² U† + 2E diag(V_CC, 0, 0[, −V_NC]).

    Parameters
    ----------
    energy : array_like
        Neutrino energy (hepunits).
    potential_ev, nc_potential_ev : array_like
        V_CC and V_NC in eV (neutrino signs; flipped here for antineutrinos).

    Returns
    -------
    numpy.ndarray
        Complex, shape ``broadcast(energy, potentials) + (n, n)``.
    """
    u = _mixing(params, antineutrino)
    n = params.n_flavours
    m2 = np.asarray(params.mass_squared_differences())
    h0 = (u * m2[None, :]) @ u.conj().T
    sign = -1.0 if antineutrino else 1.0
    e_ev = np.asarray(energy, dtype=float) / _EV
    a_cc = sign * 2.0 * e_ev * np.asarray(potential_ev, dtype=float)
    shape = np.broadcast(e_ev, a_cc).shape
    h = np.broadcast_to(h0, shape + (n, n)).copy()
    h[..., 0, 0] += a_cc
    if n == 4:
        a_nc = sign * 2.0 * e_ev * np.asarray(nc_potential_ev, dtype=float)
        h[..., 3, 3] -= a_nc
    return h


# --- input checks -------------------------------------------------------------------------
def _check_inputs(energy: ArrayLike, baseline: ArrayLike):
    E = require_positive("energy", energy)
    L = require_non_negative("baseline", baseline)
    try:
        shape = np.broadcast_shapes(E.shape, L.shape)
    except ValueError as err:
        raise UnphysicalParameter(
            f"energy (shape {E.shape}) and baseline (shape {L.shape}) do not broadcast"
        ) from err
    return E, L, shape


def _indices(arr: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    idx = np.arange(arr.size, dtype=np.int64).reshape(arr.shape)
    return np.ascontiguousarray(np.broadcast_to(idx, shape)).ravel()


def _smearing(energy_resolution, baseline_spread, E, L, shape):
    """Per-point (σ_E/E)² + (σ_L/L)² for the analytic Gaussian damping, or None."""
    if energy_resolution is None and baseline_spread is None:
        return None
    d2 = np.zeros(shape)
    if energy_resolution is not None:
        r = require_non_negative("energy_resolution", energy_resolution)
        d2 = d2 + np.broadcast_to(r, shape) ** 2
    if baseline_spread is not None:
        s = require_non_negative("baseline_spread", baseline_spread)
        Lb = np.broadcast_to(L, shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(Lb > 0, np.broadcast_to(s, shape) / np.where(Lb > 0, Lb, 1.0), 0.0)
        d2 = d2 + rel**2
    return np.ascontiguousarray(d2, dtype=float).ravel()


def _coef_matrix(cre: np.ndarray, cim: np.ndarray) -> np.ndarray:
    """(…, npairs, n, n) Re/Im X → the kernels' (…, 2·npairs + 1, n²) coefficient matrix."""
    npairs, n = cre.shape[-3], cre.shape[-1]
    lead = cre.shape[:-3]
    A = np.empty(lead + (2 * npairs + 1, n * n))
    A[..., :npairs, :] = -4.0 * cre.reshape(lead + (npairs, n * n))
    A[..., npairs:2 * npairs, :] = 2.0 * cim.reshape(lead + (npairs, n * n))
    A[..., 2 * npairs, :] = np.eye(n).ravel()
    return np.ascontiguousarray(A)


def _alloc(N: int, nn: int, buf: np.ndarray | None) -> np.ndarray:
    """(N, nn) output: a view of the caller's ``out`` buffer, or a new array."""
    return np.empty((N, nn)) if buf is None else buf.reshape(N, nn)


def _is_fast(max_phase: float) -> bool:
    return bool(np.isfinite(max_phase) and max_phase < kernels.MAX_FAST_PHASE)


def _run_general(freq, E, L, shape, cre, cim, c_index, damp2, n):
    """Any broadcast pattern, optional damping: one point at a time."""
    N = int(np.prod(shape, dtype=np.int64))
    out = np.empty((N, n, n))
    if N == 0:
        return out.reshape(shape + (n, n))
    fast = _is_fast(float(np.max(np.abs(freq)) * 2.0 * np.max(L)))
    Lflat = np.ascontiguousarray(L, dtype=float).ravel()
    e_index = _indices(E, shape)
    l_index = _indices(L, shape)
    if damp2 is None:
        damp = np.zeros(1)
        d_index = np.zeros(N, dtype=np.int64)
    else:
        damp = damp2
        d_index = np.arange(N, dtype=np.int64)
    kernels.probability_kernel(freq, e_index, Lflat, l_index, cre, cim, c_index, damp,
                               d_index, n, fast, out)
    return out.reshape(shape + (n, n))


def _run_per_energy(freq, E, L, shape, cre, cim, damp2, n, buf=None):
    """Per-energy coefficients (matter): runs of points sharing an energy when the output
    is energy-major (the usual (E, L) grid or one baseline), else the general kernel."""
    N = int(np.prod(shape, dtype=np.int64))
    if N == 0:
        return np.empty(shape + (n, n))
    if (damp2 is None and len(shape) == 2 and E.shape == (shape[0], 1)
            and L.shape in ((1, shape[1]), (shape[1],))):
        # (E, L) grid: one run per energy over the same baselines, no N-sized index arrays
        nE, nL = shape
        x_l = np.ascontiguousarray(L, dtype=float).ravel()
        fast = _is_fast(float(np.max(np.abs(freq)) * 2.0 * np.max(x_l)))
        out = _alloc(N, n * n, buf)
        kernels.runs_kernel(n, np.ascontiguousarray(freq), _coef_matrix(cre, cim),
                            np.arange(nE, dtype=np.int64),
                            np.arange(0, N + 1, nL, dtype=np.int64), x_l, fast, out,
                            periodic=True)
        return out.reshape(shape + (n, n))
    if damp2 is None:
        e_index = _indices(E, shape)
        if N == 1 or np.all(e_index[1:] >= e_index[:-1]):
            starts = np.flatnonzero(e_index[1:] != e_index[:-1]) + 1
            run_start = np.concatenate(([0], starts, [N])).astype(np.int64)
            run_energy = np.ascontiguousarray(e_index[run_start[:-1]])
            x_l = np.ascontiguousarray(np.broadcast_to(L, shape), dtype=float).ravel()
            fast = _is_fast(float(np.max(np.abs(freq)) * 2.0 * np.max(L)))
            A = _coef_matrix(cre, cim)
            out = _alloc(N, n * n, buf)
            kernels.runs_kernel(n, np.ascontiguousarray(freq), A, run_energy, run_start, x_l,
                                fast, out)
            return out.reshape(shape + (n, n))
    c_index = np.arange(E.size, dtype=np.int64)
    return _run_general(freq, E, L, shape, cre, cim, c_index, damp2, n)


# --- vacuum and constant density -----------------------------------------------------------
def _vacuum(params, E, L, shape, antineutrino, damp2, buf=None):
    n = params.n_flavours
    u = _mixing(params, antineutrino)
    cre, cim = _coefficients_from_u(u)
    m2 = np.asarray(params.mass_squared_differences())
    if damp2 is not None:
        inv_e = PHASE_FACTOR / E.ravel()
        freq = np.ascontiguousarray(inv_e[:, None] * m2[None, 1:])
        c_index = np.zeros(E.size, dtype=np.int64)
        return _run_general(freq, E, L, shape, cre[None], cim[None], c_index, damp2, n)
    N = int(np.prod(shape, dtype=np.int64))
    out = _alloc(N, n * n, buf)
    if N == 0:
        return out.reshape(shape + (n, n))
    kfreq = PHASE_FACTOR * m2[1:]
    if (E.size == 1 or E.shape == shape) and (L.size == 1 or L.shape == shape):
        # L/E formed in the kernel: no O(N) temporary for one baseline or one energy
        num, den = _flat(L, shape), _flat(E, shape)
        x_max = float(np.max(num)) / float(np.min(den))
    else:
        num = np.ascontiguousarray(np.broadcast_to(L / E, shape), dtype=float).ravel()
        den = None
        x_max = float(np.max(num))
    fast = _is_fast(float(np.max(np.abs(kfreq)) * 2.0 * x_max))
    kernels.vacuum_kernel(n, kfreq, num, _coef_matrix(cre, cim), fast, out, den)
    return out.reshape(shape + (n, n))


def _eigh_coefficients(h: np.ndarray, inv_e: np.ndarray):
    """Frequencies and X coefficients from a numerical eigendecomposition of h (eV²)."""
    lam, v = np.linalg.eigh(h)
    freq = (lam[:, 1:] - lam[:, :1]) * inv_e[:, None]
    cre, cim = _coefficients_from_u(v)
    return np.ascontiguousarray(freq), cre, cim


def _eigh_probability(h: np.ndarray, w: np.ndarray) -> np.ndarray:
    """P[k, from, to] from Hamiltonians h[k] (eV², times 2E) and phases w[k] = L/(2E) (eV⁻²)."""
    lam, v = np.linalg.eigh(h)
    lam = lam - lam[:, :1]
    ph = np.exp(-1j * lam * w[:, None])
    S = (v * ph[:, None, :]) @ np.conj(np.swapaxes(v, -1, -2))
    return np.swapaxes(np.abs(S) ** 2, -1, -2)


def _flat(arr: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``arr`` as a flat C-contiguous float array of ``shape``'s size ((1,) for a scalar
    broadcast everywhere); copies only when it must broadcast."""
    if arr.size == 1:
        return np.ascontiguousarray(arr, dtype=float).reshape(1)
    if arr.shape == shape:
        return np.ascontiguousarray(arr, dtype=float).ravel()
    return np.ascontiguousarray(np.broadcast_to(arr, shape), dtype=float).ravel()


def _constant3_pointwise(params, E, L, shape, antineutrino, matter, buf=None):
    """3ν constant matter, closed form at every point (many distinct energies)."""
    N = int(np.prod(shape, dtype=np.int64))
    u = _mixing(params, antineutrino)
    m2 = np.asarray(params.mass_squared_differences())
    m0 = (u * m2[None, :]) @ u.conj().T
    sign = -1.0 if antineutrino else 1.0
    # A = sign·2·(E/eV)·V and w = 2·PHASE_FACTOR·L/E are formed inside the kernel
    a_per_mev = sign * 2.0
    w_per_length = 2.0 * PHASE_FACTOR
    Ef = _flat(E, shape)
    if Ef.size != N:
        Ef = np.full(N, Ef[0])
    Lf = _flat(L, shape)
    out = _alloc(N, 9, buf)
    if N == 0:
        return out.reshape(shape + (3, 3))
    a_max = abs(a_per_mev) * (float(np.max(Ef)) / _EV) * matter.potential_ev
    w_max = w_per_length * float(np.max(Lf)) / float(np.min(Ef))
    bound = (np.linalg.norm(m0) + a_max) * w_max
    ok = np.empty(N, dtype=np.bool_)
    nbad = kernels.matter3_pointwise_kernel(np.ascontiguousarray(m0.real),
                                            np.ascontiguousarray(m0.imag), Ef, Lf,
                                            a_per_mev * matter.potential_ev, w_per_length,
                                            _is_fast(float(bound)), 1e-6, out, ok)
    if nbad:
        bad = ~ok
        Eb = Ef[bad]
        Lb = Lf if Lf.size == 1 else Lf[bad]
        h = hamiltonian(params, Eb, antineutrino=antineutrino,
                        potential_ev=matter.potential_ev)
        out[bad] = _eigh_probability(h, (w_per_length * Lb) / Eb).reshape(-1, 9)
    return out.reshape(shape + (3, 3))


def _constant(params, E, L, shape, antineutrino, matter: ConstantDensity, damp2, buf=None):
    n = params.n_flavours
    Ef = E.ravel()
    inv_e = PHASE_FACTOR / Ef
    if matter.density_g_cm3 == 0.0:
        return _vacuum(params, E, L, shape, antineutrino, damp2, buf)
    N = int(np.prod(shape, dtype=np.int64))
    if n == 3 and damp2 is None and 4 * Ef.size > N:
        return _constant3_pointwise(params, E, L, shape, antineutrino, matter, buf)
    if n == 4 and damp2 is None and 4 * Ef.size > N:
        # one energy per point: diagonalise and form the amplitude directly
        Eb = np.ascontiguousarray(np.broadcast_to(E, shape), dtype=float).ravel()
        w = np.ascontiguousarray(np.broadcast_to(2.0 * PHASE_FACTOR * L / E, shape),
                                 dtype=float).ravel()
        sign = -1.0 if antineutrino else 1.0
        a_cc = sign * 2.0 * (Eb / _EV) * matter.potential_ev
        a_s = -sign * 2.0 * (Eb / _EV) * matter.nc_potential_ev
        out = _alloc(Eb.size, 16, buf)
        m2 = np.asarray(params.mass_squared_differences(), dtype=float)
        u = _mixing(params, antineutrino)
        bound = (float(np.max(np.abs(m2))) + float(np.max(np.abs(a_cc)))
                 + float(np.max(np.abs(a_s)))) * float(np.max(w)) if w.size else 0.0
        kernels.matter4_pointwise_kernel(np.ascontiguousarray(u.real),
                                         np.ascontiguousarray(u.imag), m2, a_cc, a_s, w,
                                         _is_fast(2.0 * bound), out)
        return out.reshape(shape + (4, 4))
    if n == 3:
        u = _mixing(params, antineutrino)
        m2 = np.asarray(params.mass_squared_differences())
        m0 = (u * m2[None, :]) @ u.conj().T
        sign = -1.0 if antineutrino else 1.0
        a_ee = sign * 2.0 * (Ef / _EV) * matter.potential_ev
        nE = Ef.size
        freq = np.empty((nE, 2))
        cre = np.empty((nE, 3, 3, 3))
        cim = np.empty((nE, 3, 3, 3))
        ok = np.empty(nE, dtype=np.bool_)
        kernels.matter3_coefficients(np.ascontiguousarray(m0.real),
                                     np.ascontiguousarray(m0.imag),
                                     np.ascontiguousarray(a_ee), np.ascontiguousarray(inv_e),
                                     freq, cre, cim, ok, 1e-6)
        if not np.all(ok):
            bad = ~ok
            h = hamiltonian(params, Ef[bad], antineutrino=antineutrino,
                            potential_ev=matter.potential_ev)
            freq[bad], cre[bad], cim[bad] = _eigh_coefficients(h, inv_e[bad])
    else:
        h = hamiltonian(params, Ef, antineutrino=antineutrino,
                        potential_ev=matter.potential_ev,
                        nc_potential_ev=matter.nc_potential_ev)
        freq, cre, cim = _eigh_coefficients(h, inv_e)
    return _run_per_energy(freq, E, L, shape, cre, cim, damp2, n, buf)


# --- layered -----------------------------------------------------------------------------------
def _real_basis(params: OscillationParameters, antineutrino: bool
                ) -> tuple[np.ndarray, np.ndarray]:
    """(h, Q) with Q = diag(1, W) unitary and h = Q† U M² U† Q real symmetric (eV²).

    W diagonalises the (μ, τ) block of U M² U† and rephases the (e, μ'), (e, τ') entries to
    be real and non-negative; Q commutes with diag(A, 0, 0), so every constant-density
    layer's Hamiltonian is real symmetric in this basis (its evolution operator complex
    symmetric, which lets a palindromic profile reuse the first half transposed)."""
    u = _mixing(params, antineutrino)
    m2 = np.asarray(params.mass_squared_differences())
    m0 = (u * m2[None, :]) @ u.conj().T
    m0 = 0.5 * (m0 + m0.conj().T)
    _, w = np.linalg.eigh(m0[1:, 1:])
    row = m0[0, 1:] @ w
    mag = np.abs(row)
    phase = np.where(mag > 0, np.conj(row) / np.where(mag > 0, mag, 1.0), 1.0)
    q = np.eye(3, dtype=complex)
    q[1:, 1:] = w * phase[None, :]
    hc = q.conj().T @ m0 @ q
    h = np.ascontiguousarray(0.5 * (hc.real + hc.real.T))
    return h, q


def _layered_matrix(params, energies: np.ndarray, profile: LayeredProfile,
                    antineutrino: bool, basis=None) -> np.ndarray:
    """P[e, from, to] through the layers of ``profile`` for 1-D ``energies``; ``basis`` is
    :func:`_real_basis` of (params, antineutrino) if already known."""
    n = params.n_flavours
    nE = energies.size
    e_over = (2.0 * PHASE_FACTOR) / energies  # amplitude phase per eV² per length
    sign = -1.0 if antineutrino else 1.0
    if n == 3:
        h, q = _real_basis(params, antineutrino) if basis is None else basis
        # distinct (length, V) layers are evolved once; a PREM chord is a palindrome
        index: dict[tuple[float, float], int] = {}
        order = np.fromiter((index.setdefault(key, len(index)) for key in
                             zip(profile.lengths.tolist(), profile.potentials_ev.tolist())),
                            dtype=np.int64, count=len(profile.layers))
        uniq = np.array(list(index), dtype=float).reshape(-1, 2)
        lengths = np.ascontiguousarray(uniq[:, 0])
        potentials = np.ascontiguousarray(uniq[:, 1])
        # A = (±2 · E/eV) · V and w = (2 · PHASE_FACTOR / E) · length inside the kernel
        a_max = 2.0 * (float(np.max(energies)) / _EV) * float(np.max(np.abs(potentials)))
        w_max = float(np.max(e_over)) * float(np.max(lengths))
        out = np.empty((nE, 9))
        ok = np.empty(nE, dtype=np.bool_)
        kernels.layered3_kernel(h, np.ascontiguousarray(q.real), np.ascontiguousarray(q.imag),
                                np.ascontiguousarray(energies, dtype=float), sign * 2.0,
                                lengths, potentials, order,
                                bool(np.array_equal(order, order[::-1])), 1e-6,
                                _is_fast((a_max + float(np.linalg.norm(h))) * w_max), out, ok)
        if np.all(ok):
            return out.reshape(nE, 3, 3)
        res = out.reshape(nE, 3, 3)
        res[~ok] = _layered_matrix_eigh(params, energies[~ok], profile, antineutrino)
        return res
    return _layered_matrix_eigh(params, energies, profile, antineutrino)


def _layered_matrix_eigh(params, energies: np.ndarray, profile: LayeredProfile,
                         antineutrino: bool) -> np.ndarray:
    """Layered propagation by numerical diagonalisation (3+1, and degenerate 3ν layers)."""
    n = params.n_flavours
    nE = energies.size
    S = np.broadcast_to(np.eye(n, dtype=complex), (nE, n, n)).copy()
    e_over = (2.0 * PHASE_FACTOR) / energies
    for length, v_cc, v_nc in zip(profile.lengths, profile.potentials_ev,
                                  profile.nc_potentials_ev):
        h = hamiltonian(params, energies, antineutrino=antineutrino, potential_ev=v_cc,
                        nc_potential_ev=v_nc)
        lam, v = np.linalg.eigh(h)
        lam = lam - lam[:, :1]  # global phase
        ph = np.exp(-1j * lam * (e_over * length)[:, None])
        layer = (v * ph[:, None, :]) @ np.conj(np.swapaxes(v, -1, -2))
        S = layer @ S
    # amplitude a → b is S[b, a]; output index [from, to]
    return np.swapaxes(np.abs(S) ** 2, -1, -2)


def _chord_profile(matter, Lval: float) -> LayeredProfile | None:
    """The layers for baseline ``Lval`` (None: no matter crossed, P = identity)."""
    if isinstance(matter, PremEarth):
        return None if Lval <= 0 else matter.profile(float(Lval))
    if not np.isclose(Lval, matter.total_length, rtol=1e-9, atol=0.0):
        raise UnphysicalParameter(
            f"baseline {Lval!r} does not equal the total length of the layered "
            f"profile ({matter.total_length!r}); pass baseline=profile.total_length")
    return matter


def _layered(params, E, L, shape, antineutrino, matter):
    n = params.n_flavours
    if L.size == 1 and E.size > 1 and E.ndim == 1 and np.all(E[1:] > E[:-1]):
        # one baseline, distinct increasing energies (a spectrum): no masks, no unique
        prof = _chord_profile(matter, float(L.ravel()[0]))
        if prof is None:
            return np.ascontiguousarray(np.broadcast_to(np.eye(n), shape + (n, n)))
        res = _layered_matrix(params, np.ascontiguousarray(E, dtype=float), prof,
                              antineutrino)
        return res.reshape(shape + (n, n))
    Lb = np.broadcast_to(L, shape)
    Eb = np.broadcast_to(E, shape)
    out = np.empty(shape + (n, n))
    uniq = np.unique(Lb)
    basis = _real_basis(params, antineutrino) if n == 3 else None
    for Lval in uniq:  # loop over distinct baselines; energies are vectorised
        sel = Lb == Lval
        prof = _chord_profile(matter, float(Lval))
        Es = Eb[sel]
        ue, inv = np.unique(Es, return_inverse=True)
        if prof is None:
            res = np.broadcast_to(np.eye(n), (ue.size, n, n))
        else:
            res = _layered_matrix(params, ue, prof, antineutrino, basis)
        out[sel] = res[inv.ravel()]
    return out


# --- public API ------------------------------------------------------------------------------
def probability_matrix(params: OscillationParameters, energy: ArrayLike, baseline: ArrayLike,
                       *, antineutrino: bool = False, matter: Matter = None,
                       energy_resolution: ArrayLike | None = None,
                       baseline_spread: ArrayLike | None = None,
                       out: np.ndarray | None = None) -> np.ndarray:
    """All flavour-transition probabilities, ``P[..., from, to]``.

    Parameters
    ----------
    params : OscillationParameters
        3ν or 3+1 parameters.
    energy : array_like
        Neutrino energy, hepunits (``E * MeV``), > 0.
    baseline : array_like
        Baseline, hepunits (``L * km``), ≥ 0; broadcast against ``energy``.
    antineutrino : bool
        ν̄ instead of ν (U → U*, V → −V).
    matter : None, ConstantDensity, LayeredProfile or PremEarth
        None (vacuum), constant density, a layered profile whose total length equals the
        baseline, or :class:`PremEarth` (the PREM chord of each baseline).
    energy_resolution : array_like, optional
        Relative Gaussian σ_E/E (broadcast to the output); fast oscillations are damped
        analytically, sin²Δ → [1 − cos 2Δ · exp(−2Δ²σ²)]/2, linearised in σ_E/E.
    baseline_spread : array_like, optional
        Gaussian σ_L (hepunits), same treatment.  Not available with layered matter.
        In matter the damping uses the matter frequencies at the central energy (a
        linearisation; exact in vacuum for ``baseline_spread``).
    out : numpy.ndarray, optional
        A C-contiguous float64 array of the result's shape to write into (saves the
        allocation in repeated calls, e.g. inside a fit).

    Returns
    -------
    numpy.ndarray
        Shape ``broadcast(energy, baseline) + (n, n)``; rows sum to 1.

    Raises
    ------
    UnphysicalParameter
        Energy ≤ 0, baseline < 0, shapes that do not broadcast, bad smearing.

    Examples
    --------
    >>> import numpy as np
    >>> from hepunits import MeV, km
    >>> from nuexp.oscillation import OscillationParameters, probability_matrix
    >>> p = OscillationParameters.preset("nufit-5.2-no")
    >>> P = probability_matrix(p, np.geomspace(1, 10, 5) * MeV, 24 * 1e-3 * km)
    >>> P.shape
    (5, 3, 3)
    """
    E, L, shape = _check_inputs(energy, baseline)
    damp2 = _smearing(energy_resolution, baseline_spread, E, L, shape)
    n = params.n_flavours
    if out is not None:
        if (not isinstance(out, np.ndarray) or out.shape != shape + (n, n)
                or out.dtype != np.float64 or not out.flags.c_contiguous):
            raise UnphysicalParameter(
                f"out must be a C-contiguous float64 array of shape {shape + (n, n)}; got "
                f"{getattr(out, 'shape', None)} {getattr(out, 'dtype', type(out).__name__)}")
    if matter is None:
        res = _vacuum(params, E, L, shape, antineutrino, damp2, out)
    elif isinstance(matter, ConstantDensity):
        res = _constant(params, E, L, shape, antineutrino, matter, damp2, out)
    elif isinstance(matter, (LayeredProfile, PremEarth)):
        if damp2 is not None:
            raise UnphysicalParameter(
                "energy_resolution/baseline_spread are not available with layered matter")
        res = _layered(params, E, L, shape, antineutrino, matter)
    else:
        raise UnphysicalParameter(
            f"matter must be None, ConstantDensity, LayeredProfile or PremEarth; got "
            f"{matter!r}")
    if out is not None and not np.shares_memory(res, out):
        np.copyto(out, res)
        return out
    return res


def probability(params: OscillationParameters, flavour_from: str | int,
                flavour_to: str | int, energy: ArrayLike, baseline: ArrayLike, *,
                antineutrino: bool = False, matter: Matter = None,
                energy_resolution: ArrayLike | None = None,
                baseline_spread: ArrayLike | None = None) -> np.ndarray:
    """P(ν_from → ν_to) for arrays of energy and baseline (hepunits), broadcast together.

    Flavours are "e", "mu", "tau", "s" (3+1 only) or 0..3.  See
    :func:`probability_matrix` for the other arguments.

    Examples
    --------
    >>> from hepunits import MeV, m
    >>> from nuexp.oscillation import OscillationParameters, probability
    >>> p = OscillationParameters.preset("nufit-5.2-no").replace(
    ...     sin2_theta14=0.01, sin2_theta24=0.01, dm2_41=1.0)
    >>> float(probability(p, "mu", "e", 40 * MeV, 24 * m, antineutrino=True)) < 1e-3
    True
    """
    n = params.n_flavours
    a = flavour_index(flavour_from, n)
    b = flavour_index(flavour_to, n)
    P = probability_matrix(params, energy, baseline, antineutrino=antineutrino,
                           matter=matter, energy_resolution=energy_resolution,
                           baseline_spread=baseline_spread)
    return P[..., a, b].copy()


def reactor_survival(params: OscillationParameters, energy: ArrayLike, baseline: ArrayLike,
                     *, matter: Matter = None) -> np.ndarray:
    """P(ν̄e → ν̄e) in the talk's form (seed 004, JUNO slide; Petcov & Piai, PLB 533 (2002) 94):

        P = 1 − cos⁴θ13 sin²2θ12 sin²Δ21 − sin²2θ13 (cos²θ12 sin²Δ31 + sin²θ12 sin²Δ32),

    exact in vacuum for 3ν (independent of θ23 and δ).  With ``matter`` (or a 3+1 set)
    the general engine is used instead (the closed form has no matter term).

    Parameters
    ----------
    energy, baseline : array_like
        Antineutrino energy and baseline, hepunits, broadcast together.

    Examples
    --------
    >>> from hepunits import MeV, km
    >>> from nuexp.oscillation import OscillationParameters, reactor_survival
    >>> p = OscillationParameters.preset("juno-talk")
    >>> round(float(reactor_survival(p, 4 * MeV, 1.6 * km)), 3)   # Daya Bay far hall
    0.921
    """
    if matter is not None or params.n_flavours != 3:
        return probability(params, "e", "e", energy, baseline, antineutrino=True,
                           matter=matter)
    E, L, shape = _check_inputs(energy, baseline)
    s12, s13 = params.sin2_theta12, params.sin2_theta13
    c12, c13 = 1.0 - s12, 1.0 - s13
    a21 = c13**2 * 4.0 * s12 * c12          # cos⁴θ13 sin²2θ12
    a31 = 4.0 * s13 * c13 * c12             # sin²2θ13 cos²θ12
    a32 = 4.0 * s13 * c13 * s12             # sin²2θ13 sin²θ12
    x = np.ascontiguousarray(np.broadcast_to(L / E, shape), dtype=float).ravel()
    out = np.empty(x.size)
    if x.size:
        k21 = PHASE_FACTOR * params.dm2_21
        k31 = PHASE_FACTOR * params.dm2_31
        fast = _is_fast(2.0 * max(abs(k21), abs(k31)) * float(np.max(x)))
        kernels.reactor_kernel(x, k21, k31, a21, a31, a32, fast, out)
    return out.reshape(shape)
