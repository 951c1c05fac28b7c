"""``nuexp init``, ``nuexp show`` and ``nuexp schema``: start an experiment file from a
preset or family, see what a file resolves to, and print the schema of its fields."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from .exceptions import NuexpError

__all__ = ["register"]


def register(app: typer.Typer, fail: Callable[[Exception], None]) -> None:
    """Add the three commands to ``app``; ``fail`` reports an error and exits."""

    @app.command("init")
    def init_command(
        name: Annotated[str, typer.Argument(
            help="Preset or family to start from (`nuexp list` shows both).")],
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", help="File to write (never overwritten); default: stdout.")] = None,
        as_family: Annotated[bool, typer.Option(
            "--family", help="Start from the family even if a preset has its name.")] = False,
    ) -> None:
        """Write a complete, commented experiment TOML that runs unchanged."""
        from .experiments.template import init_text

        try:
            text = init_text(name, as_family=as_family,
                             file_stem=out.stem if out is not None else None)
        except NuexpError as err:
            fail(err)
        if out is None:
            sys.stdout.write(text)
            return
        try:
            with out.open("x", encoding="utf-8") as handle:  # "x": refuse an existing file
                handle.write(text)
        except FileExistsError:  # one line, whatever the terminal width
            typer.echo(f"error: {out} already exists; nuexp init never overwrites a file",
                       err=True)
            raise typer.Exit(code=2) from None
        except OSError as err:
            fail(NuexpError(f"cannot write {out}: {err.strerror}"))
        typer.echo(f"wrote {out}; run it with: nuexp run {out} --out DIR", err=True)

    @app.command("show")
    def show_command(
        experiment: Annotated[str, typer.Argument(
            help="Preset name or experiment TOML file.")],
    ) -> None:
        """Print the fully resolved configuration and where each value came from."""
        from .experiments.template import show_text

        try:
            sys.stdout.write(show_text(experiment))
        except NuexpError as err:
            fail(err)

    @app.command("schema")
    def schema_command(
        name: Annotated[str, typer.Argument(help="Family or preset name.")],
    ) -> None:
        """Print the JSON Schema of an experiment file of a family or preset."""
        from .experiments.template import json_schema

        try:
            sys.stdout.write(json.dumps(json_schema(name), indent=2, ensure_ascii=False)
                             + "\n")
        except NuexpError as err:
            fail(err)
