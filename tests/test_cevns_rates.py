"""Stopped-pion flux, spectrum normalisation, the generic rate chain and counting statistics."""

import numpy as np
import pytest
from hepunits import GeV, MeV, cm, day, hour, keV, kg, kW, m
from hypothesis import given
from hypothesis import strategies as st

from nuexp.detector.quenching import COHERENT_CSI_2022
from nuexp.exceptions import UnknownName, UnphysicalParameter
from nuexp.rates import npe_spectra, recoil_spectra
from nuexp.sources.decay_at_rest import MUON_MASS
from nuexp.sources.spallation import (
    COHERENT_2017_LIVE_DAYS,
    COHERENT_2017_POT,
    FACILITIES,
    flux_per_flavour,
    get_facility,
    stopped_pion_spectra,
)
from nuexp.stats.counting import (
    exposure_for_significance,
    level_curve,
    significance,
    significance_map,
)
from nuexp.targets.compound import Compound

PER_CM2_H = 1 / (cm**2 * hour)


def test_csns_flux_per_flavour():
    # CLOVERS Sec. 2.1: 140 kW, 1.6 GeV, 0.17 ν/p/flavour, 10.5 m → 2.42e10 /cm²/h/flavour.
    phi = FACILITIES["CSNS"].flux_per_flavour(10.5 * m) / PER_CM2_H
    assert phi == pytest.approx(2.42e10, rel=0.02)
    # 5.47e14 protons/s
    assert FACILITIES["CSNS"].protons_per_second() * 1e9 == pytest.approx(5.46e14, rel=0.01)


def test_coherent_2017_mean_flux_and_ratio():
    # COHERENT 2017 (Akimov et al., Science 357, 1123): 1.76e23 POT × 0.08 over 308.1 live
    # days at 19.3 m → 1.13e7 /cm²/s; CLOVERS Sec. 2.1: CSNS flux is "about 60 %" of it.
    mean = COHERENT_2017_POT * 0.08 / (COHERENT_2017_LIVE_DAYS * day) / (4 * np.pi * (19.3 * m) ** 2)
    assert mean * cm**2 * 1e9 == pytest.approx(1.13e7, rel=0.01)  # per second (1 s = 1e9 ns)
    ratio = FACILITIES["CSNS"].flux_per_flavour(10.5 * m) / mean
    assert ratio == pytest.approx(0.6, abs=0.02)       # "about 60% of" holds
    assert abs(ratio - 0.4) > 0.15                      # "60% weaker" does not


@given(st.floats(0.1, 100.0), st.floats(1.0, 1e4))
def test_flux_scaling(distance_m, power_kw):
    base = flux_per_flavour(power_kw * kW, 1 * GeV, 0.1, distance_m * m)
    assert flux_per_flavour(2 * power_kw * kW, 1 * GeV, 0.1, distance_m * m) == pytest.approx(2 * base)
    assert flux_per_flavour(power_kw * kW, 1 * GeV, 0.1, 2 * distance_m * m) == pytest.approx(base / 4)


@pytest.mark.parametrize("kwargs,field", [
    (dict(beam_power=-1 * kW), "beam power"), (dict(proton_energy=0.0), "proton energy"),
    (dict(distance=0.0), "distance"), (dict(nu_per_proton=-0.1), "neutrinos per proton")])
def test_flux_bad_input(kwargs, field):
    args = dict(beam_power=140 * kW, proton_energy=1.6 * GeV, nu_per_proton=0.17, distance=10 * m)
    args.update(kwargs)
    with pytest.raises(UnphysicalParameter, match=field):
        flux_per_flavour(**args)


def test_facility_lookup():
    assert get_facility("csns") is FACILITIES["CSNS"]
    with pytest.raises(UnknownName, match="facility 'ESS'"):
        get_facility("ESS")


def test_stopped_pion_spectra_normalised_with_known_means():
    # Michel spectra: <E_νe> = 0.3 m_μ = 31.7 MeV, <E_ν̄μ> = 0.35 m_μ = 37.0 MeV; prompt line 29.79 MeV.
    spec = stopped_pion_spectra()
    for s in spec.values():
        assert s.total() == pytest.approx(1.0, abs=1e-6)
    assert spec["nue"].mean_energy() == pytest.approx(0.3 * MUON_MASS, rel=1e-5)
    assert spec["numubar"].mean_energy() == pytest.approx(0.35 * MUON_MASS, rel=1e-5)
    assert spec["numu"].mean_energy() == pytest.approx(29.79 * MeV, abs=0.01 * MeV)


@pytest.fixture(scope="module")
def csi_spectra():
    phi_t = FACILITIES["CSNS"].flux_per_flavour(10.5 * m) * 180 * day
    fluence = {f: s.scaled(phi_t) for f, s in stopped_pion_spectra().items()}
    grid = np.linspace(0, 50, 1001) * keV
    return fluence, recoil_spectra(grid, fluence, Compound("CsI").nuclei(12 * kg),
                                   form_factor="klein-nystrand", sin2_theta_w="z-pole")


def test_recoil_spectra_axes_and_sums(csi_spectra):
    _, spec = csi_spectra
    assert spec.components == ("numu", "nue", "numubar") and spec.isotopes == ("I127", "Cs133")
    by_c = spec.by_component()
    assert np.allclose(sum(by_c.values()), spec.total())
    assert np.allclose(sum(spec.by_isotope().values()), spec.total())
    # CLOVERS Sec. 3.1: 303 events per 180 d per 12 kg (KN form factor, Z-pole sin²θW)
    assert spec.total_events() == pytest.approx(303, rel=0.10)
    # prompt νμ (29.8 MeV line) cannot give T above T_max(29.8 MeV, I-127) = 15 keV
    tmax = 2 * (29.79 * MeV) ** 2 / (118.2 * GeV)
    assert np.all(by_c["numu"][spec.axis > tmax * 1.001] == 0)


def test_rates_scale_with_mass(csi_spectra):
    fluence, spec = csi_spectra
    double = recoil_spectra(spec.axis, fluence, Compound("CsI").nuclei(24 * kg),
                            form_factor="klein-nystrand", sin2_theta_w="z-pole")
    assert double.total_events() == pytest.approx(2 * spec.total_events(), rel=1e-12)


def test_npe_folding_conserves_events(csi_spectra):
    _, spec = csi_spectra
    npe = npe_spectra(spec, COHERENT_CSI_2022, 33.5 / keV, 400)
    assert npe.total_events() == pytest.approx(spec.total_events(), rel=1e-9)
    assert npe.axis[0] == 0 and npe.values.shape == (3, 2, 401)


def test_recoil_grid_refused_when_not_increasing():
    with pytest.raises(ValueError, match="strictly increasing"):
        recoil_spectra(np.array([0.0, 2.0, 1.0]) * keV, {}, {})


def test_significance_clovers_eq1():
    # CLOVERS Sec. 4, Eq. 1: 160 signal, 833 background → 5.1σ
    assert significance(160, 833) == pytest.approx(5.1, abs=0.05)
    assert significance(0, 0) == 0.0
    with pytest.raises(UnphysicalParameter, match="signal events"):
        significance(-1, 10)


def test_significance_map_and_contour_are_consistent():
    s, b = 160 / (12 * 180), 833 / (12 * 180)  # per kg per day
    masses = np.linspace(1, 30, 60)
    times = np.linspace(10, 400, 400)
    z = significance_map(masses, times, s, b)
    z_fn = significance_map(masses, times, lambda mm, tt: s * mm * tt, lambda mm, tt: b * mm * tt)
    assert np.allclose(z, z_fn)
    x5 = exposure_for_significance(5, s, b)
    assert x5 == pytest.approx(25 * (s + b) / s**2)
    t5 = level_curve(masses, times, z, 5.0)
    reached = np.isfinite(t5) & (t5 > times[0])
    assert reached.sum() > 20
    assert np.allclose(t5[reached], x5 / masses[reached], rtol=0.01)
    # at 12 kg the 5σ time is below 180 days (CLOVERS Fig. 14: 5.1σ at 12 kg, 180 d)
    assert x5 / 12 < 180


def test_neutrino_spectrum_container():
    from nuexp.sources.spectrum import NeutrinoSpectrum

    line = NeutrinoSpectrum.line(30 * MeV, 2.0)
    flat = NeutrinoSpectrum(np.array([10.0, 20.0]) * MeV, np.array([0.1, 0.1]) / MeV,
                            np.zeros(0), np.zeros(0))
    both = line + flat
    assert both.total() == pytest.approx(3.0)
    assert both.mean_energy() == pytest.approx((2 * 30 + 1 * 15) / 3 * MeV)
    assert both.scaled(2.0).total() == pytest.approx(6.0)
    assert flat.evaluate(np.array([5, 15, 25]) * MeV).tolist() == pytest.approx([0, 0.1 / MeV, 0])
    assert both.max_energy == 30 * MeV
    with pytest.raises(UnphysicalParameter, match="spectrum density"):
        NeutrinoSpectrum(np.array([1.0, 2.0]), np.array([-1.0, 1.0]), np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match="strictly increasing"):
        NeutrinoSpectrum(np.array([2.0, 1.0]), np.array([1.0, 1.0]), np.zeros(0), np.zeros(0))
    with pytest.raises(UnphysicalParameter, match="line energies"):
        NeutrinoSpectrum.line(-1.0)
