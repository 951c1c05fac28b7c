"""Tables on screen (rich) and on disk (CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rich.table import Table

from ..fileio import atomic_write_text
from .results import Quantity

__all__ = ["format_number", "quantities_table", "rows_table", "write_csv"]


def format_number(value: Any) -> str:
    """Compact, readable number: 4 significant digits, scientific outside [1e-3, 1e5)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:d}"
    number = float(value)
    if number == 0:
        return "0"
    if 1e-3 <= abs(number) < 1e5:
        return f"{number:.4g}"
    return f"{number:.4e}"


def _uncertainty(q: Quantity) -> str:
    if q.uncertainty is not None:
        return format_number(q.uncertainty)
    if q.uncertainty_low is not None or q.uncertainty_high is not None:
        return f"-{format_number(q.uncertainty_low)} +{format_number(q.uncertainty_high)}"
    return ""


def quantities_table(
    quantities: Iterable[Quantity], title: str, *, experiment_column: Mapping[str, str] | None = None
) -> Table:
    """The headline table: value, uncertainty, unit, published, source, ratio.

    ``experiment_column`` maps quantity identity (``id(q)``) to a preset name, for the
    combined table of ``nuexp run all``.
    """
    table = Table(title=title, header_style="bold")
    if experiment_column is not None:
        table.add_column("experiment")
    for name, justify in [
        ("quantity", "left"), ("value", "right"), ("uncertainty", "right"), ("unit", "left"),
        ("published", "right"), ("source", "left"), ("ratio", "right"),
    ]:
        table.add_column(name, justify=justify)
    for q in quantities:
        ratio = q.ratio
        cells = [
            q.name, format_number(q.value), _uncertainty(q), q.unit,
            format_number(q.published), q.source or "",
            "" if ratio is None else f"{ratio:.3f}",
        ]
        if experiment_column is not None:
            cells.insert(0, experiment_column.get(str(id(q)), ""))
        table.add_row(*cells)
    return table


def rows_table(rows: list[dict[str, Any]], title: str) -> Table:
    """A rich table of rows given as dicts (columns from the first row)."""
    table = Table(title=title, header_style="bold")
    columns = list(rows[0]) if rows else []
    for column in columns:
        table.add_column(str(column))
    for row in rows:
        table.add_row(*(format_number(row.get(c)) for c in columns))
    return table


def write_csv(path: str | Path, rows: list[dict[str, Any]]) -> Path:
    """Write rows (dicts with the same keys) as CSV, atomically."""
    buffer = io.StringIO()
    columns = list(rows[0]) if rows else []
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return atomic_write_text(path, buffer.getvalue())
