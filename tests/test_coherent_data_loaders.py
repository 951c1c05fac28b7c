"""Loaders of the shipped COHERENT releases against the totals the releases document."""

import numpy as np
import pytest
from hepunits import keV, microsecond

from nuexp.detector.quenching import COHERENT_CSI_2022
from nuexp.events.coherent_csi_2021 import load_csi_2021, release_folder
from nuexp.events.coherent_lar_2020 import LAR_PDF_FILES, load_lar_2020
from nuexp.events.coherent_lar_2020 import release_folder as lar_folder


def _data_lines(path):
    return sum(1 for line in path.read_text().splitlines() if line and not line.startswith("#"))


def test_csi_event_samples_complete_and_in_window():
    rel = load_csi_2021()
    folder = release_folder()
    assert rel.coincidence.shape == (_data_lines(folder / "dataBeamOnC.txt"), 2) == (5142, 2)
    assert rel.anticoincidence.shape == (4890, 2)
    # the release's event window: 0 <= recoil time < 6 µs (arXiv:2110.07730, Fig. 2)
    for sample in (rel.coincidence, rel.anticoincidence):
        assert sample[:, 1].min() >= 0 and sample[:, 1].max() < 6 * microsecond
        assert sample[:, 0].min() > 0


def test_csi_response_models():
    rel = load_csi_2021()
    # the nominal scintillation model is the polynomial nuexp already ships (JINST 17 P10034)
    assert rel.quenching["nominal"].coefficients == COHERENT_CSI_2022.coefficients
    t = np.array([5.0, 10.0, 20.0]) * keV
    nominal = rel.quenching["nominal"].electron_equivalent(t)
    for mode in ("mode0", "mode1"):
        plus = rel.quenching[f"{mode}_plus"].electron_equivalent(t)
        minus = rel.quenching[f"{mode}_minus"].electron_equivalent(t)
        assert not np.allclose(plus, minus)
        # each ±1σ mode brackets the nominal response somewhere in 5–20 keVnr
        assert np.any((plus - nominal) * (minus - nominal) <= 0)
    pe = np.array([8.0, 12.0, 20.0, 40.0])
    eff = {k: rel.efficiency[k](pe) for k in ("plus", "nominal", "minus")}
    assert np.all(eff["plus"] >= eff["nominal"]) and np.all(eff["nominal"] >= eff["minus"])
    # the sigmoid crosses zero near 7 PE: no efficiency below (clipped, not negative)
    assert rel.efficiency["nominal"](np.array([0.0, 5.0])).tolist() == [0.0, 0.0]


def test_csi_neutron_pdfs_start_above_threshold():
    rel = load_csi_2021()
    for pdf in (rel.brn_pe, rel.nin_pe):
        assert pdf.shape == (250, 2)
        assert np.all(pdf[pdf[:, 0] < 7, 1] == 0)  # PE projections include the efficiency
    for pdf in (rel.brn_time, rel.nin_time):
        assert pdf.shape == (650, 2) and np.all(pdf[:, 1] >= 0)
        assert np.all(pdf[pdf[:, 0] < 0, 1] == 0)


def test_lar_pdf_normalisations_match_the_documented_predictions():
    rel = load_lar_2020()
    p = rel.parameters
    assert set(rel.histograms) == set(LAR_PDF_FILES)
    h = rel.histograms
    # LArParametersAnlA.yaml: predicted normalisations 128 ± 17, 497 ± 160, 33 ± 33, 3154 ± 25
    for name in ("cevns", "cevns_f90_plus", "cevns_f90_minus", "cevns_timing_mean"):
        assert h[name].sum() == pytest.approx(p["cevnsPredictionNormalization"]["value"], abs=1e-3)
    for name in ("brn", "brn_energy_plus", "brn_energy_minus", "brn_timing_mean_minus",
                 "brn_timing_width"):
        assert h[name].sum() == pytest.approx(
            p["promptBeamRelatedNeutronPredictionNormalization"]["value"], abs=1e-3)
    assert h["delayed_brn"].sum() == pytest.approx(
        p["delayedBeamRelatedNeutronPredictionNormalization"]["value"], abs=1e-3)
    ss = p["ssBackgroundPredictionNormalization"]
    assert abs(h["steady_state"].sum() - ss["value"]) < ss["uncertainty"]
    assert h["data"].sum() == 3752 and np.all(h["data"] == np.round(h["data"]))
    assert rel.energy_edges[-1] == pytest.approx(120 * keV)
    assert rel.time_edges[0] == pytest.approx(-0.1 * microsecond)


def test_lar_brn_timing_mean_plus_variant_is_not_normalised():
    # the +1σ BRN timing-mean variant alone loses events out of the time window (523.7 vs 497)
    rel = load_lar_2020()
    assert rel.histograms["brn_timing_mean_plus"].sum() == pytest.approx(523.67, abs=0.01)


def test_lar_projections_match_the_released_1d_files():
    """Data minus the steady state at its best-fit normalisation (3131) projected on each
    axis equals the release's background-subtracted 1-D data (energy/F90/timing files)."""
    rel = load_lar_2020()
    h = rel.histograms
    ss_fit = rel.value("ssBackgroundBestfitNormalization")
    sub = h["data"] - h["steady_state"] * ss_fit / h["steady_state"].sum()
    for filename, axes in (("energydata1d.txt", (1, 2)), ("f90data1d.txt", (0, 2)),
                           ("timingdata1d.txt", (0, 1))):
        table = np.loadtxt(lar_folder() / filename, skiprows=1)
        assert sub.sum(axis=axes) == pytest.approx(table[:, 1], abs=0.5)
