"""Value ranges, lower-vs-upper bounds, carriers by base tech, coordinates and names.

The corpus (tests/bad_inputs/) pins one message per rule; here every range's edge is tried
(the last valid value passes, the first invalid one fails) and valid variants stay valid.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from esmflow.errors import ModelError
from esmflow.io.read_model import read_model
from esmflow.preprocess.inputs import prepare_inputs
from esmflow.preprocess.semantic_checks import VALUE_RULES
from tests.bad_inputs.corpus import Case, materialise


def _prepare(tmp_path: Path, **patch: object) -> object:
    case = Case(name="t", description="t", expect=("",), **patch)  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prepare_inputs(read_model(materialise(case, tmp_path / "model")))


# (parameter, tech, last valid value, first invalid value)
EDGES = [
    ("lifetime", "gas_plant", 0.01, 0),
    ("flow_cap_max", "gas_plant", 0, -1),
    ("flow_cap_min", "gas_plant", 0, -1),
    ("storage_cap_max", "battery", 0, -1e-9),
    ("flow_out_eff", "gas_plant", 1e-6, 0),
    ("flow_in_eff", "battery", 2.5, 0),  # above 1 is fine (a heat pump's coefficient)
    ("storage_initial", "battery", 1, 1.0001),
    ("storage_initial", "battery", 0, -0.0001),
    ("storage_loss", "battery", 1, 1.5),
    ("storage_discharge_depth", "battery", 0.2, -0.2),
    ("flow_out_min_relative", "gas_plant", 1, 1.1),
    ("source_use_max", "solar", 0, -1),
    ("flow_ramping", "gas_plant", 0, -0.1),
]


@pytest.mark.parametrize(("name", "tech", "valid", "invalid"), EDGES)
def test_each_value_range_at_its_edge(
    tmp_path: Path, name: str, tech: str, valid: float, invalid: float
) -> None:
    assert name in VALUE_RULES
    _prepare(tmp_path / "valid", set={f"techs.{tech}.{name}": valid})
    with pytest.raises(ModelError, match=rf"(?s)techs\.{tech}\.{name}.*out of range"):
        _prepare(tmp_path / "invalid", set={f"techs.{tech}.{name}": invalid})


def test_interest_rate_above_minus_one_is_fine(tmp_path: Path) -> None:
    _prepare(tmp_path, set={"data_definitions.cost_interest_rate.data": -0.5})


def test_bounds_from_a_table_are_compared_with_yaml_bounds(tmp_path: Path) -> None:
    patch = {
        "replace": {
            "costs.csv": [
                ["techs,cost_flow_cap", "techs,flow_cap_min,cost_flow_cap"],
                ["gas_plant,500", "gas_plant,120,500"],
                ["solar,600", "solar,,600"],
                ["battery,100", "battery,,100"],
                ["power_line,20", "power_line,,20"],
            ]
        }
    }
    with pytest.raises(ModelError, match=r"(?s)costs\.csv.*'flow_cap_min' is greater.*= 120"):
        _prepare(tmp_path, **patch)


def test_equal_bounds_are_fine(tmp_path: Path) -> None:
    inputs = _prepare(tmp_path, set={"techs.gas_plant.flow_cap_min": 100})
    assert inputs["flow_cap_min"].sel(techs="gas_plant").item() == 100


def test_a_node_value_replaces_the_tech_value_before_comparing(tmp_path: Path) -> None:
    # tech-level max 100 with a node-level min 50 and max 60: valid at the node
    patch = {"set": {"nodes.north.techs.gas_plant": {"flow_cap_min": 50, "flow_cap_max": 60}}}
    _prepare(tmp_path, **patch)


def test_conversion_and_transmission_carriers_that_fit_are_valid(tmp_path: Path) -> None:
    patch = {
        "set": {
            "techs.heat_pump": {
                "base_tech": "conversion",
                "carrier_in": "power",
                "carrier_out": "heat",
                "flow_out_eff": 3,
            },
            "techs.demand_heat": {"base_tech": "demand", "carrier_in": "heat", "sink_use_max": 5},
            "nodes.south.techs.heat_pump": None,
            "nodes.south.techs.demand_heat": None,
        }
    }
    inputs = _prepare(tmp_path, **patch)
    assert set(inputs.carriers.values) == {"power", "heat"}


def test_a_transmission_tech_must_carry_one_carrier(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"(?s)techs\.power_line\.carrier_out.*same carrier"):
        _prepare(tmp_path, set={"techs.power_line.carrier_out": ["power", "heat"]})


def test_coordinates_from_a_table_are_checked(tmp_path: Path) -> None:
    patch = {
        "files": {"where.csv": "nodes,latitude,longitude\nnorth,52.5,13.4\nsouth,48.1,211.6\n"},
        "delete": [
            "nodes.north.latitude",
            "nodes.north.longitude",
            "nodes.south.latitude",
            "nodes.south.longitude",
        ],
        "set": {"data_tables.where": {"table": "where.csv", "rows": "nodes", "columns": "inputs"}},
    }
    with pytest.raises(
        ModelError, match=r"(?s)where\.csv.*longitude' out of range.*211\.6 at row south"
    ):
        _prepare(tmp_path, **patch)


def test_a_parameter_named_like_a_dimension_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"(?s)techs\.gas_plant\.nodes.*is a dimension"):
        _prepare(tmp_path, set={"techs.gas_plant.nodes": 3})
