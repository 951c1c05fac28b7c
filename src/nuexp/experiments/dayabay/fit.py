"""The Daya Bay χ² fit: free sin²2θ13, |Δm²32| and 19 spectrum knots; systematics as a
covariance matrix or as pull terms, group by group.

The statistic is the CNP χ² (:mod:`nuexp.stats.chi2`) over the 21 detector-periods × 26
bins.  Groups listed in ``covariance`` enter V_syst = J Jᵀ with J the Jacobian of the
prediction over their normalised nuisances, computed once at the release's nominal point
(sin²2θ13 = 0.0856, Δm²32 = 2.453e-3 eV², knots 0; ``survival_probability.yaml``) as the
official model does; the Huber–Mueller uncorrelated block (904 nuisances) is exact and
analytic because the prediction is linear in it.  Groups listed in ``pull`` become fit
parameters with a Σz² penalty.  The gradient given to MIGRAD is analytic in the knots and
central-difference in the oscillation and pull parameters.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

import numpy as np
from iminuit import Minuit

from ...exceptions import FitDidNotConverge, InvalidConfiguration
from ...stats.chi2 import CovarianceChi2, covariance_from_jacobian, numerical_jacobian
from .model import DayaBayModel
from .nuisances import GROUPS, check_groups

__all__ = ["NOMINAL", "systematic_covariance", "systematic_jacobians", "DayaBayFit", "FitResult",
           "single_thread_blas"]

#: Nominal point of the release (``survival_probability.yaml``), where V_syst is computed.
NOMINAL = {"sin2_2theta13": 0.0856, "dm2_32": 2.453e-3}


@contextlib.contextmanager
def single_thread_blas():
    """Run BLAS/LAPACK on one thread (threadpoolctl, ``dayabay`` extra; no-op without it).

    The fit's algebra is small (546 bins, 240 × 240 response matrices): thread hand-offs
    only cost time, dramatically so on a shared, oversubscribed machine.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def systematic_covariance(model: DayaBayModel, groups, *, sin2_2theta13: float = NOMINAL["sin2_2theta13"],
                          dm2_32: float = NOMINAL["dm2_32"]) -> dict[str, np.ndarray]:
    """V_syst per group (bins × bins) at the given point, knots 0, nuisances 0."""
    jac = systematic_jacobians(model, groups, sin2_2theta13=sin2_2theta13, dm2_32=dm2_32)
    return {g: covariance_from_jacobian(J) for g, J in jac.items()}


def systematic_jacobians(model: DayaBayModel, groups, *,
                         sin2_2theta13: float = NOMINAL["sin2_2theta13"],
                         dm2_32: float = NOMINAL["dm2_32"]) -> dict[str, np.ndarray]:
    """∂μ/∂z per group (bins × the group's normalised nuisances), knots 0, z = 0."""
    groups = check_groups(groups, "covariance")
    with single_thread_blas():
        return _systematic_jacobians(model, groups, sin2_2theta13, dm2_32)


def _systematic_jacobians(model, groups, sin2_2theta13, dm2_32):
    N = model.nuisances
    z0 = np.zeros(N.size)
    out: dict[str, np.ndarray] = {}
    for g in groups:
        if g == "hm_uncorr":
            J = model.hm_uncorr_jacobian(sin2_2theta13, dm2_32)
        else:
            J = numerical_jacobian(lambda z: model.expected(sin2_2theta13, dm2_32, None, z),
                                   z0, N.index(g), step=0.1)
        out[g] = J
    return out


@dataclass
class FitResult:
    """Best fit of one ordering."""

    ordering: str
    values: dict[str, float]
    errors: dict[str, float]
    chi2: float
    ndf: int
    n_calls: int
    n_grad: int
    seconds: float
    seconds_per_call: float
    seconds_per_gradient: float
    valid: bool
    covariance: np.ndarray
    names: list[str]
    minos: dict[str, tuple[float, float]] = field(default_factory=dict)


class DayaBayFit:
    """χ² and minimisation on one :class:`DayaBayModel`.

    Parameters
    ----------
    model : DayaBayModel
    covariance : sequence of str
        Systematic groups treated through V_syst.
    pull : sequence of str
        Systematic groups fitted as pull terms (must not overlap ``covariance``).
    observed : array_like, optional
        Data to fit (default: the release's IBD candidates; pass an Asimov prediction
        for sensitivity studies).
    covariance_parts : dict, optional
        Precomputed V_syst of some groups (reused instead of recomputed).
    stat_variance : {"frozen", "variable"}
        With a systematic covariance: ``"frozen"`` evaluates the CNP variance once, at the
        nominal prediction where V_syst is computed (what dayabay-model 1.7.1 does; V is
        factorised once), ``"variable"`` follows the current prediction (Ji et al. 2020,
        Eq. 19 literally).  The variable form lets the fit raise the prediction along the
        correlated flux-normalisation mode (larger μ, larger variance, smaller χ²): same
        oscillation parameters, 7 % smaller errors, knots ≈ +0.1.  Statistics-only fits
        always use the variable CNP variance.
    """

    def __init__(self, model: DayaBayModel, *, covariance=GROUPS, pull=(), observed=None,
                 covariance_parts: dict[str, np.ndarray] | None = None,
                 stat_variance: str = "frozen") -> None:
        cov = check_groups(covariance, "covariance")
        pul = check_groups(pull, "pull")
        both = set(cov) & set(pul)
        if both:
            raise InvalidConfiguration(f"systematic groups {sorted(both)} are listed both as "
                                       "covariance and as pull; choose one per group")
        self.model = model
        self.cov_groups = cov
        self.pull_groups = pul
        self.observed = model.observed if observed is None else np.asarray(observed, float)
        given = dict(covariance_parts or {})
        todo = [g for g in cov if g not in given]
        self.parts = {g: given[g] for g in cov if g in given}
        self.jacobians = systematic_jacobians(model, todo) if todo else {}
        self.parts.update({g: covariance_from_jacobian(J) for g, J in self.jacobians.items()})
        if stat_variance not in ("frozen", "variable"):
            raise InvalidConfiguration(f"stat_variance = {stat_variance!r}: choose 'frozen' or "
                                       "'variable'")
        self.stat_variance = stat_variance
        V = sum(self.parts.values()) if self.parts else None
        reference = None
        if V is not None and stat_variance == "frozen":
            reference = model.expected(NOMINAL["sin2_2theta13"], NOMINAL["dm2_32"])
        self.chi2 = CovarianceChi2(self.observed, V, reference=reference)
        N = model.nuisances
        self.pull_index = (np.concatenate([N.index(g) for g in pul]) if pul
                           else np.zeros(0, dtype=int))
        self.names = (["sin2_2theta13", "dm2_32"] + [f"knot_{k:02d}" for k in range(model.n_knots)]
                      + [N.names[i] for i in self.pull_index])
        self.n_calls = 0
        self.n_grad = 0
        self.t_calls = 0.0
        self.t_grad = 0.0

    # -------------------------------------------------------------- parameters
    def _unpack(self, x):
        x = np.asarray(x, dtype=float)
        z = np.zeros(self.model.nuisances.size)
        z[self.pull_index] = x[2 + self.model.n_knots:]
        return x[0], x[1], x[2:2 + self.model.n_knots], z

    def expected(self, x) -> np.ndarray:
        s, d, k, z = self._unpack(x)
        return self.model.expected(s, d, k, z)

    def fcn(self, x) -> float:
        """χ²(x) including the pull penalty."""
        t0 = time.perf_counter()
        self.n_calls += 1
        s, d, k, z = self._unpack(x)
        if not (0.0 <= s <= 1.0 and d > 0):
            return 1e30
        val = self.chi2(self.model.expected(s, d, k, z))
        zp = z[self.pull_index]
        self.t_calls += time.perf_counter() - t0
        return val + float(zp @ zp)

    def jacobian(self, x) -> np.ndarray:
        """∂μ/∂x (bins × parameters): analytic in the knots, central differences elsewhere."""
        m = self.model
        s, d, k, z = self._unpack(x)
        phys = m.physical(z)
        cols = []
        for i, h in ((0, 1e-4), (1, 1e-7)):
            xp = np.array(x, dtype=float)
            xm = xp.copy()
            xp[i] += h
            xm[i] -= h
            cols.append((self.expected(xp) - self.expected(xm)) / (2 * h))
        raw_k = m.knot_jacobian_raw(s, d, k, z, phys)                   # (p, 240, K)
        resp = m.response(phys)[m.det_index]                            # (p, 26, 240)
        jk = np.matmul(resp, raw_k).reshape(-1, m.n_knots)
        blocks = [np.stack(cols, axis=1), jk]
        if self.pull_index.size:
            npk = 2 + m.n_knots
            jp = numerical_jacobian(self.expected, np.asarray(x, float),
                                    range(npk, npk + self.pull_index.size), step=0.05)
            blocks.append(jp)
        return np.concatenate(blocks, axis=1)

    def grad(self, x) -> np.ndarray:
        """dχ²/dx."""
        t0 = time.perf_counter()
        self.n_grad += 1
        mu = self.expected(x)
        _, g = self.chi2.value_and_gradient(mu, self.jacobian(x))
        s, d, k, z = self._unpack(x)
        g[2 + self.model.n_knots:] += 2.0 * z[self.pull_index]
        self.t_grad += time.perf_counter() - t0
        return g

    def systematic_shifts(self, x) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Best estimate of the covariance-treated nuisances at x and the shift they imply.

        ẑ = Jᵀ V⁻¹ (M − μ) (the conditional mean of z given the residual, V = V_CNP + JJᵀ);
        returns (J ẑ reshaped like the prediction, ẑ per group).  Only groups whose
        Jacobian was computed here are included.
        """
        from scipy.linalg import cho_factor, cho_solve
        mu = self.expected(x)
        V = self.chi2.syst.copy() if self.chi2.syst is not None else np.zeros((mu.size, mu.size))
        from ...stats.chi2 import cnp_variance
        var = (self.chi2.frozen_variance if self.chi2.frozen_variance is not None
               else cnp_variance(self.observed, mu))
        V[np.diag_indices_from(V)] += var
        w = cho_solve(cho_factor(V, lower=True), self.observed - mu)
        shift = np.zeros_like(mu)
        zhat = {}
        for g, J in self.jacobians.items():
            zhat[g] = J.T @ w
            shift += J @ zhat[g]
        return shift.reshape(self.model.n_pairs, self.model.n_final), zhat

    def hessian(self, x) -> np.ndarray:
        """Gauss–Newton Hessian of χ² (used by HESSE when ``hesse="gauss-newton"``)."""
        H = self.chi2.gauss_newton_hessian(self.expected(x), self.jacobian(x))
        npk = 2 + self.model.n_knots
        idx = np.arange(npk, npk + self.pull_index.size)
        H[idx, idx] += 2.0
        return H

    # -------------------------------------------------------------- minimisation
    def minuit(self, start: dict[str, float] | None = None, hesse: str = "numerical") -> Minuit:
        start = dict(start or {})
        x0 = np.zeros(len(self.names))
        x0[0] = start.get("sin2_2theta13", NOMINAL["sin2_2theta13"])
        x0[1] = start.get("dm2_32", NOMINAL["dm2_32"])
        if hesse not in ("numerical", "gauss-newton"):
            raise InvalidConfiguration(f"hesse = {hesse!r}: choose 'numerical' or 'gauss-newton'")
        m = Minuit(self.fcn, x0, grad=self.grad, name=self.names,
                   hessian=self.hessian if hesse == "gauss-newton" else None)
        m.errordef = Minuit.LEAST_SQUARES
        m.errors = ([0.003, 1e-4] + [0.05] * self.model.n_knots + [0.5] * self.pull_index.size)
        m.limits["sin2_2theta13"] = (0.0, 0.3)
        m.limits["dm2_32"] = (1.0e-3, 4.0e-3)
        m.strategy = 1
        return m

    def fit(self, *, start=None, minos: bool = False, hesse: str = "numerical",
            ncall: int | None = None) -> FitResult:
        """MIGRAD + HESSE (+ MINOS on the two oscillation parameters if asked).

        Raises
        ------
        FitDidNotConverge
            If MIGRAD does not report a valid minimum (with the last parameters).
        """
        with single_thread_blas():
            return self._fit(start, minos, hesse, ncall)

    def _fit(self, start, minos, hesse, ncall) -> FitResult:
        t0 = time.perf_counter()
        c0, g0, tc0, tg0 = self.n_calls, self.n_grad, self.t_calls, self.t_grad
        m = self.minuit(start, hesse=hesse)
        m.migrad(ncall=ncall)
        t_migrad = time.perf_counter() - t0
        if not m.valid:
            m.migrad(ncall=ncall)
        if not m.valid:
            raise FitDidNotConverge(
                f"Daya Bay {self.model.ordering}-ordering fit did not converge "
                f"(edm {m.fmin.edm:.3g}, calls {m.nfcn})", dict(zip(self.names, m.values)))
        m.hesse()
        merr = {}
        if minos:
            m.minos("sin2_2theta13", "dm2_32")
            merr = {p: (m.merrors[p].lower, m.merrors[p].upper)
                    for p in ("sin2_2theta13", "dm2_32")}
        seconds = time.perf_counter() - t0
        self.last_migrad_seconds = t_migrad
        n_free = 2 + self.model.n_knots
        return FitResult(ordering=self.model.ordering,
                         values=dict(zip(self.names, map(float, m.values))),
                         errors=dict(zip(self.names, map(float, m.errors))),
                         chi2=float(m.fval), ndf=self.observed.size - n_free,
                         n_calls=self.n_calls - c0, n_grad=self.n_grad - g0, seconds=seconds,
                         seconds_per_call=(self.t_calls - tc0) / max(self.n_calls - c0, 1),
                         seconds_per_gradient=(self.t_grad - tg0) / max(self.n_grad - g0, 1),
                         valid=bool(m.valid), covariance=np.array(m.covariance),
                         names=list(self.names), minos=merr)

    def profile(self, parameter: str, values, best: FitResult,
                hesse: str = "gauss-newton") -> np.ndarray:
        """Δχ² profile: minimise everything else at each fixed value (warm-started)."""
        if parameter not in ("sin2_2theta13", "dm2_32"):
            raise InvalidConfiguration(f"profile parameter {parameter!r}: choose sin2_2theta13 "
                                       "or dm2_32")
        out = []
        m = self.minuit(best.values, hesse=hesse)
        m.values = [best.values[n] for n in self.names]
        m.fixed[parameter] = True
        with single_thread_blas():
            for v in values:
                m.values[parameter] = float(v)
                m.migrad()
                out.append(m.fval - best.chi2)
        return np.array(out)

    def grid(self, s_values, d_values, best: FitResult, hesse: str = "gauss-newton") -> np.ndarray:
        """Δχ² on a (sin²2θ13, Δm²32) grid, profiled over the knots and pulls."""
        m = self.minuit(best.values, hesse=hesse)
        m.values = [best.values[n] for n in self.names]
        m.fixed["sin2_2theta13"] = True
        m.fixed["dm2_32"] = True
        out = np.zeros((len(d_values), len(s_values)))
        with single_thread_blas():
            self._grid(m, s_values, d_values, best, out)
        return out

    @staticmethod
    def _grid(m, s_values, d_values, best, out) -> None:
        for i, d in enumerate(d_values):
            for j, s in enumerate(s_values if i % 2 == 0 else s_values[::-1]):
                jj = j if i % 2 == 0 else len(s_values) - 1 - j
                m.values["sin2_2theta13"] = float(s)
                m.values["dm2_32"] = float(d)
                m.migrad()
                out[i, jj] = m.fval - best.chi2
