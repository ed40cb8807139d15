"""Postprocessing on a fake solution: results Dataset, summary tables, plots, provenance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xarray as xr
import yaml

from esmflow.backends.result import SolveResult
from esmflow.io.results_file import write_yaml
from esmflow.postprocess import capacity, plots, summaries
from esmflow.postprocess.provenance import (
    git_state,
    provenance_attrs,
    provenance_record,
    stored_record,
)
from esmflow.postprocess.results import make_results, zero_threshold


@pytest.fixture
def results(fake_inputs: xr.Dataset, fake_solution: xr.Dataset) -> xr.Dataset:
    solve_result = SolveResult(
        termination="optimal",
        objective=140.0,
        solution=fake_solution,
        solver="highs",
        solver_version="1.15.1",
        wall_time=0.25,
    )
    units = json.dumps({"power": "kW", "energy": "kWh", "cost": {"monetary": "EUR"}})
    return make_results(fake_inputs.assign_attrs(units=units), solve_result)


def test_results_hold_inputs_results_and_status(
    results: xr.Dataset, fake_inputs: xr.Dataset
) -> None:
    assert set(fake_inputs.data_vars) <= set(results.data_vars)
    assert results["flow_cap"].attrs["is_result"] == 1
    assert "is_result" not in results["flow_cap_max"].attrs
    assert results.attrs["termination"] == "optimal"
    assert results.attrs["objective"] == 140.0
    assert results.attrs["solver_version"] == "1.15.1"
    assert results.attrs["model_files"] == fake_inputs.attrs["model_files"]


def test_zero_threshold_cleans_round_off_only(results: xr.Dataset) -> None:
    # battery's cost 1e-12 is below the model's zero_threshold 1e-10: exactly zero; NaN stays NaN
    assert results["cost"].sel(nodes="south", techs="battery", costs="monetary") == 0.0
    assert results["cost"].sel(nodes="north", techs="solar").isnull().all()
    assert results["cost"].sel(nodes="north", techs="gas", costs="monetary") == 100.0


def test_zero_threshold_from_the_stored_config(fake_inputs: xr.Dataset) -> None:
    assert zero_threshold(fake_inputs) == 1e-10
    config = "solve: {zero_threshold: 1.0e-6}\n"
    assert zero_threshold(fake_inputs.assign_attrs(config=config)) == 1e-6
    assert zero_threshold(fake_inputs.drop_attrs()) == 1e-10


def test_capacities_by_node_and_tech(results: xr.Dataset) -> None:
    table = summaries.capacities(results)
    assert list(table.columns) == ["variable", "nodes", "techs", "carriers", "value", "unit"]
    flow_cap = table[table["variable"] == "flow_cap"].set_index(["nodes", "techs"])["value"]
    # gas 50, demand 9 @north; solar 80, battery 20 @south; the line 30 at both ends: 6 rows
    assert len(flow_cap) == 6
    assert flow_cap[("north", "gas")] == 50.0
    storage = table[table["variable"] == "storage_cap"]
    assert storage[["nodes", "techs", "carriers", "value", "unit"]].values.tolist() == [
        ["south", "battery", "", 100.0, "kWh"]
    ]
    assert set(table[table["variable"] == "flow_cap"]["unit"]) == {"kW"}


def test_costs_by_class_and_tech(results: xr.Dataset) -> None:
    # the fake solution has only `cost` (no parts): all of it is the total; 6 weighted hours
    by_class = summaries.costs_by_class(results)
    assert by_class.to_dict("records") == [
        {
            "costs": "monetary",
            "unit": "EUR",
            "investment": 0.0,
            "operation_fixed": 0.0,
            "operation_variable": 0.0,
            "total": pytest.approx(140.0),
            "total_per_year": pytest.approx(140.0 * 8760 / 6),
            "horizon": "2025-06-01 00:00 to 2025-06-01 06:00 (6 h)",
        }
    ]
    by_tech = summaries.costs_by_tech(results).set_index("techs")["total"]
    assert by_tech.to_dict() == {"gas": 100.0, "solar": 40.0}


def test_flows_are_weighted_by_timestep_weights(results: xr.Dataset) -> None:
    table = summaries.flows_by_carrier(results).set_index("techs")
    # gas: 10 per step, weights 1 + 1 + 2 + 2 = 6 → 60; demand: 9 × 6 = 54; 6 h of 8760
    assert table.loc["gas", "flow_out [kWh]"] == pytest.approx(60.0)
    assert table.loc["demand_power", "flow_in [kWh]"] == pytest.approx(54.0)
    assert table.loc["gas", "flow_out per year [kWh/year]"] == pytest.approx(60.0 * 8760 / 6)
    assert set(table.index) == {"gas", "demand_power"}


def test_distance_table_names_the_unit(fake_inputs: xr.Dataset) -> None:
    table = summaries.distance_table(fake_inputs)
    assert table.to_dict("records") == [
        {"techs": "north_to_south", "link_from": "north", "link_to": "south", "distance_km": 504.6}
    ]


def test_every_figure_draws_on_a_model_missing_most_arrays(
    results: xr.Dataset, tmp_path: Path
) -> None:
    # the fake results have no coordinates, no prices, no storage levels: panels say so
    for name, figure in plots.draw_figures(results):
        plots.save_figure(figure, tmp_path / f"{name}.png")
    for name in plots.FIGURES:
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.png" for n in plots.FIGURES)


def test_capacity_table_leaves_out_links_and_demand(results: xr.Dataset) -> None:
    table = capacity.capacity_table(results, "power")
    assert list(table.columns) == ["battery", "gas", "solar"]
    assert table.loc["south", "solar"] == 80.0


def test_provenance_record_and_attrs(tmp_path: Path) -> None:
    config = {"model": "m.yaml", "solver": {"name": "highs", "threads": 2}}
    record = provenance_record("base", config, "abc123", folder=tmp_path)
    assert record["config"] == config
    assert record["git"] == {"commit": "unknown", "dirty": None}  # tmp_path is no checkout
    assert record["versions"]["xarray"] == xr.__version__
    attrs = provenance_attrs("base", config, "abc123", folder=tmp_path)
    assert all(isinstance(value, str) for value in attrs.values())
    assert yaml.safe_load(attrs["workflow_config"]) == config


def test_results_file_and_yaml_hold_the_same_record(tmp_path: Path) -> None:
    # the record with what the YAML used to lack: model file hashes, termination, objective
    status = {"termination": "optimal", "objective": 150.93498019705828, "warnings": [{"m": 1}]}
    record = provenance_record(
        "base",
        {"model": "m.yaml"},
        "abc123",
        folder=tmp_path,
        solve_status=status,
        model_files={"/models/m.yaml": "ab" * 32},
        rule_code={"build_model": "0123", "solve_model": "4567"},
    )
    attrs = provenance_attrs("base", {}, "", record=record)
    xr.Dataset(attrs=attrs).to_netcdf(tmp_path / "results.nc")
    with xr.open_dataset(tmp_path / "results.nc") as results:
        stored = stored_record(results.attrs)
    write_yaml(stored, tmp_path / "config.yaml")
    assert yaml.safe_load((tmp_path / "config.yaml").read_text()) == stored == record
    assert stored["solve"] == {
        "termination": "optimal",
        "objective": 150.93498019705828,
        "warnings": 1,
    }
    assert stored["model_files"] == {"/models/m.yaml": "ab" * 32}
    assert stored["rule_code_hashes"]["solve_model"] == "4567"
    # the quick-read attributes repeat the record
    assert attrs["esmflow_code_hash"] == "abc123" and attrs["created_utc"] == record["created_utc"]


def test_git_state_of_this_checkout() -> None:
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    state = git_state(root)
    assert len(state["commit"]) == 40 and isinstance(state["dirty"], bool)
