"""Arrays computed from a solution: the math's `postprocessed` ones, and expressions anew.

The same evaluators as the build, with every variable and global expression replaced by its
solved values (NaN where it does not exist). A postprocessed array exists where its `where`
holds; in `where` strings, solved values can be compared (`flow_cap>0`), as in Calliope 0.7.

`solved_expressions` and `solved_objectives` evaluate the global expressions and objectives
from the variables' values alone: operate mode joins the windows' dispatch into one time axis
and evaluates costs and the objective over all of it; SPORES reports every objective of each
spore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import xarray as xr

from esmflow.math.engine import tree
from esmflow.math.engine.build import in_build_order
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
    ctx = _solved_context(inputs, math, solution, options)
    ctx = replace(ctx, results=ctx.results | frozenset(math.postprocessed))
    return _one_after_another(math.postprocessed.items(), _postprocessed_values, ctx)


def _postprocessed_values(name: str, definition: Any, ctx: Context) -> xr.DataArray | None:
    """A postprocessed array where its `where` holds (None: nowhere)."""
    mask = component_mask("postprocessed", name, definition, ctx)
    if exists_nowhere(mask, definition):
        return None
    return _evaluate(name, definition, mask, ctx)


def solved_expressions(
    inputs: xr.Dataset, math: MathDefinition, solution: xr.Dataset, options: BuildOptions
) -> xr.Dataset:
    """Every global expression of the math, evaluated from the variables in `solution`."""
    variables = solution[[name for name in solution.data_vars if name in math.variables]]
    ctx = _solved_context(inputs, math, variables, options)
    return _one_after_another(
        in_build_order(math.global_expressions), global_expression_values, ctx
    )


def _one_after_another(
    components: Iterable[tuple[str, Any]],
    evaluate: Callable[[str, Any, Context], xr.DataArray | None],
    ctx: Context,
) -> xr.Dataset:
    """Each component's values in turn, every one visible to those after it (None: skipped)."""
    arrays: dict[str, xr.DataArray] = {}
    for name, definition in components:
        values = evaluate(name, definition, ctx)
        if values is None:
            continue
        arrays[name] = values
        ctx = replace(
            ctx,
            expressions={**ctx.expressions, name: values},
            exists={**ctx.exists, name: values.notnull()},
        )
    return xr.Dataset(arrays)


def solved_objectives(
    inputs: xr.Dataset, math: MathDefinition, solution: xr.Dataset, options: BuildOptions
) -> dict[str, float]:
    """The value of every active objective of the math at `solution` (variables and expressions)."""
    ctx = _solved_context(inputs, math, solution, options)
    return {
        name: objective_value(name, definition, ctx) for name, definition in math.objectives.items()
    }


def constraint_values(name: str, definition: dict[str, Any], ctx: Context) -> xr.DataArray | None:
    """lhs − rhs of a constraint's equations at the solution a solved context holds.

    Over the constraint's mask (NaN elsewhere); None where it exists nowhere. With every
    variable at 0 it is the constant of the rows (update.py moves right-hand sides by it).
    """
    mask = component_mask("constraints", name, definition, ctx)
    if exists_nowhere(mask, definition):
        return None
    combined: xr.DataArray | None = None
    for part_mask, variant, local in evaluate_variants("constraints", name, definition, mask, ctx):
        relation = variant.expression
        if not isinstance(relation, tree.Compare):
            continue
        left = xr.DataArray(evaluate_expression(relation.left, local).data)
        right = xr.DataArray(evaluate_expression(relation.right, local).data)
        data = (left - right).astype(float).broadcast_like(part_mask).where(part_mask)
        combined = data if combined is None else combined.fillna(data)
    return None if combined is None else combined.transpose(*mask.dims)


def objective_value(name: str, definition: dict[str, Any], ctx: Context) -> float:
    """An objective's value at the solution a solved context holds."""
    total = 0.0
    for _, variant, local in evaluate_variants(
        "objectives", name, definition, xr.DataArray(True), ctx
    ):
        total += float(xr.DataArray(evaluate_expression(variant.expression, local).data).sum())
    return total


def global_expression_values(
    name: str, definition: dict[str, Any], ctx: Context
) -> xr.DataArray | None:
    """A global expression's values at the solution a solved context holds (None: nowhere)."""
    mask = component_mask("global_expressions", name, definition, ctx)
    if exists_nowhere(mask, definition):
        return None
    return _evaluate(name, definition, mask, ctx, "global_expressions")


def solved_context(
    inputs: xr.Dataset, math: MathDefinition, solution: xr.Dataset, options: BuildOptions
) -> Context:
    """The build's context with every solved array standing in for its variable or expression."""
    return _solved_context(inputs, math, solution, options)


def _solved_context(
    inputs: xr.Dataset, math: MathDefinition, solution: xr.Dataset, options: BuildOptions
) -> Context:
    """The build's context with every solved array standing in for its variable or expression."""
    ctx = make_context(inputs, math, options)
    solved = {name: solution[name] for name in solution.data_vars}
    return replace(
        ctx,
        variables={n: a for n, a in solved.items() if n in math.variables},
        expressions={n: a for n, a in solved.items() if n not in math.variables},
        exists={
            **{n: xr.DataArray(False) for n in ctx.results},
            **{n: a.notnull() for n, a in solved.items()},
        },
        filled_results={},
    )


def _evaluate(
    name: str,
    definition: dict[str, Any],
    mask: xr.DataArray,
    ctx: Context,
    section: str = "postprocessed",
) -> xr.DataArray | None:
    combined: xr.DataArray | None = None
    for part_mask, variant, local in evaluate_variants(section, name, definition, mask, ctx):
        term = evaluate_expression(variant.expression, local)
        data = xr.DataArray(term.data).astype(float)
        if term.undefined is not None:
            data = data.where(~term.undefined)
        data = data.broadcast_like(part_mask).where(part_mask)
        combined = data if combined is None else combined.fillna(data)
    return None if combined is None else combined.transpose(*mask.dims)
