"""Build the optimisation program from inputs and math, component by component.

For each active component, in Calliope's order (variables, global expressions, constraints, the
chosen objective; within a section by `order`, then file order):

1. the mask where it exists: `active`(nodes, techs) ∧ every `foreach` dim exists ∧ its `where`,
   with dims outside `foreach` reduced by any() (masks.py);
2. its equations, expanded into every combination of the sub-expression and slice cases they
   use (each case adds its own `where`), evaluated over whole arrays (variants.py);
3. one linopy object per component, living only where its mask is True (constraint rows:
   rows.py).

Memory: variables and expressions are dense arrays over their `foreach` dims with a mask
(linopy labels -1 outside it); constraints are frozen into linopy's sparse (CSR) storage as
they are added, and a constraint that is pointwise along techs or nodes is evaluated only on
the items where it exists (support.py: e.g. storage balances on the storage techs alone). The path to a sparse layout is to stack (nodes, techs) into one dim holding only
the active pairs before building (`Context.inputs` would carry the stacked arrays and
masks.py's foreach mask would use the stacked dim); the evaluators only ever name dims, so they
would not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import linopy
import linopy.constraints
import numpy as np
import xarray as xr

from esmflow.errors import ModelError, closest_name
from esmflow.math.engine import tree
from esmflow.math.engine.checks import run_checks
from esmflow.math.engine.context import Context, make_context
from esmflow.math.engine.masks import (
    component_mask,
    exists_nowhere,
    reduce_to,
    switched_on,
    where_mask,
)
from esmflow.math.engine.resolve import check_math
from esmflow.math.engine.rows import (
    SIGNS,
    constraint_rows,
    is_direct,
    row_signs,
    split_constant,
    subtract,
)
from esmflow.math.engine.support import expanded, narrowed
from esmflow.math.engine.term import (
    LINOPY_TYPES,
    Term,
    combine_undefined,
    compact_terms,
    held_once,
    linear_where,
    stored_expression,
)
from esmflow.math.engine.variants import (
    check_defined,
    check_dims,
    evaluate_term,
    evaluate_variants,
    kept_where,
    model_dims,
    over_mask,
)
from esmflow.math.program import LINOPY_SEMANTICS, Program
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions

# Constraints are frozen into linopy's CSR storage as they are added (only the rows that exist,
# instead of dense arrays with -1 labels): a third less peak memory on a full-year build.
SPARSE_CONSTRAINTS = True


def build_program(inputs: xr.Dataset, math: MathDefinition, options: BuildOptions) -> Program:
    """Evaluate every active component's `where` and `expression` over whole arrays into a Program.

    The program keeps every component's mask (`Program.exists`), so that it can be linked
    back to its inputs later (update.py) without building again.
    """
    ctx = make_context(inputs, math, options)
    check_math(math, ctx)
    run_checks(math, ctx)
    objective = _chosen_objective(math, options)
    if math.piecewise_constraints:
        raise ModelError(
            "piecewise_constraints are not supported yet",
            key_path=f"piecewise_constraints.{next(iter(math.piecewise_constraints))}",
            expected="no active piecewise constraints (set `active: false`)",
        )
    with linopy.options as settings:
        settings(semantics=LINOPY_SEMANTICS)
        model = linopy.Model(sparse=SPARSE_CONSTRAINTS)
        program = Program(model=model)
        for name, definition in in_build_order(math.variables):
            ctx = _add_variable(model, program, name, definition, ctx)
        for name, definition in in_build_order(math.global_expressions):
            ctx = _add_global_expression(program, name, definition, ctx)
        for name, definition in in_build_order(math.constraints):
            _add_constraint(model, program, name, definition, ctx)
        _add_objective(model, program, objective, math.objectives[objective], ctx)
    program.exists = dict(ctx.exists)
    return program


def in_build_order(section: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """A section's components in the order they are built: by `order`, then as listed."""
    items = list(section.items())
    return sorted(
        items, key=lambda item: item[1].get("order", 0) if isinstance(item[1], dict) else 0
    )


def _chosen_objective(math: MathDefinition, options: BuildOptions) -> str:
    name = options.objective
    if name not in math.objectives:
        raise ModelError(
            f"Objective '{name}' is not defined (or not active) in the math",
            key_path="config.build.objective",
            expected=", ".join(sorted(math.objectives)) or "an active objective",
            closest=closest_name(name, math.objectives),
        )
    return name


# --- components --------------------------------------------------------------------------
def _add_variable(
    model: linopy.Model, program: Program, name: str, definition: Mapping[str, Any], ctx: Context
) -> Context:
    found = variable_bounds(name, definition, ctx)
    if found is None:
        return replace(ctx, exists={**ctx.exists, name: xr.DataArray(False)})
    mask, lower, upper = found
    domain = str(definition.get("domain", "real"))
    whole = _whole_entries(name, definition, mask, ctx) if domain != "real" else None
    variable = model.add_variables(
        lower=lower,
        upper=upper,
        name=name,
        mask=mask,
        integer=domain == "integer" and whole is None,
        binary=domain == "binary" and whole is None,
    )
    if whole is not None and bool(whole.any()):
        _tie_to_whole_numbers(model, variable, name, domain, lower, upper, whole)
    if not bool(mask.any()):  # built, as in Calliope, but nowhere: its labels (all -1) held once
        variable.data["labels"] = held_once(variable.labels)
    program.register(name, "variables", list(mask.dims))
    return replace(
        ctx,
        variables={**ctx.variables, name: variable},
        exists={**ctx.exists, name: held_once(mask)},
    )


def _whole_entries(
    name: str, definition: Mapping[str, Any], mask: xr.DataArray, ctx: Context
) -> xr.DataArray | None:
    """Where a variable with `domain_where` takes whole numbers, if only at some entries.

    None when its domain applies to every entry (no `domain_where`, or it holds wherever the
    variable exists): linopy then marks the whole variable integer or binary.
    """
    text = definition.get("domain_where")
    if not isinstance(text, str):
        return None
    whole = mask & where_mask(text, f"variables.{name}.domain_where", ctx)
    whole = reduce_to(whole, list(mask.dims))
    return None if bool((whole == mask).all()) else whole


def _tie_to_whole_numbers(
    model: linopy.Model,
    variable: linopy.Variable,
    name: str,
    domain: str,
    lower: xr.DataArray,
    upper: xr.DataArray,
    whole: xr.DataArray,
) -> None:
    """A variable that is whole at some entries only: a real variable, equal there to a twin.

    linopy marks a whole variable integer or not, so the entries that must be whole get an
    integer (or binary) twin `<name>__whole` and a row `<name>__whole` tying the two.
    """
    twin = model.add_variables(
        lower=lower,
        upper=upper,
        name=f"{name}__whole",
        mask=whole,
        integer=domain == "integer",
        binary=domain == "binary",
    )
    model.add_constraints(variable - twin == 0, name=f"{name}__whole", mask=whole)


def variable_bounds(
    name: str, definition: Mapping[str, Any], ctx: Context
) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray] | None:
    """A variable's mask and its lower and upper bounds on it; None where it exists nowhere."""
    mask = component_mask("variables", name, definition, ctx)
    if exists_nowhere(mask, definition):
        return None
    bounds = definition.get("bounds") or {}
    lower = _bound(bounds.get("min", 0), -np.inf, mask, f"variables.{name}.bounds.min", ctx)
    upper = _bound(bounds.get("max", np.inf), np.inf, mask, f"variables.{name}.bounds.max", ctx)
    if not mask.dims:  # a scalar variable
        mask = mask.expand_dims({"_scalar": [0]}).squeeze("_scalar", drop=True)
    return mask, lower, upper


def _bound(
    spec: Any, unbounded: float, mask: xr.DataArray, key_path: str, ctx: Context
) -> xr.DataArray:
    if isinstance(spec, str):
        values = ctx.filled(spec).astype(float)
        on = switched_on(spec, ctx)  # a bound read from a parameter is switched by its name
        values = values if on is None else values.where(on)
    else:
        values = xr.DataArray(float(spec))
    extra = [dim for dim in values.dims if dim not in mask.dims]
    if extra:
        raise ModelError(
            f"Bound '{spec}' has dims {extra} that are not in foreach", key_path=key_path
        )
    return values.fillna(unbounded).broadcast_like(mask)


def _add_global_expression(
    program: Program, name: str, definition: Mapping[str, Any], ctx: Context
) -> Context:
    combined, exists = global_expression_data(name, definition, ctx)
    if combined is None:  # built nowhere: later references read its default
        return replace(ctx, exists={**ctx.exists, name: exists})
    mask = component_mask("global_expressions", name, definition, ctx)
    combined = stored_expression(combined, (found.labels for found in ctx.variables.values()))
    program.add_expression(name, combined, list(mask.dims))
    return replace(
        ctx,
        expressions={**ctx.expressions, name: combined},
        exists={**ctx.exists, name: held_once(exists)},
    )


def global_expression_data(
    name: str, definition: Mapping[str, Any], ctx: Context
) -> tuple[Any, xr.DataArray]:
    """A global expression (None where it is built nowhere) and where it exists."""
    mask = component_mask("global_expressions", name, definition, ctx)
    if exists_nowhere(mask, definition):
        return None, xr.DataArray(False)
    parts = evaluate_variants("global_expressions", name, definition, mask, ctx)
    exists: xr.DataArray | None = None
    combined: Any = None
    for part_mask, variant, whole in parts:
        # each equation only where it applies, if pointwise there (support.py), then expanded back
        cut_mask, local = narrowed(name, definition, part_mask, whole, "global_expressions")
        term = evaluate_term(variant.expression, local)
        check_defined(term, cut_mask, variant, local)
        if len(parts) == 1:  # one equation: the final `where(exists)` does the masking
            piece = expanded(over_mask(term, cut_mask, local, variant), whole, np.nan)
        else:
            piece = expanded(kept_where(term, cut_mask, local, variant), whole, 0.0)
        combined = piece if combined is None else combined + piece
        exists = part_mask if exists is None else exists | part_mask
        del term, piece, local  # (the last equation's arrays and cut inputs: freed now)
    if combined is None or exists is None:
        return None, xr.zeros_like(mask, dtype=bool)
    combined = compact_terms(combined, fewest_slots=2)  # kept, and read, for the whole build
    if not bool(exists.all()):  # (masking with an all-True mask would change nothing)
        combined = (
            linear_where(combined, exists)
            if isinstance(combined, LINOPY_TYPES)
            else combined.where(exists)
        )
    return combined, exists


def _add_constraint(
    model: linopy.Model, program: Program, name: str, definition: Mapping[str, Any], ctx: Context
) -> None:
    found = constraint_data(name, definition, ctx)
    if found is None:
        return
    rows, mask, exists = found
    model.add_constraints(linopy.constraints.Constraint(rows, model=model), name=name, mask=exists)
    program.register(name, "constraints", list(mask.dims))


def constraint_data(
    name: str, definition: Mapping[str, Any], ctx: Context
) -> tuple[xr.Dataset, xr.DataArray, xr.DataArray] | None:
    """A constraint's rows (linopy's layout), its mask and where it exists; None: no rows."""
    mask = component_mask("constraints", name, definition, ctx)
    if exists_nowhere(mask, definition):
        return None
    mask, ctx = narrowed(name, definition, mask, ctx)  # only where it exists, if pointwise
    parts = evaluate_variants("constraints", name, definition, mask, ctx)
    if not parts:
        return None
    combined: Any = None
    rhs: Any = 0
    signs: list[tuple[xr.DataArray, str]] = []
    exists: xr.DataArray | None = None
    for part_mask, variant, local in parts:
        relation = variant.expression
        if not isinstance(relation, tree.Compare) or relation.op not in SIGNS:
            raise local.error(
                "A constraint equation must be `lhs <= rhs`, `lhs >= rhs` or `lhs == rhs`", relation
            )
        lhs = evaluate_term(relation.left, local)
        right = evaluate_term(relation.right, local)
        undefined = combine_undefined(lhs.undefined, right.undefined)
        if len(parts) == 1 and is_direct(lhs, right):
            # one equation, decision variables only on the left: the constant right-hand side
            # goes straight into the rows (no linopy subtraction); the constraint's mask masks
            check_defined(Term(None, undefined), part_mask, variant, local)
            for side in (lhs, right):
                check_dims(side.data, part_mask, local, variant)
            combined, rhs = lhs.data, right.data
        else:
            difference = Term(subtract(lhs, right), undefined)
            if not difference.is_linear:
                raise local.error("This constraint holds no decision variables", relation)
            check_defined(difference, part_mask, variant, local)
            if len(parts) == 1:  # one equation: the constraint's mask does the masking
                piece = over_mask(difference, part_mask, local, variant)
            else:
                piece = kept_where(difference, part_mask, local, variant)
            combined = piece if combined is None else combined + piece
        signs.append((part_mask, SIGNS[relation.op]))
        exists = part_mask if exists is None else exists | part_mask
    assert exists is not None
    rows = constraint_rows(name, combined, rhs, row_signs(signs, mask), mask, exists, ctx)
    return rows, mask, exists


def _add_objective(
    model: linopy.Model, program: Program, name: str, definition: Mapping[str, Any], ctx: Context
) -> None:
    linear, constant, sense = objective_data(name, definition, ctx, model)
    model.add_objective(linear, sense=sense)
    program.objective_constant = constant
    program.objective_name = name


def objective_data(
    name: str, definition: Mapping[str, Any], ctx: Context, model: linopy.Model
) -> tuple[Any, float, str]:
    """An objective's linear part, its constant (kept aside) and its sense ('min' or 'max')."""
    parts = evaluate_variants("objectives", name, definition, xr.DataArray(True), ctx)
    total: Any = 0
    for _, variant, local in parts:
        term = evaluate_term(variant.expression, local)
        if model_dims(term.data):
            raise local.error(
                f"The objective still has dims {model_dims(term.data)}; sum over them",
                variant.expression,
            )
        total = term.data if isinstance(total, int) else total + term.data
    sense = str(definition.get("sense", "minimise")).lower()
    linear, constant = split_constant(total, model)
    return linear, constant, "max" if sense.startswith("max") else "min"
