"""Costs: annualised investment (annuity, depreciation rate, lifetime without interest), the
share of a year a model covers, fixed O&M, variable costs and weighted cost classes.

Components: `cost_investment_flow_cap`, `cost_investment`, `cost_investment_annualised`,
`cost_operation_fixed`, `cost_operation_variable`, `cost`, `min_cost_optimisation`.
Models: one gas plant of 2 kW (demand 2 per step) over two hourly steps unless stated.
"""

from __future__ import annotations

import pytest
from math_models import (
    TIMESTEPS,
    demand,
    model_definition,
    objective,
    per_cost,
    solve_model,
    solve_with_weights,
    supply,
    timeseries,
    value,
)

SHARE_OF_YEAR = 2 / 8760  # two hourly steps


def gas_plant_model(**gas_params) -> dict:
    techs = {"gas": supply(**gas_params), "load": demand("power", 2, 2)}
    return model_definition(techs)


def annuity(rate: float, years: float) -> float:
    return rate * (1 + rate) ** years / ((1 + rate) ** years - 1)


def test_interest_rate_annuity(tmp_path):
    # 1000 per kW × 2 kW = 2000 invested; annuity(10 %, 10 y) = 0.1627454; × 2/8760.
    definition = gas_plant_model(
        cost_flow_cap=per_cost(1000), lifetime=10, cost_interest_rate=per_cost(0.1)
    )
    model = solve_model(tmp_path, definition)
    expected = 2000 * annuity(0.1, 10) * SHARE_OF_YEAR
    assert annuity(0.1, 10) == pytest.approx(0.1627454, rel=1e-6)
    assert objective(model) == pytest.approx(expected)
    assert value(model, "cost_investment", techs="gas", costs="monetary") == pytest.approx(2000)
    assert value(
        model, "cost_investment_flow_cap", techs="gas", carriers="power", costs="monetary"
    ) == (pytest.approx(2000))
    assert value(model, "cost_investment_annualised", techs="gas", costs="monetary") == (
        pytest.approx(expected)
    )
    assert value(model, "cost", techs="gas", costs="monetary") == pytest.approx(expected)


def test_depreciation_rate_replaces_the_annuity(tmp_path):
    # A given depreciation rate (0.2) wins over interest and lifetime: 2000 × 0.2 × 2/8760.
    definition = gas_plant_model(
        cost_flow_cap=per_cost(1000),
        lifetime=10,
        cost_interest_rate=per_cost(0.1),
        cost_depreciation_rate=0.2,
    )
    model = solve_model(tmp_path, definition)
    assert objective(model) == pytest.approx(2000 * 0.2 * SHARE_OF_YEAR)


def test_lifetime_without_interest(tmp_path):
    # No interest rate: straight-line, 1/20 per year: 2000 / 20 × 2/8760.
    definition = gas_plant_model(cost_flow_cap=per_cost(1000), lifetime=20)
    model = solve_model(tmp_path, definition)
    assert objective(model) == pytest.approx(2000 / 20 * SHARE_OF_YEAR)


def test_no_lifetime_no_rate_means_no_investment_cost(tmp_path):
    # Calliope's quirk kept: without lifetime, interest or depreciation rate, the rate is
    # 1/lifetime = 1/inf = 0, so capacity is free; only the variable cost 1 × 4 remains.
    definition = gas_plant_model(cost_flow_cap=per_cost(1000), cost_per_unit=1)
    model = solve_model(tmp_path, definition)
    assert objective(model) == pytest.approx(4)


def test_fixed_om_per_capacity_and_investment_fraction(tmp_path):
    # cost_om_annual 8760 per kW-year × 2 kW × 2/8760 = 4.
    # cost_flow_cap 4380, depreciation 1: investment 8760, annualised 8760 × 2/8760 = 2;
    # O&M fraction 0.5 of investment per year: 0.5 × 8760 × 2/8760 = 1. Total 7.
    definition = gas_plant_model(
        cost_om_annual=per_cost(8760),
        cost_flow_cap=per_cost(4380),
        cost_depreciation_rate=1,
        cost_om_annual_investment_fraction=0.5,
    )
    model = solve_model(tmp_path, definition)
    assert objective(model) == pytest.approx(7)
    assert value(model, "cost_operation_fixed", techs="gas", costs="monetary") == pytest.approx(5)
    assert value(model, "cost_investment_annualised", techs="gas", costs="monetary") == (
        pytest.approx(2)
    )


def test_share_of_year_uses_resolution_and_weights(tmp_path):
    # Two 2-hour steps with weights [1, 3]: the model stands for 2·1 + 2·3 = 8 hours.
    # Demand 4 per 2-hour step → flow_cap 2 kW; 8760 per kW with depreciation 1 → 8760·2·8/8760
    # = 16. Energy 4·1 + 4·3 = 16 weighted units at 1 → 16. Objective 32.
    steps = [TIMESTEPS[0], TIMESTEPS[2]]
    techs = {
        "gas": supply(cost_per_unit=1, cost_flow_cap=per_cost(8760), cost_depreciation_rate=1),
        "load": {
            "base_tech": "demand",
            "carrier_in": "power",
            "sink_use_equals": timeseries(4, 4, timesteps=steps),
        },
    }
    model = solve_with_weights(tmp_path, model_definition(techs), weights=[1, 3])
    assert objective(model) == pytest.approx(32)
    assert value(model, "flow_cap", techs="gas", carriers="power") == pytest.approx(2)


@pytest.mark.parametrize(("co2_weight", "expected", "runs"), [(0.1, 2.4, "gas"), (1, 4, "wind")])
def test_objective_cost_weights_over_cost_classes(tmp_path, co2_weight, expected, runs):
    # gas: 1 money + 2 CO2 per unit; wind: 2 money per unit. Demand [1, 1].
    # CO2 weight 0.1 → gas 1.2 < 2 → gas runs, objective 2.4; weight 1 → gas 3 > 2 → wind, 4.
    two_costs = {"data": [1, 2], "index": ["monetary", "co2"], "dims": ["costs"]}
    techs = {
        "gas": supply(cost_source_use=two_costs),
        "wind": supply(cost_source_use=per_cost(2)),
        "load": demand("power", 1, 1),
    }
    definition = model_definition(techs)
    definition["data_definitions"] = {
        "objective_cost_weights": {
            "data": [1, co2_weight],
            "index": ["monetary", "co2"],
            "dims": ["costs"],
        }
    }
    model = solve_model(tmp_path, definition)
    assert objective(model) == pytest.approx(expected)
    assert value(model, "flow_out", techs=runs, carriers="power", timesteps=0) == pytest.approx(1)
    if runs == "gas":
        assert value(model, "cost", techs="gas", costs="co2") == pytest.approx(4)


def test_check_feasibility_objective_has_no_costs(tmp_path):
    # `check_feasibility` minimises nothing: the objective is 0 although gas costs 1 per unit,
    # and the solution still meets demand [2, 2].
    definition = gas_plant_model(cost_per_unit=1)
    definition["config"]["build"]["objective"] = "check_feasibility"
    model = solve_model(tmp_path, definition)
    assert objective(model) == pytest.approx(0)
    assert value(model, "flow_out", techs="gas", carriers="power", timesteps=1) == pytest.approx(2)


def test_model_without_cost_data(tmp_path):
    # No tech has any cost, so there is no `costs` dimension: every cost component is skipped
    # (its foreach names a missing dim, as in Calliope) and the objective is 0.
    techs = {"gas": supply(), "load": demand("power", 2, 2)}
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(0)
    assert value(model, "flow_out", techs="gas", carriers="power", timesteps=0) == pytest.approx(2)
