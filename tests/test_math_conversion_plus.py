"""Carrier tiers and ratios (Calliope 0.6's conversion_plus) on a `base_tech: conversion` tech.

The five examples of the Calliope 0.6 guide's "conversion_plus" section, written in our flat
0.7 format (`base_tech: conversion`, `flow_out_eff` for `energy_eff`, `flow_cap_max` for
`energy_cap_max`) with their tiers and `carrier_ratios` exactly as the guide writes them. Each
runs at an operating point forced by fixed demands, so the flows the guide describes are
asserted, and the objective.

Components: `balance_conversion_plus_primary`, `balance_conversion_plus_tiers`,
`conversion_plus_zero_ratio`, `flow_out_max_conversion_plus`, `flow_out_min_conversion_plus`,
`ramping_up_conversion_plus`, `ramping_down_conversion_plus`, and the `flow_cap` and
`cost_operation_variable` changes of conversion_plus.yaml.
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
    write_model,
)

from esmflow import Model
from esmflow.errors import ModelError


def chp() -> dict:
    """The guide's CHP: for every unit of electricity, 0.8 units of heat."""
    return {
        "name": "Combined heat and power",
        "base_tech": "conversion",
        "carrier_in": "gas",
        "carrier_out": "electricity",
        "carrier_out_2": "heat",
        "primary_carrier_out": "electricity",
        "flow_out_eff": 0.45,
        "flow_cap_max": 100,
        "carrier_ratios.carrier_out_2.heat": 0.8,  # dotted, as the guide writes it
    }


def ahp() -> dict:
    """The guide's air-source heat pump: heat at COP 5 or cooling at COP 3, in any mix."""
    return {
        "name": "Air source heat pump",
        "base_tech": "conversion",
        "carrier_in": "electricity",
        "carrier_out": ["heat", "cooling"],
        "primary_carrier_out": "heat",
        "flow_out_eff": 1,
        "flow_cap_max": 100,
        "carrier_ratios": {"carrier_out": {"heat": 5, "cooling": 3}},
    }


def cchp() -> dict:
    """The guide's CCHP: electricity at 45 %, plus one unit of (0.8 heat or 0.5 cooling)."""
    return {
        "name": "Combined cooling, heat and power",
        "base_tech": "conversion",
        "carrier_in": "gas",
        "carrier_out": "electricity",
        "carrier_out_2": ["heat", "cooling"],
        "primary_carrier_out": "electricity",
        "flow_out_eff": 0.45,
        "flow_cap_max": 100,
        "carrier_ratios.carrier_out_2": {"heat": 0.8, "cooling": 0.5},
    }


def gas_turbine() -> dict:
    """The guide's advanced gas turbine: methane, or hydrogen at half the value."""
    return {
        "name": "Advanced gas turbine",
        "base_tech": "conversion",
        "carrier_in": ["methane", "hydrogen"],
        "carrier_out": "electricity",
        "flow_out_eff": 0.5,
        "flow_cap_max": 100,
        "carrier_ratios": {"carrier_in": {"methane": 1, "hydrogen": 0.5}},
    }


def complex_tech() -> dict:
    """The guide's complex fictional technology, with all its tiers."""
    return {
        "name": "Complex fictional technology",
        "base_tech": "conversion",
        "carrier_in": ["coal", "gas", "oil"],
        "carrier_in_2": ["biomass", "waste"],
        "carrier_out": ["high_T_heat", "electricity"],
        "carrier_out_2": ["mid_T_heat", "cooling"],
        "carrier_out_3": "low_T_heat",
        "primary_carrier_out": "electricity",
        "flow_out_eff": 1,
        "flow_cap_max": 100,
        "carrier_ratios": {
            "carrier_in": {"coal": 1.2, "gas": 1, "oil": 1.6},
            "carrier_in_2": {"biomass": 1, "waste": 1.25},
            "carrier_out": {"high_T_heat": 0.8, "electricity": 0.6},
            "carrier_out_2": {"mid_T_heat": 0.3, "cooling": 0.2},
            "carrier_out_3.low_T_heat": 0.15,
        },
    }


def flows(model: Model, name: str, tech: str, carrier: str) -> list[float]:
    return values(model, name, techs=tech, carriers=carrier)


def test_chp_makes_heat_at_a_fixed_ratio_to_power(tmp_path):
    # Electricity 45 per step (2 steps) from the CHP at η 0.45: gas 100 per step at 1 → 200.
    # Heat = 0.8 × electricity = 36 per step, taken by a fixed heat demand. Capacity sits on
    # electricity, its primary output: 45, at 1 per unit → objective 245.
    techs = {
        "gas_supply": supply("gas", cost_per_unit=1),
        "chp": {
            **chp(),
            "cost_flow_cap": per_cost(COST_ONE_PER_UNIT[2]),
            "cost_depreciation_rate": 1,
        },
        "power_demand": demand("electricity", 45, 45),
        "heat_demand": demand("heat", 36, 36),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(245)
    assert flows(model, "flow_in", "chp", "gas") == pytest.approx([100, 100])
    assert flows(model, "flow_out", "chp", "heat") == pytest.approx([36, 36])
    assert value(model, "flow_cap", techs="chp", carriers="electricity") == pytest.approx(45)
    assert model.results["flow_cap"].sel(techs="chp").notnull().sum() == 1  # one capacity
    assert "balance_conversion" not in model.program.components  # not built for the CHP


def test_chp_costs_fall_on_primary_carriers_and_any_output_may_be_exported(tmp_path):
    # `cost_flow_out` (0.1 per unit) falls on the primary output, electricity (45 × 2 → 9),
    # not on heat; `cost_flow_in` (0.01) on the one input, gas (200 → 2). The heat (36 per
    # step) is exported at a revenue of 0.5 per unit (−36). Gas 200: 200 + 9 + 2 − 36 = 175.
    techs = {
        "gas_supply": supply("gas", cost_per_unit=1),
        "chp": {
            **chp(),
            "carrier_export": "heat",
            "cost_flow_out": per_cost(0.1),
            "cost_flow_in": per_cost(0.01),
            "cost_export": per_cost(-0.5),
        },
        "power_demand": demand("electricity", 45, 45),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(175)
    assert flows(model, "flow_export", "chp", "heat") == pytest.approx([36, 36])


def test_air_source_heat_pump_makes_heat_or_cooling(tmp_path):
    # One unit of electricity gives one unit of `carrier_out`: 5 heat, or 3 cooling, or a mix
    # (the guide: 2.5 heat + 1.5 cooling). Step 1: heat 5 → electricity 1. Step 2: heat 2.5
    # and cooling 1.5 → 2.5/5 + 1.5/3 = 1. Electricity at 1 per unit: 2. The capacity limits
    # heat + cooling together (the `carrier_out` tier): max(5, 4) = 5, at 1 per unit → 7.
    techs = {
        "grid": supply("electricity", cost_per_unit=1),
        "ahp": {
            **ahp(),
            "cost_flow_cap": per_cost(COST_ONE_PER_UNIT[2]),
            "cost_depreciation_rate": 1,
        },
        "heat_demand": demand("heat", 5, 2.5),
        "cooling_demand": demand("cooling", 0, 1.5),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(7)
    assert flows(model, "flow_in", "ahp", "electricity") == pytest.approx([1, 1])
    assert value(model, "flow_cap", techs="ahp", carriers="heat") == pytest.approx(5)


def test_cchp_makes_heat_cooling_or_both_with_its_power(tmp_path):
    # The guide's three operating points, one gas unit each (electricity 0.45 every step):
    # 0.8 × 0.45 heat; 0.5 × 0.45 cooling; 0.3 × 0.8 × 0.45 heat + 0.7 × 0.5 × 0.45 cooling.
    # Gas at 1 per unit: 3.
    heat = [0.8 * 0.45, 0, 0.3 * 0.8 * 0.45]
    cooling = [0, 0.5 * 0.45, 0.7 * 0.5 * 0.45]
    techs = {
        "gas_supply": supply("gas", cost_per_unit=1),
        "cchp": cchp(),
        "power_demand": demand("electricity", 0.45, 0.45, 0.45),
        "heat_demand": demand("heat", *heat),
        "cooling_demand": demand("cooling", *cooling),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(3)
    assert flows(model, "flow_in", "cchp", "gas") == pytest.approx([1, 1, 1])
    assert flows(model, "flow_out", "cchp", "heat") == pytest.approx(heat)
    assert flows(model, "flow_out", "cchp", "cooling") == pytest.approx(cooling)


def test_gas_turbine_burns_methane_or_hydrogen_at_half_value(tmp_path):
    # Step 1: methane is available (1 per unit): 1 methane → 0.5 electricity. Step 2: only
    # hydrogen (2 per unit): "all hydrogen, 0.25 units of carrier_out for the same amount of
    # carrier_in" → electricity 0.25 needs 1 hydrogen. Objective 1 + 2 = 3. The guide sets no
    # `primary_carrier_in` (there is no input cost to charge on one).
    techs = {
        "methane_supply": supply("methane", cost_per_unit=1, source_use_max=timeseries(10, 0)),
        "hydrogen_supply": supply("hydrogen", cost_per_unit=2),
        "gt": gas_turbine(),
        "power_demand": demand("electricity", 0.5, 0.25),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(3)
    assert flows(model, "flow_in", "gt", "methane") == pytest.approx([1, 0])
    assert flows(model, "flow_in", "gt", "hydrogen") == pytest.approx([0, 1])


def test_complex_tech_follows_every_tier(tmp_path):
    # Step 1 burns gas (ratio 1): 1 gas = 1 unit of carrier_out (η 1) = 0.6 electricity (all of
    # it electricity), with 1 unit of carrier_out_2 (0.3 mid_T_heat) and of carrier_out_3
    # (0.15 low_T_heat); it needs 1 unit of carrier_in_2 = 1 biomass.
    # Step 2 burns coal (ratio 1.2): in the primary balance 1 coal counts 1.2 units → 0.72
    # electricity, 1.2 × 0.2 = 0.24 cooling, 1.2 × 0.15 = 0.18 low_T_heat; in the coupling of
    # carrier_in_2 to carrier_in the ratio divides, as in Calliope 0.6: 1 / 1.2 units → 0.8333
    # biomass. Coal, gas and biomass at 1 per unit (oil and waste dearer): 1 + 1 + 1.8333.
    techs = {
        "coal_supply": supply("coal", cost_per_unit=1, source_use_max=timeseries(0, 10)),
        "gas_supply": supply("gas", cost_per_unit=1, source_use_max=timeseries(10, 0)),
        "oil_supply": supply("oil", cost_per_unit=10),
        "biomass_supply": supply("biomass", cost_per_unit=1),
        "waste_supply": supply("waste", cost_per_unit=10),
        "complex": complex_tech(),
        "power_demand": demand("electricity", 0.6, 0.72),
        "mid_heat_demand": demand("mid_T_heat", 0.3, 0),
        "cooling_demand": demand("cooling", 0, 0.24),
        "low_heat_demand": demand("low_T_heat", 0.15, 0.18),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(3 + 1 / 1.2)
    assert flows(model, "flow_in", "complex", "gas") == pytest.approx([1, 0])
    assert flows(model, "flow_in", "complex", "coal") == pytest.approx([0, 1])
    assert flows(model, "flow_in", "complex", "biomass") == pytest.approx([1, 1 / 1.2])
    assert flows(model, "flow_out", "complex", "high_T_heat") == pytest.approx([0, 0])
    assert value(model, "flow_cap", techs="complex", carriers="electricity") >= 0.72 - 1e-9


def test_zero_ratio_switches_a_carrier_off(tmp_path):
    # The heat pump's cooling ratio is 0 in step 2: no cooling then; step 1 as usual (COP 3).
    # Cooling demand is flexible (at most 3 per step, paid 1 per unit it takes, i.e. cost −1):
    # step 1 takes 3 cooling for 1 electricity (cost 1 − 3 = −2); step 2 none. Objective −2.
    ratios = {
        "data": [5, 3, 0],
        "index": [
            ["out", "heat", "2005-01-01 00:00"],
            ["out", "cooling", "2005-01-01 00:00"],
            ["out", "cooling", "2005-01-01 01:00"],
        ],
        "dims": ["carrier_tiers", "carriers", "timesteps"],
    }
    techs = {
        "grid": supply("electricity", cost_per_unit=1),
        "ahp": {**ahp(), "carrier_ratios": ratios},
        "cooling_sink": {
            "base_tech": "demand",
            "carrier_in": "cooling",
            "sink_use_max": 3,
            "cost_flow_in": per_cost(-1),
        },
        "heat_demand": demand("heat", 0, 0),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(-2)
    assert flows(model, "flow_out", "ahp", "cooling") == pytest.approx([3, 0])
    assert "conversion_plus_zero_ratio" in model.program.components


def test_capacity_limits_the_primary_output_tier_and_min_use(tmp_path):
    # CHP capacity fixed at 40 (electricity, its primary output tier). Power demand 50 in step
    # 1: the CHP gives 40 and a peaker (10 per unit) 10 → 100. Step 2: demand 10 but
    # `flow_out_min_relative` 0.5 keeps the CHP at ≥ 20: the extra 10 go to a power dump.
    # Gas: (40 + 20) / 0.45, at 1 per unit; the CHP's heat (0.8×) goes to a heat dump.
    techs = {
        "gas_supply": supply("gas", cost_per_unit=1),
        "peaker": supply("electricity", cost_per_unit=10),
        "chp": {**chp(), "flow_cap_min": 40, "flow_cap_max": 40, "flow_out_min_relative": 0.5},
        "power_demand": demand("electricity", 50, 10),
        "power_dump": {"base_tech": "demand", "carrier_in": "electricity"},
        "heat_dump": {"base_tech": "demand", "carrier_in": "heat"},
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(100 + 60 / 0.45)
    assert flows(model, "flow_out", "chp", "electricity") == pytest.approx([40, 20])
    assert flows(model, "flow_out", "chp", "heat") == pytest.approx([32, 16])
    for name in ("flow_out_max_conversion_plus", "flow_out_min_conversion_plus"):
        assert name in model.program.components


def test_ramping_uses_the_one_capacity_for_every_carrier(tmp_path):
    # CHP of 10 (electricity) with `flow_ramping` 0.5: each output's rate may change by at
    # most 5 per hour, heat included (the gas input is not ramped, as in 0.6). Power demand [0, 10]: the CHP can only reach 5 in step 2
    # (from 0), heat 4 (a change of 4 ≤ 5); the peaker (10 per unit) gives 5 → 50. Gas for the
    # CHP: 5 / 0.45 at 1 per unit.
    techs = {
        "gas_supply": supply("gas", cost_per_unit=1),
        "peaker": supply("electricity", cost_per_unit=10),
        "chp": {**chp(), "flow_cap_max": 10, "flow_ramping": 0.5},
        "power_demand": demand("electricity", 0, 10),
        "heat_dump": {"base_tech": "demand", "carrier_in": "heat"},
    }
    model = solve_model(
        tmp_path, model_definition(techs, data_definitions={"cyclic_storage": False})
    )
    assert objective(model) == pytest.approx(50 + 5 / 0.45)
    assert flows(model, "flow_out", "chp", "electricity") == pytest.approx([0, 5])
    for name in ("ramping_up_conversion_plus", "ramping_down_conversion_plus"):
        assert name in model.program.components


def _prepare(tmp_path, techs):
    return Model.from_yaml(write_model(tmp_path, model_definition(techs)))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"primary_carrier_out": None}, r"several carrier_out carriers.*primary_carrier_out"),
        ({"primary_carrier_out": "gas"}, r"primary_carrier_out.*not one of its carrier_out"),
        (
            {"carrier_ratios.carrier_out_2.heat": None, "carrier_ratios.carrier_out_4.heat": 1},
            r"Unknown carrier tier 'carrier_out_4'.*carrier_out_2",
        ),
        (
            {"carrier_ratios.carrier_out_2.heat": None, "carrier_ratios.carrier_out.heat": 2},
            r"'heat' has a ratio in tier carrier_out of tech 'chp' but is not in that tier",
        ),
        ({"carrier_ratios.carrier_out_2.heat": -1}, r"ratio is a number ≥ 0"),
        ({"carrier_out": ["electricity", "heat"]}, r"'heat' is in two tiers"),
        ({"include_storage": True}, r"carrier tiers cannot have `include_storage`"),
    ],
)
def test_bad_carrier_tiers(tmp_path, change, words):
    tech = chp()
    for key, new in change.items():
        tech.pop(key, None) if new is None else tech.update({key: new})
    techs = {
        "gas_supply": supply("gas"),
        "chp": tech,
        "power_demand": demand("electricity", 1, 1),
        "heat_dump": {"base_tech": "demand", "carrier_in": "heat"},
    }
    with pytest.raises(ModelError, match=rf"(?s){words}"):
        _prepare(tmp_path, techs)


def test_several_inputs_with_an_input_cost_need_a_primary_input(tmp_path):
    techs = {
        "methane_supply": supply("methane"),
        "hydrogen_supply": supply("hydrogen"),
        "gt": {**gas_turbine(), "cost_flow_in": per_cost(1)},
        "power_demand": demand("electricity", 1, 1),
    }
    with pytest.raises(ModelError, match=r"(?s)techs\.gt\.primary_carrier_in.*cost_flow_in"):
        _prepare(tmp_path, techs)
