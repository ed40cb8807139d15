"""Loading and merging math files: order, dict union, whole-list replacement, `active: false`."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import xarray as xr

from esmflow.errors import ModelError
from esmflow.math.schema import MathDefinition, load_math, merge_math, read_math_yaml

BASE = """
parameters:
  flow_cap_max: {default: .inf, unit: power}
  bigM: {default: 1e6}
variables:
  flow_cap:
    foreach: [nodes, techs]
    where: carrier_out
    bounds: {min: 0, max: flow_cap_max}
constraints:
  keep_me:
    foreach: [nodes]
    equations:
      - expression: flow_cap <= 1
      - expression: flow_cap >= 0
  drop_me:
    foreach: [nodes]
    equations: [{expression: "flow_cap <= bigM"}]
"""

EXTRA = """
parameters:
  new_param: {default: 2}
constraints:
  keep_me:
    where: "new_param AND NOT misspelt_lookup"
    equations: [{expression: flow_cap <= new_param}]
  drop_me.active: false
"""


@pytest.fixture()
def math_files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "extra.yaml").write_text(EXTRA)
    return {"base": tmp_path / "base.yaml", "extra": tmp_path / "extra.yaml"}


def test_later_math_merges_over_earlier(math_files: dict[str, Path]) -> None:
    math_def = load_math(["extra"], math_files)
    keep = math_def.constraints["keep_me"]
    assert keep["foreach"] == ["nodes"]  # kept from base (dict union)
    assert keep["where"] == "new_param AND NOT misspelt_lookup"  # added
    assert keep["equations"] == [{"expression": "flow_cap <= new_param"}]  # list replaced whole
    assert "drop_me" not in math_def.constraints  # dotted `active: false` drops it
    assert math_def.data["constraints"]["drop_me"]["active"] is False  # but the text keeps it
    assert set(math_def.parameters) == {"flow_cap_max", "bigM", "new_param"}


def test_numbers_read_like_yaml_1_2(math_files: dict[str, Path]) -> None:
    math_def = load_math([], math_files)
    assert math_def.parameters["bigM"]["default"] == 1e6  # PyYAML alone would give "1e6"
    assert math.isinf(math_def.default_of("flow_cap_max"))


def test_unknown_extra_math_names_the_closest(math_files: dict[str, Path]) -> None:
    with pytest.raises(
        ModelError, match=r"(?s)config.init.extra_math.*Unknown math 'extr'.*Did you mean 'extra'"
    ):
        load_math(["extr"], math_files)


def test_yaml_text_round_trips(math_files: dict[str, Path]) -> None:
    math_def = load_math(["extra"], math_files)
    again = MathDefinition.from_yaml_text(math_def.to_yaml())
    assert again.data == math_def.data
    inputs = xr.Dataset(attrs={"math": math_def.to_yaml()})
    assert MathDefinition.from_inputs(inputs).constraints == math_def.constraints


def test_known_names_lists_declared_and_referenced(math_files: dict[str, Path]) -> None:
    names = load_math(["extra"], math_files).known_names()
    assert {
        "flow_cap_max",
        "bigM",
        "new_param",
        "carrier_out",
        "misspelt_lookup",
        "flow_cap",
    } <= names


def test_origins_name_the_file_of_each_component(math_files: dict[str, Path]) -> None:
    math_def = load_math(["extra"], math_files)
    assert math_def.origin("constraints.keep_me.equations[0].expression") == "extra.yaml"
    assert math_def.origin("variables.flow_cap.where") == "base.yaml"
    again = MathDefinition.from_yaml_text(math_def.to_yaml())
    assert again.origins == math_def.origins


def test_merge_is_recursive_for_mappings_only() -> None:
    merged = merge_math({"a": {"b": 1, "c": [1, 2]}}, {"a": {"c": [3]}, "d": 4})
    assert merged == {"a": {"b": 1, "c": [3]}, "d": 4}


def test_unknown_section_is_an_error() -> None:
    with pytest.raises(ModelError, match="Did you mean 'constraints'"):
        read_math_yaml("constraint: {}", source="user.yaml")


def test_inputs_without_math_attribute() -> None:
    with pytest.raises(ModelError, match="attribute 'math' missing"):
        MathDefinition.from_inputs(xr.Dataset())
