"""A constraint (an equation) evaluated only over the techs (nodes) where it exists, if its math allows.

Every array of the build is dense over its dims, so a constraint of storage techs alone is
evaluated over every tech: on the synthetic 20-node family, `balance_storage` lives on 40 of
660 node–tech cells and its evaluation held 1.2 GB of transient arrays, most of them fill. A
constraint is *pointwise* along a dim when each of its rows reads only its own item of that
dim: no sum, roll, selection or lookup along it, no `defined(...)` (which reads other items),
no grouping. Such a constraint gives exactly the same rows when evaluated on the items where
its mask holds anywhere, so the build does that when they are fewer than half of the dim's
items: inputs, variables and expressions are cut to those items first (a context of their
own, with its own memo), and the constraint is added to linopy over them. The program handed
to the solver is the same, in the same order: the rows of the items left out did not exist,
and linopy numbers rows in the order of the constraint's cells either way (checked in
tests/test_constraint_support.py against the unnarrowed build).

A global expression's equations are evaluated the same way, each on the items where its own
`where` holds (the equation of the supply techs on the supply techs), and the result is
expanded back over the whole dims before it is kept: later components read it there. Variables
are never cut.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import xarray as xr

from esmflow.math.engine import tree
from esmflow.math.engine.context import Context
from esmflow.math.engine.grammar import parse

# Dims a constraint may be narrowed along, and when: fewer than this share of the items kept.
NARROWABLE = ("techs", "nodes")
NARROW_BELOW = 0.5
# Helpers that read only the entry they are at, along any dim their arguments do not name.
_POINTWISE_HELPERS = frozenset(
    {
        "where",
        "reduce_carrier_dim",
        "default_if_empty",
        "minimum",
        "maximum",
        "map_dim",
        "sum",
        "any",
        "roll",
        "select_from_lookup_arrays",
        "get_val_at_index",
        "sum_next_n",
        "sum_recent",
        "group_datetime",
    }
)


def narrowed(
    name: str,
    definition: Mapping[str, Any],
    mask: xr.DataArray,
    ctx: Context,
    section: str = "constraints",
) -> tuple[xr.DataArray, Context]:
    """The component's mask and context, cut to the items where it exists along the dims it
    is pointwise along (unchanged if none qualifies)."""
    picks: dict[str, np.ndarray] = {}
    for dim in NARROWABLE:
        if dim not in mask.dims:
            continue
        others = [other for other in mask.dims if other != dim]
        kept = (mask.any(others) if others else mask).values
        if 0 < kept.sum() < NARROW_BELOW * kept.size:
            picks[dim] = np.flatnonzero(kept)
    if not picks:
        return mask, ctx
    picks = {
        dim: at
        for dim, at in picks.items()
        if pointwise_along(dim, f"{section}.{name}", definition, ctx)
    }
    if not picks:
        return mask, ctx
    return mask.isel(picks), cut_context(ctx, picks)


def pointwise_along(dim: str, key_path: str, definition: Mapping[str, Any], ctx: Context) -> bool:
    """True if every string of the component (`section.name`) reads only its own item along `dim`."""
    key = ("pointwise", key_path, dim)
    if key not in ctx.memo:
        from esmflow.math.schema import component_strings

        strings = component_strings(key_path, definition)
        ctx.memo[key] = all(
            _pointwise(parse(text, kind, key_path=string_path), dim)
            for kind, string_path, text in strings
        )
    return bool(ctx.memo[key])


def _pointwise(root: tree.Node, dim: str) -> bool:
    for node in tree.walk(root):
        if isinstance(node, tree.Indexed) and any(picked == dim for picked, _ in node.selections):
            return False
        if isinstance(node, tree.Call) and not _pointwise_call(node, dim):
            return False
    return True


def _pointwise_call(call: tree.Call, dim: str) -> bool:
    if call.name not in _POINTWISE_HELPERS:
        return False
    if any(key == dim for key, _ in call.kwargs):  # roll(x, techs=1), select…(x, nodes=lookup)
        return False
    words = {  # every dim or word the call names: `over=[nodes, techs]`, `group_datetime(x, techs…`
        found.name if isinstance(found, tree.Name) else found.value
        for argument in (*call.args, *(node for _, node in call.kwargs))
        for found in tree.walk(argument)
        if isinstance(found, tree.Name | tree.String)
    }
    return dim not in words


def cut_context(ctx: Context, picks: Mapping[str, np.ndarray]) -> Context:
    """The context over the picked items (positions) of some dims: inputs, built components and
    their masks cut alike; memo and filled results of its own (theirs are over the whole dims).
    Built components are cut when first read (linopy's `isel` costs ~1 ms each, and a
    constraint reads a few of the dozens built)."""
    return replace(
        ctx,
        inputs=_cut(ctx.inputs, picks),
        variables=_CutOnRead(ctx.variables, picks),
        expressions=_CutOnRead(ctx.expressions, picks),
        exists=_CutOnRead(ctx.exists, picks),
        memo={key: value for key, value in ctx.memo.items() if key[0] == "pointwise"},
        filled_results={},
    )


def _cut(array: Any, picks: Mapping[str, np.ndarray]) -> Any:
    own = {dim: at for dim, at in picks.items() if dim in getattr(array, "dims", ())}
    return array.isel(own) if own else array


class _CutOnRead(Mapping[str, Any]):
    """A mapping of built components, each cut to the picked items when first read."""

    def __init__(self, whole: Mapping[str, Any], picks: Mapping[str, np.ndarray]) -> None:
        self._whole = whole
        self._picks = picks
        self._cut: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._cut:
            self._cut[name] = _cut(self._whole[name], self._picks)
        return self._cut[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._whole)

    def __len__(self) -> int:
        return len(self._whole)

    def __contains__(self, name: object) -> bool:
        return name in self._whole


def expanded(piece: Any, ctx: Context, fill: float) -> Any:
    """A piece evaluated on cut dims, over the whole dims of `ctx` again (`fill` elsewhere:
    NaN = absent, 0 = a zero with no terms)."""
    whole = {
        dim: ctx.inputs[dim].values
        for dim in NARROWABLE
        if dim in getattr(piece, "dims", ()) and piece.sizes[dim] != ctx.inputs.sizes[dim]
    }
    if not whole:
        return piece
    if isinstance(piece, xr.DataArray):
        return piece.reindex(whole, fill_value=fill)
    grown = piece.reindex(whole)  # absent there: no term, constant NaN
    return grown if np.isnan(fill) else grown.fillna(fill)
