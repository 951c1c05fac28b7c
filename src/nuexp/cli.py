"""The ``nuexp`` command (typer + rich). It mirrors the Python API: ``nuexp run NAME`` is
``nuexp.run(NAME)``; ``--json`` prints ``results.json`` for pipes."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from .exceptions import NuexpError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="nuexp: from source to significance for MeV-scale neutrino experiments.")
console = Console()
err_console = Console(stderr=True)


def _fail(err: Exception) -> None:
    err_console.print(f"[bold red]error:[/] {err}", highlight=False)
    raise typer.Exit(code=2)


@app.command("list")
def list_presets() -> None:
    """List the experiment presets with a one-line description."""
    from rich.table import Table

    from .experiments.registry import available_presets

    table = Table(title="nuexp presets", header_style="bold")
    table.add_column("preset")
    table.add_column("description")
    for name, preset in available_presets().items():
        table.add_row(name, preset.description)
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


def _run_one(name: str, config: Optional[Path], out: Optional[Path], seed: Optional[int],
             as_json: bool, scheduler: Optional[str] = None, workers: Optional[int] = None):
    from .experiments.runner import run

    target = out if out is not None else Path("nuexp-out") / Path(name).stem
    return run(name, config, out=target, seed=seed, show_progress=not as_json,
               scheduler=scheduler, workers=workers)


@app.command("run")
def run_command(
    experiment: str = typer.Argument(
        ..., help="Preset name, path of an experiment TOML file, or 'all' for every preset."),
    config: Optional[Path] = typer.Option(None, "--config", "-c",
                                          help="TOML file merged over the preset."),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="Output folder (default ./nuexp-out/EXPERIMENT/)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0,
                                       help="Seed of every random process (>= 0)."),
    as_json: bool = typer.Option(False, "--json", help="Print results.json instead of the table."),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler",
        help="'serial', or a dask scheduler address for scans/toys/event files "
             "(default: a LocalCluster where the analysis uses one)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Workers of the LocalCluster."),
) -> None:
    """Run an experiment (preset or TOML file) and write results.json, plots and tables."""
    from .report.tables import quantities_table, rows_table

    try:
        if experiment == "all":
            if config is not None:
                raise typer.BadParameter("--config applies to one preset, not to 'all'")
            from .experiments.registry import available_presets

            combined, owner, records = [], {}, {}
            for name in available_presets():
                sub_out = None if out is None else out / name
                res = _run_one(name, config, sub_out, seed, as_json, scheduler, workers)
                records[name] = res.to_dict()
                for q in res.quantities.values():
                    combined.append(q)
                    owner[str(id(q))] = name
            if as_json:
                import json

                sys.stdout.write(json.dumps(records, indent=2, allow_nan=False) + "\n")
            else:
                console.print(quantities_table(combined, "nuexp run all",
                                               experiment_column=owner))
            return
        res = _run_one(experiment, config, out, seed, as_json, scheduler, workers)
    except NuexpError as err:
        _fail(err)
    if as_json:
        sys.stdout.write(res.to_json())
        return
    for name, rows in res.tables.items():
        console.print(rows_table(rows, name))
    console.print(quantities_table(res.quantities.values(), f"nuexp run {experiment}"))
    console.print(f"[dim]results, plots and tables in {res.out_dir}/ "
                  f"({res.timing_s['total']:.2f} s)[/]")


@app.command("oscillate", context_settings={"allow_extra_args": True})
def oscillate_command(
    ctx: typer.Context,
    flavour_from: str = typer.Argument("e", help="Initial flavour: e, mu, tau, s."),
    flavour_to: str = typer.Argument("e", help="Final flavour: e, mu, tau, s."),
    baseline_km: Optional[float] = typer.Option(None, "--baseline-km", help="Baseline in km."),
    energy_mev: Optional[list[float]] = typer.Option(
        None, "--energy-mev", help="Energies in MeV: --energy-mev E [E ...]."),
    energy_range: Optional[str] = typer.Option(None, "--energy-range",
                                               help="MIN:MAX:N in MeV (linear)."),
    density: Optional[float] = typer.Option(None, "--density", help="Constant density, g/cm3."),
    ye: float = typer.Option(0.5, "--ye", help="Electron fraction with --density."),
    layers: Optional[str] = typer.Option(None, "--layers",
                                         help="LEN_KM:RHO:YE,LEN_KM:RHO:YE,..."),
    prem: bool = typer.Option(False, "--prem", help="PREM chord of the baseline."),
    anti: bool = typer.Option(False, "--anti", help="Antineutrinos."),
    preset: str = typer.Option("nufit-5.2-no", "--preset", help="Oscillation parameter preset."),
    param: Optional[list[str]] = typer.Option(None, "--param",
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
        bar = "~" if record["antineutrino"] else ""
        table = Table(title=f"P(nu{bar}_{record['flavour_from']} -> nu{bar}_"
                            f"{record['flavour_to']}), L = {record['baseline_km']} km, "
                            f"{record['matter']['kind']}", header_style="bold")
        table.add_column("E [MeV]", justify="right")
        table.add_column("P", justify="right")
        for e, p in zip(record["energy_mev"], record["probability"]):
            table.add_row(f"{e:.6g}", f"{p:.8f}")
        console.print(table)
    if "plot" in record:
        console.print(f"[dim]oscillogram: {record['plot']}[/]")


@app.command("simulate")
def simulate_command(
    detector: str = typer.Argument(..., help="What to simulate: 'jsns2' (triggered events)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (Parquet files + manifest)."),
    pot: Optional[float] = typer.Option(None, "--pot",
                                        help="Total protons on target (default: the preset's)."),
    seed: int = typer.Option(12345, "--seed", min=0, help="Seed of every random process (>= 0)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c",
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
    console.print(f"[dim]events in {out}/[/]")


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
    like Ctrl-C (:func:`nuexp.fileio.install_signal_handlers`).
    """
    from .fileio import install_signal_handlers

    debug = "--debug" in sys.argv[1:] or os.environ.get("NUEXP_DEBUG", "") not in ("", "0")
    sys.argv[1:] = [a for a in sys.argv[1:] if a != "--debug"]
    install_signal_handlers()
    try:
        app(standalone_mode=True)
    except (NuexpError, OSError, UnicodeDecodeError, MemoryError) as err:
        if debug:
            raise
        err_console.print(f"[bold red]error:[/] {_one_line(err)}", highlight=False,
                          soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
