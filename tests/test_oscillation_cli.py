"""``nuexp oscillate``: the CLI mirrors the Python API; JSON for pipes; clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hepunits import MeV, km
from typer.testing import CliRunner

from nuexp.cli import app
from nuexp.oscillation import ConstantDensity, LayeredProfile, OscillationParameters, probability

runner = CliRunner()


def _json(args):
    res = runner.invoke(app, ["oscillate", *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_json_matches_python_api_with_spilled_energies_and_params():
    rec = _json(["mu", "e", "--baseline-km", "1300", "--energy-mev", "1000", "2000", "3000",
                 "--density", "2.8", "--param", "delta_cp_deg=270", "dm2_31=2.5e-3"])
    assert set(rec) >= {"energy_mev", "probability", "parameters"}
    assert rec["energy_mev"] == [1000.0, 2000.0, 3000.0]
    p = OscillationParameters.preset("nufit-5.2-no").replace(delta_cp_deg=270, dm2_31=2.5e-3)
    expected = probability(p, "mu", "e", np.array([1000, 2000, 3000]) * MeV, 1300 * km,
                           matter=ConstantDensity(2.8))
    assert np.allclose(rec["probability"], expected, atol=1e-15)
    assert rec["parameters"]["dm2_31"] == 2.5e-3


def test_energy_range_anti_preset_and_layers():
    rec = _json(["e", "e", "--baseline-km", "52.5", "--energy-range", "2:8:7", "--anti",
                 "--preset", "juno-talk"])
    assert len(rec["probability"]) == 7 and rec["antineutrino"] is True
    lay = _json(["mu", "e", "--layers", "100:2.8:0.5,200:3.3:0.49", "--energy-mev", "1000"])
    prof = LayeredProfile([(100 * km, 2.8, 0.5), (200 * km, 3.3, 0.49)])
    expected = probability(OscillationParameters.preset("nufit-5.2-no"), "mu", "e",
                           1000 * MeV, 300 * km, matter=prof)
    assert lay["baseline_km"] == pytest.approx(300.0)
    assert lay["probability"][0] == pytest.approx(float(expected), abs=1e-14)


def test_sterile_flavour_and_table_output():
    rec = _json(["mu", "s", "--baseline-km", "0.024", "--energy-mev", "30",
                 "--param", "dm2_41=1.3", "sin2_theta24=0.02"])
    assert 0.05 < rec["probability"][0] < 0.09
    res = runner.invoke(app, ["oscillate", "e", "e", "--baseline-km", "1.6", "--energy-mev", "4"])
    assert res.exit_code == 0 and "0.9" in res.stdout


@pytest.mark.parametrize("args, message", [
    (["e", "x", "--baseline-km", "1", "--energy-mev", "1"], "unknown flavour"),
    (["e", "e", "--baseline-km", "-1", "--energy-mev", "1"], "--baseline-km"),
    (["e", "e", "--baseline-km", "1"], "energies"),
    (["e", "e", "--baseline-km", "1", "--energy-mev", "1", "--param", "sin2_theta12=2"],
     "sin2_theta12"),
    (["e", "e", "--baseline-km", "1", "--energy-mev", "1", "--density", "3", "--ye", "1.5"],
     "ye"),
    (["e", "e", "--baseline-km", "1", "--energy-mev", "1", "--param", "foo=1"], "foo"),
    (["e", "s", "--baseline-km", "1", "--energy-mev", "1"], "dm2_41"),
])
def test_bad_input_exit_code_and_message(args, message):
    res = runner.invoke(app, ["oscillate", *args])
    assert res.exit_code == 2
    assert message in res.output


def test_plot_written(tmp_path):
    out = tmp_path / "juno.png"
    res = runner.invoke(app, ["oscillate", "e", "e", "--baseline-km", "52.5", "--energy-range",
                              "1.8:8:50", "--anti", "--plot", "--plot-out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.exists() and out.with_suffix(".pdf").exists()
