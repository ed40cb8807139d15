"""Area use: area per capacity, the area available at a node, area bounds, no area when a tech
may not be built.

Components: `area_use`, `area_use_per_flow_capacity`, `area_use_capacity_per_loc`,
`force_zero_area_use`.
"""

from __future__ import annotations

import pytest
from math_models import (
    COST_ONE_PER_UNIT,
    demand,
    model_definition,
    objective,
    per_cost,
    solve_model,
    supply,
    timeseries,
    value,
)


def pv(**params) -> dict:
    """Free solar with plenty of sun, needing 2 units of area per kW."""
    return supply(source_use_max=timeseries(10, 10), area_use_per_flow_cap=2, **params)


def test_available_area_limits_capacity(tmp_path):
    # 6 units of area at the node, 2 per kW → pv ≤ 3 kW; demand 4 per step, gas (1 per unit)
    # covers 1 per step → 2.
    techs = {"pv": pv(), "gas": supply(cost_per_unit=1), "load": demand("power", 4, 4)}
    definition = model_definition(techs)
    definition["nodes"]["A"]["available_area"] = 6
    model = solve_model(tmp_path, definition)
    assert objective(model) == pytest.approx(2)
    assert value(model, "flow_cap", techs="pv", carriers="power") == pytest.approx(3)
    assert value(model, "area_use", techs="pv") == pytest.approx(6)


def test_area_use_max_limits_capacity(tmp_path):
    # area ≤ 4 → pv ≤ 2 kW; gas covers 2 per step → 4.
    techs = {
        "pv": pv(area_use_max=4),
        "gas": supply(cost_per_unit=1),
        "load": demand("power", 4, 4),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(4)
    assert value(model, "area_use", techs="pv") == pytest.approx(4)


@pytest.mark.parametrize(("flow_cap_max", "expected_cost"), [(1, -10), (0, 0)])
def test_force_zero_area_use(tmp_path, flow_cap_max, expected_cost):
    # Area earns 1 per unit over the 2 h (a negative area cost, bounded by area_use_max 10), so
    # the tech takes all 10 units → -10. With flow_cap_max 0 the tech may not be built and its
    # area is forced to 0 → 0.
    techs = {
        "solar_farm": supply(
            flow_cap_max=flow_cap_max,
            area_use_max=10,
            cost_area_use=per_cost(-COST_ONE_PER_UNIT[2]),
            cost_depreciation_rate=1,
        ),
        "load": demand("power", 0, 0),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(expected_cost)
    assert value(model, "area_use", techs="solar_farm") == pytest.approx(-expected_cost)
