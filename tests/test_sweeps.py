"""Scenario sweeps: the expansion (rules/sweeps.py), its errors, the summary, and a sweep run.

The expansion is plain Python loaded by the Snakefile, tested here directly; the end-to-end test
runs a three-scenario sweep of the tiny model through Snakemake in a copy of the repo.
"""

from __future__ import annotations

import copy
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from esmflow.io.read_model import read_model
from esmflow.postprocess.sweep_summary import (
    cost_values,
    plot_capacities,
    plot_objective,
    summary_table,
    sweep_axes,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = str(ROOT / "config" / "schema.yaml")


def _load_sweeps():
    spec = importlib.util.spec_from_file_location("sweeps_under_test", ROOT / "rules" / "sweeps.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


sweeps = _load_sweeps()

SCENARIOS = {
    "national": {
        "description": "Base.",
        "model": "examples/national_scale/model.yaml",
        "overrides": ["summer_week"],
        "set": {"units": {"power": "MW"}},
        "solver": {"name": "highs", "options": {"time_limit": 60}, "threads": 2},
    },
    "other": {"model": "examples/urban_scale/model.yaml"},
}


def expand(sweep_specs: dict[str, Any], scenarios: dict[str, Any] | None = None):
    return sweeps.expand_sweeps(scenarios or SCENARIOS, sweep_specs)


def problems(sweep_specs: dict[str, Any], scenarios: dict[str, Any] | None = None) -> str:
    with pytest.raises(sweeps.SweepError) as error:
        expand(sweep_specs, scenarios)
    return str(error.value)


# --- expansion ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["summary", "comparison"])
def test_a_scenario_named_like_a_run_wide_output_folder_is_refused(name: str) -> None:
    # results/summary/ and results/comparison/ hold the whole run's plots and tables
    config = {"run": {"scenarios": [name]}, "scenarios": {name: SCENARIOS["national"]}}
    with pytest.raises(sweeps.SweepError, match=rf"scenarios\.{name}: results/{name}/ holds"):
        sweeps.expand_config(config)
    assert sweeps.expand_config({"run": {"scenarios": ["national"]}, "scenarios": SCENARIOS})


def test_grid_is_every_combination_in_order_with_readable_names() -> None:
    before = copy.deepcopy(SCENARIOS)
    spec = {
        "base": "national_week",
        "grid": {
            "co2_cap": {"key": "set.techs.co2.cap", "values": [1.0e5, 2.5e5]},
            "battery_cost": {"key": "set.techs.battery.cost", "values": [100, 200, 300]},
        },
    }
    scenarios, members = expand({"national": spec}, {"national_week": SCENARIOS["national"]})
    # 2 × 3 = 6, the last axis varying fastest (itertools.product order)
    assert list(scenarios) == [
        "national__co2_cap=100000__battery_cost=100",
        "national__co2_cap=100000__battery_cost=200",
        "national__co2_cap=100000__battery_cost=300",
        "national__co2_cap=250000__battery_cost=100",
        "national__co2_cap=250000__battery_cost=200",
        "national__co2_cap=250000__battery_cost=300",
    ]
    member = scenarios["national__co2_cap=250000__battery_cost=200"]
    # the base's set values stay, the axes' are added after them; everything else is the base's
    assert member["set"] == {
        "units": {"power": "MW"},
        "techs.co2.cap": 2.5e5,
        "techs.battery.cost": 200,
    }
    assert (
        member["overrides"] == ["summer_week"] and member["model"] == SCENARIOS["national"]["model"]
    )
    assert member["solver"] == SCENARIOS["national"]["solver"]
    assert "co2_cap=250000.0, battery_cost=200" in member["description"]
    assert [m.values for m in members["national"]][4] == {"co2_cap": 2.5e5, "battery_cost": 200}
    assert SCENARIOS == before  # pure: the inputs are not changed
    for name in scenarios:
        assert re.fullmatch(sweeps.SCENARIO_NAME, name), name


def test_zip_pairs_values_by_position_and_sets_solver_options_and_overrides() -> None:
    spec = {
        "base": "national",
        "zip": {
            "method": {"key": "solver.options.solver", "values": ["simplex", "ipm"]},
            "variant": {
                "key": "overrides",
                "values": [[], ["no_battery", "six_hourly"]],
                "labels": ["base", "nobatt_6h"],
            },
            "periods": {"key": "clustering.n_periods", "values": [4, 8]},
        },
    }
    scenarios, members = expand({"solve": spec})
    assert list(scenarios) == [
        "solve__method=simplex__variant=base__periods=4",
        "solve__method=ipm__variant=nobatt_6h__periods=8",
    ]
    second = scenarios["solve__method=ipm__variant=nobatt_6h__periods=8"]
    # the option is added to the base's options; the overrides come after the base's
    assert second["solver"]["options"] == {"time_limit": 60, "solver": "ipm"}
    assert second["overrides"] == ["summer_week", "no_battery", "six_hourly"]
    assert second["clustering"] == {"n_periods": 8}
    assert scenarios["solve__method=simplex__variant=base__periods=4"]["overrides"] == [
        "summer_week"
    ]
    # a list value is shown in the summary by its label, scalars as they are
    assert members["solve"][1].values == {"method": "ipm", "variant": "nobatt_6h", "periods": 8}


def test_fixed_set_values_apply_to_every_member_before_the_axes() -> None:
    spec = {
        "base": "national",
        "set": {"techs.battery.cost_storage_cap": {"index": "monetary", "dims": "costs"}},
        "grid": {"storage": {"key": "set.techs.battery.cost_storage_cap.data", "values": [70]}},
    }
    scenarios, _ = expand({"cost": spec})
    keys = list(scenarios["cost__storage=70"]["set"])
    assert keys == [
        "units",
        "techs.battery.cost_storage_cap",
        "techs.battery.cost_storage_cap.data",
    ]


@pytest.mark.parametrize(
    ("value", "piece"),
    [
        (200, "200"),
        (-3, "-3"),
        (0.5, "0.5"),
        (100000.0, "100000"),  # whole floats as integers
        (1.0e6, "1e6"),  # `g` format: 1e+06, exponent without `+` and zeros
        (1.5e-5, "1.5e-5"),
        (1 / 3, "0.333333"),
        (True, "true"),
        (None, "none"),
        ("IPM method", "ipm-method"),
        ("a__b", "a_b"),  # no `__`: it separates the name's parts
        ([], "none"),
        (["no_battery", "six_hourly"], "no_battery-six_hourly"),
        ({"data": 1}, None),  # needs labels
        ("!!!", None),
    ],
)
def test_values_in_names(value: Any, piece: str | None) -> None:
    assert sweeps.value_piece(value) == piece


def test_names_fit_the_schema_and_the_wildcard() -> None:
    schema = yaml.safe_load((ROOT / "config" / "schema.yaml").read_text())
    assert schema["$defs"]["scenario_name"]["pattern"] == f"^{sweeps.SCENARIO_NAME}$"
    common = (ROOT / "rules" / "common.smk").read_text()
    assert "scenario=sweeps.SCENARIO_NAME" in common
    for bad in (".hidden", "..", "-x", "=x", "A", "a/b", "a b"):
        assert not re.fullmatch(sweeps.SCENARIO_NAME, bad), bad


def test_the_schema_knows_the_same_keys() -> None:
    schema = yaml.safe_load((ROOT / "config" / "schema.yaml").read_text())
    assert tuple(schema["$defs"]["sweep"]["properties"]) == sweeps.SWEEP_KEYS
    axis = schema["$defs"]["sweep_axes"]["additionalProperties"]
    assert tuple(axis["properties"]) == sweeps.AXIS_KEYS


# --- errors ------------------------------------------------------------------------------------

AXIS = {"key": "set.techs.battery.flow_cap_max", "values": [1, 2]}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"base": "national", "gird": {"a": AXIS}}, ["unknown key 'gird'", "Did you mean 'grid'?"]),
        (
            {"base": "nationl", "grid": {"a": AXIS}},
            ["'nationl' is not a scenario", "Did you mean 'national'?"],
        ),
        ({"grid": {"a": AXIS}}, ["sweeps.s.base: missing"]),
        (
            {"base": "national", "grid": {"a": {**AXIS, "vaules": [1]}}},
            ["unknown key 'vaules'", "Did you mean 'values'?"],
        ),
        (
            {"base": "national", "grid": {"a": {"key": "sett.x", "values": [1]}}},
            ["'sett.x' is not something a sweep can vary", "Did you mean 'set'?"],
        ),
        (
            {"base": "national", "grid": {"a": {"key": "set.x", "values": []}}},
            ["sweeps.s.grid.a.values: empty"],
        ),
        (
            {"base": "national", "grid": {"a": {"key": "set.x"}}},
            ["sweeps.s.grid.a.values: missing"],
        ),
        ({"base": "national", "grid": {}}, ["sweeps.s.grid: expected a mapping of axis names"]),
        ({"base": "national"}, ["exactly one of `grid:`", "got neither"]),
        ({"base": "national", "grid": {"a": AXIS}, "zip": {"b": AXIS}}, ["got grid and zip"]),
        (
            {"base": "national", "zip": {"a": AXIS, "b": {"key": "set.y", "values": [1, 2, 3]}}},
            ["must have equal length", "a: 2, b: 3"],
        ),
        (
            {"base": "national", "grid": {"a": {"key": "set.x", "values": [1, 1.0]}}},
            ["two members would be named 's__a=1'", "labels"],
        ),
        (
            {"base": "national", "grid": {"a": {"key": "set.x", "values": ["1e5"]}}},
            ["'1e5' is a string to YAML", "1.0e+5"],
        ),
        (
            {"base": "national", "grid": {"a": {"key": "set.x", "values": [{"data": 1}]}}},
            ["cannot be written in a scenario name", "labels"],
        ),
        (
            {"base": "national", "grid": {"a": {**AXIS, "labels": ["one"]}}},
            ["expected a list of 2 labels"],
        ),
        (
            {"base": "national", "grid": {"a": {**AXIS, "labels": ["One", "t w o"]}}},
            ["'One' must be", "'t w o' must be"],
        ),
        ({"base": "national", "grid": {"Bad": AXIS}}, ["axis name 'Bad'"]),
        (
            {"base": "national", "grid": {"a": AXIS, "b": AXIS}},
            ["axes a, b all vary `set.techs.battery.flow_cap_max`"],
        ),
        (
            {"base": "national", "grid": {"a": {"key": "overrides", "values": [3]}}},
            ["3 is not an override name"],
        ),
        (  # `s__a=` + 200 characters
            {"base": "national", "grid": {"a": {"key": "set.x", "values": ["v" * 200]}}},
            ["is 205 characters long (at most 200"],
        ),
    ],
)
def test_every_mistake_is_a_clear_error(spec: dict[str, Any], expected: list[str]) -> None:
    message = problems({"s": spec})
    for text in expected:
        assert text in message, message


def test_names_that_clash_with_scenarios_are_errors() -> None:
    # a sweep with a scenario's name, and a member with an existing scenario's name
    scenarios = {**SCENARIOS, "s__a=1": {"model": "m.yaml"}}
    message = problems(
        {
            "national": {"base": "national", "grid": {"a": AXIS}},
            "s": {"base": "other", "grid": {"a": AXIS}},
        },
        scenarios,
    )
    assert "sweeps.national: a scenario has the same name" in message
    assert "member 's__a=1' (a=1) has the name of an existing scenario" in message


def test_every_problem_is_listed_at_once() -> None:
    message = problems(
        {"s": {"base": "nope", "grid": {"a": {"key": "x", "values": []}}}, "Bad Name": {}}
    )
    assert message.count("\n  - ") == 4, message  # bad sweep name, base, key, empty values


# --- selection --------------------------------------------------------------------------------


def test_run_scenarios_names_sweeps_scenarios_and_globs() -> None:
    config = {
        "run": {"scenarios": ["other", "cost", "cost"]},
        "scenarios": SCENARIOS,
        "sweeps": {
            "cost": {"base": "national", "grid": {"c": {"key": "set.x", "values": [1, 2]}}},
            "gas": {"base": "national", "grid": {"g": {"key": "set.y", "values": [3]}}},
        },
    }
    before = copy.deepcopy(config)
    expanded, members = sweeps.expand_config(config)
    assert expanded["run"]["scenarios"] == ["other", "cost__c=1", "cost__c=2"]
    assert set(expanded["scenarios"]) == {"national", "other", "cost__c=1", "cost__c=2", "gas__g=3"}
    assert config == before
    names = list(expanded["scenarios"])
    assert sweeps.select_scenarios(["*"], names, members) == names
    assert sweeps.select_scenarios(["*__c=2", "gas"], names, members) == ["cost__c=2", "gas__g=3"]
    # an unknown name is an error with the closest scenario or sweep
    with pytest.raises(
        sweeps.SweepError, match="'cots' is neither a scenario nor a sweep. Did you mean 'cost'?"
    ):
        sweeps.select_scenarios(["cots"], names, members)
    with pytest.raises(sweeps.SweepError, match="'x\\*' matches no scenario"):
        sweeps.select_scenarios(["x*"], names, members)


def test_default_config_sweep_expands_validates_and_reads_its_model() -> None:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    expanded, members = sweeps.expand_config(config)
    validate(expanded, SCHEMA)  # every member validates and gets the schema's defaults
    names = [m.name for m in members["battery_cost"]]
    assert len(names) == 6 and "battery_cost__storage=140__gas=co2price" in names
    member = expanded["scenarios"]["battery_cost__storage=280__gas=co2price"]
    assert member["solver"]["threads"] == 2 and member["overrides"] == ["carbon_priced_gas"]
    definition = read_model(ROOT / member["model"], member["overrides"], member["set"])
    # the fixed dims and the swept value end up in one cost definition (YAML beats the table)
    assert definition.data["techs"]["battery"]["cost_storage_cap"] == {
        "index": "monetary",
        "dims": "costs",
        "data": 280,
    }


def test_a_bad_swept_value_fails_the_schema_like_a_scenario() -> None:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    config["sweeps"] = {
        "p": {
            "base": "national_week",
            "grid": {"n": {"key": "clustering.n_periods", "values": [0]}},
        }
    }
    expanded, _ = sweeps.expand_config(config)
    with pytest.raises(WorkflowError, match="minimum"):
        validate(expanded, SCHEMA)


def test_loading_the_expansion_stays_light() -> None:
    # The Snakefile loads rules/sweeps.py on every start: no esmflow, numpy or pandas.
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('s', {str(ROOT / 'rules' / 'sweeps.py')!r})\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['s'] = m; spec.loader.exec_module(m)\n"
        "print(sorted(k for k in ('esmflow', 'numpy', 'pandas', 'yaml') if k in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# --- summary ----------------------------------------------------------------------------------


def _summary_inputs():
    swept = {
        "s__c=1__g=a": {"sweep": "s", "values": {"c": 1, "g": "a"}},
        "s__c=2__g=a": {"sweep": "s", "values": {"c": 2, "g": "a"}},
        "s__c=1__g=b": {"sweep": "s", "values": {"c": 1, "g": "b"}},
    }
    scenarios = [*swept, "hand"]
    statuses = {
        name: {"termination": "optimal", "objective": 10.0 + i, "wall_time_s": 0.1}
        for i, name in enumerate(scenarios)
    }
    costs = {name: {"cost.monetary.total [EUR]": 10.0 + i} for i, name in enumerate(scenarios)}
    capacities = {
        "s__c=1__g=a": {"flow_cap.power.gas [kW]": 5.0, "storage_cap.battery [kWh]": 2.0},
        "s__c=2__g=a": {"flow_cap.power.gas [kW]": 6.0},  # no battery built: 0
        "s__c=1__g=b": {"flow_cap.power.gas [kW]": 7.0, "flow_cap.power.pv [kW]": 1.0},
        "hand": {"flow_cap.power.gas [kW]": 8.0},
    }
    return scenarios, swept, statuses, costs, capacities


def test_summary_has_a_row_per_scenario_and_the_axes_as_columns() -> None:
    scenarios, swept, statuses, costs, capacities = _summary_inputs()
    table = summary_table(
        scenarios, swept, statuses, costs, capacities, {"hand": "48 h"}, {"hand": "EUR"}
    )
    assert list(table["scenario"]) == scenarios
    assert list(table.columns[:9]) == [
        "scenario", "sweep", "c", "g", "termination", "objective", "objective_unit", "horizon",
        "wall_time_s",
    ]  # fmt: skip
    assert list(table["c"][:3]) == [1, 2, 1] and list(table["g"][:3]) == ["a", "a", "b"]
    assert table[["c", "g"]].iloc[3].isna().all()  # a hand-written scenario has no axis values
    assert list(table["objective"]) == [10.0, 11.0, 12.0, 13.0]
    assert table["sweep"].isna().tolist() == [False, False, False, True]
    assert list(table["storage_cap.battery [kWh]"]) == [2.0, 0.0, 0.0, 0.0]
    assert list(table["flow_cap.power.pv [kW]"]) == [0.0, 0.0, 1.0, 0.0]
    assert table.loc[3, "horizon"] == "48 h" and table.loc[3, "objective_unit"] == "EUR"


def test_cost_columns_from_costs_by_class() -> None:
    frame = pd.DataFrame(
        {
            "costs": ["monetary"],
            "unit": ["EUR"],
            "investment": [1.0],
            "operation_fixed": [0.0],
            "operation_variable": [2.0],
            "total": [3.0],
            "total_per_year": [99.0],
            "horizon": ["48 h"],
        }
    )
    assert cost_values(frame) == {
        "cost.monetary.investment [EUR]": 1.0,
        "cost.monetary.operation_fixed [EUR]": 0.0,
        "cost.monetary.operation_variable [EUR]": 2.0,
        "cost.monetary.total [EUR]": 3.0,
    }


def test_summary_plots_have_a_panel_per_sweep_and_kind() -> None:
    scenarios, swept, statuses, costs, capacities = _summary_inputs()
    table = summary_table(scenarios, swept, statuses, costs, capacities)
    axes = sweep_axes(swept)
    assert axes == {"s": ["c", "g"]}
    objective = plot_objective(table, axes)
    # sweep s (lines g=a and g=b against c) and the hand-written scenario
    panels = objective.get_axes()
    assert [p.get_title(loc="left") for p in panels] == ["sweep s", "other scenarios"]
    lines = panels[0].get_lines()
    assert [list(line.get_xdata()) for line in lines] == [[1.0, 2.0], [1.0]]
    assert [list(line.get_ydata()) for line in lines] == [[10.0, 11.0], [12.0]]
    capacity = plot_capacities(table, axes, {"gas": "#E37A72"})
    # 2 groups of panels (sweep, others) × 2 kinds (flow_cap.power, storage_cap)
    assert len(capacity.get_axes()) == 4
    gas = [line for line in capacity.get_axes()[0].get_lines() if line.get_color() == "#E37A72"]
    assert [list(line.get_ydata()) for line in gas] == [[5.0, 6.0], [7.0]]
    assert np.isfinite(table["objective"]).all()


# --- the workflow -----------------------------------------------------------------------------

SWEEP = """
run: {scenarios: [storage_cost]}
sweeps:
  storage_cost:
    base: tiny
    grid:
      storage: {key: set.techs.battery.cost_storage_cap.data, values: [50, 150, 400]}
"""


def snakemake(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _report(done: subprocess.CompletedProcess) -> str:
    return f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"


def test_a_typo_in_a_sweep_stops_the_workflow_with_the_closest_name(repo_copy: Path) -> None:
    (repo_copy / "sweep.yaml").write_text(SWEEP.replace("values:", "vaules:"))
    done = snakemake(repo_copy, "-n", "--configfile", "tests/config.tiny.yaml", "sweep.yaml")
    assert done.returncode != 0
    assert (
        "unknown key 'vaules'" in done.stderr + done.stdout
        and "Did you mean 'values'?" in done.stderr + done.stdout
    )


def test_a_sweep_name_in_run_scenarios_plans_all_its_members(repo_copy: Path) -> None:
    (repo_copy / "sweep.yaml").write_text(SWEEP)
    done = snakemake(repo_copy, "-n", "--configfile", "tests/config.tiny.yaml", "sweep.yaml")
    assert done.returncode == 0, _report(done)
    solves = re.findall(r"results/(storage_cost__storage=\d+)/solve_status.yaml", done.stdout)
    assert sorted(set(solves)) == [f"storage_cost__storage={v}" for v in (150, 400, 50)]
    assert re.search(r"^summarise\s+1$", done.stdout, flags=re.MULTILINE), _report(done)


@pytest.mark.slow
def test_a_sweep_of_the_tiny_model_end_to_end(repo_copy: Path) -> None:
    (repo_copy / "sweep.yaml").write_text(SWEEP)
    args = ("--configfile", "tests/config.tiny.yaml", "sweep.yaml")
    done = snakemake(repo_copy, "--cores", "2", *args)
    assert done.returncode == 0, _report(done)
    summary = pd.read_csv(repo_copy / "results" / "summary.csv")
    names = [f"storage_cost__storage={v}" for v in (50, 150, 400)]
    assert list(summary["scenario"]) == names and list(summary["storage"]) == [50, 150, 400]
    assert (summary["sweep"] == "storage_cost").all() and (
        summary["termination"] == "optimal"
    ).all()
    for name, row in zip(names, summary.itertuples(), strict=True):
        status = yaml.safe_load((repo_copy / "results" / name / "solve_status.yaml").read_text())
        assert row.objective == pytest.approx(status["objective"], rel=1e-12)
    # storage at 150 EUR/kWh is the tiny model unchanged: Calliope 0.7.0 + HiGHS give 150.93498
    assert summary["objective"][1] == pytest.approx(150.93498019705828, rel=1e-6)
    # a dearer store never lowers the least cost, nor raises how much storage is built (an LP's
    # optimum is monotone in one cost coefficient)
    assert summary["objective"].is_monotonic_increasing
    assert summary["storage_cap.battery [kWh]"].is_monotonic_decreasing
    # the total cost class equals the objective (one cost class, weight 1)
    assert np.allclose(summary["cost.monetary.total [EUR]"], summary["objective"], rtol=1e-9)
    for figure in ("objective.png", "capacities.png"):
        assert (repo_copy / "results" / "summary" / figure).read_bytes()[:4] == b"\x89PNG"
    again = snakemake(repo_copy, "-n", *args)
    assert "Nothing to be done" in again.stdout + again.stderr, _report(again)
