"""The CEvNS family (issue #15): presets on it, user TOMLs, and the fast prediction
interface the COHERENT data fit (issue #17) uses."""

from pathlib import Path

import numpy as np
import pytest

import nuexp
from nuexp.exceptions import InvalidConfiguration
from nuexp.experiments.cevns.model import CevnsModel, interval_weights
from nuexp.experiments.cevns.statistics import (
    likelihood,
    magnetic_moment_limit,
    nsi_plane,
)
from nuexp.experiments.resolve import resolve
from nuexp.experiments.template import init_text, toml_key, toml_value

FAST = {"statistics": {"conventions_table": False}}


def _family_file(tmp_path: Path, preset: str, drop: tuple[str, ...], **changes) -> Path:
    """A plain ``family = "cevns"`` file with the blocks of ``preset`` (minus ``drop``)."""
    data = resolve(preset).config.model_dump(mode="json", exclude_none=True,
                                             exclude={"published", *drop})
    data.update(family="cevns", experiment=f"{preset}-as-family")
    for block, values in changes.items():
        data[block] = {**data.get(block, {}), **values}
    path = tmp_path / f"{preset}-as-family.toml"
    path.write_text("".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in data.items()))
    return path


@pytest.fixture(scope="module")
def clovers_model():
    return CevnsModel(resolve("clovers").config)


def test_clovers_numbers_come_from_the_family_alone(tmp_path):
    """CLOVERS 2023 (Su, Liu, Liang), Sec. 3.1 and 4: 303 total, 160 selected events,
    S/sqrt(S+B) = 5.1 — from a plain family file, without the CLOVERS extension."""
    res = nuexp.run(_family_file(tmp_path, "clovers", ("dark_counts", "coherent_reference")))
    assert res["cevns_total_events"].value == pytest.approx(303, rel=0.01)
    assert res["signal_events"].value == pytest.approx(160, rel=0.01)
    assert res["significance"].value == pytest.approx(5.1, abs=0.07)
    ref = nuexp.run("clovers", config={"dark_counts": {"n_triggers": 200_000}})
    for key in ("cevns_total_events", "signal_events", "background_events", "significance"):
        assert res[key].value == ref[key].value


def test_coherent_2017_prediction():
    """COHERENT 2017 (Akimov et al., Science 357, 1123): SM prediction 173 +/- 48 events."""
    res = nuexp.run("coherent-csi", config=FAST)
    assert res["signal_events"].value == pytest.approx(173, rel=0.03)
    assert res["signal_events"].published == 173.0


def test_new_examples_against_their_published_predictions():
    """Argon: the CENNS-10 release's 128 +/- 17; germanium: CONUS+ 347 +/- 59 (1 sigma)."""
    lar = nuexp.run("coherent-cenns10-lar", config=FAST)["signal_events"]
    assert abs(lar.value - 128.0) < 17.0
    ge = nuexp.run("conus-plus-ge")["signal_events"]
    assert abs(ge.value - 347.0) < 59.0
    nai = nuexp.run("ess-nai", config={"reach": {"weak_coupling": False}})
    assert nai["signal_events"].published is None        # no published prediction exists


def test_user_file_for_a_target_no_preset_uses(tmp_path):
    """C3F8 (a bubble-chamber target) at the ESS: a TOML in a temporary folder runs, and
    the counts scale exactly with mass and with 1/L²."""
    text = """
        schema_version = 2
        family = "cevns"
        description = "10 kg C3F8 at the ESS"
        [source]
        kind = "stopped-pion"
        beam_power_kw = 5000.0
        proton_energy_gev = 2.0
        nu_per_proton_per_flavour = 0.3
        distance_m = 20.0
        [exposure]
        live_days = 100.0
        [target]
        formula = "C3F8"
        mass_kg = 10.0
        [interaction]
        form_factor = "helm"
        sin2_theta_w = "low-energy"
        recoil_max_kev = 400.0
        recoil_points = 2001
        [response]
        observable = "recoil"
        bins = { low = 10.0, high = 400.0, width = 10.0 }
    """
    path = tmp_path / "my-c3f8.toml"
    path.write_text("\n".join(line.strip() for line in text.splitlines()))
    res = nuexp.run(path)
    assert res.experiment == "my-c3f8"
    n = res["signal_events"].value
    assert n > 0
    double = nuexp.run(path, config={"target": {"mass_kg": 20.0}, "source": {"distance_m": 40.0}})
    assert double["signal_events"].value == pytest.approx(0.5 * n, rel=1e-12)


def test_init_cevns_output_runs(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(init_text("cevns", as_family=True, file_stem="mine"))
    res = nuexp.run(path)
    assert res["signal_events"].value > 0


# ---- the prediction interface (issue #17) -------------------------------------------
def test_predict_shape_and_normalisations(clovers_model):
    m = clovers_model
    nominal = m.predict()
    assert nominal.shape == (m.edges.size - 1, m.time_edges.size - 1)
    assert m.predict(flux_norm=1.1, efficiency_norm=0.9) == pytest.approx(0.99 * nominal, rel=1e-12)
    with pytest.raises(InvalidConfiguration, match="unknown parameter"):
        m.predict(flux=1.0)


def test_fast_path_equals_the_full_recoil_spectrum(clovers_model):
    """The cached quadratic form equals the full computation (Z′ coupling ~ 0 forces it)."""
    m = clovers_model
    args = {"sin2_theta_w": 0.231, "neutron_radius_fm": 5.3, "nsi_uv": {"e": 0.1},
            "nsi_dv": {"mu": -0.05}, "quenching": 0.0}
    fast = m.predict(**args)
    full = m.predict(**args, mediator_coupling=1e-30)
    assert fast == pytest.approx(full, rel=1e-10)


def test_quenching_nuisance_interpolates_the_shifted_responses():
    cfg = resolve("coherent-cenns10-lar").config
    m = CevnsModel(cfg)
    up = CevnsModel(cfg.model_copy(update={"response": cfg.response.model_copy(update={
        "quenching": cfg.response.quenching.model_copy(update={"factors": [
            f * (1 + cfg.statistics.quenching_uncertainty)
            for f in cfg.response.quenching.factors]})})}))
    assert m.predict(quenching=1.0) == pytest.approx(up.predict(), rel=1e-9)
    half = m.predict(quenching=0.5)
    assert half == pytest.approx(0.5 * (m.predict() + up.predict()), rel=1e-9)


def test_nsi_plane_matches_the_prediction_and_is_zero_at_the_truth(clovers_model):
    m = clovers_model
    terms = m.coupling_terms()
    coup = m.couplings(nsi_uv={"e": 0.2}, nsi_dv={"e": -0.1})
    assert m.counts_from_couplings(terms, coup) == pytest.approx(
        m.predict(nsi_uv={"e": 0.2}, nsi_dv={"e": -0.1}), rel=1e-12)
    axis = np.linspace(-0.5, 0.5, 21)
    chi2 = nsi_plane(m, "e", axis, axis)
    assert chi2[10, 10] == pytest.approx(0.0, abs=1e-9)
    assert chi2.min() >= 0 and chi2[0, 0] > 1


def test_likelihood_is_zero_at_the_asimov_truth(clovers_model):
    lik = likelihood(clovers_model, ["sin2_theta_w", "neutron_radius_fm"])
    assert lik(lik.parameters.values) == pytest.approx(0.0, abs=1e-9)


def test_interval_weights_integrate_the_linear_interpolant():
    x = np.linspace(0.0, 1.0, 11)
    f = 3.0 * x + 1.0
    w = interval_weights(x, 0.23, 0.71)
    assert w @ f == pytest.approx(1.5 * (0.71**2 - 0.23**2) + 0.48, rel=1e-12)


def test_electron_scattering_adds_a_background_channel(tmp_path):
    path = _family_file(tmp_path, "clovers", ("dark_counts", "coherent_reference"),
                        interaction={"electron_scattering": True})
    res = nuexp.run(path, config=FAST)
    rows = {r["component"]: r["events"] for r in res.tables["backgrounds"]}
    assert rows["nu_e_scattering"] > 0
    assert res["background_events"].value == pytest.approx(833.0 + rows["nu_e_scattering"])


def test_new_physics_terms_match_the_prediction(clovers_model):
    """μ_ν adds μ² M incoherently; a Z′ gives T0 + g² T1 + g⁴ T2 exactly."""
    m = clovers_model
    mu = 3e-9
    assert m.predict(magnetic_moment_mub=mu) - m.predict() == pytest.approx(
        mu**2 * m.magnetic_terms(), rel=1e-9)
    g, mass = 2e-5, 30.0
    t0, t1, t2 = m.mediator_terms(mass)
    assert m.predict(mediator_coupling=g, mediator_mass_mev=mass) == pytest.approx(
        t0 + g**2 * t1 + g**4 * t2, rel=1e-9)
    assert t0 == pytest.approx(m.predict(), rel=1e-12)


def test_magnetic_moment_limit_sits_on_the_90cl_level(clovers_model):
    from nuexp.stats.asimov import profiled_scale_deviance

    m = clovers_model
    limit = magnetic_moment_limit(m)
    bkg = sum(m.backgrounds().values()).ravel()
    data = m.predict().ravel() + bkg
    sm, mag = m.predict().ravel(), m.magnetic_terms().ravel()
    sigma = m.config.statistics.flux_uncertainty
    chi2 = profiled_scale_deviance(data, np.stack([sm, sm + limit**2 * mag]), bkg, sigma)
    assert chi2[1] - chi2[0] == pytest.approx(2.706, rel=2e-2)
