"""Experiment presets (TOML, validated) and the analyses that reproduce each paper.

A preset is ``presets/NAME.toml``. Its ``analysis`` key names a module of this package
that defines ``Config`` (an :class:`nuexp.config.ExperimentConfig` subclass) and
``analyse(config, ctx)`` which records quantities, figures and tables on the
:class:`~nuexp.experiments.context.RunContext`.
"""

from .registry import Preset, available_presets, get_preset

__all__ = ["Preset", "available_presets", "get_preset"]
