"""A constraint's rows and the objective's constant, assembled the way linopy stores them.

A constraint reaches linopy as one dataset of rows: the terms (coeffs, vars) of `lhs - rhs`, a
sign per row and the constant moved to the right-hand side. They are put together here directly
instead of through linopy's `(lhs - rhs).to_constraint(sign, 0)`, which gives the same arrays
for several milliseconds more per component. Rows without decision variables are checked and
left out. linopy objectives hold no constant: `split_constant` keeps it aside.
"""

from __future__ import annotations

from typing import Any

import linopy
import numpy as np
import xarray as xr
from linopy.common import assign_multiindex_safe

from esmflow.errors import ModelError
from esmflow.math.engine.context import Context
from esmflow.math.engine.term import LINOPY_TYPES, Term, held_once, linear_op, linear_sum

# a math relation → linopy's sign
SIGNS = {"==": "=", "<=": "<=", ">=": ">="}


def is_direct(lhs: Term, rhs: Term) -> bool:
    """A linear expression on the left, a number or array on the right."""
    return isinstance(lhs.data, linopy.LinearExpression) and (
        isinstance(rhs.data, xr.DataArray | int | float) and not isinstance(rhs.data, bool)
    )


def subtract(lhs: Term, rhs: Term) -> Any:
    """`lhs - rhs` with any linopy object first (linopy objects on the left stay linopy objects)."""
    if isinstance(rhs.data, int | float) and rhs.data == 0:
        return lhs.data
    if lhs.is_linear and rhs.is_linear:
        return linear_sum(lhs.data, rhs.data, negate=True)
    if lhs.is_linear:
        return linear_op("-", lhs.data, rhs.data)
    return linear_op("+", linear_op("*", rhs.data, -1), lhs.data)


def row_signs(signs: list[tuple[xr.DataArray, str]], mask: xr.DataArray) -> Any:
    """One sign for all rows, or an array of signs where the equations' signs differ."""
    sign: Any = signs[0][1]
    if any(other != sign for _, other in signs):
        sign = xr.full_like(mask, sign, dtype=object)
        for part_mask, other in signs[1:]:
            sign = xr.where(part_mask, other, sign)
    return sign


def constraint_rows(
    name: str,
    lhs: linopy.LinearExpression,
    rhs: Any,
    sign: Any,
    mask: xr.DataArray,
    exists: xr.DataArray,
    ctx: Context,
) -> xr.Dataset:
    """The dataset a linopy Constraint holds: terms, sign and right-hand side of every row."""
    rows = _rows(lhs, rhs, mask)
    _check_constant_rows(name, rows, sign, exists, ctx)
    if bool(np.isinf(rows.rhs).any()):  # e.g. a `default: .inf` read outside the mask
        fill = {"coeffs": np.nan, "vars": -1, "rhs": np.nan, "scaling": 1.0}
        rows = rows.where(exists, fill)
    return assign_multiindex_safe(rows, sign=sign)


def _rows(lhs: linopy.LinearExpression, rhs: Any, mask: xr.DataArray) -> xr.Dataset:
    """The rows `lhs (sign) rhs`: lhs's terms, and rhs minus lhs's constant on the right.

    The same arrays, in the same dim order, as linopy's `(lhs - rhs)` broadcast over the mask
    and turned into a constraint with `to_constraint(sign, 0)`: with a few dozen components,
    each linopy operation saved is several milliseconds of build time.
    """
    rows = lhs.data[["coeffs", "vars"]]
    const = lhs.const if isinstance(rhs, int | float) and rhs == 0 else lhs.const - rhs
    if set(const.dims) - set(rows.dims):  # dims only the right side has
        rows = _with_dims(rows, const)
    if set(mask.dims) - set(const.dims):  # dims only the mask has
        const = const + xr.zeros_like(mask, dtype=float)
        rows = _with_dims(rows, const)
    rhs = held_once(-const)  # mostly one value (0) repeated
    # linopy's row scaling, 1 (its default) as one shared value: linopy would otherwise make
    # a full array of ones for the Constraint, besides the one add_constraints makes
    ones = np.broadcast_to(np.float64(1.0), rhs.shape)
    return assign_multiindex_safe(rows, rhs=rhs, scaling=const.copy(data=ones))


def _with_dims(rows: xr.Dataset, const: xr.DataArray) -> xr.Dataset:
    """Broadcast the terms over `const`'s dims as linopy does (new dims first, `_term` last)."""
    (broadcast,) = xr.broadcast(rows.assign(const=const), exclude=["_term"])
    return broadcast[["coeffs", "vars"]].transpose(..., "_term")


def _check_constant_rows(
    name: str, rows: xr.Dataset, sign: Any, exists: xr.DataArray, ctx: Context
) -> None:
    """Rows without decision variables are not handed to the solver; those that fail are errors.

    (`flow_in <= flow_cap * timestep_resolution` where `flow_in` does not exist and `flow_cap`
    is a parameter, as in operate mode, is `0 <= value`: true, so it is dropped.)
    """
    no_variables = (rows.vars == -1).all("_term") & exists
    if not bool(no_variables.any()):
        return
    value = (-rows.rhs).where(no_variables, 0)  # the row reads `value (sign) 0`
    sign = xr.DataArray(sign)
    tolerance = 1e-9
    broken = no_variables & (
        ((sign == "<=") & (value > tolerance))
        | ((sign == ">=") & (value < -tolerance))
        | ((sign == "=") & (abs(value) > tolerance))
    )
    if bool(broken.any()):
        first = broken.where(broken, drop=True).to_series().index[0]
        raise ModelError(
            f"Constraint '{name}' can never hold where it has no decision variables (e.g. {first})",
            file=ctx.origins.get(f"constraints.{name}"),
            key_path=f"constraints.{name}",
            expected="a `where` that leaves out entries whose variables do not exist",
        )


def split_constant(total: Any, model: linopy.Model) -> tuple[Any, float]:
    """linopy objectives hold no constant: keep it aside (added back to the reported value)."""
    if isinstance(total, LINOPY_TYPES):
        total = 1 * total if isinstance(total, linopy.Variable) else total
        constant = float(total.const.fillna(0).sum())
        return total - constant, constant
    some_variable = next((model.variables[n] for n in model.variables), None)
    if some_variable is None:
        raise ModelError("The program has no decision variables", key_path="variables")
    return 0 * some_variable.sum(), float(xr.DataArray(total).sum())
