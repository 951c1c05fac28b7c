"""Experiments as data (issue #14): families, presets, `extends` chains, `_replace` tables,
schema versions, and running a user's TOML file."""

import json
import textwrap

import pytest
from typer.testing import CliRunner

import nuexp
from nuexp.cli import app
from nuexp.config import deep_merge
from nuexp.exceptions import InvalidConfiguration, UnknownName
from nuexp.experiments.analysis import Family
from nuexp.experiments.registry import (
    BUILTIN_FAMILIES,
    available_presets,
    get_family,
    resolve_config,
)
from nuexp.experiments.resolve import DEFAULT_ORIGIN, resolve


def _write(path, text):
    path.write_text(textwrap.dedent(text))
    return path


def test_every_preset_names_a_builtin_family_and_resolves():
    presets = available_presets()
    assert len(presets) >= 9
    for name in presets:
        resolved = resolve(name)
        assert resolved.name == name
        assert resolved.family is get_family(resolved.config.family)
        assert resolved.config.schema_version == 2
    # every built-in family has a preset to start from (`nuexp init FAMILY` uses it)
    assert set(BUILTIN_FAMILIES) <= {resolve(n).family.name for n in presets}


def test_extends_chain_of_files_and_presets_merges_outermost_last(tmp_path):
    sub = tmp_path / "base"
    sub.mkdir()
    _write(sub / "heavier.toml", """
        schema_version = 2
        extends = "clovers"
        [target]
        mass_kg = 24.0
        [exposure]
        live_days = 100.0
    """)
    mine = _write(tmp_path / "my-detector.toml", """
        schema_version = 2
        extends = "base/heavier.toml"
        [exposure]
        live_days = 50.0
    """)
    resolved = resolve(mine)
    clovers = resolve("clovers")
    assert resolved.name == "my-detector"
    assert resolved.family.name == "clovers"
    assert resolved.config.target.mass_kg == 24.0
    assert resolved.config.exposure.live_days == 50.0
    # everything else is the preset's
    assert resolved.config.source == clovers.config.source
    assert str(mine) in resolved.origin("exposure.live_days")
    assert "heavier.toml" in resolved.origin("target.mass_kg")
    assert "preset 'clovers'" in resolved.origin("source.distance_m")
    assert resolved.origin("experiment").startswith("file name of")
    assert len(resolved.layers) == 3


def test_default_values_are_reported_as_defaults(tmp_path):
    resolved = resolve("clovers")
    assert "protons_on_target" not in resolved.data["exposure"]   # the model's default
    assert resolved.origin("exposure.protons_on_target") == DEFAULT_ORIGIN
    assert "preset 'clovers'" in resolved.origin("response.yield_per_kevee")


def test_extends_cycle_is_an_error_naming_the_chain(tmp_path):
    _write(tmp_path / "a.toml", 'schema_version = 2\nextends = "b.toml"\n')
    _write(tmp_path / "b.toml", 'schema_version = 2\nextends = "c.toml"\n')
    _write(tmp_path / "c.toml", 'schema_version = 2\nextends = "a.toml"\n')
    with pytest.raises(InvalidConfiguration, match=r"cycle: .*a\.toml → .*b\.toml → "
                                                   r".*c\.toml → .*a\.toml"):
        resolve(tmp_path / "a.toml")


def test_self_extension_is_a_cycle(tmp_path):
    _write(tmp_path / "me.toml", 'schema_version = 2\nextends = "./me.toml"\n')
    with pytest.raises(InvalidConfiguration, match="cycle"):
        resolve(tmp_path / "me.toml")


def test_file_must_name_exactly_one_of_family_and_extends(tmp_path):
    both = _write(tmp_path / "both.toml",
                  'schema_version = 2\nfamily = "clovers"\nextends = "clovers"\n')
    with pytest.raises(InvalidConfiguration, match="either 'family' or 'extends'"):
        resolve(both)
    neither = _write(tmp_path / "neither.toml", 'schema_version = 2\n')
    with pytest.raises(InvalidConfiguration, match="name a family"):
        resolve(neither)


def test_schema_version_1_is_refused_with_the_migration(tmp_path):
    old = _write(tmp_path / "old.toml", """
        schema_version = 1
        experiment = "old"
        description = "x"
        analysis = "nuexp.experiments.clovers.analysis"
    """)
    with pytest.raises(InvalidConfiguration, match=r"schema_version = 2.*family = \"X\""):
        resolve(old)
    missing = _write(tmp_path / "missing.toml", 'extends = "clovers"\n')
    with pytest.raises(InvalidConfiguration, match="'schema_version' is missing"):
        resolve(missing)
    future = _write(tmp_path / "future.toml", 'schema_version = 3\nextends = "clovers"\n')
    with pytest.raises(InvalidConfiguration, match="reads version 2 only"):
        resolve(future)


def test_unknown_family_and_preset_list_what_exists(tmp_path):
    bad = _write(tmp_path / "bad.toml", 'schema_version = 2\nfamily = "no-such-family"\n')
    with pytest.raises(UnknownName, match="available families: .*clovers"):
        resolve(bad)
    with pytest.raises(UnknownName, match="available presets: .*clovers"):
        resolve("no-such-preset")
    with pytest.raises(InvalidConfiguration, match="does not exist"):
        resolve(tmp_path / "absent.toml")


def test_replace_table_drops_inherited_keys():
    base = {"reactor": {"fission_fractions": {"U235": 0.5, "U238": 0.1, "Pu239": 0.3,
                                              "Pu241": 0.1}, "power": 3.0}}
    merged = deep_merge(base, {"reactor": {"fission_fractions": {"_replace": True,
                                                                 "U235": 1.0}}})
    assert merged == {"reactor": {"fission_fractions": {"U235": 1.0}, "power": 3.0}}
    merged = deep_merge(base, {"reactor": {"fission_fractions": {"U235": 1.0}}})
    assert merged["reactor"]["fission_fractions"]["U238"] == 0.1   # plain merge keeps it
    merged = deep_merge(base, {"reactor": {"_replace": False, "power": 2.0}})
    assert merged == {"reactor": {**base["reactor"], "power": 2.0}}
    with pytest.raises(InvalidConfiguration, match=r"reactor\._replace' = 'yes'"):
        deep_merge(base, {"reactor": {"_replace": "yes"}})
    with pytest.raises(InvalidConfiguration, match="belongs in a table"):
        resolve_config("relics", {"_replace": True}, "test")


def test_replace_through_an_experiment_file_and_its_origins(tmp_path):
    mine = _write(tmp_path / "u235-only.toml", """
        schema_version = 2
        extends = "relics"
        [source.fission_fractions]
        _replace = true
        U235 = 0.564
        U238 = 0.076
        Pu239 = 0.36
        Pu241 = 0.0
    """)
    resolved = resolve(mine)
    assert resolved.data["source"]["fission_fractions"] == {
        "U235": 0.564, "U238": 0.076, "Pu239": 0.36, "Pu241": 0.0}
    assert str(mine) in resolved.origin("source.fission_fractions.U238")
    assert "preset 'relics'" in resolved.origin("source.thermal_power_gw")


def test_override_cannot_change_family_or_name():
    with pytest.raises(InvalidConfiguration, match="cannot change the family"):
        resolve_config("clovers", {"family": "relics"}, "test")
    with pytest.raises(InvalidConfiguration, match="analysis"):
        resolve_config("clovers", {"analysis": "nuexp.experiments.relics.analysis"}, "test")
    with pytest.raises(InvalidConfiguration, match="cannot change the experiment"):
        resolve_config("clovers", {"experiment": "other"}, "test")
    same = resolve_config("clovers", {"experiment": "clovers", "target": {"mass_kg": 6.0}},
                          "test")[1]
    assert same.experiment == "clovers" and same.target.mass_kg == 6.0


def test_validation_errors_name_the_field_and_the_chain(tmp_path):
    mine = _write(tmp_path / "neg.toml", """
        schema_version = 2
        extends = "clovers"
        [target]
        mass_kg = -3.0
    """)
    with pytest.raises(InvalidConfiguration, match=r"(?s)neg\.toml → preset 'clovers'.*"
                                                   r"target\.mass_kg' = -3\.0 \(from .*"
                                                   r"neg\.toml\): .*greater than or equal to 0\.000001"):
        resolve(mine)


def test_family_declaration_is_checked():
    from nuexp.config import StrictModel

    cfg = get_family("clovers").config
    with pytest.raises(InvalidConfiguration, match="lower-case"):
        Family(name="Bad Name", config=cfg, compute=print, report=print)
    with pytest.raises(InvalidConfiguration, match="ExperimentConfig"):
        Family(name="ok", config=StrictModel, compute=print, report=print)
    with pytest.raises(InvalidConfiguration, match="report = 42 must be callable"):
        Family(name="ok", config=cfg, compute=print, report=42)


def test_run_a_user_file_from_python_and_the_cli(tmp_path):
    mine = _write(tmp_path / "tiny.toml", """
        schema_version = 2
        extends = "coherent-csi"
        description = "my copy of COHERENT CsI"
    """)
    res = nuexp.run(mine)
    assert res.experiment == "tiny"
    ref = nuexp.run("coherent-csi")
    assert {k: q.value for k, q in res.quantities.items()} == {
        k: q.value for k, q in ref.quantities.items()}
    result = CliRunner().invoke(app, ["run", str(mine), "--out", str(tmp_path / "out"),
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert data["experiment"] == "tiny"
    assert data["config"]["description"] == "my copy of COHERENT CsI"
    assert data["config"]["family"] == "coherent-csi"
