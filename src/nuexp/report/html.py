"""A self-contained HTML report per run (``index.html``) and one for ``nuexp run all``.

The page is what a physicist opens first after a run: the headline quantities (value,
uncertainty, unit, published value, source, note), every figure with its caption, the
tables as links to their CSV files, and the fully resolved configuration that was run.
It needs no network and no JavaScript; images are referenced by relative path, so the
folder can be copied or served as it is.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import atomic_write_text
from .results import Quantity, Results
from .tables import format_number

__all__ = [
    "RunEntry",
    "render_all_index",
    "render_run_index",
    "write_all_index",
    "write_run_index",
]

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1100px; padding: 0 1em; color: #1b1b1b; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
.meta { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; font-size: 0.9em; width: 100%; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.3em 0.5em; text-align: left;
         vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.note { color: #444; font-size: 0.92em; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #333; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.skipped { color: #8a5a00; } .failed { color: #b00020; } .ok { color: #1b6e20; }
"""


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _uncertainty(q: Quantity) -> str:
    if q.uncertainty is not None:
        return format_number(q.uncertainty)
    if q.uncertainty_low is not None or q.uncertainty_high is not None:
        return f"−{format_number(q.uncertainty_low)} / +{format_number(q.uncertainty_high)}"
    return ""


def _quantity_rows(quantities: Iterable[Quantity]) -> str:
    rows = []
    for q in quantities:
        rows.append(
            "<tr>"
            f"<td><code>{_esc(q.name)}</code></td>"
            f"<td class=num>{_esc(format_number(q.value))}</td>"
            f"<td class=num>{_esc(_uncertainty(q))}</td>"
            f"<td>{_esc(q.unit)}</td>"
            f"<td class=num>{_esc(format_number(q.published))}</td>"
            f"<td>{_esc(q.source)}</td>"
            f"<td class=note>{_esc(q.note)}</td>"
            "</tr>"
        )
    return "\n".join(rows)


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
            "<meta name=viewport content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_esc(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")


def render_run_index(results: Results, *, captions: Mapping[str, str] | None = None) -> str:
    """The ``index.html`` text of one run.

    Parameters
    ----------
    results : Results
        The finished run (quantities, figure and table names, configuration).
    captions : mapping of str to str, optional
        Caption per figure file name (PNG); shown under each figure.

    Returns
    -------
    str
        A complete HTML document.
    """
    captions = dict(captions or {})
    config = results.config.model_dump(mode="json") if hasattr(results.config, "model_dump") \
        else results.config
    description = config.get("description", "") if isinstance(config, dict) else ""
    parts = [
        f"<h1>nuexp run {_esc(results.experiment)}</h1>",
        f"<p>{_esc(description)}</p>",
        (f"<p class=meta>nuexp {_esc(results.nuexp_version)} · seed {results.seed} · "
        f"{results.timing_s.get('total', 0.0):.2f} s · "
        "<a href=\"results.json\">results.json</a></p>"),
        "<h2>Results</h2>",
        ("<table><thead><tr><th>quantity</th><th>value</th><th>uncertainty</th><th>unit</th>"
        "<th>published</th><th>source</th><th>note</th></tr></thead><tbody>"),
        _quantity_rows(results.quantities.values()),
        "</tbody></table>",
    ]
    if results.figures:
        parts.append("<h2>Figures</h2>")
        for png in results.figures:
            stem = Path(png).stem
            caption = captions.get(png, "")
            parts.append(
                f"<figure id=\"{_esc(stem)}\"><img src=\"{_esc(png)}\" alt=\"{_esc(stem)}\">"
                f"<figcaption><b>{_esc(stem)}</b>"
                f"{' — ' + _esc(caption) if caption else ''} "
                f"(<a href=\"{_esc(stem)}.pdf\">PDF</a>)</figcaption></figure>"
            )
    if results.tables:
        parts.append("<h2>Tables</h2><ul>")
        for name, rows in results.tables.items():
            parts.append(f"<li><a href=\"{_esc(name)}.csv\">{_esc(name)}.csv</a> "
                         f"({len(rows)} rows)</li>")
        parts.append("</ul>")
    parts.append("<h2>Configuration (resolved)</h2>")
    parts.append(f"<pre>{_esc(json.dumps(config, indent=2, allow_nan=False))}</pre>")
    return _page(f"nuexp run {results.experiment}", "\n".join(parts))


def write_run_index(results: Results, folder: str | Path,
                    *, captions: Mapping[str, str] | None = None) -> Path:
    """Write ``index.html`` of one run into ``folder``, atomically; return its path."""
    return atomic_write_text(Path(folder) / "index.html",
                             render_run_index(results, captions=captions))


@dataclass(frozen=True)
class RunEntry:
    """One preset of ``nuexp run all`` on the top-level page.

    Attributes
    ----------
    name : str
        Preset name; its run folder is ``name/`` beside the top-level page.
    status : str
        ``"ok"``, ``"skipped"`` or ``"failed"``.
    detail : str
        Why it was skipped or failed (an install command, an error line), or ``""``.
    results : Results or None
        The run's results when it succeeded.
    """

    name: str
    status: str
    detail: str = ""
    results: Results | None = None


def render_all_index(entries: Iterable[RunEntry]) -> str:
    """The top-level ``index.html`` of ``nuexp run all`` linking every preset's page."""
    rows = []
    for entry in entries:
        res = entry.results
        link = (f"<a href=\"{_esc(entry.name)}/index.html\">{_esc(entry.name)}</a>"
                if entry.status == "ok" else _esc(entry.name))
        count = "" if res is None else f"{len(res.quantities)} quantities, " \
                                       f"{len(res.figures)} figures"
        rows.append(f"<tr><td>{link}</td><td class={_esc(entry.status)}>{_esc(entry.status)}"
                    f"</td><td>{_esc(count)}</td><td>{_esc(entry.detail)}</td></tr>")
    body = ("<h1>nuexp run all</h1>\n<table><thead><tr><th>preset</th><th>status</th>"
            "<th>contents</th><th>detail</th></tr></thead><tbody>\n" + "\n".join(rows)
            + "\n</tbody></table>")
    return _page("nuexp run all", body)


def write_all_index(entries: Iterable[RunEntry], folder: str | Path) -> Path:
    """Write the top-level ``index.html`` of ``nuexp run all`` into ``folder``."""
    return atomic_write_text(Path(folder) / "index.html", render_all_index(entries))
