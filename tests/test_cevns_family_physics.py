"""CEvNS library physics against exact limits and identities (issue #15, step 1)."""

import numpy as np
import pytest
from hepunits import GeV, MeV, fermi, keV
from hepunits.constants import hbarc
from scipy.integrate import quad

from nuexp.exceptions import UnknownName, UnphysicalParameter
from nuexp.interactions import cevns
from nuexp.interactions import electron_scattering as nue
from nuexp.interactions import form_factors as ff
from nuexp.sources.spallation import stopped_pion_spectra
from nuexp.targets.isotopes import isotope

CS = isotope("Cs133")
T = np.linspace(0.0, 40.0, 81) * keV


def test_no_form_factor_is_the_point_nucleus_formula():
    """F = 1: dσ/dT = G_F² M Q_W² (ħc)²/(4π) (1 − T/E − M T/2E²) (Freedman 1974)."""
    e = 30.0 * MeV
    got = cevns.differential_cross_section(e, T, CS, physics=cevns.CevnsPhysics(form_factor="none"))
    qw = CS.N - (1 - 4 * cevns.SIN2_THETA_W_LOW_ENERGY) * CS.Z
    bracket = np.clip(1 - T / e - CS.nuclear_mass * T / (2 * e * e), 0, None)
    exact = cevns.FERMI_CONSTANT**2 * CS.nuclear_mass * qw**2 * hbarc**2 / (4 * np.pi) * bracket
    assert got == pytest.approx(exact, rel=1e-12)


def test_weak_charge_without_nsi_is_tree_level():
    for s2 in (0.2, cevns.SIN2_THETA_W_MZ, 0.25):
        assert cevns.weak_charge(55, 78, s2) == pytest.approx(78 - (1 - 4 * s2) * 55, rel=1e-14)


def test_weak_charge_with_nsi():
    """Q_W = −2[Z(g_p + 2ε^u + ε^d) + N(g_n + ε^u + 2ε^d)] (Barranco et al. 2005, Eq. 3)."""
    z, n, s2 = 55, 78, 0.23857
    eu, ed = 0.1, -0.05
    expected = n - (1 - 4 * s2) * z - 2 * (z * (2 * eu + ed) + n * (eu + 2 * ed))
    assert cevns.weak_charge(z, n, s2, eps_uv=eu, eps_dv=ed) == pytest.approx(expected, rel=1e-14)
    # the ε^u that cancels the charge exactly
    eu0 = -(z * (0.5 - 2 * s2) - 0.5 * n) / (2 * z + n)
    assert cevns.weak_charge(z, n, s2, eps_uv=eu0) == pytest.approx(0.0, abs=1e-12)


def test_nsi_enters_only_its_flavour():
    phys = cevns.CevnsPhysics(nsi_uv={"e": 0.2})
    sm = cevns.CevnsPhysics()
    qe = cevns.effective_charge(T, CS, phys, "e")
    qmu = cevns.effective_charge(T, CS, phys, "mu")
    assert np.array_equal(qmu, cevns.effective_charge(T, CS, sm, "mu"))
    assert not np.allclose(qe, qmu)


def test_magnetic_moment_term_vanishes_at_zero_and_has_the_vogel_engel_form():
    e = 40.0 * MeV
    t = T[1:]
    base = cevns.differential_cross_section(e, t, CS, physics=cevns.CevnsPhysics(magnetic_moment=0.0))
    sm = cevns.differential_cross_section(e, t, CS)
    assert np.array_equal(base, sm)
    mu = 1e-9
    with_mu = cevns.differential_cross_section(e, t, CS, physics=cevns.CevnsPhysics(magnetic_moment=mu))
    fp = ff.helm(ff.momentum_transfer(t, CS.nuclear_mass), CS.A)
    from scipy.constants import alpha
    expected = np.pi * alpha**2 * mu**2 / cevns.ELECTRON_MASS**2 * (1 / t - 1 / e) * CS.Z**2 * fp**2
    assert with_mu - sm == pytest.approx(expected * hbarc**2, rel=1e-6)


def test_equal_default_radii_reproduce_the_single_radius_form_factors():
    for name in ("helm", "klein-nystrand", "symmetrized-fermi"):
        r = ff.default_rms_radius(name, CS.A)
        legacy = cevns.differential_cross_section(30 * MeV, T, CS, form_factor=name)
        radii = cevns.CevnsPhysics(form_factor=name, proton_radius={"Cs": r}, neutron_radius={"*": r})
        assert cevns.differential_cross_section(30 * MeV, T, CS, physics=radii) == pytest.approx(
            legacy, rel=1e-12)


def test_form_factors_share_the_rms_radius_at_low_q():
    """F(q) = 1 − q²⟨r²⟩/6 + O(q⁴) for every model of a given rms radius."""
    r = 4.9 * fermi
    q = np.array([0.5, 1.0]) * MeV
    for name in ("helm", "klein-nystrand", "symmetrized-fermi"):
        f = ff.form_factor_of_radius(name, q, r)
        assert 1 - f == pytest.approx((q / hbarc) ** 2 * r**2 / 6, rel=1e-3)


def test_larger_neutron_radius_lowers_the_rate_and_too_small_radius_is_refused():
    small = cevns.CevnsPhysics(neutron_radius={"*": 4.8 * fermi})
    large = cevns.CevnsPhysics(neutron_radius={"*": 5.5 * fermi})
    a = cevns.differential_cross_section(30 * MeV, T[1:], CS, physics=small)
    b = cevns.differential_cross_section(30 * MeV, T[1:], CS, physics=large)
    assert np.all(b[a > 0] < a[a > 0])
    with pytest.raises(UnphysicalParameter, match="rms radius"):
        ff.form_factor_of_radius("helm", T, 1.0 * fermi)


def test_heavy_mediator_is_an_nsi():
    """M′ ≫ q: the Z′ term equals ε^u = ε^d = g′² / (√2 G_F M′²) (Cerdeño et al. 2016)."""
    g, mass = 1e-4, 10 * GeV
    eps = g**2 / (np.sqrt(2) * cevns.FERMI_CONSTANT * mass**2)
    zprime = cevns.CevnsPhysics(form_factor="none", mediator_mass=mass, mediator_coupling=g)
    nsi = cevns.CevnsPhysics(form_factor="none", nsi_uv={"mu": eps}, nsi_dv={"mu": eps})
    t0 = np.array([0.0])
    assert cevns.effective_charge(t0, CS, zprime) == pytest.approx(
        cevns.effective_charge(t0, CS, nsi), rel=1e-12)
    assert cevns.effective_charge(t0, CS, cevns.CevnsPhysics(mediator_coupling=0.0)) == pytest.approx(
        cevns.weak_charge(CS.Z, CS.N), rel=1e-12)


def test_radiative_couplings():
    gp, gn = cevns.nucleon_couplings("low-energy", "e", radiative_corrections=True)
    assert (gp, gn) == (cevns.RADIATIVE_COUPLINGS["proton_e"], cevns.RADIATIVE_COUPLINGS["neutron"])
    gp2, _ = cevns.nucleon_couplings(0.24857, "e", radiative_corrections=True)
    assert gp2 - gp == pytest.approx(-0.02, abs=1e-12)
    with pytest.raises(UnknownName):
        cevns.flavour_of("photon")


@pytest.mark.parametrize("phys", [cevns.CevnsPhysics(), cevns.CevnsPhysics(magnetic_moment=1e-9),
                                  cevns.CevnsPhysics(form_factor="symmetrized-fermi",
                                                     nsi_dv={"e": 0.3})])
def test_folded_equals_direct_integration(phys):
    spec = stopped_pion_spectra()["nue"]
    t = np.array([2.0, 10.0, 25.0]) * keV
    folded = cevns.folded_differential_cross_section(t, spec, CS, physics=phys, flavour="e")
    for ti, fi in zip(t, folded):
        direct = quad(lambda e, ti=ti: float(spec.evaluate(e) * cevns.differential_cross_section(
            e, ti, CS, physics=phys, flavour="e")), 0, 52.83 * MeV, limit=200)[0]
        assert fi == pytest.approx(direct, rel=2e-3)


def test_electron_scattering_limits():
    """E ≫ m_e: σ = 2 G_F² m_e E / π (g₁² + g₂²/3) (ħc)²; folded = direct integral."""
    e = 1000.0 * MeV
    tmax = float(nue.max_electron_recoil(e))
    sig = quad(lambda t: float(nue.differential_cross_section(e, t, "numu")), 0, tmax, limit=200)[0]
    g1, g2 = nue.chiral_couplings("numu")
    approx = 2 * cevns.FERMI_CONSTANT**2 * cevns.ELECTRON_MASS * e / np.pi * (g1**2 + g2**2 / 3) * hbarc**2
    assert sig == pytest.approx(approx, rel=2e-3)
    assert nue.chiral_couplings("numubar") == (g2, g1)
    spec = stopped_pion_spectra()["nue"]
    t = np.array([0.1, 5.0]) * MeV
    folded = nue.folded_differential_cross_section(t, spec, "nue")
    for ti, fi in zip(t, folded):
        direct = quad(lambda x, ti=ti: float(spec.evaluate(x) * nue.differential_cross_section(x, ti, "nue")),
                      0, 52.83 * MeV, limit=200)[0]
        assert fi == pytest.approx(direct, rel=2e-3)
