"""System-wide capacity limits: the sum of a tech's flow capacity over all nodes.

Components: `flow_capacity_systemwide_max`, `flow_capacity_systemwide_min`.
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
    value,
)


def test_flow_cap_max_systemwide(tmp_path):
    # Cheap gas (1) at nodes A and B, at most 3 kW in total; peakers (10) at each node.
    # Demand 2 per step at each node: gas 3, peakers 1 per step → 2 × (3 + 10) = 26.
    techs = {
        "gas": supply(cost_per_unit=1, flow_cap_max_systemwide=3),
        "peaker": supply(cost_per_unit=10),
        "load": demand("power", 2, 2),
    }
    nodes = {node: {"techs": {"gas": None, "peaker": None, "load": None}} for node in "AB"}
    model = solve_model(tmp_path, model_definition(techs, nodes))
    assert objective(model) == pytest.approx(26)
    total_gas_cap = sum(
        value(model, "flow_cap", nodes=n, techs="gas", carriers="power") for n in "AB"
    )
    assert total_gas_cap == pytest.approx(3)


def test_flow_cap_min_systemwide(tmp_path):
    # Gas capacity costs 1/kW; demand needs 2 but at least 6 kW must be built → 6.
    techs = {
        "gas": supply(
            flow_cap_min_systemwide=6,
            cost_flow_cap=per_cost(COST_ONE_PER_UNIT[2]),
            cost_depreciation_rate=1,
        ),
        "load": demand("power", 2, 2),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(6)
    assert value(model, "flow_cap", techs="gas", carriers="power") == pytest.approx(6)
