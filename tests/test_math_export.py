"""Export: selling part of a tech's outflow out of the system (`carrier_export`).

Components: `flow_export`, `export_balance`, `cost_operation_variable` (negative export cost =
revenue), `export_max` as the variable's upper bound.
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
    values,
)


def test_export_earns_revenue_up_to_export_max(tmp_path):
    # pv: free energy up to 5 per step, capacity 1/kW, may export power at a revenue of 2 per
    # unit, at most 3 per step. Demand [1, 1]. Each kW above 1 earns 2 × 2 steps = 4 for a cost of
    # 1, until the export limit: flow_cap = 4, export [3, 3] → 4 - 2·6 = -8.
    techs = {
        "pv": supply(
            source_use_max=timeseries(5, 5),
            carrier_export="power",
            export_max=3,
            cost_export=per_cost(-2),
            cost_flow_cap=per_cost(COST_ONE_PER_UNIT[2]),
            cost_depreciation_rate=1,
        ),
        "load": demand("power", 1, 1),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(-8)
    assert value(model, "flow_cap", techs="pv", carriers="power") == pytest.approx(4)
    assert values(model, "flow_export", techs="pv", carriers="power") == pytest.approx([3, 3])
    assert values(model, "flow_out", techs="pv", carriers="power") == pytest.approx([4, 4])
    assert values(model, "cost_operation_variable", techs="pv", costs="monetary") == (
        pytest.approx([-6, -6])
    )


def test_export_cannot_exceed_outflow(tmp_path):
    # Without an export limit, pv exports everything it makes beyond demand: with a capacity limit
    # of 2 (free) and demand [1, 1], export is [1, 1] → revenue 2 × 2 = 4 → objective -4.
    techs = {
        "pv": supply(
            flow_cap_max=2,
            carrier_export="power",
            cost_export=per_cost(-2),
        ),
        "load": demand("power", 1, 1),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(-4)
    assert values(model, "flow_export", techs="pv", carriers="power") == pytest.approx([1, 1])
