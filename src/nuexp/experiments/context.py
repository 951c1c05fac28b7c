"""The run context handed to every family: where quantities, figures and tables go, the
seeds of random processes, and the one way to run independent tasks
(:meth:`RunContext.map`)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ..config import PublishedValue
from ..exceptions import InvalidConfiguration
from ..report.results import Quantity, Results

if TYPE_CHECKING:
    from .resolve import Inapplicable

__all__ = ["RunContext"]

T = TypeVar("T")
R = TypeVar("R")


class RunContext:
    """Collects what a family's run produces, and runs its independent tasks.

    Parameters
    ----------
    results : Results
        Filled in place.
    staging : Path or None
        Folder where files are written before the run is moved to ``--out``; ``None``
        writes no files (figures are closed unsaved).
    show_progress : bool
        Show rich progress bars on standard error.
    scheduler : str, optional
        ``"serial"``, a dask scheduler address, or ``None`` (:meth:`map` chooses).
    workers : int, optional
        Workers of a dask LocalCluster.
    figure_formats : tuple of str
        File formats each figure is saved in (``()``: none).
    inapplicable : mapping of str to Inapplicable, optional
        Published entries that do not describe this run, by quantity key
        (:meth:`nuexp.experiments.resolve.Resolved.inapplicable_published`): they are
        shown, never compared.
    """

    def __init__(self, results: Results, staging: Path | None, show_progress: bool,
                 scheduler: str | None = None, workers: int | None = None,
                 figure_formats: tuple[str, ...] = ("png", "pdf"),
                 inapplicable: Mapping[str, Inapplicable] | None = None) -> None:
        self.results = results
        self.inapplicable = dict(inapplicable or {})
        self.figure_formats = figure_formats
        self.staging = staging
        self.show_progress = show_progress
        self.scheduler = scheduler
        self.workers = workers
        self.rng = np.random.default_rng(results.seed)

    @property
    def seed(self) -> int:
        """Seed of the run; derive sub-seeds with :meth:`child_seed`."""
        return self.results.seed

    def child_seed(self, label: str) -> int:
        """A reproducible seed for one random process of the run, derived from the label."""
        digest = np.frombuffer(label.encode("utf-8"), dtype=np.uint8).astype(np.uint64)
        mixed = np.random.SeedSequence([self.results.seed, *digest.tolist()])
        return int(mixed.generate_state(1, dtype=np.uint32)[0])

    def quantity(self, name: str, value: float, unit: str, *, compare: bool = True,
                 **kwargs: Any) -> Quantity:
        """Record a headline quantity (see :class:`~nuexp.report.results.Quantity`).

        The published value, its uncertainty and source come from the configuration's
        ``[published.<name>]`` table (:class:`~nuexp.config.PublishedValue`), never from
        the analysis: ``published``/``source`` are not arguments.

        Parameters
        ----------
        name : str
            Key in ``results.json``; also the key of its ``[published.<name>]`` table.
        value : float
            What nuexp computed, in ``unit``.
        unit : str
            Unit string.
        compare : bool
            ``False`` when the analysis knows the published value does not apply to this
            run (a number quoted for a reference exposure while the run uses another): the
            quantity is then recorded without published value and source.
        **kwargs
            ``uncertainty``, ``uncertainty_low``, ``uncertainty_high``, ``note``.

        Returns
        -------
        Quantity
            The recorded quantity. A note of the published entry is appended to ``note``;
            ``reproduced`` is ``False`` when the published entry says the document's inputs
            do not reproduce it. When the entry does not describe this run (the run
            changes the physics of the configuration that wrote it, see
            :attr:`inapplicable`), the published value, its uncertainty and source are
            kept for reading, ``published_applies`` is ``False``, there is no ratio nor
            ``reproduced``, and the note names the changed fields.
        """
        for key in ("published", "source"):
            if key in kwargs:
                raise TypeError(f"quantity {name!r}: {key}= is not an argument; published "
                                f"values and sources live in the TOML's [published.{name}]")
        entry = self._published(name) if compare else None
        if entry is not None:
            kwargs["published"] = entry.value
            kwargs["source"] = entry.source
            if entry.uncertainty is not None:
                kwargs["published_uncertainty"] = entry.uncertainty
            why = self.inapplicable.get(name)
            notes = [why.note if why is not None else None, kwargs.get("note"), entry.note]
            kwargs["note"] = "; ".join(filter(None, notes)) or None
            if why is not None:
                kwargs["published_applies"] = False
            elif not entry.reproduced:
                kwargs["reproduced"] = False
        q = Quantity(name=name, value=value, unit=unit, **kwargs)
        self.results.quantities[name] = q
        return q

    def published_entry(self, name: str) -> PublishedValue | None:
        """The ``[published.<name>]`` entry of the configuration that is run, if it
        describes this run (``None`` also when the run changes its physics: an analysis
        compares with what it returns, in notes or figures)."""
        return None if name in self.inapplicable else self._published(name)

    def _published(self, name: str) -> PublishedValue | None:
        """The ``[published.<name>]`` entry, whether it describes this run or not."""
        published = getattr(self.results.config, "published", None) or {}
        return published.get(name)

    def figure(self, fig, stem: str, *, caption: str | None = None) -> None:
        """Save a figure as ``stem.png`` + ``stem.pdf`` (when writing; the run's
        ``figures`` choice) and close it."""
        import matplotlib.pyplot as plt

        if self.staging is None or not self.figure_formats:
            plt.close(fig)
            return
        from ..report.plots import save_figure

        png = save_figure(fig, self.staging, stem, caption=caption,
                          formats=self.figure_formats)
        self.results.figures.append(png)
        if caption:
            self.results.figure_captions[png] = caption

    def table(self, name: str, rows: list[dict[str, Any]]) -> None:
        """Record a table; written as ``name.csv`` and shown on screen by the CLI.

        A cell without a value is ``None`` (written as an empty CSV cell); a NaN or
        infinite cell raises :class:`~nuexp.exceptions.NonFiniteResult` naming the table,
        column, row and value, and the table is not recorded.
        """
        from ..report.tables import require_finite_cells, write_csv

        require_finite_cells(name, rows)
        self.results.tables[name] = rows
        if self.staging is not None:
            write_csv(self.staging / f"{name}.csv", rows)

    def spectrum(self, name: str, value: Any) -> None:
        """Keep an array or spectrum on the results object for notebook users."""
        self.results.spectra[name] = value

    @contextmanager
    def timer(self, stage: str) -> Iterator[None]:
        """Time a stage; the seconds land in ``results.timing_s[stage]``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.results.timing_s[stage] = time.perf_counter() - start

    def progress(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        """Iterate with a rich progress bar on standard error (when enabled)."""
        if not self.show_progress:
            yield from items
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TimeRemainingColumn())
        with Progress(*columns, console=Console(file=sys.stderr), transient=True) as bar:
            yield from bar.track(items, description=description, total=total)

    def map(self, fn: Callable[..., R], items: Sequence[Any], *, label: str,
            checkpoint: str | Path | None = None, seed: int | None = None,
            unpack: bool = False, cluster_min_tasks: int | None = None) -> list[R]:
        """Apply ``fn`` to independent tasks (scan points, toy batches) and return the
        results in task order, through :func:`nuexp.parallel.map_tasks`.

        Where they run is the run's choice, not the family's: ``--scheduler serial`` or a
        dask scheduler address. Without ``--scheduler`` they run serially, unless the
        family says a dask LocalCluster (of ``--workers`` processes) pays off from
        ``cluster_min_tasks`` tasks on (a cluster costs seconds to start and the tasks
        are pickled). Results do not depend on the choice.

        Parameters
        ----------
        fn : callable
            ``fn(item)`` (``fn(*item)`` with ``unpack``); with ``seed``, a
            ``numpy.random.Generator`` is passed as the last argument. Module-level (or
            otherwise picklable) for a cluster.
        items : sequence
            The tasks (picklable for a cluster or a checkpoint).
        label : str
            What the tasks are, for the progress bar (``"Asimov scan"``).
        checkpoint : path, optional
            Folder where finished results are kept and reused by a rerun with the same
            tasks (see :mod:`nuexp.parallel`).
        seed : int, optional
            Root seed of the tasks' generators (use :meth:`child_seed`); task ``i`` draws
            the same numbers on any backend.
        unpack : bool
            Call ``fn(*item)``.
        cluster_min_tasks : int, optional
            Without ``--scheduler``, the fewest tasks worth a LocalCluster (>= 1);
            ``None``: never start one unasked.

        Returns
        -------
        list
            ``fn``'s results, in the order of ``items``.
        """
        from ..parallel import map_tasks

        if cluster_min_tasks is not None and cluster_min_tasks < 1:
            raise InvalidConfiguration(
                f"field 'cluster_min_tasks' = {cluster_min_tasks}: must be >= 1")
        scheduler = self.scheduler
        if scheduler is None and (cluster_min_tasks is None or len(items) < cluster_min_tasks):
            scheduler = "serial"
        return map_tasks(fn, items, scheduler=scheduler, workers=self.workers, seed=seed,
                         unpack=unpack, progress=self.show_progress, description=label,
                         checkpoint=checkpoint)

