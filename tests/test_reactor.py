"""Reactor source: fission fractions, energy per fission, Huber-Mueller spectra, cores."""

import numpy as np
import pytest
from hepunits import GW, MeV, cm2, km, second

from nuexp.exceptions import UnknownName, UnphysicalParameter
from nuexp.interactions import ibd
from nuexp.sources import reactor as r


def test_fractions_must_sum_to_one():
    with pytest.raises(UnphysicalParameter, match="sum to 1"):
        r.FissionFractions(U235=0.6, U238=0.1, Pu239=0.3, Pu241=0.1)
    with pytest.raises(UnphysicalParameter, match="Pu241"):
        r.FissionFractions(U235=0.6, U238=0.1, Pu239=0.4, Pu241=-0.1)
    with pytest.raises(UnknownName):
        r.FissionFractions.from_mapping({"U235": 1.0})


def test_mean_energy_per_fission_juno():
    # Ma et al. PRC 88 014605 (2013) weighted with the JUNO fuel: ~205.8 MeV
    e = r.mean_energy_per_fission(r.FissionFractions.preset("juno"))
    expected = 0.564 * 202.36 + 0.076 * 205.99 + 0.304 * 211.12 + 0.056 * 214.26
    assert e / MeV == pytest.approx(expected, rel=1e-12)


def test_fission_rate_scales_with_power():
    f = r.FissionFractions.preset("juno")
    core = r.ReactorCore("x", 3.0 * GW, 1 * km, f)
    # 3 GW / 205.8 MeV = 9.1e19 fissions per second
    assert core.fissions_per_second() * second == pytest.approx(3e9 / (205.8 * 1.602176634e-13), rel=2e-3)
    assert core.with_power(6 * GW).fissions_per_second() == pytest.approx(2 * core.fissions_per_second())


def test_negative_power_refused():
    with pytest.raises(UnphysicalParameter, match="thermal_power"):
        r.ReactorCore("bad", -1 * GW, 1 * km, r.FissionFractions.preset("juno"))


def test_validity_range():
    with pytest.raises(UnphysicalParameter, match="validity range"):
        r.isotope_spectrum("U235", np.array([1.9, 3.0]) * MeV)
    z = r.isotope_spectrum("U235", np.array([1.9, 3.0]) * MeV, outside="zero")
    assert z[0] == 0.0 and z[1] > 0.0
    with pytest.raises(UnknownName):
        r.isotope_spectrum("U233", 3 * MeV)


def test_huber_value_at_4mev():
    # Huber PRC 84 024617 fit coefficients: S_235(4 MeV) = exp(4.367 - 4.577*4 + 2.1*16 - ...)
    x = 4.0
    a = r.HUBER_MUELLER_COEFFICIENTS["U235"]
    expected = np.exp(sum(c * x**k for k, c in enumerate(a)))
    assert float(r.isotope_spectrum("U235", 4 * MeV)) * MeV == pytest.approx(expected, rel=1e-12)
    # independent check: Vogel & Engel PRD 39 3378 (1989) quadratic fit for U235,
    # exp(0.870 - 0.160 E - 0.0910 E^2) = 0.293 at 4 MeV, agrees to ~5 %
    assert expected == pytest.approx(np.exp(0.870 - 0.160 * x - 0.0910 * x**2), rel=0.05)


@pytest.mark.parametrize("iso,published", [("U235", 6.69), ("Pu239", 4.36)])
def test_ibd_yield_per_fission(iso, published):
    # Daya Bay, PRL 118 251801 (2017): Huber-Mueller predictions sigma_235 = 6.69,
    # sigma_239 = 4.36 (1e-43 cm^2/fission, ~2.2 % model uncertainty)
    E = np.linspace(ibd.THRESHOLD / MeV + 1e-6, 12.0, 4000) * MeV
    S = r.isotope_spectrum(iso, E, outside="extrapolate")
    y = np.trapezoid(S * ibd.cross_section(E, "strumia-vissani"), E) / cm2 * 1e43
    assert y == pytest.approx(published, rel=0.025)


def test_juno_cores():
    cores = r.juno_cores(include_far=False)
    assert len(cores) == 8
    assert r.total_power(cores) / GW == pytest.approx(26.6, rel=1e-12)   # talk, JUNO page
    base = np.array([c.baseline for c in cores]) / km
    assert np.all(np.abs(base - 52.5) < 0.5)
    assert len(r.juno_cores()) == 10


@pytest.mark.parametrize("iso", r.ISOTOPES)
def test_fits_vs_daya_bay_release_tables(iso):
    # Daya Bay full data release (dayabay-data-official, PRL 130 161802 (2023) inputs):
    # tabulated Huber-Mueller spectra. The exponential-polynomial fits follow the tables
    # to ~10 % point by point and to < 1.5 % in the IBD-weighted yield.
    data = pytest.importorskip("dayabay_data_official")
    table = np.load(data.get_path_data("npz") / "reactor_antineutrino_spectra_hm.npz")[iso]
    E, S = table["E_MeV"], table["N_density"]
    m = (E >= 2.0) & (E <= 7.0)
    ratio = r.isotope_spectrum(iso, E[m] * MeV) * MeV / S[m]
    assert np.all(np.abs(ratio - 1) < 0.12)
    mm = (E > 1.81) & (E <= 10.0)
    xs = ibd.cross_section(E[mm] * MeV)
    ours = np.trapezoid(r.isotope_spectrum(iso, E[mm] * MeV, outside="extrapolate") * MeV * xs, E[mm])
    assert ours / np.trapezoid(S[mm] * xs, E[mm]) == pytest.approx(1.0, abs=0.015)


def test_energy_per_fission_matches_daya_bay_release():
    data = pytest.importorskip("dayabay_data_official")
    yaml = pytest.importorskip("yaml")
    path = data.get_path_data("npz") / "parameters" / "reactor_energy_per_fission.yaml"
    values = yaml.safe_load(path.read_text())["parameters"]["energy_per_fission"]
    for iso in r.ISOTOPES:
        assert r.ENERGY_PER_FISSION[iso] / MeV == pytest.approx(values[iso][0], abs=1e-9)


def test_tabulated_spectrum_reproduces_fit(tmp_path):
    f = r.FissionFractions.preset("juno")
    E = np.linspace(1.8, 10.0, 300)
    S = r.spectrum_per_fission(E * MeV, f, outside="extrapolate") * MeV
    path = tmp_path / "spec.csv"
    np.savetxt(path, np.column_stack([E, S]), delimiter=",", header="E_MeV,per_fission_per_MeV")
    table = r.TabulatedSpectrum.from_csv(str(path))
    probe = np.array([2.0, 3.33, 5.5, 7.9]) * MeV
    np.testing.assert_allclose(table(probe), r.spectrum_per_fission(probe, f), rtol=2e-3)
    core = r.ReactorCore("x", 3 * GW, 1 * km, f, table)
    ref = r.ReactorCore("x", 3 * GW, 1 * km, f)
    np.testing.assert_allclose(core.flux(probe), ref.flux(probe), rtol=2e-3)
    with pytest.raises(UnphysicalParameter, match="tabulated range"):
        table(12.0 * MeV)
    assert float(table(12.0 * MeV, outside="zero")) == 0.0
    with pytest.raises(UnphysicalParameter):
        r.TabulatedSpectrum((3.0, 2.0), (1.0, 1.0))
