"""The command line as a newcomer meets it: --version, help, 80-column tables, run all."""

from __future__ import annotations

import io
import json
from importlib import metadata

import pytest
from rich.console import Console
from typer.testing import CliRunner

import nuexp
from nuexp.cli import app
from nuexp.experiments import registry
from nuexp.extras import MissingExtra, install_command
from nuexp.report.results import Quantity
from nuexp.report.tables import format_number, quantities_table, rows_table

runner = CliRunner()


def _render(renderable, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_version_flag_prints_the_package_version():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    assert res.stdout.strip() == f"nuexp {nuexp.__version__}"


def test_run_help_lists_every_preset_and_plain_flags():
    res = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    for name in registry.available_presets():
        assert f"  {name} " in res.stdout
    assert "<bool>" not in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= 80


def test_json_flag_takes_no_value():
    # 1 m at 3 MeV: no phase has developed yet, P(e -> e) = 1 to 1e-6
    res = runner.invoke(app, ["oscillate", "e", "e", "--baseline-km", "0.001", "--energy-mev",
                              "3", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["probability"][0] == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("value, text", [
    (2.2e-7, "2.2e-07"), (0.0588, "0.0588"), (2.42e10, "2.42e+10"), (12345.678, "1.235e+04"),
    (-0.5, "-0.5"), (99999.9, "1e+05"), (1e-3, "0.001"), (7, "7"), (None, ""),
])
def test_format_number_significant_digits(value, text):
    assert format_number(value) == text


def test_oscillate_prints_significant_digits_and_the_density():
    res = runner.invoke(app, ["oscillate", "mu", "e", "--baseline-km", "0.024",
                              "--energy-mev", "10", "--anti", "--param", "sin2_theta14=0.01",
                              "sin2_theta24=0.01", "dm2_41=1.0", "--density", "2.6"],
                        env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert "constant density 2.6 g/cm3, Ye = 0.5" in res.stdout
    # P = sin²2θ_μe sin²(1.267 Δm² L/E): 4·0.01·0.01·sin²(1.267·0.024/0.010) ≈ 9.5e-6
    assert "e-06" in res.stdout and "0.00000" not in res.stdout


def _quantities():
    long_source = ("JSNS2 2025, Sec. VIII, Eq. 3 with the Table 1 efficiencies and the "
                   "KARMEN+LSND cross-section average")
    return [
        Quantity("nue_flux_per_proton", 6.71234e-9, "cm^-2 proton^-1", uncertainty=1.9e-9,
                 published=6.7e-9, source=long_source),
        Quantity("signal_events", 36.81, "events", uncertainty=7.2, published=36.8,
                 source=long_source),
        Quantity("significance", 4.9, "sigma", published=5.0, source="JSNS2 2025, abstract"),
    ]


def test_quantities_table_fits_80_columns_without_cutting():
    qs = _quantities()
    text = _render(quantities_table(qs, "nuexp run jsns2-flux",
                                    experiments=["jsns2-flux"] * 3,
                                    not_run={"dayabay": ("skipped", "needs the 'dayabay' "
                                                         "extra: " + install_command("dayabay"))}),
                   80)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in text
    for q in qs:                          # every name, value and source is shown whole
        assert q.name in text and format_number(q.value) in text
    assert qs[0].source.split()[-1] in text
    assert "nuexp[dayabay]" in text or "[dayabay]" in text   # not eaten as markup
    assert "skipped" in text


def test_quantities_table_keeps_the_wide_layout_when_it_fits():
    text = _render(quantities_table(_quantities()[2:], "t"), 160)
    header = next(line for line in text.splitlines() if "quantity" in line)
    assert "source" in header and "uncertainty" in header


def test_rows_table_splits_columns_instead_of_cutting():
    rows = [{"period": f"20{y}", **{f"column_{i}": 1.0e6 * i + y for i in range(12)}}
            for y in (21, 22)]
    text = _render(rows_table(rows, "cut flow"), 80)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    for i in range(12):
        assert f"column_{i}" in text
    assert text.count("2021") >= 2        # the key column repeats in every part


def _fake_missing(monkeypatch):
    from nuexp.experiments.dayabay import data

    real = data.metadata.version

    def version(name):
        if name == data.PACKAGE:
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(data.metadata, "version", version)


def test_missing_extra_names_the_exact_install_command(monkeypatch):
    _fake_missing(monkeypatch)
    from nuexp.experiments.dayabay import data

    with pytest.raises(MissingExtra) as err:
        data.data_path()
    assert err.value.extra == "dayabay"
    assert err.value.command in str(err.value)
    assert err.value.command.startswith("pip install") and "[dayabay]" in err.value.command


def test_run_all_skips_a_preset_whose_extra_is_missing(monkeypatch, tmp_path):
    _fake_missing(monkeypatch)
    presets = registry.available_presets()
    subset = {name: presets[name] for name in ("coherent-csi", "dayabay")}
    monkeypatch.setattr(registry, "available_presets", lambda: subset)
    res = runner.invoke(app, ["run", "all", "--out", str(tmp_path)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert "skipped" in res.stdout and install_command("dayabay") in res.stdout.replace("\n", "")
    assert "signal_events" in res.stdout          # coherent-csi ran and is in the table
    assert (tmp_path / "coherent-csi" / "results.json").is_file()
    page = (tmp_path / "index.html").read_text()          # the top-level page links each run
    assert 'href="coherent-csi/index.html"' in page and "dayabay" in page
    res = runner.invoke(app, ["run", "all", "--out", str(tmp_path)])   # its own: replaced
    assert res.exit_code == 0, res.output
    monkeypatch.chdir(tmp_path)
    as_json = runner.invoke(app, ["run", "all", "--json"])
    assert as_json.exit_code == 0
    records = json.loads(as_json.stdout)
    assert records["dayabay"]["status"] == "skipped"
    assert records["coherent-csi"]["experiment"] == "coherent-csi"


@pytest.mark.parametrize("foreign", ["thesis.tex", "index.html", "notes/"])
def test_run_all_refuses_a_folder_holding_what_nuexp_did_not_write(monkeypatch, tmp_path,
                                                                    foreign):
    # issue #19 case 1, 'same rule for run all': nothing runs, nothing is touched
    presets = registry.available_presets()
    monkeypatch.setattr(registry, "available_presets",
                        lambda: {"coherent-csi": presets["coherent-csi"]})
    out = tmp_path / "d"
    out.mkdir()
    if foreign.endswith("/"):
        (out / foreign).mkdir()
    else:
        (out / foreign).write_text("my work")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    res = runner.invoke(app, ["run", "all", "--out", str(out)], env={"COLUMNS": "200"})
    assert res.exit_code == 2
    assert "nuexp did not write" in res.output and foreign.rstrip("/") in res.output
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    if not foreign.endswith("/"):
        assert (out / foreign).read_text() == "my work"
    # a folder of another nuexp run (a user's own experiment run into ./nuexp-out) is not
    # foreign: run all leaves it and writes only its presets' folders
    shared = tmp_path / "nuexp-out"
    assert runner.invoke(app, ["run", "coherent-csi", "--figures", "none", "--out",
                               str(shared / "my-csi")]).exit_code == 0
    res = runner.invoke(app, ["run", "all", "--figures", "none", "--out", str(shared)])
    assert res.exit_code == 0, res.output
    assert (shared / "my-csi" / "results.json").is_file()
    assert (shared / "coherent-csi" / "results.json").is_file()


def test_run_all_goes_on_after_a_preset_crashes(monkeypatch, tmp_path):
    # a bug in one preset (an exception nuexp did not raise on purpose) is reported as an
    # internal error of that preset; the others still run and the table is printed
    from nuexp import cli

    presets = registry.available_presets()
    monkeypatch.setattr(registry, "available_presets",
                        lambda: {name: presets[name] for name in ("clovers", "coherent-csi")})
    real = cli._run_one

    def crash_clovers(name, *args, **kwargs):
        if name == "clovers":
            raise ZeroDivisionError("division by zero")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(cli, "_run_one", crash_clovers)
    res = runner.invoke(app, ["run", "all", "--figures", "none", "--out", str(tmp_path / "o")],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 1
    assert "clovers: internal error: ZeroDivisionError" in res.output
    assert (tmp_path / "o" / "coherent-csi" / "results.json").is_file()
    assert "signal_events" in res.stdout


def test_run_all_without_out_writes_the_top_level_page(monkeypatch, tmp_path):
    # getting-started's `nuexp run all` (no --out): every preset lands in
    # ./nuexp-out/NAME/, and ./nuexp-out/index.html links them (issue #21)
    presets = registry.available_presets()
    monkeypatch.setattr(registry, "available_presets",
                        lambda: {"coherent-csi": presets["coherent-csi"]})
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["run", "all", "--figures", "none"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert (tmp_path / "nuexp-out" / "coherent-csi" / "results.json").is_file()
    page = (tmp_path / "nuexp-out" / "index.html").read_text()
    assert 'href="coherent-csi/index.html"' in page


def test_error_messages_keep_square_brackets(monkeypatch):
    import typer

    from nuexp import cli
    from nuexp.exceptions import NuexpError

    console = Console(record=True, width=200, file=io.StringIO())
    monkeypatch.setattr(cli, "err_console", console)
    with pytest.raises(typer.Exit):
        cli._fail(NuexpError('install it with: pip install -e ".[dayabay]" [bold]'))
    assert console.export_text().strip() == (
        'error: install it with: pip install -e ".[dayabay]" [bold]')


@pytest.mark.parametrize("choice, present, absent", [
    ("png", ".png", ".pdf"), ("pdf", ".pdf", ".png"), ("none", None, ".png")])
def test_figures_option_chooses_the_files(tmp_path, choice, present, absent):
    res = runner.invoke(app, ["run", "coherent-csi", "--out", str(tmp_path / choice),
                              "--figures", choice])
    assert res.exit_code == 0, res.output
    files = [p.name for p in (tmp_path / choice).iterdir()]
    assert not any(f.endswith(absent) for f in files)
    assert present is None or any(f.endswith(present) for f in files)
    assert "results.json" in files


def test_figures_option_refuses_an_unknown_format(tmp_path):
    res = runner.invoke(app, ["run", "coherent-csi", "--out", str(tmp_path / "x"),
                              "--figures", "svg"])
    assert res.exit_code == 2 and "figures" in res.output and "none" in res.output
