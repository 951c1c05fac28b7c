"""Profile a binned Poisson template model for many data sets at once (toys, grids).

Model: the expected counts in bin b are

    μ_b(s, a) = s S_b (1 + Σ_j A_0j a_j) + Σ_k T_kb (1 + Σ_j A_kj a_j),

a signal template ``S`` scaled by a strength ``s ≥ 0`` plus background templates ``T_k``,
each scaled by a *linear* combination of normalisation nuisances ``a_j`` (``A`` is the
response matrix: row 0 for the signal, rows 1.. for the backgrounds). Each nuisance has a
Gaussian constraint of width σ_j about a global observable g_j (0 for the real data, a
random draw for a toy, as in the frequentist treatment of auxiliary measurements).

The test statistic is the Poisson deviance plus the pull terms (Baker & Cousins,
Nucl. Instrum. Meth. 221 (1984) 437, Eq. 12; Particle Data Group, "Statistics" review,
Sec. 40.3.2):

    χ²(s, a) = 2 Σ_b [μ_b − n_b + n_b ln(n_b/μ_b)] + Σ_j (a_j − g_j)² / σ_j².

:func:`profile` minimises it over the nuisances (and over ``s ≥ 0`` unless ``s`` is
fixed) for a whole batch of data sets and signal templates at once with a damped
Gauss–Newton iteration (the Hessian without the term ∝ (1 − n/μ), which keeps it
positive definite; the minimum is exact because the gradient is). It is vectorised with
numpy over every leading axis, so 10⁴ toys × 30 Δm² rows cost one set of array
operations per iteration: this is what makes Feldman–Cousins toys affordable. Single
fits are checked against iminuit in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..exceptions import FitDidNotConverge, InvalidConfiguration
from ..validation import require_finite, require_non_negative, require_positive

__all__ = ["TemplateModel", "ProfileResult", "profile", "poisson_deviance"]

#: Smallest normalisation factor 1 + Σ_j A_kj a_j a fit may reach (a physical bound).
MIN_SCALE = 0.01

#: χ² change per iteration still accepted as converged after ``max_iter`` iterations
#: (far below any Δχ² that matters for an interval: critical values are of order 1-10).
FINAL_TOL = 1e-3


def poisson_deviance(observed: ArrayLike, expected: ArrayLike) -> np.ndarray:
    """2 Σ_b [μ − n + n ln(n/μ)] over the last axis (0 ln 0 = 0); μ must be > 0."""
    n = np.asarray(observed, dtype=float)
    mu = np.asarray(expected, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0) / mu), 0.0)
    return 2.0 * np.sum(mu - n + log_term, axis=-1)


@dataclass(frozen=True)
class TemplateModel:
    """Background templates, nuisance response and constraints (see module docstring).

    Parameters
    ----------
    backgrounds : array_like, shape (K, B)
        Expected counts of each background component per bin (≥ 0).
    response : array_like, shape (K + 1, J)
        ∂(relative normalisation)/∂a_j; row 0 is the signal, row k the background k.
    sigmas : array_like, shape (J,)
        Widths of the Gaussian constraints (> 0).
    names : tuple of str, optional
        Names of the nuisances (for messages and tables).
    """

    backgrounds: np.ndarray
    response: np.ndarray
    sigmas: np.ndarray
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        bkg = np.atleast_2d(require_non_negative("background templates", self.backgrounds))
        resp = np.atleast_2d(require_finite("nuisance response", self.response))
        sig = np.atleast_1d(require_positive("nuisance sigmas", self.sigmas))
        if resp.shape != (bkg.shape[0] + 1, sig.size):
            raise InvalidConfiguration(
                f"nuisance response must have shape (components + 1, nuisances) = "
                f"({bkg.shape[0] + 1}, {sig.size}); got {resp.shape}")
        if not np.all(bkg.sum(axis=0) > 0):
            raise InvalidConfiguration(
                "every bin needs a positive total background (an empty bin makes the "
                "Poisson deviance undefined at zero signal)")
        object.__setattr__(self, "backgrounds", bkg)
        object.__setattr__(self, "response", resp)
        object.__setattr__(self, "sigmas", sig)
        names = tuple(self.names) or tuple(f"a{j}" for j in range(sig.size))
        if len(names) != sig.size:
            raise InvalidConfiguration(f"need {sig.size} nuisance names; got {len(names)}")
        object.__setattr__(self, "names", names)

    @property
    def n_bins(self) -> int:
        return self.backgrounds.shape[1]

    @property
    def n_nuisances(self) -> int:
        return self.sigmas.size

    def expected(self, signal: ArrayLike, strength: ArrayLike = 1.0,
                 nuisances: ArrayLike | None = None) -> np.ndarray:
        """μ_b for signal template(s) ``signal`` (..., B), strength (...), nuisances (..., J)."""
        sig = np.asarray(signal, dtype=float)
        s = np.asarray(strength, dtype=float)[..., None]
        a = (np.zeros(self.n_nuisances) if nuisances is None
             else np.asarray(nuisances, dtype=float))
        scale = 1.0 + a @ self.response.T                    # (..., K+1)
        bkg = np.einsum("...k,kb->...b", scale[..., 1:], self.backgrounds)
        return s * sig * scale[..., :1] + bkg

    def sample(self, signal: ArrayLike, strength: float, size: int,
               rng: np.random.Generator, nuisances: ArrayLike | None = None,
               ) -> tuple[np.ndarray, np.ndarray]:
        """Poisson toys and Gaussian global observables about the true point.

        Returns
        -------
        counts : ndarray (size, B)
        global_obs : ndarray (size, J)
        """
        a_true = (np.zeros(self.n_nuisances) if nuisances is None
                  else np.asarray(nuisances, dtype=float))
        mu = self.expected(signal, strength, a_true)
        if np.any(mu < 0):
            raise InvalidConfiguration("negative expectation at the true point of the toys")
        counts = rng.poisson(mu, size=(size, mu.shape[-1])).astype(float)
        glob = a_true + self.sigmas * rng.standard_normal((size, self.n_nuisances))
        return counts, glob


@dataclass(frozen=True)
class ProfileResult:
    """Minimum of χ² per data set and template: ``chi2`` (...), ``strength`` (...),
    ``nuisances`` (..., J), ``iterations`` (int), ``converged`` (...) bool."""

    chi2: np.ndarray
    strength: np.ndarray
    nuisances: np.ndarray
    iterations: int
    converged: np.ndarray


def profile(model: TemplateModel, signal: ArrayLike, observed: ArrayLike,
            global_obs: ArrayLike | None = None, *, strength: ArrayLike | None = None,
            max_iter: int = 300, tol: float = 1e-8) -> ProfileResult:
    """Minimise χ² over the nuisances (and ``s ≥ 0`` unless fixed), vectorised.

    The bound ``s ≥ 0`` is handled exactly: the problem is solved with ``s`` free (as
    long as every μ_b > 0) and with ``s = 0``; where the free fit lands below zero the
    ``s = 0`` solution is the constrained minimum (χ² is convex in s along the profile).

    Parameters
    ----------
    model : TemplateModel
    signal : array_like (..., B)
        Signal template(s) for unit strength; broadcast against ``observed``.
    observed : array_like (..., B)
        Observed counts (≥ 0; need not be integers: Asimov data are allowed).
    global_obs : array_like (..., J), optional
        Centres of the nuisance constraints (default 0).
    strength : array_like (...), optional
        Fix ``s`` to these values (profile the nuisances only); default: fit ``s ≥ 0``.
    max_iter : int
        Maximum Gauss–Newton iterations.
    tol : float
        Converged when every χ² changed by less than ``tol`` in an iteration.

    Returns
    -------
    ProfileResult

    Raises
    ------
    FitDidNotConverge
        If some data set did not converge (the message says how many).
    """
    n = np.asarray(require_non_negative("observed counts", observed), dtype=float)
    sig = np.asarray(require_non_negative("signal template", signal), dtype=float)
    shape = np.broadcast_shapes(n.shape, sig.shape)[:-1]
    n = np.broadcast_to(n, shape + (model.n_bins,))
    sig = np.broadcast_to(sig, shape + (model.n_bins,))
    J = model.n_nuisances
    g = (np.zeros(shape + (J,)) if global_obs is None
         else np.broadcast_to(np.asarray(global_obs, dtype=float), shape + (J,)))
    if strength is not None:
        s_fix = np.broadcast_to(np.asarray(strength, dtype=float), shape)
        if np.any(s_fix < 0) or not np.all(np.isfinite(s_fix)):
            raise InvalidConfiguration("fixed signal strength must be finite and >= 0")
        return _newton(model, sig, n, g, s_fix.copy(), False, max_iter, tol)
    free = _newton(model, sig, n, g, np.zeros(shape), True, max_iter, tol, strict=False)
    # a free fit heading for s < 0 may creep along the μ_b -> 0 edge without converging;
    # its constrained minimum is on s = 0 either way
    below = free.strength < 0
    lost = ~free.converged & ~below
    if np.any(lost):
        raise FitDidNotConverge(
            f"batched profile: {int(lost.sum())} of {lost.size} data sets still changing "
            f"after {max_iter} iterations")
    if not np.any(below):
        return free
    zero = _newton(model, sig[below], n[below], g[below], np.zeros(int(below.sum())),
                   False, max_iter, tol)
    chi2, s, a = free.chi2.copy(), free.strength.copy(), free.nuisances.copy()
    chi2[below], s[below], a[below] = zero.chi2, 0.0, zero.nuisances
    return ProfileResult(chi2=chi2, strength=s, nuisances=a,
                         iterations=max(free.iterations, zero.iterations),
                         converged=np.ones(shape, dtype=bool))


def _newton(model: TemplateModel, sig: np.ndarray, n: np.ndarray, g: np.ndarray,
            s: np.ndarray, fit_s: bool, max_iter: int, tol: float,
            strict: bool = True) -> ProfileResult:
    """Damped Gauss–Newton for (s, a) or a only; s unbounded (μ > 0 enforced).

    Works on the flattened batch and iterates only the data sets that are still moving,
    so a few slow ones do not make everyone pay.
    """
    shape = s.shape
    B, J = model.n_bins, model.n_nuisances
    sig = np.ascontiguousarray(sig).reshape(-1, B)
    n = np.ascontiguousarray(n).reshape(-1, B)
    g = np.ascontiguousarray(g).reshape(-1, J)
    s = np.array(s, dtype=float).reshape(-1)
    N = s.size
    a = np.zeros((N, J))              # start at nominal: μ > 0 there for any s >= 0
    inv_var = 1.0 / model.sigmas**2
    A0 = model.response[0]
    bkg_resp = np.einsum("kb,kj->bj", model.backgrounds, model.response[1:])   # (B, J)
    off = 1 if fit_s else 0
    idx = np.arange(off, off + J)

    def chi2_of(rows, s_, a_):
        mu = model.expected(sig[rows], s_, a_)
        # a normalisation factor 1 + A·a must stay positive (>= MIN_SCALE): without
        # this a toy whose flux constraint fluctuated far down could trade s -> inf
        # against a_flux -> -1 along a flat valley
        bad = np.any(mu <= 0, axis=-1) | np.any(1.0 + a_ @ model.response.T < MIN_SCALE,
                                                axis=-1)
        val = poisson_deviance(n[rows], np.where(mu > 0, mu, 1.0)) + np.sum(
            (a_ - g[rows]) ** 2 * inv_var, axis=-1)
        return np.where(bad, np.inf, val)

    everyone = np.arange(N)
    chi2 = chi2_of(everyone, s, a)
    if not np.all(np.isfinite(chi2)):
        raise InvalidConfiguration("non-positive expectation at the starting point")
    change = np.full(N, np.inf)
    active = everyone
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported after the loop
        if active.size == 0:
            break
        sa, aa, ca = s[active], a[active], chi2[active]
        sg, na, ga = sig[active], n[active], g[active]
        mu = model.expected(sg, sa, aa)
        d_a = bkg_resp + (sa[:, None] * sg)[:, :, None] * A0                   # (N, B, J)
        if fit_s:
            d_s = sg * (1.0 + aa @ A0)[:, None]
            grad_mu = np.concatenate([d_s[:, :, None], d_a], axis=-1)          # (N, B, P)
        else:
            grad_mu = d_a
        resid = 1.0 - na / mu
        grad = 2.0 * np.einsum("nb,nbp->np", resid, grad_mu)
        hess = 2.0 * np.matmul(np.swapaxes(grad_mu, 1, 2), grad_mu * (na / mu**2)[:, :, None])
        grad[:, off:] += 2.0 * (aa - ga) * inv_var
        hess[:, idx, idx] += 2.0 * inv_var
        if fit_s:   # tiny ridge: keeps the solve defined for an all-zero signal template
            hess[:, 0, 0] += 1e-12 * np.maximum(hess[:, 0, 0], 1.0)
        step = -np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
        new_s, new_a, new_c = sa.copy(), aa.copy(), ca.copy()
        todo = np.arange(active.size)
        t = 1.0
        for _ in range(40):                  # backtracking line search on the rest
            trial_s = sa[todo] + t * step[todo, 0] if fit_s else sa[todo]
            trial_a = aa[todo] + t * step[todo, off:]
            trial = chi2_of(active[todo], trial_s, trial_a)
            ok = trial <= ca[todo] + 1e-12 * np.abs(ca[todo])
            new_s[todo[ok]], new_a[todo[ok]], new_c[todo[ok]] = trial_s[ok], trial_a[ok], trial[ok]
            todo = todo[~ok]
            if todo.size == 0:
                break
            t *= 0.5
        change[active] = ca - new_c
        s[active], a[active], chi2[active] = new_s, new_a, new_c
        active = active[change[active] >= tol]
    # Along a flat valley (e.g. s(1 + a_flux) fixed while a_flux -> -1 for a toy whose
    # flux constraint fluctuated far down) the parameters drift while χ² has settled:
    # accept a per-iteration χ² change below FINAL_TOL after max_iter iterations.
    converged = change < max(tol, FINAL_TOL)
    if strict and not np.all(converged):
        raise FitDidNotConverge(
            f"batched profile: {int(np.sum(~converged))} of {change.size} data sets "
            f"still changing by more than {FINAL_TOL} after {max_iter} iterations")
    return ProfileResult(chi2=chi2.reshape(shape), strength=s.reshape(shape),
                         nuisances=a.reshape(shape + (J,)), iterations=it,
                         converged=converged.reshape(shape))
