"""The nuisance parameters of the Daya Bay analysis, read from the release's YAML.

Every nuisance is carried as a *normalised* value z ~ N(0, 1); correlated blocks
(relative efficiency/energy scale of a detector, the four fission fractions of a core)
are mapped to physical values through the Cholesky factor of their covariance.  The groups
and their uncertainties follow the release (``parameters/*.yaml``) and the official model
(``dayabay-model`` groups):

=====================  ==============================================================
group                  what (release file)
=====================  ==============================================================
survival_probability   Δm²21, sin²2θ12 (survival_probability_solar.yaml)
eres                   resolution a, b, c, ±30 % (detector_eres.yaml)
lsnl                   4 LSNL pull curves, N(0,1) (detector_lsnl.yaml)
iav                    IAV off-diagonal scale per AD, 1 ± 0.04
detector_relative      per AD efficiency 0.106 % and energy scale 0.2 %, ρ = 0.545
energy_per_fission     mean energy per fission per isotope
thermal_power          per core, 0.5 %
snf                    spent-fuel scale per core, 30 %
neq                    non-equilibrium scale per core and isotope, 30 %
fission_fractions      per core, 5 % with the release's isotope correlation matrix
background_rate        accidentals (1 %, per AD and period), (α,n) (per AD and period),
                       AmC (one, all ADs), ⁹Li/⁸He and fast n (per hall and period)
hm_corr                Huber–Mueller correlated shape uncertainty (one parameter)
hm_uncorr              Huber–Mueller uncorrelated uncertainty per isotope and 50 keV bin
=====================  ==============================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from ...exceptions import UnknownName
from .data import DETECTORS, ISOTOPES, ISOTOPES_NEQ, PERIODS, REACTORS, SITES, Release, active_pairs

__all__ = ["GROUPS", "NuisanceSet", "check_groups"]

#: Names of the systematic groups, in the official model's naming.
GROUPS = ("survival_probability", "eres", "lsnl", "iav", "detector_relative",
          "energy_per_fission", "thermal_power", "snf", "neq", "fission_fractions",
          "background_rate", "hm_corr", "hm_uncorr")


def check_groups(names, field: str = "groups") -> tuple[str, ...]:
    """Refuse unknown systematic group names."""
    names = tuple(names)
    for name in names:
        if name not in GROUPS:
            raise UnknownName(f"{field}: systematic group {name!r} does not exist; "
                              f"allowed: {', '.join(GROUPS)}")
    return names


def _sigma(fmt: str, value: float, unc: float) -> float:
    if fmt in ("sigma_absolute", "sigma"):
        return float(unc)
    if fmt == "sigma_relative":
        return float(unc) * value
    if fmt == "sigma_percent":
        return float(unc) * 0.01 * value
    raise UnknownName(f"uncertainty format {fmt!r} unknown")


Pair = tuple[str, str]
Interval = tuple[float, float]


class NuisanceValues(TypedDict):
    """Central values and 1σ (or Cholesky factors) the normalised nuisances scale."""

    dm2_21: Interval                              # eV²
    s2_2theta12: Interval
    eres: dict[str, Interval]                     # resolution term → (value, σ)
    lsnl_sigma: float
    iav: Interval
    detector_relative_chol: np.ndarray            # (2, 2): efficiency, energy scale
    energy_per_fission: dict[str, Interval]       # isotope → (MeV, σ)
    thermal_power_sigma: float
    snf_sigma: float
    neq_sigma: float
    fission_fractions_chol: np.ndarray            # (4, 4)
    acc_sigma: float
    alpha_neutron: dict[Pair, Interval]           # (detector, period) → per-day rate, σ
    correlated_rates: dict[str, dict[Pair, Interval]]


@dataclass(frozen=True)
class NuisanceSet:
    """Ordered nuisance parameters and the central values / uncertainties they scale.

    Attributes
    ----------
    names : tuple of str
        One name per normalised parameter, ``group:detail``.
    groups : tuple of str
        The group of each parameter.
    """

    names: tuple[str, ...]
    groups: tuple[str, ...]
    slices: dict[str, slice]
    values: NuisanceValues

    @property
    def size(self) -> int:
        return len(self.names)

    def index(self, group: str) -> np.ndarray:
        """Positions of a group's parameters."""
        s = self.slices[group]
        return np.arange(s.start, s.stop)

    def mask(self, groups) -> np.ndarray:
        """Boolean mask of the parameters of the given groups."""
        out = np.zeros(self.size, dtype=bool)
        for g in check_groups(groups):
            out[self.slices[g]] = True
        return out

    @classmethod
    def from_release(cls, release: Release) -> NuisanceSet:
        """Build the nuisance catalogue from the release's YAML files."""
        P = release.param
        names: list[str] = []
        groups: list[str] = []
        slices: dict[str, slice] = {}

        def add(group: str, labels: list[str]) -> None:
            start = len(names)
            names.extend(f"{group}:{lab}" for lab in labels)
            groups.extend([group] * len(labels))
            slices[group] = slice(start, len(names))

        solar = P("survival_probability_solar")["parameters"]
        v_dm2_21 = (float(solar["DeltaMSq21"][0]), float(solar["DeltaMSq21"][1]))
        v_s2_2theta12 = (float(solar["SinSq2Theta12"][0]), float(solar["SinSq2Theta12"][1]))
        add("survival_probability", ["dm2_21", "sin2_2theta12"])

        eres = P("detector_eres")
        v_eres = {k: (float(v[0]), _sigma(eres["format"][1], v[0], v[1]))
                  for k, v in eres["parameters"]["eres"].items()}
        add("eres", list(v_eres))

        add("lsnl", ["pull0", "pull1", "pull2", "pull3"])
        v_lsnl_sigma = float(P("detector_lsnl")["parameters"]["lsnl_scale_a"][1])

        iav = P("detector_iav_offdiag_scale")["parameters"]["iav_offdiag_scale_factor"]
        v_iav = (float(iav[0]), float(iav[1]))
        add("iav", list(DETECTORS))

        rel = P("detector_relative")
        pr = rel["parameters"]["detector_relative"]
        s_eff = pr["efficiency_factor"][1] * 0.01
        s_esc = pr["energy_scale_factor"][1] * 0.01
        rho = np.asarray(rel["correlations"]["detector_relative"]["matrix"], dtype=float)
        cov = rho * np.outer([s_eff, s_esc], [s_eff, s_esc])
        v_detector_relative_chol = np.linalg.cholesky(cov)
        add("detector_relative", [f"{d}.{k}" for d in DETECTORS for k in ("eff", "escale")])

        epf = P("reactor_energy_per_fission")["parameters"]["energy_per_fission"]
        v_energy_per_fission = {i: (float(epf[i][0]), float(epf[i][1])) for i in ISOTOPES}
        add("energy_per_fission", list(ISOTOPES))

        tp = P("reactor_thermal_power_uncertainty")["parameters"]["thermal_power_scale"]
        v_thermal_power_sigma = float(tp[1]) * 0.01
        add("thermal_power", list(REACTORS))

        v_snf_sigma = float(P("reactor_snf")["parameters"]["snf_scale"][1]) * 0.01
        add("snf", list(REACTORS))
        v_neq_sigma = float(
            P("reactor_nonequilibrium_correction")["parameters"]["nonequilibrium_scale"][1]) * 0.01
        add("neq", [f"{r}.{i}" for r in REACTORS for i in ISOTOPES_NEQ])

        ff = P("reactor_fission_fractions_scale")
        ffp = ff["parameters"]["fission_fractions_scale"]
        order = ff["correlations"]["fission_fractions_scale"]["names"]
        if tuple(order) != ISOTOPES:
            raise UnknownName(f"fission-fraction correlation order {order} != {ISOTOPES}")
        sig = np.array([ffp[i][1] * 0.01 for i in ISOTOPES])
        corr = np.asarray(ff["correlations"]["fission_fractions_scale"]["matrix"], dtype=float)
        v_fission_fractions_chol = np.linalg.cholesky(corr * np.outer(sig, sig))
        add("fission_fractions", [f"{r}.{i}" for r in REACTORS for i in ISOTOPES])

        pairs = active_pairs()
        acc = P("background_rate_scale_accidentals")["parameters"]["accidentals"]
        v_acc_sigma = float(acc[1]) * 0.01
        an = P("background_rates_uncorrelated")["parameters"]["alpha_neutron"]
        v_alpha_neutron = {(d, p): (float(an[p][d][0]), float(an[p][d][1]))
                           for d, p in pairs}
        corr_rates = P("background_rates_correlated")["parameters"]
        v_correlated_rates = {
            b: {(d, p): (float(corr_rates[b][p][d][0]), float(corr_rates[b][p][d][1]))
                for d, p in pairs} for b in ("amc", "fast_neutrons", "lithium_helium")}
        labels = ([f"accidentals.{d}.{p}" for d, p in pairs]
                  + [f"alpha_neutron.{d}.{p}" for d, p in pairs] + ["amc"]
                  + [f"lithium_helium.{s}.{p}" for s in SITES for p in PERIODS]
                  + [f"fast_neutrons.{s}.{p}" for s in SITES for p in PERIODS])
        add("background_rate", labels)

        add("hm_corr", ["corr"])
        add("hm_uncorr", [f"{i}.{k:03d}" for i in ISOTOPES
                          for k in range(release.hm_unc_energy.size)])
        values = NuisanceValues(
            dm2_21=v_dm2_21, s2_2theta12=v_s2_2theta12, eres=v_eres, lsnl_sigma=v_lsnl_sigma,
            iav=v_iav, detector_relative_chol=v_detector_relative_chol,
            energy_per_fission=v_energy_per_fission, thermal_power_sigma=v_thermal_power_sigma,
            snf_sigma=v_snf_sigma, neq_sigma=v_neq_sigma,
            fission_fractions_chol=v_fission_fractions_chol, acc_sigma=v_acc_sigma,
            alpha_neutron=v_alpha_neutron, correlated_rates=v_correlated_rates)
        return cls(tuple(names), tuple(groups), slices, values)
