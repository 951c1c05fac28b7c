"""Versioned schema of JSNS2-like triggered events, and the in-memory chunk type.

One row is one triggered event (JSNS2 2025, Sec. II): the prompt-trigger readout of a
beam spill and the events of its delayed-trigger window. Files store the columns in the
units their names carry (µs, MeV, cm, p.e.); :class:`EventChunk` holds them in the
hepunits system (ns, MeV, mm) for the analysis.

=================  ========  ==========================================================
column             type      meaning
=================  ========  ==========================================================
``run``            int32     run number (non-decreasing in a file)
``spill``          int64     beam-spill number (40 ms RF cycle), increasing within a run
``time_us``        float64   time since the beam start of the spill (µs)
``trigger``        int8      :class:`TriggerType` (0 prompt readout, 1 delayed window)
``energy_mev``     float32   visible energy (MeV)
``x_cm`` ...       float32   reconstructed vertex x, y, z (cm; origin = detector centre)
``veto_top_pe``    float32   charge of the 12 top veto PMTs (p.e.)
``veto_bottom_pe`` float32   charge of the 12 bottom veto PMTs (p.e.)
``period``         int16     data-taking period (2021, 2022: trigger windows differ)
``truth``          int8      optional: simulated component (:class:`Truth`), absent in data
=================  ========  ==========================================================

Rows are in time order: sorted by (run, spill, time). The file's key-value metadata
carries ``nuexp.events.schema_version``; a file with another version, a missing column or
a column of another type is refused with :class:`~nuexp.exceptions.SchemaMismatch`
naming the file and the column.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np
import pyarrow as pa
from hepunits import cm, us

from ..exceptions import SchemaMismatch

__all__ = [
    "SCHEMA_VERSION",
    "VERSION_KEY",
    "TriggerType",
    "Truth",
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "VALUE_LIMITS",
    "arrow_schema",
    "EventChunk",
    "check_columns",
    "check_version",
]

#: Version of the event schema written by this nuexp; files with another are refused.
SCHEMA_VERSION = 1
#: Metadata key (Parquet key-value metadata; a TObjString in ROOT files).
VERSION_KEY = "nuexp.events.schema_version"


class TriggerType(IntEnum):
    """Which readout an event belongs to (JSNS2 2025, Sec. II)."""

    PROMPT = 0   #: readout of the prompt trigger (beam window and pre-trigger)
    DELAYED = 1  #: delayed-trigger window after the prompt trigger


class Truth(IntEnum):
    """Simulated component of an event (only in simulated files)."""

    UNKNOWN = 0
    SIGNAL_PROMPT = 1     #: CNgs prompt electron
    SIGNAL_DELAYED = 2    #: 12N β+ decay
    AMBIENT_GAMMA = 3
    COSMOGENIC = 4        #: uncorrelated cosmogenic activity (fast neutrons, spallation)
    MUON = 5
    MICHEL = 6
    NEUTRON_CAPTURE = 7   #: thermal neutron captured on Gd (~8 MeV γ)
    BEAM = 8              #: beam-related (fast neutrons from the target)


#: column name -> (numpy dtype, unit, description); order is the file order.
COLUMNS: dict[str, tuple[str, str, str]] = {
    "run": ("int32", "", "run number"),
    "spill": ("int64", "", "beam spill number"),
    "time_us": ("float64", "us", "time since beam start of the spill"),
    "trigger": ("int8", "", "trigger type: 0 prompt readout, 1 delayed window"),
    "energy_mev": ("float32", "MeV", "visible energy"),
    "x_cm": ("float32", "cm", "reconstructed vertex x"),
    "y_cm": ("float32", "cm", "reconstructed vertex y"),
    "z_cm": ("float32", "cm", "reconstructed vertex z"),
    "veto_top_pe": ("float32", "pe", "charge of the top 12 veto PMTs"),
    "veto_bottom_pe": ("float32", "pe", "charge of the bottom 12 veto PMTs"),
    "period": ("int16", "", "data-taking period (year)"),
    "truth": ("int8", "", "simulated component (nuexp.events.schema.Truth)"),
}
#: Allowed range of every column, in file units, checked row by row as files stream
#: (:mod:`nuexp.events.io`); NaN and infinity are outside every range. Generous bounds
#: that no real event crosses, so that a broken file is refused instead of silently
#: failing the cuts:
#:
#: * ``time_us`` in [−100, 1e5]: a readout starts at most the pre-trigger (≤ 100 µs,
#:   10 µs in the preset) before the prompt window, which starts after the beam start,
#:   and lasts less than the 40 ms RF period (JSNS2 2025, Sec. I); 100 ms leaves room;
#: * ``energy_mev`` in [0, 1e4]: visible energy; a through-going muon deposits < 1 GeV;
#: * ``x_cm``, ``y_cm``, ``z_cm`` in [−1e3, 1e3]: the JSNS2 tank is 4.6 m across; a
#:   vertex 10 m from the centre is a failed reconstruction;
#: * veto charges in [0, 1e9] p.e.; ``trigger`` and ``truth`` the codes of
#:   :class:`TriggerType` and :class:`Truth`; ``period`` a year in [1900, 2200];
#:   ``run`` and ``spill`` >= 0.
VALUE_LIMITS: dict[str, tuple[float, float]] = {
    "time_us": (-100.0, 1e5),
    "energy_mev": (0.0, 1e4),
    "x_cm": (-1e3, 1e3),
    "y_cm": (-1e3, 1e3),
    "z_cm": (-1e3, 1e3),
    "veto_top_pe": (0.0, 1e9),
    "veto_bottom_pe": (0.0, 1e9),
    "trigger": (float(min(TriggerType)), float(max(TriggerType))),
    "truth": (float(min(Truth)), float(max(Truth))),
    "period": (1900.0, 2200.0),
    "run": (0.0, float(np.iinfo(np.int32).max)),
    "spill": (0.0, float(np.iinfo(np.int64).max)),
}
OPTIONAL_COLUMNS: tuple[str, ...] = ("truth",)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c not in OPTIONAL_COLUMNS)


def arrow_schema(with_truth: bool = True) -> pa.Schema:
    """The pyarrow schema of an event file, with the version in its metadata."""
    names = [c for c in COLUMNS if with_truth or c not in OPTIONAL_COLUMNS]
    return pa.schema(
        [pa.field(c, pa.from_numpy_dtype(np.dtype(COLUMNS[c][0])),
                  nullable=False, metadata={"unit": COLUMNS[c][1]}) for c in names],
        metadata={VERSION_KEY: str(SCHEMA_VERSION)},
    )


def check_version(version: object, source: str) -> None:
    """Refuse a missing or different schema version, naming the file."""
    if version is None:
        raise SchemaMismatch(
            f"{source}: no '{VERSION_KEY}' metadata; not a nuexp event file "
            f"(expected schema version {SCHEMA_VERSION})")
    text = version.decode() if isinstance(version, bytes) else str(version)
    if text.strip() != str(SCHEMA_VERSION):
        raise SchemaMismatch(
            f"{source}: event schema version {text.strip()!r}; this nuexp reads version "
            f"{SCHEMA_VERSION}")


def check_columns(types: dict[str, np.dtype], source: str) -> bool:
    """Check that every required column exists with its type; return whether the
    optional ``truth`` column is present.

    Raises
    ------
    SchemaMismatch
        Naming the file, the column, and the type found or expected.
    """
    for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        expected = np.dtype(COLUMNS[name][0])
        if name not in types:
            if name in OPTIONAL_COLUMNS:
                continue
            raise SchemaMismatch(
                f"{source}: missing column {name!r} ({expected}, {COLUMNS[name][2]}); "
                f"required columns: {', '.join(REQUIRED_COLUMNS)}")
        found = np.dtype(types[name]).newbyteorder("=")
        if found != expected:
            raise SchemaMismatch(
                f"{source}: column {name!r} has type {found}; "
                f"expected {expected}")
    return "truth" in types


@dataclass
class EventChunk:
    """A block of consecutive triggered events, in hepunits (ns, MeV, mm).

    Attributes
    ----------
    run, spill : ndarray of int
        Run and spill numbers.
    time : ndarray of float
        Time since the beam start of the spill (hepunits time, ns = 1).
    trigger : ndarray of int8
        :class:`TriggerType`.
    energy : ndarray of float
        Visible energy (MeV).
    x, y, z : ndarray of float
        Reconstructed vertex (hepunits length, mm = 1).
    veto_top, veto_bottom : ndarray of float
        Veto charges (p.e.).
    period : ndarray of int16
        Data-taking period.
    truth : ndarray of int8
        :class:`Truth` (``UNKNOWN`` everywhere for real data).
    """

    run: np.ndarray
    spill: np.ndarray
    time: np.ndarray
    trigger: np.ndarray
    energy: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    veto_top: np.ndarray
    veto_bottom: np.ndarray
    period: np.ndarray
    truth: np.ndarray

    def __len__(self) -> int:
        return int(self.time.shape[0])

    @classmethod
    def from_columns(cls, columns: dict[str, np.ndarray]) -> EventChunk:
        """Build from file columns (µs, cm, ...), converting to hepunits."""
        n = len(columns["time_us"])
        truth = columns.get("truth")
        return cls(
            run=np.asarray(columns["run"], dtype=np.int32),
            spill=np.asarray(columns["spill"], dtype=np.int64),
            time=np.asarray(columns["time_us"], dtype=np.float64) * us,
            trigger=np.asarray(columns["trigger"], dtype=np.int8),
            energy=np.asarray(columns["energy_mev"], dtype=np.float64),
            x=np.asarray(columns["x_cm"], dtype=np.float64) * cm,
            y=np.asarray(columns["y_cm"], dtype=np.float64) * cm,
            z=np.asarray(columns["z_cm"], dtype=np.float64) * cm,
            veto_top=np.asarray(columns["veto_top_pe"], dtype=np.float64),
            veto_bottom=np.asarray(columns["veto_bottom_pe"], dtype=np.float64),
            period=np.asarray(columns["period"], dtype=np.int16),
            truth=(np.zeros(n, dtype=np.int8) if truth is None
                   else np.asarray(truth, dtype=np.int8)),
        )

    def to_columns(self) -> dict[str, np.ndarray]:
        """File columns (µs, cm, ...) with the schema's dtypes."""
        values = {
            "run": self.run, "spill": self.spill, "time_us": self.time / us,
            "trigger": self.trigger, "energy_mev": self.energy, "x_cm": self.x / cm,
            "y_cm": self.y / cm, "z_cm": self.z / cm, "veto_top_pe": self.veto_top,
            "veto_bottom_pe": self.veto_bottom, "period": self.period, "truth": self.truth,
        }
        return {c: np.asarray(values[c], dtype=COLUMNS[c][0]) for c in COLUMNS}

    def take(self, index: np.ndarray | slice) -> EventChunk:
        """The rows selected by ``index`` (a slice, a boolean mask or indices)."""
        return EventChunk(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @classmethod
    def concatenate(cls, chunks: list[EventChunk]) -> EventChunk:
        """Rows of several chunks, one after the other."""
        if not chunks:
            return cls.empty()
        return cls(**{f.name: np.concatenate([getattr(c, f.name) for c in chunks])
                      for f in fields(cls)})

    @classmethod
    def empty(cls) -> EventChunk:
        """A chunk with no rows."""
        return cls.from_columns({c: np.zeros(0, dtype=COLUMNS[c][0]) for c in COLUMNS})
