"""The Calliope 0.6 converter: what each 0.6 key becomes, reviewed against hand-written YAML.

Two kinds of model: a tiny 0.6 model written here (fast, no archive needed), and Calliope
0.6.10's own example models (from its source distribution, see calliope06_archive.py), whose
conversion is checked for one key of each kind the issue names: a supply_plus tech, a
conversion_plus tech, a link with per-distance costs, a group constraint and a CSV time series.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

from esmflow.cli import main
from esmflow.errors import ModelError, ModelWarning
from esmflow.io.calliope06 import convert_v06, is_calliope06
from esmflow.io.calliope06.overrides import applied, difference
from esmflow.io.read_model import read_model
from esmflow.preprocess.inputs import prepare_inputs
from tests.calliope06_archive import calliope06_package

TINY_06 = """
model:
  name: tiny 0.6
  timeseries_data_path: data
  subset_time: ['2005-01-01 00:00', '2005-01-01 02:00']
run:
  bigM: 1e3
  ensure_feasibility: true
  objective_options.cost_class: {monetary: 1}
tech_groups:
  solar_group:
    essentials: {parent: supply_plus, carrier: power}
techs:
  solar:
    essentials: {parent: solar_group, name: Solar}
    constraints:
      resource: file=solar.csv
      storage_cap_max: 10
      energy_eff: 0.5
      lifetime: 20
    costs.monetary: {energy_cap: 10, interest_rate: 0}
  chp:
    essentials:
      parent: conversion_plus
      carrier_in: gas
      carrier_out: power
      carrier_out_2: heat
      primary_carrier_out: power
    constraints:
      energy_eff: 0.4
      carrier_ratios.carrier_out_2.heat: 0.8
      lifetime: 20
    costs.monetary: {energy_cap: 5, om_prod: 0.1, interest_rate: 0}
  gas:
    essentials: {parent: supply, carrier: gas}
    costs.monetary.om_con: 0.02
  demand:
    essentials: {parent: demand, carrier: power}
  heat_sink:
    essentials: {parent: demand, carrier: heat}
    constraints: {resource: -1, force_resource: false}
  line:
    essentials: {parent: transmission, carrier: power}
    constraints: {energy_eff_per_distance: 0.9, lifetime: 20}
    costs.monetary: {energy_cap_per_distance: 2, interest_rate: 0}
locations:
  a:
    coordinates: {x: 0, y: 0}
    techs:
      solar:
      chp:
      gas:
      heat_sink:
  '1':
    coordinates: {x: 3, y: 4}
    techs:
      demand.constraints.resource: file=demand.csv:load
links:
  a,1:
    techs:
      line:
group_constraints:
  solar_share:
    techs: [solar, line]
    carrier_prod_share_min: {power: 0.5}
overrides:
  dear_gas:
    techs.gas.costs.monetary.om_con: 0.05
  no_line:
    links.a,1.exists: false
  more_share:
    group_constraints.solar_share.carrier_prod_share_min.power: 0.6
scenarios:
  both: [dear_gas, more_share]
"""
SOLAR_CSV = "t,a\n2005-01-01 00:00:00,1\n2005-01-01 01:00:00,2\n2005-01-01 02:00:00,3\n"
DEMAND_CSV = "t,load\n2005-01-01 00:00:00,-4\n2005-01-01 01:00:00,-5\n2005-01-01 02:00:00,-6\n"


@pytest.fixture
def tiny_06(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "solar.csv").write_text(SOLAR_CSV)
    (tmp_path / "data" / "demand.csv").write_text(DEMAND_CSV)
    (tmp_path / "model.yaml").write_text(TINY_06)
    return tmp_path / "model.yaml"


def converted(model: Path, out: Path, **kwargs) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        result = convert_v06(model, out, **kwargs)
    return yaml.safe_load(result.model_file.read_text())


def test_tiny_model_converts_key_by_key(tiny_06: Path, tmp_path: Path) -> None:
    model = converted(tiny_06, tmp_path / "out")
    techs, nodes = model["techs"], model["nodes"]
    # supply_plus through a tech group: supply with a store (it names storage_cap_max)
    assert techs["solar"] == {
        "base_tech": "supply",
        "carrier_out": "power",
        "name": "Solar",
        "storage_cap_max": 10,
        "flow_out_eff": 0.5,
        "lifetime": 20,
        "include_storage": True,
        "cost_flow_cap": {"data": 10, "index": "monetary", "dims": "costs"},
        "cost_interest_rate": {"data": 0, "index": "monetary", "dims": "costs"},
    }
    # conversion_plus: conversion with tiers; primary carriers named, so the tier math applies
    chp = techs["chp"]
    assert (chp["base_tech"], chp["carrier_in"], chp["carrier_out"]) == (
        "conversion",
        "gas",
        "power",
    )
    assert chp["carrier_out_2"] == "heat"
    assert chp["carrier_ratios"] == {"carrier_out_2": {"heat": 0.8}}
    assert (chp["primary_carrier_out"], chp["primary_carrier_in"]) == ("power", "gas")
    assert chp["cost_flow_out"] == {"data": 0.1, "index": "monetary", "dims": "costs"}
    # supply om_con is per unit of source used
    assert techs["gas"]["cost_source_use"] == {"data": 0.02, "index": "monetary", "dims": "costs"}
    # a demand resource: sink_use_max (force_resource false), sign turned
    assert techs["heat_sink"]["sink_use_max"] == 1
    # node "1" is not an identifier; the link is one tech with the Euclidean distance 5
    assert set(nodes) == {"a", "node_1"}
    assert model["templates"]["line"]["cost_flow_cap_per_distance"]["data"] == 2
    assert techs["line_a_to_node_1"] == {
        "template": "line",
        "link_from": "a",
        "link_to": "node_1",
        "distance": 5.0,
    }
    # the group: 0.6 name → esmflow name; the transmission tech → its link tech
    assert model["group_constraints"]["solar_share"] == {
        "techs": ["solar", "line_a_to_node_1"],
        "flow_out_share_min": {"power": 0.5},
    }
    # time series: demand negated into sink_use_equals; solar's column named after its location
    tables = model["data_tables"]
    assert tables["sink_use_equals"]["add_dims"] == {"inputs": "sink_use_equals"}
    demand = pd.read_csv(
        tmp_path / "out" / tables["sink_use_equals"]["table"], header=[0, 1], index_col=0
    )
    assert demand[("demand", "node_1")].tolist() == [4, 5, 6]
    solar = pd.read_csv(
        tmp_path / "out" / tables["source_use_max"]["table"], header=[0, 1], index_col=0
    )
    assert solar[("solar", "a")].tolist() == [1, 2, 3]
    # model and run settings
    assert model["config"]["init"]["subset"]["timesteps"] == [
        "2005-01-01 00:00",
        "2005-01-01 02:00",
    ]
    assert model["data_definitions"]["bigM"] == 1000
    assert model["config"]["build"]["ensure_feasibility"] is True


@pytest.mark.slow  # prepares the inputs of every override
def test_overrides_and_scenarios_are_differences(tiny_06: Path, tmp_path: Path) -> None:
    model = converted(tiny_06, tmp_path / "out")
    overrides = model["overrides"]
    assert overrides["dear_gas"] == {
        "techs": {"gas": {"cost_source_use": {"data": 0.05, "index": "monetary", "dims": "costs"}}}
    }
    # a link switched off: its tech is switched off (and leaves the group)
    assert overrides["no_line"]["techs"]["line_a_to_node_1"] == {"active": False}
    assert overrides["no_line"]["group_constraints"]["solar_share"]["techs"] == ["solar"]
    assert model["scenarios"] == {"both": ["dear_gas", "more_share"]}
    # every override and scenario reads and prepares in esmflow
    for name in [*overrides, "both"]:
        prepare_inputs(read_model(tmp_path / "out" / "model.yaml", overrides=[name]))


def test_the_report_lists_every_key(tiny_06: Path, tmp_path: Path) -> None:
    with pytest.warns(ModelWarning, match="run.bigM|not converted|closest"):
        result = convert_v06(
            tiny_06, tmp_path / "out", extra_overrides={"odd": {"run.solver_io": "lp"}}
        )
    text = result.report_file.read_text()
    assert "| `techs.solar.constraints.storage_cap_max` | `storage_cap_max` |" in text
    assert "`locations.1.techs.demand.constraints.resource`" in text
    assert "## Override `odd`" in text and "`run.solver_io`" in text
    assert "Time-weighted group sums" in text


def test_cli_writes_the_folder(tiny_06: Path, tmp_path: Path) -> None:
    assert main(["convert-v06", str(tiny_06), str(tmp_path / "cli")]) == 0
    assert (tmp_path / "cli" / "conversion_report.md").is_file()
    assert is_calliope06(tiny_06) and not is_calliope06(tmp_path / "cli" / "model.yaml")


def test_dataframe_series(tiny_06: Path, tmp_path: Path) -> None:
    tiny_06.write_text(TINY_06.replace("file=demand.csv:load", "df=loads:x"))
    frame = pd.DataFrame(
        {"x": [-1.0, -2.0, -3.0]}, index=pd.date_range("2005-01-01", periods=3, freq="h")
    )
    model = converted(tiny_06, tmp_path / "out", dataframes={"loads": frame})
    table = model["data_tables"]["sink_use_equals"]["table"]
    values = pd.read_csv(tmp_path / "out" / table, header=[0, 1], index_col=0)
    assert values[("demand", "node_1")].tolist() == [1, 2, 3]
    with pytest.raises(ModelError, match="loads"):
        converted(tiny_06, tmp_path / "again")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("parent: supply, carrier: gas", "parent: suply, carrier: gas"), ["parent", "supply"]),
        (("file=demand.csv:load", "file=demand.csv:lod"), ["lod", "load"]),
        (("file=solar.csv", "file=missing.csv"), ["missing.csv", "not found"]),
        (("      demand.constraints", "      demnd.constraints"), ["demnd", "demand"]),
        (("  a,1:", "  a,b:"), ["b", "not a location"]),
    ],
)
def test_bad_inputs_name_the_key(tiny_06: Path, tmp_path: Path, change, words) -> None:
    old, new = change
    assert old in TINY_06
    tiny_06.write_text(TINY_06.replace(old, new))
    with pytest.raises(ModelError) as caught:
        converted(tiny_06, tmp_path / "out")
    for word in words:
        assert word in str(caught.value)


def test_difference_round_trips() -> None:
    base = {
        "techs": {"a": {"x": 1, "y": {"data": 1, "index": "m", "dims": "costs"}}},
        "c": {"s": [1]},
    }
    new = {"techs": {"a": {"x": 2, "y": {"data": [1, 2], "index": ["m", "n"], "dims": "costs"}}}}
    patch = difference(base, new)
    assert applied(base, [patch])["techs"] == new["techs"]
    assert patch["c"] == {"_REPLACE_": {}}


# --- Calliope 0.6.10's own example models --------------------------------------------------------
@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    package = calliope06_package()
    out = tmp_path_factory.mktemp("converted06")
    return {
        name: converted(package / "example_models" / name / "model.yaml", out / name)
        | {"_folder": out / name}
        for name in ("national_scale", "urban_scale")
    }


@pytest.mark.slow  # converts 0.6.10's examples (a few seconds, once)
def test_example_supply_plus(examples: dict[str, dict]) -> None:
    csp = examples["national_scale"]["techs"]["csp"]
    expected = {
        "base_tech": "supply",
        "include_storage": True,
        "source_unit": "per_area",
        "storage_cap_max": 614033,
        "flow_cap_per_storage_cap_max": 1,
        "storage_loss": 0.002,
        "flow_out_eff": 0.4,
        "flow_out_parasitic_eff": 0.9,
        "area_use_max": float("inf"),
        "flow_cap_max": 10000,
        "cost_source_cap": {"data": 200, "index": "monetary", "dims": "costs"},
        "cost_area_use": {"data": 200, "index": "monetary", "dims": "costs"},
    }
    assert {key: csp[key] for key in expected} == expected


@pytest.mark.slow  # converts 0.6.10's examples (a few seconds, once)
def test_example_conversion_plus(examples: dict[str, dict]) -> None:
    chp = examples["urban_scale"]["techs"]["chp"]
    expected = {
        "base_tech": "conversion",
        "carrier_in": "gas",
        "carrier_out": "electricity",
        "carrier_out_2": "heat",
        "primary_carrier_out": "electricity",
        "carrier_ratios": {"carrier_out_2": {"heat": 0.8}},
        "carrier_export": "electricity",
        "flow_out_eff": 0.405,
        "flow_cap_max": 1500,
        "cost_flow_cap": {"data": 750, "index": "monetary", "dims": "costs"},
    }
    assert {key: chp[key] for key in expected} == expected
    # the milp override: units on the primary output carrier, bought whole and run whole
    milp = examples["urban_scale"]["overrides"]["milp"]["techs"]["chp"]
    assert milp["purchased_units_max"] == 4
    assert milp["flow_cap_per_unit"] == {"data": 300, "index": "electricity", "dims": "carriers"}
    assert (milp["cap_method"], milp["integer_dispatch"], milp["flow_cap_max"]) == (
        "integer",
        True,
        None,
    )


@pytest.mark.slow  # converts 0.6.10's examples (a few seconds, once)
def test_example_link_with_per_distance_costs(examples: dict[str, dict]) -> None:
    model = examples["urban_scale"]
    assert model["templates"]["heat_pipes"]["flow_out_eff_per_distance"] == 0.975
    assert model["templates"]["heat_pipes"]["cost_flow_cap_per_distance"]["data"] == 0.3
    # N1 (5, 7) to X3 (5, 3): 4 units apart; X1–X2 gives its distance itself
    assert model["techs"]["heat_pipes_N1_to_X3"] == {
        "template": "heat_pipes",
        "link_from": "N1",
        "link_to": "X3",
        "distance": 4.0,
    }
    assert model["techs"]["power_lines_X1_to_X2"]["distance"] == 10
    # boiler capacity (and its cost) is on its output carrier, as 0.6's energy_cap was
    assert model["nodes"]["X2"]["techs"]["boiler"]["cost_flow_cap"] == {
        "data": [43.1],
        "index": [["monetary", "heat"]],
        "dims": ["costs", "carriers"],
    }


@pytest.mark.slow  # converts 0.6.10's examples (a few seconds, once)
def test_example_group_constraint(examples: dict[str, dict]) -> None:
    overrides = examples["national_scale"]["overrides"]
    assert overrides["cold_fusion_prod_share"]["group_constraints"] == {
        "min_carrier_prod_share_group": {"techs": ["csp"], "flow_out_share_min": {"power": 0.85}}
    }
    # together with cold_fusion (the scenario) the group keeps both techs
    combined = overrides["cold_fusion_with_production_share_combined"]
    assert combined["group_constraints"]["min_carrier_prod_share_group"]["techs"] == [
        "csp",
        "cold_fusion",
    ]
    assert examples["national_scale"]["scenarios"]["cold_fusion_with_production_share"] == [
        "cold_fusion_with_production_share_combined"
    ]


@pytest.mark.slow  # converts 0.6.10's examples (a few seconds, once)
def test_example_csv_time_series(examples: dict[str, dict]) -> None:
    model = examples["national_scale"]
    entry = model["data_tables"]["sink_use_equals"]
    table = pd.read_csv(model["_folder"] / entry["table"], header=[0, 1], index_col=0)
    # demand-1.csv's first row is -25284.48 at region1 (0.6 demand was negative)
    assert table.loc["2005-01-01 00:00:00", ("demand_power", "region1")] == 25284.48
    assert set(table.columns) == {("demand_power", "region1"), ("demand_power", "region2")}
    source = pd.read_csv(
        model["_folder"] / model["data_tables"]["source_use_max"]["table"],
        header=[0, 1],
        index_col=0,
    )
    assert set(source.columns.get_level_values("nodes")) == {"region1_1", "region1_2", "region1_3"}


@pytest.mark.slow
@pytest.mark.parametrize("example", ["national_scale", "urban_scale"])
def test_every_example_override_and_scenario_prepares(examples, example) -> None:
    model = examples[example]
    names = [None, *model.get("overrides", {}), *model.get("scenarios", {})]
    for name in names:
        path = model["_folder"] / "model.yaml"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModelWarning)
            prepare_inputs(read_model(path, overrides=[name] if name else []))
