"""Every tech, node and cost-class label is used by the model, or reported.

Unknown names are errors (pinned by the corpus, tests/bad_inputs/); these tests pin what must
stay valid (new nodes defined by table data, names differing only in a number, two deliberately
close cost classes, an override adding a complete tech) and the warnings for data of techs and
nodes that are switched off.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from esmflow.errors import ModelError, ModelWarning
from esmflow.io.read_model import read_model
from esmflow.preprocess.inputs import prepare_inputs
from esmflow.preprocess.label_checks import near_miss
from tests.bad_inputs.corpus import Case, materialise


def _read(tmp_path: Path, overrides: tuple[str, ...] = (), **patch: object) -> object:
    case = Case(name="t", description="t", expect=("",), **patch)  # type: ignore[arg-type]
    return read_model(materialise(case, tmp_path / "model"), overrides=list(overrides))


def _quiet(definition: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return prepare_inputs(definition)  # type: ignore[arg-type]


def test_names_that_differ_only_in_a_number_are_not_near_misses() -> None:
    assert near_miss("region2", ["region1", "region3"]) is None
    assert near_miss("regoin1", ["region1", "region2"]) == "region1"
    assert near_miss("wnd", ["wind", "solar"]) == "wind"
    assert near_miss("gas", ["wind", "solar"]) is None


def test_a_node_defined_by_table_data_with_a_tech_is_valid(tmp_path: Path) -> None:
    # a third node, east, only in the demand table: Calliope places demand_power there
    patch = {
        "replace": {
            "demand.csv": [
                ["techs,demand_power,demand_power", "techs,demand_power,demand_power,demand_power"],
                ["nodes,north,south", "nodes,north,south,east"],
                *[
                    [f"2005-01-01 0{h}:00,{a},{b}\n", f"2005-01-01 0{h}:00,{a},{b},1\n"]
                    for h, (a, b) in enumerate(
                        [(30, 12), (28, 11), (27, 10), (29, 12), (33, 14), (38, 16)]
                    )
                ],
            ]
        }
    }
    inputs = _quiet(_read(tmp_path, **patch))
    assert "east" in inputs.nodes.values


def test_close_cost_classes_are_fine_when_the_objective_weighs_both(tmp_path: Path) -> None:
    patch = {
        "set": {
            "data_definitions.objective_cost_weights": {
                "data": [1, 0.1],
                "index": ["co2", "co2e"],
                "dims": "costs",
            },
            "techs.gas_plant.cost_flow_out": {
                "data": [0.4, 0.5],
                "index": ["co2", "co2e"],
                "dims": "costs",
            },
        }
    }
    inputs = _quiet(_read(tmp_path, **patch))
    assert set(inputs.costs.values) == {"co2", "co2e", "monetary"}


def test_an_override_may_add_a_complete_tech(tmp_path: Path) -> None:
    # as Calliope's national-scale example does with `cold_fusion`
    fusion = {"base_tech": "supply", "carrier_out": "power", "flow_cap_max": 10}
    patch = {
        "set": {
            "overrides.fusion": {"techs.cold_fusion": fusion, "nodes.north.techs.cold_fusion": None}
        }
    }
    inputs = _quiet(_read(tmp_path, ("fusion",), **patch))
    assert "cold_fusion" in inputs.techs.values


def test_a_switched_off_tech_keeps_running_with_a_warning_naming_its_data(tmp_path: Path) -> None:
    definition = _read(tmp_path, set={"techs.solar.active": False})
    with pytest.warns(ModelWarning) as caught:
        inputs = prepare_inputs(definition)  # type: ignore[arg-type]
    assert "solar" not in inputs.techs.values
    messages = [str(w.message) for w in caught]
    assert any("'solar' (active: false)" in m for m in messages)
    assert any("solar.csv" in m and "source_use_max of 'solar' at 'south'" in m for m in messages)


def test_data_for_a_tech_at_a_node_where_it_is_off_is_reported(tmp_path: Path) -> None:
    definition = _read(tmp_path, set={"nodes.south.techs.demand_power": {"active": False}})
    with pytest.warns(
        ModelWarning, match=r"demand\.csv.*'demand_power' at 'south' \(active: false there\)"
    ):
        prepare_inputs(definition)  # type: ignore[arg-type]


def test_node_tech_data_in_data_definitions_for_an_unplaced_pair_is_reported(
    tmp_path: Path,
) -> None:
    flow_cap_min = {"data": 5, "index": [["south", "gas_plant"]], "dims": ["nodes", "techs"]}
    definition = _read(tmp_path, set={"data_definitions.flow_cap_min": flow_cap_min})
    with pytest.warns(
        ModelWarning, match=r"data_definitions\.flow_cap_min.*not placed at that node"
    ):
        prepare_inputs(definition)  # type: ignore[arg-type]


def test_a_subset_of_nodes_drops_its_data_without_a_warning(tmp_path: Path) -> None:
    inputs = _quiet(_read(tmp_path, set={"config.init.subset.nodes": ["south"]}))
    assert list(inputs.nodes.values) == ["south"]


def test_a_table_tech_without_any_definition_is_an_unknown_tech(tmp_path: Path) -> None:
    patch = {"replace": {"costs.csv": [["power_line,20,,\n", "power_line,20,,\nwind,10,,\n"]]}}
    with pytest.raises(ModelError, match=r"(?s)costs\.csv › data_tables\.costs\.rows.*'wind'"):
        prepare_inputs(_read(tmp_path, **patch))  # type: ignore[arg-type]


def test_a_node_without_active_techs_is_left_out_with_a_warning(tmp_path: Path) -> None:
    definition = _read(tmp_path, set={"nodes.east": {"latitude": 50, "longitude": 10}})
    with pytest.warns(
        ModelWarning, match=r"Nodes left out of the model: 'east' \(no active tech\)"
    ):
        inputs = prepare_inputs(definition)  # type: ignore[arg-type]
    assert "east" not in inputs.nodes.values
