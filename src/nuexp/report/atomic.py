"""Atomic file output for the report (implemented in the foundation module
:mod:`nuexp.fileio`, which the lower stages use too)."""

from __future__ import annotations

from ..fileio import atomic_write_bytes, atomic_write_text

__all__ = ["atomic_write_bytes", "atomic_write_text"]
