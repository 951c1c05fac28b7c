"""Daya Bay θ13 / Δm²32 analysis on the full public data release (see :mod:`.analysis`)."""
