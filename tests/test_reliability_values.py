"""Issue 19, items left after the first pass: values at the edge of their range, a
runner-level guarantee that no NaN or inf reaches results.json, configuration files that
cannot be read, and errors that are bugs (one line, not a traceback)."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nuexp
from nuexp.exceptions import InvalidConfiguration, NonFiniteResult

SRC = str(Path(nuexp.__file__).resolve().parents[1])


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "nuexp.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


# ------------------------------------------------ case 4: values at the edge of their range
@pytest.mark.parametrize(("override", "field", "bound"), [
    ({"exposure": {"live_days": 1e-300}}, "exposure.live_days", "0.001"),
    ({"target": {"mass_kg": 1e-300}}, "target.mass_kg", "0.000001")])
def test_vanishing_exposure_is_refused_naming_field_value_and_bound(override, field, bound):
    """live_days = 1e-300 used to end in an unconverged fit after all the work."""
    from nuexp.experiments.registry import resolve_config

    with pytest.raises(InvalidConfiguration,
                       match=rf"'{field}' = 1e-300 .*greater than or equal to {bound}"):
        resolve_config("clovers", override)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_quantity_is_refused_where_it_is_recorded(value):
    from nuexp.exceptions import NuexpError
    from nuexp.experiments.context import RunContext
    from nuexp.experiments.registry import resolve_config
    from nuexp.report.results import Results

    _, cfg = resolve_config("clovers")
    ctx = RunContext(Results(experiment="clovers", config=cfg, seed=1,
                             nuexp_version=nuexp.__version__), None, False)
    with pytest.raises(NuexpError, match=r"quantity 'signal_events': value is (nan|inf)"):
        ctx.quantity("signal_events", value, "events")
    assert "signal_events" not in ctx.results.quantities


def test_runner_refuses_nan_anywhere_in_the_record():
    from nuexp.experiments.runner import _refuse_non_finite

    _refuse_non_finite({"a": [1.0, {"b": 2}], "c": "nan"})      # strings are not numbers
    with pytest.raises(NonFiniteResult, match=r"results\.extra\.scan\[1\] = nan"):
        _refuse_non_finite({"extra": {"scan": [0.5, math.nan]}})


def test_run_with_a_nan_result_writes_nothing(tmp_path, monkeypatch):
    """The Python API: a family that puts NaN anywhere in the record (here a stage
    timing; quantities refuse NaN themselves) raises NonFiniteResult naming it, and the
    output folder is not created."""
    import dataclasses

    from nuexp.experiments import runner

    class Broken:
        def run(self, config, ctx):
            ctx.results.timing_s["fit"] = math.inf

    real = runner.resolve

    def resolve(*args, **kwargs):
        return dataclasses.replace(real(*args, **kwargs), family=Broken())

    monkeypatch.setattr(runner, "resolve", resolve)
    with pytest.raises(NonFiniteResult, match=r"results\.timing_s\.fit = inf"):
        nuexp.run("clovers", out=tmp_path / "out")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------- case 7: unreadable configuration files
@pytest.mark.parametrize(("name", "content", "expected"), [
    ("syntax.toml", b"a = 1\n[exposure\nlive_days = 3\n",
     r"syntax\.toml, line 2, column 10: not valid TOML \(Expected ']'"),
    ("latin1.toml", b"# ok\nx = \"caf\xe9\"\n",
     r"latin1\.toml, line 2, column 9: byte 0xe9 is not UTF-8 text"),
    ("folder.toml", None, r"folder\.toml: is a folder, not a TOML file"),
    ("missing.toml", "", r"missing\.toml' does not exist"),
    ("fifo.toml", "fifo", r"fifo\.toml: not a regular file")])
def test_unreadable_config_is_one_line_naming_file_and_line(tmp_path, name, content,
                                                           expected):
    path = tmp_path / name
    if content is None:
        path.mkdir()
    elif content == "fifo":
        os.mkfifo(path)                          # reading it would block forever
    elif content:
        path.write_bytes(content)
    with pytest.raises(InvalidConfiguration, match=expected):
        nuexp.run("clovers", config=path)
    for args in (["run", "clovers", "--config", name], ["run", name]):
        res = _cli(*args, "--out", "o", cwd=tmp_path)
        assert res.returncode == 2, res.stderr
        assert name in res.stderr and "Traceback" not in res.stderr
        assert len(res.stderr.strip().splitlines()) <= 3
    assert not (tmp_path / "o").exists()


def test_a_bug_is_one_line_with_its_place_and_the_debug_hint(monkeypatch, capsys):
    from nuexp import cli

    def bug(*args, **kwargs):
        return 1.0 / 0.0

    monkeypatch.setattr(cli, "app", bug)
    monkeypatch.setattr(cli, "_debug", False)      # main sets it; restored afterwards
    monkeypatch.setattr(sys, "argv", ["nuexp", "run", "clovers"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError" in err and "--debug" in err
    assert "Traceback" not in err
    monkeypatch.setattr(sys, "argv", ["nuexp", "run", "clovers", "--debug"])
    with pytest.raises(ZeroDivisionError):
        cli.main()


@pytest.mark.parametrize(("preset", "override", "field", "entry"), [
    ("juno", {"flux": {"fission_fractions": {"U235": True}}}, "flux.fission_fractions",
     "'U235'"),
    ("clovers", {"efficiency": {"factors": {"afterglow": True}}}, "efficiency.factors",
     "'afterglow'"),
    ("cicenns", {"reach": {"exposure_scales": [1.0, True]}}, "reach.exposure_scales", "1")])
def test_boolean_inside_a_table_or_list_is_not_a_number(preset, override, field, entry):
    """``U235 = true`` in a table of numbers used to be read as a fission fraction of 1."""
    from nuexp.experiments.registry import resolve_config

    with pytest.raises(InvalidConfiguration,
                       match=rf"'{field}' = .*entry {entry} = True: a boolean is not"):
        resolve_config(preset, override)


def test_every_preset_still_validates():
    """The boolean check leaves sub-model tables (with their own boolean fields) alone."""
    from nuexp.experiments.registry import available_presets, resolve_config

    for name in available_presets():
        resolve_config(name)


# ------------------------------------ case 7, new presets: a folder given as experiment
@pytest.mark.parametrize("command", ["run", "show"])
@pytest.mark.parametrize("given", ["cfgdir", "./cfgdir"])
def test_folder_as_experiment_is_named_a_folder(tmp_path, command, given):
    (tmp_path / "cfgdir").mkdir()
    res = _cli(command, given, cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "cfgdir: is a folder, not an experiment TOML file" in res.stderr


@pytest.mark.parametrize(("points", "values"), [([], []), ([5.0], [0.5]),
                                                ([5.0, 10.0], [0.5])])
def test_empty_or_short_efficiency_table_is_refused_at_the_door(points, values):
    """An empty table used to pass validation and fail only inside the model."""
    from nuexp.experiments.registry import resolve_config

    with pytest.raises(InvalidConfiguration,
                       match=rf"'efficiency' = .*{len(points)} points and {len(values)} values"):
        resolve_config("coherent-cenns10-lar",
                       {"efficiency": {"points": points, "values": values}})


@pytest.mark.parametrize("low", [47.2, 100.0, 1e6])
def test_recoil_window_above_the_kinematic_maximum_is_refused(low):
    """T_max = 2E²/(M + 2E) of I-127 at the Michel endpoint m_μ/2 is 47.2 keV: a window
    starting there holds no event (a 1e6 keV threshold divided by zero signal)."""
    from hepunits import MeV

    from nuexp.experiments.registry import resolve_config
    from nuexp.interactions.cevns import max_recoil
    from nuexp.targets.isotopes import isotope

    t_max = float(max_recoil(105.6583755 / 2 * MeV, isotope("I127").nuclear_mass))
    assert t_max / 1e-3 == pytest.approx(47.2, abs=0.05)       # hepunits keV = 1e-3 MeV
    bins = {"low": low, "high": low + 10.0, "width": 1.0}
    with pytest.raises(InvalidConfiguration, match=r"(?s)^invalid configuration [^\n]*\n"
                       rf"  Value error, response\.bins starts at {re.escape(f'{low:g}')} keV, "
                       r".* recoil "
                       r"47\.2 keV \(I127 .*allowed: a first edge below 47\.2 keV$"):
        resolve_config("cicenns", {"response": {"bins": bins}})
    resolve_config("cicenns", {"response": {"bins": {"low": 46.0, "high": 60.0,
                                                     "width": 1.0}}})


def test_a_validation_error_from_inside_an_analysis_is_one_line():
    """A model an analysis builds from the user's values (cicenns' COHERENT reference)
    can fail validation: the user sees pydantic's messages on one line, not its dump."""
    from pydantic import BaseModel, ValidationError, field_validator

    from nuexp.cli import _bug_line

    class Inner(BaseModel):
        low: float

        @field_validator("low")
        @classmethod
        def _below(cls, value: float) -> float:
            if value >= 47.2:
                raise ValueError(f"low = {value} keV: above T_max 47.2 keV")
            return value

    with pytest.raises(ValidationError) as info:
        Inner(low=55.0)
    line = _bug_line(info.value)
    assert "\n" not in line and "low = 55.0 keV: above T_max 47.2 keV" in line
    assert line.startswith("ValidationError: ") and "input_value" not in line


# ---------------------------------- lists that must not be empty, widths that must be sane
@pytest.mark.parametrize(("preset", "override", "words"), [
    # toys enabled with no point used to skip the Feldman-Cousins table without a word
    ("jsns2-sterile", {"toys": {"points": []}}, r"toys.*toys are enabled but no point"),
    # no ordering to fit left a Daya Bay run with no fit at all
    ("dayabay", {"fit": {"orderings": []}}, r"fit\.orderings.*at least 1 item"),
    ("dayabay", {"fit": {"orderings": ["normal", "normal"]}}, r"each ordering at most once"),
    ("juno-design", {"systematics": {"shape_uncertainty_bin_width_kev": 1e-9}},
     r"shape_uncertainty_bin_width_kev' = 1e-09 .*greater than or equal to 1"),
    ("juno-design", {"systematics": {"shape_uncertainty_bin_width_kev": 1e9}},
     r"shape_uncertainty_bin_width_kev' = 1000000000.0 .*less than or equal to 1000")])
def test_empty_choices_and_unbounded_widths_are_refused(preset, override, words):
    from nuexp.experiments.registry import resolve_config

    with pytest.raises(InvalidConfiguration, match=rf"(?s){words}"):
        resolve_config(preset, override)


def test_toys_off_with_no_points_is_allowed():
    from nuexp.experiments.registry import resolve_config

    _, cfg = resolve_config("jsns2-sterile", {"toys": {"enabled": False, "points": []}})
    assert cfg.toys.points == []


@pytest.mark.parametrize(("block", "key", "value", "words"), [
    ("beam", "power_mw", 1e300, "less than or equal to 100"),            # was ZeroDivisionError
    ("beam", "proton_energy_gev", 1e-300, "greater than or equal to 0.1"),  # ZeroDivisionError
    ("detector", "bin_width_mev", 1e-9, "greater than or equal to 0.01"),   # MemoryError 298 GiB
    ("beam", "repetition_hz", 1e300, "less than or equal to 1000000"),   # ran silently
    ("flux", "baseline_m", 1e300, "less than or equal to 1000"),         # ran silently
    ("detector", "prompt_window_mev", [0.0, 1e300], "low < high <= 1e5"),
])
def test_sterile_values_outside_physical_ranges_are_refused_at_the_door(block, key, value,
                                                                         words):
    # issue 19, case 4 ("physical ranges are checked everywhere"): each of these crashed
    # or ran on absurd inputs in jsns2-sterile before its fields had bounds
    with pytest.raises(InvalidConfiguration, match=re.escape(f"{block}.{key}")) as err:
        nuexp.run("jsns2-sterile", config={block: {key: value}})
    assert words in str(err.value)


def test_sterile_bin_count_is_bounded():
    with pytest.raises(InvalidConfiguration, match="gives 10000000 bins; at most 10000"):
        nuexp.run("jsns2-sterile", config={"detector": {"prompt_window_mev": [0.0, 1e5],
                                                        "bin_width_mev": 0.01}})
