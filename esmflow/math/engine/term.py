"""The value an expression evaluates to, and linopy's arithmetic where labels already match.

A `Term` is the data (a number, an xarray array or a linopy object) plus the mask of entries
that are *undefined* (a parameter with no value and no default, `where(x, cond)` outside `cond`).

The `linear_*` functions do what linopy's operators do on linear expressions, without its
alignment and re-normalisation work when the operands already share one grid (the usual case
inside a component): each linopy operation saved is milliseconds of build time, and
tests/test_engine_fast_paths.py checks they give linopy's own arrays.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import linopy
import numpy as np
import xarray as xr
from linopy.expressions import FILL_VALUE
from linopy.semantics import absorb_absence

LINOPY_TYPES = (linopy.Variable, linopy.LinearExpression)
_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul}


@dataclass(frozen=True)
class Term:
    """An evaluated (sub-)expression: data, plus where it is undefined (None = nowhere)."""

    data: Any
    undefined: xr.DataArray | None = None

    @property
    def is_linear(self) -> bool:
        """True if it holds decision variables (a linopy object)."""
        return isinstance(self.data, LINOPY_TYPES)


def combine_undefined(*masks: xr.DataArray | None) -> xr.DataArray | None:
    """Union of undefined masks (None = nowhere)."""
    present = [mask for mask in masks if mask is not None]
    if not present:
        return None
    result = present[0]
    for mask in present[1:]:
        result = result | mask
    return result


def linear_filled(built: Any, fill: float) -> Any:
    """A variable or expression with its absent entries read as `fill` (a LinearExpression).

    For a variable: the arrays linopy's `Variable.fillna` makes (coefficient 1 and constant 0
    where it exists; no term and constant `fill` where it does not), in one construction
    instead of two, with one difference: the coefficient of an absent entry's term is 1, not
    NaN. Its label is -1, so nothing reads it (linopy and the engine take a term by its label),
    and then the coefficients are one shared 1 and the constants (for fill 0) one shared 0,
    zero-stride arrays instead of two arrays per entry: the build keeps this expression of
    every variable it reads until it ends (2 × 245 MB per variable at the 50-node family).
    """
    if not isinstance(built, linopy.Variable):
        return linear_fillna(built, fill)
    labels = built.labels
    absent = labels.values == -1
    ones = np.broadcast_to(np.float64(1.0), absent.shape)
    terms = xr.Dataset({"coeffs": labels.copy(data=ones), "vars": labels}).expand_dims("_term", -1)
    if float(fill) == 0.0:  # all zeros: one shared zero, not an array per entry
        zeros = np.broadcast_to(np.float64(0.0), absent.shape)
        const = xr.DataArray(zeros, coords=labels.coords)
    else:
        const = xr.DataArray(np.where(absent, float(fill), 0.0), coords=labels.coords)
    return linear_expression(terms.assign(const=const), built.model)


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
        return _constants_held_once(_OPERATORS[op](expr, other))
    data = expr.data
    if op == "*":
        data = data.assign(coeffs=data.coeffs * other, const=data.const * other)
    else:
        data = data.assign(const=data.const + (other if op == "+" else -other))
    return linear_expression(data, expr.model)


def _constants_held_once(result: Any) -> Any:
    """An expression with its coefficients and constants held once along what they repeat.

    Used on what linopy broadcast over new dims (`flow_cap * timestep_resolution` spreads a
    capacity over the year: two arrays of a year per entry that would otherwise stay alive,
    next to the difference made from it, while the constraint is built, the peak) and on
    every stored global expression (`stored_expression`).
    """
    if type(result) is not linopy.LinearExpression or result.is_sparse:
        return result
    data = result.data
    held = data.assign(coeffs=held_once(data.coeffs), const=held_once(data.const))
    return linear_expression(held, result.model)


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
    ours, theirs = left.coeffs.values, right.coeffs.values
    width = ours.shape[-1]
    coeffs = np.empty((*ours.shape[:-1], width + theirs.shape[-1]), np.result_type(ours, theirs))
    coeffs[..., :width] = ours
    if negate:  # negated straight into place: no negated copy of the right side's coefficients
        np.negative(theirs, out=coeffs[..., width:])
    else:
        coeffs[..., width:] = theirs
    dims = left.coeffs.dims
    merged = left.assign(
        coeffs=(dims, coeffs),
        vars=(dims, np.concatenate([left.vars.values, right.vars.values], axis=-1)),
        # (x - y is x + (-y) in IEEE arithmetic, without the negated copy)
        const=left.const - right.const if negate else left.const + right.const,
    )
    return linear_expression(absorb_absence(merged), a.model)


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
    data = expr.data
    # field by field: the labels stay integers throughout (a Dataset's `where` with linopy's
    # fill values makes them float, a transient copy twice their size, then casts back)
    masked = data.assign(
        {field: data[field].where(cond, FILL_VALUE[field]) for field in ("coeffs", "vars", "const")}
    )
    return linear_expression(masked, expr.model)


def linear_fillna(expr: Any, value: float) -> Any:
    """`expr.fillna(value)`: absent constants read as `value` (linopy's arrays)."""
    if not _on_grid(expr, None):
        return expr.fillna(value)
    data = expr.data
    const = held_once(data.const.fillna(value))  # read for the rest of the build
    return linear_expression(data.assign(const=const), expr.model)


def stored_once(values: np.ndarray) -> np.ndarray:
    """The same values, held once along every axis they do not vary along (a read-only view).

    A global expression is kept for the whole build, and most of its arrays repeat: the
    constants of `flow_out_inc_eff` are 0 wherever it exists, its coefficients (an efficiency)
    the same at every timestep, and a cost expression's terms the same for every cost class
    they do not depend on. Each repeated axis is kept with stride 0 (numpy's `broadcast_to`),
    so the array costs the memory of its varying part; entries compare bit for bit. Nothing
    writes into these arrays (every operation of the build makes new ones), and a write would
    raise, not pass unnoticed: the view is read-only.
    """
    core = values
    for axis in range(values.ndim):
        if core.shape[axis] < 2:
            continue
        first = core[(slice(None),) * axis + (slice(0, 1),)]
        second = core[(slice(None),) * axis + (slice(1, 2),)]
        if not _same_bits(second, first):  # cheap first look: most varying axes stop here
            continue
        if _same_bits(core, first):
            core = first
    if core.size == values.size:
        return values
    return np.broadcast_to(core.copy(), values.shape)  # a copy: a view would keep `values`


def held_once(array: xr.DataArray) -> xr.DataArray:
    """The same DataArray, its values held once along what they repeat (`stored_once`)."""
    return array.copy(data=stored_once(array.values)) if array.ndim else array


def _same_labels(labels: xr.DataArray, terms: xr.DataArray) -> bool:
    """A variable's labels are exactly those of a one-term expression (same dims, coords, values)."""
    dims = terms.dims[:-1]
    return (
        labels.dims == dims
        and labels.shape == terms.shape[:-1]
        and all(_same_index(labels.indexes.get(dim), terms.indexes.get(dim)) for dim in dims)
        and np.array_equal(labels.values, terms.values[..., 0])
    )


def _same_index(a: Any, b: Any) -> bool:
    return a is None and b is None or (a is not None and b is not None and a.equals(b))


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Every entry of `a` is `b`'s (broadcast) bit for bit: NaN equals NaN, -0.0 is not 0.0
    (holding a -0.0 as 0.0 would change no value, but the arrays would no longer be the same)."""
    if a.dtype.kind == "f":
        bits = np.dtype(f"i{a.dtype.itemsize}")
        return bool((a.view(bits) == b.view(bits)).all())
    return bool((a == b).all())


def stored_expression(expr: Any, labels: Iterable[xr.DataArray]) -> Any:
    """A global expression as kept for the build: its repeated arrays held once (`stored_once`).

    `labels` are the built variables' label arrays: an expression of one term per entry whose
    labels are exactly a variable's (`flow_out_inc_eff` reads `flow_out` wherever it exists)
    points at that variable's array instead of holding a copy.
    """
    if type(expr) is not linopy.LinearExpression or expr.is_sparse:
        return expr
    data = expr.data
    variables = data.vars.values
    same = (
        next((found for found in labels if _same_labels(found, data.vars)), None)
        if variables.shape[-1] == 1
        else None
    )
    variables = same.values[..., np.newaxis] if same is not None else stored_once(variables)
    kept = linear_expression(data.assign(vars=data.vars.copy(data=variables)), expr.model)
    return _constants_held_once(kept)


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


# compact_terms cuts a sum's term slots when at most this share of them would remain, and only
# from this many slots on (below, cutting saves little)
COMPACT_LARGEST_SHARE = 0.5
COMPACT_FEWEST_SLOTS = 16


def compact_terms(
    expr: Any,
    largest_share: float = COMPACT_LARGEST_SHARE,
    fewest_slots: int = COMPACT_FEWEST_SLOTS,
) -> Any:
    """The expression with each cell's terms moved to the front and the empty tail cut off.

    A sum over a long dim stacks the summed entries' terms side by side: `sum(x, over=timesteps)`
    of a cost per node, tech and timestep has 8 760 × (terms per step) term slots in every cell,
    filled only for the cells' own flows (on Calliope's national_scale: 52 565 slots, at most
    17 524 used, 5 % overall; 25 MB). Keeping each cell's terms in order, only as many slots as
    the fullest cell needs are kept. The expression is the same (the same terms per cell); done
    only when at most `largest_share` of the slots would remain, and the expression has at least
    `fewest_slots` (a global expression is compacted from 2: it is kept for the whole build).
    """
    if type(expr) is not linopy.LinearExpression or expr.is_sparse:
        return expr
    data = expr.data
    variables = data.vars.values
    if variables.ndim < 2 or variables.shape[-1] < fewest_slots:
        return expr
    live = variables != -1
    flat_live = live.reshape(-1, live.shape[-1])
    used = flat_live.sum(axis=1)
    largest = int(used.max()) if used.size else 0
    if largest > largest_share * live.shape[-1]:
        return expr
    cells, slots = np.nonzero(flat_live)  # row-major: each cell's terms in their order
    position = np.arange(cells.size) - np.repeat(np.cumsum(used) - used, used)
    coeffs = np.full((flat_live.shape[0], largest), np.nan)
    labels = np.full((flat_live.shape[0], largest), -1, dtype=variables.dtype)
    flat_coeffs = data.coeffs.values.reshape(flat_live.shape)
    coeffs[cells, position] = flat_coeffs[cells, slots]
    labels[cells, position] = variables.reshape(flat_live.shape)[cells, slots]
    shape = (*variables.shape[:-1], largest)
    dims = data.vars.dims
    compacted = data.drop_dims("_term").assign(
        coeffs=(dims, coeffs.reshape(shape)), vars=(dims, labels.reshape(shape))
    )
    return linear_expression(compacted[list(data.data_vars)], expr.model)


def summed_compact(expr: Any, dims: list[str]) -> Any:
    """`compact_terms(expr.sum(dims))`, without linopy's stacked copy of every term slot.

    linopy's sum copies the terms into one slot per (term, summed entry) of each remaining
    cell; the objective's `sum(cost, over=[nodes, techs])` copies every node–tech cell's year,
    mostly empty (the peak of a large build). When compact_terms would cut the result, the live
    terms are taken straight from the summed arrays instead, in the order linopy stacks them
    (the old term slot first, then the summed dims in their order), so the result is the same
    arrays; otherwise (few slots, or mostly full) linopy's sum is used as it is.
    """
    if type(expr) is not linopy.LinearExpression or expr.is_sparse:
        return compact_terms(expr.sum(dims))
    data = expr.data
    kept = [dim for dim in data.vars.dims if dim not in dims and dim != "_term"]
    order = [*kept, "_term", *dims]
    variables = data.vars.transpose(*order).values  # a view: nothing copied
    cells = int(np.prod([data.sizes[dim] for dim in kept]))
    slots = variables.size // cells if cells else 0
    if slots < COMPACT_FEWEST_SLOTS or not cells or not kept:  # (a one-dim sum: kept as it is)
        return compact_terms(expr.sum(dims))
    live = variables != -1
    used = live.reshape(cells, slots).sum(axis=1)
    largest = int(used.max())
    if largest > COMPACT_LARGEST_SHARE * slots:
        return compact_terms(expr.sum(dims))
    where = np.nonzero(live)  # row-major: each cell's terms in linopy's stacking order
    del live
    cell = np.ravel_multi_index(where[: len(kept)], variables.shape[: len(kept)])
    position = np.arange(cell.size) - np.repeat(np.cumsum(used) - used, used)
    coeffs = np.full((cells, largest), np.nan)
    labels = np.full((cells, largest), -1, dtype=variables.dtype)
    coeffs[cell, position] = data.coeffs.transpose(*order).values[where]
    labels[cell, position] = variables[where]
    shape = tuple(data.sizes[dim] for dim in kept) + (largest,)
    terms = (*kept, "_term")
    summed = data.const.sum(dims).to_dataset(name="const")
    summed = summed.assign(
        coeffs=(terms, coeffs.reshape(shape)), vars=(terms, labels.reshape(shape))
    )
    return linear_expression(summed, expr.model)  # const first, as linopy's sum orders them


def linear_expression(data: xr.Dataset, model: linopy.Model) -> linopy.LinearExpression:
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
