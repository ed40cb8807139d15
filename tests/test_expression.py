"""`expression` strings over whole arrays: defaults, helpers, undefined entries, linear terms."""

from __future__ import annotations

from dataclasses import replace

import linopy
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from esmflow.errors import ModelError
from esmflow.math.engine.context import Context, make_context
from esmflow.math.engine.expression import evaluate_expression
from esmflow.math.engine.grammar import parse
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions

MATH = MathDefinition(
    {
        "parameters": {
            "eff": {"default": 1.0},
            "price": {"default": 0},
            "series": {"default": 0},
            "loss": {"default": 0},
            "missing": {"default": float("nan")},
        },
        "lookups": {
            "base_tech": {},
            "is_on": {"default": False},
            "last_step": {},
            "tech_group": {},
            "carrier_out": {"default": False},
            "home": {},
        },
    }
)
TIMESTEPS = pd.date_range("2005-01-01", periods=3, freq="h")


def context() -> Context:
    inputs = xr.Dataset(
        {
            "eff": ("techs", [0.5, np.nan]),
            "price": (("techs", "costs"), [[2.0], [3.0]]),
            "series": ("timesteps", [1.0, 2.0, 4.0]),
            "loss": ("techs", [0.1, np.nan]),
            "base_tech": ("techs", ["supply", "demand"]),
            "is_on": ("techs", [True, False]),
            "last_step": ("timesteps", [str(TIMESTEPS[-1]), "", str(TIMESTEPS[0])]),
            "tech_group": ("techs", ["all", "all"]),
            "carrier_out": (("techs", "carriers"), [[True, False], [False, False]]),
            "output": (("techs", "carriers"), [[2.0, 3.0], [4.0, 5.0]]),
            "home": ("techs", ["A", ""]),
        },
        coords={
            "techs": ["gen", "dem"],
            "costs": ["money"],
            "timesteps": TIMESTEPS,
            "carriers": ["power", "heat"],
            "nodes": ["A", "B"],
        },
    )
    return make_context(inputs, MATH, BuildOptions({"cap": 7}))


def values(text: str) -> object:
    result = evaluate_expression(parse(text), replace(context(), source=text))
    data = result.data
    if isinstance(data, xr.DataArray):
        data = data.where(~result.undefined) if result.undefined is not None else data
        return data.values.tolist()
    return data


CASES = [
    ("1 + 2 * 3", 7.0),
    ("2 ** 3", 8.0),
    ("-2 ** 2", 4.0),  # the sign binds tightest, as in Calliope
    ("eff", [0.5, 1.0]),  # NaN → declared default
    ("eff * 2", [1.0, 2.0]),
    ("1 / eff", [2.0, 1.0]),
    ("(1 - loss) ** 2", [0.81, 1.0]),
    ("sum(price, over=techs)", [5.0]),
    ("sum(price, over=[techs, costs])", 5.0),
    ("price[techs=dem]", [3.0]),
    ("series[timesteps=$first]", 1.0),
    ("roll(series, timesteps=1)", [4.0, 1.0, 2.0]),
    ("sum(where(eff, is_on), over=techs)", 0.5),
    ("where(eff, base_tech==supply)", [0.5, np.nan]),
    ("select_from_lookup_arrays(series, timesteps=last_step)", [4.0, np.nan, 1.0]),
    ("get_val_at_index(timesteps=1)", np.datetime64(TIMESTEPS[1])),
    ("default_if_empty(where(eff, is_on), default=9)", [0.5, 9.0]),
    ("sum_next_n(series, timesteps, 2)", [3.0, 6.0, 4.0]),
    ("config.cap * 2", 14),
    ("is_on * 3", [3.0, 0.0]),  # a boolean lookup in arithmetic counts as 1/0
    ("group_sum(price, tech_group, groups)", [[5.0]]),  # dims (costs, groups)
    ("group_datetime(series, timesteps, date)", [7.0]),
    ("reduce_carrier_dim(output, out)", [2.0, np.nan]),  # only gen has an outflow carrier
    ("sum(where(output, map_dim(nodes, home)), over=[techs, carriers])", [5.0, np.nan]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[case[0] for case in CASES])
def test_constant_expressions(text: str, expected: object) -> None:
    ctx = replace(context(), slices={"first": parse("get_val_at_index(timesteps=0)")})
    result = evaluate_expression(parse(text), replace(ctx, source=text))
    data = result.data
    if isinstance(data, xr.DataArray):
        if result.undefined is not None:
            data = data.where(~result.undefined)
        data = data.values.tolist() if data.ndim else data.values[()]
    if isinstance(expected, list):
        np.testing.assert_allclose(np.array(data, dtype=float), np.array(expected, dtype=float))
    else:
        assert data == pytest.approx(expected) if isinstance(expected, float) else data == expected


def test_missing_parameter_is_undefined_not_zero() -> None:
    ctx = context()
    result = evaluate_expression(parse("2 * missing"), replace(ctx, source="2 * missing"))
    assert result.undefined is not None and bool(result.undefined.all())


def test_sum_is_undefined_only_where_everything_summed_is() -> None:
    ctx = context()
    result = evaluate_expression(parse("sum(where(eff, is_on), over=techs)"), ctx)
    assert result.undefined is not None and not bool(result.undefined)
    result = evaluate_expression(parse("sum(where(eff, base_tech==nothing), over=techs)"), ctx)
    assert bool(result.undefined)


def test_linear_terms_with_variables() -> None:
    ctx = context()
    model = linopy.Model()
    flow = model.add_variables(
        lower=0, coords=[ctx.inputs.indexes["techs"], ctx.inputs.indexes["timesteps"]], name="flow"
    )
    ctx = replace(ctx, variables={"flow": flow}, exists={"flow": xr.DataArray(True)})
    text = "sum(flow * eff, over=techs) - roll(flow[techs=gen], timesteps=1)"
    result = evaluate_expression(parse(text), replace(ctx, source=text))
    assert isinstance(result.data, linopy.LinearExpression)
    assert result.data.coord_dims == ("timesteps",)
    # each step: 0.5·flow[gen,t] + 1·flow[dem,t] − flow[gen,t−1]
    first = result.data.sel(timesteps=TIMESTEPS[0])
    assert sorted(first.coeffs.values.tolist()) == pytest.approx([-1.0, 0.5, 1.0])


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("flow * flow", "Cannot multiply two decision variables"),
        ("1 / flow", "Cannot divide by a decision variable"),
        ("flow ** 2", r"'\*\*' needs numbers on both sides"),
    ],
)
def test_nonlinear_expressions_are_errors(text: str, pattern: str) -> None:
    ctx = context()
    model = linopy.Model()
    flow = model.add_variables(lower=0, coords=[ctx.inputs.indexes["techs"]], name="flow")
    ctx = replace(
        ctx, variables={"flow": flow}, source=text, key_path="constraints.c.equations[0].expression"
    )
    with pytest.raises(ModelError, match=pattern):
        evaluate_expression(parse(text), ctx)
