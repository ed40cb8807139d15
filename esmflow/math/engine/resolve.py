"""Check every name in every math string before anything is evaluated.

One walk per string: each name must be a dimension, parameter, lookup, variable or global
expression (or, where a plain word is allowed, anything); each helper must exist and be allowed
in this kind of string; `over=` must name dimensions; `$name` must be a defined sub-expression
or slice. All problems of the whole math are collected and raised together, each pointing at
the YAML key path and underlining the token, with the closest valid name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from esmflow.errors import ModelError, ProblemCollector, closest_name
from esmflow.math.engine import helpers, tree
from esmflow.math.engine.context import Context
from esmflow.math.engine.grammar import parse
from esmflow.math.schema import MathDefinition, component_strings

# Where a bare word is read as a plain string instead of a model name.
_WORD = "word"
_ARRAY = "array"
# Helper argument kinds (helpers.py) whose names are dimensions, and those that are plain words;
# the names in all other kinds must be model names.
_DIM_KINDS = frozenset({"dims", "dim"})
_WORD_KINDS = frozenset({"items", "word", "integer"})
# Helper argument kinds written in the where language, in expression strings too (`where(x,
# base_tech==supply)`): checked as where strings, as the evaluators read them.
_WHERE_KINDS = frozenset({"condition", "where_value", "items"})


def check_math(math: MathDefinition, ctx: Context) -> None:
    """Raise one ModelError listing every unknown name or misused helper in the active math."""
    problems = ProblemCollector()
    known = _known_names(math, ctx)
    for section, name, definition in math.components():
        if section == "postprocessed":
            continue  # evaluated after the solve, where results may be compared by value
        _check_declarations(section, name, definition, known, math, problems)
        for kind, key_path, text in component_strings(f"{section}.{name}", definition):
            file = math.origin(key_path)
            try:
                node = parse(text, kind, key_path)
            except ModelError as err:
                problems.problems.extend(replace(p, file=file) for p in err.problems)
                continue
            for message, bad, fields in _visit(node, _ARRAY, kind, known, definition):
                problems.add(
                    message, file=file, key_path=key_path, span=(text, *bad.span), **fields
                )
    problems.raise_if_any()


def _known_names(math: MathDefinition, ctx: Context) -> dict[str, set[str]]:
    return {
        "dims": set(ctx.dimensions),
        "arrays": set(ctx.parameters)
        | set(ctx.lookups)
        | set(math.variables)
        | set(math.global_expressions)
        | set(ctx.dimensions),
    }


def _check_declarations(
    section: str,
    name: str,
    definition: dict[str, Any],
    known: dict[str, set[str]],
    math: MathDefinition,
    problems: ProblemCollector,
) -> None:
    """`foreach` names dimensions; variable `bounds` name parameters (or are numbers)."""
    base = f"{section}.{name}"
    for dim in definition.get("foreach") or []:
        if dim not in known["dims"]:
            problems.add(
                f"'{dim}' is not a dimension",
                file=math.origin(base),
                key_path=f"{base}.foreach",
                expected=_dim_list(known),
                closest=closest_name(str(dim), known["dims"]),
            )
    for side, bound in (definition.get("bounds") or {}).items():
        if isinstance(bound, str) and bound not in known["arrays"]:
            problems.add(
                f"Bound '{bound}' is not a parameter",
                file=math.origin(base),
                key_path=f"{base}.bounds.{side}",
                closest=closest_name(bound, known["arrays"]),
            )


def _visit(
    node: tree.Node,
    position: str,
    kind: str,
    known: dict[str, set[str]],
    definition: dict[str, Any],
) -> Iterator[tuple[str, tree.Node, dict[str, Any]]]:
    match node:
        case tree.Name(name=name):
            if position == _ARRAY and name not in known["arrays"]:
                yield (
                    f"'{name}' is not a parameter, lookup, dimension, variable or global expression",
                    node,
                    {"closest": closest_name(name, known["arrays"])},
                )
            return
        case tree.Compare(left=left, right=right):
            yield from _visit(left, _ARRAY, kind, known, definition)
            yield from _visit(right, _WORD if kind == "where" else _ARRAY, kind, known, definition)
            return
        case tree.Subset(items=items, dim=dim):
            yield from _dim_names(dim, known)
            for item in items.items:
                yield from _visit(item, _WORD, kind, known, definition)
            return
        case tree.Indexed(target=target, selections=selections):
            yield from _visit(target, _ARRAY, kind, known, definition)
            for dim, pick in selections:
                if dim not in known["dims"]:
                    yield (
                        f"'{dim}' is not a dimension",
                        pick,
                        {"expected": _dim_list(known), "closest": closest_name(dim, known["dims"])},
                    )
                yield from _visit(pick, _WORD, kind, known, definition)
            return
        case tree.SubExpression(name=name):
            group = "slices" if position == _WORD else "sub_expressions"
            defined = definition.get(group) or {}
            if name not in defined:
                yield (
                    f"'${name}' is not defined under this component's {group}",
                    node,
                    {"closest": closest_name(name, defined)},
                )
            return
        case tree.Call():
            yield from _call(node, kind, known, definition)
            return
        case tree.ListOf(items=items):
            for item in items:
                yield from _visit(item, position, kind, known, definition)
            return
    for child in node.children():
        yield from _visit(
            child, position if position == _ARRAY else _ARRAY, kind, known, definition
        )


def _call(
    call: tree.Call, kind: str, known: dict[str, set[str]], definition: dict[str, Any]
) -> Iterator[tuple[str, tree.Node, dict[str, Any]]]:
    bound = helpers.bind(call, kind)
    yield from bound.problems
    for argument in bound.arguments:
        if argument.is_dim and argument.name not in known["dims"]:
            yield (
                f"'{argument.name}' is not a dimension",
                argument.node,
                {
                    "expected": _dim_list(known),
                    "closest": closest_name(argument.name, known["dims"]),
                },
            )
        if argument.kind in _DIM_KINDS:
            yield from _dim_names(argument.node, known)
        else:
            position = _WORD if argument.kind in _WORD_KINDS else _ARRAY
            language = "where" if argument.kind in _WHERE_KINDS else kind
            yield from _visit(argument.node, position, language, known, definition)


def _dim_names(
    node: tree.Node, known: dict[str, set[str]]
) -> Iterator[tuple[str, tree.Node, dict[str, Any]]]:
    names = node.items if isinstance(node, tree.ListOf) else (node,)
    for item in names:
        if isinstance(item, tree.Name) and item.name not in known["dims"]:
            yield (
                f"'{item.name}' is not a dimension",
                item,
                {"expected": _dim_list(known), "closest": closest_name(item.name, known["dims"])},
            )


def _dim_list(known: dict[str, set[str]]) -> str:
    return "one of " + ", ".join(sorted(known["dims"]))
