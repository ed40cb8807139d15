"""data_tables: rows/columns, select, drop, add_dims, rename_dims, several tables, .inf, empty cells, BOM."""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path

import pytest

from esmflow.io.read_model import read_model
from esmflow.preprocess.inputs import prepare_inputs

BASE = """\
techs:
  plant: {base_tech: supply, carrier_out: power}
  demand_power: {base_tech: demand, carrier_in: power}
nodes:
  A: {techs: {plant: null, demand_power: null}}
  B: {techs: {plant: null, demand_power: null}}
data_tables:
  demand:
    table: data/demand.csv
    rows: timesteps
    columns: [techs, nodes]
    add_dims: {inputs: sink_use_equals}
"""
DEMAND = """\
techs,demand_power,demand_power
nodes,A,B
2005-01-01 00:00,1,10
2005-01-01 01:00,2,20
"""


def _model(tmp_path: Path, extra_yaml: str = "", files: dict[str, str] | None = None) -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "demand.csv").write_text(DEMAND)
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    (tmp_path / "model.yaml").write_text(BASE + textwrap.indent(textwrap.dedent(extra_yaml), "  "))
    return tmp_path / "model.yaml"


def test_rows_and_columns_with_added_inputs_dim(tmp_path: Path) -> None:
    inputs = prepare_inputs(read_model(_model(tmp_path)))
    demand = inputs["sink_use_equals"]
    assert set(demand.dims) == {"timesteps", "nodes", "techs"}
    assert demand.sel(nodes="B", techs="demand_power").values.tolist() == [10, 20]
    assert demand.sel(nodes="A", techs="plant").isnull().all()


def test_drop_add_dims_empty_cells_and_inf(tmp_path: Path) -> None:
    costs = """\
    inputs,cost_flow_cap,cost_flow_out
    comment,EUR per kW,EUR per kWh
    plant,100,inf
    demand_power,,
    """
    extra = """\
      costs:
        table: costs.csv
        rows: techs
        columns: [inputs, comment]
        drop: comment
        add_dims: {costs: monetary}
    """
    inputs = prepare_inputs(read_model(_model(tmp_path, extra, {"costs.csv": costs})))
    assert inputs["cost_flow_cap"].sel(techs="plant", costs="monetary").item() == 100
    assert math.isinf(inputs["cost_flow_out"].sel(techs="plant", costs="monetary").item())
    assert (
        inputs["cost_flow_cap"].sel(techs="demand_power").isnull().all()
    )  # empty cell = undefined


def test_select_then_drop_like_calliope_pv_resource_with_bom(tmp_path: Path) -> None:
    # the file starts with a byte-order mark, as Calliope's urban pv_resource.csv does
    resource = "\ufeffcomment,kWh/m2,\nscaler,per_area,per_cap\n2005-01-01 00:00,0.5,7\n2005-01-01 01:00,0.25,8\n"
    extra = """\
      resource:
        table: resource.csv
        rows: timesteps
        columns: [comment, scaler]
        select: {scaler: per_area}
        drop: [comment, scaler]
        add_dims: {inputs: source_use_max, techs: plant}
    """
    (tmp_path / "resource.csv").write_text(resource, encoding="utf-8")
    inputs = prepare_inputs(read_model(_model(tmp_path, extra)))
    assert set(inputs["source_use_max"].dims) == {"techs", "timesteps"}
    assert inputs["source_use_max"].sel(techs="plant").values.tolist() == [0.5, 0.25]


def test_rename_dims_maps_file_headers_to_model_dims(tmp_path: Path) -> None:
    prices = "time,A,B\n2005-01-01 00:00,3,4\n2005-01-01 01:00,5,6\n"
    extra = """\
      prices:
        table: prices.csv
        rows: timesteps
        columns: nodes
        rename_dims: {time: timesteps}
        add_dims: {inputs: cost_flow_out, techs: plant, costs: monetary}
    """
    (tmp_path / "prices.csv").write_text(prices)
    inputs = prepare_inputs(read_model(_model(tmp_path, extra)))
    assert inputs["cost_flow_out"].sel(
        nodes="B", techs="plant", costs="monetary"
    ).values.tolist() == [4, 6]


def test_several_tables_feed_one_parameter_later_wins_and_yaml_wins_over_tables(
    tmp_path: Path,
) -> None:
    first = "nodes,flow_cap_max\nA,1\nB,2\n"
    second = "nodes,flow_cap_max\nB,5\n"
    extra = """\
      caps_first:
        table: first.csv
        rows: nodes
        columns: inputs
        add_dims: {techs: plant}
      caps_second:
        table: second.csv
        rows: nodes
        columns: inputs
        add_dims: {techs: plant}
    """
    path = _model(tmp_path, extra, {"first.csv": first, "second.csv": second})
    caps = prepare_inputs(read_model(path))["flow_cap_max"].sel(techs="plant")
    assert caps.sel(nodes="A").item() == 1 and caps.sel(nodes="B").item() == 5
    # a node-level YAML value wins over the tables at that node only
    definition = read_model(path, set_values={"nodes.A.techs.plant.flow_cap_max": 9})
    caps = prepare_inputs(definition)["flow_cap_max"].sel(techs="plant")
    assert caps.sel(nodes="A").item() == 9 and caps.sel(nodes="B").item() == 5


def test_table_paths_are_relative_to_the_model_file(tmp_path: Path) -> None:
    path = _model(tmp_path)
    cwd = os.getcwd()
    try:
        os.chdir("/")
        inputs = prepare_inputs(read_model(path))
    finally:
        os.chdir(cwd)
    assert str(tmp_path / "data" / "demand.csv") in inputs.attrs["model_files"]


def test_tables_define_techs_their_carriers_and_placement(tmp_path: Path) -> None:
    # `wind` exists only in tables: its base tech and carrier come from one table, and a value
    # indexed over nodes × techs places it at node B only
    techs = "techs,base_tech\nwind,supply\n"
    carriers = "techs,carriers,carrier_out\nwind,power,1\n"
    resource = "timesteps,B\n2005-01-01 00:00,0.3\n2005-01-01 01:00,0.6\n"
    extra = """\
      wind_tech:
        table: wind_tech.csv
        rows: techs
        columns: inputs
      wind_carriers:
        table: wind_carriers.csv
        rows: [techs, carriers]
        columns: inputs
      wind_resource:
        table: wind_resource.csv
        rows: timesteps
        columns: nodes
        add_dims: {inputs: source_use_max, techs: wind}
    """
    files = {"wind_tech.csv": techs, "wind_carriers.csv": carriers, "wind_resource.csv": resource}
    inputs = prepare_inputs(read_model(_model(tmp_path, extra, files)))
    assert inputs["base_tech"].sel(techs="wind").item() == "supply"
    assert inputs["active"].sel(techs="wind").to_series().to_dict() == {"A": False, "B": True}
    assert inputs["carrier_out"].sel(techs="wind", nodes="B", carriers="power").item()


@pytest.mark.parametrize("value", ["inf", ".inf"])
def test_infinity_spellings_in_csv(tmp_path: Path, value: str) -> None:
    caps = f"nodes,flow_cap_max\nA,{value}\n"
    extra = """\
      caps:
        table: caps.csv
        rows: nodes
        columns: inputs
        add_dims: {techs: plant}
    """
    inputs = prepare_inputs(read_model(_model(tmp_path, extra, {"caps.csv": caps})))
    assert math.isinf(inputs["flow_cap_max"].sel(nodes="A", techs="plant").item())
