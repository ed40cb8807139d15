"""Unmet demand and unused supply: slacks at the `bigM` penalty with `ensure_feasibility`.

Components: `unmet_demand`, `unused_supply`, `system_balance` (slack terms), the penalty term of
`min_cost_optimisation`.
"""

from __future__ import annotations

import pytest
from math_models import demand, model_definition, objective, solve_model, supply, timeseries, values

FEASIBLE = {"build": {"ensure_feasibility": True}}
BIG_M = {"bigM": 100}


def test_unmet_demand_at_big_m(tmp_path):
    # Supply (1 per unit) limited to 1 kW, demand [2, 2]: gas 1 + 1 = 2, and 1 unit unmet per
    # step at bigM 100 → 200. Objective 202.
    techs = {"gas": supply(cost_per_unit=1, flow_cap_max=1), "load": demand("power", 2, 2)}
    definition = model_definition(techs, config=FEASIBLE, data_definitions=BIG_M)
    model = solve_model(tmp_path, definition)
    assert objective(model) == pytest.approx(202)
    assert values(model, "unmet_demand", nodes="A", carriers="power") == pytest.approx([1, 1])


def test_unused_supply_at_big_m(tmp_path):
    # A supply (1 per unit) forced to draw 3 per step against demand [2, 2]: 3 + 3 = 6, and
    # 1 unit per step is dumped into `unused_supply` (≤ 0) at bigM 100 → 200. Objective 206.
    techs = {
        "forced": supply(cost_per_unit=1, source_use_equals=timeseries(3, 3)),
        "load": demand("power", 2, 2),
    }
    definition = model_definition(techs, config=FEASIBLE, data_definitions=BIG_M)
    model = solve_model(tmp_path, definition)
    assert objective(model) == pytest.approx(206)
    assert values(model, "unused_supply", nodes="A", carriers="power") == pytest.approx([-1, -1])


def test_no_slacks_without_ensure_feasibility(tmp_path):
    # The same balanced model without the switch has no slack variables at all.
    techs = {"gas": supply(cost_per_unit=1), "load": demand("power", 2, 2)}
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(4)
    for name in ("unmet_demand", "unused_supply"):
        assert name not in model.results or model.results[name].isnull().all()


def test_unmet_sum_reports_the_net_slack(tmp_path):
    # Same as the first test: 1 unit unmet per step, nothing unused → unmet_sum [1, 1].
    techs = {"gas": supply(cost_per_unit=1, flow_cap_max=1), "load": demand("power", 2, 2)}
    definition = model_definition(techs, config=FEASIBLE, data_definitions=BIG_M)
    model = solve_model(tmp_path, definition)
    assert values(model, "unmet_sum", nodes="A", carriers="power") == pytest.approx([1, 1])
