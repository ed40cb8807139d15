"""The parse tree of `where` and `expression` strings: small frozen dataclasses.

Every node keeps `span`, the (start, end) character positions of the text it came from, so
error messages can underline the offending token. The tree holds no model data and no state;
`resolve.py`, `where.py` and `expression.py` are separate walkers over it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields

Span = tuple[int, int]


@dataclass(frozen=True)
class Node:
    """Base of all tree nodes."""

    span: Span = field(default=(0, 0), kw_only=True, compare=False)

    def children(self) -> Iterator[Node]:
        """Direct child nodes, in source order."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                for item in value:
                    if isinstance(item, Node):
                        yield item
                    elif isinstance(item, tuple):  # (key, node) pairs
                        yield from (part for part in item if isinstance(part, Node))


@dataclass(frozen=True)
class Number(Node):
    """A numeric literal (`1`, `0.5`, `1e6`, `inf`, `.inf`)."""

    value: float


@dataclass(frozen=True)
class String(Node):
    """A quoted string literal (`'supply'`)."""

    value: str


@dataclass(frozen=True)
class Bool(Node):
    """`True` / `False` (any case)."""

    value: bool


@dataclass(frozen=True)
class Name(Node):
    """A bare identifier: a parameter, lookup, dimension, variable, expression — or, where a
    string is allowed (comparison right-hand sides, helper arguments, index values), a plain word."""

    name: str


@dataclass(frozen=True)
class ConfigRef(Node):
    """`config.some.key`: a value from the build configuration."""

    key: str


@dataclass(frozen=True)
class SubExpression(Node):
    """`$name`: a sub-expression (in arithmetic) or a slice (inside `[dim=$name]`)."""

    name: str


@dataclass(frozen=True)
class ListOf(Node):
    """`[a, b, 1]`."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Indexed(Node):
    """`x[dim=value, …]`: pick items of `x` along dims."""

    target: Name
    selections: tuple[tuple[str, Node], ...]


@dataclass(frozen=True)
class Call(Node):
    """`helper(arg, …, key=value, …)`."""

    name: str
    args: tuple[Node, ...]
    kwargs: tuple[tuple[str, Node], ...]

    def kwarg(self, key: str) -> Node | None:
        """The node given for keyword `key`, or None."""
        return next((node for name, node in self.kwargs if name == key), None)


@dataclass(frozen=True)
class UnaryOp(Node):
    """`-x` / `+x`."""

    op: str
    operand: Node


@dataclass(frozen=True)
class BinaryOp(Node):
    """Arithmetic `+ - * / **`."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare(Node):
    """`== != <= >= < >`: a constraint in an equation, a test in a where string."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Not(Node):
    """`NOT x`."""

    operand: Node


@dataclass(frozen=True)
class BoolOp(Node):
    """`AND` / `OR` (same precedence, left to right, as in Calliope 0.7)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Subset(Node):
    """`[a, b] in dim`: True where the dimension's item is one of the listed ones."""

    items: ListOf
    dim: Name


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    yield node
    for child in node.children():
        yield from walk(child)


def referenced_names(node: Node) -> set[str]:
    """Every bare name the tree mentions (targets, operands, helper arguments; not keywords)."""
    return {n.name for n in walk(node) if isinstance(n, Name)}


def sub_expression_names(node: Node) -> list[str]:
    """The `$name`s used as sub-expressions (outside index brackets), in order of appearance."""
    return _unique(n.name for n in _walk_outside_index(node) if isinstance(n, SubExpression))


def slice_names(node: Node) -> list[str]:
    """The `$name`s used inside `x[dim=$name]`, in order of appearance."""
    names = (
        value.name
        for n in walk(node)
        if isinstance(n, Indexed)
        for _, value in n.selections
        if isinstance(value, SubExpression)
    )
    return _unique(names)


def _walk_outside_index(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, Indexed):
        return
    for child in node.children():
        yield from _walk_outside_index(child)


def _unique(items: Iterator[str]) -> list[str]:
    return list(dict.fromkeys(items))
