"""LSND overlay: the rate-only band from P = (0.264 ± 0.067 ± 0.045) % and digitised CSVs.

Source: Aguilar et al. (LSND), Phys. Rev. D 64 (2001) 112007.
"""

from __future__ import annotations

import numpy as np
import pytest

import nuexp
from nuexp.exceptions import InvalidConfiguration, UnphysicalParameter
from nuexp.experiments.jsns2_sterile import lsnd
from nuexp.experiments.registry import resolve_config
from nuexp.stats.contours import critical_delta_chi2

#: The [lsnd] table of the jsns2-sterile preset (PRD 64 (2001) 112007, sources in the TOML).
LSND = resolve_config("jsns2-sterile")[1].lsnd
M = LSND.measurement()


def test_fully_averaged_oscillation_is_one_half():
    """Identity: ⟨sin²⟩ → 1/2 once Δm² L/E spans many periods across the spectrum."""
    assert lsnd.averaged_sin2(500.0, M) == pytest.approx(0.5, abs=5e-3)


def test_small_dm2_limit_is_quadratic():
    """sin²x → x² for small phases: doubling Δm² quadruples ⟨sin²⟩."""
    a, b = lsnd.averaged_sin2([1e-3, 2e-3], M)
    assert b / a == pytest.approx(4.0, rel=1e-4)


def test_band_contains_the_lsnd_best_fit():
    """PRD 64 112007, Sec. VII: best fit (0.003, 1.2 eV²) lies inside its 90 % region."""
    s_bf, dm2_bf = LSND.best_fit
    low, high = lsnd.band(dm2_bf, M, cl=0.90, dof=2)
    assert low < s_bf < high


def test_band_at_large_dm2_is_twice_the_probability_window():
    k = np.sqrt(critical_delta_chi2(0.90, 2))
    m = M
    low, high = lsnd.band(500.0, M, 0.90, 2)
    assert low == pytest.approx(2 * (m.probability - k * m.sigma), rel=1e-2)
    assert high == pytest.approx(2 * (m.probability + k * m.sigma), rel=1e-2)


def test_band_closes_at_small_dm2_and_99_contains_90():
    dm2 = np.geomspace(0.01, 20.0, 50)
    lo90, hi90 = lsnd.band(dm2, M, 0.90)
    lo99, hi99 = lsnd.band(dm2, M, 0.99)
    assert np.isnan(lo90[0])                 # needs sin²2θ > 1 at 0.01 eV²
    ok = np.isfinite(lo90)
    assert np.all(lo99[ok] <= lo90[ok]) and np.all(hi99[ok] >= hi90[ok])


def test_bad_inputs_are_refused():
    with pytest.raises(UnphysicalParameter, match="dm2_41"):
        lsnd.averaged_sin2([-1.0], M)
    with pytest.raises(InvalidConfiguration, match="cl = 0.9999"):
        lsnd.band(1.0, M, cl=0.9999)


def test_excluded_fraction_limits():
    dm2 = np.geomspace(0.5, 10.0, 7)
    assert lsnd.excluded_fraction(dm2, np.full(7, np.inf), M) == 0.0
    assert lsnd.excluded_fraction(dm2, np.full(7, 1e-6), M) == pytest.approx(1.0)
    low, high = lsnd.band(dm2, M)
    half = lsnd.excluded_fraction(dm2, np.sqrt(low * high), M)
    assert half == pytest.approx(0.5)
    with pytest.raises(InvalidConfiguration, match="one per dm2 row"):
        lsnd.excluded_fraction(dm2, np.ones(3), M)


def test_lsnd_best_fit_reproduces_the_measured_probability():
    """PRD 64 (2001) 112007: the best fit (0.003, 1.2 eV², Sec. VII) averaged over LSND's
    spectrum, 20-60 MeV window and 8.3 m tank at 30 m gives a total probability within 1σ
    of the measured (0.264 ± 0.081) % (abstract). It is not an identity: LSND's best fit
    also used the L/E shape."""
    s_bf, dm2_bf = LSND.best_fit
    p = s_bf * lsnd.averaged_sin2(dm2_bf, M)
    assert abs(p - M.probability) < M.sigma
    assert p != pytest.approx(M.probability, rel=1e-3)


def test_lsnd_inputs_are_data_and_refused_out_of_range():
    """The measurement comes from the TOML; unphysical values name field and range."""
    from pydantic import ValidationError

    base = LSND.model_dump()
    for field, bad, words in [("positron_window_mev", (55.0, 70.0), "53.34"),
                              ("positron_window_mev", (20.0, 300.0), "200"),
                              ("best_fit", (1.5, 1.2), "sin²2θ <= 1"),
                              ("tank_length_m", 70.0, "twice tank_centre_m"),
                              ("probability_percent", 0.0, "greater than 0")]:
        with pytest.raises(ValidationError, match=words):
            type(LSND).model_validate({**base, field: bad})
    wider = type(LSND).model_validate({**base, "positron_window_mev": (36.0, 60.0)})
    # a harder window keeps higher energies: smaller L/E, so less oscillation at 1 eV²
    assert lsnd.averaged_sin2(1.0, wider.measurement()) < lsnd.averaged_sin2(1.0, M)


def test_read_contour(tmp_path):
    good = tmp_path / "c.csv"
    good.write_text("segment,sin2_2theta,dm2_ev2\n0,0.002,1.0\n0,0.004,1.5\n1,0.01,0.2\n")
    segments = lsnd.read_contour(good)
    assert [s.shape for s in segments] == [(2, 2), (1, 2)]
    bad = tmp_path / "bad.csv"
    bad.write_text("sin2_2theta,dm2\n0.1,1\n")
    with pytest.raises(InvalidConfiguration, match="missing column"):
        lsnd.read_contour(bad)
    bad.write_text("sin2_2theta,dm2_ev2\n1.5,1\n")
    with pytest.raises(InvalidConfiguration, match="line 2"):
        lsnd.read_contour(bad)
    with pytest.raises(InvalidConfiguration, match="no such file"):
        lsnd.read_contour(tmp_path / "none.csv")


def test_sterile_run_reports_band_coverage_and_draws_a_digitised_contour(tmp_path):
    contour = tmp_path / "lsnd.csv"
    contour.write_text("sin2_2theta,dm2_ev2\n0.002,0.3\n0.01,0.3\n0.01,3\n0.002,3\n")
    res = nuexp.run("jsns2-sterile", out=tmp_path / "out", config={
        "scan": {"n_sin2_2theta": 10, "n_dm2": 8, "dm2_range_ev2": [0.02, 20.0]},
        "toys": {"enabled": False},
        "lsnd": {"contour_csv": str(contour)}})
    f_an = res["lsnd_band_excluded_fraction"].value
    f_all = res["lsnd_band_excluded_fraction_pot_collected"].value
    assert 0.0 <= f_an <= f_all <= 1.0        # more POT covers at least as much
    assert (tmp_path / "out" / "sensitivity_contour.png").is_file()
    band_rows = res.tables["lsnd_band"]
    assert band_rows[0]["sin2_2theta_low_cl90"] is None      # 0.02 eV²: needs sin²2θ > 1
    values = [v for row in band_rows for v in row.values() if v is not None]
    assert np.all(np.isfinite(values))
