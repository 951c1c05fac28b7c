"""Experiments as data: families (reusable analyses) and presets (TOML files).

A family is a folder ``<name>/`` holding its ``FAMILY`` (an
:class:`~nuexp.experiments.analysis.Family`: configuration model, ``compute`` and
``report``), its plots and its preset TOMLs. An experiment TOML names a family
(``family = "NAME"``) or extends a preset or another file (``extends = "NAME"``); see
:mod:`nuexp.experiments.resolve` and ``docs/experiments-as-data.md``.
"""

from .registry import (
    Preset,
    available_families,
    available_presets,
    get_family,
    get_preset,
)

__all__ = ["Preset", "available_families", "available_presets", "get_family", "get_preset"]
