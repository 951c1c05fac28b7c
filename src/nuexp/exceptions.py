"""Domain exceptions of nuexp, in one place (as pyhf does in ``pyhf.exceptions``).

Every error a user can trigger by bad input derives from :class:`NuexpError`, so a
notebook or the CLI can catch one type. Messages name the field, the value and what
is allowed.
"""

from __future__ import annotations

__all__ = [
    "NuexpError",
    "InvalidConfiguration",
    "UnphysicalParameter",
    "FitDidNotConverge",
    "SchemaMismatch",
    "DataNotAvailable",
    "UnknownName",
    "OutputRefused",
    "DataIntegrityError",
    "InsufficientMemory",
    "InputFileError",
    "NonFiniteResult",
]


class NuexpError(Exception):
    """Base class of every error nuexp raises on purpose."""


class InvalidConfiguration(NuexpError, ValueError):
    """A configuration (TOML preset or override) failed validation."""


class UnphysicalParameter(NuexpError, ValueError):
    """A physics parameter is outside its physical range (never clipped silently)."""


class UnknownName(NuexpError, KeyError):
    """A name (preset, isotope, form factor, flavour, ...) that nuexp does not know."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class FitDidNotConverge(NuexpError, RuntimeError):
    """A minimisation failed; carries the last parameters so they can be inspected.

    Parameters
    ----------
    message : str
        What failed.
    last_parameters : dict, optional
        Parameter values at the last step of the minimiser.
    """

    def __init__(self, message: str, last_parameters: dict | None = None) -> None:
        super().__init__(message)
        self.last_parameters = dict(last_parameters or {})


class SchemaMismatch(NuexpError, ValueError):
    """An input file (event file, data release) does not have the expected schema."""


class DataNotAvailable(NuexpError, RuntimeError):
    """A data package or file needed for an analysis is not installed."""


class OutputRefused(NuexpError, FileExistsError):
    """An output path that nuexp may not write to or replace (a folder holding files
    nuexp did not write, a file, a device, ``.``, an unwritable place); nothing was
    touched."""


class DataIntegrityError(SchemaMismatch):
    """Event data that disagree with their manifest (unlisted, duplicate or missing
    block, wrong row count or checksum) or hold unphysical values; the message names the
    file and, for a value, the column, the row and the value."""


class InsufficientMemory(NuexpError, MemoryError):
    """A computation would need more memory than the machine has available; the message
    gives the estimate, the available memory and the setting to change."""


class InputFileError(NuexpError, OSError):
    """An input or output file could not be read or written (missing, a folder, not
    UTF-8, not readable, disk full, ...); the message names the path and the reason."""


class NonFiniteResult(NuexpError, ArithmeticError):
    """A computed result is NaN or infinite (a division by zero, an overflow): it is
    refused where it is recorded, naming the quantity, so that no NaN or inf ever reaches
    ``results.json``; the configuration that led there is usually at the edge of its
    allowed range."""
