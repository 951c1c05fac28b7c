"""The reactor family: a near/far experiment written from scratch, the presets' keys, the
shape reference, the θ13 race of 2008 and `nuexp init reactor`."""

import textwrap

import numpy as np
import pytest
from hepunits import MeV, eV, km
from hepunits.constants import hbarc
from scipy.integrate import quad

import nuexp
from nuexp.exceptions import InvalidConfiguration
from nuexp.experiments.reactor.model import (
    ReactorAnalysis,
    ReactorExperiment,
    shape_uncertainty_from_reference,
)
from nuexp.experiments.registry import resolve_config
from nuexp.interactions import ibd
from nuexp.sources.reactor import FissionFractions, spectrum_per_fission

NEAR_FAR = textwrap.dedent("""
    schema_version = 2
    experiment = "my-near-far"
    description = "one 3 GW_th core, a 20 t near detector at 400 m and a 40 t far one at 1.7 km"
    family = "reactor"

    [oscillation]
    preset = "juno-talk"
    values = { sin2_theta13 = 0.0218, dm2_31 = 2.5e-3 }

    [flux]
    fission_fractions = { U235 = 0.6, U238 = 0.07, Pu239 = 0.27, Pu241 = 0.06 }

    [[cores]]
    name = "core"
    power_gw = 3.0
    position_m = [0.0, 0.0, 0.0]

    [[detectors]]
    name = "near"
    target_mass_t = 20.0
    hydrogen_mass_fraction = 0.12
    efficiency = 0.8
    position_m = [400.0, 0.0, 0.0]
    cross_section = "vogel-beacom-0"
    resolution = { a = 0.08, b = 0.0, c = 0.0 }
    binning = { e_min_mev = 0.7, e_max_mev = 9.0, bin_width_kev = 250.0, n_fine = 3000 }

    [[detectors]]
    name = "far"
    target_mass_t = 40.0
    hydrogen_mass_fraction = 0.12
    efficiency = 0.7
    position_m = [0.0, 1700.0, 0.0]
    cross_section = "vogel-beacom-0"
    resolution = { a = 0.08, b = 0.0, c = 0.0 }
    binning = { e_min_mev = 0.7, e_max_mev = 9.0, bin_width_kev = 250.0, n_fine = 3000 }

    [systematics]
    detector_uncorrelated = 0.005

    [sensitivity]
    free_parameters = ["sin2_theta13"]
""")


def _independent_rate(L_km, s13, dm31):
    """∫ S(E) σ(E) P_ee(E, L) dE / L² by quad: P_ee written here (three flavours, vacuum,
    Δm²21 and θ12 of the juno-talk preset), σ ∝ E_e p_e (Vogel & Beacom 1999 Eq. 9)."""
    s12, dm21 = 0.307, 7.53e-5
    fr = FissionFractions(U235=0.6, U238=0.07, Pu239=0.27, Pu241=0.06)
    me, delta = ibd.ELECTRON_MASS / MeV, ibd.DELTA_NP / MeV

    def f(e):
        def d(dm):
            return dm * eV**2 * L_km * km / (4 * e * MeV * hbarc)
        pee = (1 - (1 - s13) ** 2 * 4 * s12 * (1 - s12) * np.sin(d(dm21)) ** 2
               - 4 * s13 * (1 - s13) * ((1 - s12) * np.sin(d(dm31)) ** 2
                                        + s12 * np.sin(d(dm31 - dm21)) ** 2))
        ee = e - delta
        return float(spectrum_per_fission(e * MeV, fr, outside="extrapolate")) * \
            ee * np.sqrt(ee**2 - me**2) * pee

    return quad(f, ibd.THRESHOLD / MeV * (1 + 1e-6), 10.0, limit=400)[0] / L_km**2


def test_near_far_from_scratch_against_independent_ratio(tmp_path):
    path = tmp_path / "my-near-far.toml"
    path.write_text(NEAR_FAR)
    res = nuexp.run(str(path), out=tmp_path / "out")
    near = res["ibd_rate_per_day_near"].value
    far = res["ibd_rate_per_day_far"].value
    # far/near = (mass × efficiency ratio) × the oscillated flux-weighted integrals
    expected = (40 * 0.7) / (20 * 0.8) * (_independent_rate(1.7, 0.0218, 2.5e-3)
                                          / _independent_rate(0.4, 0.0218, 2.5e-3))
    assert far / near == pytest.approx(expected, rel=2e-4)
    assert (tmp_path / "out" / "results.json").is_file()
    assert (tmp_path / "out" / "spectra.png").is_file()


def test_near_far_cancels_correlated_normalisations(tmp_path):
    # a correlated normalisation cancels between near and far, an uncorrelated one does
    # not: the θ13 precision depends on detector_uncorrelated only
    path = tmp_path / "nf.toml"
    path.write_text(NEAR_FAR)
    _, cfg = resolve_config(str(path))
    exp = ReactorExperiment(cfg)
    base = ReactorAnalysis(exp).precision(1000)["sin2_theta13"]
    big_corr = cfg.model_copy(update={"systematics": cfg.systematics.model_copy(
        update={"reactor_correlated": 0.2, "detector_correlated": 0.2})})
    assert ReactorAnalysis(ReactorExperiment(big_corr)).precision(1000)["sin2_theta13"] == \
        pytest.approx(base, rel=0.02)
    big_unc = cfg.model_copy(update={"systematics": cfg.systematics.model_copy(
        update={"detector_uncorrelated": 0.05})})
    assert ReactorAnalysis(ReactorExperiment(big_unc)).precision(1000)["sin2_theta13"] > \
        1.2 * base


def test_geometry_and_background_errors(tmp_path):
    bad = NEAR_FAR.replace('position_m = [0.0, 0.0, 0.0]\n', '')
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    with pytest.raises(InvalidConfiguration, match="no baseline from core 'core' to detector "
                                                   "'near'"):
        resolve_config(str(path))
    bkg = NEAR_FAR + textwrap.dedent("""
        [[detectors.backgrounds]]
        name = "radon"
        rate_per_day = 1.0
        rate_uncertainty = 0.1
    """)
    path.write_text(bkg)
    with pytest.raises(InvalidConfiguration, match="background 'radon': shape 'radon' unknown"):
        ReactorExperiment(resolve_config(str(path))[1])


def test_shape_reference_is_reference_statistics():
    _, tao = resolve_config("tao")
    ref = ReactorExperiment(tao)
    edges = np.linspace(1.0, 8.0, 351) * MeV
    eps = shape_uncertainty_from_reference(ref, edges, 3.0, 0.0, 365.25)
    d = ref.detectors[0]
    # the same statistics computed by hand in TAO's own (identical) binning
    days = 3 * 365.25
    lo = np.searchsorted(np.round(d.ibd.edges / MeV, 6), 1.0)
    sig = d.ibd.spectra(ref.base, None).sum(axis=0)[lo:lo + 350] * days
    bkg = d.background_spectra().sum(axis=0)[lo:lo + 350] * days
    np.testing.assert_allclose(eps, np.sqrt(sig + 2 * bkg) / sig, rtol=1e-9)
    with_residual = shape_uncertainty_from_reference(ref, edges, 3.0, 0.004, 365.25)
    np.testing.assert_allclose(with_residual**2, eps**2 + 0.004**2, rtol=1e-9)


def test_tao_and_juno_design_keys():
    # talk (seed 004): TAO 700k/yr at 44 m from 4.6 GW_th; JUNO design 60/day at 35.8 GW_th
    _, tao = resolve_config("tao")
    rate = ReactorExperiment(tao).signal_rate_per_day()["TAO"]
    assert rate * 365.25 == pytest.approx(7e5, rel=0.20)
    _, design = resolve_config("juno-design")
    assert ReactorExperiment(design).signal_rate_per_day()["JUNO"] == pytest.approx(60, rel=0.10)
    assert sum(c.power_gw for c in design.cores) == pytest.approx(35.8)


@pytest.mark.parametrize("preset,years,published,subset", [
    ("dayabay-design", 3.0, 0.01, None),          # "<= 0.01" (hep-ex/0701029)
    ("doublechooz-design", 3.0, 0.03, None),      # "< 0.03 after 3 years", near + far
    ("doublechooz-design", 1.5, 0.06, ["far"]),   # "< 0.06 after 1.5 years", far alone
    ("reno-design", 3.0, 0.02, None),             # "> 0.02" (arXiv:1003.1391)
])
def test_theta13_race_of_2008(preset, years, published, subset):
    # talk (seed 004), "θ13 status at Neutrino-2008": the design goals within 25 %
    _, cfg = resolve_config(preset)
    ana = ReactorAnalysis(ReactorExperiment(cfg), detectors=subset)
    s = ana.theta13_sensitivity(years * 365.25, 0.9)
    assert s == pytest.approx(published, rel=0.25)
    # and more data never loses sensitivity
    assert ana.theta13_sensitivity(2 * years * 365.25, 0.9) < s


def test_init_reactor_gives_a_file_that_runs(tmp_path):
    from nuexp.experiments.template import init_text

    path = tmp_path / "mine.toml"
    path.write_text(init_text("reactor", as_family=True, file_stem="mine"))
    _, cfg = resolve_config(str(path))
    assert cfg.family == "reactor"
    res = nuexp.run(str(path), config={"sensitivity": {"theta13_exposures_years": [1.0, 3.0],
                                                       "theta13_compare": []}})
    assert 0 < res["sin2_2theta13_sensitivity_90cl"].value < 0.05


@pytest.mark.parametrize("systematics, words", [
    (True, "all nuisances profiled"),
    (False, "statistics only: sensitivity.systematics = false, no nuisance profiled"),
])
def test_notes_describe_the_run_that_was_made(systematics, words):
    # issue 22, item 7: a note says "all nuisances profiled" only when they were
    res = nuexp.run("reno-design", config={"sensitivity": {
        "systematics": systematics, "theta13_exposures_years": [1.0, 3.0]}})
    note = res["sin2_2theta13_sensitivity_90cl"].note
    assert words in note
    if not systematics:
        assert "all nuisances profiled" not in note


def test_juno_shape_uncertainty_is_derived_from_the_tao_preset():
    # issue 16: "the juno preset's shape uncertainty derived from the tao preset, not a
    # typed 1 %": the analysis nuexp builds for juno carries TAO's statistics per bin
    from nuexp.experiments.reactor.model import build_analysis

    _, juno = resolve_config("juno")
    ref = juno.systematics.shape_reference
    assert ref is not None and ref.preset == "tao" and juno.systematics.shape_uncertainty == 0
    ana = build_analysis(juno)
    _, tao = resolve_config("tao")
    expected = shape_uncertainty_from_reference(
        ReactorExperiment(tao), ana.exp.detectors[0].ibd.edges, ref.years, ref.residual,
        juno.sensitivity.days_per_year)
    np.testing.assert_allclose(ana.shape_eps[0], expected, rtol=1e-12)
    assert 0.003 < float(np.median(expected)) < 0.05     # ~0.6 % per 20 keV bin
