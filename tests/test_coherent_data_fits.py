"""COHERENT CsI[Na] 2021 and CENNS-10 LAr 2020 fits against the published results.

Published numbers: CsI — COHERENT, PRL 129 (2022) 081801 (arXiv:2110.07730): 306 ± 20
CEvNS events, SM prediction 341 ± 11 ± 42, sin²θW = 0.220 +0.028 −0.026; the talk's
R_n(CsI) = 5.55 ± 0.44 fm (seed 004). LAr — PRL 126 (2021) 012002 (arXiv:2003.10630),
Analysis A: 159 ± 43 (stat) ± 14 (syst) events, SM prediction 128 ± 17, > 3σ.
"""

import numpy as np
import pytest
from hepunits import keV, kg, m, ns

from nuexp.config import load_toml
from nuexp.events.coherent_lar_2020 import load_lar_2020
from nuexp.experiments.cevns.config import InteractionBlock
from nuexp.experiments.cevns.model import RecoilModel, stopped_pion_fluences
from nuexp.experiments.coherent_combined.analysis import nue_quadratic
from nuexp.experiments.coherent_csi_2021.analysis import Config as CsiConfig
from nuexp.experiments.coherent_csi_2021.analysis import build_model as build_csi
from nuexp.experiments.coherent_csi_2021.analysis import sm_prediction
from nuexp.experiments.coherent_data.fitting import fit_signal
from nuexp.experiments.coherent_lar_2020.analysis import Config as LarConfig
from nuexp.experiments.coherent_lar_2020.analysis import build_model as build_lar
from nuexp.experiments.registry import get_preset
from nuexp.rates import recoil_spectra
from nuexp.sources.pulse_timing import ARRIVAL_GROUPS, arrival_fractions
from nuexp.stats.fit import fit
from nuexp.targets.compound import Compound

S2W = 0.23857


@pytest.fixture(scope="module")
def csi():
    return build_csi(CsiConfig.model_validate(load_toml(get_preset("coherent-csi-2021").path)))


@pytest.fixture(scope="module")
def lar():
    return build_lar(LarConfig.model_validate(load_toml(get_preset("coherent-lar-2020").path)))


# ----------------------------------------------------------------------------- prediction
def _recoil_model(formula: str, mass_kg: float = 1.0) -> RecoilModel:
    """The CEvNS family's prediction (Helm, sin²θW = S2W) at 1e23 POT, 0.08 ν/p/flavour, 20 m."""
    interaction = InteractionBlock(form_factor="helm", sin2_theta_w=S2W, recoil_max_kev=60.0,
                                   recoil_points=121)
    return RecoilModel(stopped_pion_fluences(1e23, 0.08, 20 * m),
                       Compound(formula).nuclei(1 * kg), mass_kg, interaction)


def test_the_data_presets_predict_with_the_cevns_family(csi, lar):
    """One code path: the data models hold the family's RecoilModel, and their SM counts
    per recoil node are its recoil spectrum times the trapezoid weights."""
    for model in (csi, lar):
        rm = model.recoil_model
        assert isinstance(rm, RecoilModel) and rm.components == ("numu", "nue", "numubar")
        nominal = model.parameters().to_dict(model.parameters().values)
        kw = {"neutron_radius_fm": nominal["neutron_radius_fm"]} if "neutron_radius_fm" in nominal else {}
        assert model.recoil_counts(nominal) == pytest.approx(
            rm.recoil_spectrum(**kw) * rm.weights, rel=1e-14)


def test_family_prediction_equals_the_library_chain_in_the_standard_model():
    rm = _recoil_model("CsI", 10.0)
    t = rm.recoil
    lib = recoil_spectra(t, stopped_pion_fluences(1e23, 0.08, 20 * m),
                         Compound("CsI").nuclei(10.0 * kg), form_factor="helm", sin2_theta_w=S2W)
    ours = rm.recoil_spectrum()
    for i, f in enumerate(lib.components):
        assert ours[rm.components.index(f)] == pytest.approx(lib.values[i].sum(axis=0), rel=1e-9)


def test_nsi_scale_the_nue_events_by_the_weak_charge_ratio():
    # exact for one isotope with F_n = F_p: (Q_e / Q_SM)², Q_e = Q_SM − 2(2u + d)Z − 2(u + 2d)N
    rm = _recoil_model("Na")
    z, n = 11, 12  # 23Na, the only stable sodium isotope
    u, d = 0.1, -0.25
    sm = rm.recoil_spectrum()
    nsi = rm.recoil_spectrum(nsi_uv={"e": u}, nsi_dv={"e": d})
    q_sm = n - (1 - 4 * S2W) * z
    ratio = ((q_sm - 2 * (2 * u + d) * z - 2 * (u + 2 * d) * n) / q_sm) ** 2
    e, mu = rm.components.index("nue"), rm.components.index("numu")
    assert nsi[e] == pytest.approx(ratio * sm[e], rel=1e-12)
    assert nsi[mu] == pytest.approx(sm[mu], rel=1e-15)


def test_larger_neutron_radius_suppresses_the_rate():
    rm = _recoil_model("CsI")
    inside = (rm.recoil > 5 * keV) & (rm.recoil < 40 * keV)
    small = rm.recoil_spectrum(neutron_radius_fm=4.5)
    large = rm.recoil_spectrum(neutron_radius_fm=6.0)
    kinematic = small > 0  # the prompt νμ line ends at T_max ≈ 14 keV
    assert np.all(large[inside & kinematic] < small[inside & kinematic])
    assert kinematic[:, inside].sum() > inside.sum()


def _lar_config(**interaction):
    raw = load_toml(get_preset("coherent-lar-2020").path)
    raw["interaction"].update(interaction)
    return LarConfig.model_validate(raw)


def test_data_presets_refuse_electron_scattering():
    with pytest.raises(ValueError, match="electron_scattering"):
        _lar_config(electron_scattering=True)


def test_configured_numu_nsi_is_kept_while_eps_ee_is_fitted(lar):
    """ε_ee are fit parameters; couplings of other flavours stay as configured."""
    nsi = build_lar(_lar_config(nsi_uv={"mu": 0.2}))
    values = lar.parameters().to_dict(lar.parameters().values)
    sm, with_mu = lar.recoil_counts(values), nsi.recoil_counts(values)
    e, mu = lar.recoil_model.components.index("nue"), lar.recoil_model.components.index("numu")
    assert with_mu[e] == pytest.approx(sm[e], rel=1e-14)
    assert with_mu[mu].sum() != pytest.approx(sm[mu].sum(), rel=0.01)


# ----------------------------------------------------------------------------- CsI
def test_csi_sm_prediction_within_15_percent(csi):
    events, error, _ = sm_prediction(csi)
    assert events == pytest.approx(341.0, rel=0.15)
    assert 0.05 < error / events < 0.25  # flux 10 % ⊕ response: comparable to 42/341


def test_csi_fit_reproduces_the_published_count_and_significance(csi):
    sig = fit_signal(csi.likelihood(free=("cevns_scale",)),
                     lambda v: float(csi.components(v)["cevns"].sum()))
    assert abs(sig.events - 306.0) < 20.0
    assert sig.significance > 10.0  # published 11.6 sigma
    brn = csi.components(sig.best.values)["brn"].sum()
    assert 0 < brn < 40


def test_csi_sin2_and_neutron_radius(csi):
    s2 = fit(csi.likelihood(free=("sin2_theta_w",)))
    assert abs(s2.values["sin2_theta_w"] - 0.220) < 0.027
    rn = fit(csi.likelihood(free=("neutron_radius_fm",)))
    assert abs(rn.values["neutron_radius_fm"] - 5.55) < 0.44
    assert 0.2 < rn.errors["neutron_radius_fm"] < 0.8


def test_csi_steady_state_template_is_the_anticoincidence_sample(csi):
    assert csi.ss_template.sum() == pytest.approx(csi.n_anticoincidence)


# ----------------------------------------------------------------------------- LAr
def test_lar_preset_numbers_are_those_of_the_release():
    cfg = LarConfig.model_validate(load_toml(get_preset("coherent-lar-2020").path))
    p = load_lar_2020().parameters
    assert cfg.source.protons_on_target == pytest.approx(p["beamExposure"]["value"] * 1e22)
    assert cfg.source.distance_m == p["distanceToTarget"]["value"]
    assert cfg.target.mass_kg == p["fiducialMass"]["value"]
    assert cfg.source.nu_per_proton_per_flavour == p["neutrinosPerProton"]["value"]
    assert cfg.source.flux_uncertainty == pytest.approx(
        p["neutrinosPerProton"]["uncertainty"] / p["neutrinosPerProton"]["value"])
    qf = {q["name"]: q for q in p["larQF"]["parameters"]}
    assert (cfg.quenching.a, cfg.quenching.b_per_kevnr) == (qf["a"]["value"], qf["b"]["value"])
    timing = {q["name"]: q for q in p["snsPOTTraceTiming"]["parameters"]}
    assert cfg.source.pulse_mean_ns == timing["a"]["value"]
    assert cfg.source.pulse_sigma_ns == timing["b"]["value"]


def test_lar_sm_prediction_within_15_percent(lar):
    nominal = lar.parameters().to_dict(lar.parameters().values)
    assert sum(lar.predicted_by_flavour(nominal).values()) == pytest.approx(128.0, rel=0.15)


def test_lar_computed_timing_matches_the_released_cevns_pdf(lar):
    """Our arrival times (pulse ⊗ lifetimes) against the time projection of the released
    CEvNS PDF: fractions per 0.5-µs bin agree to 0.012."""
    nominal = lar.parameters().to_dict(lar.parameters().values)
    flavours = lar.predicted_by_flavour(nominal)
    ours = sum(n * arrival_fractions(ARRIVAL_GROUPS[f], lar.release.time_edges, lar.setup.pulse)
               / arrival_fractions(ARRIVAL_GROUPS[f], lar.release.time_edges[[0, -1]],
                                   lar.setup.pulse)[0]
               for f, n in flavours.items())
    released = lar.release.histograms["cevns"].sum(axis=(0, 1))
    assert ours / ours.sum() == pytest.approx(released / released.sum(), abs=0.012)
    assert lar.setup.pulse.mean == pytest.approx(440 * ns)


def test_lar_fit_reproduces_the_published_count(lar):
    sig = fit_signal(lar.likelihood(free=("cevns_scale",)),
                     lambda v: float(lar.components(v)["cevns"].sum()))
    assert abs(sig.events - 159.0) < np.hypot(43.0, 14.0)
    assert sig.events_error == pytest.approx(43.0, rel=0.25)
    assert sig.significance > 3.0
    delayed = lar.components(sig.best.values)["delayed_brn"].sum()
    assert abs(delayed - 10.0) < 11.0  # release: best-fit delayed BRN 10 ± 11


def test_nue_quadratic_is_exact(lar):
    nominal = lar.parameters().to_dict(lar.parameters().values)

    def count(u, d):
        return lar.predicted_by_flavour({**nominal, "eps_u_ee": u, "eps_d_ee": d})["nue"]

    c = nue_quadratic(count)
    u, d = 0.37, -0.81
    assert c @ [1, u, d, u * u, d * d, u * d] == pytest.approx(count(u, d), rel=1e-10)


# ----------------------------------------------------------------------------- presets
def _quick(points):
    return {"scans": {"sin2_theta_w": {"points": points}}}


@pytest.mark.parametrize("preset, override, keys", [
    ("coherent-csi-2021",
     {"scans": {"sin2_theta_w": {"points": 9}, "neutron_radius_fm": {"points": 8}}},
     ("cevns_events_fit", "sm_prediction", "cevns_significance", "sin2_theta_w",
      "neutron_radius_fm")),
    ("coherent-lar-2020", _quick(9),
     ("cevns_events_fit", "sm_prediction", "cevns_significance", "sin2_theta_w")),
    ("coherent-combined",
     {"sin2_theta_w": {"points": 9}, "nsi": {"nue_scale": {"points": 17},
                                             "eps_u_ee": {"points": 121},
                                             "eps_d_ee": {"points": 121}, "zoom_points": 41}},
     ("sin2_theta_w",)),
])
def test_presets_run_and_carry_their_published_values(preset, override, keys, tmp_path):
    import nuexp

    write = preset == "coherent-combined"  # files (figures, results.json) once: they are slow
    res = nuexp.run(preset, config=override, out=tmp_path / preset if write else None)
    data = res.to_dict()
    raw = load_toml(get_preset(preset).path)
    assert set(keys) <= set(data["quantities"])
    for key in keys:
        q = data["quantities"][key]
        assert np.isfinite(q["value"]) and (q["uncertainty"] is None or q["uncertainty"] > 0)
        if key in raw.get("published", {}):
            assert q["published"] == raw["published"][key]["value"]
            assert q["source"] == raw["published"][key]["source"]
    assert data["config"]["data_citation"] == raw["data_citation"]
    if write:
        assert (tmp_path / preset / "results.json").is_file() and res.figures


def test_figures_have_no_layout_problems(csi, lar, tmp_path):
    from hepunits import microsecond

    from nuexp.experiments.coherent_data.plots import (
        nsi_figure,
        profile_figure,
        projections_figure,
    )
    from nuexp.report.figure_check import layout_problems
    from nuexp.report.plots import save_figure

    figures = {}
    nominal = csi.parameters().to_dict(csi.parameters().values)
    figures["csi"] = projections_figure(
        csi.data, csi.components(nominal),
        [(csi.setup.pe_edges, "PE"), (csi.setup.time_edges / microsecond, "arrival time [µs]")],
        "COHERENT CsI[Na] 2021 data, best fit")
    rel = lar.release
    figures["lar"] = projections_figure(
        lar.data, lar.components(lar.parameters().to_dict(lar.parameters().values)),
        [(rel.energy_edges / keV, "energy [keVee]"), (rel.f90_edges, "F90"),
         (rel.time_edges / microsecond, "time [µs]")], "CENNS-10 LAr 2020, best fit")
    x = np.linspace(0.1, 0.4, 30)
    figures["profile"] = profile_figure({"CsI": (x, ((x - 0.22) / 0.026) ** 2)},
                                        r"$\sin^2\theta_W$", (0.22, 0.027, "published"))
    u = np.linspace(-1.0, 1.0, 81)
    uu, dd = np.meshgrid(u, u)
    chi2 = {"CsI alone": 100 * (uu + 1.12 * dd) ** 2, "LAr alone": 30 * (uu + 1.07 * dd) ** 2,
            "combined": 130 * (uu + 1.1 * dd) ** 2}
    figures["nsi"] = nsi_figure([(u, u, chi2), (u, u, chi2)], 4.61)
    for name, fig in figures.items():
        save_figure(fig, tmp_path, name, caption="A caption of a typical length, long enough "
                    "to need more than one line in the narrower figures of this set.")
        assert layout_problems(fig) == [], name
