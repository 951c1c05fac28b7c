"""Cut flow (Table 1), flux measurement (Eq. 3, Sec. VIII–X) and p-values (Sec. VI) of
JSNS2 2025, from the paper's own inputs."""

import numpy as np
import pytest
from scipy import stats

from nuexp.events.cutflow import Cut, CutFlow, pot_weighted_average
from nuexp.exceptions import UnphysicalParameter
from nuexp.stats.flux_measurement import (
    FluxMeasurement,
    UncertaintyComponent,
    background_systematic,
    signal_counts,
    tension,
)
from nuexp.stats.pvalue import (
    p_value_from_significance,
    p_value_poisson_gauss,
    p_value_poisson_lognormal,
    poisson_p_value,
    profile_likelihood_significance,
    significance,
)

TABLE1 = {  # JSNS2 2025 Table 1: (efficiency %, uncertainty %) for 2021, 2022
    "prompt energy": ((67.3, 1.9), (67.3, 2.2)),
    "beam timing": ((49.8, 0.2), (46.8, 0.1)),
    "delayed energy": ((37.9, 1.4), (37.9, 1.4)),
    "dT p-d": ((51.8, 0.04), (78.1, 0.04)),
    "dVTX": ((88.1, 0.7), (88.1, 0.7)),
    "muon rejection": ((88.5, 0.4), (90.1, 0.3)),
    "Michel rejection": ((97.0, 0.03), (97.0, 0.03)),
}


def flow(i, period):
    return CutFlow(period, [Cut(k, v[i][0] / 100, v[i][1] / 100) for k, v in TABLE1.items()])


def test_table1_totals():
    f21, f22 = flow(0, "2021"), flow(1, "2022")
    assert f21.total == pytest.approx(0.0497, rel=0.005)   # Table 1 total 4.97 %
    assert f22.total == pytest.approx(0.0717, rel=0.005)   # 7.17 %
    assert f21.total_uncertainty == pytest.approx(0.0024, rel=0.05)
    assert f22.total_uncertainty == pytest.approx(0.0037, rel=0.05)
    mean, err = pot_weighted_average([f21, f22], [1.29e22, 0.91e22])  # Sec. III POT
    assert mean == pytest.approx(0.0588, rel=0.003)      # Sec. V: 5.88 ± 0.21 %
    assert err == pytest.approx(0.0021, rel=0.05)
    _, err_corr = pot_weighted_average([f21, f22], [1.29e22, 0.91e22], correlated=True)
    assert err_corr > err


def test_cutflow_rows_replace_and_counts():
    f = flow(0, "2021")
    assert f.cumulative()[-1] == pytest.approx(f.total)
    rows = f.rows()
    assert rows[-1]["cut"] == "total" and len(rows) == len(TABLE1) + 1
    g = f.replace("dT p-d", Cut("dT p-d", 0.5174))
    assert g.total == pytest.approx(f.total * 0.5174 / 0.518)
    c = CutFlow.from_counts("mc", ["a", "b"], [1000, 500, 100])
    assert c.total == pytest.approx(0.1)
    assert c["a"].uncertainty == pytest.approx(np.sqrt(0.25 / 1000))
    with pytest.raises(UnphysicalParameter, match="increase"):
        CutFlow.from_counts("mc", ["a"], [10, 20])
    with pytest.raises(UnphysicalParameter, match="counts"):
        CutFlow.from_counts("mc", ["a"], [10, -1])
    with pytest.raises(UnphysicalParameter, match="efficiency"):
        Cut("x", 1.5)
    with pytest.raises(UnphysicalParameter, match="duplicate"):
        CutFlow("p", [Cut("x", 0.5), Cut("x", 0.5)])
    with pytest.raises(UnphysicalParameter, match="pot"):
        pot_weighted_average([f], [1.0, 2.0])


def published_measurement(**over):
    kw = dict(observed=79, background=42.2, background_uncertainty=4.8,
              cross_section=9.1e-42, cross_section_uncertainty=0.7e-42,
              n_targets=4.68e29, n_targets_relative_uncertainty=0.2,
              efficiency=0.0588, efficiency_uncertainty=0.0021, pot=2.2e22)
    kw.update(over)
    return FluxMeasurement(**kw)


def test_flux_from_paper_inputs():
    m = published_measurement()
    assert m.signal == pytest.approx(36.8)                    # Sec. VIII.1
    assert m.flux == pytest.approx(6.7e-9, rel=0.01)          # Sec. IX
    assert m.statistical == pytest.approx(1.6e-9, rel=0.03)
    assert m.systematic == pytest.approx(1.7e-9, rel=0.03)
    assert m.particles_per_proton(2400.0) == pytest.approx(0.48, rel=0.01)   # Sec. X
    rel_total = m.total / m.flux
    assert 0.48 * rel_total == pytest.approx(0.17, rel=0.03)
    # Sec. IX: "0.82 to 1.3 sigma" vs FLUKA 4.8e-9 and QGSP-BERT 3.7e-9 with the total error
    assert tension(m.flux, m.total, 4.8e-9) == pytest.approx(0.82, rel=0.05)
    assert tension(m.flux, m.total, 3.7e-9) == pytest.approx(1.3, rel=0.05)
    names = [c.name for c in m.components()]
    assert names == ["statistical", "background", "cross_section", "target", "efficiency"]
    assert m.correlated**2 + m.uncorrelated**2 == pytest.approx(m.total**2)


def test_flux_scales_inversely_with_targets_and_extra_component():
    a, b = published_measurement(), published_measurement(n_targets=2 * 4.68e29)
    assert a.flux / b.flux == pytest.approx(2.0)
    c = published_measurement(extra=(UncertaintyComponent("livetime", 0.1, correlated=True),))
    assert c.systematic > a.systematic and c.statistical == pytest.approx(a.statistical)


def test_background_systematic_table2():
    # Table 2: fake 42.2 ± 1.7, spill-shift 37.7 → total 42.2 ± 4.8 (Sec. VI)
    assert background_systematic(42.2, 37.7, 1.7) == pytest.approx(4.8, abs=0.02)


def test_bad_flux_inputs():
    with pytest.raises(UnphysicalParameter, match="exceed observed"):
        published_measurement(background=90)
    with pytest.raises(UnphysicalParameter, match="observed events"):
        signal_counts(-1, 0)
    assert signal_counts(10, 12, allow_negative=True) == -2
    with pytest.raises(UnphysicalParameter, match="efficiency"):
        published_measurement(efficiency=0.0)
    with pytest.raises(UnphysicalParameter, match="number of targets"):
        published_measurement(n_targets=-1)


def test_paper_p_value_construction():
    # Sec. VI: p = 2.9e-7 ↔ P(N ≥ 79 | 42.2), Poisson, background fixed
    p = poisson_p_value(79, 42.2)
    assert p == pytest.approx(2.9e-7, rel=0.1)
    assert p == pytest.approx(stats.poisson.sf(78, 42.2), rel=1e-12)
    assert significance(p) == pytest.approx(5.0, abs=0.05)   # not "exceeding 6σ"
    assert significance(p_value_from_significance(3.3)) == pytest.approx(3.3)


def test_background_uncertainty_lowers_significance():
    p0 = poisson_p_value(79, 42.2)
    pg = p_value_poisson_gauss(79, 42.2, 4.8)
    pl = p_value_poisson_lognormal(79, 42.2, 4.8)
    z, pp = profile_likelihood_significance(79, 42.2, 4.8)
    assert p0 < pg and p0 < pl and p0 < pp
    assert 3.5 < significance(pg) < 4.5 and 3.5 < significance(pl) < 4.5 and 3.5 < z < 4.5
    # σ_b → 0 recovers the fixed-background results
    assert p_value_poisson_gauss(79, 42.2, 1e-6) == pytest.approx(p0, rel=1e-3)
    z0, _ = profile_likelihood_significance(79, 42.2, 0.0)
    assert z0 == pytest.approx(np.sqrt(2 * (79 * np.log(79 / 42.2) - (79 - 42.2))))
    assert profile_likelihood_significance(30, 42.2, 4.8) == (0.0, 0.5)


def test_bad_p_value_inputs():
    with pytest.raises(UnphysicalParameter, match="observed"):
        poisson_p_value(-3, 1.0)
    with pytest.raises(UnphysicalParameter, match="whole number"):
        poisson_p_value(2.5, 1.0)
    with pytest.raises(UnphysicalParameter, match="background"):
        poisson_p_value(3, 0.0)
    with pytest.raises(UnphysicalParameter):
        significance(0.0)


def test_hybrid_p_value_matches_direct_integration():
    from scipy import integrate

    n, b, sb = 79, 42.2, 4.8
    norm = stats.norm.cdf(b / sb)   # truncation at b > 0
    direct, _ = integrate.quad(lambda x: stats.poisson.sf(n - 1, x) * stats.norm.pdf(x, b, sb) / norm,
                               1e-9, b + 12 * sb, limit=200)
    assert p_value_poisson_gauss(n, b, sb) == pytest.approx(direct, rel=1e-4)


def test_profile_likelihood_matches_numerical_profile():
    from scipy import optimize

    n, b0, sb = 79, 42.2, 4.8

    def nll(s, b):
        return -(stats.poisson.logpmf(n, s + b) + stats.norm.logpdf(b0, b, sb))

    null = optimize.minimize_scalar(lambda b: nll(0.0, b), bounds=(1, 120), method="bounded",
                                    options={"xatol": 1e-10})
    best = optimize.minimize(lambda p: nll(*p), x0=[30.0, 45.0], method="Nelder-Mead",
                             options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 5000})
    z_num = np.sqrt(2 * (null.fun - best.fun))
    z, _ = profile_likelihood_significance(n, b0, sb)
    assert z == pytest.approx(z_num, rel=1e-4)
