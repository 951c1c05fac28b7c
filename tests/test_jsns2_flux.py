"""`nuexp run jsns2-flux`: headline keys vs JSNS2 2025 (sections/tables named per key),
configuration overrides and bad inputs."""

import numpy as np
import pytest
from hepunits import ns

import nuexp
from nuexp.exceptions import InvalidConfiguration
from nuexp.experiments.registry import get_preset
from nuexp.sources.decay_at_rest import MUON_LIFETIME, PION_LIFETIME

# key: (published, relative tolerance, source) — tolerances from issue 4
HEADLINE = {
    "n_target_c12": (4.68e29, 0.01, "Sec. VIII.3"),
    "efficiency_2021": (0.0497, 0.02, "Table 1"),
    "efficiency_2022": (0.0717, 0.02, "Table 1"),
    "efficiency": (0.0588, 0.02, "Sec. V"),
    "cross_section": (9.1e-42, 0.01, "Sec. VIII.2"),
    "signal_events": (36.8, 0.01, "Sec. VIII.1"),
    "flux": (6.7e-9, 0.03, "Sec. IX"),
    "flux_stat": (1.6e-9, 0.10, "Sec. IX"),
    "flux_syst": (1.7e-9, 0.10, "Sec. IX"),
    "nue_per_proton": (0.48, 0.05, "Sec. X"),
    "flux_tension_fluka": (0.82, 0.15, "Sec. IX"),
    "flux_tension_qgsp": (1.3, 0.15, "Sec. IX"),
    "dt_efficiency_2021": (0.518, 0.01, "Table 1 (exact exponential)"),
    "dt_efficiency_2022": (0.781, 0.01, "Table 1 (exact exponential)"),
}


@pytest.fixture(scope="module")
def res():
    return nuexp.run("jsns2-flux")


@pytest.mark.parametrize("key", sorted(HEADLINE))
def test_headline_within_tolerance(res, key):
    published, tol, _source = HEADLINE[key]
    assert res[key].value == pytest.approx(published, rel=tol)


def test_uncertainties_of_headline_keys(res):
    assert res["efficiency"].uncertainty == pytest.approx(0.0021, rel=0.05)      # Sec. V
    assert res["n_target_c12"].uncertainty == pytest.approx(0.94e29, rel=0.01)   # Sec. VIII.3
    assert res["nue_per_proton"].uncertainty == pytest.approx(0.17, rel=0.05)    # Sec. X
    total = np.hypot(res["flux_stat"].value, res["flux_syst"].value)
    assert res["flux"].uncertainty == pytest.approx(total)


def test_p_value_and_significance(res):
    # Sec. VI: p = 2.9e-7 (factor 2); one-sided σ of that p is 5.0, not "exceeding 6σ"
    assert 2.9e-7 / 2 < res["p_value"].value < 2.9e-7 * 2
    assert res["significance"].value == pytest.approx(5.0, abs=0.1)
    assert "does not support" in res["significance"].note
    assert res["p_value_with_background_uncertainty"].value > res["p_value"].value
    assert res["significance_with_background_uncertainty"].value < res["significance"].value


def test_model_cross_section_and_timing(res):
    assert res["cross_section_model"].value == pytest.approx(9.1e-42, rel=0.20)
    # two bunches 600 ns apart, 2–10 µs: for point-like bunches the π→μ→e chain gives
    # exactly [τμ(e^{-a/τμ} − e^{-b/τμ}) − τπ(e^{-a/τπ} − e^{-b/τπ})]/(τμ − τπ) per bunch;
    # the 40 ns Gaussian width changes it by a factor exp(σ²/2τμ²) ≈ 1 + 2e-4.
    tmu, tpi = MUON_LIFETIME / ns, PION_LIFETIME / ns

    def chain(a, b):
        return (tmu * (np.exp(-a / tmu) - np.exp(-b / tmu))
                - tpi * (np.exp(-a / tpi) - np.exp(-b / tpi))) / (tmu - tpi)

    exact = 0.5 * (chain(2000, 10000) + chain(1400, 9400))
    assert res["timing_efficiency"].value == pytest.approx(exact, rel=1e-3)


def test_fiducial_radius_override_scales_targets_and_flux(res):
    small = nuexp.run("jsns2-flux", config={"target": {"fiducial_radius_cm": 120.0}})
    r2 = (120.0 / 140.0) ** 2
    assert small["n_target_c12"].value == pytest.approx(res["n_target_c12"].value * r2, rel=1e-9)
    assert small["flux"].value == pytest.approx(res["flux"].value / r2, rel=1e-9)
    assert small["nue_per_proton"].value == pytest.approx(res["nue_per_proton"].value / r2, rel=1e-9)


def test_toml_override_file(tmp_path, res):
    f = tmp_path / "o.toml"
    f.write_text('[target]\nfiducial_half_height_cm = 50.0\n[counts]\nbackground_method = "spill-shift"\n')
    out = nuexp.run("jsns2-flux", config=f)
    assert out["n_target_c12"].value == pytest.approx(res["n_target_c12"].value / 2, rel=1e-9)
    assert out["signal_events"].value == pytest.approx(79 - 37.7)
    assert out["flux"].value == pytest.approx(res["flux"].value * 2 * 41.3 / 36.8, rel=1e-9)


def test_physics_efficiencies_and_model_cross_section_options(res):
    alt = nuexp.run("jsns2-flux", config={"selection": {"efficiency_source": "physics"},
                                          "cross_section": {"source": "model"}})
    assert alt["efficiency"].value != res["efficiency"].value
    assert alt["cross_section"].value == pytest.approx(res["cross_section_model"].value)
    expected = (res["flux"].value * res["efficiency"].value / alt["efficiency"].value
                * res["cross_section"].value / alt["cross_section"].value)
    assert alt["flux"].value == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("override, field", [
    ({"target": {"fiducial_radius_cm": 170.0}}, "fiducial_radius_cm"),
    ({"target": {"fiducial_half_height_cm": 130.0}}, "fiducial_half_height_cm"),
    ({"target": {"vessel_radius_cm": -1.0}}, "vessel_radius_cm"),
    ({"counts": {"observed": -5}}, "observed"),
    ({"counts": {"observed": 30}}, "background_fake_trigger"),
    ({"selection": {"beam_timing_us": {"low": 10.0, "high": 2.0}}}, "beam_timing_us"),
])
def test_bad_inputs_refused(override, field):
    with pytest.raises(InvalidConfiguration, match=field):
        nuexp.run("jsns2-flux", config=override)


def test_bad_recipes_refused():
    base = get_preset("jsns2-flux").raw()["target"]["liquids"]
    liquids = [dict(x) for x in base]
    liquids[0]["volume_fraction"] = 0.8
    with pytest.raises(InvalidConfiguration, match="volume_fraction"):
        nuexp.run("jsns2-flux", config={"target": {"liquids": liquids}})
    liquids = [dict(x) for x in base]
    liquids[0]["weight_percent"] = {"C": 0.877, "H": 0.121}   # fractions given as percent
    with pytest.raises(InvalidConfiguration, match="weight_fractions sum"):
        nuexp.run("jsns2-flux", config={"target": {"liquids": liquids}})


def test_mlf_facility_entry_matches_preset():
    # JSNS2 2025 Sec. I: 3 GeV, 25 Hz, 40 ns bunches 600 ns apart; Sec. X: 0.48 νe/proton
    from hepunits import GeV, Hz

    from nuexp.sources.spallation import MLF_BUNCH_SPACING, MLF_N_BUNCHES, get_facility

    mlf = get_facility("J-PARC MLF")
    beam = get_preset("jsns2-flux").raw()["beam"]
    assert mlf.proton_energy / GeV == pytest.approx(beam["proton_energy_gev"])
    assert mlf.repetition_rate / Hz == pytest.approx(beam["repetition_rate_hz"])
    assert mlf.pulse_sigma / ns == pytest.approx(beam["bunch_sigma_ns"])
    assert MLF_BUNCH_SPACING / ns == beam["bunch_spacing_ns"] and MLF_N_BUNCHES == beam["n_bunches"]
    assert mlf.nu_per_proton_per_flavour == pytest.approx(0.48)


def test_muon_time_cdf_matches_quadrature_of_the_pdf():
    from scipy import integrate

    from nuexp.experiments.jsns2_flux.analysis import muon_decay_time_cdf
    from nuexp.sources.decay_at_rest import muon_decay_time_pdf

    centres, sigma = np.array([0.0, 600.0]) * ns, 40 * ns
    a, b = 2000 * ns, 10000 * ns
    direct, _ = integrate.quad(lambda t: float(muon_decay_time_pdf(np.array(t), centres, sigma)),
                               a, b, limit=200, epsabs=1e-13)
    lo, hi = muon_decay_time_cdf(np.array([a, b]), centres, sigma)
    assert hi - lo == pytest.approx(direct, rel=1e-7)
    assert muon_decay_time_cdf(1e7 * ns, centres, sigma) == pytest.approx(1.0)
