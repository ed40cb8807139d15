"""Evaluate a `where` tree into a boolean xarray mask (Calliope 0.7 semantics).

Two positions, two meanings of a name:
- as a condition (`flow_cap_max`, `storage`, `NOT one_way`): an input is True where it is
  defined (not NaN, not ±inf, not ""), a boolean lookup is its value, a variable or global
  expression is True where it exists;
- as a value inside a comparison (`base_tech==supply`, `flow_cap_max>0`): an input gives its
  values with undefined entries replaced by the declared default, a dimension gives its
  coordinate, and any other word is a plain string.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import xarray as xr

from esmflow.errors import closest_name
from esmflow.math.engine import helpers, tree
from esmflow.math.engine.context import Context

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}


def evaluate_where(node: tree.Node, ctx: Context) -> xr.DataArray:
    """The boolean mask a where string describes (dims: those of the arrays it mentions)."""
    return xr.DataArray(condition(node, ctx)).astype(bool)


def condition(node: tree.Node, ctx: Context) -> xr.DataArray:
    """Evaluate `node` in a condition position."""
    match node:
        case tree.Bool(value=flag):
            return xr.DataArray(flag)
        case tree.Name(name=name):
            return _name_condition(name, node, ctx)
        case tree.Not(operand=operand):
            return ~condition(operand, ctx)
        case tree.BoolOp(op=op, left=left, right=right):
            combine = operator.and_ if op == "and" else operator.or_
            return combine(condition(left, ctx), condition(right, ctx))
        case tree.Compare(op=op, left=left, right=tree.Name(name=word)):
            # a bare word on the right is always a string (`base_tech==storage`), as in Calliope
            return _compare(op, value(left, ctx), word, node, ctx)
        case tree.Compare(op=op, left=left, right=right):
            return _compare(op, value(left, ctx), value(right, ctx), node, ctx)
        case tree.Subset(items=items, dim=dim):
            members = [_plain(value(item, ctx)) for item in items.items]
            return ctx.inputs[dim.name].isin(members)
        case tree.Call():
            return _as_condition(_helper(node, ctx), node, ctx)
        case tree.ConfigRef() | tree.Number():
            return _as_condition(value(node, ctx), node, ctx)
    raise ctx.error(f"'{_text(node, ctx)}' cannot be used as a condition", node)


def value(node: tree.Node, ctx: Context) -> Any:
    """Evaluate `node` in a value position (comparison operands, helper arguments)."""
    match node:
        case tree.Number(value=number):
            return number
        case tree.String(value=text):
            return text
        case tree.Bool(value=flag):
            return flag
        case tree.ConfigRef(key=key):
            return config_value(key, node, ctx)
        case tree.Name(name=name):
            if ctx.is_input(name):
                return ctx.filled(name)
            if name in ctx.dimensions and name in ctx.inputs.coords:
                return ctx.inputs[name]
            if isinstance(_result_values(name, ctx), xr.DataArray):
                return _result_values(name, ctx)  # after the solve: compare by value
            if ctx.is_result(name):
                return ctx.exists.get(name, xr.DataArray(False))
            return name  # a plain word, e.g. the `supply` in `base_tech==supply`
        case tree.ListOf(items=items):
            return [_plain(value(item, ctx)) for item in items]
        case tree.UnaryOp(op=op, operand=operand):
            result = value(operand, ctx)
            return -result if op == "-" else result
        case tree.BinaryOp(op=op, left=left, right=right):
            return _ARITHMETIC[op](value(left, ctx), value(right, ctx))
        case tree.Indexed(target=target, selections=selections):
            picks = {dim: _plain(value(pick, ctx)) for dim, pick in selections}
            return helpers.select(value(target, ctx), picks)
        case tree.Call():
            return _helper(node, ctx)
        case tree.Compare() | tree.BoolOp() | tree.Not() | tree.Subset():
            return condition(node, ctx)
    raise ctx.error(f"'{_text(node, ctx)}' has no value in a where string", node)


def config_value(key: str, node: tree.Node, ctx: Context) -> Any:
    """`config.a.b` → the build configuration's value (a number, string or boolean)."""
    current: Any = ctx.config
    for part in key.split("."):
        if not isinstance(current, dict) or part not in current:
            known = sorted(ctx.config) if isinstance(ctx.config, dict) else []
            raise ctx.error(
                f"'config.{key}' is not a build configuration option",
                node,
                expected="one of config.build's keys: " + ", ".join(known),
                closest=closest_name(part, known),
            )
        current = current[part]
    if not isinstance(current, int | float | str | bool | np.bool_):
        raise ctx.error(f"'config.{key}' must be a number, string or boolean", node)
    return current


def _helper(call: tree.Call, ctx: Context) -> Any:
    """Run a helper on its arguments, each evaluated by its declared kind (helpers.py)."""
    bound = helpers.bind(call, "where")
    if bound.problems or bound.function is None:
        message, node, fields = bound.problems[0]
        raise ctx.error(message, node, **fields)
    arguments = {arg.name: _argument(arg.kind, arg.node, ctx) for arg in bound.arguments}
    return bound.function(ctx, **arguments)


def _argument(kind: str, node: tree.Node, ctx: Context) -> Any:
    match kind:
        case "condition":
            return condition(node, ctx)
        case "array" | "where_value" | "items":
            return value(node, ctx)
    return helpers.read_written(kind, node, ctx)


def _result_values(name: str, ctx: Context) -> object:
    """A solved variable/expression's values (postprocessing), else None."""
    found = ctx.variables.get(name, ctx.expressions.get(name))
    return found if isinstance(found, xr.DataArray) else None


def _name_condition(name: str, node: tree.Node, ctx: Context) -> xr.DataArray:
    if ctx.is_input(name):
        return ctx.defined(name)
    if ctx.is_result(name):
        return ctx.exists.get(name, xr.DataArray(False))
    if name in ctx.dimensions and name in ctx.inputs.coords:
        return xr.ones_like(ctx.inputs[name], dtype=bool)
    raise ctx.error(f"'{name}' is not a parameter, lookup, variable or expression", node)


def _compare(op: str, left: Any, right: Any, node: tree.Node, ctx: Context) -> xr.DataArray:
    try:
        return xr.DataArray(_COMPARE[op](left, right))
    except TypeError as err:
        raise ctx.error(f"Cannot compare these values with '{op}': {err}", node) from err


def _as_condition(result: Any, node: tree.Node, ctx: Context) -> xr.DataArray:
    array = xr.DataArray(result)
    if array.dtype.kind == "b":
        return array
    if array.dtype.kind in "fiu":
        return array.fillna(0) != 0
    raise ctx.error(f"'{_text(node, ctx)}' is not a condition (true/false)", node)


def _plain(item: Any) -> Any:
    """A scalar DataArray → its Python value (list members, selections)."""
    if isinstance(item, xr.DataArray) and item.ndim == 0:
        return item.item() if item.dtype.kind not in "mM" else item.values[()]
    return item


def _text(node: tree.Node, ctx: Context) -> str:
    start, end = node.span
    return ctx.source[start:end] if ctx.source else type(node).__name__
