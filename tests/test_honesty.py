"""Issue 22: what the documents' own inputs cannot reproduce is computed and said.

Items 1-3 (CLOVERS dark counts, COHERENT's flux per flavour and summed, COHERENT's proton
energy and nominal-power rate) and item 4 (RELICS' response) are checked here against
the documents' numbers and exact identities; item 5 is in tests/test_published.py, item 6
in tests/test_dayabay.py, the generated page in tests/test_not_reproduced.py.
"""

import numpy as np
import pytest
from hepunits import GW, GeV, Hz, cm, day, hour, kW, m, microsecond, s

import nuexp
from nuexp.detector.dark_counts import expected_npe_spectra, expected_rates, simulate_dark_counts
from nuexp.experiments.registry import resolve_config

# CLOVERS Sec. 3.2.2 (111 Hz per PMT at 77 K), Sec. 2.4 (10 us signal window)
RATE, WINDOW = 111 * Hz, 10 * microsecond
PE = [0.9, 0.07, 0.02, 0.01]  # the clovers preset's assumed P(1, 2, 3, 4 PE) per dark pulse


@pytest.fixture(scope="module")
def clovers():
    return nuexp.run("clovers")


@pytest.fixture(scope="module")
def coherent():
    return nuexp.run("coherent-csi")


# ---------------------------------------------------------------- item 1: dark counts

def test_closed_form_spectra_sum_to_the_totals():
    without, with_ = expected_npe_spectra(RATE, WINDOW, PE, max_npe=200)
    tot_without, tot_with = expected_rates(RATE, WINDOW, 1)
    assert without.sum() == pytest.approx(tot_without, rel=1e-12)
    assert with_.sum() == pytest.approx(tot_with, rel=1e-12)
    # one single-PE pulse in each PMT: P(NPE = 2, coincidence) = (mu e^-mu)^2
    mu = RATE * WINDOW
    _, spe = expected_npe_spectra(RATE, WINDOW, [1.0], max_npe=4)
    assert spe[2] == pytest.approx((mu * np.exp(-mu)) ** 2, rel=1e-12)
    assert spe[:2].sum() == 0.0


def test_closed_form_matches_the_toy_bin_by_bin():
    n, pairs, mu = 20_000_000, 4, 0.05  # a larger mu fills the multi-PE bins
    toy = simulate_dark_counts(n, mu / WINDOW, WINDOW, pairs, PE, max_npe=12, seed=5)
    without, with_ = expected_npe_spectra(mu / WINDOW, WINDOW, PE, max_npe=11)
    for observed, expected in ((toy.npe_without[:12], without), (toy.npe_with[:12], with_)):
        expected = expected * n * pairs
        big = expected > 25
        assert np.all(np.abs(observed[big] - expected[big]) < 5 * np.sqrt(expected[big]))


def test_dark_count_events_model_beside_table_2(clovers):
    q = clovers["dark_count_events_model"]
    # leading order in mu: coincidences x P(two pulses give >= 4 PE) x cuts (criteria 1, 2)
    triggers = 25 * Hz * 180 * day
    coincidences = 4 * triggers * (1 - np.exp(-RATE * WINDOW)) ** 2
    share = 1 - PE[0] ** 2 - 2 * PE[0] * PE[1]
    assert q.value == pytest.approx(coincidences * share * 0.989 * 0.738, rel=1e-2)
    assert q.published == 160.0 and q.reproduced is False  # CLOVERS Table 2
    assert q.value == pytest.approx(90, rel=0.05) and "about 90" in q.note
    assert "Table 2" in q.source and "single-PE" in q.note and "none of" in q.note
    # single-PE pulses (the SPE-triggered measurement) put practically nothing in 4-72 NPE
    assert clovers["dark_count_events_model_single_pe"].value < 0.01


def test_rate_needed_gives_the_published_count(clovers):
    needed = clovers["dark_count_rate_needed"].value
    assert needed == pytest.approx(150, rel=0.05)  # as the published entry's note says
    res = nuexp.run("clovers", config={"dark_counts": {"rate_per_pmt_hz": needed,
                                                       "n_triggers": 5_000_000}})
    assert res["dark_count_events_model"].value == pytest.approx(160.0, rel=1e-4)


def test_dark_count_model_not_compared_at_another_exposure():
    res = nuexp.run("clovers", config={"exposure": {"live_days": 90.0},
                                       "dark_counts": {"n_triggers": 5_000_000}})
    q = res["dark_count_events_model"]
    assert q.published is None and "dark_count_rate_needed" not in res.quantities


# ------------------------------------------------ item 2: COHERENT's flux, one flavour and three

def test_coherent_flux_per_flavour_and_summed(clovers):
    per = clovers["coherent_flux_per_flavour"].value
    # Akimov et al. 2017: 1.76e23 POT, 0.08 nu/p/flavour, 308.1 live days, 19.3 m
    mean = 1.76e23 * 0.08 / (308.1 * day) / (4 * np.pi * (19.3 * m) ** 2)
    assert per == pytest.approx(mean * cm**2 * s, rel=1e-12)
    total = clovers["coherent_flux_three_flavours"]
    assert total.value == pytest.approx(3 * per, rel=1e-12)
    # CLOVERS Sec. 2.1 "about 60% of": holds per flavour (2.42e10 /cm2/h vs 1.13e7 /cm2/s)
    clovers_per = clovers["flux_per_flavour"].value / 3600
    assert clovers_per / per == pytest.approx(0.6, abs=0.02)
    assert "per flavour" in total.note and "none of the source documents" in total.note


# ------------------------------------------- item 3: COHERENT's proton energy and 1.4 MW scaling

@pytest.mark.parametrize("name, block", [("coherent-csi", "source"),
                                         ("clovers", "coherent_reference"),
                                         ("cicenns", "coherent")])
def test_coherent_proton_energy_agrees_with_pot_and_beam_energy(name, block):
    # Akimov et al. 2017 quote 1.76e23 POT and 7.48 GWh: every preset uses the same energy
    _module, config = resolve_config(name, None, "preset")
    energy = getattr(config, block).proton_energy_gev * GeV
    assert 1.76e23 * energy == pytest.approx(7.48 * GW * hour, rel=1e-3)


def test_beam_energy_and_mean_power(coherent):
    e = coherent["beam_energy_2017"]
    assert e.value == pytest.approx(7.48, rel=1e-3) and e.published == 7.48
    p = coherent["mean_beam_power_2017"].value
    assert p == pytest.approx(7.48 * GW * hour / (308.1 * day) / (1000 * kW), rel=1e-3)


def test_nominal_power_rate_scales_by_beam_power(coherent):
    q = coherent["signal_rate_nominal_power"]
    rate_2017 = coherent["signal_events"].value / (308.1 * 14.57)
    assert q.value == pytest.approx(rate_2017 * 1.4 / coherent["mean_beam_power_2017"].value,
                                    rel=1e-9)
    # CLOVERS abstract / Sec. 4 quote 0.053; COHERENT's own 173 events give 0.0533
    assert 173 / (308.1 * 14.57) * 1.4 / coherent["mean_beam_power_2017"].value == \
        pytest.approx(0.053, rel=0.01)
    assert q.value == pytest.approx(0.053, rel=0.03)
    assert "173" in q.note and "proton rate" in q.note and q.reproduced is None


# ---------------------------------------------------------------- item 4: RELICS' response

def test_relics_response_spread_is_reported():
    res = nuexp.run("relics")
    paper = res["signal_events_paper_power"]
    assert paper.reproduced is False and paper.published == 4902.4
    ratio = paper.value / 4902.4
    assert ratio == pytest.approx(1.10, abs=0.03) and f"{ratio:.2f} x" in paper.note
    other = res["signal_events_poisson_statistics"].value * 3.0 / 3.4  # at the paper's 3 GW
    assert other / 4902.4 == pytest.approx(2.9, abs=0.15)
    assert "signal_events_poisson_statistics" in paper.note
