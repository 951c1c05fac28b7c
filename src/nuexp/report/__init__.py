"""Reporting: headline quantities, results.json, plots and tables."""

from .results import Quantity, Results

__all__ = ["Quantity", "Results"]
