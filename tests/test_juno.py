"""JUNO: resolution, non-linearity, survival identities, likelihood identities, bad inputs."""

import numpy as np
import pytest
from hepunits import MeV, km

from nuexp.detector.nonlinearity import NonLinearity, PullCurve
from nuexp.detector.resolution import Resolution
from nuexp.exceptions import InvalidConfiguration, UnphysicalParameter
from nuexp.experiments.reactor.family import FAMILY
from nuexp.experiments.reactor.model import ReactorAnalysis, build_analysis
from nuexp.experiments.registry import get_preset
from nuexp.oscillation import OscillationParameters, reactor_survival
from nuexp.stats.fit import asimov_covariance


def _data(fast=True):
    """The juno preset's TOML content (a copy), with coarser bins when ``fast``."""
    data = get_preset("juno").raw()
    if fast:
        data["detectors"][0]["binning"].update(bin_width_kev=50.0, n_fine=700)
        data["sensitivity"]["profile_scan_points"] = 0
    return data


def _cfg(data=None):
    return FAMILY.validate(data or _data(), "test")


def _analysis(cfg, **kw):
    return build_analysis(cfg, **kw)


# --- resolution -----------------------------------------------------------------------
def test_resolution_at_1mev_talk():
    # talk, calibration page: sqrt((2.61%)^2/E + (0.64%)^2 + (1.20%/E)^2) -> "2.95 % @ 1 MeV"
    r = Resolution.preset("juno")
    assert float(r.relative(1 * MeV)) == pytest.approx(0.0295, rel=0.01)
    assert float(r.relative(1 * MeV)) == pytest.approx(np.sqrt(0.0261**2 + 0.0064**2 + 0.012**2), rel=1e-12)


@pytest.mark.parametrize("E", [0.5, 2.0, 4.0, 8.0])
def test_resolution_formula(E):
    r = Resolution(0.03, 0.01, 0.02)
    expected = np.sqrt(0.03**2 / E + 0.01**2 + 0.02**2 / E**2)
    assert float(r.relative(E * MeV)) == pytest.approx(expected, rel=1e-12)
    assert float(r.sigma(E * MeV)) == pytest.approx(expected * E * MeV, rel=1e-12)


def test_response_matrix_normalised_and_sparse_equal_dense():
    r = Resolution.preset("juno")
    E = np.linspace(2.0, 7.0, 50) * MeV
    edges = np.linspace(0.5, 10.0, 200) * MeV
    dense = r.response_matrix(E, edges)
    np.testing.assert_allclose(dense.sum(axis=0), 1.0, atol=1e-9)
    np.testing.assert_allclose(r.response_matrix_sparse(E, edges).toarray(), dense, atol=1e-14)
    # mean of the smeared distribution = true energy
    centres = 0.5 * (edges[1:] + edges[:-1])
    np.testing.assert_allclose(centres @ dense, E, rtol=2e-4)


def test_resolution_bad_terms():
    with pytest.raises(UnphysicalParameter, match="resolution term a"):
        Resolution(-0.01, 0.0, 0.0)
    with pytest.raises(UnphysicalParameter):
        Resolution(0.0, 0.0, 0.0)


# --- non-linearity ----------------------------------------------------------------------
def test_nonlinearity_curves():
    E = np.array([1.0, 2.22, 8.0]) * MeV
    nl = NonLinearity(pull_curves=(PullCurve("tilt", (1.0, 2.22, 8.0), (-0.003, 0.0, 0.003)),))
    np.testing.assert_allclose(nl.visible(E), E)
    np.testing.assert_allclose(nl.visible(E, [2.0]) / E, [0.994, 1.0, 1.006])
    tab = NonLinearity(kind="table", nodes_mev=(1.0, 5.0), values=(0.9, 1.0))
    assert float(tab.visible(3 * MeV) / MeV) == pytest.approx(3 * 0.95)
    emp = NonLinearity(kind="empirical", parameters=(1.0, 0.0, 1.0, 0.0))
    np.testing.assert_allclose(emp.visible(E), E)
    with pytest.raises(InvalidConfiguration):
        NonLinearity(kind="cubic")
    with pytest.raises(InvalidConfiguration):
        nl.visible(E, [1.0, 2.0])


# --- survival-probability identities -----------------------------------------------------
def test_theta13_to_zero_two_flavour_limit():
    p = OscillationParameters.preset("juno-talk").replace(sin2_theta13=0.0)
    E = np.linspace(2, 8, 50) * MeV
    L = 52.5 * km
    d21 = 1.26693 * 7.53e-5 * (L / km * 1e3) / (E / MeV)   # 1.267 Δm² L[m]/E[MeV]
    expected = 1 - 4 * 0.307 * 0.693 * np.sin(d21) ** 2
    np.testing.assert_allclose(reactor_survival(p, E, L), expected, atol=2e-4)


def test_ordering_symmetry_at_vanishing_dm2_21():
    # with Δm²21 -> 0 the reactor survival is blind to the ordering: P(NO) = P(IO)
    base = OscillationParameters.preset("juno-talk")
    no = base.replace(dm2_21=1e-12)
    io = base.replace(dm2_21=1e-12, dm2_31=-base.dm2_31)
    E = np.linspace(2, 8, 40) * MeV
    np.testing.assert_allclose(reactor_survival(no, E, 52.5 * km), reactor_survival(io, E, 52.5 * km), atol=1e-9)
    # and with the real Δm²21 they differ (the NMO signal)
    io2 = base.replace(dm2_31=-base.dm2_31)
    assert np.max(np.abs(reactor_survival(base, E, 52.5 * km) - reactor_survival(io2, E, 52.5 * km))) > 0.01


# --- model and likelihood ------------------------------------------------------------------
@pytest.fixture(scope="module")
def fast_analysis():
    return _analysis(_cfg())


def test_signal_rate_close_to_published(fast_analysis):
    # talk, NMO table: 47.1 IBD/day after selection at 26.6 GW_th (issue tolerance 10 %)
    a = fast_analysis
    rate = a.exp.signal_rate_per_day()["JUNO"]
    assert rate == pytest.approx(47.1, rel=0.10)


def test_asimov_chi2_zero_at_truth(fast_analysis):
    lik = fast_analysis.likelihood(365.25)
    assert lik(lik.parameters.values) == pytest.approx(0.0, abs=1e-9)
    # and positive away from it
    x = lik.parameters.values
    x[lik.parameters.index("dm2_31")] *= 1.01
    assert lik(x) > 1.0


def test_systematics_increase_errors_and_stats_scale(fast_analysis):
    a = fast_analysis
    stat = ReactorAnalysis(a.exp, systematics=False, shape_eps=a.reference_shape_eps)
    p1, p4 = stat.precision(365.25), stat.precision(4 * 365.25)
    full = a.precision(4 * 365.25)
    for k in p1:
        # statistics only: error ~ 1/sqrt(exposure) (backgrounds scale the same way)
        assert p4[k] == pytest.approx(p1[k] / 2, rel=0.02)
        assert full[k] >= p4[k] * 0.999


def test_precision_6y_within_issue_tolerance():
    # talk precision table (CPC 46 (2022) 123001), 6 years; issue tolerance 30 %
    prec = _analysis(_cfg(_data(fast=False))).precision(6 * 365.25)
    published = {"dm2_31": 0.0047 / 2.5283, "dm2_21": 0.024 / 7.53,
                 "sin2_theta12": 0.0016 / 0.307, "sin2_theta13": 0.0026 / 0.0218}
    for k, v in published.items():
        assert prec[k] == pytest.approx(v, rel=0.30), k


def test_pure_normalisation_nuisance_juno(fast_analysis):
    # data scaled by (1+d): with a norm nuisance of sigma s the chi2 is <= d^2/s^2 and > 0
    a = fast_analysis
    lik = a.likelihood(100.0)
    d = 0.01
    scaled = lik.with_data(lik.data * (1 + d))
    chi2 = scaled(lik.parameters.values)
    assert 0 < chi2 < d**2 / 0.02**2


def _core_power(d):
    d["cores"][0]["power_gw"] = -4.6


def _fractions(d):
    d["flux"]["fission_fractions"] = {"U235": 0.6, "U238": 0.1, "Pu239": 0.3, "Pu241": 0.1}


def _resolution(d):
    d["detectors"][0]["resolution"]["a"] = -0.01


def _exposure(d):
    d["sensitivity"]["precision_exposures_days"] = {"0d": 0.0}


def _too_few_bins(d):
    d["detectors"][0]["binning"].update(e_min_mev=1.0, e_max_mev=1.2, bin_width_kev=20.0)


def _no_baseline(d):
    d["detectors"].append({**d["detectors"][0], "name": "JUNO2"})


@pytest.mark.parametrize("change,match", [
    (_core_power, "cores.0.power_gw"),
    (_fractions, "sum to 1"),
    (_resolution, "detectors.0.resolution.a"),
    (_exposure, "exposure must be > 0"),
    (_too_few_bins, "nuisance parameters"),
    (_no_baseline, "no baseline from core 'TS-C1' to detector 'JUNO'"),
])
def test_bad_inputs(change, match):
    data = _data()
    change(data)
    with pytest.raises((InvalidConfiguration, UnphysicalParameter), match=match):
        cfg = _cfg(data)
        a = _analysis(cfg)
        for d in cfg.sensitivity.precision_exposures_days.values():
            a.likelihood(d)


def test_exposure_zero_refused(fast_analysis):
    with pytest.raises(InvalidConfiguration, match="exposure"):
        fast_analysis.predictor(0.0)


def test_fisher_equals_hesse_on_asimov(fast_analysis):
    from nuexp.stats.fit import fit

    lik = fast_analysis.likelihood(2 * 365.25)
    names, cov = asimov_covariance(lik)
    res = fit(lik)
    assert res.fval == pytest.approx(0.0, abs=1e-3)
    for k in ("dm2_31", "dm2_21", "sin2_theta12", "sin2_theta13"):
        assert res.errors[k] == pytest.approx(np.sqrt(cov[names.index(k), names.index(k)]), rel=0.02)


@pytest.mark.slow
def test_nmo_delta_chi2_grows_with_exposure(fast_analysis):
    a = fast_analysis
    r2 = a.nmo(2 * 365.25)
    r4 = a.nmo(4 * 365.25, alternative_start=r2.fit_alternative.values)
    assert r2.chi2_true == pytest.approx(0.0, abs=1e-3)
    assert r2.fit_alternative.values["dm2_31"] < 0
    # roughly linear in exposure (systematics make it slightly sub-linear)
    assert 1.7 < r4.delta_chi2 / r2.delta_chi2 <= 2.05


def test_tabulated_spectrum_option(tmp_path, fast_analysis):
    from nuexp.sources import reactor as r

    f = r.FissionFractions.preset("juno")
    E = np.linspace(1.8, 10.5, 400)
    S = r.spectrum_per_fission(E * MeV, f, outside="extrapolate") * MeV
    path = tmp_path / "table.csv"
    np.savetxt(path, np.column_stack([E, S]), delimiter=",")
    data = _data()
    data["flux"].update(model="tabulated", table=str(path))
    a = _analysis(_cfg(data))
    assert a.exp.signal_rate_per_day()["JUNO"] == pytest.approx(
        fast_analysis.exp.signal_rate_per_day()["JUNO"], rel=2e-3)
