"""Templates: nested inheritance (later key wins), use by techs, nodes and node-level tech entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from esmflow.errors import ModelError
from esmflow.io.read_model import read_model
from esmflow.preprocess.inputs import prepare_inputs
from esmflow.preprocess.templates import resolve_templates

TINY = Path(__file__).parent / "data" / "loader" / "tiny"


def test_nested_templates_later_key_wins() -> None:
    data = {
        "templates": {
            "base": {"a": 1, "b": {"x": 1, "y": 1}},
            "middle": {"template": "base", "a": 2, "b": {"y": 2}},
        },
        "techs": {"t": {"template": "middle", "b": {"x": 3}}},
    }
    assert resolve_templates(data)["techs"]["t"] == {"a": 2, "b": {"x": 3, "y": 2}}


def test_templates_at_nodes_and_node_level_techs() -> None:
    data = {
        "templates": {
            "windy_region": {"latitude": 50, "techs": {"wind": None}},
            "cheap_wind": {"cost_flow_cap": {"data": 1, "index": "monetary", "dims": "costs"}},
        },
        "nodes": {
            "N": {"template": "windy_region", "longitude": 8},
            "M": {"techs": {"wind": {"template": "cheap_wind", "flow_cap_max": 3}}},
        },
    }
    nodes = resolve_templates(data)["nodes"]
    assert nodes["N"] == {"latitude": 50, "longitude": 8, "techs": {"wind": None}}
    assert nodes["M"]["techs"]["wind"]["cost_flow_cap"]["data"] == 1
    assert "templates" not in resolve_templates(data)


def test_template_values_reach_the_inputs() -> None:
    # gas_plant ← thermal (flow_out_eff 0.4, base_tech supply) ← priced (cost_flow_cap 1);
    # the tech's own flow_out_eff 0.5 wins over the template's 0.4
    inputs = prepare_inputs(read_model(TINY / "model.yaml"))
    assert inputs["flow_out_eff"].sel(techs="gas_plant").item() == 0.5
    assert inputs["base_tech"].sel(techs="gas_plant").item() == "supply"
    assert inputs["cost_flow_cap"].sel(techs="gas_plant", costs="monetary").item() == 1


def test_override_can_change_a_template_before_it_is_applied() -> None:
    definition = read_model(
        TINY / "model.yaml", set_values={"templates.priced.cost_flow_cap.data": 9}
    )
    inputs = prepare_inputs(definition)
    assert inputs["cost_flow_cap"].sel(techs="gas_plant", costs="monetary").item() == 9


def test_template_cycle_is_reported_once_with_the_chain() -> None:
    data = {"templates": {"a": {"template": "b"}, "b": {"template": "a"}}, "techs": {}}
    with pytest.raises(
        ModelError, match=r"(?s)templates\.[ab]\.template.*cycle: (a → b → a|b → a → b)"
    ) as err:
        resolve_templates(data)
    assert len(err.value.problems) == 1


def test_unknown_template_suggests_closest() -> None:
    data = {"templates": {"thermal": {}}, "techs": {"t": {"template": "thermall"}}}
    with pytest.raises(ModelError, match=r"(?s)techs\.t\.template.*Did you mean 'thermal'"):
        resolve_templates(data)
