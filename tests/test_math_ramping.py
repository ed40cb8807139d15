"""Ramping: the flow rate may change by at most `flow_ramping` × flow_cap per step.

Components: `ramping_up`, `ramping_down` (outflow-only techs).
"""

from __future__ import annotations

import pytest
from math_models import demand, model_definition, objective, per_cost, solve_model, supply, values


def slow_gas() -> dict:
    """Gas (1 per unit) of fixed 4 kW that can change its output by 0.25 × 4 = 1 kW per hour."""
    return supply(cost_per_unit=1, flow_cap_min=4, flow_cap_max=4, flow_ramping=0.25)


def test_ramping_up_is_limited(tmp_path):
    # Demand [0, 3, 3]; gas starts at 0 (no sink) and rises by ≤ 1 per hour: [0, 1, 2] → 3;
    # a peaker (10 per unit) covers 2 + 1 = 3 → 30. Objective 33.
    techs = {
        "gas": slow_gas(),
        "peaker": supply(cost_per_unit=10),
        "load": demand("power", 0, 3, 3),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(33)
    assert values(model, "flow_out", techs="gas", carriers="power") == pytest.approx([0, 1, 2])


def test_ramping_down_is_limited(tmp_path):
    # Demand [3, 1, 1]. Gas falls by ≤ 1 per hour; surplus goes to a dump that costs 5 per unit.
    # Gas starting at g ∈ [2, 3]: gas g + (g-1) + 1, peaker 10(3-g), dump 5(g-2) → 20 - 3g,
    # best at g = 3: gas [3, 2, 1] = 6, dump 1 at step 1 = 5 → 11.
    techs = {
        "gas": slow_gas(),
        "peaker": supply(cost_per_unit=10),
        "load": demand("power", 3, 1, 1),
        "dump": {"base_tech": "demand", "carrier_in": "power", "cost_flow_in": per_cost(5)},
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(11)
    assert values(model, "flow_out", techs="gas", carriers="power") == pytest.approx([3, 2, 1])
    assert values(model, "flow_in", techs="dump", carriers="power") == pytest.approx([0, 1, 0])
