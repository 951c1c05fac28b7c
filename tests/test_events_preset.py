"""`nuexp simulate jsns2` + `nuexp run jsns2-events`: every results key of issue 6, the
tables and figures, bad input, and dask processing identical to the serial run."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import nuexp
from nuexp.cli import app
from nuexp.events.pipeline import process_files
from nuexp.events.selection import SelectionCuts
from nuexp.exceptions import DataNotAvailable, InvalidConfiguration
from nuexp.experiments.jsns2_events.analysis import simulate_dataset

KEYS = ("observed_pairs", "background_fake_trigger", "background_spill_shift", "signal_events",
        "flux", "p_value", "injected_signal", "injected_flux")
SMALL_EFF = {"interactions_per_period": 3000, "spills_per_period": 600_000}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("jsns2") / "data"
    # boosted signal so that a small dataset still has a clear excess
    manifest = simulate_dataset("jsns2", out, pot=4e20, seed=21, config={
        "simulation": {"spills_per_block": 2_000_000,
                       "signal": {"flux_per_proton_cm2": 1.5e-7}}})
    return out, manifest


def test_cli_simulate_writes_a_complete_folder(tmp_path):
    result = CliRunner().invoke(app, ["simulate", "jsns2", "--pot", "5e19", "--out",
                                      str(tmp_path / "sim"), "--seed", "4"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "sim" / "manifest.json").read_text())
    assert sum(p["pot"] for p in manifest["periods"].values()) == pytest.approx(5e19)
    # JSNS2 2025 Sec. III split: 1.29e22 (2021) : 0.91e22 (2022)
    assert manifest["periods"]["2021"]["pot"] / manifest["periods"]["2022"]["pot"] == \
        pytest.approx(1.29 / 0.91)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no leftovers
    bad = CliRunner().invoke(app, ["simulate", "jsns3", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "unknown detector 'jsns3'" in bad.output


def test_run_produces_every_results_key_tables_and_figures(dataset, tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from nuexp.experiments.context import RunContext

    drawn = {}

    def record(self, fig, stem, *, caption=None):
        # keep what would be drawn, skip the (slow) rendering; saving is framework-tested
        drawn[stem] = sum(1 + len(ax.child_axes) for ax in fig.axes)
        plt.close(fig)

    monkeypatch.setattr(RunContext, "figure", record)
    path, manifest = dataset
    res = nuexp.run("jsns2-events", {"data": {"path": str(path)}, "efficiency": SMALL_EFF,
                                     "simulation": {"signal": {"flux_per_proton_cm2": 1.5e-7}}},
                    out=tmp_path / "out", seed=3, scheduler="serial")
    for key in KEYS:
        assert key in res.quantities, key
    assert res["background_fake_trigger"].uncertainty > 0
    assert res["background_spill_shift"].uncertainty > 0
    assert res["observed_pairs"].value > res["background_fake_trigger"].value
    assert res["injected_flux"].value == pytest.approx(1.5e-7)
    # flux within 4 σ (stat ⊕ syst) of the injected one
    assert abs(res["flux"].value - 1.5e-7) < 4 * res["flux"].uncertainty
    assert 0 < res["p_value"].value < 0.05
    # cut flow table: per period, counts never increase, the last row is the observation
    rows = res.tables["cutflow"]
    for period in (2021, 2022):
        counts = [r["events"] for r in rows if r["period"] == period]
        assert counts == sorted(counts, reverse=True)
    assert sum(r["events"] for r in rows if r["cut"] == "Michel electron rejection") == \
        res["observed_pairs"].value
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"results.json", "cutflow.csv", "efficiency.csv", "backgrounds.csv"} <= written
    # Fig. 2 (ΔVTX + inset) and Fig. 3 (4 variables x 2 periods)
    assert drawn == {"dvtx_fig2": 2, "data_vs_prediction_fig3": 8}
    record = json.loads((tmp_path / "out" / "results.json").read_text())
    assert set(KEYS) <= set(record["quantities"])


def test_tuned_efficiencies_match_table1(dataset):
    """The simulation is tuned on Table 1 (timing offset, vertex resolution, veto window,
    veto-muon rate): the total efficiency per FV interaction lands near 4.97 % (2021)
    and 7.17 % (2022) — JSNS2 2025, Table 1."""
    res = nuexp.run("jsns2-events", {"data": {"path": str(dataset[0])},
                                     "efficiency": {"interactions_per_period": 20_000,
                                                    "spills_per_period": 2_000_000}},
                    seed=5, scheduler="serial")
    rows = {(r["period"], r["cut"]): r for r in res.tables["efficiency"]}
    eq3 = "efficiency for Eq. 3 (per FV interaction)"
    assert rows[("2021", eq3)]["efficiency"] == pytest.approx(0.0497, rel=0.08)
    assert rows[("2022", eq3)]["efficiency"] == pytest.approx(0.0717, rel=0.08)
    for period, muon, michel in (("2021", 0.885, 0.970), ("2022", 0.901, 0.970)):
        assert rows[(period, "muon rejection (veto charges)")]["efficiency"] == \
            pytest.approx(muon, abs=0.02)
        assert rows[(period, "Michel electron rejection")]["efficiency"] == \
            pytest.approx(michel, abs=0.015)
        assert rows[(period, "dVTX <= 20 cm")]["efficiency"] == pytest.approx(0.881, abs=0.02)


def test_bad_data_path_and_bad_config(tmp_path):
    with pytest.raises(DataNotAvailable, match="data.path"):
        nuexp.run("jsns2-events", {"data": {"path": str(tmp_path / "none")}})
    with pytest.raises(InvalidConfiguration, match="dvtx_max_cm"):
        nuexp.run("jsns2-events", {"selection": {"dvtx_max_cm": -1.0}})
    with pytest.raises(InvalidConfiguration, match="delayed_window_ms"):
        nuexp.run("jsns2-events", {"simulation": {"periods": [
            {"period": 2021, "pot": 1e20, "beam_power_mw": 0.7, "delayed_window_ms": 45.0,
             "beam_time_offset_ns": 0.0, "veto_window_us": 10.0}]}})


@pytest.mark.slow
def test_dask_local_cluster_gives_the_serial_result(dataset):
    pytest.importorskip("distributed")
    cuts = SelectionCuts()
    serial = process_files(dataset[0], cuts, chunk_size=50_000, scheduler="serial")
    parallel = process_files(dataset[0], cuts, chunk_size=50_000, scheduler=None, workers=2,
                             processes=False)
    assert serial.periods.keys() == parallel.periods.keys()
    for period in serial.periods:
        a, b = serial.periods[period], parallel.periods[period]
        np.testing.assert_array_equal(a.cutflow, b.cutflow)
        assert (a.fake_near, a.fake_far, a.shift_near) == (b.fake_near, b.fake_far, b.shift_near)
    for key in serial.selected:
        np.testing.assert_array_equal(serial.selected[key], parallel.selected[key])
