"""JSNS2 3+1 appearance: identities, model pieces, statistics, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hepunits import MeV, m, ns

from nuexp.exceptions import InvalidConfiguration, UnphysicalParameter
from nuexp.experiments.jsns2_sterile.analysis import (
    Config,
    SterileModel,
    limit_at,
    mixing_parameters,
    two_flavour_probability,
)
from nuexp.experiments.registry import resolve_config
from nuexp.oscillation import OscillationParameters, pmns_matrix, probability, probability_matrix
from nuexp.sources.decay_at_rest import MUON_LIFETIME, nue_spectrum
from nuexp.sources.mu_minus_decay import (
    bound_decay_fraction,
    nuebar_flux,
    nuebar_spectrum,
    suppression_factor,
)
from nuexp.stats.batched_profile import TemplateModel, poisson_deviance, profile
from nuexp.stats.contours import (
    check_grid,
    contour_lines,
    critical_delta_chi2,
    log_grid,
    raster_limits,
)
from nuexp.stats.feldman_cousins import critical_value

E = np.linspace(20.0, 52.0, 33) * MeV
L = 24.0 * m


def _config(**over) -> Config:
    """The model's defaults, with the LSND measurement of the preset's [lsnd] table."""
    data = {"experiment": "jsns2-sterile", "description": "test",
            "family": "jsns2-sterile",
            "lsnd": resolve_config("jsns2-sterile")[1].lsnd.model_dump()}
    data.update(over)
    return Config.model_validate(data)


@pytest.fixture(scope="module")
def model() -> SterileModel:
    return SterileModel(_config())


# --- oscillation identities (through engineer B's engine) -------------------------------
def test_two_flavour_limit_is_exact_when_only_dm2_41_matters():
    """Active angles 0 and Δm²21 = 0: only Δm²41 drives ν̄μ→ν̄e, exactly two-flavour."""
    p = OscillationParameters(sin2_theta12=0.0, sin2_theta13=0.0, sin2_theta23=0.0,
                              dm2_21=0.0, dm2_31=2.5e-3, sin2_theta14=0.02,
                              sin2_theta24=0.03, dm2_41=1.7)
    ue4 = 0.02
    um4 = (1 - 0.02) * 0.03
    engine = probability(p, "mu", "e", E, L, antineutrino=True)
    formula = two_flavour_probability(4 * ue4 * um4, 1.7, E, L)
    np.testing.assert_allclose(engine, formula, rtol=1e-9, atol=1e-15)


def test_short_baseline_formula_with_nufit_background():
    """P(ν̄μ→ν̄e) = 4|Ue4|²|Uμ4|² sin²Δ41 at 24 m on top of the real 3ν parameters.

    With θ13 = 0 the only other amplitude is the solar one (Δ21 L/4E ~ 1e-4, relative effect ~ 1e-3): agreement
    to 3e-3. With NuFIT θ13 the atmospheric amplitude U*μ3 Ue3 (e^{-2iΔ31} − 1) interferes
    with the sterile one; at L/E ~ 1 m/MeV its relative size is
    ~ 2 Δm²31 |Uμ3 Ue3| / (Δm²41 |Uμ4 Ue4|) ≈ 2 %, so the formula holds to 3 %.
    """
    for s2, dm2 in ((0.003, 1.2), (0.01, 2.5), (0.05, 7.0)):
        for theta13_zero, rtol in ((True, 3e-3), (False, 0.03)):
            p = mixing_parameters(s2, dm2)
            if theta13_zero:
                p = p.replace(sin2_theta13=0.0)
            U = pmns_matrix(p)
            four = 4 * abs(U[0, 3]) ** 2 * abs(U[1, 3]) ** 2
            assert four == pytest.approx(s2, rel=1e-12)
            engine = probability(p, "mu", "e", E, L, antineutrino=True)
            # measured against the amplitude sin²2θ (near an oscillation node a relative
            # comparison would be meaningless)
            np.testing.assert_allclose(engine, two_flavour_probability(four, dm2, E, L),
                                       rtol=0, atol=rtol * s2)


def test_zero_appearance_at_zero_mixing():
    assert np.all(two_flavour_probability(0.0, 1.0, E, L) == 0.0)
    p = OscillationParameters(sin2_theta12=0.0, sin2_theta13=0.0, sin2_theta23=0.0,
                              dm2_21=0.0, dm2_31=2.5e-3, dm2_41=1.0)
    assert np.max(np.abs(probability(p, "mu", "e", E, L, antineutrino=True))) < 1e-15
    # real 3ν angles, no sterile mixing: only the tiny 3ν appearance at 24 m remains
    q = mixing_parameters(0.0, 1.0)
    assert np.max(probability(q, "mu", "e", E, L, antineutrino=True)) < 1e-5


def test_unitarity_of_the_4x4_matrix():
    for s2 in (1e-4, 0.003, 0.3, 1.0):
        U = pmns_matrix(mixing_parameters(s2, 2.0))
        np.testing.assert_allclose(U @ U.conj().T, np.eye(4), atol=1e-14)
    P = probability_matrix(mixing_parameters(0.01, 2.0), E, L, antineutrino=True)
    np.testing.assert_allclose(P.sum(axis=-1), 1.0, atol=1e-12)


def test_signal_spectrum_two_vs_four_flavour(model):
    for s2, dm2 in ((0.003, 1.2), (0.01, 5.0)):
        two = model.signal(s2, dm2)
        four = model.signal(s2, dm2, four_flavour=True)
        assert two.sum() == pytest.approx(four.sum(), rel=0.03)   # see the test above


# --- model pieces ------------------------------------------------------------------------
def test_signal_linear_in_mixing_and_pot(model):
    cfg = _config()
    one = model.signal(0.003, 1.2).sum()
    assert model.signal(0.006, 1.2).sum() == pytest.approx(2 * one, rel=1e-12)
    double = SterileModel(cfg, pot=2 * cfg.beam.pot)
    assert double.signal(0.003, 1.2).sum() == pytest.approx(2 * one, rel=1e-12)
    # averaged oscillation: at large Δm² the signal tends to sin²2θ/2 of the full swap
    fast = model.signal(1.0, 1e4).sum()
    assert fast == pytest.approx(0.5 * model.unoscillated_ibd(), rel=0.02)


def test_target_protons_from_the_cocktail(model):
    """17 t of 90 % Gd-LS (12.1 wt% H) + 10 % DIN (C16H20) by volume: H ≈ 11.8 wt%."""
    h_fraction = (0.9 * 0.860 * 0.121 + 0.1 * 0.958 * 20 * 1.008 / (16 * 12.011 + 20 * 1.008)
                  ) / (0.9 * 0.860 + 0.1 * 0.958)
    expected = 17e6 * h_fraction / 1.00794 * 6.02214076e23 * 0.99988
    assert model.free_protons == pytest.approx(expected, rel=2e-3)


def test_timing_window_efficiency(model):
    """Two bunches (0, 600 ns), window 1-10 μs: ≈ mean of exp(−(t1−t_b)/τμ) − tail."""
    tau = MUON_LIFETIME / ns
    approx = np.mean([np.exp(-(1000 - tb) / tau) - np.exp(-(10000 - tb) / tau)
                      for tb in (0.0, 600.0)])
    assert model.timing_efficiency == pytest.approx(approx, rel=0.03)


def test_mu_minus_source():
    e = np.linspace(0, 60, 601) * MeV
    np.testing.assert_array_equal(nuebar_spectrum(e), nue_spectrum(e))
    assert np.trapezoid(nuebar_spectrum(e), e) == pytest.approx(1.0, abs=1e-4)
    assert np.trapezoid(nuebar_flux(e, 2.0, 1e-3), e) == pytest.approx(2e-3, rel=1e-4)
    assert bound_decay_fraction(MUON_LIFETIME) == pytest.approx(1.0)
    assert suppression_factor(0.05, bound_decay_fraction(0.5 * MUON_LIFETIME)) == \
        pytest.approx(0.025)
    with pytest.raises(UnphysicalParameter):
        bound_decay_fraction(-1.0)
    with pytest.raises(UnphysicalParameter):
        suppression_factor(0.1, 1.5)


def test_sensitivity_improves_with_pot(model):
    cfg = _config()
    full = SterileModel(cfg, pot=cfg.beam.pot_collected)
    level = critical_delta_chi2(0.9, 1)
    a, b = limit_at(model, 1.0, level), limit_at(full, 1.0, level)
    assert 0 < b < a < 1


# --- statistics --------------------------------------------------------------------------
def _toy_model():
    B = 12
    sig = np.linspace(1, 3, B)
    bkg = np.array([np.full(B, 4.0), np.linspace(3, 1, B)])
    resp = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]], dtype=float)
    return TemplateModel(bkg, resp, np.array([0.3, 0.2, 0.1])), sig


def test_batched_profile_matches_iminuit():
    from iminuit import Minuit

    tm, sig = _toy_model()
    n, g = tm.sample(sig, 0.7, 4, np.random.default_rng(3))
    res = profile(tm, sig, n, g)
    def deviance(counts, pulls):
        def f(s, a0, a1, a2):
            a = np.array([a0, a1, a2])
            mu = tm.expected(sig, s, a)
            if np.any(mu <= 0):
                return 1e30
            return float(poisson_deviance(counts, mu) + np.sum((a - pulls) ** 2 / tm.sigmas**2))
        return f

    for i in range(4):
        mn = Minuit(deviance(n[i], g[i]), s=0.5, a0=0.0, a1=0.0, a2=0.0)
        mn.limits["s"] = (0, None)
        mn.errordef = 1
        mn.migrad()
        assert mn.valid
        assert res.chi2[i] == pytest.approx(mn.fval, abs=1e-4)
        assert res.chi2[i] <= mn.fval + 1e-6


def test_asimov_fit_returns_truth():
    tm, sig = _toy_model()
    asimov = tm.expected(sig, 0.8)
    res = profile(tm, sig, asimov)
    assert res.chi2 == pytest.approx(0.0, abs=1e-8)
    assert res.strength == pytest.approx(0.8, rel=1e-4)


def test_feldman_cousins_reaches_wilks_at_high_statistics():
    """One row, strong signal, tight nuisances: Δχ² ~ χ²(1), 90 % quantile 2.706."""
    B = 10
    tm = TemplateModel(np.full((1, B), 50.0), np.array([[1.0], [1.0]]), np.array([1e-3]))
    res = critical_value(tm, np.full((1, B), 30.0), 0, 1.0, 3000,
                         np.random.default_rng(11), cl=0.9)
    assert res.critical == pytest.approx(critical_delta_chi2(0.9, 1), abs=0.4)


def test_contours_and_raster():
    x = np.geomspace(1e-3, 1, 40)
    y = np.geomspace(0.1, 10, 5)
    z = (x[None, :] / 0.01) ** 2 * np.ones((5, 1)) * np.arange(1, 6)[:, None]
    limits, reached = raster_limits(x, z, 2.706)
    expected = 0.01 * np.sqrt(2.706 / np.arange(1, 6))
    np.testing.assert_allclose(limits, expected, rtol=0.05)
    assert reached.all()
    lines = contour_lines(x, y, z, 2.706)
    assert lines and all(ln.shape[1] == 2 for ln in lines)
    assert critical_delta_chi2(0.9, 2) == pytest.approx(4.605, abs=1e-3)


# --- bad input ---------------------------------------------------------------------------
def test_negative_dm2_and_bad_mixing_are_refused():
    with pytest.raises(UnphysicalParameter, match="dm2_41"):
        mixing_parameters(0.01, -1.0)
    with pytest.raises(UnphysicalParameter, match="dm2_41"):
        two_flavour_probability(0.01, -1.0, E, L)
    with pytest.raises(UnphysicalParameter, match="sin2_2theta"):
        mixing_parameters(1.5, 1.0)
    with pytest.raises(UnphysicalParameter, match="sin2_theta14"):
        OscillationParameters.preset("nufit-5.2-no").replace(sin2_theta14=1.2, dm2_41=1.0)


def test_model_refuses_nonpositive_dm2(model):
    with pytest.raises(UnphysicalParameter):
        model.signal(0.01, 0.0)


@pytest.mark.parametrize("n", [0, 1])
def test_grid_with_too_few_points(n):
    with pytest.raises(InvalidConfiguration, match="grid"):
        log_grid("scan.dm2", 0.1, 10.0, n)
    with pytest.raises(InvalidConfiguration, match="grid"):
        check_grid("x", np.ones(n))


def test_config_refuses_zero_point_grid():
    import nuexp

    with pytest.raises(InvalidConfiguration, match="n_dm2"):
        nuexp.run("jsns2-sterile", config={"scan": {"n_dm2": 0}})
