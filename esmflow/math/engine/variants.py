"""A component's equations as variants, where each applies, and each one's term on its mask.

An equation that uses sub-expressions or slices with several cases becomes one variant per
combination of cases; each variant adds its cases' `where`s to the component's mask. Variants
of one component must not overlap. Each variant's expression is evaluated over whole arrays and
placed on the component's foreach dims (an error where it is undefined or has other dims).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import linopy
import xarray as xr

from esmflow.errors import ModelError, closest_name
from esmflow.math.engine import tree
from esmflow.math.engine.context import Context
from esmflow.math.engine.expression import evaluate_expression
from esmflow.math.engine.grammar import parse
from esmflow.math.engine.masks import reduce_to, where_mask
from esmflow.math.engine.term import LINOPY_TYPES, Term, linear_fillna, linear_where


@dataclass(frozen=True)
class Variant:
    """One equation with one choice of case per sub-expression and slice it uses."""

    where: tuple[tuple[str, str], ...]  # (key_path, where string) of every part
    expression: tree.Node
    source: str
    key_path: str
    sub_expressions: Mapping[str, tree.Node]
    slices: Mapping[str, tree.Node]


def variants(section: str, name: str, definition: Mapping[str, Any]) -> Iterator[Variant]:
    """Every equation × every combination of sub-expression and slice cases it uses."""
    base = f"{section}.{name}"
    for index, equation in enumerate(definition.get("equations") or []):
        key_path = f"{base}.equations[{index}]"
        source = str(equation["expression"])
        expression = parse(source, "expression", f"{key_path}.expression")
        wheres = ((f"{key_path}.where", equation["where"]),) if equation.get("where") else ()
        subs = _cases(base, "sub_expressions", definition, tree.sub_expression_names(expression))
        for sub_choice in subs:
            sub_trees = {sub: node for sub, (_, node, _) in sub_choice.items()}
            used_slices = tree.slice_names(expression)
            for node in sub_trees.values():
                used_slices += [s for s in tree.slice_names(node) if s not in used_slices]
            for slice_choice in _cases(base, "slices", definition, used_slices):
                parts = [*wheres]
                for choice in (sub_choice, slice_choice):
                    parts += [(kp, w) for kp, _, w in choice.values() if w]
                yield Variant(
                    where=tuple(parts),
                    expression=expression,
                    source=source,
                    key_path=f"{key_path}.expression",
                    sub_expressions=sub_trees,
                    slices={s: node for s, (_, node, _) in slice_choice.items()},
                )


def _cases(
    base: str, group: str, definition: Mapping[str, Any], names: list[str]
) -> list[dict[str, tuple[str, tree.Node, str | None]]]:
    """All combinations of cases for `names` in `group` (sub_expressions or slices)."""
    options = []
    for sub in names:
        cases = (definition.get(group) or {}).get(sub)
        if not cases:
            raise ModelError(
                f"'${sub}' is not defined under {group}",
                key_path=f"{base}.{group}",
                closest=closest_name(sub, definition.get(group) or {}),
            )
        parsed = []
        for index, case in enumerate(cases):
            key_path = f"{base}.{group}.{sub}[{index}]"
            node = parse(str(case["expression"]), "expression", f"{key_path}.expression")
            parsed.append((f"{key_path}.where", node, case.get("where")))
        options.append(parsed)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*options)]


def evaluate_variants(
    section: str, name: str, definition: Mapping[str, Any], top: xr.DataArray, ctx: Context
) -> list[tuple[xr.DataArray, Variant, Context]]:
    """Each variant with its mask (top mask ∧ its wheres, reduced to foreach) and context."""
    foreach = list(definition.get("foreach") or [])
    found: list[tuple[xr.DataArray, Variant, Context]] = []
    if not bool(top.any()):  # exists nowhere: no equation needs its `where` evaluated
        return found
    for variant in variants(section, name, definition):
        mask = top
        for key_path, where in variant.where:
            mask = mask & where_mask(str(where), key_path, ctx)
        mask = reduce_to(mask, foreach) if variant.where else mask
        if not bool(mask.any()):
            continue
        for earlier, other, _ in found:
            overlap = earlier & mask
            if bool(overlap.any()):
                first = overlap.where(overlap, drop=True).to_series().index[0]
                raise ModelError(
                    f"Two equations apply to the same entries (e.g. {first}); "
                    "their `where`s must not overlap",
                    key_path=f"{other.key_path} and {variant.key_path}",
                )
        local = replace(
            ctx,
            source=variant.source,
            key_path=variant.key_path,
            sub_expressions=variant.sub_expressions,
            slices=variant.slices,
        )
        found.append((mask, variant, local))
    return found


# --- a variant's term on its mask ---------------------------------------------------------
def evaluate_term(node: tree.Node, ctx: Context) -> Term:
    """Evaluate, turning data/linopy errors into a ModelError at this string."""
    try:
        return evaluate_expression(node, ctx)
    except ModelError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as err:
        raise ctx.error(
            f"Could not evaluate this expression: {type(err).__name__}: {err}", node
        ) from err


def check_defined(term: Term, mask: xr.DataArray, variant: Variant, ctx: Context) -> None:
    """A math error if the term is undefined somewhere its mask selects."""
    if term.undefined is None:
        return
    missing = term.undefined & mask
    if bool(missing.any()):
        first = missing.where(missing, drop=True).to_series().index[0]
        raise ctx.error(
            "The expression has no value for some entries its `where` selects "
            f"(e.g. {first}): a parameter without data or default, or a `where(...)` outside its condition",
            variant.expression,
            expected="extend the `where` so it only selects entries with data",
        )


def check_dims(data: Any, mask: xr.DataArray, ctx: Context, variant: Variant) -> None:
    """A math error if the data has dims outside the component's foreach."""
    extra = [dim for dim in model_dims(data) if dim not in mask.dims]
    if extra:
        raise ctx.error(
            f"The expression has dims {extra} that are not in foreach {list(mask.dims)}",
            variant.expression,
            expected="sum over them, or add them to foreach",
        )


def over_mask(term: Term, mask: xr.DataArray, ctx: Context, variant: Variant) -> Any:
    """The term over exactly the foreach dims (an error if it has others)."""
    data = term.data
    check_dims(data, mask, ctx, variant)
    if isinstance(data, LINOPY_TYPES):
        if isinstance(data, linopy.Variable):
            data = 1 * data
        if set(model_dims(data)) != set(mask.dims):
            data = data + xr.zeros_like(mask, dtype=float)
        return data
    return xr.DataArray(data).broadcast_like(mask)


def kept_where(term: Term, mask: xr.DataArray, ctx: Context, variant: Variant) -> Any:
    """The term kept where `mask` holds (0 elsewhere), broadcast over every foreach dim."""
    data = over_mask(term, mask, ctx, variant)
    if isinstance(data, LINOPY_TYPES):
        return linear_fillna(linear_where(data, mask), 0)
    return data.where(mask, 0)


def model_dims(data: Any) -> list[str]:
    """The model dims of an array or linopy object (without linopy's helper dim `_term`)."""
    return [str(dim) for dim in getattr(data, "dims", ()) if not str(dim).startswith("_")]
