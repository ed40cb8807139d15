"""The where/expression grammar: a table of strings and the trees they parse to."""

from __future__ import annotations

import math

import pytest

from esmflow.errors import ModelError
from esmflow.math.engine import tree as t
from esmflow.math.engine.grammar import parse

x, y, z = t.Name("x"), t.Name("y"), t.Name("z")

CASES = [
    ("x", x),
    ("1.5e3", t.Number(1500.0)),
    (".inf", t.Number(math.inf)),
    ("INF", t.Number(math.inf)),
    ("'per_area'", t.String("per_area")),
    ("True", t.Bool(True)),
    ("false", t.Bool(False)),
    ("x + y * z", t.BinaryOp("+", x, t.BinaryOp("*", y, z))),
    ("(x + y) * z", t.BinaryOp("*", t.BinaryOp("+", x, y), z)),
    ("x - y - z", t.BinaryOp("-", t.BinaryOp("-", x, y), z)),
    ("x ** 2 * y", t.BinaryOp("*", t.BinaryOp("**", x, t.Number(2.0)), y)),
    ("-x", t.UnaryOp("-", x)),
    ("x - -y", t.BinaryOp("-", x, t.UnaryOp("-", y))),
    ("-1 * x", t.BinaryOp("*", t.UnaryOp("-", t.Number(1.0)), x)),
    ("x / y", t.BinaryOp("/", x, y)),
    ("x <= y + 1", t.Compare("<=", x, t.BinaryOp("+", y, t.Number(1.0)))),
    ("x == y", t.Compare("==", x, y)),
    ("x != 'a'", t.Compare("!=", x, t.String("a"))),
    ("x>0", t.Compare(">", x, t.Number(0.0))),
    ("base_tech==supply", t.Compare("==", t.Name("base_tech"), t.Name("supply"))),
    ("x AND NOT y", t.BoolOp("and", x, t.Not(y))),
    ("x and y or z", t.BoolOp("or", t.BoolOp("and", x, y), z)),  # same level, left to right
    ("x or y and z", t.BoolOp("and", t.BoolOp("or", x, y), z)),  # as Calliope 0.7
    ("NOT x==1", t.Not(t.Compare("==", x, t.Number(1.0)))),
    ("x AND (y OR z)", t.BoolOp("and", x, t.BoolOp("or", y, z))),
    ("[a, b] in techs", t.Subset(t.ListOf((t.Name("a"), t.Name("b"))), t.Name("techs"))),
    (
        "config.ensure_feasibility==True",
        t.Compare("==", t.ConfigRef("ensure_feasibility"), t.Bool(True)),
    ),
    ("config.operate.window", t.ConfigRef("operate.window")),
    ("$storage_previous_step", t.SubExpression("storage_previous_step")),
    ("flow_out[carriers=heat]", t.Indexed(t.Name("flow_out"), (("carriers", t.Name("heat")),))),
    (
        "storage[timesteps=$final_step, nodes=a]",
        t.Indexed(
            t.Name("storage"),
            (("timesteps", t.SubExpression("final_step")), ("nodes", t.Name("a"))),
        ),
    ),
    ("sum(x, over=carriers)", t.Call("sum", (x,), (("over", t.Name("carriers")),))),
    (
        "sum(x, over=[nodes, techs])",
        t.Call("sum", (x,), (("over", t.ListOf((t.Name("nodes"), t.Name("techs")))),)),
    ),
    ("roll(x, timesteps=1)", t.Call("roll", (x,), (("timesteps", t.Number(1.0)),))),
    (
        "get_val_at_index(timesteps=-1)",
        t.Call("get_val_at_index", (), (("timesteps", t.UnaryOp("-", t.Number(1.0))),)),
    ),
    (
        "where(x, map_dim(nodes, link_to))",
        t.Call("where", (x, t.Call("map_dim", (t.Name("nodes"), t.Name("link_to")), ())), ()),
    ),
    (
        "defined(techs=[a, b], within=nodes, how=any)",
        t.Call(
            "defined",
            (),
            (
                ("techs", t.ListOf((t.Name("a"), t.Name("b")))),
                ("within", t.Name("nodes")),
                ("how", t.Name("any")),
            ),
        ),
    ),
    (
        "roll($flow, timesteps=1)",
        t.Call("roll", (t.SubExpression("flow"),), (("timesteps", t.Number(1.0)),)),
    ),
    ("inflow", t.Name("inflow")),  # keywords only match whole words
    ("order_x", t.Name("order_x")),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[case[0] for case in CASES])
def test_parses_to_tree(text: str, expected: t.Node) -> None:
    assert parse(text) == expected


def test_spans_point_at_the_source() -> None:
    node = parse("a + sum(flow_out, over=carriers)")
    assert isinstance(node, t.BinaryOp)
    assert node.right.span == (4, 32)
    assert node.left.span == (0, 1)


def test_parse_is_cached_by_string() -> None:
    assert parse("x + y") is parse("x + y")


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            "flow_out <=",
            r"(?s)constraints\.c\.equations\[0\]\.expression.*unexpected end of string",
        ),
        ("flow_out flow_in", r"(?s)\^\^\^\^\^\^\^.*unexpected 'flow_in'"),
        ("x ===  y", r"unexpected"),
        ("sum(x, over=carriers", r"(?s)   \^\n.*'\(' is never closed"),
        ("x[techs=a]] + 1", r"']' closes nothing"),
    ],
)
def test_syntax_errors_point_at_the_token(text: str, pattern: str) -> None:
    with pytest.raises(ModelError, match=pattern):
        parse(text, "expression", key_path="constraints.c.equations[0].expression")
