"""Every component of the shipped math files, as a modeller looks it up: `esmflow math list`.

For each variable, global expression and constraint (and each variable bound read from a
parameter): the file it comes from and the files that change it, its description, formula,
the parameters it reads, Macro's names for it, and whether a tech's `switches:` can turn it
off. The same list renders as the docs page `docs/math.md` (tests/test_math_catalog.py fails
when the page is stale) and gives the names a switch may use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from esmflow.math.engine.grammar import parse
from esmflow.math.engine.tree import referenced_names
from esmflow.math.schema import (
    COMPONENT_SECTIONS,
    MathDefinition,
    builtin_math_names,
    component_strings,
    merge_math,
    read_builtin,
)
from esmflow.vocabulary import MACRO_CONSTRAINTS, macro_aliases_of

LISTED_SECTIONS = ("variables", "global_expressions", "constraints")


@dataclass(frozen=True)
class Entry:
    """One component (or variable bound) of the shipped math."""

    name: str
    kind: str  # variable, global expression, constraint, bound
    file: str
    changed_by: tuple[str, ...]
    description: str
    foreach: tuple[str, ...]
    formula: tuple[str, ...]  # lines: `where`, equations, sub-expression cases
    parameters: tuple[str, ...]
    aliases: tuple[str, ...]

    @property
    def switchable(self) -> bool:
        """A tech's `switches:` may turn it off (its foreach includes techs)."""
        return "techs" in self.foreach


def shipped_math() -> tuple[MathDefinition, dict[str, str], dict[str, list[str]]]:
    """All shipped math files merged; which file defines each component and which change it."""
    merged: dict[str, Any] = {}
    owner: dict[str, str] = {}
    changers: dict[str, list[str]] = {}
    for name in ["base", *[n for n in builtin_math_names() if n != "base"]]:
        data = read_builtin(name)
        for section in LISTED_SECTIONS:
            for component, definition in (data.get(section) or {}).items():
                if isinstance(definition, Mapping) and "foreach" in definition:
                    owner.setdefault(component, f"{name}.yaml")
                else:
                    changers.setdefault(component, []).append(f"{name}.yaml")
        merged = merge_math(merged, data)
    return MathDefinition(merged), owner, changers


def catalog() -> list[Entry]:
    """Every component and parameter bound of the shipped math, in file and build order."""
    math, owner, changers = shipped_math()
    inputs = set(math.parameters) | set(math.lookups)
    entries: list[Entry] = []
    kinds = {"variables": "variable", "global_expressions": "expression", "constraints": "constraint"}
    for section in LISTED_SECTIONS:
        for name, definition in math.data[section].items():
            strings = list(component_strings(f"{section}.{name}", definition))
            entries.append(
                Entry(
                    name=name,
                    kind=kinds[section],
                    file=owner.get(name, "?"),
                    changed_by=tuple(f for f in changers.get(name, []) if f != owner.get(name)),
                    description=" ".join(str(definition.get("description", "")).split()),
                    foreach=tuple(definition.get("foreach") or ()),
                    formula=tuple(_formula(definition)),
                    parameters=tuple(sorted(_names_read(strings) & inputs)),
                    aliases=tuple(macro_aliases_of(name)),
                )
            )
        if section == "variables":
            entries.extend(_bounds(math, owner, inputs))
    return entries


def _bounds(math: MathDefinition, owner: Mapping[str, str], inputs: set[str]) -> list[Entry]:
    """Each variable bound read from a parameter, switchable by that parameter's name."""
    found = []
    for variable, definition in math.data["variables"].items():
        foreach = tuple(definition.get("foreach") or ())
        for side, sign in (("min", ">="), ("max", "<=")):
            parameter = (definition.get("bounds") or {}).get(side)
            if not isinstance(parameter, str) or parameter not in inputs or "techs" not in foreach:
                continue
            found.append(
                Entry(
                    name=parameter,
                    kind="bound",
                    file=owner.get(variable, "?"),
                    changed_by=(),
                    description=f"The {'lower' if side == 'min' else 'upper'} bound of "
                    f"`{variable}`: " + " ".join(str(math.parameters[parameter].get("description", "")).split()),
                    foreach=foreach,
                    formula=(f"{variable} {sign} {parameter}",),
                    parameters=(parameter,),
                    aliases=tuple(macro_aliases_of(parameter)),
                )
            )
    return found


def _formula(definition: Mapping[str, Any]) -> Iterable[str]:
    if isinstance(definition.get("where"), str):
        yield f"where {_one_line(definition['where'])}"
    for equation in definition.get("equations") or []:
        condition = f"   (where {_one_line(equation['where'])})" if equation.get("where") else ""
        yield _one_line(str(equation.get("expression", ""))) + condition
    for group in ("sub_expressions", "slices"):
        for sub, cases in (definition.get(group) or {}).items():
            for case in cases or []:
                condition = f"   (where {_one_line(case['where'])})" if case.get("where") else ""
                yield f"${sub} = {_one_line(str(case.get('expression', '')))}{condition}"
    bounds = definition.get("bounds") or {}
    if bounds and "foreach" in definition and "equations" not in definition:
        yield f"bounds: {bounds.get('min', 0)} ≤ · ≤ {bounds.get('max', '.inf')}"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _names_read(strings: Iterable[tuple[str, str, str]]) -> set[str]:
    names: set[str] = set()
    for kind, key_path, text in strings:
        names |= referenced_names(parse(text, kind, key_path))
    return names


def switch_names(math: MathDefinition | None = None) -> set[str]:
    """Names a `switches:` entry may use: switchable components and bounds, and Macro's names.

    The shipped math's, plus those of `math` (a model's, which may hold its own components).
    """
    names = {entry.name for entry in catalog() if entry.switchable}
    if math is not None:
        for section in LISTED_SECTIONS:
            names |= {
                name
                for name, definition in getattr(math, section).items()
                if "techs" in (definition.get("foreach") or [])
            }
    return names | set(MACRO_CONSTRAINTS)


def components_switched_by(name: str) -> tuple[str, ...]:
    """The components a switch name turns on or off: a Macro name's components, else itself."""
    return MACRO_CONSTRAINTS.get(name, (name,))


def as_text(entries: Iterable[Entry]) -> str:
    """A short table for the terminal: name, kind, file, Macro's names, parameters."""
    rows = [("component", "kind", "file", "Macro's names", "parameters")]
    for entry in entries:
        rows.append(
            (
                entry.name,
                entry.kind,
                entry.file,
                ", ".join(entry.aliases) or "-",
                ", ".join(entry.parameters) or "-",
            )
        )
    widths = [max(len(row[i]) for row in rows[:]) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row))
        for row in rows
    )


def as_markdown(entries: Iterable[Entry]) -> str:
    """The docs page: every component with its formula, parameters, Macro's names and switch."""
    lines = [
        "# Math components",
        "",
        "Generated from the shipped math files by `python -m esmflow math list --markdown`;",
        "`tests/test_math_catalog.py` fails when this page is out of date. Every component is",
        "active wherever the parameters its `where` reads are set. A tech (directly, through a",
        "template, or at one node) may turn a component off with `switches: {<name>: false}`, or",
        "insist on it with `true` (then it must apply there, or preprocessing names the",
        "parameters it needs). A switch may use the component's name or one of Macro's",
        "constraint names listed with it; a Macro name switches all the components listed",
        "with it.",
        "",
    ]
    for file in _files(entries):
        lines += [f"## {file}", ""]
        for entry in [e for e in entries if e.file == file]:
            lines += _markdown_entry(entry)
    return "\n".join(lines).rstrip() + "\n"


def _files(entries: Iterable[Entry]) -> list[str]:
    return list(dict.fromkeys(entry.file for entry in entries))


def _markdown_entry(entry: Entry) -> list[str]:
    lines = [f"### `{entry.name}` ({entry.kind})", "", entry.description or "(no description)", ""]
    if entry.foreach:
        lines.append(f"- over: {', '.join(entry.foreach)}")
    if entry.changed_by:
        lines.append(f"- changed by: {', '.join(entry.changed_by)}")
    lines.append(f"- parameters: {', '.join(f'`{p}`' for p in entry.parameters) or '-'}")
    lines.append(f"- Macro's names: {', '.join(f'`{a}`' for a in entry.aliases) or '-'}")
    lines.append(
        "- switch: "
        + (f"`switches: {{{entry.name}: false}}` on a tech" if entry.switchable else "none (not per tech)")
    )
    if entry.formula:
        lines += ["", "```", *entry.formula, "```"]
    return [*lines, ""]
