"""Scintillator response: quenching, photoelectron statistics, 2-PMT coincidence, dark counts."""

import numpy as np
import pytest
from hepunits import Hz, MeV, keV, microsecond
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import trapezoid

from nuexp.detector.coincidence import two_pmt_coincidence_efficiency
from nuexp.detector.dark_counts import expected_rates, simulate_dark_counts
from nuexp.detector.photoelectrons import (
    fold_to_npe,
    mean_photoelectrons,
    npe_window,
    poisson_matrix,
)
from nuexp.detector.quenching import (
    COHERENT_CSI_2022,
    ConstantQuenching,
    TabulatedQuenching,
    get_quenching,
)
from nuexp.exceptions import UnknownName, UnphysicalParameter

# ---------------------------------------------------------------- quenching


def test_coherent_2022_polynomial_values():
    # Akimov et al., JINST 17 (2022) P10034: E_ee = 0.0554628 T + 4.30681 T² − 111.707 T³
    # + 840.384 T⁴ (MeV). At T = 10 keV: 5.546e-4 + 4.307e-4 − 1.117e-4 + 8.4e-6 MeV.
    t = 0.010
    expected = 0.0554628 * t + 4.30681 * t**2 - 111.707 * t**3 + 840.384 * t**4
    assert COHERENT_CSI_2022.electron_equivalent(10 * keV) == pytest.approx(expected * MeV, rel=1e-12)


def test_coherent_2022_quenching_factor_range():
    # The fitted CsI[Na] QF rises from ~6.7 % at 3 keV_nr to a ~10.7 % maximum near
    # 30 keV_nr (Akimov 2022 global fit); it stays within 5.5–11 % over 3–60 keV_nr.
    t = np.linspace(3, 60, 58) * keV
    qf = COHERENT_CSI_2022.factor(t)
    assert np.all((qf > 0.055) & (qf < 0.11))
    assert 20 * keV < t[np.argmax(qf)] < 40 * keV
    # and tends to the linear coefficient 0.0554628 as T → 0
    assert COHERENT_CSI_2022.factor(1e-3 * keV) == pytest.approx(0.0554628, rel=1e-3)


@given(st.floats(min_value=0.05, max_value=45.0))
def test_quenching_inverse_round_trip(t_kev):
    ee = COHERENT_CSI_2022.electron_equivalent(t_kev * keV)
    assert COHERENT_CSI_2022.recoil_for(ee) == pytest.approx(t_kev * keV, rel=1e-4, abs=1e-3 * keV)


def test_constant_quenching_and_bad_values():
    q = get_quenching("constant", 0.0878)
    assert q.electron_equivalent(20 * keV) == pytest.approx(0.0878 * 20 * keV)
    with pytest.raises(UnphysicalParameter, match="quenching factor"):
        ConstantQuenching(0.0)
    with pytest.raises(UnphysicalParameter, match="quenching factor"):
        ConstantQuenching(1.5)
    with pytest.raises(ValueError, match="needs a value"):
        get_quenching("constant")
    with pytest.raises(UnknownName, match="quenching model 'lindhard'"):
        get_quenching("lindhard")
    with pytest.raises(UnphysicalParameter, match="nuclear recoil energy"):
        q.electron_equivalent(-1 * keV)


# ---------------------------------------------------------------- photoelectrons


def test_poisson_matrix_normalised_with_right_mean():
    mu = np.array([0.0, 0.3, 4.0, 60.0])
    p = poisson_matrix(mu, 400)
    n = np.arange(401)
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-12)
    assert np.allclose(p @ n, mu, rtol=1e-10, atol=1e-12)
    assert p[0, 0] == 1.0 and p[1, 0] == pytest.approx(np.exp(-0.3))


def test_fold_to_npe_conserves_events():
    t = np.linspace(0, 40, 801) * keV
    rate = np.exp(-t / (8 * keV)) / keV  # events per energy
    mu = mean_photoelectrons(COHERENT_CSI_2022.electron_equivalent(t), 33.5 / keV)
    counts = fold_to_npe(t, rate, mu, 400)
    assert counts.sum() == pytest.approx(trapezoid(rate, t), rel=1e-9)
    assert np.all(counts >= 0)


def test_light_yield_and_window_checks():
    with pytest.raises(UnphysicalParameter, match="light yield"):
        mean_photoelectrons(1 * keV, 0.0)
    with pytest.raises(UnphysicalParameter, match="light yield"):
        mean_photoelectrons(1 * keV, -33.5 / keV)
    with pytest.raises(ValueError, match="low = 72 must be <= high = 4"):
        npe_window(100, 72, 4)
    w = npe_window(100, 4, 72)
    assert w.sum() == 69 and w[4] and w[72] and not w[3] and not w[73]


# ---------------------------------------------------------------- coincidence


def test_two_pmt_coincidence_closed_form():
    # CLOVERS Sec. 2.4 criterion 3 with equal sharing: ε = 1 − 2^(1−n), 0 for n ≤ 1.
    n = np.arange(0, 30)
    eff = two_pmt_coincidence_efficiency(n)
    expected = np.where(n >= 1, 1 - 2.0 ** (1 - n), 0.0)
    assert np.allclose(eff, expected, atol=1e-14)
    assert eff[4] == 0.875  # at the 4-NPE threshold of the signal window


@given(st.integers(min_value=0, max_value=200), st.floats(min_value=0.01, max_value=0.99))
def test_coincidence_symmetry_and_limits(n, p):
    e = two_pmt_coincidence_efficiency(n, p)
    assert e == pytest.approx(two_pmt_coincidence_efficiency(n, 1 - p), abs=1e-12)
    assert e == pytest.approx(1 - p**n - (1 - p) ** n if n >= 1 else 0.0, abs=1e-12)
    assert two_pmt_coincidence_efficiency(n, p, min_pe_each=0) == 1.0


def test_coincidence_bad_input():
    with pytest.raises(UnphysicalParameter, match="PMT light split"):
        two_pmt_coincidence_efficiency(5, 1.5)
    with pytest.raises(ValueError, match="integer"):
        two_pmt_coincidence_efficiency(2.5)


# ---------------------------------------------------------------- dark counts

CLOVERS_DARK = dict(dark_rate=111 * Hz, window=10 * microsecond, n_pairs=4)  # CLOVERS Sec. 3.2.2


def test_dark_count_toy_matches_closed_form():
    n = 20_000_000
    res = simulate_dark_counts(n, **CLOVERS_DARK, seed=7)
    without, with_ = expected_rates(**CLOVERS_DARK)
    a, c = res.npe_without.sum(), res.npe_with.sum()
    assert abs(a - without * n) < 5 * np.sqrt(without * n)
    assert abs(c - with_ * n) < 5 * np.sqrt(with_ * n)
    # single-PE pulses: coincidences have exactly 2 PE at least
    assert res.npe_with[:2].sum() == 0 and res.npe_without[0] == 0


def test_dark_count_suppression_three_orders_of_magnitude():
    # CLOVERS Sec. 3.2.2 / Fig. 10: criterion 3 suppresses dark counts by ~1e3.
    res = simulate_dark_counts(40_000_000, **CLOVERS_DARK, pe_per_pulse=[0.9, 0.07, 0.02, 0.01],
                               max_npe=12, seed=11)
    assert 3e2 < res.suppression < 3e3
    without, with_ = expected_rates(**CLOVERS_DARK)
    assert res.suppression == pytest.approx(without / with_, rel=5 * res.suppression_uncertainty
                                            / res.suppression)


def test_dark_count_reproducible_and_engines_agree():
    a = simulate_dark_counts(2_000_000, **CLOVERS_DARK, seed=3)
    b = simulate_dark_counts(2_000_000, **CLOVERS_DARK, seed=3)
    c = simulate_dark_counts(2_000_000, **CLOVERS_DARK, seed=4)
    assert np.array_equal(a.npe_without, b.npe_without)
    assert not np.array_equal(a.npe_without, c.npe_without)
    nb = simulate_dark_counts(5_000_000, **CLOVERS_DARK, seed=3, engine="numba")
    nb2 = simulate_dark_counts(5_000_000, **CLOVERS_DARK, seed=3, engine="numba")
    assert np.array_equal(nb.npe_without, nb2.npe_without)
    without, _ = expected_rates(**CLOVERS_DARK)
    assert abs(nb.npe_without.sum() - without * 5e6) < 5 * np.sqrt(without * 5e6)


def test_dark_count_bad_input():
    with pytest.raises(UnphysicalParameter, match="dark rate"):
        simulate_dark_counts(1000, -1 * Hz, 10 * microsecond)
    with pytest.raises(ValueError, match="n_triggers"):
        simulate_dark_counts(0, 111 * Hz, 10 * microsecond)
    with pytest.raises(UnknownName, match="engine"):
        simulate_dark_counts(1000, 111 * Hz, 10 * microsecond, engine="cuda")


def test_tabulated_quenching_factor_interpolates_and_matches_the_electron_equivalent():
    # QF(T) and E_ee(T) = QF(T)·T are one table: linear between points, constant outside
    q = TabulatedQuenching((2.0 * keV, 10.0 * keV, 20.0 * keV), (0.05, 0.09, 0.10))
    t = np.array([1.0, 2.0, 6.0, 15.0, 30.0]) * keV
    expected = np.array([0.05, 0.05, 0.07, 0.095, 0.10])
    np.testing.assert_allclose(q.factor(t), expected, rtol=1e-12)
    np.testing.assert_allclose(q.electron_equivalent(t), expected * t, rtol=1e-12)
