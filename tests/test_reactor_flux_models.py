"""Flux models in the reactor family (issue "Reactor fluxes from first principles"):
``flux.model = "summation"`` through the one reactor-flux module, and the NMO Δχ² of the
`juno` preset with both flux models."""

import numpy as np
import pytest
from hepunits import GW, MeV, km

import nuexp
from nuexp.exceptions import NuexpError
from nuexp.experiments.reactor.model import ReactorExperiment
from nuexp.experiments.registry import resolve_config
from nuexp.oscillation import OscillationParameters
from nuexp.sources import summation
from nuexp.sources.reactor import (
    ISOTOPES,
    FissionFractions,
    FluxModel,
    ReactorCore,
    mean_energy_per_fission,
)

FUEL = FissionFractions.preset("juno")
E = np.linspace(1.9, 9.5, 77) * MeV


@pytest.mark.parametrize("kwargs", [{"model": "conversion"}, {"model": "tabulated"},
                                    {"model": "summation", "library": "endf-vii.1"},
                                    {"model": "summation", "gap_model": "gross-theory"}])
def test_flux_model_refuses_unknown_options(kwargs):
    with pytest.raises(NuexpError):
        FluxModel(**kwargs)


def test_huber_mueller_path_unchanged():
    """A core given FluxModel() emits exactly what the default (fits) core emits."""
    plain = ReactorCore("C", 2.9 * GW, 1.0 * km, FUEL)
    named = ReactorCore("C", 2.9 * GW, 1.0 * km, FUEL, FluxModel())
    np.testing.assert_array_equal(plain.flux(E, outside="extrapolate"),
                                  named.flux(E, outside="extrapolate"))


@pytest.mark.parametrize("library", ["endfb-viii.0", "jeff-3.3"])
def test_summation_core_is_fission_rate_times_summation_tables(library):
    """P / Σ f_i e_i fissions per second × Σ f_i S_i(E) of the summation tables / 4πL²."""
    L = 1.3 * km
    core = ReactorCore("C", 2.9 * GW, L, FUEL, FluxModel("summation", library))
    per_fission = sum(getattr(FUEL, iso) * summation.isotope_spectrum(iso, E, variant=library)
                      for iso in ISOTOPES)
    expected = 2.9 * GW / mean_energy_per_fission(FUEL) * per_fission / (4 * np.pi * L**2)
    np.testing.assert_allclose(core.flux(E), expected, rtol=1e-12)


def test_with_flux_shares_the_response_and_is_linear_in_the_flux():
    _, cfg = resolve_config("tao")
    exp = ReactorExperiment(cfg)
    p = OscillationParameters.preset("juno-talk")
    d = exp.detectors[0]
    same = exp.with_flux(cfg.flux).detectors[0]
    np.testing.assert_allclose(same.ibd.spectra(p, None), d.ibd.spectra(p, None), rtol=1e-12)
    double = d.ibd.with_flux(2.0 * d.ibd.source_rate / d.ibd.cross_section
                             / d.ibd.free_protons / d.ibd.efficiency)
    np.testing.assert_allclose(double.spectra(p, None), 2.0 * d.ibd.spectra(p, None),
                               rtol=1e-12)
    assert double.response() is d.ibd.response()
    with pytest.raises(NuexpError):
        d.ibd.with_flux(np.ones((2, d.ibd.e_nu.size)))


#: The juno preset with only the mass-ordering analysis (speeds the test up).
LIGHT = {"precision_exposures_days": {"_replace": True}, "nmo_exposures_years": [4.0, 6.0],
         "profile_scan": [], "matter_effect_check": False, "reverse_ordering": False}


def test_juno_runs_with_the_summation_flux_and_reports_the_nmo_difference():
    """`juno` with flux.model = "summation" runs; its 6 y NMO Δχ² is the value the
    Huber–Mueller run reports as nmo_delta_chi2_6y_summation (computed there by swapping
    the flux of the built experiment), and the difference key is their difference."""
    hm = nuexp.run("juno", config={"sensitivity": {
        **LIGHT, "nmo_flux_models": [{"label": "summation", "model": "summation"}]}})
    sm = nuexp.run("juno", config={"flux": {"model": "summation"},
                                   "sensitivity": {**LIGHT, "nmo_flux_models": []}})
    q = {k: v.value for k, v in hm.quantities.items()}
    s = {k: v.value for k, v in sm.quantities.items()}
    assert s["nmo_delta_chi2_6y"] == pytest.approx(q["nmo_delta_chi2_6y_summation"], rel=1e-4)
    assert q["nmo_delta_chi2_6y_summation_difference"] == pytest.approx(
        q["nmo_delta_chi2_6y_summation"] - q["nmo_delta_chi2_6y"], abs=1e-12)
    assert s["ibd_rate_per_day"] != pytest.approx(q["ibd_rate_per_day"], rel=1e-5)
    rows = hm.tables["nmo_flux_models"]
    assert [r["label"] for r in rows] == ["reference", "summation"]


def test_flux_models_need_the_nmo_analysis():
    with pytest.raises(NuexpError, match="nmo_flux_models"):
        nuexp.run("tao", config={"sensitivity": {"nmo_flux_models": [{"label": "summation"}]}})


def test_toml_choices_are_the_flux_module_choices():
    """The [flux] block offers exactly the models, tables and gap models of
    nuexp.sources.reactor / nuexp.sources.summation."""
    from typing import get_args

    from nuexp.experiments.reactor.config import FluxAlternative, FluxBlock
    from nuexp.sources.reactor import FLUX_MODELS

    fields = FluxBlock.model_fields
    assert get_args(fields["model"].annotation) == FLUX_MODELS
    assert get_args(fields["library"].annotation) == summation.VARIANTS
    assert get_args(fields["gap_model"].annotation) == summation.GAP_MODELS
    alt = FluxAlternative.model_fields
    assert get_args(alt["library"].annotation) == summation.VARIANTS
    assert get_args(alt["gap_model"].annotation) == summation.GAP_MODELS
