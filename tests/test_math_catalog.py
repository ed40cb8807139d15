"""`esmflow math list` and docs/math.md: every shipped component, its Macro names and switch.

Also the registry of the Macro extension files (flow_limits, reservoir, storage_limits,
unit_commitment): each component maps to the hand-solved test that builds it, as
tests/test_math_registry.py does for base math.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from math_models import demand, model_definition, per_cost, supply, write_model

from esmflow import Model
from esmflow.cli import main
from esmflow.errors import ModelError, ModelWarning
from esmflow.math import catalog
from esmflow.math.schema import read_builtin
from esmflow.vocabulary import MACRO_CONSTRAINTS, MACRO_NAMES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "math.md"

UC = "test_math_unit_commitment.py"
STORAGE = "test_math_storage_limits.py"
COVERAGE: dict[str, dict[str, str]] = {
    "unit_commitment": {
        "operating_units": f"{UC}::test_the_day_commits_the_hand_derived_schedule",
        "started_units": f"{UC}::test_the_day_commits_the_hand_derived_schedule",
        "shut_down_units": f"{UC}::test_the_day_commits_the_hand_derived_schedule",
        "cost_operation_variable": f"{UC}::test_start_up_cost_is_per_mw_started_and_weighted",
        "operating_units_max": f"{UC}::test_the_day_commits_the_hand_derived_schedule",
        "operating_units_balance": f"{UC}::test_commitment_wraps_around_within_each_period",
        "minimum_up_time": f"{UC}::test_switching_off_the_minimum_times",
        "minimum_down_time": f"{UC}::test_switching_off_the_minimum_times",
        "ramping_up_committed": f"{UC}::test_switching_off_committed_ramping",
        "ramping_down_committed": f"{UC}::test_switching_off_committed_ramping",
        "ramping_up": f"{UC}::test_committed_ramping_up_and_down",
        "ramping_down": f"{UC}::test_committed_ramping_up_and_down",
        "unit_commitment_needs_a_unit_size": f"{UC}::test_commitment_needs_a_unit_size",
        "start_up_cost_needs_a_unit_size": "test_math_catalog.py::test_checks_of_the_macro_files",
        "unit_commitment_only_for_units": (
            "test_math_catalog.py::test_a_unit_size_without_commitment_still_warns"
        ),
        "unit_parameters_need_integer_capacity": (
            "test_math_catalog.py::test_a_unit_size_without_commitment_still_warns"
        ),
    },
    "storage_limits": {
        "storage_level_max": f"{STORAGE}::test_storage_limits_on_a_battery_that_shifts_solar",
        "storage_charge_max": f"{STORAGE}::test_storage_limits_on_a_battery_that_shifts_solar",
        "storage_discharge_max": f"{STORAGE}::test_limits_that_keep_a_battery_from_burning_energy",
        "storage_flow_symmetric_max": (
            f"{STORAGE}::test_limits_that_keep_a_battery_from_burning_energy"
        ),
        "flow_in_max": (
            f"{STORAGE}::test_a_charge_ratio_above_one_charges_faster_than_the_battery_discharges"
        ),
        "charge_ratio_only_for_storage": "test_math_catalog.py::test_checks_of_the_macro_files",
        "symmetric_flow_only_for_storage": "test_math_catalog.py::test_checks_of_the_macro_files",
        "discharge_limit_needs_a_store": "test_math_catalog.py::test_checks_of_the_macro_files",
    },
    "flow_limits": {
        "flow_out_must_run": "test_math_flow_limits.py::test_must_run_puts_out_the_available_capacity",
        "flow_capacity_bidirectional": (
            "test_math_flow_limits.py::test_a_shared_link_capacity_limits_flows_both_ways_at_once"
        ),
        "must_run_not_for_links": "test_math_flow_limits.py::test_must_run_is_not_for_links",
        "bidirectional_only_for_links": "test_math_catalog.py::test_checks_of_the_macro_files",
    },
    "reservoir": {
        "storage_spilled": "test_math_reservoir.py::test_a_full_reservoir_spills_what_it_cannot_use",
        "balance_supply_with_storage": (
            "test_math_reservoir.py::test_a_full_reservoir_spills_what_it_cannot_use"
        ),
        "storage_outflow_min": (
            "test_math_reservoir.py::test_a_minimum_release_spills_water_the_plant_would_keep"
        ),
        "spill_needs_a_reservoir": "test_math_catalog.py::test_checks_of_the_macro_files",
        "minimum_outflow_without_spill": (
            "test_math_reservoir.py::test_a_minimum_release_without_spill_warns_and_holds_for_the_turbines"
        ),
        "minimum_outflow_needs_a_store": "test_math_catalog.py::test_checks_of_the_macro_files",
    },
}


def test_the_docs_page_is_up_to_date() -> None:
    expected = catalog.as_markdown(catalog.catalog())
    assert DOCS.read_text() == expected, (
        "docs/math.md is stale: python -m esmflow math list --markdown > docs/math.md"
    )


def test_every_shipped_component_is_listed_with_its_macro_names() -> None:
    entries = {entry.name: entry for entry in catalog.catalog()}
    for section in ("variables", "global_expressions", "constraints"):
        for file in ("base", "milp", *COVERAGE):
            assert set(read_builtin(file).get(section) or {}) <= set(entries)
    assert entries["flow_out_min"].aliases == ("MinFlowConstraint",)
    assert entries["minimum_up_time"].file == "unit_commitment.yaml"
    assert entries["flow_cap_max"].kind == "bound"
    assert "unit_commitment.yaml" in entries["operating_units"].changed_by


def test_switch_names_do_not_clash_with_parameters_or_each_other() -> None:
    entries = catalog.catalog()
    components = [e.name for e in entries if e.kind != "bound"]
    assert len(components) == len(set(components))
    math, _, _ = catalog.shipped_math()
    assert not set(components) & (set(math.parameters) | set(math.lookups))
    assert not set(MACRO_CONSTRAINTS) & set(components)
    assert not set(MACRO_NAMES) & (set(math.parameters) | set(math.lookups) | set(components))


def test_math_list_prints_a_table_and_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["math", "list"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:3] == ["component", "kind", "file"]
    assert all(entry.name in table for entry in catalog.catalog())
    assert main(["math", "list", "RampingLimitConstraint", "--markdown"]) == 0
    page = capsys.readouterr().out
    assert page.count("### ") == len(MACRO_CONSTRAINTS["RampingLimitConstraint"])


def test_math_list_runs_as_a_module() -> None:
    found = subprocess.run(
        [sys.executable, "-m", "esmflow", "math", "list", "minimum_up_time"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "MinUpTimeConstraint" in found.stdout


@pytest.mark.parametrize("file", sorted(COVERAGE))
def test_every_macro_component_has_a_test(file: str) -> None:
    data = read_builtin(file)
    names = {
        name
        for section in ("variables", "global_expressions", "constraints", "checks")
        for name in data.get(section) or {}
    }
    assert sorted(names - COVERAGE[file].keys()) == [], "components without a test"
    assert sorted(COVERAGE[file].keys() - names) == [], "tests mapped to unknown components"
    for target in COVERAGE[file].values():
        test_file, test_name = target.split("::")
        assert f"def {test_name}(" in (ROOT / "tests" / test_file).read_text()


def _unit(**params) -> dict:
    return supply(cost_per_unit=1, flow_cap_per_unit=10, flow_cap_max=20, **params)


def _storage(**params) -> dict:
    return {"base_tech": "storage", "carrier_in": "power", "carrier_out": "power", **params}


@pytest.mark.parametrize(
    ("techs", "words"),
    [
        (
            {
                "chp": {
                    "base_tech": "conversion",
                    "carrier_in": "gas",
                    "carrier_out": "power",
                    "flow_cap_per_unit": {"data": 10, "index": ["gas"], "dims": ["carriers"]},
                    "cost_startup": per_cost(1),
                },
                "gas": supply("gas", cost_per_unit=1),
            },
            "`cost_startup` is a cost per unit of outflow capacity",
        ),
        (
            {
                "grid": _storage(
                    flow_in_cap_ratio=0.5, include_storage=False, base_tech="conversion"
                )
            },
            "`flow_in_cap_ratio` sets the charging",
        ),
        (
            {"grid": supply(cost_per_unit=1, storage_symmetric_flow=True)},
            "`storage_symmetric_flow` is for storage",
        ),
        (
            {"grid": supply(cost_per_unit=1, storage_discharge_limit=True)},
            "`storage_discharge_limit` is for techs with a store",
        ),
        (
            {"grid": supply(cost_per_unit=1, flow_cap_bidirectional=True)},
            "`flow_cap_bidirectional` is for transmission",
        ),
        ({"grid": supply(cost_per_unit=1, spill=True)}, "`spill` releases water"),
        (
            {"grid": supply(cost_per_unit=1, outflow_min_relative=0.2)},
            "`outflow_min_relative` is for techs with a store",
        ),
    ],
)
def test_checks_of_the_macro_files(tmp_path, techs, words):
    techs = {"load": demand("power", 1, 1), "backup": supply(cost_per_unit=9), **techs}
    with pytest.raises(ModelError, match=re.escape(words)):
        Model.from_yaml(write_model(tmp_path, model_definition(techs))).build()


def test_a_unit_size_without_commitment_still_warns(tmp_path):
    # unit commitment is loaded (another tech commits), but this one has a size and nothing else
    techs = {
        "load": demand("power", 1, 1),
        "committed": _unit(min_up_time=1),
        "sized": _unit(),
    }
    with pytest.warns(ModelWarning, match=r"a unit size \(`flow_cap_per_unit`\) only to them"):
        Model.from_yaml(write_model(tmp_path, model_definition(techs))).build()
    techs["sized"]["integer_dispatch"] = True  # integer dispatch of continuous capacity: no units
    with pytest.raises(ModelError, match=r"`integer_dispatch` needs units to switch on and off"):
        Model.from_yaml(write_model(tmp_path / "integer", model_definition(techs))).build()
