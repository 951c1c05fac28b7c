"""Vectorised prediction of the Daya Bay prompt spectra (21 detector-periods × 26 bins).

The chain follows the release and the collaboration's model (``dayabay-model``; PRL 130,
161802 (2023)):

1. **Kinematics and cross section.**  Each 50 keV deposited-energy bin (0–12 MeV) is
   integrated with a 5-point Gauss–Legendre rule in E_dep and a 3-point rule in the
   positron angle cosθ.  E_dep = E_e + m_e; E_ν(E_e, cosθ) is the exact two-body inverse
   E_ν = (E_e + δ) / (1 − (E_e − p_e cosθ)/m_p), δ = (m_n² − m_p² − m_e²)/(2 m_p), with the
   Jacobian dE_ν/dE_e; the cross section is Vogel–Beacom dσ/dcosθ at O(1/M) from
   :mod:`nuexp.interactions.ibd`, normalised with the release's τ_n and phase-space factor
   (``ibd_constants.yaml``, ``pdg2024.yaml``).
2. **Reactor flux.**  The weekly ν̄ rate of each core is turned into a thermal power with
   the nominal ν̄ per MeV (Σ fᵢνᵢ / Σ fᵢeᵢ, ``antineutrinos_per_fission_huber_mueller.yaml``),
   summed day by day with each detector's effective live time, split into fissions per
   isotope with the (scaled) fission fractions and energies per fission, and folded with the
   Huber–Mueller spectra of the release (exponential interpolation,
   :class:`nuexp.sources.reactor.TabulatedSpectrum`), their correlated and uncorrelated
   shape corrections, the non-equilibrium and spent-fuel corrections.  The average spectrum
   shape is free: 19 knots in E_ν, exp(pₖ) interpolated exponentially (the far/near
   relative measurement).
3. **Oscillation.**  Three-flavour vacuum ν̄e survival from :func:`nuexp.oscillation.reactor_survival`.
4. **Detector.**  N_p × ε / (4πL²); IAV matrix (off-diagonal scale), LSNL + relative energy
   scale as a distortion matrix (:mod:`nuexp.detector.lsnl`), Gaussian resolution
   √(a² + b²/E + c²/E²) evaluated at bin centres, relative efficiency, rebinning to the 26
   analysis bins.  The four matrices of each AD are multiplied once into a 26 × 240 response.
5. **Backgrounds.**  Accidentals (daily rate × daily effective live time), ⁹Li/⁸He, fast
   neutrons, AmC, (α,n) (rate per day × effective live time) times the release's shapes.

**Library code and official conventions.** The prediction is built from nuexp's physics
code: the IBD cross section (:mod:`nuexp.interactions.ibd`, Vogel–Beacom dσ/dcosθ), the
reactor spectra per fission and their corrections (:mod:`nuexp.sources.reactor`:
:class:`~nuexp.sources.reactor.TabulatedSpectrum` for the release's Huber–Mueller tables,
:class:`~nuexp.sources.reactor.SpectrumCorrection` for the non-equilibrium and spent-fuel
tables) and the 3ν survival probability (:mod:`nuexp.oscillation`); the release's energies
per fission are the values of :data:`nuexp.sources.reactor.ENERGY_PER_FISSION` (checked in
tests/test_reactor.py). It does *not* go through :class:`nuexp.rates.ibd.IbdRateModel`,
whose conventions differ from the official model's in ways that move the fit:

* IbdRateModel maps E_ν to the *mean* prompt energy and adds the positron-angle spread to
  a Gaussian resolution evaluated per E_ν; the official model integrates dσ/dcosθ with
  the exact two-body kinematics E_ν(E_e, cosθ) and its Jacobian on a Gauss–Legendre grid
  in (E_dep, cosθ) — the sum of (1)–(4) above;
* IbdRateModel folds a trapezoid E_ν grid with one response matrix; the official model's
  response is IAV × LSNL distortion × resolution evaluated at bin *centres* (columns not
  renormalised), × relative efficiency and energy scale per AD, rebinned to 26 bins;
* the reactor side is not a list of cores at constant power: each detector-period sees
  each core's weekly ν̄ rate (release tables) turned into thermal energy with the nominal
  ν̄ per MeV, with the fission fractions, energies per fission, Huber–Mueller shape
  uncertainties and the free 19-knot spectrum as nuisances, and cross section and flux
  normalised with the release's τ_n and phase-space factor.

Re-expressing these through IbdRateModel would change the published fit (sin²2θ13 =
0.08550 ± 0.00231, Δm²32 = 2.4687e-3 eV² here; dayabay-model 1.7.1 gives 0.08542 ±
0.00232 with ``background_uncertainty = "official-1.7"``), so this module keeps the
official model's integration and response and shares the physics functions instead.

Everything that does not depend on the fitted parameters is computed once; the prediction
for new (sin²2θ13, Δm²32, knots) costs one survival-probability evaluation on
48 baselines × 3600 points and a few small matrix products.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np
from hepunits import day, m, second
from numpy.typing import ArrayLike
from scipy.constants import physical_constants

from ...detector.iav import rescale_offdiagonal_many
from ...detector.lsnl import distortion_matrix, refine_relative_curve
from ...exceptions import UnphysicalParameter
from ...interactions import ibd as _ibd
from ...oscillation import OscillationParameters, reactor_survival
from ...sources.reactor import SpectrumCorrection, TabulatedSpectrum
from .data import (
    BACKGROUNDS,
    DETECTORS,
    ISOTOPES,
    ISOTOPES_NEQ,
    PERIODS,
    REACTORS,
    SITES,
    Release,
    active_pairs,
)
from .nuisances import NuisanceSet

__all__ = ["DayaBayModel", "Physical", "Prediction", "oscillation_parameters", "gaussian_smearing_matrix",
           "neutrino_energy", "d_neutrino_energy_d_positron_energy", "ibd_sigma0_f3g",
           "spectrum_integral"]

_N_EDEP_NODES = 5      # Gauss–Legendre order in E_dep per 50 keV bin (official model)
_N_COS_NODES = 3       # Gauss–Legendre order in cosθ on [−1, 1] (official model)
_SECONDS_PER_DAY = day / second


def oscillation_parameters(sin2_2theta13: float, dm2_32: float, *, ordering: str = "normal",
                           dm2_21: float = 7.53e-5, sin2_2theta12: float = 0.851
                           ) -> OscillationParameters:
    """3ν parameters from the Daya Bay variables (|Δm²32| and the ordering).

    Δm²32 = ±|Δm²32| (sign by ordering), Δm²31 = Δm²32 + Δm²21, sin²θ = (1 − √(1 − sin²2θ))/2
    (θ < π/4).  θ23, δ do not enter ν̄e survival in vacuum.
    """
    if not 0.0 <= sin2_2theta13 <= 1.0:
        raise UnphysicalParameter(f"sin2_2theta13 must be in [0, 1]; got {sin2_2theta13!r}")
    if not 0.0 <= sin2_2theta12 <= 1.0:
        raise UnphysicalParameter(f"sin2_2theta12 must be in [0, 1]; got {sin2_2theta12!r}")
    if not dm2_32 > 0:
        raise UnphysicalParameter(f"|dm2_32| must be > 0 eV²; got {dm2_32!r}")
    sign = {"normal": 1.0, "inverted": -1.0}[ordering]
    s13 = 0.5 * (1.0 - np.sqrt(1.0 - sin2_2theta13))
    s12 = 0.5 * (1.0 - np.sqrt(1.0 - sin2_2theta12))
    return OscillationParameters(sin2_theta12=s12, sin2_theta13=s13, sin2_theta23=0.5,
                                 delta_cp=0.0, dm2_21=dm2_21,
                                 dm2_31=sign * dm2_32 + dm2_21)


def gaussian_smearing_matrix(edges: np.ndarray, rel_sigma: np.ndarray,
                             min_value: float = 1e-10) -> np.ndarray:
    """Energy-resolution matrix built at bin centres (the official model's convention).

    M[j, i] = w_j · N(c_j; c_i, σ_i) with σ_i = c_i · rel_sigma_i, c the bin centres and w
    the widths; entries below ``min_value`` are set to 0.  Columns are not renormalised.
    """
    c = 0.5 * (edges[1:] + edges[:-1])
    w = np.diff(edges)
    sig = c * rel_sigma
    z = (c[:, None] - c[None, :]) / sig[None, :]
    out = w[:, None] * np.exp(-0.5 * z * z) / (np.sqrt(2 * np.pi) * sig[None, :])
    out[out < min_value] = 0.0
    return out


def _segments(x_coarse: np.ndarray, x_fine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Left index and fraction for piecewise interpolation with edge-segment extrapolation."""
    j = np.searchsorted(x_coarse, x_fine, side="right")
    j = np.clip(j, 1, x_coarse.size - 1)
    frac = (x_fine - x_coarse[j - 1]) / (x_coarse[j] - x_coarse[j - 1])
    return j - 1, frac


def neutrino_energy(e_positron: np.ndarray, cos_theta: np.ndarray, me: float, mp: float,
                    mn: float) -> np.ndarray:
    """E_ν from the positron total energy and angle: exact two-body inverse for IBD on a
    proton at rest, E_ν = (E_e + δ) / (1 − (E_e − p_e cosθ)/m_p), δ = (m_n² − m_p² − m_e²)/(2m_p)
    (4-momentum conservation; Vogel & Beacom, PRD 60, 053003, Eq. 11 to all orders)."""
    ee = np.asarray(e_positron, dtype=float)
    pe = np.sqrt(np.clip(ee * ee - me * me, 0.0, None))
    delta = 0.5 * (mn * mn - mp * mp - me * me) / mp
    return (ee + delta) / (1.0 - (ee - pe * np.asarray(cos_theta)) / mp)


def d_neutrino_energy_d_positron_energy(e_nu, e_positron, cos_theta, me: float, mp: float):
    """dE_ν/dE_e at fixed cosθ for :func:`neutrino_energy` (dp_e/dE_e = 1/v_e)."""
    ee = np.asarray(e_positron, dtype=float)
    ve = np.sqrt(1.0 - (me / ee) ** 2)
    c = np.asarray(cos_theta)
    return (mp + e_nu * (1.0 - c / ve)) / (mp - ee * (1.0 - ve * c))


def ibd_sigma0_f3g(neutron_lifetime_s: float, phase_space_factor: float) -> float:
    """σ0 (f² + 3g²) = 2π² / (m_e⁵ f τ_n) in hepunits area / MeV² (Vogel & Beacom Eq. 9),
    from :mod:`nuexp.interactions.ibd` rescaled to the given τ_n and phase-space factor."""
    return (_ibd.vb_sigma0_times_f3g(neutron_lifetime_s * _ibd.second)
            * _ibd.VB_PHASE_SPACE_FR / phase_space_factor)


def spectrum_integral(energy: np.ndarray, spectrum: np.ndarray, e_min: float) -> float:
    """∫ S(E) dE from ``e_min`` to the last tabulated energy for an exponentially
    interpolated table (exact per segment), e.g. ν̄ per fission above the IBD threshold."""
    x = np.asarray(energy, dtype=float)
    y = np.asarray(spectrum, dtype=float)
    if not x[0] <= e_min < x[-1]:
        raise UnphysicalParameter(f"e_min must be in [{x[0]}, {x[-1]}); got {e_min!r}")
    k = np.log(y[1:] / y[:-1]) / np.diff(x)
    i = int(np.searchsorted(x, e_min, side="right") - 1)
    lo = np.concatenate([[e_min - x[i]], np.zeros(x.size - 2 - i)])
    hi = np.diff(x)[i:]
    kk = k[i:]
    yy = y[:-1][i:]
    with np.errstate(divide="ignore", invalid="ignore"):
        seg = np.where(np.abs(kk) > 0, yy * (np.exp(kk * hi) - np.exp(kk * lo)) / kk,
                       yy * (hi - lo))
    return float(seg.sum())

class Physical(TypedDict):
    """Physical values of the nuisances for one normalised vector z
    (:meth:`DayaBayModel.physical`)."""

    dm2_21: float                      # eV²
    s2_2theta12: float
    eres: tuple[float, ...]            # resolution terms a, b, c
    lsnl: np.ndarray                   # (4,) LSNL pull amplitudes
    iav: np.ndarray                    # (8,) IAV off-diagonal scale per AD
    rel_eff: np.ndarray                # (8,) relative efficiency per AD
    rel_escale: np.ndarray             # (8,) relative energy scale per AD
    energy_per_fission: np.ndarray     # (4,) MeV
    thermal_power: np.ndarray          # (6,) scale per core
    snf: np.ndarray                    # (6,) spent-fuel scale per core
    neq: np.ndarray                    # (6, 3) non-equilibrium scale
    ff_scale: np.ndarray               # (6, 4) fission-fraction scale
    bkg: np.ndarray                    # normalised background-rate nuisances
    hm_corr: float                     # correlated Huber–Mueller shape nuisance
    hm_uncorr: np.ndarray              # (4, n) uncorrelated Huber–Mueller shape nuisances


@dataclass
class Prediction:
    """One evaluation of the model (events per detector-period and bin)."""

    ibd: np.ndarray            # (n_pairs, n_final)
    background: np.ndarray     # (n_pairs, n_final)
    background_by_source: dict[str, np.ndarray]

    @property
    def total(self) -> np.ndarray:
        return self.ibd + self.background


class DayaBayModel:
    """The Daya Bay prediction built once from a :class:`~.data.Release`.

    Parameters
    ----------
    release : Release
        The validated data release.
    ordering : {"normal", "inverted"}
        Neutrino mass ordering (Δm²32 > 0 or < 0).
    pairs : sequence of (detector, period), optional
        Detector-periods in the χ² (default: all 21).
    background_uncertainty : {"absolute", "official-1.7"}
        How the correlated ⁹Li/⁸He, fast-neutron and AmC rate uncertainties enter:
        ``"absolute"`` (default): rate + σ·u, σ the absolute uncertainty of the release's
        ``background_rates_correlated.yaml`` (what the release README describes);
        ``"official-1.7"``: count × (1 + σ·u) as dayabay-model 1.7.1 computes it (its
        ``ProductShiftedScaled`` multiplies the count by the absolute σ in events/day, which
        scales these uncertainties by the rate: ×2.9 for ⁹Li/⁸He in EH1, ×0.04 for fast
        neutrons in EH3).  Kept to reproduce the official numbers side by side.

    Notes
    -----
    :meth:`predict` takes sin²2θ13, |Δm²32| [eV²], the 19 free spectrum parameters pₖ and
    the normalised nuisance vector z (length :attr:`nuisances.size`, default zeros).
    """

    def __init__(self, release: Release, *, ordering: str = "normal",
                 pairs: tuple[tuple[str, str], ...] | None = None,
                 background_uncertainty: str = "absolute") -> None:
        if ordering not in ("normal", "inverted"):
            raise UnphysicalParameter(f"ordering must be 'normal' or 'inverted'; got {ordering!r}")
        if background_uncertainty not in ("absolute", "official-1.7"):
            raise UnphysicalParameter("background_uncertainty must be 'absolute' or "
                                      f"'official-1.7'; got {background_uncertainty!r}")
        self.background_uncertainty = background_uncertainty
        self.release = release
        self.ordering = ordering
        self.nuisances = NuisanceSet.from_release(release)
        self.pairs = tuple(pairs) if pairs is not None else active_pairs()
        self.n_pairs = len(self.pairs)
        self.fine_edges = release.fine_edges
        self.final_edges = release.final_edges
        self.n_final = self.final_edges.size - 1
        self.knots = release.knot_energies
        self.n_knots = self.knots.size
        self._build_kinematics()
        self._build_reactor()
        self._build_detector()
        self._build_backgrounds()
        self._build_data()
        self._cache: dict[str, tuple] = {}

    # ------------------------------------------------------------------ build
    def _build_kinematics(self) -> None:
        P = self.release.param
        pdg = P("pdg2024")["parameters"]
        ibdc = P("ibd_constants")["parameters"]
        me, mp, mn = pdg["ElectronMass"], pdg["ProtonMass"], pdg["NeutronMass"]
        edges = self.fine_edges
        n_bins = edges.size - 1
        xe, we = np.polynomial.legendre.leggauss(_N_EDEP_NODES)
        xc, wc = np.polynomial.legendre.leggauss(_N_COS_NODES)
        half = 0.5 * np.diff(edges)
        mid = 0.5 * (edges[1:] + edges[:-1])
        edep = (mid[:, None] + half[:, None] * xe[None, :])              # (240, 5)
        w_e = half[:, None] * we[None, :]
        edep = np.repeat(edep[:, :, None], _N_COS_NODES, axis=2)          # (240, 5, 3)
        cos = np.broadcast_to(xc[None, None, :], edep.shape)
        weight = w_e[:, :, None] * wc[None, None, :]
        ee = edep - me
        valid = ee > me
        ee_safe = np.where(valid, ee, 2 * me)
        ve = np.sqrt(1.0 - (me / ee_safe) ** 2)
        denom = 1.0 - ee_safe / mp * (1.0 - ve * cos)
        enu = neutrino_energy(ee_safe, cos, me, mp, mn)
        jac = d_neutrino_energy_d_positron_energy(enu, ee_safe, cos, me, mp)
        # Vogel–Beacom dσ/dcosθ, normalised with the release's τ_n and f_ps (VB Eq. 9); the
        # O(1/M) shape uses the couplings of nuexp.interactions.ibd
        sigma0 = (ibd_sigma0_f3g(pdg["NeutronLifeTime"], ibdc["PhaseSpaceFactor"])
                  / (_ibd.VB_F ** 2 + 3 * _ibd.VB_G ** 2))
        dsig = _ibd.vb_dsigma_dcos(enu, cos, sigma0)
        thr = ((mn + me) ** 2 - mp * mp) / (2 * mp)
        ok = valid & (enu >= thr) & (denom > 0) & (jac > 0)
        kern = np.where(ok, dsig * jac * weight, 0.0)
        self.n_fine = n_bins
        self.n_points = _N_EDEP_NODES * _N_COS_NODES
        self.enu = np.where(ok, enu, thr).reshape(-1)                    # (3600,)
        self.kernel = kern.reshape(-1)                                    # σ·J·w [mm²·MeV]
        self.masses = {"me": me, "mp": mp, "mn": mn}

    def _build_reactor(self) -> None:
        R = self.release
        P = R.param
        e = self.enu
        # the release's Huber–Mueller tables as nuexp.sources.reactor spectra: exponential
        # interpolation, the end segments extended (the official model's convention)
        self.spec = np.stack([
            TabulatedSpectrum(tuple(R.hm_energy), tuple(R.hm_spectra[i]), f"HM {i} (release)")(
                e, outside="extrapolate") for i in ISOTOPES])
        # non-equilibrium and spent-fuel corrections: linear, zero outside their tables
        self.neq_corr = np.stack([
            SpectrumCorrection(f"non_equilibrium {i}", tuple(R.neq_energy),
                               tuple(R.neq_correction[i]))(e) for i in ISOTOPES_NEQ])
        self.snf_corr = np.stack([
            SpectrumCorrection(f"spent_fuel {r}", tuple(R.snf_energy),
                               tuple(R.snf_correction[r]))(e) for r in REACTORS])
        # HM shape uncertainties: linear interpolation weights on the 50 keV mesh
        self.unc_i0, self.unc_f = _segments(R.hm_unc_energy, e)
        self.unc_corr = np.stack([R.hm_unc_corr[i] for i in ISOTOPES])       # (4, 226)
        self.unc_uncorr = np.stack([R.hm_unc_uncorr[i] for i in ISOTOPES])   # (4, 226)
        self.knot_i0, self.knot_f = _segments(self.knots, e)
        # flux constants
        nu_per_fission = P("antineutrinos_per_fission_huber_mueller")["parameters"][
            "antineutrinos_per_fission"]
        ff = P("reactor_fission_fractions")["parameters"]["fission_fractions"]
        epf = P("reactor_energy_per_fission")["parameters"]["energy_per_fission"]
        self.fission_fractions = np.array([ff[i] for i in ISOTOPES])
        self.energy_per_fission = np.array([epf[i][0] for i in ISOTOPES])
        self.nu_per_fission = np.array([nu_per_fission[i] for i in ISOTOPES])
        mean_e = self.fission_fractions @ self.energy_per_fission
        nu_per_mev = (self.fission_fractions @ self.nu_per_fission) / mean_e
        # thermal energy [MeV] seen by each detector-period from each core
        daily = R.daily
        e_th = np.zeros((len(REACTORS), self.n_pairs))
        t_eff = np.zeros(self.n_pairs)
        acc_count = np.zeros(self.n_pairs)
        for ir, core in enumerate(REACTORS):
            days, rate = R.reactor_rates[core].daily()
            power = rate / nu_per_mev                    # MeV/s
            lookup = dict(zip(days.tolist(), power.tolist()))
            for ip, (det, period) in enumerate(self.pairs):
                tab = daily[det]
                sel = tab.n_det == int(period[0])
                d_days = tab.day[sel]
                missing = [d for d in d_days.tolist() if d not in lookup]
                if missing:
                    raise UnphysicalParameter(
                        f"reactor {core}: no ν̄ rate for days {missing[:3]}... of {det} {period}")
                pw = np.fromiter((lookup[d] for d in d_days.tolist()), float, d_days.size)
                e_th[ir, ip] = pw @ tab.eff_livetime[sel]
        for ip, (det, period) in enumerate(self.pairs):
            tab = daily[det]
            sel = tab.n_det == int(period[0])
            t_eff[ip] = tab.eff_livetime[sel].sum()
            acc_count[ip] = (tab.eff_livetime[sel] @ tab.rate_accidentals[sel]) / _SECONDS_PER_DAY
        self.thermal_energy = e_th
        self.eff_livetime = t_eff
        self.accidental_count = acc_count
        # spent fuel: fissions per second of a nominal core, fixed fractions (official model)
        w_nom = float(P("reactor_thermal_power_nominal")["parameters"]["nominal_thermal_power"])
        mev_per_gw_s = 1e9 / (1e6 * physical_constants["elementary charge"][0])  # GW → MeV/s
        fps = self.fission_fractions * w_nom * mev_per_gw_s / mean_e
        self.snf_base = (fps @ self.spec)                                   # (3600,)
        # detector-reactor geometry: N_p ε / (4π L²)
        base = P("baselines")["parameters"]["baseline"]
        n_p = float(P("detector_n_protons_nominal")["parameters"]["n_protons_nominal_ad"])
        corr = P("detector_n_protons_correction")["parameters"]["n_protons_correction"]
        eff = float(P("detector_efficiency")["parameters"]["efficiency"])
        self.baselines = np.array([[base[d][r] for d in DETECTORS] for r in REACTORS]) * m
        geo = np.array([[n_p * corr[d] * eff / (4 * np.pi * base[d][r] ** 2 * (m ** 2))
                         for d in DETECTORS] for r in REACTORS])          # (6, 8) 1/mm²
        self.det_index = np.array([DETECTORS.index(d) for d, _ in self.pairs])
        self.geometry = geo[:, self.det_index]                              # (6, n_pairs)

    def _build_detector(self) -> None:
        R = self.release
        x, y0 = refine_relative_curve(R.lsnl_energy, R.lsnl_curves["nominal"], refine=4,
                                      new_min=0.5, new_max=12.1)
        pulls = []
        for k in range(4):
            _, yk = refine_relative_curve(R.lsnl_energy, R.lsnl_curves[f"pull{k}"], refine=4,
                                          new_min=0.5, new_max=12.1)
            pulls.append(yk - y0)
        self.lsnl_x = x
        self.lsnl_nominal = y0
        self.lsnl_pulls = np.array(pulls)
        e = self.fine_edges
        lo = np.searchsorted(e, self.final_edges[0] - 1e-9)
        rebin = np.zeros((self.n_final, self.n_fine))
        idx = np.searchsorted(self.final_edges, 0.5 * (e[1:] + e[:-1])) - 1
        for i, j in enumerate(idx):
            if 0 <= j < self.n_final and i >= lo:
                rebin[j, i] = 1.0
        self.rebin = rebin
        self.bin_centres = 0.5 * (e[1:] + e[:-1])

    def _build_backgrounds(self) -> None:
        R = self.release
        self.bkg_shapes = {b: np.stack([self.rebin @ R.background_shapes[(b, d, p)]
                                        for d, p in self.pairs]) for b in BACKGROUNDS}

    def _build_data(self) -> None:
        self.data = np.stack([self.rebin @ self.release.ibd[pair] for pair in self.pairs])

    # ------------------------------------------------------------------ parameters
    def physical(self, z: np.ndarray) -> Physical:
        """Physical parameter values for the normalised nuisance vector ``z``."""
        N = self.nuisances
        V = N.values
        zz = lambda g: z[N.slices[g]]  # noqa: E731
        sp = zz("survival_probability")
        er = zz("eres")
        rel = zz("detector_relative").reshape(len(DETECTORS), 2) @ V["detector_relative_chol"].T
        ep = zz("energy_per_fission")
        ffz = zz("fission_fractions").reshape(len(REACTORS), len(ISOTOPES))
        return Physical(
            dm2_21=float(V["dm2_21"][0] + V["dm2_21"][1] * sp[0]),
            s2_2theta12=float(V["s2_2theta12"][0] + V["s2_2theta12"][1] * sp[1]),
            eres=tuple(c + s * er[k] for k, (c, s) in enumerate(V["eres"].values())),
            lsnl=zz("lsnl") * V["lsnl_sigma"],
            iav=V["iav"][0] + V["iav"][1] * zz("iav"),
            rel_eff=1.0 + rel[:, 0],
            rel_escale=1.0 + rel[:, 1],
            energy_per_fission=np.array(
                [V["energy_per_fission"][i][0] + V["energy_per_fission"][i][1] * ep[k]
                 for k, i in enumerate(ISOTOPES)]),
            thermal_power=1.0 + V["thermal_power_sigma"] * zz("thermal_power"),
            snf=1.0 + V["snf_sigma"] * zz("snf"),
            neq=(1.0 + V["neq_sigma"] * zz("neq")).reshape(len(REACTORS), len(ISOTOPES_NEQ)),
            ff_scale=1.0 + ffz @ V["fission_fractions_chol"].T,
            bkg=zz("background_rate"),
            hm_corr=float(zz("hm_corr")[0]),
            hm_uncorr=zz("hm_uncorr").reshape(len(ISOTOPES), -1))

    # ------------------------------------------------------------------ pieces
    def survival(self, sin2_2theta13: float, dm2_32: float, dm2_21: float,
                 s2_2theta12: float) -> np.ndarray:
        """P(ν̄e→ν̄e) on (6 cores, 8 ADs, quadrature points)."""
        key = (sin2_2theta13, dm2_32, dm2_21, s2_2theta12)
        hit = self._cache.get("osc")
        if hit is not None and hit[0] == key:
            return hit[1]
        params = oscillation_parameters(sin2_2theta13, dm2_32, ordering=self.ordering,
                                        dm2_21=dm2_21, sin2_2theta12=s2_2theta12)
        prob = reactor_survival(params, self.enu[None, None, :], self.baselines[:, :, None])
        self._cache["osc"] = (key, prob)
        return prob

    def response(self, phys: Physical) -> np.ndarray:
        """Per-AD response (8, 26, 240): rebin · resolution · LSNL(scale) · IAV, × rel. eff.

        The common part (resolution, LSNL curve) and each AD's part are cached separately,
        so moving one AD's nuisance rebuilds one matrix.
        """
        common_key = (tuple(phys["eres"]), tuple(np.asarray(phys["lsnl"]).tolist()))
        hit = self._cache.get("resp_common")
        if hit is None or hit[0] != common_key:
            a, b, c = phys["eres"]
            E = self.bin_centres
            rel_sigma = np.sqrt(a * a + b * b / E + c * c / (E * E))
            front = self.rebin @ gaussian_smearing_matrix(self.fine_edges, rel_sigma)
            curve = self.lsnl_nominal + np.asarray(phys["lsnl"]) @ self.lsnl_pulls
            hit = (common_key, (front, curve), {})
            self._cache["resp_common"] = hit
        front, curve = hit[1]
        per_det = hit[2]
        out = np.empty((len(DETECTORS), self.n_final, self.n_fine))
        for k in range(len(DETECTORS)):
            key = (float(phys["iav"][k]), float(phys["rel_escale"][k]), float(phys["rel_eff"][k]))
            mat = per_det.get(k)
            if mat is None or mat[0] != key:
                iav = rescale_offdiagonal_many(self.release.iav_matrix, np.array([key[0]]))[0]
                lsnl = distortion_matrix(self.fine_edges, self.lsnl_x, curve * key[1])
                mat = (key, key[2] * ((front @ lsnl) @ iav))
                per_det[k] = mat
            out[k] = mat[1]
        return out

    def flux_terms(self, phys: Physical) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-core spectra at the quadrature points: main (uncorrected by knots), NEQ, SNF."""
        ff = np.abs(self.fission_fractions[None, :] * phys["ff_scale"])          # (6, 4)
        mean_e = ff @ phys["energy_per_fission"]                                   # (6,)
        w_main = ff / mean_e[:, None] * phys["thermal_power"][:, None]            # (6, 4)
        unc = (1.0 + phys["hm_uncorr"] * self.unc_uncorr) * (1.0 + phys["hm_corr"] * self.unc_corr)
        u = unc[:, self.unc_i0] * (1 - self.unc_f) + unc[:, self.unc_i0 + 1] * self.unc_f
        main_iso = self.spec * u                                                   # (4, 3600)
        main = w_main @ main_iso                                                   # (6, 3600)
        neq_w = w_main[:, [ISOTOPES.index(i) for i in ISOTOPES_NEQ]] * phys["neq"]
        neq_iso = self.spec[[ISOTOPES.index(i) for i in ISOTOPES_NEQ]] * self.neq_corr
        neq = neq_w @ neq_iso
        snf = phys["snf"][:, None] * self.snf_corr * self.snf_base[None, :]
        return main, neq, snf

    def knot_correction(self, knots: ArrayLike) -> np.ndarray:
        """exp of the linearly interpolated (and extrapolated) knot parameters at each point."""
        p = np.asarray(knots, dtype=float)
        if p.shape != (self.n_knots,):
            raise UnphysicalParameter(f"spectrum knots must have {self.n_knots} values; got {p.shape}")
        return np.exp(p[self.knot_i0] + self.knot_f * (p[self.knot_i0 + 1] - p[self.knot_i0]))

    def background(self, phys: Physical) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Background spectra (n_pairs, 26) and by source."""
        V = self.nuisances.values
        z = phys["bkg"]
        n = self.n_pairs
        pair_all = active_pairs()
        pos = np.array([pair_all.index(pp) for pp in self.pairs])
        n_all = len(pair_all)
        t_days = self.eff_livetime / _SECONDS_PER_DAY
        counts = {}
        counts["accidentals"] = self.accidental_count * (1.0 + V["acc_sigma"] * z[pos])
        an = np.array([V["alpha_neutron"][pp][0] + V["alpha_neutron"][pp][1] * z[n_all + k]
                       for k, pp in zip(pos, self.pairs)])
        counts["alpha_neutron"] = an * t_days
        amc = np.array([V["correlated_rates"]["amc"][pp] for pp in self.pairs])
        official = self.background_uncertainty == "official-1.7"
        amc_sig = amc[:, 1] * amc[:, 0] if official else amc[:, 1]
        counts["amc"] = amc[:, 0] * t_days + amc_sig * t_days * z[2 * n_all]
        site_of = {d: s for s, ds in SITES.items() for d in ds}
        sites = list(SITES)
        base = 2 * n_all + 1
        for off, b in ((0, "lithium_helium"), (len(SITES) * len(PERIODS), "fast_neutrons")):
            rs = np.array([V["correlated_rates"][b][pp] for pp in self.pairs])
            zi = np.array([z[base + off + sites.index(site_of[d]) * len(PERIODS) + PERIODS.index(p)]
                           for d, p in self.pairs])
            sig = rs[:, 1] * rs[:, 0] if official else rs[:, 1]
            counts[b] = (rs[:, 0] + sig * zi) * t_days
        by_source = {b: counts[b][:, None] * self.bkg_shapes[b] for b in BACKGROUNDS}
        total = np.zeros((n, self.n_final))
        for arr in by_source.values():
            total += arr
        return total, by_source

    # ------------------------------------------------------------------ prediction
    def _flux_key(self, z: np.ndarray) -> bytes:
        N = self.nuisances
        parts = [z[N.slices[g]] for g in ("energy_per_fission", "thermal_power", "snf", "neq",
                                           "fission_fractions", "hm_corr", "hm_uncorr")]
        return np.concatenate(parts).tobytes()

    def spectral_densities(self, sin2_2theta13, dm2_32, z, phys) -> tuple[np.ndarray, np.ndarray]:
        """M1, M0 (n_pairs, points): events density = M1 · knot correction + M0.

        M1 is the oscillated main reactor flux (the part the free spectrum shape multiplies),
        M0 the non-equilibrium and spent-fuel parts; both include σ·J·w and N_p ε/(4πL²).
        Cached on the oscillation and reactor parameters.
        """
        key = (sin2_2theta13, dm2_32, phys["dm2_21"], phys["s2_2theta12"], self._flux_key(z))
        hit = self._cache.get("dens")
        if hit is not None and hit[0] == key:
            return hit[1]
        prob = self.survival(sin2_2theta13, dm2_32, phys["dm2_21"], phys["s2_2theta12"])
        main, neq, snf = self.flux_terms(phys)
        c_main = self.geometry * self.thermal_energy              # (6, n_pairs)
        c_snf = self.geometry * self.eff_livetime[None, :]
        m1 = np.zeros((self.n_pairs, self.enu.size))
        m0 = np.zeros_like(m1)
        for r in range(len(REACTORS)):
            pr = prob[r, self.det_index, :]                         # (n_pairs, points)
            m1 += pr * (c_main[r][:, None] * main[r][None, :])
            m0 += pr * (c_main[r][:, None] * neq[r][None, :] + c_snf[r][:, None] * snf[r][None, :])
        m1 *= self.kernel[None, :]
        m0 *= self.kernel[None, :]
        self._cache["dens"] = (key, (m1, m0))
        return m1, m0

    def raw_spectra(self, sin2_2theta13, dm2_32, knots, z, phys) -> np.ndarray:
        """IBD spectra before the detector response (n_pairs, 240)."""
        m1, m0 = self.spectral_densities(sin2_2theta13, dm2_32, z, phys)
        dens = m1 * self.knot_correction(knots)[None, :] + m0
        return dens.reshape(self.n_pairs, self.n_fine, self.n_points).sum(axis=2)

    def knot_jacobian_raw(self, sin2_2theta13, dm2_32, knots, z, phys) -> np.ndarray:
        """∂(raw spectra)/∂pₖ, shape (n_pairs, 240, n_knots), analytic."""
        m1, _ = self.spectral_densities(sin2_2theta13, dm2_32, z, phys)
        dens = m1 * self.knot_correction(knots)[None, :]
        out = np.zeros((self.n_pairs, self.n_fine, self.n_knots))
        bins = np.repeat(np.arange(self.n_fine), self.n_points)
        for w, idx in ((1 - self.knot_f, self.knot_i0), (self.knot_f, self.knot_i0 + 1)):
            flat = bins * self.n_knots + idx
            for p in range(self.n_pairs):
                out[p] += np.bincount(flat, weights=dens[p] * w,
                                      minlength=self.n_fine * self.n_knots).reshape(
                    self.n_fine, self.n_knots)
        return out

    def predict(self, sin2_2theta13: float, dm2_32: float, knots: ArrayLike | None = None,
                z: ArrayLike | None = None) -> Prediction:
        """Expected events per detector-period and analysis bin.

        Parameters
        ----------
        sin2_2theta13 : float
            sin²2θ13.
        dm2_32 : float
            |Δm²32| in eV² (the ordering is the model's).
        knots : array_like, optional
            The 19 free spectrum parameters pₖ (default 0: Huber–Mueller shape).
        z : array_like, optional
            Normalised nuisances (default 0).
        """
        knots = np.zeros(self.n_knots) if knots is None else np.asarray(knots, dtype=float)
        z = np.zeros(self.nuisances.size) if z is None else np.asarray(z, dtype=float)
        if z.shape != (self.nuisances.size,):
            raise UnphysicalParameter(f"nuisance vector must have {self.nuisances.size} values; "
                                      f"got shape {z.shape}")
        phys = self.physical(z)
        raw = self.raw_spectra(sin2_2theta13, dm2_32, knots, z, phys)
        resp = self.response(phys)[self.det_index]
        ibd = np.matmul(resp, raw[:, :, None])[:, :, 0]
        bkg, by_source = self.background(phys)
        return Prediction(ibd=ibd, background=bkg, background_by_source=by_source)

    def expected(self, sin2_2theta13: float, dm2_32: float, knots=None, z=None) -> np.ndarray:
        """Flattened total prediction (n_pairs × 26)."""
        return self.predict(sin2_2theta13, dm2_32, knots, z).total.reshape(-1)

    @property
    def observed(self) -> np.ndarray:
        """Flattened observed IBD candidates (n_pairs × 26)."""
        return self.data.reshape(-1)

    # ------------------------------------------------------------------ fast Jacobians
    def hm_uncorr_jacobian(self, sin2_2theta13: float, dm2_32: float, knots=None) -> np.ndarray:
        """∂(prediction)/∂z for the Huber–Mueller uncorrelated nuisances, analytically.

        The prediction is linear in each ηᵢₖ (linear interpolation of (1 + ηᵢₖσᵢₖ)), so the
        derivative at z = 0 is exact: the main-flux contribution of isotope i weighted with
        the interpolation hat of knot k.  Returns (n_pairs·26, 4·n_unc).
        """
        knots = np.zeros(self.n_knots) if knots is None else np.asarray(knots, dtype=float)
        phys = self.physical(np.zeros(self.nuisances.size))
        prob = self.survival(sin2_2theta13, dm2_32, phys["dm2_21"], phys["s2_2theta12"])
        ff = np.abs(self.fission_fractions[None, :] * phys["ff_scale"])
        mean_e = ff @ phys["energy_per_fission"]
        w_main = ff / mean_e[:, None] * phys["thermal_power"][:, None]            # (6, 4)
        corr = self.knot_correction(knots)
        c_main = self.geometry * self.thermal_energy
        p_pairs = prob[:, self.det_index, :]
        # Y[p, i, q] = kernel σJw · C · S_i · Σ_r P c_main w_main[r, i]
        y = np.einsum("rpq,rp,ri->piq", p_pairs, c_main, w_main, optimize=True)
        y *= (self.kernel * corr)[None, None, :] * self.spec[None, :, :]
        n_unc = self.unc_uncorr.shape[1]
        bins = np.repeat(np.arange(self.n_fine), self.n_points)
        out = np.zeros((self.n_pairs, len(ISOTOPES), self.n_fine, n_unc))
        for w, idx in ((1 - self.unc_f, self.unc_i0), (self.unc_f, self.unc_i0 + 1)):
            flat = bins * n_unc + idx
            for i in range(len(ISOTOPES)):
                vals = y[:, i, :] * w[None, :]
                acc = np.zeros((self.n_pairs, self.n_fine * n_unc))
                for p in range(self.n_pairs):
                    acc[p] = np.bincount(flat, weights=vals[p], minlength=self.n_fine * n_unc)
                out[:, i] += acc.reshape(self.n_pairs, self.n_fine, n_unc)
        out *= self.unc_uncorr[None, :, None, :]
        resp = self.response(phys)[self.det_index]                 # (n_pairs, 26, 240)
        jac = np.einsum("pfe,piek->pfik", resp, out, optimize=True)
        return jac.reshape(self.n_pairs * self.n_final, len(ISOTOPES) * n_unc)
