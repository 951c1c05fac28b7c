"""RELICS preset: published numbers of the talk / arXiv:2405.05554 and bad input."""

import pytest

import nuexp
from nuexp.exceptions import InvalidConfiguration, NuexpError


@pytest.fixture(scope="module")
def res():
    return nuexp.run("relics")


def test_flux_of_order_1e13(res):
    # Talk, page "RELICS": "> 1e13 ν/cm²/s" at 25 m from 3.4 GW (an order of magnitude).
    assert 0.5e13 < res["flux"].value < 2e13
    assert res["flux"].unit == "cm^-2 s^-1"


def test_cevns_events_vs_published(res):
    # Talk / arXiv:2405.05554 v2: 4902 CEvNS per 32 kg·yr in 120–240 PE (25 % tolerance)
    assert res["signal_events"].value == pytest.approx(4902, rel=0.25)
    # the paper's own power (3 GW)
    assert res["signal_events_paper_power"].value == pytest.approx(4902.4, rel=0.25)


def test_background_total_from_table(res):
    # 230 + 1.5 + 5.7 + 1081 = 1318.2 per 32 kg·yr (talk table)
    assert res["background_events"].value == pytest.approx(1318.2, abs=1e-9)


def test_significance_identity(res):
    s, b = res["signal_events"].value, res["background_events"].value
    assert res["significance"].value == pytest.approx(s / (s + b) ** 0.5, rel=1e-12)


def test_threshold_is_about_four_electrons(res):
    # 120 PE at ≈30 PE per ionisation electron (arXiv:2405.05554 v3: 120 PE ≙ 0.63 keVnr)
    assert 3.5 < res["threshold_electrons"].value < 4.5


def test_poisson_model_gives_more_events(res):
    assert res["signal_events_poisson_statistics"].value > res["signal_events"].value


def test_events_scale_with_exposure():
    a = nuexp.run("relics", config={"exposure": {"live_days": 0.5 * 365.25}})
    full = nuexp.run("relics")
    assert a["signal_events"].value == pytest.approx(0.5 * full["signal_events"].value, rel=1e-9)
    assert a["background_events"].value == pytest.approx(0.5 * 1318.2, rel=1e-12)


@pytest.mark.parametrize("override", [
    {"target": {"formula": "Xx"}},                                        # unknown element
    {"target": {"composition": {"Xe136": 0.7, "Xe134": 0.2}}},            # sum != 1
    {"target": {"composition": {"Cs133": 1.0}}},                          # wrong element
    {"response": {"bins": {"edges": [-10.0, 240.0]}}},                    # threshold < 0
    {"response": {"bins": {"edges": [240.0, 120.0]}}},
    {"source": {"thermal_power_gw": -3.4}},
    {"source": {"fission_fractions": {"U235": 0.5, "U238": 0.1, "Pu239": 0.1, "Pu241": 0.1}}},
    {"response": {"statistics": "gaussian"}},
    {"backgrounds": {"delayed_electrons": {"events": -1.0}}},
    {"target": {"mas_kg": 32.0}},                                         # typo: unknown key
])
def test_bad_input_refused(override):
    with pytest.raises((InvalidConfiguration, NuexpError)):
        nuexp.run("relics", config=override)


def test_poisson_model_switch(res):
    pois = nuexp.run("relics", config={"response": {"statistics": "poisson"}})
    assert pois["signal_events"].value == pytest.approx(
        res["signal_events_poisson_statistics"].value, rel=1e-12)


@pytest.mark.parametrize("preset, value, message", [
    ("relics", -1.0, "greater than or equal to 0"),
    ("cicenns", float("nan"), "finite number"),
])
def test_background_counts_must_be_finite_and_non_negative(preset, value, message):
    with pytest.raises(InvalidConfiguration, match=rf"backgrounds\.neutrons\.events.*{message}"):
        nuexp.run(preset, config={"backgrounds": {"neutrons": {"events": value}}})
