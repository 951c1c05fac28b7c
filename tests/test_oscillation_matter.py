"""Oscillation in matter: constant density (3ν closed form, 3+1 with the NC potential),
layered profiles, PREM; limits, unitarity, MSW resonance, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hepunits import GeV, MeV, km
from hypothesis import given, settings
from hypothesis import strategies as st

from nuexp.exceptions import UnphysicalParameter
from nuexp.oscillation import (
    EARTH_RADIUS,
    MATTER_POTENTIAL_EV_PER_G_CM3,
    PHASE_EV2_KM_PER_GEV,
    ConstantDensity,
    LayeredProfile,
    OscillationParameters,
    PremEarth,
    chord_length,
    prem_density,
    prem_profile,
    probability,
    probability_matrix,
)

NO = OscillationParameters.preset("nufit-5.2-no")
STERILE = NO.replace(sin2_theta14=0.03, sin2_theta24=0.02, sin2_theta34=0.05, delta_14=0.4,
                     delta_24=1.1, dm2_41=0.8)


def test_matter_potential_constant():
    # V = √2 G_F N_e, N_e = ρ Y_e N_A: 7.63e-14 eV per g/cm³ (standard value)
    assert MATTER_POTENTIAL_EV_PER_G_CM3 == pytest.approx(7.6324e-14, rel=1e-4)


@pytest.mark.parametrize("params", [NO, STERILE], ids=["3nu", "3+1"])
@pytest.mark.parametrize("anti", [False, True])
def test_zero_density_is_vacuum_and_small_density_is_close(params, anti):
    E = np.geomspace(1, 1e4, 60) * MeV
    L = 800 * km
    vac = probability_matrix(params, E, L, antineutrino=anti)
    assert np.array_equal(probability_matrix(params, E, L, antineutrino=anti,
                                             matter=ConstantDensity(0.0)), vac)
    tiny = probability_matrix(params, E, L, antineutrino=anti, matter=ConstantDensity(1e-7))
    assert np.max(np.abs(tiny - vac)) < 1e-6


@settings(max_examples=30, deadline=None)
@given(st.floats(0.0, 15.0), st.floats(0.3, 0.6), st.floats(1.0, 2e4), st.floats(1.0, 1.3e4),
       st.booleans(), st.booleans())
def test_matter_unitarity(rho, ye, e_mev, l_km, anti, sterile):
    p = STERILE if sterile else NO
    P = probability_matrix(p, e_mev * MeV, l_km * km, antineutrino=anti,
                           matter=ConstantDensity(rho, ye))
    assert np.all(np.isfinite(P))
    assert np.allclose(P.sum(-1), 1.0, atol=1e-11)
    assert np.allclose(P.sum(-2), 1.0, atol=1e-11)
    assert P.min() > -1e-11


def test_msw_two_flavour_resonance():
    # θ12 = 0 and Δm²21 = 0 leave a two-flavour e–τ system (θ23 = 0) with θ13: in matter
    # sin²2θm = sin²2θ / [(cos2θ − A/Δm²)² + sin²2θ], Δm²m = Δm² √[...], A = 2√2 G_F N_e E.
    s13 = 0.02
    p = OscillationParameters(sin2_theta12=0.0, sin2_theta13=s13, sin2_theta23=0.0,
                              dm2_21=0.0, dm2_31=2.5e-3)
    rho, ye = 4.5, 0.5
    v_ev = MATTER_POTENTIAL_EV_PER_G_CM3 * rho * ye
    c2, s2 = 1 - 2 * s13, 4 * s13 * (1 - s13)
    e_res_ev = 2.5e-3 * c2 / (2 * v_ev)  # A(E_res) = Δm² cos 2θ
    # textbook: E_res ≈ 11 GeV for ρ = 2.8 g/cm³ and Δm² = 2.5e-3 eV², scaling as 1/ρ
    assert e_res_ev / 1e9 * rho / 2.8 == pytest.approx(11.2, rel=0.02)
    E = np.array([0.3, 0.7, 1.0, 1.5]) * e_res_ev * 1e-6 * MeV
    L = np.array([500.0, 3000.0, 9000.0]) * km
    got = probability(p, "e", "tau", E[:, None], L[None, :], matter=ConstantDensity(rho, ye))
    a = 2 * (E / MeV * 1e6) * v_ev
    d = np.sqrt((c2 - a / 2.5e-3) ** 2 + s2)
    s2m, dm2m = s2 / d**2, 2.5e-3 * d
    expected = s2m[:, None] * np.sin(
        PHASE_EV2_KM_PER_GEV * dm2m[:, None] * (L / km)[None, :] / (E / GeV)[:, None]) ** 2
    assert np.allclose(got, expected, atol=1e-10)
    # maximal mixing at resonance: P reaches 1 at L = π/2 / (phase per km)
    l_max = math.pi / 2 / (PHASE_EV2_KM_PER_GEV * 2.5e-3 * math.sqrt(s2) / (e_res_ev / 1e9))
    at_res = probability(p, "e", "tau", e_res_ev * 1e-6 * MeV, l_max * km,
                         matter=ConstantDensity(rho, ye))
    assert float(at_res) == pytest.approx(1.0, abs=1e-9)
    # antineutrinos see no resonance in normal ordering
    anti = probability(p, "e", "tau", e_res_ev * 1e-6 * MeV, l_max * km, antineutrino=True,
                       matter=ConstantDensity(rho, ye))
    assert float(anti) < 0.05


def test_juno_matter_effect_is_percent_level():
    # issue 10: at 52.5 km the matter effect on P_ee is ~1 % (crust 2.45 g/cm³)
    p = OscillationParameters.preset("juno-talk")
    E = np.linspace(1.8, 8, 400) * MeV
    vac = probability(p, "e", "e", E, 52.5 * km, antineutrino=True)
    mat = probability(p, "e", "e", E, 52.5 * km, antineutrino=True,
                      matter=ConstantDensity(2.45, 0.5))
    diff = np.abs(mat - vac)
    assert 1e-3 < diff.max() < 1.5e-2          # absolute, at most ~1e-2
    assert 1e-3 < np.mean(diff / vac) < 2e-2   # ~1 % relative on average


def test_sterile_nc_potential_matters_only_with_sterile():
    # 3ν: Y_e enters only through N_e; the NC part is a common phase
    E = np.geomspace(0.5, 20, 30) * GeV
    a = probability_matrix(NO, E, 6000 * km, matter=ConstantDensity(4.0, 0.5))
    b = probability_matrix(NO, E, 6000 * km, matter=ConstantDensity(2.0, 1.0))
    assert np.allclose(a, b, atol=1e-11)
    # 3+1: same N_e but different N_n changes ν_μ → ν_s
    a4 = probability(STERILE, "mu", "s", E, 6000 * km, matter=ConstantDensity(4.0, 0.5))
    b4 = probability(STERILE, "mu", "s", E, 6000 * km, matter=ConstantDensity(2.0, 1.0))
    assert np.max(np.abs(a4 - b4)) > 1e-3


# --- layered -------------------------------------------------------------------------------------
@pytest.mark.parametrize("params", [NO, STERILE], ids=["3nu", "3+1"])
def test_layers_reduce_to_constant_density(params):
    E = np.geomspace(0.1, 30, 25) * GeV
    one = LayeredProfile([(3000 * km, 3.3, 0.49)])
    split = LayeredProfile([(1000 * km, 3.3, 0.49), (2000 * km, 3.3, 0.49)])
    ref = probability_matrix(params, E, 3000 * km, matter=ConstantDensity(3.3, 0.49))
    for prof in (one, split):
        got = probability_matrix(params, E, 3000 * km, matter=prof)
        assert np.allclose(got, ref, atol=1e-10)
    for anti in (False, True):
        ref = probability_matrix(params, E, 3000 * km, antineutrino=anti,
                                 matter=ConstantDensity(3.3, 0.49))
        got = probability_matrix(params, E, 3000 * km, antineutrino=anti, matter=split)
        assert np.allclose(got, ref, atol=1e-10)


def test_layered_unitary_and_order_dependent():
    E = np.geomspace(1, 20, 40) * GeV
    ab = LayeredProfile([(2000 * km, 3.0, 0.5), (3000 * km, 11.0, 0.47)])
    ba = LayeredProfile([(3000 * km, 11.0, 0.47), (2000 * km, 3.0, 0.5)])
    Pab = probability_matrix(NO, E, 5000 * km, matter=ab)
    Pba = probability_matrix(NO, E, 5000 * km, matter=ba)
    assert np.allclose(Pab.sum(-1), 1, atol=1e-12)
    assert np.max(np.abs(Pab - Pba)) > 1e-3
    # reversing the profile is the T-conjugate: P_ab(forward) = P_ba(reverse) at δ = 0
    p0 = NO.replace(delta_cp=0.0)
    f = probability_matrix(p0, E, 5000 * km, matter=ab)
    r = probability_matrix(p0, E, 5000 * km, matter=ba)
    assert np.allclose(f, np.swapaxes(r, -1, -2), atol=1e-11)


def test_layered_baseline_must_match():
    prof = LayeredProfile([(100 * km, 2.8, 0.5)])
    with pytest.raises(UnphysicalParameter, match="total length"):
        probability_matrix(NO, 1 * GeV, 120 * km, matter=prof)
    with pytest.raises(UnphysicalParameter, match="ye"):
        LayeredProfile([(100 * km, 2.8, 1.5)])
    with pytest.raises(UnphysicalParameter, match="density"):
        LayeredProfile([(100 * km, -1.0, 0.5)])


# --- PREM -------------------------------------------------------------------------------------
def test_prem_density_values():
    # Dziewonski & Anderson 1981, Table 1: centre 13.0885, ocean 1.02, top of outer core
    # 12.5815 - 1.2638x - 3.6426x² - 5.5281x³ at x = 3480/6371 → 9.903 g/cm³
    assert float(prem_density(0.0)) == pytest.approx(13.0885)
    assert float(prem_density(EARTH_RADIUS)) == pytest.approx(1.02)
    assert float(prem_density(3479.0 * km)) == pytest.approx(9.9035, abs=2e-3)
    assert float(prem_density(3481.0 * km)) == pytest.approx(5.5665, abs=2e-3)
    # mean density of the Earth from PREM: 5.514 g/cm³
    r = np.linspace(0, 6371, 200001)
    rho = prem_density(r * km)
    mean = np.trapezoid(rho * r**2, r) * 3 / 6371**3
    assert mean == pytest.approx(5.514, rel=2e-3)


def test_prem_chord_geometry():
    for L in (300.0, 3000.0, 9000.0, 12742.0):
        prof = prem_profile(L * km)
        assert prof.total_length / km == pytest.approx(L, rel=1e-12)
        rho = np.array([x[1] for x in prof.layers])
        assert np.allclose(rho, rho[::-1])  # symmetric chord
    core = prem_profile(2 * EARTH_RADIUS)
    assert max(x[1] for x in core.layers) > 12.0
    assert float(chord_length(-1.0)) == pytest.approx(2 * EARTH_RADIUS)
    assert float(chord_length(0.3)) == 0.0
    with pytest.raises(UnphysicalParameter, match="baseline"):
        prem_profile(13000 * km)


def test_prem_earth_matter_per_baseline_and_unitarity():
    E = np.geomspace(1, 30, 12) * GeV
    cosz = np.array([-1.0, -0.6, -0.2])
    L = chord_length(cosz)
    P = probability_matrix(NO, E[None, :], L[:, None], matter=PremEarth())
    assert P.shape == (3, 12, 3, 3)
    assert np.allclose(P.sum(-1), 1.0, atol=1e-11)
    ref = probability_matrix(NO, E, L[1], matter=prem_profile(L[1]))
    assert np.allclose(P[1], ref, atol=1e-14)


# --- bad matter input --------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    (dict(density_g_cm3=-1.0), "density"),
    (dict(density_g_cm3=2.0, ye=1.2), "ye"),
    (dict(density_g_cm3=2.0, ye=-0.1), "ye"),
    (dict(density_g_cm3=float("inf")), "density"),
])
def test_bad_constant_density(kwargs, match):
    with pytest.raises(UnphysicalParameter, match=match):
        ConstantDensity(**kwargs)


def test_unknown_matter_type():
    with pytest.raises(UnphysicalParameter, match="matter"):
        probability_matrix(NO, 1 * GeV, 1 * km, matter=2.8)  # type: ignore[arg-type]


# --- fast-path kernels against the numerical diagonalisation -------------------------------------
@pytest.mark.parametrize("layers", [
    [(700 * km, 3.3, 0.49)],                                             # one layer
    [(300 * km, 2.6, 0.5), (300 * km, 2.6, 0.5)],                        # even palindrome
    [(300 * km, 2.6, 0.5), (900 * km, 10.0, 0.47), (300 * km, 2.6, 0.5)],  # odd palindrome
    [(300 * km, 2.6, 0.5), (900 * km, 10.0, 0.47), (100 * km, 4.0, 0.5)],  # not symmetric
], ids=["one", "even-palindrome", "odd-palindrome", "asymmetric"])
@pytest.mark.parametrize("anti", [False, True])
def test_layered_closed_form_equals_eigh(layers, anti):
    """The real-basis closed-form kernel (palindromes folded as Yᵀ S_mid Y) against
    products of numerically diagonalised layer operators: equal to rounding."""
    from nuexp.oscillation.engine import _layered_matrix_eigh

    p = NO.replace(delta_cp_deg=234.0)
    prof = LayeredProfile(layers)
    E = np.geomspace(0.2, 30, 40) * GeV
    got = probability_matrix(p, E, prof.total_length, matter=prof, antineutrino=anti)
    ref = _layered_matrix_eigh(p, E, prof, anti)
    assert np.max(np.abs(got - ref)) < 1e-11


def test_pointwise_matter_equals_eigh():
    """3ν constant matter, one energy per point (closed form, vectorised acos): equal to
    the batched numerical diagonalisation to rounding, for ν and ν̄ and both orderings."""
    from nuexp.oscillation import hamiltonian
    from nuexp.oscillation.constants import PHASE_FACTOR
    from nuexp.oscillation.engine import _eigh_probability

    mat = ConstantDensity(3.0, 0.5)
    E = np.geomspace(100, 2e4, 3001) * MeV
    for p in (NO, OscillationParameters.preset("nufit-5.2-io")):
        for anti in (False, True):
            got = probability_matrix(p, E, 1300 * km, matter=mat, antineutrino=anti)
            h = hamiltonian(p, E, antineutrino=anti, potential_ev=mat.potential_ev)
            ref = _eigh_probability(h, 2.0 * PHASE_FACTOR * (1300 * km) / E)
            assert np.max(np.abs(got - ref)) < 1e-12


def test_vectorised_asin_and_small_sincos_within_two_ulp():
    """The branch-free Cephes asin and the unreduced sincos (|ψ| ≤ π/6) used by the
    closed-form eigenvalues, against libm."""
    import numba as nb

    from nuexp.oscillation.kernels import _asin, _sincos_small

    @nb.njit
    def many(x, out, s, c):
        for i in range(x.size):
            out[i] = _asin(x[i])
            s[i], c[i] = _sincos_small(out[i] / 3.0)

    x = np.concatenate([np.linspace(-1.0, 1.0, 200_001), 1.0 - np.geomspace(1e-16, 1e-3, 500),
                        -1.0 + np.geomspace(1e-16, 1e-3, 500), [0.5, -0.5, 0.0]])
    out, s, c = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    many(x, out, s, c)
    ref = np.arcsin(x)
    assert np.all(np.abs(out - ref) <= 2.0 * np.spacing(np.abs(ref)))
    psi = out / 3.0
    assert np.all(np.abs(s - np.sin(psi)) <= 1.0 * np.spacing(np.abs(np.sin(psi))))
    assert np.all(np.abs(c - np.cos(psi)) <= 1.0 * np.spacing(np.cos(psi)))
