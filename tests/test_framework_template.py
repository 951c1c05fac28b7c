"""`nuexp init`, `nuexp show`, `nuexp schema` (issue #14): a commented file that runs
unchanged, the origin of every resolved value, and the JSON Schema of every family."""

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nuexp
from nuexp.cli import app
from nuexp.experiments.registry import BUILTIN_FAMILIES, available_presets
from nuexp.experiments.resolve import resolve
from nuexp.experiments.template import init_text, json_schema, show_text

PRESETS = list(available_presets())


def _comparable(config, drop=()):
    data = config.model_dump()
    for key in ("experiment", *drop):
        data.pop(key, None)
    return data


@pytest.mark.parametrize("preset", PRESETS)
def test_init_of_every_preset_resolves_to_the_preset(tmp_path, preset):
    path = tmp_path / "mine.toml"
    result = CliRunner().invoke(app, ["init", preset, "-o", str(path)])
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert f'extends = "{preset}"' in text
    resolved = resolve(path)
    assert resolved.name == "mine"
    assert _comparable(resolved.config) == _comparable(resolve(preset).config)
    # every value the preset sets is written in the file itself, not only inherited
    own = {key for key, label in resolved.origins.items() if label == str(path)}
    assert set(resolve(preset).origins) - {"family", "experiment"} <= own


@pytest.mark.parametrize("family", sorted(BUILTIN_FAMILIES))
def test_init_of_every_family_stands_alone(tmp_path, family):
    path = tmp_path / f"new-{family}.toml"
    path.write_text(init_text(family, as_family=True, file_stem=path.stem))
    raw = tomllib.loads(path.read_text())
    assert raw["family"] == family and "extends" not in raw
    resolved = resolve(path)
    assert len(resolved.layers) == 1          # no preset behind it
    start = next(p for p in PRESETS if resolve(p).family.name == family)
    # the same configuration as the family's first preset, except its published values
    assert _comparable(resolved.config, ["published"]) == _comparable(
        resolve(start).config, ["published"])


def test_init_comments_every_field_with_meaning_unit_and_range():
    text = init_text("clovers")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[A-Za-z0-9_\"-]+ = ", line):
            assert lines[i - 1].startswith("# "), f"no comment above {line!r}"
    mass = lines.index("mass_kg = 12.0")
    assert "[kg]" in lines[mass - 1] and "allowed: ≥ 1e-06, ≤ 1e+07" in lines[mass - 1]
    power = lines.index("beam_power_kw = 140.0")
    assert "kW" in lines[power - 1]
    window = next(i for i, line in enumerate(lines) if line.startswith("low = "))
    assert "≥ 0" in lines[window - 1]
    assert '"helm", "klein-nystrand", "symmetrized-fermi", "none"' in text  # allowed choices
    assert "# protons_on_target =   (not set)" in text     # optional fields are listed too


def test_init_never_overwrites(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("keep me\n")
    result = CliRunner().invoke(app, ["init", "clovers", "-o", str(path)])
    assert result.exit_code == 2
    assert "already exists" in result.output and len(result.output.strip().splitlines()) == 1
    assert path.read_text() == "keep me\n"


def test_init_of_an_unknown_name_lists_the_families():
    result = CliRunner().invoke(app, ["init", "no-such-thing"])
    assert result.exit_code == 2
    assert "available families" in result.output


def test_init_output_of_a_family_runs_unchanged(tmp_path):
    """`nuexp init --family` output, run as it is written, gives the preset's numbers."""
    path = tmp_path / "my-csi.toml"
    env = {**os.environ, "PYTHONPATH": str(Path(nuexp.__file__).parents[1])}
    init = subprocess.run([sys.executable, "-m", "nuexp.cli", "init", "coherent-csi",
                           "--family", "-o", str(path)], capture_output=True, text=True,
                          env=env, check=False)
    assert init.returncode == 0, init.stderr
    done = subprocess.run([sys.executable, "-m", "nuexp.cli", "run", str(path), "--out",
                           str(tmp_path / "mine"), "--json"], capture_output=True, text=True,
                          env=env, check=False)
    assert done.returncode == 0, done.stderr
    mine = json.loads((tmp_path / "mine" / "results.json").read_text())
    assert mine["experiment"] == "my-csi"
    assert {k: q["value"] for k, q in mine["quantities"].items()} == {
        k: q.value for k, q in nuexp.run("coherent-csi").quantities.items()}


def test_show_names_the_origin_of_each_value_and_is_valid_toml(tmp_path):
    path = tmp_path / "heavy.toml"
    path.write_text('schema_version = 2\nextends = "clovers"\n[target]\nmass_kg = 24.0\n')
    result = CliRunner().invoke(app, ["show", str(path)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert re.search(r"^mass_kg = 24\.0   # .*heavy\.toml$", text, re.MULTILINE)
    assert re.search(r"^distance_m = 10\.5   # preset 'clovers'$", text, re.MULTILINE)
    assert re.search(r"^# protons_on_target = .*# default$", text, re.MULTILINE)
    assert re.search(r"^experiment = \"heavy\"   # file name of", text, re.MULTILINE)
    # the shown file is the resolved configuration itself
    shown = resolve(path).family.validate(tomllib.loads(text), "show output")
    assert shown == resolve(path).config


@pytest.mark.parametrize("preset", PRESETS)
def test_show_of_every_preset_revalidates_to_it(preset):
    resolved = resolve(preset)
    assert resolved.family.validate(tomllib.loads(show_text(preset)), "show") == \
        resolved.config


@pytest.mark.parametrize("name", sorted({*BUILTIN_FAMILIES, *PRESETS}))
def test_schema_of_every_family_and_preset(name):
    result = CliRunner().invoke(app, ["schema", name])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert schema == json_schema(name)
    assert "schema_version 2" in schema["title"]
    assert schema["properties"]["schema_version"]["const"] == 2
    assert schema["additionalProperties"] is False
    assert "extends" in schema["properties"] and "family" in schema["properties"]
    assert "schema_version" in schema["required"]
    assert "experiment" not in schema["required"]


def test_schema_of_an_unknown_name_fails_cleanly():
    result = CliRunner().invoke(app, ["schema", "no-such-thing"])
    assert result.exit_code == 2 and "unknown family" in result.output


def test_schema_lets_every_table_hold_replace_but_not_the_top():
    schema = json_schema("relics")
    fractions = schema["$defs"]["SourceBlock"]["properties"]["fission_fractions"]["anyOf"][0]
    assert fractions["properties"]["_replace"]["type"] == "boolean"
    assert fractions["additionalProperties"] == {"type": "number"}
    assert "_replace" in schema["$defs"]["SourceBlock"]["properties"]
    assert "_replace" not in schema["properties"]
