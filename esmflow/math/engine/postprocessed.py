"""The math's `postprocessed` arrays: evaluated from the solution after the solve.

The same evaluators as the build, with every variable and global expression replaced by its
solved values (NaN where it does not exist). A postprocessed array exists where its `where`
holds; in `where` strings, solved values can be compared (`flow_cap>0`), as in Calliope 0.7.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import xarray as xr

from esmflow.math.engine.context import Context, make_context
from esmflow.math.engine.expression import evaluate_expression
from esmflow.math.engine.masks import component_mask, exists_nowhere
from esmflow.math.engine.variants import evaluate_variants
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions


def evaluate_postprocessed(
    inputs: xr.Dataset, math: MathDefinition, solution: xr.Dataset, options: BuildOptions
) -> xr.Dataset:
    """Every active postprocessed array of the math, computed from `solution`."""
    ctx = make_context(inputs, math, options)
    solved = {name: solution[name] for name in solution.data_vars}
    ctx = replace(
        ctx,
        results=ctx.results | frozenset(math.postprocessed),
        variables={n: a for n, a in solved.items() if n in math.variables},
        expressions={n: a for n, a in solved.items() if n not in math.variables},
        exists={
            **{n: xr.DataArray(False) for n in ctx.results},
            **{n: a.notnull() for n, a in solved.items()},
        },
        filled_results={},
    )
    arrays: dict[str, xr.DataArray] = {}
    for name, definition in math.postprocessed.items():
        mask = component_mask("postprocessed", name, definition, ctx)
        if exists_nowhere(mask, definition):
            continue
        values = _evaluate(name, definition, mask, ctx)
        if values is None:
            continue
        arrays[name] = values
        ctx = replace(
            ctx,
            expressions={**ctx.expressions, name: values},
            exists={**ctx.exists, name: values.notnull()},
        )
    return xr.Dataset(arrays)


def _evaluate(
    name: str, definition: dict[str, Any], mask: xr.DataArray, ctx: Context
) -> xr.DataArray | None:
    combined: xr.DataArray | None = None
    for part_mask, variant, local in evaluate_variants(
        "postprocessed", name, definition, mask, ctx
    ):
        term = evaluate_expression(variant.expression, local)
        data = xr.DataArray(term.data).astype(float)
        if term.undefined is not None:
            data = data.where(~term.undefined)
        data = data.broadcast_like(part_mask).where(part_mask)
        combined = data if combined is None else combined.fillna(data)
    return None if combined is None else combined.transpose(*mask.dims)
