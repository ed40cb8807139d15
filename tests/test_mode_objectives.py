"""Which objective is optimised: cost-class weights and `config.build.objective`.

One node, one hour, a demand of 1 kWh. `gas` costs 1 (monetary) and emits 10 (emissions) per
kWh; `solar` costs 5 and emits nothing; both have unlimited capacity at no capacity cost.

- Weights `{data: 1, index: monetary}`: emissions keep the default weight 1 too (as in
  Calliope), so gas counts 1 + 10 = 11 and solar 5: solar serves the demand, objective 5.
- Weights `{monetary: 1, emissions: 0}`: gas (1 against 5), objective 1.
- Weights `{emissions: 1, monetary: 0}`, written as Calliope's national example writes them
  (`data` as a mapping of cost class to weight, which Calliope 0.7.0's validation rejects):
  solar serves it, objective 0 (no emissions); its monetary cost 5 is not counted.
- `check_feasibility`: no objective, only the constraints: objective 0, demand met.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from math_models import demand, model_definition, write_model

from esmflow import Model


def two_classes(**data: object) -> dict:
    def costs(monetary: float, emissions: float) -> dict:
        return {"data": [monetary, emissions], "index": ["monetary", "emissions"], "dims": "costs"}

    techs = {
        "gas": {"base_tech": "supply", "carrier_out": "power", "cost_flow_out": costs(1, 10)},
        "solar": {"base_tech": "supply", "carrier_out": "power", "cost_flow_out": costs(5, 0)},
        "load": demand("power", 1),
    }
    weights = {"data": 1, "index": "monetary", "dims": "costs"}
    return model_definition(techs, data_definitions={"objective_cost_weights": {**weights, **data}})


def flows(tmp_path: Path, definition: dict) -> tuple[float, dict[str, float]]:
    model = Model.from_yaml(write_model(tmp_path, definition))
    results = model.solve()
    assert model.solve_result is not None
    out = results["flow_out"].sel(nodes="A", carriers="power").sum("timesteps")
    return model.solve_result.objective, {
        tech: float(out.sel(techs=tech)) for tech in ("gas", "solar")
    }


def test_a_class_without_a_weight_counts_once(tmp_path: Path) -> None:
    objective, out = flows(tmp_path, two_classes())
    assert objective == pytest.approx(5)
    assert out == pytest.approx({"gas": 0, "solar": 1})


def test_money_alone_picks_gas(tmp_path: Path) -> None:
    objective, out = flows(tmp_path, two_classes(data={"monetary": 1, "emissions": 0}))
    assert objective == pytest.approx(1)
    assert out == pytest.approx({"gas": 1, "solar": 0})


def test_weights_given_per_cost_class_as_a_mapping_pick_solar(tmp_path: Path) -> None:
    objective, out = flows(tmp_path, two_classes(data={"emissions": 1, "monetary": 0}))
    assert objective == pytest.approx(0)
    assert out == pytest.approx({"gas": 0, "solar": 1})


def test_check_feasibility_has_no_objective(tmp_path: Path) -> None:
    definition = two_classes()
    definition["config"]["build"]["objective"] = "check_feasibility"
    objective, out = flows(tmp_path, definition)
    assert objective == 0
    assert out["gas"] + out["solar"] == pytest.approx(1)
