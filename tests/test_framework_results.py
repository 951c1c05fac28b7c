"""The results contract (shared/results-contract.md): Quantity, Results, atomic output."""

import json
import math
import os

import pytest

from nuexp.config import ExperimentConfig, StrictModel, deep_merge, validate_config
from nuexp.exceptions import InvalidConfiguration, NuexpError
from nuexp.fileio import MARKER, atomic_write_text, commit_output, prepare_output
from nuexp.report.results import Quantity, Results
from nuexp.report.tables import format_number, quantities_table


class _Block(StrictModel):
    mass_kg: float


class _Config(ExperimentConfig):
    detector: _Block


def _config():
    return _Config(experiment="x", description="d", family="x",
                   detector={"mass_kg": 12.0})


def test_quantity_refuses_nan_and_infinity():
    with pytest.raises(NuexpError, match="NaN"):
        Quantity("rate", math.nan, "day^-1")
    with pytest.raises(NuexpError, match="uncertainty"):
        Quantity("rate", 1.0, "day^-1", uncertainty=math.inf)
    with pytest.raises(NuexpError, match=">= 0"):
        Quantity("rate", 1.0, "day^-1", uncertainty=-0.1)


def test_quantity_ratio_only_for_numeric_published():
    assert Quantity("a", 2.0, "u", published=4.0).ratio == pytest.approx(0.5)
    assert Quantity("a", 2.0, "u", published="> 1e13").ratio is None
    assert Quantity("a", 2.0, "u").ratio is None


def test_results_json_follows_contract(tmp_path):
    res = Results(experiment="x", config=_config(), seed=7, nuexp_version="0.3.0")
    res.quantities["flux"] = Quantity("flux", 2.41e10, "cm^-2 h^-1", published=2.42e10,
                                      source="CLOVERS 2023, Sec. 2.1", note="how")
    res.timing_s["total"] = 0.5
    path = res.write_json(tmp_path / "results.json")
    data = json.loads(path.read_text())
    assert data["experiment"] == "x" and data["seed"] == 7
    assert data["config"]["detector"]["mass_kg"] == 12.0
    q = data["quantities"]["flux"]
    assert q == {"value": 2.41e10, "uncertainty": None, "unit": "cm^-2 h^-1",
                 "published": 2.42e10, "source": "CLOVERS 2023, Sec. 2.1", "note": "how"}
    assert data["timing_s"]["total"] == 0.5


def test_strict_config_refuses_misspelt_key_naming_it():
    data = {"experiment": "x", "description": "d", "family": "x",
            "detector": {"mass_kgg": 12.0}}
    with pytest.raises(InvalidConfiguration, match="detector.mass_kgg"):
        validate_config(_Config, data, "test")


def test_deep_merge_merges_tables_and_replaces_values():
    base = {"a": {"b": 1, "c": 2}, "d": 3}
    merged = deep_merge(base, {"a": {"b": 10}, "e": 5})
    assert merged == {"a": {"b": 10, "c": 2}, "d": 3, "e": 5}
    assert base == {"a": {"b": 1, "c": 2}, "d": 3}


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "sub" / "file.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert os.listdir(target.parent) == ["file.txt"]


def test_commit_output_replaces_only_an_earlier_nuexp_run(tmp_path):
    # issue 19, case 1: the earlier test asserted that an unrelated file was deleted
    out = tmp_path / "out"
    staging = prepare_output(out)
    (staging / "results.json").write_text("{}")
    commit_output(staging, out)
    assert sorted(os.listdir(out)) == [MARKER, "results.json"]
    staging = prepare_output(out)                  # an earlier nuexp run: replaced whole
    (staging / "table.csv").write_text("a\n")
    commit_output(staging, out)
    assert sorted(os.listdir(out)) == [MARKER, "table.csv"]
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_table_formatting():
    assert format_number(0.0588) == "0.0588"
    assert format_number(2.42e10) == "2.42e+10"
    table = quantities_table([Quantity("s", 5.0, "sigma", published=5.1)], "t")
    assert table.row_count == 1
