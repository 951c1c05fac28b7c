"""Tables never hold NaN or infinity (``RunContext.table`` in
``nuexp/experiments/context.py``, ``require_finite_cells`` in ``nuexp/report/tables.py``;
``docs/results-contract.md``: "No NaN or infinity anywhere"). A cell without a value is
None, written as an empty CSV cell."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nuexp.exceptions import NonFiniteResult, NuexpError
from nuexp.experiments.context import RunContext
from nuexp.experiments.registry import resolve_config
from nuexp.report.results import Results


def _context(staging=None) -> RunContext:
    _, config = resolve_config("clovers")
    return RunContext(Results("clovers", config, 1, "0"), staging, False)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float32("nan"),
                                 np.float64("inf")])
def test_non_finite_cell_is_refused_naming_table_column_row_value(bad, tmp_path):
    ctx = _context(tmp_path)
    rows = [{"energy_mev": 1.0, "rate": 2.0}, {"energy_mev": 2.5, "rate": bad}]
    with pytest.raises(NonFiniteResult) as err:
        ctx.table("spectrum", rows)
    assert isinstance(err.value, NuexpError)
    assert str(err.value).startswith(
        f"table 'spectrum', column 'rate', row 1 (energy_mev = 2.5): value {bad} is not a "
        "finite number"), str(err.value)
    assert "spectrum" not in ctx.results.tables
    assert not (tmp_path / "spectrum.csv").exists()


def test_non_finite_first_column_is_named_without_repeating_it():
    with pytest.raises(NonFiniteResult, match=r"^table 't', column 'x', row 0: value nan "):
        _context().table("t", [{"x": math.nan, "y": 1.0}])


def test_none_and_empty_cells_are_allowed(tmp_path):
    ctx = _context(tmp_path)
    rows = [{"dm2_ev2": 0.5, "low": None, "label": ""}, {"dm2_ev2": 1.0, "low": 0.01,
                                                         "label": "x"}]
    ctx.table("band", rows)
    assert ctx.results.tables["band"] == rows
    assert (tmp_path / "band.csv").read_text() == "dm2_ev2,low,label\n0.5,,\n1.0,0.01,x\n"
