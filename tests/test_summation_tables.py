"""Shipped summation tables, the reactor flux-model hook and (with sandy) the yield sums."""

from __future__ import annotations

import numpy as np
import pytest
from hepunits import MeV, cm2

from nuexp.exceptions import UnknownName, UnphysicalParameter
from nuexp.sources import summation
from nuexp.sources.reactor import (
    ISOTOPES,
    FissionFractions,
    isotope_spectrum,
    reactor_spectrum,
    spectrum_per_fission,
)

_DB = FissionFractions(0.561, 0.076, 0.307, 0.056)


def test_huber_mueller_path_unchanged():
    E = np.linspace(2.0, 8.0, 61) * MeV
    assert np.array_equal(reactor_spectrum(E, _DB), spectrum_per_fission(E, _DB))
    for iso in ISOTOPES:
        assert np.array_equal(reactor_spectrum(E, iso), isotope_spectrum(iso, E))
    with pytest.raises(UnphysicalParameter):
        reactor_spectrum(np.array([9.0]) * MeV, _DB)       # HM validity still enforced


def test_summation_hook_selects_the_tables():
    E = np.linspace(1.0, 10.0, 91) * MeV
    for v in summation.VARIANTS:
        mix = reactor_spectrum(E, _DB, model="summation", library=v)
        direct = sum(getattr(_DB, i) * summation.isotope_spectrum(i, E, variant=v)
                     for i in ISOTOPES)
        np.testing.assert_allclose(mix, direct, rtol=1e-14)
    with pytest.raises(UnknownName):
        reactor_spectrum(E, _DB, model="ab-initio")
    with pytest.raises(UnknownName):
        reactor_spectrum(E, _DB, model="summation", library="jendl-5")
    with pytest.raises(UnphysicalParameter):
        reactor_spectrum(np.array([16.0]) * MeV, _DB, model="summation")


@pytest.mark.parametrize("variant", summation.VARIANTS)
def test_table_content(variant):
    t = summation.load_table(variant)
    for iso in ISOTOPES:
        s = t.spectrum(iso)
        assert np.all(np.isfinite(s)) and np.all(s >= 0)
        assert s[-1] < 1e-12 * s.max()                         # no Q_β above 15 MeV
        # Σ independent yields = 2 fragments per fission (library normalisation)
        assert t.diagnostic(iso, "sum_independent") == pytest.approx(2.0, abs=3e-3)
        # ∫ S dE = β⁻ decays per fission (≈ 6 per fission: ²³⁵U 6.1, ²³⁸U 7.1, ²³⁹Pu 5.6,
        # ²⁴¹Pu 6.4; e.g. Hayes & Vogel, Annu. Rev. Nucl. Part. Sci. 66, 219 (2016), Sec. 2)
        # up to the share of branches below the 10 keV grid at the low end
        n = t.diagnostic(iso, "beta_decays_per_fission")
        assert np.trapezoid(s, t.energy) == pytest.approx(n, rel=0.01)
        assert n == pytest.approx({"U235": 6.1, "U238": 7.1, "Pu239": 5.6, "Pu241": 6.4}[iso],
                                  rel=0.04)
        gap = t.gap_spectrum(iso)
        assert np.all(gap <= s + 1e-300)
        names, spectra, _ = t.top_nuclides(iso)
        assert "Rb92" in names[:3] and "Y96" in names[:3]       # the known 5–8 MeV leaders
        assert np.all(spectra.sum(axis=0) <= s * (1 + 1e-6) + 1e-12)


def test_ibd_yield_ratio_range():
    # the summation IBD yield of the Daya Bay mix lies within 10 % of Daya Bay's
    # (5.92 ± 0.14) × 10⁻⁴³ cm²/fission (PRL 116, 061801 (2016)) for every library
    from nuexp.experiments.reactor_flux.analysis import ibd_yield
    for v in summation.VARIANTS:
        y = ibd_yield("summation", _DB, library=v, cross_section="strumia-vissani-approx",
                      n_points=2001) / cm2
        assert 0.85 < y / 5.92e-43 < 1.25
    # Huber–Mueller: Daya Bay measured 0.946 ± 0.022 of it (same PRL); our HM differs from
    # Daya Bay's HM prediction by its missing non-equilibrium/spent-fuel corrections (≈ 1 %)
    hm = ibd_yield("huber-mueller", _DB, cross_section="strumia-vissani-approx",
                   n_points=2001) / cm2
    assert 5.92e-43 / hm == pytest.approx(0.946, abs=0.05)


def test_library_band_is_half_the_spread():
    E = np.array([3.0, 5.0, 7.0]) * MeV
    centre, half = summation.library_band("U235", E)
    vals = np.array([summation.isotope_spectrum("U235", E, variant=v) for v in summation.VARIANTS])
    np.testing.assert_allclose(centre + half, vals.max(axis=0))
    np.testing.assert_allclose(centre - half, vals.min(axis=0))


def test_cumulative_yield_sums_against_library_chain_totals():
    sandy = pytest.importorskip("sandy", reason="needs the [summation] extra (sandy)")
    from nuexp.sources.summation.build import read_yields

    del sandy
    for iso, (ind, cum) in read_yields("endfb_80").items():
        # end of each mass chain: the largest cumulative yield of mass A is the chain yield;
        # their sum equals the 2 fragments per fission up to delayed-neutron emission (which
        # moves ~1 % of the chains to A − 1 without changing the count)
        chains: dict[int, float] = {}
        for zam, y in cum.items():
            a = (zam // 10) % 1000
            chains[a] = max(chains.get(a, 0.0), y)
        assert sum(ind.values()) == pytest.approx(2.0, abs=1e-3), iso
        assert sum(chains.values()) == pytest.approx(2.0, rel=0.02), iso


@pytest.mark.parametrize("variant", summation.VARIANTS)
def test_gap_models_bracket(variant):
    # the textbook Fermi-gas gap model is softer than the calibrated one (module docstring of
    # nuexp.sources.summation.build): fewer ν̄ above the IBD threshold, same count of decays
    t = summation.load_table(variant)
    c, n = t.gap_model
    assert 0.0 <= c < 1.0 and n > 100
    above = t.energy > 1.8 * MeV
    for iso in ISOTOPES:
        soft, hard = t.spectrum(iso, "fermi-gas"), t.spectrum(iso)
        assert np.trapezoid(soft[above], t.energy[above]) < np.trapezoid(hard[above],
                                                                         t.energy[above])
        assert np.trapezoid(soft, t.energy) == pytest.approx(np.trapezoid(hard, t.energy),
                                                             rel=0.01)
    with pytest.raises(UnknownName):
        t.spectrum("U235", "gross-theory")
