"""results.json hygiene (issue #21): a unit on every quantity, a ratio to the published
value only where it means something."""

import pytest

from nuexp.report.results import DIMENSIONLESS, Quantity


def test_quantity_ratio_only_where_it_means_something():
    # a p-value: Wilks' p = 2.2e-7 against a published 4e-8 is not "5.5 times" it
    assert Quantity("p_value", 2.2e-7, "1", published=4e-8).ratio is None
    assert Quantity("p_value_with_background_uncertainty", 1e-6, "1",
                    published=2e-6).ratio is None
    # opposite signs (an ordering-signed Δm² against a magnitude): no ratio
    assert Quantity("dm2_32_inverted", -2.57e-3, "eV^2", published=2.57e-3).ratio is None
    assert Quantity("dm2_32_inverted", -2.573e-3, "eV^2",
                    published=-2.571e-3).ratio == pytest.approx(2.573 / 2.571)
    assert Quantity("a", 2.0, "u", published=0.0).ratio is None
    assert Quantity("a", 2.0, "u", published="> 1e13").ratio is None


def test_every_quantity_has_a_unit():
    assert Quantity("ndf", 525, "").unit == DIMENSIONLESS == "1"
    assert Quantity("ndf", 525, "  ").to_dict()["unit"] == "1"
    assert Quantity("rate", 1.0, "day^-1").unit == "day^-1"
