"""The helper registry: each helper declared once, and calls checked against that declaration.

The evaluators call a helper's function with every argument by name, so the declaration and
the function's signature must agree; resolve.py and the evaluators report a call that does not
fit the declaration (missing, unknown or repeated arguments) with the helper's own words.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import xarray as xr

from esmflow.math.engine import helpers
from esmflow.math.engine.grammar import parse

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


def test_is_maximum_takes_the_first_largest_and_nothing_where_all_is_undefined() -> None:
    values = xr.DataArray(
        [[1.0, 3.0, 3.0], [np.nan, np.nan, np.nan], [2.0, np.nan, 0.0]],
        coords={"carriers": ["a", "b", "c"], "timesteps": [0, 1, 2]},
    )
    peak = helpers.is_maximum(None, values, over="timesteps")  # type: ignore[arg-type]
    assert peak.sel(carriers="a").values.tolist() == [False, True, False]  # a tie: the first
    assert not peak.sel(carriers="b").any()  # undefined throughout: no peak
    assert peak.sel(carriers="c").values.tolist() == [True, False, False]
