"""Overrides, scenarios and node-level tech entries as they reach the inputs Dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from esmflow.errors import ModelError, ProblemCollector
from esmflow.io.read_model import read_model
from esmflow.preprocess.config import resolve_config
from esmflow.preprocess.inputs import prepare_inputs, resolved_config

TINY = Path(__file__).parent / "data" / "loader" / "tiny"


def _inputs(overrides: list[str] | None = None, **set_values: object):
    values = {key.replace("__", "."): value for key, value in set_values.items()}
    return prepare_inputs(read_model(TINY / "model.yaml", overrides or [], values))


def test_scenario_applies_its_overrides_and_records_them() -> None:
    inputs = _inputs(["big_costly_at_b"])
    # bigger_plant → 200 everywhere; plant_at_b adds the plant at B with no node overrides
    assert inputs["flow_cap_max"].sel(techs="gas_plant").item() == 200
    assert inputs["cost_flow_cap"].sel(techs="gas_plant", costs="monetary").item() == 5
    assert inputs["active"].sel(techs="gas_plant").to_series().to_dict() == {"A": True, "B": True}
    assert inputs.attrs["applied_overrides"] == '["bigger_plant", "costly_plant", "plant_at_b"]'


def test_node_level_value_overrides_the_tech_at_that_node_only() -> None:
    inputs = _inputs(["plant_at_b"], nodes__B__techs__gas_plant__flow_cap_max=30)
    caps = inputs["flow_cap_max"].sel(techs="gas_plant")
    assert set(caps.dims) == {"nodes"}
    assert caps.to_series().to_dict() == {"A": 100, "B": 30}


def test_node_level_indexed_value_replaces_the_tech_value_as_a_whole() -> None:
    # tech: cost over [monetary, co2]; node B: only co2 → at B monetary is undefined (Calliope)
    tech_cost = {"data": [1, 2], "index": ["monetary", "co2"], "dims": "costs"}
    node_cost = {"data": 7, "index": "co2", "dims": "costs"}
    inputs = _inputs(
        ["plant_at_b"],
        techs__gas_plant__cost_flow_cap=tech_cost,
        nodes__B__techs__gas_plant__cost_flow_cap=node_cost,
    )
    cost = inputs["cost_flow_cap"].sel(techs="gas_plant")
    assert cost.sel(nodes="A").to_series().to_dict() == {"co2": 2, "monetary": 1}
    assert cost.sel(nodes="B", costs="co2").item() == 7
    assert np.isnan(cost.sel(nodes="B", costs="monetary").item())


def test_node_level_partial_key_merges_with_the_tech_definition() -> None:
    # `cost_flow_cap.data` at a node keeps the tech's index and dims (as Calliope's urban X2 boiler)
    inputs = _inputs(["plant_at_b"], nodes__B__techs__gas_plant__cost_flow_cap__data=3)
    cost = inputs["cost_flow_cap"].sel(techs="gas_plant", costs="monetary")
    assert cost.to_series().to_dict() == {"A": 1, "B": 3}


@pytest.mark.parametrize(
    ("set_values", "active_plant_nodes"),
    [
        ({"techs.gas_plant.active": False}, []),
        ({"nodes.B.techs.gas_plant.active": False}, ["A"]),
        ({"nodes.A.active": False}, ["B"]),
    ],
)
def test_active_false_at_tech_node_tech_and_node_level(
    set_values: dict, active_plant_nodes: list
) -> None:
    definition = read_model(TINY / "model.yaml", ["plant_at_b"], set_values)
    inputs = prepare_inputs(definition)
    if not active_plant_nodes:
        assert "gas_plant" not in inputs.techs  # dropped, as Calliope drops inactive techs
        return
    plant = inputs["active"].sel(techs="gas_plant")
    assert sorted(plant.nodes.values[plant.values]) == active_plant_nodes


def test_inactive_node_drops_its_links() -> None:
    # with node A off, the A–B line has one end left and is removed (as Calliope does)
    inputs = _inputs(nodes__A__active=False)
    assert "power_line" not in inputs.techs


def test_data_definitions_win_over_tech_values() -> None:
    inputs = _inputs(
        data_definitions__flow_out_eff={"data": 0.7, "index": "gas_plant", "dims": "techs"}
    )
    assert inputs["flow_out_eff"].sel(techs="gas_plant").item() == 0.7
    assert inputs["flow_out_eff"].sel(techs="power_line").item() == 0.9


def test_broadcast_needs_config_flag() -> None:
    one_for_two = {"data": 1, "index": ["monetary", "co2"], "dims": "costs"}
    inputs = _inputs(techs__gas_plant__cost_flow_cap=one_for_two)
    assert inputs["cost_flow_cap"].sel(techs="gas_plant").to_series().to_dict() == {
        "co2": 1,
        "monetary": 1,
    }
    with pytest.raises(ModelError, match=r"techs\.gas_plant\.cost_flow_cap\.data"):
        _inputs(
            techs__gas_plant__cost_flow_cap=one_for_two, config__init__broadcast_input_data=False
        )


def test_nested_index_for_several_dims() -> None:
    value = {
        "data": [1, 2],
        "index": [["monetary", "power"], ["co2", "power"]],
        "dims": ["costs", "carriers"],
    }
    inputs = _inputs(techs__gas_plant__cost_flow_out=value)
    cost = inputs["cost_flow_out"].sel(techs="gas_plant", carriers="power")
    assert cost.to_series().to_dict() == {"co2": 2, "monetary": 1}


def test_config_defaults_are_filled() -> None:
    config = resolved_config(_inputs())
    assert config["build"]["ensure_feasibility"] is True  # the model sets it
    assert config["build"]["objective"] == "min_cost_optimisation"
    assert config["init"]["distance_unit"] == "km"
    assert config["solve"]["zero_threshold"] == 1e-10
    defaults = resolve_config({}, ProblemCollector())
    assert defaults["build"]["ensure_feasibility"] is False
    assert defaults["init"]["broadcast_input_data"] is False


def test_misspelt_config_key_is_reported() -> None:
    with pytest.raises(
        ModelError,
        match=r"(?s)config\.build\.ensure_feasability.*Did you mean 'ensure_feasibility'",
    ):
        _inputs(config__build__ensure_feasability=True)


def test_subset_of_a_non_time_dimension() -> None:
    inputs = _inputs(config__init__subset__nodes=["A"])
    assert list(inputs.nodes.values) == ["A"]
    assert "power_line" not in inputs.techs  # its other end is gone


def test_retain_inactive_keeps_switched_off_techs() -> None:
    inputs = _inputs(techs__gas_plant__active=False, config__init__retain_inactive=True)
    assert "gas_plant" in inputs.techs
    assert not inputs["active"].sel(techs="gas_plant").any()


def test_old_locations_key_reads_as_nodes(tmp_path: Path) -> None:
    text = (TINY / "model.yaml").read_text().replace("\nnodes:\n", "\nlocations:\n")
    for name in ("techs.yaml", "demand.csv"):
        (tmp_path / name).write_text((TINY / name).read_text())
    (tmp_path / "model.yaml").write_text(text)
    with pytest.warns(UserWarning, match="locations"):
        inputs = prepare_inputs(read_model(tmp_path / "model.yaml"))
    assert list(inputs.nodes.values) == ["A", "B"]
