"""The library's one IBD rate model (nuexp.rates.ibd) and the reactor-core options."""

import numpy as np
import pytest
from hepunits import GW, MeV, eV, kg, km, m
from hepunits.constants import hbarc
from scipy.integrate import quad

from nuexp.detector.nonlinearity import NonLinearity
from nuexp.detector.resolution import Resolution
from nuexp.exceptions import InvalidConfiguration, UnphysicalParameter
from nuexp.interactions import ibd
from nuexp.oscillation import OscillationParameters
from nuexp.rates.ibd import IbdRateModel, energy_grid
from nuexp.sources.reactor import (
    FissionFractions,
    ReactorCore,
    SpectrumCorrection,
    spectrum_per_fission,
)
from nuexp.targets.protons import free_protons

FR = FissionFractions.preset("juno")
PARAMS = OscillationParameters.preset("juno-talk")


def _model(cores, **kw):
    args = {"free_protons": free_protons(20e3 * kg, hydrogen_mass_fraction=0.12),
            "efficiency": 0.8, "edges": np.linspace(0.7, 9.0, 84) * MeV,
            "resolution": Resolution(0.08, 0.0, 0.0), "nonlinearity": NonLinearity(),
            "cross_section_model": "vogel-beacom-0", "n_fine": 3000}
    args.update(kw)
    return IbdRateModel.from_cores(cores, **args)


def _independent_rate(L_km: float, p: OscillationParameters) -> float:
    """∫ S(E) σ0(E) P_ee(E, L) dE / L² by quad, with P_ee written out here (standard
    three-flavour vacuum formula, PDG review eq. 14.45) and σ ∝ E_e p_e (VB 1999 Eq. 9)."""
    s12, s13 = p.sin2_theta12, p.sin2_theta13
    s2_12, s2_13 = 4 * s12 * (1 - s12), 4 * s13 * (1 - s13)
    dm31, dm21 = p.dm2_31, p.dm2_21
    dm32 = dm31 - dm21
    me = ibd.ELECTRON_MASS / MeV
    delta = ibd.DELTA_NP / MeV

    def integrand(e):
        def d(dm):   # Δm² L / (4 E ħc)
            return dm * eV**2 * L_km * km / (4 * e * MeV * hbarc)

        pee = (1 - (1 - s13) ** 2 * s2_12 * np.sin(d(dm21)) ** 2
               - s2_13 * ((1 - s12) * np.sin(d(dm31)) ** 2 + s12 * np.sin(d(dm32)) ** 2))
        ee = e - delta
        sigma = ee * np.sqrt(ee**2 - me**2)
        return float(spectrum_per_fission(e * MeV, FR, outside="extrapolate")) * sigma * pee

    val, _ = quad(integrand, ibd.THRESHOLD / MeV * (1 + 1e-6), 10.0, limit=400)
    return val / L_km**2


def test_far_near_ratio_against_independent_integral():
    near = ReactorCore("C", 2.9 * GW, 0.4 * km, FR)
    far = near.at_baseline(1.6 * km)
    r_model = _model([far]).rate_per_day(PARAMS) / _model([near]).rate_per_day(PARAMS)
    r_indep = _independent_rate(1.6, PARAMS) / _independent_rate(0.4, PARAMS)
    assert r_model == pytest.approx(r_indep, rel=2e-4)
    # the ratio is the inverse-square law times the relative deficit (~8 % at 1.6 km)
    assert 0.90 < r_model * 16 < 0.94


def test_rates_add_over_cores_and_binning_keeps_events():
    a = ReactorCore("A", 2.9 * GW, 1.0 * km, FR)
    b = ReactorCore("B", 4.6 * GW, 1.3 * km, FR)
    both = _model([a, b])
    total = both.rate_per_day(PARAMS)
    assert total == pytest.approx(_model([a]).rate_per_day(PARAMS)
                                  + _model([b]).rate_per_day(PARAMS), rel=1e-12)
    binned = both.spectra(PARAMS, None).sum()
    # the response loses only the events reconstructed outside [0.7, 9] MeV
    assert binned == pytest.approx(total, rel=2e-3)
    assert both.spectra(PARAMS, None).shape == (2, 83)


def test_unoscillated_limit():
    core = ReactorCore("C", 2.9 * GW, 0.5 * km, FR)
    mod = _model([core])
    none = PARAMS.replace(sin2_theta13=0.0, sin2_theta12=0.0)
    assert mod.rate_per_day(none) == pytest.approx(mod.rate_per_day(None), rel=1e-12)
    assert np.allclose(mod.spectra(none, None).sum(axis=0), mod.unoscillated(), rtol=1e-12)


def test_sterile_and_matter_through_the_engine():
    core = ReactorCore("C", 2.9 * GW, 10 * m, FR)
    mod = _model([core])
    sterile = PARAMS.replace(dm2_41=1.0, sin2_theta14=0.025)   # sin²2θ14 ≈ 0.0975
    ratio = mod.rate_per_day(sterile) / mod.rate_per_day(PARAMS)
    assert 0.9 < ratio < 0.97
    far = _model([core.at_baseline(52.5 * km)])
    vac, mat = far.rate_per_day(PARAMS, None), far.rate_per_day(PARAMS, 2.45)
    # matter lowers the effective sin²2θ12 for ν̄e: about +1 % events at JUNO's baseline
    assert 0.005 < mat / vac - 1 < 0.02


def test_uptime_burnup_energy_per_fission_and_corrections():
    base = ReactorCore("C", 3.0 * GW, 1 * km, FR)
    E = np.linspace(2, 8, 7) * MeV
    half = ReactorCore("C", 3.0 * GW, 1 * km, FR, uptime=0.5)
    assert np.allclose(half.flux(E), 0.5 * base.flux(E))
    other = FissionFractions(U235=0.7, U238=0.07, Pu239=0.2, Pu241=0.03)
    cycle = ReactorCore("C", 3.0 * GW, 1 * km, FR, burnup=((1.0, FR), (1.0, other)))
    alt = ReactorCore("C", 3.0 * GW, 1 * km, other)
    assert np.allclose(cycle.flux(E), 0.5 * (base.flux(E) + alt.flux(E)))
    epf = ReactorCore("C", 3.0 * GW, 1 * km, FR, energy_per_fission=200 * MeV)
    assert epf.fissions_per_second() == pytest.approx(3.0 * GW / (200 * MeV))
    snf = SpectrumCorrection("spent_fuel", (1.8, 3.5), (0.01, 0.0))
    corr = ReactorCore("C", 3.0 * GW, 1 * km, FR, corrections=(snf,))
    assert corr.flux(2.0 * MeV, outside="extrapolate") == pytest.approx(
        base.flux(2.0 * MeV, outside="extrapolate") * (1 + 0.01 * 1.5 / 1.7))
    assert corr.flux(5.0 * MeV) == pytest.approx(base.flux(5.0 * MeV))
    with pytest.raises(UnphysicalParameter, match="uptime"):
        ReactorCore("C", 3.0 * GW, 1 * km, FR, uptime=1.5)
    with pytest.raises(UnphysicalParameter, match="spent_fuel"):
        SpectrumCorrection("spent_fuel", (3.0, 2.0), (0.0, 0.0))


def test_bad_model_inputs():
    e, w = energy_grid(10 * MeV, 100)
    with pytest.raises(InvalidConfiguration, match="flux shape"):
        IbdRateModel(["a"], [1 * km], e, w, np.ones((2, 100)), free_protons=1e30,
                     efficiency=1.0, edges=np.linspace(1, 8, 10) * MeV,
                     resolution=Resolution(0.03, 0, 0), nonlinearity=NonLinearity())
    with pytest.raises(InvalidConfiguration, match="flavour_from"):
        IbdRateModel(["a"], [1 * km], e, w, np.ones((1, 100)), free_protons=1e30,
                     efficiency=1.0, edges=np.linspace(1, 8, 10) * MeV,
                     resolution=Resolution(0.03, 0, 0), nonlinearity=NonLinearity(),
                     flavour_from="tau")
    with pytest.raises(UnphysicalParameter, match="threshold"):
        energy_grid(1.0 * MeV, 10)


def test_angular_spread_off_is_the_plain_resolution_at_the_mean_prompt_energy():
    """Without the positron-angle spread the response is the detector resolution alone,
    evaluated at the mean prompt energy E_e + m_e (what the JSNS2 appearance preset uses)."""
    e_nu, w = energy_grid(60.0 * MeV, 400)
    edges = np.linspace(10.0, 60.0, 26) * MeV
    res = Resolution(0.15)
    kw = dict(free_protons=1e30, efficiency=0.5, edges=edges, resolution=res,
              nonlinearity=NonLinearity(), flavour_from="mu")
    flux = np.ones((1, e_nu.size))
    off = IbdRateModel(["s"], [24.0 * m], e_nu, w, flux, angular_spread=False, **kw)
    on = IbdRateModel(["s"], [24.0 * m], e_nu, w, flux, **kw)
    plain = res.response_matrix(ibd.prompt_energy(e_nu), edges)
    np.testing.assert_allclose(off.response().toarray(), plain, atol=1e-14)
    # at 20-60 MeV the angle spread (~1 MeV) is comparable to the resolution: it shows
    assert not np.allclose(on.response().toarray(), plain, atol=1e-3)
