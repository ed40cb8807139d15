"""The helper registry: each helper declared once, and calls checked against that declaration.

The evaluators call a helper's function with every argument by name, so the declaration and
the function's signature must agree; resolve.py and the evaluators report a call that does not
fit the declaration (missing, unknown or repeated arguments) with the helper's own words.
"""

from __future__ import annotations

import inspect

import linopy
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from esmflow.errors import ModelError
from esmflow.math.engine import helpers
from esmflow.math.engine.context import make_context
from esmflow.math.engine.grammar import parse
from esmflow.math.engine.term import Term
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions

KINDS = {"array", "condition", "where_value", "items", "dims", "dim", "input", "word", "integer"}


@pytest.mark.parametrize("name", sorted(helpers.HELPERS))
def test_functions_take_exactly_the_declared_arguments(name: str) -> None:
    helper = helpers.HELPERS[name]
    functions = [function for function in (helper.where, helper.expression) if function]
    assert functions, f"{name} is allowed nowhere"
    assert set(helper.parameters().values()) | {helper.per_dim or "array"} <= KINDS
    for function in functions:
        ctx, *parameters = inspect.signature(function).parameters.values()
        assert ctx.name == "ctx"
        named = [p for p in parameters if p.kind is not inspect.Parameter.VAR_KEYWORD]
        assert [p.name for p in named] == list(helper.parameters())
        assert {p.name for p in named if p.default is not p.empty} == helper.optional
        takes_dims = len(named) < len(parameters)
        assert takes_dims == (helper.per_dim is not None)


def _bound(text: str, kind: str = "expression") -> helpers.BoundCall:
    return helpers.bind(parse(text, kind, "constraints.c.equations[0].expression"), kind)


def test_arguments_bind_by_position_name_and_dimension() -> None:
    by_name = _bound("reduce_carrier_dim(x, flow_direction=out)").arguments
    by_position = _bound("reduce_carrier_dim(x, out)").arguments
    assert [(a.name, a.kind) for a in by_name] == [("array", "array"), ("flow_direction", "word")]
    assert [(a.name, a.kind) for a in by_position] == [(a.name, a.kind) for a in by_name]
    rolled = _bound("roll(x, timesteps=1)").arguments
    assert [(a.name, a.kind, a.is_dim) for a in rolled] == [
        ("array", "array", False),
        ("timesteps", "integer", True),
    ]


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("sum(x)", "expression", "sum() needs the argument(s) over"),
        ("sum(x, techs, over=nodes)", "where", "sum() takes 1 positional argument(s), got 2"),
        ("sum(x, over=techs, ovr=nodes)", "expression", "sum() has no argument 'ovr'"),
        (
            "reduce_carrier_dim(x, out, flow_direction=out)",
            "expression",
            "reduce_carrier_dim() got two values for 'flow_direction'",
        ),
        (
            "get_val_at_index(timesteps=0, nodes=1)",
            "where",
            "get_val_at_index() takes exactly one `dim=index` argument",
        ),
        (
            "any(x, over=techs)",
            "expression",
            "'any' is not a helper function in expression strings "
            "(it is only allowed in where strings)",
        ),
    ],
)
def test_calls_that_do_not_fit_the_declaration(text: str, kind: str, message: str) -> None:
    assert [problem[0] for problem in _bound(text, kind).problems] == [message]


def test_unknown_keyword_suggests_the_closest_argument() -> None:
    ((_, _, fields),) = _bound("sum(x, over=techs, ovr=nodes)").problems
    assert fields == {"expected": "array, over", "closest": "over"}


# --- sum_recent, minimum, maximum --------------------------------------------------------------
def _context(resolution: list[float], starts: list[bool] | None = None, **windows: list[float]):
    timesteps = pd.date_range("2005-01-01", periods=len(resolution), freq="h")
    inputs = xr.Dataset(
        {"timestep_resolution": ("timesteps", resolution)},
        coords={"timesteps": timesteps, "techs": ["a", "b"]},
    )
    for name, values in windows.items():
        inputs[name] = ("techs", values)
    if starts is not None:
        inputs["cluster_first_timestep"] = ("timesteps", starts)
    math = MathDefinition(
        {"lookups": {"cluster_first_timestep": {"dtype": "bool", "default": False}}}
    )
    return make_context(inputs, math, BuildOptions())


def _recent(ctx, data) -> xr.DataArray:
    return helpers.sum_recent(
        ctx, Term(data), hours="window", period_starts="cluster_first_timestep"
    ).data


X = xr.DataArray([1.0, 2, 3, 4, 5, 6], dims="timesteps")


@pytest.mark.parametrize(
    ("resolution", "starts", "window", "expected"),
    [
        # hourly, 2 h: this step and the one before, wrapping round the horizon
        ([1] * 6, None, 2, [7, 3, 5, 7, 9, 11]),
        # two periods of 3 steps: each wraps round itself
        ([1] * 6, [True, False, False, True, False, False], 2, [4, 3, 5, 10, 9, 11]),
        # 2-hour steps, 3 h: the step before began 2 h earlier (in), two before 4 h (out)
        ([2] * 6, None, 3, [7, 3, 5, 7, 9, 11]),
        # the whole period: every step of it
        ([1] * 6, [True, False, False, True, False, False], 3, [6, 6, 6, 15, 15, 15]),
        ([1] * 6, None, 0, [0] * 6),
    ],
)
def test_sum_recent_sums_a_window_within_each_period(resolution, starts, window, expected):
    ctx = _context(resolution, starts, window=[window, window])
    summed = _recent(ctx, X.assign_coords(timesteps=ctx.inputs["timesteps"]))
    assert summed.sel(techs="a").values.tolist() == expected


def test_sum_recent_of_a_variable_takes_each_earlier_variable_once() -> None:
    ctx = _context([1] * 6, None, window=[3, 1])
    model = linopy.Model()
    started = model.add_variables(lower=0, coords=[ctx.inputs.indexes["timesteps"]], name="started")
    summed = _recent(ctx, started)
    labels = started.labels.values
    at_two = summed.sel(techs="a").isel(timesteps=2).vars.values
    assert sorted(v for v in at_two if v != -1) == sorted(labels[[0, 1, 2]])
    at_zero = summed.sel(techs="b").isel(timesteps=0).vars.values
    assert [v for v in at_zero if v != -1] == [labels[0]]


def test_a_window_longer_than_a_period_is_an_error() -> None:
    ctx = _context([1] * 6, [True, False, False, True, False, False], window=[4, 1])
    with pytest.raises(ModelError, match=r"'window' is longer than one period.*techs a"):
        _recent(ctx, X.assign_coords(timesteps=ctx.inputs["timesteps"]))


def test_minimum_and_maximum_of_numbers() -> None:
    ctx = _context([1] * 6, None, window=[0, 0])
    a, b = xr.DataArray([1.0, 5.0], dims="x"), xr.DataArray([3.0, 2.0], dims="x")
    assert helpers.minimum(ctx, Term(a), Term(b)).data.values.tolist() == [1, 2]
    assert helpers.maximum(ctx, Term(a), Term(b)).data.values.tolist() == [3, 5]
    variable = linopy.Model().add_variables(lower=0, name="v")
    with pytest.raises(ModelError, match=r"minimum\(\) compares numbers"):
        helpers.minimum(ctx, Term(variable), Term(b))


def test_is_maximum_takes_the_first_largest_and_nothing_where_all_is_undefined() -> None:
    values = xr.DataArray(
        [[1.0, 3.0, 3.0], [np.nan, np.nan, np.nan], [2.0, np.nan, 0.0]],
        coords={"carriers": ["a", "b", "c"], "timesteps": [0, 1, 2]},
    )
    peak = helpers.is_maximum(None, values, over="timesteps")  # type: ignore[arg-type]
    assert peak.sel(carriers="a").values.tolist() == [False, True, False]  # a tie: the first
    assert not peak.sel(carriers="b").any()  # undefined throughout: no peak
    assert peak.sel(carriers="c").values.tolist() == [True, False, False]
