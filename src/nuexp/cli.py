"""The ``nuexp`` command (typer + rich). It mirrors the Python API: ``nuexp run NAME`` is
``nuexp.run(NAME)``; ``--json`` prints ``results.json`` for pipes."""

from __future__ import annotations

import errno
import gc
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperCommand

from .exceptions import NuexpError

# Plain click help: boolean flags read "--json", without a "<bool>" placeholder.
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="nuexp: from source to significance for MeV-scale neutrino experiments.")
console = Console()
err_console = Console(stderr=True)


#: ``--debug`` (or ``NUEXP_DEBUG=1``) was given: errors show their traceback (set by main).
_debug = False


def _fail(err: Exception) -> None:
    if _debug:
        raise err
    # Text, not markup: "[dayabay]" in an install hint must reach the screen as typed.
    err_console.print(Text.assemble(("error: ", "bold red"), str(err)), highlight=False)
    raise typer.Exit(code=2)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"nuexp {__version__}")
        raise typer.Exit()


@app.callback()
def _main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the nuexp version and exit."),
) -> None:
    """nuexp: from source to significance for MeV-scale neutrino experiments."""


class _RunCommand(TyperCommand):
    """``nuexp run``: the help ends with the presets, read when the help is shown."""

    # Any: typer >= 0.2x passes its vendored click's Context and HelpFormatter
    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        super().format_epilog(ctx, formatter)
        try:
            from .experiments.registry import available_presets

            rows = [(name, preset.description) for name, preset in available_presets().items()]
        except NuexpError as err:  # a broken preset must not hide the help
            rows = [("(error)", str(err))]
        rows.append(("all", "every preset above, one combined table"))
        with formatter.section("Presets"):
            formatter.write_dl(rows)


@app.command("list")
def list_presets() -> None:
    """List the experiment presets with a one-line description."""
    from rich.table import Table

    from .experiments.registry import available_presets

    table = Table(title="nuexp presets", header_style="bold")
    table.add_column("preset")
    table.add_column("description")
    for name, preset in available_presets().items():
        table.add_row(Text(name), Text(preset.description))
    console.print(table)
    _print_families()


def _print_families() -> None:
    from rich.table import Table

    from .experiments.registry import family_origins

    table = Table(title="nuexp families", header_style="bold",
                  caption="in a TOML: family = NAME")
    table.add_column("family")
    table.add_column("provided by")
    for name, origin in family_origins().items():
        table.add_row(name, origin)
    console.print(table)


def _run_one(name: str, config: Path | None, out: str | Path | None, seed: int | None,
             as_json: bool, scheduler: str | None = None, workers: int | None = None,
             figures: str = "all") -> Any:
    from .experiments.runner import run

    target = out if out is not None else Path("nuexp-out") / Path(name).stem
    return run(name, config, out=target, seed=seed, show_progress=not as_json,
               scheduler=scheduler, workers=workers, figures=figures)


@app.command("run", cls=_RunCommand)
def run_command(
    experiment: str = typer.Argument(
        ..., help="Preset name (listed below), path of an experiment TOML file, or 'all'."),
    config: Path | None = typer.Option(None, "--config", "-c",
                                       help="TOML file merged over the preset."),
    # a str, not a Path: Path("") is ".", and an empty --out must be refused as empty
    out: str | None = typer.Option(None, "--out", "-o",
                                   help="Output folder (default ./nuexp-out/EXPERIMENT/)."),
    seed: int | None = typer.Option(None, "--seed", min=0,
                                    help="Seed of every random process (>= 0)."),
    as_json: bool = typer.Option(False, "--json", help="Print results.json instead of the table."),
    scheduler: str | None = typer.Option(
        None, "--scheduler",
        help="'serial', or a dask scheduler address for scans/toys/event files "
             "(default: a LocalCluster where the analysis uses one)."),
    workers: int | None = typer.Option(None, "--workers", help="Workers of the LocalCluster."),
    figures: str = typer.Option("all", "--figures",
                                help="Figure files to write: all (PNG + PDF), png, pdf, none."),
) -> None:
    """Run an experiment (preset or TOML file) and write results.json, plots and tables."""
    from .report.tables import quantities_table, rows_table

    if experiment == "all":
        if config is not None:
            raise typer.BadParameter("--config applies to one preset, not to 'all'")
        _run_all(out, seed, as_json, scheduler, workers, figures)
        return
    try:
        res = _run_one(experiment, config, out, seed, as_json, scheduler, workers, figures)
    except NuexpError as err:
        _fail(err)
    if as_json:
        sys.stdout.write(res.to_json())
        return
    for name, rows in res.tables.items():
        console.print(rows_table(rows, name))
    console.print(quantities_table(res.quantities.values(), f"nuexp run {experiment}"))
    console.print(Text(f"results, plots and tables in {res.out_dir}/ "
                       f"({res.timing_s['total']:.2f} s)", style="dim"))


def _run_all(out: str | None, seed: int | None, as_json: bool, scheduler: str | None,
             workers: int | None, figures: str = "all") -> None:
    """Every preset in turn: one needing a missing extra is skipped (with the command that
    installs the extra), one that fails is reported and the others still run. Exit 0 when
    nothing failed, 1 otherwise, after the combined table."""
    import json

    from .experiments.registry import available_presets
    from .extras import MissingExtra
    from .fileio import check_collection_output
    from .report.html import RunEntry
    from .report.tables import quantities_table

    quantities, owners, records = [], [], {}
    entries: list[RunEntry] = []
    not_run: dict[str, tuple[str, str]] = {}
    failed = False
    try:
        names = list(available_presets())
    except NuexpError as err:
        _fail(err)
    root = Path(out) if out is not None else Path("nuexp-out")   # each preset's default
    page = root / "index.html"
    ours = {*names} | ({page.name} if _page_is_ours(page) else set())
    try:   # like one run's --out: a folder holding anything else is refused, untouched
        check_collection_output(out if out is not None else root, ours)
    except NuexpError as err:
        _fail(err)
    for name in names:
        try:
            res = _run_one(name, None, root / name, seed, as_json, scheduler, workers, figures)
        except MissingExtra as err:
            not_run[name] = ("skipped", f"needs the '{err.extra}' extra: {err.command}")
            entries.append(RunEntry(name, *not_run[name]))
            continue
        except Exception as err:   # a bug in one preset must not stop the others
            if _debug:
                raise
            line = (_one_line(err)
                    if isinstance(err, (NuexpError, OSError, UnicodeDecodeError, MemoryError))
                    else f"internal error: {_bug_line(err)}")
            not_run[name] = ("failed", line)
            failed = True
            err_console.print(Text.assemble(("error: ", "bold red"), f"{name}: {line}"))
            entries.append(RunEntry(name, *not_run[name]))
            continue
        entries.append(RunEntry(name, "ok", results=res))
        records[name] = res.to_dict()
        for q in res.quantities.values():
            quantities.append(q)
            owners.append(name)
    _write_all_page(entries, root)
    if as_json:
        for name, (status, reason) in not_run.items():
            records[name] = {"experiment": name, "status": status, "reason": reason}
        sys.stdout.write(json.dumps(records, indent=2, allow_nan=False) + "\n")
    else:
        console.print(quantities_table(quantities, "nuexp run all", experiments=owners,
                                       not_run=not_run))
    if failed:
        raise typer.Exit(code=1)


def _page_is_ours(page: Path) -> bool:
    """Whether ``page`` is a top-level page an earlier ``nuexp run all`` wrote."""
    try:
        return page.is_file() and "<h1>nuexp run all</h1>" in page.read_text(errors="replace")
    except OSError:
        return False


def _write_all_page(entries: list, out: Path) -> None:
    """The top-level index.html of ``run all`` (the folder was checked before the runs)."""
    from .report.html import write_all_index

    out.mkdir(parents=True, exist_ok=True)
    write_all_index(entries, out)


@app.command("oscillate", context_settings={"allow_extra_args": True})
def oscillate_command(
    ctx: typer.Context,
    flavour_from: str = typer.Argument("e", help="Initial flavour: e, mu, tau, s."),
    flavour_to: str = typer.Argument("e", help="Final flavour: e, mu, tau, s."),
    baseline_km: float | None = typer.Option(None, "--baseline-km", help="Baseline in km."),
    energy_mev: list[float] | None = typer.Option(
        None, "--energy-mev", help="Energies in MeV: --energy-mev E [E ...]."),
    energy_range: str | None = typer.Option(None, "--energy-range",
                                               help="MIN:MAX:N in MeV (linear)."),
    density: float | None = typer.Option(None, "--density", help="Constant density, g/cm3."),
    ye: float = typer.Option(0.5, "--ye", help="Electron fraction with --density."),
    layers: str | None = typer.Option(None, "--layers",
                                         help="LEN_KM:RHO:YE,LEN_KM:RHO:YE,..."),
    prem: bool = typer.Option(False, "--prem", help="PREM chord of the baseline."),
    anti: bool = typer.Option(False, "--anti", help="Antineutrinos."),
    preset: str = typer.Option("nufit-5.2-no", "--preset", help="Oscillation parameter preset."),
    param: list[str] | None = typer.Option(None, "--param",
                                              help="KEY=VALUE [KEY=VALUE ...] overrides."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for pipes."),
    plot: bool = typer.Option(False, "--plot", help="Write an oscillogram (PNG + PDF)."),
    plot_out: Path = typer.Option(Path("oscillogram.png"), "--plot-out",
                                  help="Oscillogram file (with --plot)."),
    zenith: bool = typer.Option(False, "--zenith",
                                help="With --plot: E x cos(zenith) through PREM."),
) -> None:
    """Oscillation probability P(FROM -> TO) for energies at a baseline (nuexp.oscillation)."""
    import json

    from rich.table import Table

    from .cli_oscillate import parse_energies, parse_params, run_oscillate

    try:
        extra_e, extra_p = [], []
        for item in ctx.args:  # "--energy-mev 3 4 5" and "--param a=1 b=2" spill over here
            if "=" in item:
                extra_p.append(item)
            else:
                try:
                    extra_e.append(float(item))
                except ValueError:
                    raise typer.BadParameter(f"unexpected argument {item!r}") from None
        energies = parse_energies(list(energy_mev or []) + extra_e,
                                  energy_range if (energy_range or not zenith) else "1000:1e5:2")
        record = run_oscillate(flavour_from, flavour_to, baseline_km=baseline_km,
                               energies_mev=energies, density=density, ye=ye, layers=layers,
                               prem=prem, anti=anti, preset=preset,
                               params=parse_params(list(param or []) + extra_p),
                               plot=plot_out if plot else None, zenith=zenith)
    except NuexpError as err:
        _fail(err)
    if as_json:
        sys.stdout.write(json.dumps(record, indent=2, allow_nan=False) + "\n")
        return
    if "probability" in record:
        from .report.tables import format_number

        bar = "~" if record["antineutrino"] else ""
        title = (f"P(nu{bar}_{record['flavour_from']} -> nu{bar}_{record['flavour_to']}), "
                 f"L = {format_number(record['baseline_km'])} km, "
                 f"{_matter_title(record['matter'])}")
        console.print(Text(title, style="italic"))  # a table title would wrap at its width
        table = Table(header_style="bold")
        table.add_column("E [MeV]", justify="right")
        table.add_column("P", justify="right")
        for e, p in zip(record["energy_mev"], record["probability"], strict=True):
            table.add_row(format_number(e, 6), format_number(p))
        console.print(table)
    if "plot" in record:
        console.print(Text(f"oscillogram: {record['plot']}", style="dim"))


def _matter_title(matter: dict[str, Any]) -> str:
    """The matter part of the ``oscillate`` title: kind and, for constant matter, density."""
    kind = matter["kind"]
    if kind == "constant":
        return f"constant density {matter['density_g_cm3']:g} g/cm3, Ye = {matter['ye']:g}"
    if kind == "layers":
        return f"{len(matter['layers'])} layers"
    if kind == "prem":
        return f"PREM ({matter['n_layers']} layers)"
    return str(kind)


@app.command("simulate")
def simulate_command(
    detector: str = typer.Argument(..., help="What to simulate: 'jsns2' (triggered events)."),
    out: str = typer.Option(..., "--out", "-o", help="Output folder (Parquet files + manifest)."),
    pot: float | None = typer.Option(None, "--pot",
                                        help="Total protons on target (default: the preset's)."),
    seed: int = typer.Option(12345, "--seed", min=0, help="Seed of every random process (>= 0)."),
    config: Path | None = typer.Option(None, "--config", "-c",
                                          help="TOML merged over the jsns2-events preset."),
) -> None:
    """Simulate a JSNS2-like triggered-event dataset (Parquet) into a folder."""
    from .experiments.jsns2_events.analysis import simulate_dataset

    try:
        manifest = simulate_dataset(detector, out, pot=pot, seed=seed, config=config,
                                    show_progress=True)
    except NuexpError as err:
        _fail(err)
    from .report.tables import rows_table

    keys = ("period", "pot", "spills", "triggered_spills", "events", "interactions",
            "expected_interactions_fiducial")
    rows = [{k: entry[k] for k in keys} for entry in manifest["periods"].values()]
    console.print(rows_table(rows, f"nuexp simulate {detector}"))
    console.print(Text(f"events in {out}/ (analyse them: [data] path in a TOML given to "
                       "nuexp run jsns2-events --config)", style="dim"))


def _register_experiment_commands() -> None:
    from .cli_experiments import register

    register(app, _fail)


_register_experiment_commands()


def _one_line(err: BaseException) -> str:
    """What went wrong, where, and how to fix it, for an error that reached ``main``."""
    if isinstance(err, NuexpError):
        return str(err)
    if isinstance(err, OSError):
        where = " ".join(repr(str(f)) for f in (err.filename, err.filename2) if f is not None)
        what = err.strerror or str(err)
        hint = {errno.ENOSPC: "free some space or write to another disk",
                errno.EDQUOT: "free some space or write to another disk",
                errno.EACCES: "choose a place you can write to, or fix its permissions",
                errno.EPERM: "choose a place you can write to, or fix its permissions",
                errno.EROFS: "choose a writable place",
                errno.EISDIR: "give a file, not a folder",
                errno.ENOENT: "check the path"}.get(err.errno or 0, "")
        return f"{what}: {where}" + (f" ({hint})" if hint else "") if where else what
    if isinstance(err, UnicodeDecodeError):
        return f"a file is not UTF-8 text ({err.reason} at byte {err.start}); give a text file"
    return f"out of memory ({err}); reduce the sizes in the configuration"


def main() -> None:
    """Entry point of the console script.

    Every error a user can cause (:class:`~nuexp.exceptions.NuexpError`, an OS error such
    as a full disk or an unwritable folder, a file that is not UTF-8, memory exhausted)
    is printed as one line and ends with exit status 2; ``--debug`` anywhere on the
    command line (or ``NUEXP_DEBUG=1``) shows the traceback instead. SIGTERM cleans up
    like Ctrl-C (:func:`nuexp.fileio.install_signal_handlers`); either ends with exit
    status 128 + the signal number (143 and 130).
    """
    import matplotlib

    from .fileio import install_signal_handlers, received_signal

    matplotlib.use("Agg")  # the command only writes files; the library never picks a backend

    global _debug
    debug = _debug = ("--debug" in sys.argv[1:]
                      or os.environ.get("NUEXP_DEBUG", "") not in ("", "0"))
    sys.argv[1:] = [a for a in sys.argv[1:] if a != "--debug"]
    install_signal_handlers()
    try:
        try:
            app(standalone_mode=True)
        finally:
            # Everything the command made is written by now. Its objects need no cycle
            # collection at interpreter exit, whose passes over them took 0.4-0.5 s of a
            # juno run (benchmarks/bench_juno.py): freeze them. Exit handlers still run.
            gc.freeze()
    except SystemExit:
        signum = received_signal()
        if signum is None:
            raise
        err_console.print(f"[bold red]interrupted:[/] {signal.Signals(signum).name}; "
                          "unfinished output was removed", highlight=False)
        sys.exit(128 + signum)                 # what shells and batch schedulers expect
    except (NuexpError, OSError, UnicodeDecodeError, MemoryError) as err:
        if debug:
            raise
        err_console.print(f"[bold red]error:[/] {_one_line(err)}", highlight=False,
                          soft_wrap=True)
        sys.exit(2)
    except Exception as err:  # a bug of nuexp, not of the input: say so, still no traceback
        if debug:
            raise
        err_console.print(f"[bold red]internal error:[/] {_bug_line(err)}", highlight=False,
                          soft_wrap=True)
        sys.exit(2)


def _bug_line(err: Exception) -> str:
    """One line for an exception nuexp did not raise on purpose: what, where (the
    innermost nuexp frame) and how to report it."""
    frames = traceback.extract_tb(err.__traceback__)
    ours = [f for f in frames if f"{os.sep}nuexp{os.sep}" in f.filename] or frames
    where = ""
    if ours:
        frame = ours[-1]
        short = frame.filename.split(f"{os.sep}nuexp{os.sep}")[-1]
        where = f" in nuexp/{short}:{frame.lineno}"
    errors = getattr(err, "errors", None)          # pydantic: the messages, not the dump
    if type(err).__name__ == "ValidationError" and callable(errors):
        text = "; ".join(str(e.get("msg", "")) for e in errors())
    else:
        text = next(iter(str(err).splitlines()), "")
    return (f"{type(err).__name__}: {text}{where}. This is a bug of nuexp (the input may be "
            "at the edge of its allowed range); rerun with --debug for the traceback and "
            "report it")


if __name__ == "__main__":
    main()
