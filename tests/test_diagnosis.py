"""Infeasible and unbounded models explained in model terms: component, node, tech, carrier,
timestep, and the parameters (with their values) behind each conflicting bound or constraint.
"""

from __future__ import annotations

import re

import pytest
from math_models import demand, model_definition, per_cost, supply, write_model

from esmflow import Model
from esmflow.backends.model_terms import Entry, ModelTerms
from esmflow.errors import ModelError


def battery(**params) -> dict:
    return {"base_tech": "storage", "carrier_in": "power", "carrier_out": "power", **params}


def solve_failure(model: Model) -> str:
    """Build and solve; return the ModelError's message (the test fails if it solves)."""
    with pytest.raises(ModelError) as caught:
        model.build()
        model.solve()
    return str(caught.value)


def test_storage_cap_min_above_storage_cap_max_names_both_parameters(tmp_path):
    # The loader may refuse min > max outright; the solve must still explain it when inputs get
    # there (e.g. through time clustering or a hand-made Dataset), so the inputs are edited here.
    definition = model_definition(
        {
            "gas": supply(cost_per_unit=1),
            "battery": battery(storage_cap_min=5, storage_cap_max=20),
            "load": demand("power", 1, 1),
        }
    )
    loaded = Model.from_yaml(write_model(tmp_path, definition))
    inputs = loaded.inputs.copy()
    inputs["storage_cap_min"] = inputs["storage_cap_min"].where(inputs.techs != "battery", 50.0)
    message = solve_failure(Model(inputs))
    assert "The model is infeasible" in message
    # storage_cap of the battery at A cannot be ≥ 50 and ≤ 20
    assert re.search(
        r"storage_cap\[nodes=A, techs=battery\]: at least 50 \(storage_cap_min = 50\)"
        r" but at most 20 \(storage_cap_max = 20\)",
        message,
    ), message


def test_storage_cap_min_beyond_reach_names_bounds_and_the_linking_constraint(tmp_path):
    # storage_cap ≥ 50 (storage_cap_min), flow_cap ≥ 0.5 × storage_cap = 25, but flow_cap ≤ 10
    definition = model_definition(
        {
            "gas": supply(cost_per_unit=1),
            "battery": battery(
                storage_cap_min=50, flow_cap_per_storage_cap_min=0.5, flow_cap_max=10
            ),
            "load": demand("power", 1, 1),
        }
    )
    message = solve_failure(Model.from_yaml(write_model(tmp_path, definition)))
    assert "storage_cap[nodes=A, techs=battery]: at least 50 (storage_cap_min = 50)" in message
    assert (
        "flow_cap[nodes=A, techs=battery, carriers=power]: at most 10 (flow_cap_max = 10)"
        in message
    )
    assert re.search(
        r"flow_capacity_per_storage_capacity_min\[nodes=A, techs=battery, carriers=power\]: "
        r"flow_cap >= flow_cap_per_storage_cap_min \* storage_cap; "
        r"with flow_cap_per_storage_cap_min = 0.5",
        message,
    ), message


def test_demand_above_flow_cap_max_names_the_balance_rows_and_the_bound(tmp_path):
    # demand 10 in the second hour; gas can deliver at most 5 (flow_cap_max)
    definition = model_definition(
        {"gas": supply(cost_per_unit=1, flow_cap_max=5), "load": demand("power", 4, 10)}
    )
    message = solve_failure(Model.from_yaml(write_model(tmp_path, definition)))
    assert "flow_cap[nodes=A, techs=gas, carriers=power]: at most 5 (flow_cap_max = 5)" in message
    hour = "timesteps=2005-01-01 01:00"
    assert f"system_balance[nodes=A, carriers=power, {hour}]" in message
    assert f"balance_demand[nodes=A, techs=load, carriers=power, {hour}]" in message
    assert "sink_use_equals = 10" in message
    assert f"flow_out_max[nodes=A, techs=gas, carriers=power, {hour}]" in message
    assert "ensure_feasibility: true" in message  # the way to see the gap
    assert "00:00]" not in message  # the first hour (demand 4 ≤ 5) is not part of the conflict


def test_unbounded_export_names_the_variables_along_the_ray(tmp_path):
    # export earns 2 per unit, gas costs 1 per unit, nothing limits either: each unit exported
    # gains 1 without end. Not a sure cause for one variable alone (export needs gas and flow
    # capacity), so HiGHS finds it and its ray is named.
    definition = model_definition(
        {
            "gas": supply(cost_per_unit=1, carrier_export="power", cost_export=per_cost(-2)),
            "load": demand("power", 1, 1),
        }
    )
    message = solve_failure(Model.from_yaml(write_model(tmp_path, definition)))
    assert "The model is unbounded" in message
    assert re.search(
        r"flow_export\[nodes=A, techs=gas, carriers=power, timesteps=[^\]]+\] grows "
        r"\(cost_export = -2 \(costs=monetary\); export_max not set \(default inf\)\)",
        message,
    ), message
    assert "flow_cap[nodes=A, techs=gas, carriers=power] grows" in message


def test_entries_read_as_the_model_writes_them(tmp_path):
    definition = model_definition({"gas": supply(cost_per_unit=1), "load": demand("power", 1, 1)})
    model = Model.from_yaml(write_model(tmp_path, definition))
    program = model.build()
    terms = ModelTerms(program.model, model.inputs)
    label = int(program.model.variables["flow_cap"].labels.sel(techs="gas").max())
    entry = terms.variable(label)
    assert entry == Entry("flow_cap", {"nodes": "A", "techs": "gas", "carriers": "power"})
    assert entry.at() == "tech gas at node A (carrier power)"
    assert terms.bound_parameter("flow_cap", "max") == "flow_cap_max"
    assert terms.bound_parameter("flow_out", "max") is None  # a number in the math
    assert terms.describe("cost_source_use", entry.coords) == (
        "cost_source_use = 1 (costs=monetary)"
    )
    assert terms.describe("flow_cap_max", entry.coords) == "flow_cap_max not set (default inf)"
    # the parameters that price flow_cap, not those of other variables' costs
    prices = terms.cost_parameters("flow_cap")
    assert {"cost_flow_cap", "cost_flow_cap_per_distance", "cost_om_annual"} <= set(prices)
    assert "cost_source_use" not in prices and "cost_export" not in prices
    assert "cost_source_use" in terms.cost_parameters("source_use")
    assert "cost_export" not in terms.cost_parameters("source_use")
