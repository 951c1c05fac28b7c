"""Shared test settings: headless plots, a deterministic hypothesis profile."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

from hypothesis import settings

settings.register_profile("nuexp", deadline=None, max_examples=60, derandomize=True)
settings.load_profile("nuexp")
