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
    MODE_MATH,
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
    for name in _files_in_merge_order():
        data = read_builtin(name)
        for section in LISTED_SECTIONS:
            for component, definition in (data.get(section) or {}).items():
                if isinstance(definition, Mapping) and "foreach" in definition:
                    owner.setdefault(component, name)
                else:
                    changers.setdefault(component, []).append(name)
        merged = merge_math(merged, data)
    return MathDefinition(merged), owner, changers


def _files_in_merge_order() -> list[str]:
    """Base and the extensions; not the mode files (operate, spores), which replace parts of
    base for one mode only."""
    modes = set(MODE_MATH.values())
    return ["base", *[name for name in builtin_math_names() if name not in {"base", *modes}]]


def catalog() -> list[Entry]:
    """Every component and parameter bound of the shipped math, in file and build order.

    Each component as the file that defines it writes it, with the changes other files make
    (MILP math narrowing `flow_out_max`, …) listed after its formula.
    """
    math, owner, changers = shipped_math()
    inputs = set(math.parameters) | set(math.lookups)
    entries: list[Entry] = []
    kinds = {
        "variables": "variable",
        "global_expressions": "expression",
        "constraints": "constraint",
    }
    for section in LISTED_SECTIONS:
        for name, merged in math.data[section].items():
            defining = owner.get(name, "?")
            own = (read_builtin(defining).get(section) or {}).get(name, merged)
            changes = [
                (file, (read_builtin(file).get(section) or {})[name])
                for file in changers.get(name, [])
            ]
            strings = list(component_strings(f"{section}.{name}", merged))
            for _, changed in changes:
                strings += list(component_strings(f"{section}.{name}", changed))
            entries.append(
                Entry(
                    name=name,
                    kind=kinds[section],
                    file=f"{defining}.yaml",
                    changed_by=tuple(f"{file}.yaml" for file, _ in changes),
                    description=_one_line(str(own.get("description", ""))),
                    foreach=tuple(merged.get("foreach") or ()),
                    formula=tuple(_formula(own))
                    + tuple(
                        f"{file}.yaml changes it: {line}"
                        for file, changed in changes
                        for line in _formula(changed)
                    ),
                    parameters=tuple(sorted(_names_read(strings) & inputs)),
                    aliases=tuple(macro_aliases_of(name)),
                )
            )
        if section == "variables":
            entries.extend(_bounds(math, owner, inputs))
    return entries


def _bounds(math: MathDefinition, owner: Mapping[str, str], inputs: set[str]) -> list[Entry]:
    """Each variable bound read from a parameter, switchable by that parameter's name.

    Taken file by file: an extension may replace a bound (MILP math turns `flow_cap_min` into
    a constraint), and the bound is still there wherever that extension is not loaded.
    """
    found: dict[str, Entry] = {}
    for file in _files_in_merge_order():
        for variable, own in (read_builtin(file).get("variables") or {}).items():
            definition = math.data["variables"].get(variable, own)
            foreach = tuple(definition.get("foreach") or ())
            for side, sign in (("min", ">="), ("max", "<=")):
                parameter = (own.get("bounds") or {}).get(side)
                if isinstance(parameter, str) and parameter in inputs and "techs" in foreach:
                    found.setdefault(
                        parameter, _bound_entry(math, owner, variable, side, sign, parameter)
                    )
    return list(found.values())


def _bound_entry(
    math: MathDefinition,
    owner: Mapping[str, str],
    variable: str,
    side: str,
    sign: str,
    parameter: str,
) -> Entry:
    definition = math.data["variables"][variable]
    foreach = tuple(definition.get("foreach") or ())
    return Entry(
        name=parameter,
        kind="bound",
        file=owner.get(variable, "?"),
        changed_by=(),
        description=f"The {'lower' if side == 'min' else 'upper'} bound of `{variable}`: "
        + " ".join(str(math.parameters[parameter].get("description", "")).split()),
        foreach=foreach,
        formula=(f"{variable} {sign} {parameter}",),
        parameters=(parameter,),
        aliases=tuple(macro_aliases_of(parameter)),
    )


def _formula(definition: Mapping[str, Any]) -> Iterable[str]:
    if definition.get("active") is False:
        yield "active: false"
    if isinstance(definition.get("domain_where"), str):
        yield f"whole numbers where {_one_line(definition['domain_where'])}"
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
    """A table for the terminal: name, kind, file, switch, Macro's names, parameters."""
    entries = list(entries)
    rows = [("component", "kind", "file", "switch", "Macro's names", "parameters")]
    for entry in entries:
        rows.append(
            (
                entry.name,
                entry.kind,
                entry.file,
                "per tech" if entry.switchable else "-",
                ", ".join(entry.aliases) or "-",
                ", ".join(entry.parameters) or "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    )


def as_markdown(entries: Iterable[Entry]) -> str:
    """The docs page: every component with its formula, parameters, Macro's names and switch."""
    entries = list(entries)
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
    """The files the entries come from, in merge order (base first)."""
    order = [f"{name}.yaml" for name in _files_in_merge_order()]
    present = {entry.file for entry in entries}
    return [file for file in order if file in present] + sorted(present - set(order))


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
        + (
            f"`switches: {{{entry.name}: false}}` on a tech"
            if entry.switchable
            else "none (not per tech)"
        )
    )
    if entry.formula:
        lines += ["", "```", *entry.formula, "```"]
    return [*lines, ""]
