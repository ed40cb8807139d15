"""The helper functions math strings may call, e.g. `sum(x, over=techs)`, `roll(x, timesteps=1)`.

Every helper of Calliope 0.7.0 (`backend/helper_functions.py`) with the same meaning, plus
`defined` (where) and `default_if_empty` (expression) from later Calliope versions. `WHERE` and
`EXPRESSION` are plain dicts from name to function; a name in only one of them is only allowed
in that kind of string (resolve.py checks this before anything is evaluated).

Where-helpers return xarray arrays; expression-helpers return `expression.Term`s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from esmflow.math.engine import tree
from esmflow.math.engine.context import Context, defined_mask
from esmflow.math.engine.term import Term


# --- shared ------------------------------------------------------------------------------
def plain(item: Any) -> Any:
    """A 0-d array → its scalar; anything else unchanged."""
    if isinstance(item, xr.DataArray) and item.ndim == 0:
        return item.values[()]
    return item


def select(data: Any, picks: dict[str, Any]) -> Any:
    """`data[dim=value, …]`: pick by label; scalar picks drop the dim and its coordinate."""
    picks = {dim: plain(pick) for dim, pick in picks.items()}
    picked = data.sel(picks)
    leftover = [dim for dim in picks if dim in picked.coords and dim not in picked.dims]
    return picked.drop_vars(leftover) if leftover else picked


def dims_of(node: tree.Node | None, ctx: Context) -> list[str]:
    """The dimension names given as `over=dim` or `over=[dim, dim]`."""
    match node:
        case tree.Name(name=name):
            return [name]
        case tree.String(value=name):
            return [name]
        case tree.ListOf(items=items):
            return [name for item in items for name in dims_of(item, ctx)]
    raise ctx.error("Expected a dimension name or a list of them", node)


def _integer(node: tree.Node, ctx: Context) -> int:
    match node:
        case tree.Number(value=number) if float(number).is_integer():
            return int(number)
        case tree.UnaryOp(op="-", operand=tree.Number(value=number)) if float(number).is_integer():
            return -int(number)
    raise ctx.error("Expected a whole number", node)


def _word(node: tree.Node, ctx: Context) -> str:
    match node:
        case tree.Name(name=name) | tree.String(value=name):
            return name
    raise ctx.error("Expected a name", node)


def _one_dim_index(call: tree.Call, ctx: Context) -> tuple[str, int]:
    if len(call.kwargs) != 1 or call.args:
        raise ctx.error(f"{call.name}() takes exactly one `dim=index` argument", call)
    dim, node = call.kwargs[0]
    return dim, _integer(node, ctx)


def value_at_index(call: tree.Call, ctx: Context) -> Any:
    """`get_val_at_index(timesteps=0)` → the first timestep (a numpy scalar)."""
    dim, index = _one_dim_index(call, ctx)
    return ctx.inputs[dim].values[index]


# --- where helpers -----------------------------------------------------------------------
def _where_any(call: tree.Call, ctx: Context) -> xr.DataArray:
    from esmflow.math.engine.where import condition

    array = condition(call.args[0], ctx)
    over = [dim for dim in dims_of(call.kwarg("over"), ctx) if dim in array.dims]
    return array.any(over) if over else array


def _where_sum(call: tree.Call, ctx: Context) -> xr.DataArray:
    from esmflow.math.engine.where import value

    array = xr.DataArray(value(call.args[0], ctx))
    over = [dim for dim in dims_of(call.kwarg("over"), ctx) if dim in array.dims]
    return array.sum(over, min_count=1) if over else array


def _map_dim(call: tree.Call, ctx: Context) -> xr.DataArray:
    """`map_dim(nodes, link_from)`: True where the dimension's item equals the lookup's value."""
    dim = _word(call.args[0], ctx)
    mapper = ctx.filled(_word(call.args[1], ctx))
    return ctx.inputs[dim] == mapper


def _defined(call: tree.Call, ctx: Context) -> xr.DataArray:
    """`defined(techs=[a, b], within=nodes, how=any)`: are (any/all of) these items active?"""
    within = call.kwarg("within")
    how = _word(call.kwarg("how"), ctx) if call.kwarg("how") is not None else "all"
    result = xr.DataArray(True)
    active = ctx.raw("active")
    for dim, node in call.kwargs:
        if dim in ("within", "how"):
            continue
        from esmflow.math.engine.where import value

        items = value(node, ctx)
        items = items if isinstance(items, list) else [plain(items)]
        present = active.sel({dim: [item for item in items if item in ctx.inputs[dim].values]})
        keep = dims_of(within, ctx) if within is not None else []
        reduce_over = [d for d in present.dims if d not in keep]
        present = present.any(reduce_over) if how == "any" else present.all(reduce_over)
        result = result & present
    return result


WHERE: dict[str, Callable[[tree.Call, Context], Any]] = {
    "any": _where_any,
    "sum": _where_sum,
    "map_dim": _map_dim,
    "get_val_at_index": value_at_index,
    "defined": _defined,
}


def call_in_where(call: tree.Call, ctx: Context) -> Any:
    """Run a where-helper (names already checked by resolve)."""
    return WHERE[call.name](call, ctx)


# --- expression helpers ------------------------------------------------------------------
def _term(node: tree.Node, ctx: Context) -> Any:
    from esmflow.math.engine.expression import evaluate_expression

    return evaluate_expression(node, ctx)


def _make(data: Any, undefined: xr.DataArray | None) -> Any:
    return Term(data, undefined)


def _sum_term(term: Any, over: list[str]) -> Any:
    dims = [dim for dim in over if dim in getattr(term.data, "dims", ())]
    if not dims:
        return term
    undefined = term.undefined
    if undefined is not None:
        summed = [dim for dim in dims if dim in undefined.dims]
        undefined = undefined.all(summed) if summed else undefined
    return _make(term.data.sum(dims), undefined)


def _expr_sum(call: tree.Call, ctx: Context) -> Any:
    return _sum_term(_term(call.args[0], ctx), dims_of(call.kwarg("over"), ctx))


def _expr_where(call: tree.Call, ctx: Context) -> Any:
    """`where(x, cond)`: x where cond holds, undefined elsewhere (broadcast over cond's dims)."""
    from esmflow.math.engine.where import value

    term = _term(call.args[0], ctx)
    cond = xr.DataArray(value(call.args[1], ctx))
    cond = cond if cond.dtype.kind == "b" else cond.fillna(0) != 0
    data = term.data
    if isinstance(data, xr.DataArray | int | float):
        data = xr.DataArray(data).broadcast_like(cond).where(cond, 0)
    else:
        data = data.where(cond)
    undefined = ~cond if term.undefined is None else (term.undefined | ~cond)
    return _make(data, undefined)


def _reduce_carrier_dim(call: tree.Call, ctx: Context) -> Any:
    direction = _word(call.args[1] if len(call.args) > 1 else call.kwarg("flow_direction"), ctx)
    carrier = ctx.raw(f"carrier_{direction}")
    term = _term(call.args[0], ctx)
    data = term.data.where(carrier)
    undefined = ~carrier if term.undefined is None else (term.undefined | ~carrier)
    return _sum_term(_make(data, undefined), ["carriers"])


def _roll(call: tree.Call, ctx: Context) -> Any:
    term = _term(call.args[0], ctx)
    shifts = {dim: _integer(node, ctx) for dim, node in call.kwargs}
    data = term.data
    data = (
        data.roll(shifts)
        if not isinstance(data, xr.DataArray)
        else data.roll(shifts, roll_coords=False)
    )
    undefined = term.undefined
    if undefined is not None:
        own = {dim: shift for dim, shift in shifts.items() if dim in undefined.dims}
        undefined = undefined.roll(own, roll_coords=False) if own else undefined
    return _make(data, undefined)


def _select_from_lookup_arrays(call: tree.Call, ctx: Context) -> Any:
    """`select_from_lookup_arrays(x, timesteps=lookup)`: x at the item the lookup names."""
    term = _term(call.args[0], ctx)
    data, valid = term.data, xr.DataArray(True)
    for dim, node in call.kwargs:
        lookup = ctx.raw(_word(node, ctx))
        labels = pd.Index(ctx.inputs[dim].values)
        found = defined_mask(lookup) if lookup.dtype.kind in "OUS" else lookup.notnull()
        positions = xr.DataArray(
            _positions(labels, lookup.where(found).values), coords=lookup.coords
        )
        found = found & (positions >= 0)
        renamed = {d: (f"__{d}" if d == dim else d) for d in positions.dims}
        indexer = xr.DataArray(
            positions.where(found, 0).values,
            dims=list(renamed.values()),
            coords={renamed[d]: positions[d].values for d in positions.dims},
        )
        data = data.isel({dim: indexer})
        if f"__{dim}" in data.dims:  # the lookup runs along the same dim: relabel it
            data = data.drop_vars(dim).rename({f"__{dim}": dim})
        valid = valid & found
    undefined = ~valid if term.undefined is None else (term.undefined | ~valid)
    data = data.where(valid) if not isinstance(data, xr.DataArray) else data.where(valid, 0)
    return _make(data, undefined)


def _positions(labels: pd.Index, wanted: np.ndarray) -> np.ndarray:
    """Integer position of each wanted label in `labels` (-1 where absent or undefined)."""
    flat = pd.Series(wanted.ravel(), dtype=object)
    if labels.dtype.kind == "M":
        flat = pd.to_datetime(flat, errors="coerce")
    return labels.get_indexer(pd.Index(flat)).reshape(wanted.shape)


def _expr_get_val_at_index(call: tree.Call, ctx: Context) -> Any:
    return _make(value_at_index(call, ctx), None)


def _expr_map_dim(call: tree.Call, ctx: Context) -> Any:
    return _make(_map_dim(call, ctx), None)


def _default_if_empty(call: tree.Call, ctx: Context) -> Any:
    term = _term(call.args[0], ctx)
    default_node = call.kwarg("default") or (call.args[1] if len(call.args) > 1 else None)
    default = _term(default_node, ctx).data if default_node is not None else 0
    data = term.data
    if term.undefined is not None and isinstance(data, xr.DataArray):
        data = data.where(~term.undefined, default)
    return _make(data, None)


def _group_sum(call: tree.Call, ctx: Context) -> Any:
    """`group_sum(x, groupby_lookup, group_dim)`: sum x over the items of each group."""
    term = _term(call.args[0], ctx)
    grouper = ctx.raw(_word(call.args[1], ctx))
    group_dim = _word(call.args[2], ctx)
    grouper = grouper.where(defined_mask(grouper)).rename(group_dim)
    return _make(term.data.groupby(grouper).sum(), None)


def _group_datetime(call: tree.Call, ctx: Context) -> Any:
    """`group_datetime(x, timesteps, date)`: sum x within each date/month/… of a datetime dim."""
    term = _term(call.args[0], ctx)
    over, group = _word(call.args[1], ctx), _word(call.args[2], ctx)
    keys = getattr(ctx.inputs[over].dt, group)
    if group == "date":
        keys = xr.DataArray(
            pd.to_datetime(ctx.inputs[over].values).strftime("%Y-%m-%d"),
            coords=ctx.inputs[over].coords,
        )
    return _make(term.data.groupby(keys.rename(group)).sum(), None)


def _sum_next_n(call: tree.Call, ctx: Context) -> Any:
    """`sum_next_n(x, timesteps, N)`: x summed over this and the next N-1 steps (no wrap-around)."""
    term = _term(call.args[0], ctx)
    over, steps = _word(call.args[1], ctx), _integer(call.args[2], ctx)
    total = term.data
    for offset in range(1, steps):  # a loop over N offsets, not over elements
        shifted = term.data.shift({over: -offset})
        total = total + (
            shifted.fillna(0) if not isinstance(shifted, xr.DataArray) else shifted.fillna(0)
        )
    return _make(total, None)


EXPRESSION: dict[str, Callable[[tree.Call, Context], Any]] = {
    "sum": _expr_sum,
    "where": _expr_where,
    "reduce_carrier_dim": _reduce_carrier_dim,
    "roll": _roll,
    "select_from_lookup_arrays": _select_from_lookup_arrays,
    "get_val_at_index": _expr_get_val_at_index,
    "map_dim": _expr_map_dim,
    "default_if_empty": _default_if_empty,
    "group_sum": _group_sum,
    "group_datetime": _group_datetime,
    "sum_next_n": _sum_next_n,
}
# Arguments that name dimensions or plain words rather than arrays (resolve.py skips them).
WORD_ARGUMENTS: dict[str, set[str | int]] = {
    "sum": {"over"},
    "any": {"over"},
    "reduce_carrier_dim": {1, "flow_direction"},
    "map_dim": {0},
    "group_sum": {2},
    "group_datetime": {1, 2},
    "sum_next_n": {1},
    "defined": {"within", "how"},
}


def call_in_expression(call: tree.Call, ctx: Context) -> Any:
    """Run an expression-helper (names already checked by resolve)."""
    return EXPRESSION[call.name](call, ctx)


def evaluate_slice(node: tree.Node, ctx: Context) -> Any:
    """A `slices:` entry → the label(s) it picks (a scalar or an array of labels)."""
    return plain(_term(node, ctx).data)
