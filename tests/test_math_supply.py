"""Supply techs: source limits, source efficiency and units, source capacity, outflow losses.

Components: `source_use`, `source_cap`, `balance_supply_no_storage`,
`source_availability_supply`, `balance_supply_min_use`, `source_max`,
`source_capacity_equals_flow_capacity`, `flow_out_max`, `flow_out_min`, `flow_out_inc_eff`,
`cost_investment_source_cap`, `cost_investment_area_use`.
All models: one node `A`, hourly steps, demand `power`.
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

ONE_PER_KW_2H = COST_ONE_PER_UNIT[2]


def test_source_use_max_limits_what_a_supply_can_draw(tmp_path):
    # wind: available [5, 1] per step, capacity costs 1/kW; gas: 1 per unit source, eff 0.5
    # → 2 per unit delivered. Demand 4 each step. With wind capacity x in [1, 4]:
    # wind delivers x + 1, gas delivers 7 - x → cost x + 2(7 - x) = 14 - x → x = 4, cost 10.
    techs = {
        "wind": supply(
            source_use_max=timeseries(5, 1),
            cost_flow_cap=per_cost(ONE_PER_KW_2H),
            cost_depreciation_rate=1,
        ),
        "gas": supply(cost_per_unit=1, flow_out_eff=0.5),
        "load": demand("power", 4, 4),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(10)
    assert value(model, "flow_cap", techs="wind", carriers="power") == pytest.approx(4)
    assert values(model, "flow_out", techs="gas", carriers="power") == pytest.approx([0, 3])
    assert values(model, "source_use", techs="gas") == pytest.approx([0, 6])


def test_source_use_equals_forces_the_draw(tmp_path):
    # wind must draw exactly [1, 2] (no curtailment); its capacity costs 1/kW, so flow_cap = 2.
    # gas (1 per unit) fills the rest of demand [2, 2]: 1 unit → objective 2 + 1 = 3.
    techs = {
        "wind": supply(
            source_use_equals=timeseries(1, 2),
            cost_flow_cap=per_cost(ONE_PER_KW_2H),
            cost_depreciation_rate=1,
        ),
        "gas": supply(cost_per_unit=1),
        "load": demand("power", 2, 2),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(3)
    assert values(model, "flow_out", techs="wind", carriers="power") == pytest.approx([1, 2])
    assert value(model, "flow_cap", techs="wind", carriers="power") == pytest.approx(2)


def test_source_use_min_forces_a_minimum_draw(tmp_path):
    # gas (1 per unit source, eff 0.5) must draw ≥ 3 each step → delivers ≥ 1.5 of demand [2, 4];
    # a free supply covers the rest. Cost 3 + 3 = 6 (it would be 0 without the minimum).
    techs = {
        "gas": supply(cost_per_unit=1, flow_out_eff=0.5, source_use_min=3),
        "free": supply(),
        "load": demand("power", 2, 4),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(6)
    assert values(model, "source_use", techs="gas") == pytest.approx([3, 3])


def test_source_eff_scales_source_to_outflow(tmp_path):
    # Only half of the drawn source becomes energy: demand [2, 2] needs 4 + 4 of source at 1 each.
    techs = {"gas": supply(cost_per_unit=1, source_eff=0.5), "load": demand("power", 2, 2)}
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(8)
    assert values(model, "source_use", techs="gas") == pytest.approx([4, 4])


def test_flow_out_eff_and_parasitic_eff(tmp_path):
    # flow_out_eff 0.5 and parasitic 0.8: 2 delivered needs 2 / (0.5·0.8) = 5 source → cost 10.
    # The parasitic loss also derates capacity: flow_out ≤ 0.8·flow_cap → flow_cap = 2.5, at 1/kW.
    techs = {
        "gas": supply(
            cost_per_unit=1,
            flow_out_eff=0.5,
            flow_out_parasitic_eff=0.8,
            cost_flow_cap=per_cost(ONE_PER_KW_2H),
            cost_depreciation_rate=1,
        ),
        "load": demand("power", 2, 2),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(12.5)
    assert value(model, "flow_cap", techs="gas", carriers="power") == pytest.approx(2.5)
    assert values(model, "source_use", techs="gas") == pytest.approx([5, 5])
    assert values(model, "flow_out_inc_eff", techs="gas", carriers="power") == pytest.approx([5, 5])


def test_source_unit_per_area_scales_the_source_by_area_use(tmp_path):
    # pv: available [0.5, 0.25] per unit area, area costs 1 per unit; gas costs 10 per unit.
    # Demand [1, 1]. Area A: cost A + 10·(max(0, 1 - 0.5A) + max(0, 1 - 0.25A)); its slope is
    # negative up to A = 4 (1 - 2.5 < 0) and +1 after → A = 4, no gas, objective 4.
    techs = {
        "pv": supply(
            source_unit="per_area",
            source_use_max=timeseries(0.5, 0.25),
            area_use_max=100,
            cost_area_use=per_cost(ONE_PER_KW_2H),
            cost_depreciation_rate=1,
        ),
        "gas": supply(cost_per_unit=10),
        "load": demand("power", 1, 1),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(4)
    assert value(model, "area_use", techs="pv") == pytest.approx(4)
    assert value(model, "cost_investment_area_use", techs="pv", costs="monetary") == pytest.approx(
        4 * ONE_PER_KW_2H
    )


def test_source_unit_per_cap_scales_the_source_by_flow_cap(tmp_path):
    # pv: available [0.5, 1] per kW of capacity, capacity 1/kW; gas 10 per unit; demand [1, 1].
    # Capacity C: C + 10·(max(0, 1 - 0.5C) + max(0, 1 - C)) → C = 2, objective 2.
    techs = {
        "pv": supply(
            source_unit="per_cap",
            source_use_max=timeseries(0.5, 1),
            cost_flow_cap=per_cost(ONE_PER_KW_2H),
            cost_depreciation_rate=1,
        ),
        "gas": supply(cost_per_unit=10),
        "load": demand("power", 1, 1),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(2)
    assert value(model, "flow_cap", techs="pv", carriers="power") == pytest.approx(2)
    assert values(model, "source_use", techs="pv") == pytest.approx([1, 1])


def test_source_cap_limits_source_use_per_hour(tmp_path):
    # eff 0.5: demand [1, 2] needs source [2, 4]; source_max: source_use ≤ source_cap·1 h
    # → source_cap = 4 at 1 per unit (cost_source_cap) → objective 4.
    techs = {
        "gas": supply(
            flow_out_eff=0.5,
            cost_source_cap=per_cost(ONE_PER_KW_2H),
            cost_depreciation_rate=1,
        ),
        "load": demand("power", 1, 2),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(4)
    assert value(model, "source_cap", techs="gas") == pytest.approx(4)
    assert values(model, "source_use", techs="gas") == pytest.approx([2, 4])


@pytest.mark.parametrize(
    ("equal", "expected_cost", "expected_flow_cap"), [(False, 6, 2), (True, 8, 4)]
)
def test_source_cap_equals_flow_cap(tmp_path, equal, expected_cost, expected_flow_cap):
    # As above, now flow capacity also costs 1/kW: free choice → source_cap 4 + flow_cap 2 = 6;
    # with `source_cap_equals_flow_cap` both must be 4 → 8.
    techs = {
        "gas": supply(
            flow_out_eff=0.5,
            cost_source_cap=per_cost(ONE_PER_KW_2H),
            cost_flow_cap=per_cost(ONE_PER_KW_2H),
            cost_depreciation_rate=1,
            source_cap_equals_flow_cap=equal,
        ),
        "load": demand("power", 1, 2),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(expected_cost)
    assert value(model, "flow_cap", techs="gas", carriers="power") == pytest.approx(
        expected_flow_cap
    )
    assert value(model, "source_cap", techs="gas") == pytest.approx(4)


def test_flow_out_min_relative_forces_stable_output(tmp_path):
    # base: 1/kW capacity, 1 per unit; peaker: 3 per unit, no capacity cost. Demand [4, 1].
    # base must run at ≥ 50 % of capacity C in both steps and there is no sink for excess, so
    # 0.5·C ≤ 1 → C ≤ 2. With C = 2: capacity 2 + base energy 2 + 1 + peaker 2·3 = 11
    # (smaller C only shifts more energy to the peaker). Without the minimum, C = 4 → 9.
    techs = {
        "base": supply(
            cost_per_unit=1,
            flow_out_min_relative=0.5,
            cost_flow_cap=per_cost(ONE_PER_KW_2H),
            cost_depreciation_rate=1,
        ),
        "peaker": supply(cost_per_unit=3),
        "load": demand("power", 4, 1),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(11)
    assert value(model, "flow_cap", techs="base", carriers="power") == pytest.approx(2)
    assert values(model, "flow_out", techs="base", carriers="power") == pytest.approx([2, 1])
