"""Negative costs without a bound: refused before the solve, saying the model would be unbounded.

Two layers catch them: base.yaml's `checks` (the data causes, at build time) and the backend's
analysis of the built program (any variable a negative cost alone drives without limit, at solve
time). Each case names the tech, the node and the missing bound.
"""

from __future__ import annotations

import linopy
import numpy as np
import pytest
from math_models import demand, model_definition, per_cost, supply, write_model

from esmflow import Model
from esmflow.backends.unbounded import unbounded_columns
from esmflow.errors import ModelError


def with_gas(**gas_params) -> dict:
    return model_definition({"gas": supply(**gas_params), "load": demand("power", 1, 1)})


def battery(**params) -> dict:
    return {"base_tech": "storage", "carrier_in": "power", "carrier_out": "power", **params}


def linked(**link_params) -> dict:
    techs = {
        "gas": supply(cost_per_unit=1),
        "load": demand("power", 1, 1),
        "a_to_b": {
            "base_tech": "transmission",
            "carrier_in": "power",
            "carrier_out": "power",
            "link_from": "A",
            "link_to": "B",
            **link_params,
        },
    }
    nodes = {"A": {"techs": {"gas": None}}, "B": {"techs": {"load": None}}}
    return model_definition(techs, nodes)


BONUS_MATH = """
parameters:
  cost_bonus:
    default: 0
    description: A reward per unit of bonus (a user variable), per cost class.
  bonus_max:
    default: .inf
    description: Largest bonus.
variables:
  bonus:
    description: A user variable the objective rewards.
    foreach: [nodes, techs]
    where: cost_bonus
    bounds: {min: 0, max: bonus_max}
objectives:
  min_cost_optimisation:
    equations:
      - expression: >-
          sum(objective_cost_weights * sum(cost, over=[nodes, techs]), over=costs)
          + sum(sum(cost_bonus * bonus, over=[nodes, techs]), over=costs)
"""


def with_bonus() -> dict:
    definition = with_gas(cost_per_unit=1, cost_bonus=per_cost(-3))
    definition["config"]["init"].update(math_paths={"bonus": "bonus.yaml"}, extra_math=["bonus"])
    return definition


# cost → (model, extra files, words the message must hold besides "unbounded", tech and node):
# base.yaml's check that catches it at build time, or the program analysis's own words
CASES = {
    "cost_flow_cap": (
        with_gas(cost_flow_cap=per_cost(-5)),
        {},
        ["checks.unbounded_flow_cap_cost", "flow_cap_max"],
    ),
    "cost_om_annual": (
        with_gas(cost_om_annual=per_cost(-5)),
        {},
        ["checks.unbounded_om_annual_cost", "flow_cap_max"],
    ),
    "cost_flow_cap_per_distance": (
        linked(cost_flow_cap_per_distance=per_cost(-1), distance=10),
        {},
        ["checks.unbounded_flow_cap_per_distance_cost", "flow_cap_max"],
    ),
    "cost_storage_cap": (
        model_definition(
            {
                "gas": supply(cost_per_unit=1),
                "battery": battery(cost_storage_cap=per_cost(-1)),
                "load": demand("power", 1, 1),
            }
        ),
        {},
        ["checks.unbounded_storage_cap_cost", "storage_cap_max"],
    ),
    "cost_area_use": (
        with_gas(cost_area_use=per_cost(-1), area_use_per_flow_cap=1),
        {},
        ["checks.unbounded_area_use_cost", "area_use_max"],
    ),
    "cost_source_cap": (
        with_gas(cost_source_cap=per_cost(-1)),
        {},
        ["checks.unbounded_source_use_cost", "source_cap_max"],
    ),
    "cost_export": (
        with_gas(carrier_export="power", cost_export=per_cost(-2)),
        {},
        ["checks.unbounded_export_revenue", "export_max"],
    ),
    # produced at a gain and sent out of the system for free
    "cost_flow_out": (
        with_gas(carrier_export="power", cost_flow_out=per_cost(-2)),
        {},
        ["checks.unbounded_export_revenue", "export_max"],
    ),
    "cost_source_use": (
        with_gas(carrier_export="power", cost_source_use=per_cost(-2)),
        {},
        ["checks.unbounded_export_revenue", "export_max"],
    ),
    # the net capacity cost is negative: 1 × (depreciation 1 + O&M fraction -2) per unit; no
    # single data check sees it, the program analysis does
    "cost_om_annual_investment_fraction": (
        with_gas(
            cost_flow_cap=per_cost(1),
            cost_depreciation_rate=1,
            cost_om_annual_investment_fraction=per_cost(-2),
        ),
        {},
        ["cost_om_annual_investment_fraction = -2", "flow_cap_max not set"],
    ),
    # a user variable rewarded by the objective, without a bound
    "user math": (
        with_bonus(),
        {"bonus.yaml": BONUS_MATH},
        ["bonus[nodes=A, techs=gas]", "cost_bonus = -3", "bonus_max not set", "Set a finite"],
    ),
}


@pytest.mark.parametrize("cost", list(CASES))
def test_negative_cost_is_refused_before_the_solve(tmp_path, cost):
    definition, files, words = CASES[cost]
    model = Model.from_yaml(write_model(tmp_path, definition, files))
    with pytest.raises(ModelError, match="would be unbounded") as caught:
        model.build()
        model.solve()
    message = str(caught.value)
    tech = {"cost_storage_cap": "battery", "cost_flow_cap_per_distance": "a_to_b"}.get(cost, "gas")
    for word in [*words, tech, "A"]:
        assert word in message, (word, message)
    # refused before HiGHS ran: either no program yet, or a program HiGHS never saw
    assert model.program is None or model.program.model.solver_model is None


def test_a_negative_cost_with_its_bound_solves(tmp_path):
    # cost_flow_cap -1 per unit of capacity (annualised over 2 of 8760 h with depreciation 1:
    # 8760/2 → 1 per unit) and flow_cap_max 10: the model builds 10 and earns 10, pays 2 for
    # gas (demand 1 in each of 2 steps at 1 per unit) → objective 2 - 10 = -8.
    definition = with_gas(
        cost_per_unit=1,
        cost_flow_cap=per_cost(-4380),
        cost_depreciation_rate=1,
        flow_cap_max=10,
    )
    model = Model.from_yaml(write_model(tmp_path, definition))
    model.build()
    model.solve()
    assert model.solve_result.objective == pytest.approx(-8)


def test_a_negative_fuel_cost_with_nowhere_to_send_the_output_solves(tmp_path):
    # gas pays 1 per unit drawn, but no export: only the demand (1 + 1) takes power → -2
    model = Model.from_yaml(write_model(tmp_path, with_gas(cost_per_unit=-1)))
    model.build()
    model.solve()
    assert model.solve_result.objective == pytest.approx(-2)


def test_a_negative_cost_in_a_class_outside_the_objective_is_allowed(tmp_path):
    # co2 has weight 0: its negative cost_flow_cap does not reach the objective; gas 2 → 2
    definition = with_gas(cost_per_unit=1, cost_flow_cap=per_cost(-1, "co2"))
    definition["data_definitions"] = {
        "objective_cost_weights": {"data": [1, 0], "index": ["monetary", "co2"], "dims": "costs"}
    }
    model = Model.from_yaml(write_model(tmp_path, definition))
    model.build()
    model.solve()
    assert model.solve_result.objective == pytest.approx(2)


def unbounded_in(model: linopy.Model) -> list[str]:
    matrices = model.matrices
    positions = unbounded_columns(matrices, str(model.objective.sense))
    return [
        model.variables.get_label_position(int(label))[0] for label in matrices.vlabels[positions]
    ]


def test_program_analysis_follows_rows_and_senses() -> None:
    model = linopy.Model()
    free = model.add_variables(lower=0, name="free")  # -free, only in a ≥ row: runs away
    capped = model.add_variables(lower=0, upper=5, name="capped")  # finite upper bound
    held = model.add_variables(lower=0, name="held")  # held ≤ 3 by a row
    pushed = model.add_variables(lower=0, name="pushed")  # -pushed in a ≥ row with a − sign
    falling = model.add_variables(lower=-np.inf, upper=0, name="falling")  # +falling, no floor
    model.add_constraints(free >= 1, name="floor")
    model.add_constraints(held <= 3, name="ceiling")
    model.add_constraints(-1 * pushed >= -7, name="pushed_ceiling")
    model.add_objective(-1 * free - capped - held - pushed + falling)
    assert sorted(unbounded_in(model)) == ["falling", "free"]


def test_program_analysis_when_maximising() -> None:
    model = linopy.Model()
    gain = model.add_variables(lower=0, name="gain")
    loss = model.add_variables(lower=0, name="loss")
    model.add_constraints(gain + loss >= 0, name="anything")
    model.add_objective(2 * gain - loss, sense="max")
    assert unbounded_in(model) == ["gain"]
