"""Run one experiment (a preset or a TOML file): resolve, validate, compute, report, write
the outputs atomically."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..config import load_toml
from ..exceptions import InvalidConfiguration, NonFiniteResult
from ..fileio import commit_output, discard_output, prepare_output
from ..report.html import write_run_index
from ..report.results import Results
from .context import RunContext
from .resolve import resolve

__all__ = ["DEFAULT_SEED", "FIGURE_FORMATS", "run"]

#: The ``figures`` choices of :func:`run` and the files each writes.
FIGURE_FORMATS: dict[str, tuple[str, ...]] = {"all": ("png", "pdf"), "png": ("png",),
                                              "pdf": ("pdf",), "none": ()}

#: Seed used when none is given, so that every run is reproducible.
DEFAULT_SEED = 12345


def run(
    experiment: str | Path,
    config: str | Path | dict[str, Any] | None = None,
    *,
    out: str | Path | None = None,
    seed: int | None = None,
    show_progress: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    figures: str = "all",
) -> Results:
    """Run an experiment and return its :class:`~nuexp.report.Results`.

    Parameters
    ----------
    experiment : str or path
        Preset name (``nuexp list`` shows them) or the path of an experiment TOML file
        (``family = ...`` or ``extends = ...``; see ``docs/experiments-as-data.md``).
    config : path or dict, optional
        TOML file (or dict) merged over the preset; validated before any work.
    out : path, optional
        Folder for ``results.json``, plots (PNG + PDF) and tables (CSV). It is written
        only when the run succeeds, in one rename; ``None`` writes nothing. It must be
        new, empty or an earlier nuexp run (:mod:`nuexp.fileio`); anything else raises
        :class:`~nuexp.exceptions.OutputRefused` before any work.
    seed : int, optional
        Seed of every random process (default :data:`DEFAULT_SEED`).
    show_progress : bool
        Show progress bars on standard error.
    scheduler : str, optional
        For analyses with independent tasks (scans, toys, event files): ``"serial"`` to run
        in this process, a dask scheduler address (``tcp://host:8786``) to use a cluster;
        ``None`` lets the analysis choose (a dask LocalCluster where it pays off).
    workers : int, optional
        Number of workers of the LocalCluster.
    figures : {"all", "png", "pdf", "none"}
        Which figure files to write into ``out`` (PNG and PDF by default; ``"none"``
        skips saving, the slowest part of drawing).

    Examples
    --------
    >>> import nuexp
    >>> res = nuexp.run("clovers")                      # doctest: +SKIP
    >>> mine = nuexp.run("my-detector.toml")            # doctest: +SKIP
    >>> res["significance"].value                       # doctest: +SKIP

    A published value is compared only with the run it describes: when the file or
    ``config`` changes the physics of the preset that quotes it, the quantity keeps the
    published value with ``published_applies = False``, no ratio, and a note naming the
    changed fields (:meth:`~nuexp.experiments.resolve.Resolved.inapplicable_published`).
    """
    start = time.perf_counter()
    if isinstance(config, (str, Path)):
        override, source = load_toml(config), str(config)
    else:
        override, source = config, "override"
    resolved = resolve(experiment, override, source)
    validated = resolved.config
    seed = DEFAULT_SEED if seed is None else int(seed)
    if seed < 0:
        raise InvalidConfiguration(f"field 'seed' = {seed}: must be >= 0")
    if workers is not None and workers < 1:
        raise InvalidConfiguration(f"field 'workers' = {workers}: must be >= 1")
    if figures not in FIGURE_FORMATS:
        raise InvalidConfiguration(f"field 'figures' = {figures!r}: must be one of "
                                   f"{', '.join(FIGURE_FORMATS)}")
    results = Results(experiment=resolved.name, config=validated, seed=seed,
                      nuexp_version=__version__)
    # only a new folder, an empty one or an earlier nuexp run is ever replaced (fileio)
    staging = None if out is None else prepare_output(out)
    try:
        ctx = RunContext(results, staging, show_progress, scheduler=scheduler, workers=workers,
                         figure_formats=FIGURE_FORMATS[figures],
                         inapplicable=resolved.inapplicable_published())
        from ..report.plots import figure_style  # figures in nuexp's style, rcParams restored

        with figure_style():
            resolved.family.run(validated, ctx)
        results.timing_s["total"] = time.perf_counter() - start
        _refuse_non_finite(results.to_dict())
        if staging is not None:
            results.write_json(staging / "results.json")
            write_run_index(results, staging, captions=results.figure_captions)
            results.out_dir = commit_output(staging, out)
    except BaseException:
        discard_output(staging)
        raise
    return results


def _refuse_non_finite(record: Any, where: str = "results") -> None:
    """Raise :class:`~nuexp.exceptions.NonFiniteResult` naming the first NaN or infinite
    number of a ``results.json`` record (``results.quantities.x.value``), so that none is
    ever written or returned."""
    if isinstance(record, dict):
        for key, item in record.items():
            _refuse_non_finite(item, f"{where}.{key}")
    elif isinstance(record, (list, tuple)):
        for i, item in enumerate(record):
            _refuse_non_finite(item, f"{where}[{i}]")
    elif isinstance(record, (float, np.floating)) and not math.isfinite(record):
        raise NonFiniteResult(f"{where} = {record} is not a finite number (a division by "
                              "zero or an overflow); nothing was written. The configuration "
                              "is probably at the edge of its allowed range")
