"""Evaluate an `expression` tree over whole arrays into linopy expressions (Calliope 0.7 semantics).

A name evaluates to: a parameter's values with NaN replaced by its declared default; a variable
or global expression with its absent entries read as 0 (their declared default in Calliope's
math); a dimension's coordinate; or, in helper arguments and index brackets, a plain word.

Each result is a `Term` (term.py): the data plus the mask of entries that are *undefined*.
Undefined entries propagate through arithmetic, a `sum` is undefined only where every summed
entry is (Calliope sums with `min_count=1`), and the build reports a math error when a
component's result is undefined where its `where` is True. A helper call's arguments are
evaluated here by the kinds its declaration gives (helpers.py), and its function gets values.
"""

from __future__ import annotations

from typing import Any

import xarray as xr

from esmflow.math.engine import helpers, tree, where
from esmflow.math.engine.context import Context
from esmflow.math.engine.term import (
    LINOPY_TYPES,
    Term,
    combine_undefined,
    linear_filled,
    linear_op,
    linear_sum,
)


def evaluate_expression(node: tree.Node, ctx: Context) -> Term:
    """Evaluate one expression (or one side of an equation)."""
    match node:
        case tree.Number(value=number):
            return Term(number)
        case tree.String(value=text):
            return Term(text)
        case tree.Bool(value=flag):
            return Term(flag)
        case tree.Name(name=name):
            return _name(name, node, ctx)
        case tree.ConfigRef(key=key):
            return Term(where.config_value(key, node, ctx))
        case tree.SubExpression(name=name):
            return evaluate_expression(ctx.sub_expressions[name], ctx)
        case tree.ListOf(items=items):
            return Term([evaluate_expression(item, ctx).data for item in items])
        case tree.UnaryOp(op=op, operand=operand):
            term = evaluate_expression(operand, ctx)
            if op != "-":
                return term
            negated = linear_op("*", term.data, -1) if term.is_linear else -1 * term.data
            return Term(negated, term.undefined)
        case tree.BinaryOp(op=op, left=left, right=right):
            return _arithmetic(
                op, evaluate_expression(left, ctx), evaluate_expression(right, ctx), node, ctx
            )
        case tree.Indexed(target=target, selections=selections):
            return _indexed(target, selections, ctx)
        case tree.Call():
            return _helper(node, ctx)
    raise ctx.error(
        "Comparisons and AND/OR/NOT belong in `where` strings or at an equation's top", node
    )


def _helper(call: tree.Call, ctx: Context) -> Term:
    """Run a helper on its arguments, each evaluated by its declared kind (helpers.py)."""
    bound = helpers.bind(call, "expression")
    if bound.problems or bound.function is None:
        message, node, fields = bound.problems[0]
        raise ctx.error(message, node, **fields)
    arguments = {arg.name: _argument(arg.kind, arg.node, ctx) for arg in bound.arguments}
    result = bound.function(ctx, **arguments)
    return result if isinstance(result, Term) else Term(result)


def _argument(kind: str, node: tree.Node, ctx: Context) -> Any:
    match kind:
        case "array":
            return evaluate_expression(node, ctx)
        case "condition":
            return where.condition(node, ctx)
        case "where_value" | "items":
            return where.value(node, ctx)
    return helpers.read_written(kind, node, ctx)


def _name(name: str, node: tree.Node, ctx: Context) -> Term:
    if name in ctx.variables or name in ctx.expressions:
        if name not in ctx.filled_results:  # absent entries read as the default 0, as in Calliope
            built = ctx.variables[name] if name in ctx.variables else ctx.expressions[name]
            default = ctx.default(name)
            ctx.filled_results[name] = linear_filled(built, 0 if default != default else default)
        return Term(ctx.filled_results[name])
    if ctx.is_input(name):
        key = ("term", name)
        if key not in ctx.memo:  # inputs do not change during a build: read each once
            ctx.memo[key] = _input_term(ctx.filled(name))
        return ctx.memo[key]
    if name in ctx.dimensions and name in ctx.inputs.coords:
        return Term(ctx.inputs[name])
    if name in ctx.exists:  # processed, but it exists nowhere: Calliope reads its default
        default = ctx.default(name)
        missing = default is None or default != default
        return Term(0.0 if missing else default, xr.DataArray(True) if missing else None)
    if ctx.is_result(name):
        raise ctx.error(
            f"'{name}' is used before it is built (or it is built nowhere)",
            node,
            expected="global expressions listed before the components that use them",
        )
    return Term(name)  # a plain word (helper argument, index value)


def _input_term(values: xr.DataArray) -> Term:
    if values.dtype.kind in "OUS":
        return Term(values)
    if values.dtype.kind == "b":  # a switch used as a number: True → 1, False → 0
        return Term(values.astype(float))
    if values.dtype.kind == "f" and bool(values.isnull().any()):
        return Term(values.fillna(0), values.isnull())
    return Term(values)


def _arithmetic(op: str, left: Term, right: Term, node: tree.Node, ctx: Context) -> Term:
    undefined = combine_undefined(left.undefined, right.undefined)
    a, b = left.data, right.data
    if op == "**":
        if left.is_linear or right.is_linear:
            raise ctx.error("'**' needs numbers on both sides (the program must stay linear)", node)
        return _settled(a**b, undefined)
    if op == "/":
        if right.is_linear:
            raise ctx.error(
                "Cannot divide by a decision variable (the program must stay linear)", node
            )
        reciprocal = 1 / b
        if left.is_linear:
            settled = _settled(reciprocal, undefined)
            return Term(linear_op("*", a, settled.data), settled.undefined)
        return _settled(a / b, undefined)
    if op == "*" and left.is_linear and right.is_linear:
        raise ctx.error(
            "Cannot multiply two decision variables (the program must stay linear)", node
        )
    if not left.is_linear and right.is_linear and op in "+*":
        a, b = b, a  # linopy objects on the left keep the result a linopy object
    elif not left.is_linear and right.is_linear and op == "-":
        return Term(linear_op("+", linear_op("*", b, -1), a), undefined)
    if isinstance(a, LINOPY_TYPES) and not isinstance(b, LINOPY_TYPES):
        return Term(linear_op(op, a, b), undefined)
    if op in "+-" and isinstance(a, LINOPY_TYPES):
        return Term(linear_sum(a, b, negate=op == "-"), undefined)
    match op:
        case "+":
            result = a + b
        case "-":
            result = a - b
        case _:
            result = a * b
    return (
        _settled(result, undefined)
        if not isinstance(result, LINOPY_TYPES)
        else Term(result, undefined)
    )


def _settled(data: Any, undefined: xr.DataArray | None) -> Term:
    """A constant result: NaN entries (0/0, inf/inf, …) become undefined, stored as 0.

    They only matter where a component's `where` selects them (then the build reports them);
    linopy must never see a NaN constant.
    """
    if isinstance(data, xr.DataArray) and data.dtype.kind == "f":
        missing = data.isnull()
        if bool(missing.any()):
            return Term(data.fillna(0), combine_undefined(undefined, missing))
    return Term(data, undefined)


def _indexed(
    target: tree.Name, selections: tuple[tuple[str, tree.Node], ...], ctx: Context
) -> Term:
    base = evaluate_expression(target, ctx)
    picks: dict[str, Any] = {}
    for dim, pick in selections:
        if isinstance(pick, tree.SubExpression):
            picked = evaluate_expression(ctx.slices[pick.name], ctx).data
        else:
            picked = evaluate_expression(pick, ctx).data
        picks[dim] = helpers.plain(picked)
    missing = [dim for dim in picks if dim not in getattr(base.data, "dims", ())]
    if missing:
        raise ctx.error(
            f"Cannot pick {', '.join(missing)} items from '{target.name}': "
            f"it is not indexed over {', '.join(missing)} here (or exists nowhere)",
            target,
        )
    undefined = base.undefined
    if undefined is not None:
        undefined = helpers.select(
            undefined, {k: v for k, v in picks.items() if k in undefined.dims}
        )
    return Term(helpers.select(base.data, picks), undefined)
