"""The ``nuexp`` command (typer + rich). It mirrors the Python API: ``nuexp run NAME`` is
``nuexp.run(NAME)``; ``--json`` prints ``results.json`` for pipes."""

from __future__ import annotations

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


def _run_one(name: str, config: Optional[Path], out: Optional[Path], seed: Optional[int],
             as_json: bool, scheduler: Optional[str] = None, workers: Optional[int] = None):
    from .experiments.runner import run

    target = out if out is not None else Path("nuexp-out") / name
    return run(name, config, out=target, seed=seed, show_progress=not as_json,
               scheduler=scheduler, workers=workers)


@app.command("run")
def run_command(
    experiment: str = typer.Argument(..., help="Preset name, or 'all' for every preset."),
    config: Optional[Path] = typer.Option(None, "--config", "-c",
                                          help="TOML file merged over the preset."),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="Output folder (default ./nuexp-out/EXPERIMENT/)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of every random process."),
    as_json: bool = typer.Option(False, "--json", help="Print results.json instead of the table."),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler",
        help="'serial', or a dask scheduler address for scans/toys/event files "
             "(default: a LocalCluster where the analysis uses one)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Workers of the LocalCluster."),
) -> None:
    """Run an experiment preset and write results.json, plots and tables."""
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


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
