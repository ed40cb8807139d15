"""The syntax of `where` and `expression` strings, as one pyparsing grammar built on first use.

The grammar knows no model names: any identifier parses as a `Name`, and `resolve.py` decides
later what it refers to (that is where "Did you mean …?" comes from). One grammar covers both
kinds of string, with Calliope 0.7's precedence, tightest first:

    unary + -  ·  **  ·  * /  ·  + -  ·  == != <= >= < >  ·  NOT  ·  AND OR (same level, left to right)

Atoms: numbers (`1`, `2.5e-3`, `inf`, `.inf`), quoted strings, `True`/`False`, `config.key`,
`$sub_expression`, `[a, b]` lists, `[a, b] in dim` subsets, `x[dim=value, dim2=$slice]`,
`helper(arg, key=value)` calls and bare names. `parse()` caches the tree by string, in the
process and on disk between processes (parse_store.py).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path
from typing import Any

import pyparsing as pp

from esmflow.errors import ModelError
from esmflow.math.engine import tree
from esmflow.math.engine.parse_store import store_for

pp.ParserElement.enable_packrat()  # infix_notation with seven levels needs it to stay linear


def _spanned(element: pp.ParserElement) -> pp.ParserElement:
    """Wrap `element` (whose parse action returns one Node) so the node records its span."""

    def set_span(text: str, loc: int, tokens: pp.ParseResults) -> tree.Node:
        start, node, end = tokens[0], tokens[1][0], tokens[2]
        start += len(text[start:end]) - len(text[start:end].lstrip())  # skip leading blanks
        return dataclasses.replace(node, span=(start, end))

    return pp.Located(element).set_parse_action(set_span)


def _fold_binary(node_type: type[tree.Node]) -> Any:
    def action(loc: int, tokens: pp.ParseResults) -> tree.Node:
        items = list(tokens[0])
        node = items[0]
        for op, right in zip(items[1::2], items[2::2], strict=True):
            node = node_type(op.lower(), node, right, span=(node.span[0], right.span[1]))
        return node

    return action


def _fold_unary(loc: int, tokens: pp.ParseResults) -> tree.Node:
    *ops, node = list(tokens[0])
    for op in reversed(ops):
        if op.lower() == "not":
            node = tree.Not(node, span=(loc, node.span[1]))
        else:
            node = tree.UnaryOp(op, node, span=(loc, node.span[1]))
    return node


def _number(tokens: pp.ParseResults) -> tree.Number:
    text = tokens[0].lower().lstrip(".") if "inf" in tokens[0].lower() else tokens[0]
    return tree.Number(float(text))


def _call(tokens: pp.ParseResults) -> tree.Call:
    args, kwargs = [], []
    for arg in tokens[1:]:
        if isinstance(arg, pp.ParseResults):
            kwargs.append((arg[0], arg[1]))
        else:
            args.append(arg)
    return tree.Call(tokens[0], tuple(args), tuple(kwargs))


def _build_grammar() -> pp.ParserElement:
    keyword = pp.MatchFirst(
        pp.CaselessKeyword(word) for word in ("and", "or", "not", "in", "inf", "true", "false")
    )
    identifier = (~keyword + pp.Word(pp.alphas + "_", pp.alphanums + "_")).set_name("name")
    expression = pp.Forward().set_name("expression")

    number = pp.Regex(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|\.?[iI][nN][fF]\b").set_name("number")
    number.set_parse_action(_number)
    boolean = (pp.CaselessKeyword("true") | pp.CaselessKeyword("false")).set_parse_action(
        lambda t: tree.Bool(t[0].lower() == "true")
    )
    quoted = pp.QuotedString("'", esc_char="\\") | pp.QuotedString('"', esc_char="\\")
    quoted.set_parse_action(lambda t: tree.String(t[0]))
    config_ref = pp.Regex(r"config\.[A-Za-z_][\w.]*\w").set_parse_action(
        lambda t: tree.ConfigRef(t[0].removeprefix("config."))
    )
    sub_expression = pp.Regex(r"\$[A-Za-z_]\w*").set_parse_action(
        lambda t: tree.SubExpression(t[0][1:])
    )
    name = _spanned(identifier.copy().set_parse_action(lambda t: tree.Name(t[0])))

    item_list = pp.Suppress("[") + pp.DelimitedList(expression) + pp.Suppress("]")
    item_list = _spanned(item_list.set_parse_action(lambda t: tree.ListOf(tuple(t))))
    subset = item_list + pp.Suppress(pp.CaselessKeyword("in")) + name
    subset.set_parse_action(lambda t: tree.Subset(t[0], t[1]))

    equals = pp.Regex(r"=(?!=)").suppress()
    selection = pp.Group(identifier + equals + (_spanned(sub_expression) | expression))
    indexed = name + pp.Literal("[").leave_whitespace().suppress()
    indexed += pp.DelimitedList(selection) + pp.Suppress("]")
    indexed.set_parse_action(lambda t: tree.Indexed(t[0], tuple((sel[0], sel[1]) for sel in t[1:])))

    kwarg = pp.Group(identifier + equals + expression)
    call = identifier + pp.Literal("(").leave_whitespace().suppress()
    call += pp.Opt(pp.DelimitedList(kwarg | expression)) + pp.Suppress(")")
    call.set_parse_action(_call)

    atom = (
        _spanned(subset)
        | _spanned(call)
        | _spanned(indexed)
        | item_list
        | _spanned(config_ref)
        | _spanned(sub_expression)
        | _spanned(number)
        | _spanned(boolean)
        | _spanned(quoted)
        | name
    )
    expression <<= pp.infix_notation(
        atom,
        [
            (pp.one_of("+ -"), 1, pp.OpAssoc.RIGHT, _fold_unary),
            (pp.Literal("**"), 2, pp.OpAssoc.LEFT, _fold_binary(tree.BinaryOp)),
            (pp.one_of("* /"), 2, pp.OpAssoc.LEFT, _fold_binary(tree.BinaryOp)),
            (pp.one_of("+ -"), 2, pp.OpAssoc.LEFT, _fold_binary(tree.BinaryOp)),
            (pp.one_of("== != <= >= < >"), 2, pp.OpAssoc.LEFT, _fold_binary(tree.Compare)),
            (pp.CaselessKeyword("not"), 1, pp.OpAssoc.RIGHT, _fold_unary),
            (
                pp.CaselessKeyword("and") | pp.CaselessKeyword("or"),
                2,
                pp.OpAssoc.LEFT,
                _fold_binary(tree.BoolOp),
            ),
        ],
    )
    return expression


@functools.cache
def _grammar() -> pp.ParserElement:
    return _build_grammar()


# trees parsed by earlier processes (parse_store.py): the parser's sources name the file
_STORE = store_for([Path(__file__), Path(tree.__file__)])


@functools.cache
def _parse_cached(text: str) -> tree.Node:
    node = _STORE.get(text)
    if node is None:
        node = _grammar().parse_string(text, parse_all=True)[0]
        _STORE.put(text, node)
    return node


def parse(text: str, kind: str = "expression", key_path: str | None = None) -> tree.Node:
    """Parse one math string into a tree (cached by string).

    `kind` and `key_path` only shape the error message: a syntax error becomes a ModelError
    that underlines where parsing stopped.
    """
    text = str(text)
    unbalanced = _unbalanced_bracket(text)
    if unbalanced is not None:
        raise ModelError(
            f"Could not parse this {kind} string: '{text[unbalanced]}' is never closed"
            if text[unbalanced] in "(["
            else f"Could not parse this {kind} string: '{text[unbalanced]}' closes nothing",
            key_path=key_path,
            span=(text, unbalanced, unbalanced + 1),
        )
    try:
        return _parse_cached(text)
    except pp.ParseBaseException as err:
        position = min(err.loc, len(text))
        found = re.match(r"\S*", text[position:])
        end = position + max(1, len(found.group(0)) if found else 1)
        raise ModelError(
            f"Could not parse this {kind} string: unexpected "
            + (f"'{text[position:end]}'" if position < len(text) else "end of string"),
            key_path=key_path,
            span=(text, position, end),
        ) from None


def _unbalanced_bracket(text: str) -> int | None:
    """Position of the first bracket without a partner (outside quotes), or None."""
    pairs, stack, quote = {")": "(", "]": "["}, [], None
    for position, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([":
            stack.append(position)
        elif char in ")]":
            if not stack or text[stack[-1]] != pairs[char]:
                return position
            stack.pop()
    return stack[-1] if stack else None
