"""`availability` (base math): the share of the flow capacity usable in a timestep.

Components: `flow_out_max`, `flow_in_max` and `flow_out_min` read it; `ramping_up` and
`ramping_down` read it and their separate fractions `flow_ramping_up`/`flow_ramping_down`.
Each is also switched off per tech (`switches`), which must give the optimum without it.
Gas costs 1 per kWh, the peaker 10, with two (or three) hourly steps.
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
    values,
)


def gas(size: float = 10, **params) -> dict:
    """Gas of fixed capacity `size` kW at 1 per kWh."""
    return supply(cost_per_unit=1, flow_cap_min=size, flow_cap_max=size, **params)


def dump(cost: float = 5) -> dict:
    return {"base_tech": "demand", "carrier_in": "power", "cost_flow_in": per_cost(cost)}


@pytest.mark.parametrize(
    ("switches", "expected", "gas_out"),
    [
        # Demand 8, 8; gas 10 kW at availability 1, 0.5: 8, then 5 and the peaker 3 = 8 + 5 + 30
        ({}, 43, [8, 5]),
        # without its capacity limit gas covers all: 16
        ({"flow_out_max": False}, 16, [8, 8]),
        ({"CapacityConstraint": False}, 16, [8, 8]),  # Macro's name for it
    ],
)
def test_availability_scales_the_outflow_capacity(tmp_path, switches, expected, gas_out):
    techs = {
        "gas": gas(availability=timeseries(1, 0.5), switches=switches),
        "peaker": supply(cost_per_unit=10),
        "load": demand("power", 8, 8),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(expected)
    assert values(model, "flow_out", techs="gas", carriers="power") == pytest.approx(gas_out)


def test_a_scalar_availability_applies_in_every_timestep(tmp_path):
    # availability 0.5 of 10 kW: 5 per step, the peaker 3 twice: 10 + 60
    techs = {
        "gas": gas(availability=0.5),
        "peaker": supply(cost_per_unit=10),
        "load": demand("power", 8, 8),
    }
    assert objective(solve_model(tmp_path, model_definition(techs))) == pytest.approx(70)


@pytest.mark.parametrize(("switches", "expected"), [({}, 21), ({"flow_in_max": False}, 12)])
def test_availability_scales_the_inflow_capacity(tmp_path, switches, expected):
    # A heater (power → heat, efficiency 1) takes at most 10 kW of power, 20 kW of heat out,
    # availability 1, 0.5; heat demand 6, 6; a boiler makes heat at 10, power costs 1.
    # Step 0: heater 6 = 6. Step 1: power in ≤ 5, boiler 1 = 5 + 10. Objective 21.
    # Without the inflow limit (outflow still ≤ 0.5 × 20): 6 + 6 = 12.
    heater = {
        "base_tech": "conversion",
        "carrier_in": "power",
        "carrier_out": "heat",
        "flow_cap_max": {"data": [10, 20], "index": ["power", "heat"], "dims": ["carriers"]},
        "availability": timeseries(1, 0.5),
        "switches": switches,
    }
    techs = {
        "grid": supply(cost_per_unit=1),
        "heater": heater,
        "boiler": supply("heat", cost_per_unit=10),
        "load": demand("heat", 6, 6),
    }
    assert objective(solve_model(tmp_path, model_definition(techs))) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("switches", "expected"),
    [
        # Gas 10 kW runs at ≥ 60 % of what is available (availability 1, 0.5): ≥ 6, then ≥ 3.
        # Demand 4, 2; surplus to a dump at 5: 6 + 2 × 5, then 3 + 1 × 5 = 24. (Macro's fraction
        # of the installed capacity, ≥ 6 > 5 available, would leave no solution.)
        ({}, 24),
        ({"flow_out_min": False}, 6),
        ({"MinFlowConstraint": False}, 6),
    ],
)
def test_minimum_output_is_a_share_of_the_available_capacity(tmp_path, switches, expected):
    techs = {
        "gas": gas(availability=timeseries(1, 0.5), flow_out_min_relative=0.6, switches=switches),
        "dump": dump(),
        "load": demand("power", 4, 2),
    }
    assert objective(solve_model(tmp_path, model_definition(techs))) == pytest.approx(expected)


# --- ramping with separate fractions -----------------------------------------------------------
def slow_riser(**params) -> dict:
    """Gas of 4 kW that rises by at most 0.25 × 4 = 1 kW per hour and falls by 0.75 × 4 = 3."""
    return gas(size=4, flow_ramping_up=0.25, flow_ramping_down=0.75, **params)


@pytest.mark.parametrize(
    ("load", "switches", "expected", "gas_out"),
    [
        # Demand 0, 3, 3: gas rises 0, 1, 2 and the peaker covers 2 + 1: 3 + 30 = 33
        ((0, 3, 3), {}, 33, [0, 1, 2]),
        ((0, 3, 3), {"ramping_up": False}, 6, [0, 3, 3]),
        # Demand 3, 1, 1: gas may fall by 3 per hour, so it follows: 5 (with flow_ramping 0.25
        # for both directions, tests/test_math_ramping.py finds 11)
        ((3, 1, 1), {}, 5, [3, 1, 1]),
        ((0, 3, 3), {"RampingLimitConstraint": False}, 6, [0, 3, 3]),
    ],
)
def test_separate_ramping_fractions_up_and_down(tmp_path, load, switches, expected, gas_out):
    techs = {
        "gas": slow_riser(switches=switches),
        "peaker": supply(cost_per_unit=10),
        "load": demand("power", *load),
        "dump": dump(20),  # dearer than the peaker: no running ahead of demand
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(expected)
    assert values(model, "flow_out", techs="gas", carriers="power") == pytest.approx(gas_out)


def test_a_falling_ramp_limit_alone_leaves_rises_free(tmp_path):
    # flow_ramping_down 0.25 only: rises are free (0 → 3), falls ≤ 1 per hour.
    # Demand 0, 3, 1: gas 0, 3, then ≥ 2 with 1 to the dump: 5 + 5 = 10.
    techs = {
        "gas": gas(size=4, flow_ramping_down=0.25),
        "peaker": supply(cost_per_unit=10),
        "load": demand("power", 0, 3, 1),
        "dump": dump(),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(10)
    assert "ramping_up" not in model.program.components


def test_ramps_are_a_share_of_the_available_capacity(tmp_path):
    # Gas 4 kW, rising by ≤ 0.5 of its available capacity per hour; availability 1, 0.5, 1.
    # Demand 0, 3, 3. Hour 1: ≤ min(0.5 × 4, 0 + 0.5 × 0.5 × 4) = 1, peaker 2.
    # Hour 2: ≤ 1 + 0.5 × 1 × 4 = 3. Gas 4 + peaker 20 = 24. (Against the installed capacity,
    # as in Macro, hour 1 could reach 2: gas 5 + peaker 10 = 15.)
    techs = {
        "gas": gas(size=4, flow_ramping_up=0.5, availability=timeseries(1, 0.5, 1)),
        "peaker": supply(cost_per_unit=10),
        "load": demand("power", 0, 3, 3),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(24)
    assert values(model, "flow_out", techs="gas", carriers="power") == pytest.approx([0, 1, 3])
