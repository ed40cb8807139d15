"""build_program on tiny inline models: masks, equations with sub-expressions and slices, errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

from esmflow.backends.highs import solve_program
from esmflow.errors import ModelError
from esmflow.math.engine.build import build_program
from esmflow.math.schema import MathDefinition, read_math_yaml
from esmflow.options import BuildOptions, SolveOptions

MATH = """
parameters:
  cost_cap: {default: 0}
  cost_run: {default: 0}
  demand: {default: 0}
  cap_max: {default: .inf}
  no_default: {default: .nan}
lookups:
  base_tech: {}
variables:
  flow:
    foreach: [nodes, techs, timesteps]
    where: base_tech==supply
    bounds: {min: 0, max: .inf}
  cap:
    foreach: [nodes, techs]
    where: base_tech==supply
    bounds: {min: 0, max: cap_max}
global_expressions:
  running_cost:
    foreach: [nodes, techs, timesteps]
    where: flow
    equations:
      - expression: cost_run * flow
constraints:
  meet_demand:
    foreach: [nodes, timesteps]
    equations:
      - expression: sum(flow, over=techs) == demand
  flow_below_cap:
    foreach: [nodes, techs, timesteps]
    where: flow
    equations:
      - expression: flow <= cap
objectives:
  min_cost:
    equations:
      - expression: sum(cost_cap * cap, over=[nodes, techs]) + sum(running_cost, over=[nodes, techs, timesteps])
    sense: minimise
"""


def tiny_inputs() -> xr.Dataset:
    """One node, two generators, demand 2, 4, 3 over three hours."""
    return xr.Dataset(
        {
            "active": (("nodes", "techs"), [[True, True]]),
            "base_tech": ("techs", ["supply", "supply"]),
            "cost_cap": ("techs", [10.0, 1.0]),
            "cost_run": ("techs", [1.0, 5.0]),
            "demand": ("timesteps", [2.0, 4.0, 3.0]),
        },
        coords={
            "nodes": ["A"],
            "techs": ["base", "peak"],
            "timesteps": pd.date_range("2005-01-01", periods=3, freq="h"),
        },
    )


def math_with(**changes: Any) -> MathDefinition:
    data = read_math_yaml(MATH)
    for path, value in changes.items():
        section, name = path.split("__")
        data[section][name] = value
    return MathDefinition(data)


def solve(math: MathDefinition, inputs: xr.Dataset | None = None) -> Any:
    program = build_program(
        inputs if inputs is not None else tiny_inputs(),
        math,
        BuildOptions({"objective": "min_cost"}),
    )
    return program, solve_program(program, SolveOptions())


def test_two_generators_least_cost() -> None:
    # Hand calculation: peak capacity 4 = cap_base + cap_peak. Raising cap_base from 2 to 3 costs
    # 10 - 1 = 9 of capacity and saves (5 - 1) in the two hours with demand above 2 only in hour 2
    # and 3 → +9 - 2·4 = +1 > 0; from 0 to 2 it saves 3·4 = 12 > 9. So cap_base = 2, cap_peak = 2:
    # 10·2 + 1·2 + running (2+2+2)·1 + (0+2+1)·5 = 20 + 2 + 6 + 15 = 43.
    program, result = solve(math_with())
    assert result.objective == pytest.approx(43)
    assert result.solution["cap"].sel(nodes="A").values.tolist() == pytest.approx([2, 2])
    assert float(result.solution["running_cost"].sum()) == pytest.approx(21)


def test_component_dims_equal_foreach() -> None:
    program, _ = solve(math_with())
    for name, info in program.components.items():
        section = info["kind"]
        assert info["dims"] == yaml.safe_load(MATH)[section][name]["foreach"]


def test_where_limits_where_a_variable_exists() -> None:
    inputs = tiny_inputs()
    inputs["base_tech"] = ("techs", ["supply", "demand"])
    inputs["cost_cap"] = ("techs", [10.0, np.nan])
    program, result = solve(math_with(), inputs)
    labels = program.model.variables["cap"].labels.sel(nodes="A")
    assert (labels >= 0).values.tolist() == [True, False]
    assert result.objective == pytest.approx(10 * 4 + 9)  # base must cover the peak of 4
    assert np.isnan(result.solution["cap"].sel(nodes="A", techs="peak"))


def test_equations_with_disjoint_wheres_and_sub_expressions() -> None:
    # base: cap <= 1.5 through the sub-expression's first case; peak: cap <= 10 (second case)
    limit = {
        "foreach": ["nodes", "techs"],
        "where": "cap",
        "equations": [{"expression": "cap <= $limit"}],
        "sub_expressions": {
            "limit": [
                {"where": "cost_cap>5", "expression": "1.5"},
                {"where": "NOT cost_cap>5", "expression": "2 * 5"},
            ]
        },
    }
    _, result = solve(math_with(constraints__cap_limit=limit))
    # cap_base = 1.5 now: 15 + 2.5 + running 1.5·3 + 5·(0.5 + 2.5 + 1.5) = 15 + 2.5 + 4.5 + 22.5
    assert result.objective == pytest.approx(44.5)
    assert result.solution["cap"].sel(nodes="A", techs="base") == pytest.approx(1.5)


def test_slices_pick_an_index() -> None:
    # the last hour may not use the peak generator at all
    last_hour = {
        "foreach": ["nodes", "techs"],
        "where": "[peak] in techs",
        "equations": [{"expression": "flow[timesteps=$last] == 0"}],
        "slices": {"last": [{"expression": "get_val_at_index(timesteps=-1)"}]},
    }
    _, result = solve(math_with(constraints__no_peak_last_hour=last_hour))
    flow = result.solution["flow"].sel(nodes="A")
    assert float(flow.sel(techs="peak").isel(timesteps=-1)) == pytest.approx(0)
    # base now covers 3 in the last hour: cap_base = 3, cap_peak = 1: 30 + 1 + (2+3+3) + 5·1 = 44
    assert result.objective == pytest.approx(44)


def test_roll_reads_the_previous_step() -> None:
    ramp = {
        "foreach": ["nodes", "techs", "timesteps"],
        "where": "flow AND NOT timesteps==get_val_at_index(timesteps=0)",
        "equations": [{"expression": "flow - roll(flow, timesteps=1) <= 1"}],
    }
    _, result = solve(math_with(constraints__ramp=ramp))
    total = result.solution["flow"].sum("techs").sel(nodes="A").values
    assert total.tolist() == pytest.approx([2, 4, 3])
    steps = np.diff(result.solution["flow"].sel(nodes="A").values, axis=-1)
    assert (steps <= 1 + 1e-9).all()


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (
            {
                "constraints__meet_demand": {
                    "foreach": ["nodes", "timesteps"],
                    "equations": [{"expression": "sum(flow, over=tech) == demand"}],
                }
            },
            r"(?s)constraints\.meet_demand\.equations\[0\]\.expression.*\^\^\^\^.*'tech' is not a dimension.*Did you mean 'techs'",
        ),
        (
            {
                "constraints__meet_demand": {
                    "foreach": ["nodes", "timesteps"],
                    "equations": [{"expression": "sum(flwo, over=techs) == demand"}],
                }
            },
            r"(?s)'flwo' is not a parameter.*Did you mean 'flow'",
        ),
        (
            {
                "constraints__meet_demand": {
                    "foreach": ["nodes", "timesteps"],
                    "where": "base_tech==supply AND any(flow, over=techs)",
                    "equations": [{"expression": "summ(flow, over=techs) == demand"}],
                }
            },
            r"(?s)'summ' is not a helper function in expression strings.*Did you mean 'sum'",
        ),
        (
            {
                "constraints__meet_demand": {
                    "foreach": ["nodes", "timesteps"],
                    "equations": [{"expression": "any(flow, over=techs) == demand"}],
                }
            },
            r"'any' is not a helper function in expression strings \(it is only allowed in where strings\)",
        ),
        (
            {
                "constraints__meet_demand": {
                    "foreach": ["nodes", "timesteps"],
                    "equations": [{"expression": "sum(flow, over=techs, ovr=nodes) == demand"}],
                }
            },
            r"(?s)\^\^\^.*sum\(\) has no argument 'ovr'.*Did you mean 'over'",
        ),
        (
            {
                "constraints__meet_demand": {
                    "foreach": ["nodes", "timesteps"],
                    "where": "map_dim(node, base_tech)",
                    "equations": [{"expression": "sum(flow, over=techs) == demand"}],
                }
            },
            r"(?s)constraints\.meet_demand\.where.*'node' is not a dimension.*Did you mean 'nodes'",
        ),
    ],
)
def test_name_errors_point_at_key_path_and_closest(change: dict[str, Any], pattern: str) -> None:
    with pytest.raises(ModelError, match=pattern):
        solve(math_with(**change))


@pytest.mark.parametrize(
    ("expression", "group", "closest"),
    [("cap <= $limt", "sub_expressions", "limit"), ("flow[timesteps=$lst] == 0", "slices", "last")],
)
def test_undefined_sub_expressions_and_slices(expression: str, group: str, closest: str) -> None:
    component = {
        "foreach": ["nodes", "techs"],
        "where": "cap",
        "equations": [{"expression": expression}],
        "sub_expressions": {"limit": [{"expression": "1"}]},
        "slices": {"last": [{"expression": "get_val_at_index(timesteps=-1)"}]},
    }
    pattern = rf"(?s)constraints\.c\.equations\[0\]\.expression.*is not defined under this component's {group}.*Did you mean '{closest}'"
    with pytest.raises(ModelError, match=pattern):
        solve(math_with(constraints__c=component))


def test_foreach_and_bounds_names_are_checked() -> None:
    cap = yaml.safe_load(MATH)["variables"]["cap"] | {"foreach": ["nodes", "tech"]}
    cap["bounds"] = {"min": 0, "max": cap_max_typo} if (cap_max_typo := "cap_mx") else {}
    with pytest.raises(
        ModelError,
        match=r"(?s)variables\.cap\.foreach.*'tech' is not a dimension.*Did you mean 'techs'"
        r".*variables\.cap\.bounds\.max.*Bound 'cap_mx' is not a parameter.*Did you mean 'cap_max'",
    ):
        solve(math_with(variables__cap=cap))


def test_errors_name_the_math_file() -> None:
    math = math_with(
        constraints__meet_demand={
            "foreach": ["nodes", "timesteps"],
            "equations": [{"expression": "sum(flow, over=tech) == demand"}],
        }
    )
    math.origins["constraints.meet_demand"] = "my_math.yaml"
    with pytest.raises(
        ModelError, match=r"^my_math\.yaml › constraints\.meet_demand\.equations\[0\]"
    ):
        solve(math)


def test_overlapping_equations_are_an_error() -> None:
    both = {
        "foreach": ["nodes", "techs"],
        "where": "cap",
        "equations": [
            {"expression": "cap <= 5"},
            {"where": "cost_cap>5", "expression": "cap <= 6"},
        ],
    }
    with pytest.raises(
        ModelError, match=r"constraints\.both\.equations\[0\]\.expression and .*equations\[1\]"
    ):
        solve(math_with(constraints__both=both))


def test_undefined_parameter_inside_where_is_a_math_error() -> None:
    uses_missing = {
        "foreach": ["nodes", "techs"],
        "where": "cap",
        "equations": [{"expression": "cap <= no_default"}],
    }
    with pytest.raises(
        ModelError, match=r"(?s)constraints\.uses_missing.*no value for some entries"
    ):
        solve(math_with(constraints__uses_missing=uses_missing))


def test_unknown_objective() -> None:
    with pytest.raises(ModelError, match="(?s)config.build.objective.*Did you mean 'min_cost'"):
        build_program(tiny_inputs(), math_with(), BuildOptions({"objective": "min_cots"}))


def test_nonlinear_product_is_rejected() -> None:
    bad = {
        "foreach": ["nodes", "techs"],
        "where": "cap",
        "equations": [{"expression": "cap * cap <= 4"}],
    }
    with pytest.raises(ModelError, match="Cannot multiply two decision variables"):
        solve(math_with(constraints__bad=bad))


def test_objective_constants_are_added_back() -> None:
    # linopy objectives hold no constant; the reported optimum still includes it: 43 + 7
    objective = {
        "equations": [
            {
                "expression": "7 + sum(cost_cap * cap, over=[nodes, techs]) + sum(running_cost, over=[nodes, techs, timesteps])"
            }
        ],
        "sense": "minimise",
    }
    _, result = solve(math_with(objectives__min_cost=objective))
    assert result.objective == pytest.approx(50)


def test_constant_objective_is_a_feasibility_problem() -> None:
    _, result = solve(math_with(objectives__min_cost={"equations": [{"expression": "0"}]}))
    assert result.objective == pytest.approx(0)
    assert result.solution["flow"].sum("techs").sel(nodes="A").values.tolist() == pytest.approx(
        [2, 4, 3]
    )


def test_integer_domain() -> None:
    # demand 1.5, 3.5, 2.5 with whole units of capacity: the LP answer (cap_base = 1.5) is not
    # allowed; the result must be whole numbers that still cover the peak of 3.5.
    inputs = tiny_inputs()
    inputs["demand"] = ("timesteps", [1.5, 3.5, 2.5])
    cap = yaml.safe_load(MATH)["variables"]["cap"] | {"domain": "integer"}
    program, result = solve(math_with(variables__cap=cap), inputs)
    assert program.model.variables["cap"].attrs["integer"]
    caps = result.solution["cap"].sel(nodes="A").values
    assert caps == pytest.approx(caps.round()) and caps.sum() >= 3.5


def test_rows_without_variables_that_cannot_hold() -> None:
    # `peak` is not a supply tech here, so `flow` does not exist for it: the row reads 0 >= 1.
    inputs = tiny_inputs()
    inputs["base_tech"] = ("techs", ["supply", "demand"])
    impossible = {
        "foreach": ["nodes", "techs", "timesteps"],
        "equations": [{"expression": "flow >= 1"}],
    }
    with pytest.raises(ModelError, match=r"Constraint 'impossible' can never hold.*'peak'"):
        solve(math_with(constraints__impossible=impossible), inputs)
