"""Demand techs: fixed, bounded and minimum sinks; sink units; inflow losses; the node balance.

Components: `balance_demand` (both equations), `balance_demand_min_use`, `flow_in`,
`flow_in_max`, `flow_in_inc_eff`, `system_balance`, `cost_operation_variable` (inflow cost).
"""

from __future__ import annotations

import pytest
from math_models import (
    demand,
    model_definition,
    objective,
    per_cost,
    solve_model,
    supply,
    timeseries,
    value,
    values,
)


def test_sink_use_equals_is_a_fixed_demand(tmp_path):
    # Demand [1, 2] met by a supply costing 1 per unit → 3; the node balance makes supply = demand.
    techs = {"gas": supply(cost_per_unit=1), "load": demand("power", 1, 2)}
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(3)
    assert values(model, "flow_in", techs="load", carriers="power") == pytest.approx([1, 2])
    assert values(model, "flow_out", techs="gas", carriers="power") == pytest.approx([1, 2])


def test_sink_use_min_sets_a_minimum_demand(tmp_path):
    # A flexible demand must take [1, 2] at least and may take up to 5; taking more costs, so it
    # takes exactly the minimum: objective 3.
    techs = {
        "gas": supply(cost_per_unit=1),
        "load": {
            "base_tech": "demand",
            "carrier_in": "power",
            "sink_use_min": timeseries(1, 2),
            "sink_use_max": 5,
        },
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(3)
    assert values(model, "flow_in", techs="load", carriers="power") == pytest.approx([1, 2])


def test_sink_use_max_caps_a_sink(tmp_path):
    # A supply must draw exactly 4 each step; a load takes [1, 0]; the rest goes to two dumps:
    # `dump` (1 per unit, at most [3, 1]) and `dump2` (2 per unit, unlimited).
    # dump takes [3, 1] → 4; dump2 takes [0, 3] → 6; objective 10.
    techs = {
        "forced": supply(source_use_equals=timeseries(4, 4)),
        "load": demand("power", 1, 0),
        "dump": {
            "base_tech": "demand",
            "carrier_in": "power",
            "sink_use_max": timeseries(3, 1),
            "cost_flow_in": per_cost(1),
        },
        "dump2": {"base_tech": "demand", "carrier_in": "power", "cost_flow_in": per_cost(2)},
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(10)
    assert values(model, "flow_in", techs="dump", carriers="power") == pytest.approx([3, 1])
    assert values(model, "flow_in", techs="dump2", carriers="power") == pytest.approx([0, 3])


def test_flow_in_eff_on_a_demand(tmp_path):
    # Only half of what the demand takes in counts: sink [2, 2] needs flow_in [4, 4] → cost 8.
    techs = {
        "gas": supply(cost_per_unit=1),
        "load": {**demand("power", 2, 2), "flow_in_eff": 0.5},
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(8)
    assert values(model, "flow_in", techs="load", carriers="power") == pytest.approx([4, 4])
    assert values(model, "flow_in_inc_eff", techs="load", carriers="power") == pytest.approx([2, 2])


def test_sink_unit_per_cap_scales_demand_by_flow_cap(tmp_path):
    # A demand of [0.5, 1] per kW of its own (fixed) inflow capacity of 2 kW takes [1, 2] → 3.
    techs = {
        "gas": supply(cost_per_unit=1),
        "ev": {
            **demand("power", 0.5, 1),
            "sink_unit": "per_cap",
            "flow_cap_min": 2,
            "flow_cap_max": 2,
        },
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(3)
    assert values(model, "flow_in", techs="ev", carriers="power") == pytest.approx([1, 2])


def test_sink_unit_per_area_scales_demand_by_area_use(tmp_path):
    # A demand of [1, 2] per unit of area, with its area fixed at 3 → takes [3, 6] → cost 9.
    techs = {
        "gas": supply(cost_per_unit=1),
        "greenhouse": {
            **demand("power", 1, 2),
            "sink_unit": "per_area",
            "area_use_min": 3,
            "area_use_max": 3,
        },
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(9)
    assert value(model, "area_use", techs="greenhouse") == pytest.approx(3)
    assert values(model, "flow_in", techs="greenhouse", carriers="power") == pytest.approx([3, 6])
