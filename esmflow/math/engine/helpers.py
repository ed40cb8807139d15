"""The helper functions math strings may call, e.g. `sum(x, over=techs)`, `roll(x, timesteps=1)`.

Every helper of Calliope 0.7.0 (`backend/helper_functions.py`) with the same meaning and
argument names, plus `defined` (where) and `default_if_empty` (expression) from later Calliope
versions, and esmflow's `is_maximum` (where: the peak item along a dimension). `HELPERS` is a
plain dict from name to `Helper`, the one declaration of a helper: the kind of each argument,
and the function that runs in `where` strings and the one that runs in `expression` strings (a
helper without one is not allowed in that kind of string).

The evaluators (where.py, expression.py) evaluate every argument by its kind and call the
function with the values; resolve.py checks the names in the arguments by the same kinds before
anything is evaluated. The functions never see a parse tree. Argument kinds:

- `array`: an operand, evaluated as any other (where strings: a value; expressions: a `Term`)
- `condition`: a where-language condition, True/False per entry (`any(carrier_in, over=...)`)
- `where_value`: a where-language value, also inside expression strings (`where(x, cond)`)
- `items`: a where-language value in which bare names are plain words (`defined(techs=[a, b])`)
- read as written, not evaluated: `dims` (`over=techs` or `over=[nodes, techs]`, as a list),
  `dim` (one dimension name), `input` (the name of a parameter or lookup the function reads),
  `word` (a plain word: `how=any`, a new dimension's name), `integer` (a whole number)

Adding a helper is adding its function(s) and one `HELPERS` entry at the end of this file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from esmflow.errors import closest_name
from esmflow.math.engine import tree
from esmflow.math.engine.context import Context, defined_mask
from esmflow.math.engine.term import (
    Term,
    combine_undefined,
    compact_terms,
    linear_fillna,
    summed_compact,
)


@dataclass(frozen=True)
class Helper:
    """A helper's arguments (name and kind of each) and its function in each kind of string.

    A function is called as `function(ctx, **arguments)` with every argument evaluated by its
    kind. `args` may be given by position or by name, `kwargs` by name only; `optional` ones may
    be left out (the function's default applies). `per_dim` is the kind of `dim=value`
    keywords (`roll(x, timesteps=1)`), passed on as further keywords named by the dimension.
    """

    args: tuple[tuple[str, str], ...] = ()
    kwargs: tuple[tuple[str, str], ...] = ()
    optional: frozenset[str] = frozenset()
    per_dim: str | None = None
    one_dim: bool = False  # exactly one `dim=value` keyword
    where: Callable[..., Any] | None = None
    expression: Callable[..., Any] | None = None

    def function(self, kind: str) -> Callable[..., Any] | None:
        """What the helper does in a `where` or `expression` string (None: not allowed there)."""
        return self.where if kind == "where" else self.expression

    def parameters(self) -> dict[str, str]:
        """Every declared argument (not the `dim=value` keywords) → its kind."""
        return dict((*self.args, *self.kwargs))


class Argument(NamedTuple):
    """One argument of a call: the parameter it gives, its kind, and its tree."""

    name: str
    kind: str
    node: tree.Node
    is_dim: bool  # a `dim=value` keyword (its name must be a dimension)


@dataclass(frozen=True)
class BoundCall:
    """A call matched to its helper: the function to run, its arguments, what is wrong."""

    function: Callable[..., Any] | None
    arguments: list[Argument]
    problems: list[tuple[str, tree.Node, dict[str, Any]]]  # (message, where, error fields)


def allowed_in(kind: str) -> list[str]:
    """The helpers a `where` or `expression` string may call."""
    return [name for name, helper in HELPERS.items() if helper.function(kind) is not None]


def bind(call: tree.Call, kind: str) -> BoundCall:
    """Match a call in a `where` or `expression` string to its helper's arguments.

    Arguments bind as in Python: by position, then by name; a keyword that names no declared
    argument is a `dim=value` keyword if the helper takes those.
    """
    helper = HELPERS.get(call.name)
    function = helper.function(kind) if helper is not None else None
    if helper is None or function is None:
        return BoundCall(None, [], [_unknown(call, kind)])
    problems: list[tuple[str, tree.Node, dict[str, Any]]] = []
    arguments = [
        Argument(name, arg_kind, node, False)
        for (name, arg_kind), node in zip(helper.args, call.args, strict=False)
    ]
    if len(call.args) > len(helper.args):
        message = (
            f"{call.name}() takes {len(helper.args)} positional argument(s), got {len(call.args)}"
        )
        problems.append((message, call.args[len(helper.args)], {}))
    declared = helper.parameters()
    for key, node in call.kwargs:
        if any(argument.name == key for argument in arguments):
            problems.append((f"{call.name}() got two values for '{key}'", node, {}))
        elif key in declared:
            arguments.append(Argument(key, declared[key], node, False))
        elif helper.per_dim is not None:
            arguments.append(Argument(key, helper.per_dim, node, True))
        else:
            message = f"{call.name}() has no argument '{key}'"
            fields = {"expected": ", ".join(declared), "closest": closest_name(key, declared)}
            problems.append((message, node, fields))
    given = {argument.name for argument in arguments}
    missing = [name for name in declared if name not in given and name not in helper.optional]
    if missing:
        problems.append((f"{call.name}() needs the argument(s) {', '.join(missing)}", call, {}))
    if helper.one_dim and sum(argument.is_dim for argument in arguments) != 1:
        problems.append((f"{call.name}() takes exactly one `dim=index` argument", call, {}))
    return BoundCall(function, arguments, problems)


def _unknown(call: tree.Call, kind: str) -> tuple[str, tree.Node, dict[str, Any]]:
    allowed = allowed_in(kind)
    message = f"'{call.name}' is not a helper function in {kind} strings"
    if call.name in HELPERS:
        other = "expression" if kind == "where" else "where"
        message += f" (it is only allowed in {other} strings)"
    return (
        message,
        call,
        {"expected": ", ".join(sorted(allowed)), "closest": closest_name(call.name, allowed)},
    )


# --- arguments read as written -----------------------------------------------------------
def read_written(kind: str, node: tree.Node, ctx: Context) -> Any:
    """A `dims`, `dim`, `input`, `word` or `integer` argument, read from the call as written."""
    match kind:
        case "dims":
            return dims_of(node, ctx)
        case "integer":
            return _integer(node, ctx)
        case "dim" | "input" | "word":
            return _word(node, ctx)
    raise AssertionError(f"'{kind}' is not an argument kind read as written")


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


# --- shared with the evaluators ----------------------------------------------------------
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


# --- in where and expression strings -----------------------------------------------------
def get_val_at_index(ctx: Context, **index: int) -> Any:
    """`get_val_at_index(timesteps=0)` → the first timestep (a numpy scalar)."""
    ((dim, position),) = index.items()
    return ctx.inputs[dim].values[position]


def map_dim(ctx: Context, dim: str, mapper: str) -> xr.DataArray:
    """`map_dim(nodes, link_from)`: True where the dimension's item equals the lookup's value."""
    return ctx.inputs[dim] == ctx.filled(mapper)


# --- in where strings --------------------------------------------------------------------
def any_over(ctx: Context, input_component: xr.DataArray, over: list[str]) -> xr.DataArray:
    """`any(x, over=techs)`: True where x holds for any item of the dims."""
    over = [dim for dim in over if dim in input_component.dims]
    return input_component.any(over) if over else input_component


def sum_values(ctx: Context, array: Any, over: list[str]) -> xr.DataArray:
    """`sum(x, over=techs)` of values (NaN where every summed entry is NaN)."""
    array = xr.DataArray(array)
    over = [dim for dim in over if dim in array.dims]
    return array.sum(over, min_count=1) if over else array


def defined(
    ctx: Context, within: list[str] | None = None, how: str = "all", **items: Any
) -> xr.DataArray:
    """`defined(techs=[a, b], within=nodes, how=any)`: are (any/all of) these items active?"""
    result = xr.DataArray(True)
    active = ctx.raw("active")
    for dim, listed in items.items():
        listed = listed if isinstance(listed, list) else [plain(listed)]
        present = active.sel({dim: [item for item in listed if item in ctx.inputs[dim].values]})
        keep = within if within is not None else []
        reduce_over = [d for d in present.dims if d not in keep]
        present = present.any(reduce_over) if how == "any" else present.all(reduce_over)
        result = result & present
    return result


def is_maximum(ctx: Context, array: Any, over: str) -> xr.DataArray:
    """`is_maximum(x, over=timesteps)`: True at the item of `over` where x is largest.

    Per item of x's other dims; on a tie the first such item (as pandas' `idxmax`), and
    nowhere where x is undefined (NaN) throughout, e.g. the peak-demand timestep per carrier.
    """
    array = xr.DataArray(array)
    if over not in array.dims:
        raise ctx.error(f"is_maximum(): the values are not indexed over '{over}'")
    first_largest = array.fillna(-np.inf).argmax(over)  # (other dims): a position along `over`
    positions = xr.DataArray(np.arange(array.sizes[over]), coords={over: array[over]})
    return (positions == first_largest) & array.notnull().any(over)


# --- in expression strings ---------------------------------------------------------------
def sum_term(ctx: Context, array: Term, over: list[str]) -> Term:
    """`sum(x, over=techs)`: undefined only where every summed entry is (Calliope's min_count=1)."""
    dims = [dim for dim in over if dim in getattr(array.data, "dims", ())]
    if not dims:
        return array
    undefined = array.undefined
    if undefined is not None:
        summed = [dim for dim in dims if dim in undefined.dims]
        undefined = undefined.all(summed) if summed else undefined
    if isinstance(array.data, linopy.LinearExpression):
        return Term(summed_compact(array.data, dims), undefined)
    summed = array.data.sum(dims)
    return Term(
        compact_terms(summed) if isinstance(summed, linopy.LinearExpression) else summed, undefined
    )


def where_term(ctx: Context, array: Term, condition: Any) -> Term:
    """`where(x, cond)`: x where cond holds, undefined elsewhere (broadcast over cond's dims)."""
    cond = xr.DataArray(condition)
    cond = cond if cond.dtype.kind == "b" else cond.fillna(0) != 0
    data = array.data
    if isinstance(data, xr.DataArray | int | float):
        data = xr.DataArray(data).broadcast_like(cond).where(cond, 0)
    else:
        data = data.where(cond)
    undefined = ~cond if array.undefined is None else (array.undefined | ~cond)
    return Term(data, undefined)


def reduce_carrier_dim(ctx: Context, array: Term, flow_direction: str) -> Term:
    """`reduce_carrier_dim(x, out)`: x summed over the carriers the tech has in that direction."""
    carrier = ctx.raw(f"carrier_{flow_direction}")
    data = array.data.where(carrier)
    undefined = ~carrier if array.undefined is None else (array.undefined | ~carrier)
    return sum_term(ctx, Term(data, undefined), ["carriers"])


def roll(ctx: Context, array: Term, **shifts: int) -> Term:
    """`roll(x, timesteps=1)`: x shifted along the dims, wrapping around.

    A number or parameter that does not vary along a dim is the same after shifting along it
    (`roll(availability, timesteps=1)` of a scalar availability is itself).
    """
    data = array.data
    if not isinstance(data, xr.DataArray | linopy.Variable | linopy.LinearExpression):
        return array
    if isinstance(data, xr.DataArray):
        present = {dim: shift for dim, shift in shifts.items() if dim in data.dims}
        data = data.roll(present, roll_coords=False) if present else data
    else:
        data = data.roll(shifts)
    undefined = array.undefined
    if undefined is not None:
        own = {dim: shift for dim, shift in shifts.items() if dim in undefined.dims}
        undefined = undefined.roll(own, roll_coords=False) if own else undefined
    return Term(data, undefined)


def select_from_lookup_arrays(ctx: Context, array: Term, **lookups: str) -> Term:
    """`select_from_lookup_arrays(x, timesteps=lookup)`: x at the item the lookup names."""
    data, valid = array.data, xr.DataArray(True)
    for dim, name in lookups.items():
        lookup = ctx.raw(name)
        constant_along = isinstance(data, xr.DataArray) and dim not in data.dims
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
        if not constant_along:  # a parameter that does not vary along `dim` stays as it is
            data = data.isel({dim: indexer})
        if f"__{dim}" in data.dims:  # the lookup runs along the same dim: relabel it
            data = data.drop_vars(dim).rename({f"__{dim}": dim})
        valid = valid & found
    undefined = ~valid if array.undefined is None else (array.undefined | ~valid)
    data = data.where(valid) if not isinstance(data, xr.DataArray) else data.where(valid, 0)
    return Term(data, undefined)


def _positions(labels: pd.Index, wanted: np.ndarray) -> np.ndarray:
    """Integer position of each wanted label in `labels` (-1 where absent or undefined)."""
    flat = pd.Series(wanted.ravel(), dtype=object)
    if labels.dtype.kind == "M":
        flat = pd.to_datetime(flat, errors="coerce")
    return labels.get_indexer(pd.Index(flat)).reshape(wanted.shape)


def default_if_empty(ctx: Context, var: Term, default: Term | None = None) -> Term:
    """`default_if_empty(x, default=0)`: x, with its undefined entries set to the default."""
    value = default.data if default is not None else 0
    data = var.data
    if var.undefined is not None and isinstance(data, xr.DataArray):
        data = data.where(~var.undefined, value)
    return Term(data, None)


def group_sum(ctx: Context, array: Term, groupby: str, group_dim: str) -> Term:
    """`group_sum(x, groupby_lookup, group_dim)`: sum x over the items of each group."""
    grouper = ctx.raw(groupby)
    grouper = grouper.where(defined_mask(grouper)).rename(group_dim)
    return Term(array.data.groupby(grouper).sum(), None)


def group_datetime(ctx: Context, array: Term, over: str, group: str) -> Term:
    """`group_datetime(x, timesteps, date)`: sum x within each date/month/… of a datetime dim."""
    keys = getattr(ctx.inputs[over].dt, group)
    if group == "date":
        keys = xr.DataArray(
            pd.to_datetime(ctx.inputs[over].values).strftime("%Y-%m-%d"),
            coords=ctx.inputs[over].coords,
        )
    return Term(array.data.groupby(keys.rename(group)).sum(), None)


def sum_next_n(ctx: Context, array: Term, over: str, N: int) -> Term:  # noqa: N803 - Calliope's name
    """`sum_next_n(x, timesteps, N)`: x summed over this and the next N-1 steps (no wrap-around)."""
    total = array.data
    for offset in range(1, N):  # a loop over N offsets, not over elements
        shifted = array.data.shift({over: -offset})
        total = total + (
            shifted.fillna(0) if not isinstance(shifted, xr.DataArray) else shifted.fillna(0)
        )
    return Term(total, None)


def sum_recent(ctx: Context, array: Term, hours: str, period_starts: str) -> Term:
    """`sum_recent(x, hours=min_up_time, period_starts=cluster_first_timestep)`.

    x summed over this timestep and the earlier ones that began less than `hours` hours before
    it, wrapping around within each period: a period begins at the first timestep and wherever
    the lookup `period_starts` is true (the whole horizon when it is true nowhere; each
    representative period when time is clustered). With hourly steps and 4 hours: this step and
    the 3 before it. A window longer than its period is a ModelError naming where.
    """
    window = ctx.filled(hours).astype(float)
    periods = _periods(ctx, period_starts)
    _check_window(ctx, window, hours, periods)
    previous, elapsed = _lags(periods, _largest(window), ctx)
    included = (elapsed < window) & (elapsed >= 0)  # (…, timesteps, _lag); -1 = past the period
    data = array.data
    if isinstance(data, linopy.Variable):
        data = data.to_linexpr()
    if isinstance(data, linopy.LinearExpression):
        windowed = _windowed_expression(linear_fillna(data, 0), previous, included)
        return Term(windowed, array.undefined)
    values = xr.DataArray(data).broadcast_like(ctx.inputs["timesteps"])
    shifted = values.isel(timesteps=previous).assign_coords(timesteps=values["timesteps"])
    return Term(shifted.where(included, 0).sum("_lag"), array.undefined)


@dataclass(frozen=True)
class _Periods:
    """Each timestep's period: where it starts, how many steps and hours it has."""

    first: np.ndarray  # (timesteps,) position of the period's first timestep
    steps: np.ndarray  # (timesteps,) timesteps in the period
    hours: np.ndarray  # (timesteps,) hours in the period
    offset: np.ndarray  # (timesteps,) hours from the period's start to the timestep's start


def _periods(ctx: Context, period_starts: str) -> _Periods:
    resolution = (
        ctx.filled("timestep_resolution")
        .broadcast_like(ctx.inputs["timesteps"])
        .values.astype(float)
    )
    count = len(resolution)
    starts_at = np.zeros(count, dtype=bool)
    starts_at[0] = True
    marked = ctx.raw(period_starts)
    if "timesteps" in marked.dims:
        starts_at |= marked.fillna(False).astype(bool).values
    begins = np.flatnonzero(starts_at)
    period = np.cumsum(starts_at) - 1  # (timesteps,)
    clock = np.concatenate([[0.0], np.cumsum(resolution)[:-1]])  # hours at each step's start
    return _Periods(
        first=begins[period],
        steps=np.diff(np.append(begins, count))[period],
        hours=np.add.reduceat(resolution, begins)[period],
        offset=clock - clock[begins[period]],
    )


def _largest(window: xr.DataArray) -> float:
    finite = window.values[np.isfinite(window.values)]
    return float(finite.max()) if finite.size else 0.0


def _check_window(ctx: Context, window: xr.DataArray, hours: str, periods: _Periods) -> None:
    too_long = window > float(periods.hours.min())
    if bool(too_long.any()):
        found = too_long.where(too_long, drop=True).to_series().index[:3]
        keys = [key if isinstance(key, tuple) else (key,) for key in found]
        place = "; ".join(
            ", ".join(f"{dim} {label}" for dim, label in zip(too_long.dims, key, strict=True))
            for key in keys
        )
        raise ctx.error(
            f"'{hours}' is longer than one period of the model: "
            f"{_largest(window.where(too_long)):g} h ({place})",
            expected=f"at most {periods.hours.min():g} hours (the shortest period: the horizon, "
            "or one representative period when time is clustered)",
        )


def _lags(periods: _Periods, largest: float, ctx: Context) -> tuple[xr.DataArray, xr.DataArray]:
    """(timesteps, _lag): the position `lag` steps back in the same period, and the hours since.

    Hours since are -1 for lags that go round the whole period (never inside a window).
    """
    shortest_step = float(np.min(periods.hours / periods.steps)) if len(periods.steps) else 1.0
    count = int(min(periods.steps.max(), np.floor(largest / shortest_step) + 1)) if largest else 1
    position = np.arange(len(periods.first))[:, None]  # (timesteps, 1)
    lag = np.arange(count)[None, :]  # (1, _lag)
    first, steps = periods.first[:, None], periods.steps[:, None]
    previous = first + (position - first - lag) % steps
    elapsed = (periods.offset[:, None] - periods.offset[previous]) % periods.hours[:, None]
    elapsed = np.where(lag < steps, elapsed, -1.0)
    coords = {"timesteps": ctx.inputs["timesteps"].values}
    return (
        xr.DataArray(previous, dims=("timesteps", "_lag")),
        xr.DataArray(elapsed, dims=("timesteps", "_lag"), coords=coords),
    )


def _windowed_expression(
    expression: linopy.LinearExpression, previous: xr.DataArray, included: xr.DataArray
) -> linopy.LinearExpression:
    """Σ over lags of the expression at `previous`, each lag's terms kept where `included`."""
    data = expression.data
    shifted = data.isel(timesteps=previous).assign_coords(timesteps=data["timesteps"])
    included = included.broadcast_like(shifted["const"])
    terms = xr.Dataset(
        {
            "coeffs": shifted["coeffs"].where(included, 0.0),
            "vars": shifted["vars"].where(included, -1),
        }
    ).stack(_stacked=("_lag", "_term"))
    terms = terms.drop_vars(["_stacked", "_lag", "_term"]).rename({"_stacked": "_term"})
    summed = terms.assign(const=shifted["const"].where(included, 0.0).sum("_lag"))
    dims = [dim for dim in summed["const"].dims]
    return linopy.LinearExpression(summed.transpose(*dims, "_term"), expression.model)


def minimum(ctx: Context, first: Term, second: Term) -> Term:
    """`minimum(a, b)`: the smaller of two numbers, entry by entry (not of decision variables)."""
    a, b = _numbers("minimum", ctx, first, second)
    return Term(xr.where(a <= b, a, b), combine_undefined(first.undefined, second.undefined))


def maximum(ctx: Context, first: Term, second: Term) -> Term:
    """`maximum(a, b)`: the larger of two numbers, entry by entry (not of decision variables)."""
    a, b = _numbers("maximum", ctx, first, second)
    return Term(xr.where(a >= b, a, b), combine_undefined(first.undefined, second.undefined))


def _numbers(name: str, ctx: Context, *terms: Term) -> list[xr.DataArray]:
    if any(term.is_linear for term in terms):
        raise ctx.error(f"{name}() compares numbers; decision variables would make it non-linear")
    return [xr.DataArray(term.data) for term in terms]


OVER = (("over", "dims"),)
HELPERS: dict[str, Helper] = {
    "any": Helper(args=(("input_component", "condition"),), kwargs=OVER, where=any_over),
    "sum": Helper(args=(("array", "array"),), kwargs=OVER, where=sum_values, expression=sum_term),
    "map_dim": Helper(
        args=(("dim", "dim"), ("mapper", "input")), where=map_dim, expression=map_dim
    ),
    "get_val_at_index": Helper(
        per_dim="integer", one_dim=True, where=get_val_at_index, expression=get_val_at_index
    ),
    "defined": Helper(
        kwargs=(("within", "dims"), ("how", "word")),
        optional=frozenset({"within", "how"}),
        per_dim="items",
        where=defined,
    ),
    "where": Helper(args=(("array", "array"), ("condition", "where_value")), expression=where_term),
    "reduce_carrier_dim": Helper(
        args=(("array", "array"), ("flow_direction", "word")), expression=reduce_carrier_dim
    ),
    "roll": Helper(args=(("array", "array"),), per_dim="integer", expression=roll),
    "select_from_lookup_arrays": Helper(
        args=(("array", "array"),), per_dim="input", expression=select_from_lookup_arrays
    ),
    "default_if_empty": Helper(
        args=(("var", "array"), ("default", "array")),
        optional=frozenset({"default"}),
        expression=default_if_empty,
    ),
    "group_sum": Helper(
        args=(("array", "array"), ("groupby", "input"), ("group_dim", "word")),
        expression=group_sum,
    ),
    "group_datetime": Helper(
        args=(("array", "array"), ("over", "dim"), ("group", "word")), expression=group_datetime
    ),
    "sum_next_n": Helper(
        args=(("array", "array"), ("over", "dim"), ("N", "integer")), expression=sum_next_n
    ),
    "sum_recent": Helper(
        args=(("array", "array"),),
        kwargs=(("hours", "input"), ("period_starts", "input")),
        expression=sum_recent,
    ),
    "minimum": Helper(args=(("first", "array"), ("second", "array")), expression=minimum),
    "maximum": Helper(args=(("first", "array"), ("second", "array")), expression=maximum),
    "is_maximum": Helper(args=(("array", "array"),), kwargs=(("over", "dim"),), where=is_maximum),
}
