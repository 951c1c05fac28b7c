"""The 5 MeV bump: Daya Bay prompt spectra over the prediction of each flux model.

See the module docstring of :mod:`.analysis` for the method. Uses the ``dayabay`` preset's
loader (:func:`~nuexp.experiments.dayabay.data.load_release`), model and fit unchanged.
"""

from __future__ import annotations

import numpy as np
from hepunits import MeV

from ...sources.reactor import FissionFractions, reactor_spectrum
from ..dayabay.data import SITES, load_release
from ..dayabay.fit import DayaBayFit, single_thread_blas
from ..dayabay.model import DayaBayModel

__all__ = ["daya_bay_bump", "model_knots"]

_GROUPS = {"near": ("EH1", "EH2"), "far": ("EH3",)}


def model_knots(knot_energies_mev: np.ndarray, fractions: FissionFractions, model: str,
                library: str) -> np.ndarray:
    """pₖ = ln(S_model(Eₖ) / S_HM(Eₖ)) at the release's spectrum knots (E in MeV).

    The release's prediction multiplies its Huber–Mueller spectrum by exp(p) interpolated
    between knots, so these knots turn it into the ``model`` spectrum shape and normalisation.
    """
    E = np.asarray(knot_energies_mev, dtype=float) * MeV
    hm = reactor_spectrum(E, fractions, outside="extrapolate")
    if model == "huber-mueller":
        return np.zeros(E.size)
    other = reactor_spectrum(E, fractions, model="summation", library=library,
                             outside="extrapolate")
    return np.log(other / hm)


def _shape_band(pred: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Relative 1σ of the normalised shape s = pred / Σ pred, from the covariance of pred."""
    total = pred.sum()
    jac = (np.eye(pred.size) - pred[:, None] / total) / total
    var = np.einsum("ij,jk,ik->i", jac, cov, jac)
    return np.sqrt(np.maximum(var, 0.0)) / (pred / total)


def _window_fraction_error(pred: np.ndarray, cov: np.ndarray, win: np.ndarray) -> float:
    """Relative 1σ of w = Σ_win pred / Σ pred from the covariance of pred."""
    total = pred.sum()
    w = pred[win].sum() / total
    jac = (win.astype(float) - w) / total
    return float(np.sqrt(max(jac @ cov @ jac, 0.0)) / w)


def daya_bay_bump(config, fractions: FissionFractions):
    """Fit the release (free spectrum), then compare every flux model's shape with the data."""
    from .analysis import BumpOutcome

    with single_thread_blas():
        release = load_release()
        model = DayaBayModel(release, ordering="normal")
        fit = DayaBayFit(model)
        best = fit.fit(hesse="gauss-newton")
        s, d = best.values["sin2_2theta13"], best.values["dm2_32"]
        V = sum(fit.parts.values())
        observed = fit.observed.reshape(model.n_pairs, model.n_final)
        site_of = {det: site for site, dets in SITES.items() for det in dets}
        rows = {g: [i for i, (det, _) in enumerate(model.pairs) if site_of[det] in halls]
                for g, halls in _GROUPS.items()}
        rows["all"] = list(range(model.n_pairs))
        edges = np.asarray(model.final_edges, dtype=float)
        centres = 0.5 * (edges[1:] + edges[:-1])
        lo, hi = config.bump.window_mev
        win = (centres > lo) & (centres < hi)
        labels = ["huber-mueller"] + list(config.summation.libraries)
        data: dict[str, np.ndarray] = {}
        stat: dict[str, np.ndarray] = {}
        band: dict[str, np.ndarray] = {}
        window_syst: dict[str, float] = {}
        prediction: dict[str, dict[str, np.ndarray]] = {}
        excess: dict[str, dict[str, tuple[float, float, float]]] = {}
        hm_pred = model.predict(s, d, np.zeros(model.n_knots))
        for label in labels:
            mod, lib = (("huber-mueller", "") if label == "huber-mueller"
                        else ("summation", label))
            knots = model_knots(model.knots, fractions, mod, lib)
            pred = model.predict(s, d, knots)
            prediction[label], excess[label] = {}, {}
            for g, r in rows.items():
                obs = observed[r].sum(axis=0)
                sig = obs - pred.background[r].sum(axis=0)
                ibd = pred.ibd[r].sum(axis=0)
                norm = ibd * sig.sum() / ibd.sum()
                if label == "huber-mueller":
                    n = model.n_final
                    agg = np.zeros((n, model.n_pairs * n))
                    for i in r:
                        agg[:, i * n:(i + 1) * n] += np.eye(n)
                    cov = agg @ V @ agg.T
                    data[g], stat[g] = sig, np.sqrt(obs)
                    ref = hm_pred.ibd[r].sum(axis=0)
                    band[g] = _shape_band(ref, cov)
                    window_syst[g] = _window_fraction_error(ref, cov, win)
                prediction[label][g] = norm
                x = sig[win].sum() / norm[win].sum() - 1.0
                st = np.sqrt(obs[win].sum()) / norm[win].sum()
                excess[label][g] = (float(x), float(st), float((1.0 + x) * window_syst[g]))
    return BumpOutcome(edges=edges, data=data, stat=stat, prediction=prediction, band=band,
                       excess=excess, sin2_2theta13=s, dm2_32=d, chi2=best.chi2, ndf=best.ndf)
