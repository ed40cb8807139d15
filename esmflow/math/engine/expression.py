"""Evaluate an `expression` tree over whole arrays into linopy expressions (Calliope 0.7 semantics).

A name evaluates to: a parameter's values with NaN replaced by its declared default; a variable
or global expression with its absent entries read as 0 (their declared default in Calliope's
math); a dimension's coordinate; or, in helper arguments and index brackets, a plain word.

Each result is a `Term`: the data (a number, an xarray array or a linopy object) plus the mask
of entries that are *undefined* (a parameter with no value and no default, `where(x, cond)`
outside `cond`). Undefined entries propagate through arithmetic, a `sum` is undefined only where
every summed entry is (Calliope sums with `min_count=1`), and the build reports a math error
when a component's result is undefined where its `where` is True.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import linopy
import numpy as np
import xarray as xr
from linopy.expressions import FILL_VALUE
from linopy.semantics import absorb_absence

from esmflow.math.engine import helpers, tree
from esmflow.math.engine.context import Context

LINOPY_TYPES = (linopy.Variable, linopy.LinearExpression)


@dataclass(frozen=True)
class Term:
    """An evaluated (sub-)expression: data, plus where it is undefined (None = nowhere)."""

    data: Any
    undefined: xr.DataArray | None = None

    @property
    def is_linear(self) -> bool:
        """True if it holds decision variables (a linopy object)."""
        return isinstance(self.data, LINOPY_TYPES)


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
            from esmflow.math.engine.where import config_value

            return Term(config_value(key, node, ctx))
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
            return helpers.call_in_expression(node, ctx)
    raise ctx.error(
        "Comparisons and AND/OR/NOT belong in `where` strings or at an equation's top", node
    )


def combine_undefined(*masks: xr.DataArray | None) -> xr.DataArray | None:
    """Union of undefined masks (None = nowhere)."""
    present = [mask for mask in masks if mask is not None]
    if not present:
        return None
    result = present[0]
    for mask in present[1:]:
        result = result | mask
    return result


def _name(name: str, node: tree.Node, ctx: Context) -> Term:
    if name in ctx.variables or name in ctx.expressions:
        if name not in ctx.filled_results:  # absent entries read as the default 0, as in Calliope
            built = ctx.variables[name] if name in ctx.variables else ctx.expressions[name]
            default = ctx.default(name)
            ctx.filled_results[name] = _filled(built, 0 if default != default else default)
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


def _filled(built: Any, fill: float) -> Any:
    """A variable or expression with its absent entries read as `fill` (a LinearExpression).

    For a variable: the arrays linopy's `Variable.fillna` makes (coefficient 1 and constant 0
    where it exists; no term and constant `fill` where it does not), in one construction
    instead of two.
    """
    if not isinstance(built, linopy.Variable):
        return linear_fillna(built, fill)
    labels = built.labels
    absent = labels.values == -1
    terms = xr.Dataset(
        {"coeffs": labels.copy(data=np.where(absent, np.nan, 1.0)), "vars": labels}
    ).expand_dims("_term", -1)
    const = xr.DataArray(np.where(absent, float(fill), 0.0), coords=labels.coords)
    return _expression(terms.assign(const=const), built.model)


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


def linear_op(op: str, expr: Any, other: Any) -> Any:
    """`expr (op) other` (op: +, -, *) for a linear expression and a constant, as linopy makes it.

    linopy first broadcasts and label-checks the constant against the whole expression; when
    the constant is a plain number, or an array over some of the expression's dims with the
    very same labels and no NaN, that changes nothing, and the two xarray operations below
    give the same arrays for a fraction of the cost. Anything else goes through linopy.
    """
    if (
        type(expr) is not linopy.LinearExpression
        or expr.is_sparse
        or not _plain_constant(expr, other)
    ):
        return _OPERATORS[op](expr, other)
    data = expr.data
    if op == "*":
        data = data.assign(coeffs=data.coeffs * other, const=data.const * other)
    else:
        data = data.assign(const=data.const + (other if op == "+" else -other))
    return _expression(data, expr.model)


def linear_sum(a: Any, b: Any, negate: bool = False) -> Any:
    """`a + b` (or `a - b`) of two linear expressions, as linopy's merge makes it.

    When both are dense expressions over the same dims in the same order with the same labels
    (the usual case: both built over a component's foreach), linopy's merge concatenates the
    terms and adds the constants (then, under the v1 semantics the build uses, drops the terms
    of entries whose constant is absent); doing that directly skips its alignment machinery.
    """
    if not _same_grid(a, b):
        return a - b if negate else a + b
    left, right = a.data, b.data
    right_coeffs = -right.coeffs.values if negate else right.coeffs.values
    dims = left.coeffs.dims
    merged = left.assign(
        coeffs=(dims, np.concatenate([left.coeffs.values, right_coeffs], axis=-1)),
        vars=(dims, np.concatenate([left.vars.values, right.vars.values], axis=-1)),
        const=left.const + (-right.const if negate else right.const),
    )
    return _expression(absorb_absence(merged), a.model)


def _same_grid(a: Any, b: Any) -> bool:
    if not all(type(e) is linopy.LinearExpression and not e.is_sparse for e in (a, b)):
        return False
    left, right = a.data, b.data
    dims = [dim for dim in left.coeffs.dims if dim != "_term"]
    return (
        left.coeffs.dims == right.coeffs.dims
        and left.coeffs.dims[-1] == "_term"
        and left.const.dims == right.const.dims == tuple(dims)
        and set(left.coords) == set(right.coords) == set(dims)
        and all(left.indexes[dim].equals(right.indexes[dim]) for dim in dims)
    )


def linear_where(expr: Any, cond: xr.DataArray) -> Any:
    """`expr.where(cond)`: absent where `cond` is False (linopy's arrays, without its checks)."""
    if not _on_grid(expr, cond) or cond.dtype.kind != "b":
        return expr.where(cond)
    masked = expr.data.where(cond, other=FILL_VALUE)
    labels = expr.data.vars.dtype  # xarray's where returns float; labels stay integers
    return _expression(masked.assign(vars=masked.vars.astype(labels)), expr.model)


def linear_fillna(expr: Any, value: float) -> Any:
    """`expr.fillna(value)`: absent constants read as `value` (linopy's arrays)."""
    if not _on_grid(expr, None):
        return expr.fillna(value)
    data = expr.data
    return _expression(data.assign(const=data.const.fillna(value)), expr.model)


def _on_grid(expr: Any, other: xr.DataArray | None) -> bool:
    """A dense LinearExpression, and `other` over some of its dims with the same labels."""
    if type(expr) is not linopy.LinearExpression or expr.is_sparse:
        return False
    if other is None:
        return True
    indexes = expr.data.indexes
    return set(other.coords) == set(other.dims) and all(
        dim in indexes and other.indexes[dim].equals(indexes[dim]) for dim in other.dims
    )


def _expression(data: xr.Dataset, model: linopy.Model) -> linopy.LinearExpression:
    """A LinearExpression over arrays already in linopy's layout, without re-normalising them.

    linopy's constructor fills missing coordinates, broadcasts every field over every dim and
    moves `_term` last: a no-op for the arrays made above (the fields of an existing expression,
    scaled, shifted or concatenated along `_term`), yet a third of the build time. This sets
    the two fields the constructor sets, as linopy's own `LinearExpression._from_csr` does
    (linopy is pinned; tests/test_engine_fast_paths.py checks the result equals the
    constructor's).
    """
    expression = linopy.LinearExpression.__new__(linopy.LinearExpression)
    expression._data = data.assign_attrs(name=None)
    expression._model = model
    expression._csr = None
    return expression


def _plain_constant(expr: linopy.LinearExpression, other: Any) -> bool:
    if isinstance(other, bool | np.bool_):
        return False
    if isinstance(other, int | float | np.integer | np.floating):
        return not np.isnan(other)
    if not isinstance(other, xr.DataArray) or other.dtype.kind not in "fiu":
        return False
    return _on_grid(expr, other) and not (other.dtype.kind == "f" and np.isnan(other.values).any())


_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul}


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
            picked = helpers.evaluate_slice(ctx.slices[pick.name], ctx)
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


def as_array(term: Term) -> xr.DataArray:
    """A constant term as an xarray array (numbers become 0-d arrays)."""
    return term.data if isinstance(term.data, xr.DataArray) else xr.DataArray(np.asarray(term.data))
