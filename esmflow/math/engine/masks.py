"""Where a component exists: `active` ∧ its foreach dims exist ∧ its `where` strings ∧ switches.

A mask is a boolean array over (at most) the component's foreach dims. Masks only depend on the
inputs, the config and the components built so far, and the same `where` strings and foreach
lists recur across dozens of components, so each is evaluated once per build and kept in the
build's memo (`Context.memo`), keyed on what it reads.

Switches: a tech (at every node, or at one) may turn a component off, `switches: {name: false}`.
Preprocessing gathers them into one input array, `switches` (nodes, techs, components: 1 on,
0 off, NaN not set); every component whose foreach includes techs is ANDed with it here, and
so is a variable bound read from a parameter (the switch is named after the parameter,
e.g. `flow_cap_max`). Switching a component on (`true`) changes no mask: preprocessing checks
that the component applies there (`esmflow.preprocess.switches`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import xarray as xr

from esmflow.math.engine import tree
from esmflow.math.engine.context import Context
from esmflow.math.engine.grammar import parse
from esmflow.math.engine.term import held_once
from esmflow.math.engine.where import evaluate_where

SWITCHES = "switches"  # the input array of switches, (nodes, techs, components)
SWITCH_DIM = "components"


def component_mask(
    section: str, name: str, definition: Mapping[str, Any], ctx: Context
) -> xr.DataArray:
    """Where a component may exist: active ∧ foreach dims ∧ its top-level `where`."""
    foreach = list(definition.get("foreach") or [])
    if any(dim not in ctx.inputs.dims for dim in foreach):
        return xr.DataArray(False)
    mask = _foreach_mask(tuple(foreach), ctx)
    where = definition.get("where")
    if isinstance(where, str):
        key_path = f"{section}.{name}.where"
        mask = mask & where_mask(where, key_path, ctx)
    on = switched_on(name, ctx) if "techs" in foreach else None
    if on is not None:
        mask = mask & (on if "nodes" in foreach else on.any("nodes"))
    return reduce_to(mask, foreach)


def switched_on(name: str, ctx: Context) -> xr.DataArray | None:
    """(nodes, techs): False where a switch turns `name` off; None where no switch names it."""
    if SWITCHES not in ctx.inputs or name not in ctx.inputs[SWITCH_DIM].values:
        return None
    return ctx.inputs[SWITCHES].sel({SWITCH_DIM: name}, drop=True) != 0


def _foreach_mask(foreach: tuple[str, ...], ctx: Context) -> xr.DataArray:
    """`active` ∧ every foreach dim exists (shared by all components with this foreach)."""
    key = ("foreach", foreach)
    if key not in ctx.memo:
        mask = ctx.raw("active") if "active" in ctx.inputs else xr.DataArray(True)
        for dim in foreach:
            mask = mask & xr.ones_like(ctx.inputs[dim], dtype=bool)
        ctx.memo[key] = held_once(mask)  # (most masks are the same at every timestep)
    return ctx.memo[key]


def exists_nowhere(mask: xr.DataArray, definition: Mapping[str, Any]) -> bool:
    """True if a foreach dim is missing from the data (Calliope then skips the component)."""
    return mask.ndim != len(definition.get("foreach") or [])


def where_mask(text: str, key_path: str, ctx: Context) -> xr.DataArray:
    """A where string's mask, evaluated once per build for each state of what it reads.

    Besides the inputs and config (fixed during a build) a where string reads the variables
    and expressions it names: the key holds the objects it would read for those, and the
    cache entry keeps them alive so their ids stay unique.
    """
    node = parse(text, "where", key_path)
    read = tuple(
        (ctx.exists.get(name), ctx.variables.get(name), ctx.expressions.get(name))
        for name in sorted(_names_in(node, text, ctx))
        if ctx.is_result(name)
    )
    key = ("where", text, tuple(id(item) for states in read for item in states))
    if key not in ctx.memo:
        local = replace(ctx, source=text, key_path=key_path)
        ctx.memo[key] = (held_once(evaluate_where(node, local)), read)
    return ctx.memo[key][0]


def _names_in(node: tree.Node, text: str, ctx: Context) -> frozenset[str]:
    key = ("names", text)
    if key not in ctx.memo:
        ctx.memo[key] = frozenset(tree.referenced_names(node))
    return ctx.memo[key]


def reduce_to(mask: xr.DataArray, foreach: list[str]) -> xr.DataArray:
    """The mask over exactly the foreach dims, in foreach order (other dims reduced by any())."""
    extra = [dim for dim in mask.dims if dim not in foreach]
    mask = mask.any(extra) if extra else mask
    missing = [dim for dim in foreach if dim not in mask.dims]
    if missing:  # the foreach mask ANDs every foreach dim in: a missing one is our bug
        raise AssertionError(f"mask lacks foreach dims {missing}")
    return mask.transpose(*foreach)
