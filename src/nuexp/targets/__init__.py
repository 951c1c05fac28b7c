"""Targets: materials to atom counts, isotopes."""
