"""Tables on screen (rich) and on disk (CSV).

On screen a table must fit the terminal: :func:`quantities_table` returns a renderable
that measures the console it is printed on and, when the full table (one column per
field, sources included) is wider than the console, switches to a compact layout instead
of letting rich cut and wrap the cells: the experiment becomes a section heading and the
sources become numbered notes under the table.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..exceptions import NonFiniteResult
from ..fileio import atomic_write_text
from .results import Quantity

__all__ = ["NOT_COMPARED", "QuantitiesTable", "RowsTable", "format_number",
           "quantities_table", "require_finite_cells", "rows_table", "write_csv"]

#: Significant digits shown on screen (results.json keeps full precision).
SIGNIFICANT_DIGITS = 4


def format_number(value: Any, digits: int = SIGNIFICANT_DIGITS) -> str:
    """Compact, readable number: ``digits`` significant digits, trailing zeros dropped.

    Scientific notation outside [1e-3, 1e5); integers are shown in full.

    Examples
    --------
    >>> format_number(2.2e-07), format_number(0.0588), format_number(2.42e10)
    ('2.2e-07', '0.0588', '2.42e+10')
    >>> format_number(12345.678), format_number(3), format_number(None)
    ('1.235e+04', '3', '')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:d}"
    number = float(value)
    if number == 0:
        return "0"
    text = f"{number:.{digits}g}"
    if 1e-3 <= abs(number) < 1e5 and "e" not in text:
        return text
    mantissa, exponent = f"{number:.{digits - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{exponent}"


def _uncertainty(q: Quantity) -> str:
    if q.uncertainty is not None:
        return format_number(q.uncertainty)
    if q.uncertainty_low is not None or q.uncertainty_high is not None:
        return f"-{format_number(q.uncertainty_low)} +{format_number(q.uncertainty_high)}"
    return ""


#: Ratio cell of a published value that does not describe the run (never compared).
NOT_COMPARED = "—"


def _ratio(q: Quantity) -> str:
    if q.published_applies is False:
        return NOT_COMPARED
    ratio = q.ratio
    return "" if ratio is None else f"{ratio:.3f}"


class QuantitiesTable:
    """The headline table, laid out for the width of the console it is printed on.

    Parameters
    ----------
    quantities : iterable of Quantity
        Rows, in order.
    title : str
        Table title.
    experiments : list of str, optional
        The preset each quantity belongs to (same order), for ``nuexp run all``.
    not_run : mapping, optional
        Presets that did not run: name -> ``(status, reason)``, e.g. ``("skipped",
        "needs the 'dayabay' extra: pip install ...")`` (``nuexp run all``).
    """

    def __init__(self, quantities: Iterable[Quantity], title: str, *,
                 experiments: list[str] | None = None,
                 not_run: Mapping[str, tuple[str, str]] | None = None) -> None:
        self.quantities = list(quantities)
        self.title = title
        self.experiments = experiments
        self.not_run = dict(not_run or {})
        if experiments is not None and len(experiments) != len(self.quantities):
            raise ValueError("one experiment name per quantity")

    @property
    def row_count(self) -> int:
        """Rows of the table: one per quantity and per preset that did not run."""
        return len(self.quantities) + len(self.not_run)

    def wide(self) -> Table:
        """One column per field: experiment, quantity, value, uncertainty, unit,
        published, source, ratio."""
        table = Table(title=self.title, header_style="bold")
        if self.experiments is not None:
            table.add_column("experiment", no_wrap=True)
        for name, justify in [
            ("quantity", "left"), ("value", "right"), ("uncertainty", "right"),
            ("unit", "left"), ("published", "right"), ("source", "left"), ("ratio", "right"),
        ]:
            table.add_column(name, justify=justify, no_wrap=name != "source")  # type: ignore[arg-type]
        for i, q in enumerate(self.quantities):
            cells = [q.name, format_number(q.value), _uncertainty(q), q.unit,
                     format_number(q.published), q.source or "", _ratio(q)]
            if self.experiments is not None:
                cells.insert(0, self.experiments[i])
            table.add_row(*(Text(c) for c in cells))
        for name, (status, reason) in self.not_run.items():
            row: list[str | Text] = [Text(status, style="yellow"), "", "", "", "",
                                     Text(reason), ""]
            if self.experiments is not None:
                row.insert(0, name)
            table.add_row(*row)
        return table

    def compact(self) -> Group:
        """Narrow layout: experiments as section rows, sources as numbered notes below."""
        table = Table(title=self.title, header_style="bold underline", box=None,
                      pad_edge=False, collapse_padding=True)
        # numbers never wrap; names, units and published text (e.g. "> 1e13 (Sec. 2)")
        # wrap at spaces, or fold when a single word is longer than the column
        table.add_column("quantity", overflow="fold", min_width=20)
        table.add_column("value", justify="right", no_wrap=True)
        table.add_column("±", justify="right", no_wrap=True)
        table.add_column("unit", overflow="fold", max_width=10)
        table.add_column("published", justify="right", overflow="fold", max_width=10)
        table.add_column("ratio", justify="right", no_wrap=True)
        table.add_column("src", justify="right", no_wrap=True)
        notes: dict[str, int] = {}
        current = None
        for i, q in enumerate(self.quantities):
            if self.experiments is not None and self.experiments[i] != current:
                current = self.experiments[i]
                table.add_row(Text(current, style="bold cyan"), end_section=False)
            source = ""
            if q.source:
                source = str(notes.setdefault(q.source, len(notes) + 1))
            table.add_row(Text(q.name), format_number(q.value), _uncertainty(q),
                          Text(q.unit), format_number(q.published), _ratio(q), source)
        for name, (status, _) in self.not_run.items():
            table.add_row(Text(name, style="bold cyan"), Text(status, style="yellow"))
        lines: list[Text] = [Text(f"[{n}] {source}", style="dim") for source, n in notes.items()]
        lines += [Text(f"{name} {status}: {reason}", style="yellow")
                  for name, (status, reason) in self.not_run.items()]
        return Group(table, *lines)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        wide = self.wide()
        needed = Measurement.get(console, options.update(width=10_000), wide).maximum
        yield wide if needed <= options.max_width else self.compact()
        if any(q.published_applies is False for q in self.quantities):
            yield Text(f"{NOT_COMPARED} the published value is for another configuration "
                       "than this run (the quantity's note in results.json names the changed "
                       "fields); it is not compared", style="dim")


def quantities_table(
    quantities: Iterable[Quantity], title: str, *,
    experiments: list[str] | None = None,
    not_run: Mapping[str, tuple[str, str]] | None = None,
) -> QuantitiesTable:
    """The headline table: value, uncertainty, unit, published, source, ratio.

    ``experiments`` names the preset of each quantity and ``not_run`` the presets that
    did not run (status and reason), for the combined table of ``nuexp run all``. The
    result is printed with ``console.print``; see :class:`QuantitiesTable` for the layout.
    """
    return QuantitiesTable(quantities, title, experiments=experiments, not_run=not_run)


class RowsTable:
    """Rows given as dicts (columns from the first row), laid out for the console width.

    When all columns do not fit, they are split into consecutive tables, each repeating
    the first (key) column, instead of being cut. Cells are text, never markup: a
    ``[...]`` in a value is shown as it is.
    """

    def __init__(self, rows: list[dict[str, Any]], title: str) -> None:
        self.rows = rows
        self.title = title
        self.columns = [str(c) for c in rows[0]] if rows else []

    def table(self, columns: list[str], title: str | None) -> Table:
        """A rich table of ``columns`` (keys of the rows)."""
        table = Table(title=None if title is None else Text(title), header_style="bold")
        for column in columns:
            table.add_column(Text(column), justify="right", no_wrap=True)
        for row in self.rows:
            table.add_row(*(Text(format_number(row.get(c))) for c in columns))
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        def width(columns: list[str]) -> int:
            return Measurement.get(console, options.update(width=10_000),
                                   self.table(columns, None)).maximum

        if len(self.columns) < 3 or width(self.columns) <= options.max_width:
            yield self.table(self.columns, self.title)
            return
        key, rest = self.columns[0], self.columns[1:]
        title: str | None = self.title
        chunk: list[str] = []
        for column in rest:
            if chunk and width([key, *chunk, column]) > options.max_width:
                yield self.table([key, *chunk], title)
                title, chunk = None, []
            chunk.append(column)
        yield self.table([key, *chunk], title)


def rows_table(rows: list[dict[str, Any]], title: str) -> RowsTable:
    """A table of rows given as dicts (columns from the first row); see :class:`RowsTable`."""
    return RowsTable(rows, title)


def require_finite_cells(name: str, rows: list[dict[str, Any]]) -> None:
    """Refuse a table holding a NaN or infinite number.

    A cell that has no value is ``None`` (an empty CSV cell), never NaN: a NaN in a
    table is a computation that failed.

    Parameters
    ----------
    name : str
        Table name (its CSV file is ``name.csv``).
    rows : list of dict
        The rows, column name → cell.

    Raises
    ------
    NonFiniteResult
        Naming the table, the column, the row (0-based, with its first cell) and the
        value.
    """
    for i, row in enumerate(rows):
        for column, cell in row.items():
            if not isinstance(cell, (float, np.floating)) or math.isfinite(cell):
                continue
            first, key = next(iter(row.items()))
            where = "" if first == column else f" ({first} = {format_number(key)})"
            raise NonFiniteResult(
                f"table {name!r}, column {column!r}, row {i}{where}: value {cell} is not a "
                "finite number; a cell without a value is None (an empty CSV cell), never "
                "NaN or infinity")


def write_csv(path: str | Path, rows: list[dict[str, Any]]) -> Path:
    """Write rows (dicts with the same keys) as CSV, atomically."""
    buffer = io.StringIO()
    columns = list(rows[0]) if rows else []
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return atomic_write_text(path, buffer.getvalue())
