"""Per-tech switches of math components: read, checked, and turned into the `switches` input.

A tech (directly, through a template, or at one node) may write

    switches: {flow_out_min: false, MinUpTimeConstraint: true}

`false` drops the component for that tech (at every node, or at that node); `true` insists on
it: it must apply there, or the problem names the parameters it needs. Names are the math's
component names (and the parameters that bound variables, e.g. `flow_cap_max`), or Macro's
constraint names, which stand for the components listed in `vocabulary.MACRO_CONSTRAINTS`.

The switches become one input array, `switches` (nodes, techs, components: 1 on, 0 off, NaN
not set), which the engine ANDs into every component's mask (`engine/masks.py`). A switch at a
node wins over the tech's; within one place a Macro name and a component name that disagree
about the same component are a problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from esmflow.errors import ProblemCollector, closest_name
from esmflow.math.catalog import components_switched_by, shipped_math, switch_names
from esmflow.math.engine import tree
from esmflow.math.engine.grammar import parse
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions
from esmflow.preprocess.techs_nodes import Layout

SWITCHES_KEY = "switches"


@dataclass(frozen=True)
class Switch:
    """One `switches:` entry: a tech (at one node, or at all with `node` None), a name, on/off."""

    tech: str
    node: str | None
    name: str
    on: bool
    key_path: str


def take_switches(layout: Layout, problems: ProblemCollector) -> list[Switch]:
    """Remove every `switches:` mapping from the layout (they are not parameters) and read it."""
    found: list[Switch] = []
    for tech, definition in layout.techs.items():
        found += _read(definition.pop(SWITCHES_KEY, None), tech, None, f"techs.{tech}", problems)
    for node, techs in layout.node_techs.items():
        for tech, entry in techs.items():
            place = f"nodes.{node}.techs.{tech}"
            found += _read(entry.pop(SWITCHES_KEY, None), tech, node, place, problems)
    for node, parameters in layout.nodes.items():
        if parameters.pop(SWITCHES_KEY, None) is not None:
            problems.add(
                "Switches belong to a tech, not to a node",
                key_path=f"nodes.{node}.{SWITCHES_KEY}",
                expected=f"techs.<tech>.{SWITCHES_KEY} or nodes.{node}.techs.<tech>.{SWITCHES_KEY}",
            )
    return found


def _read(
    raw: Any, tech: str, node: str | None, place: str, problems: ProblemCollector
) -> list[Switch]:
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        problems.add(
            "`switches` must map component names to true or false",
            key_path=f"{place}.{SWITCHES_KEY}",
            expected="{flow_out_min: false, MinUpTimeConstraint: true, …}",
            got=repr(raw),
        )
        return []
    switches = []
    for name, value in raw.items():
        key_path = f"{place}.{SWITCHES_KEY}.{name}"
        if not isinstance(value, bool | np.bool_):
            problems.add(
                "A switch is true or false",
                key_path=key_path,
                expected="true or false",
                got=repr(value),
            )
            continue
        switches.append(Switch(tech, node, str(name), bool(value), key_path))
    return switches


def check_switch_names(
    switches: list[Switch], math: MathDefinition, problems: ProblemCollector
) -> None:
    """Every switch names a component (or bound, or Macro constraint); places agree."""
    if not switches:
        return
    known = switch_names(math)
    for switch in switches:
        if switch.name not in known:
            problems.add(
                f"'{switch.name}' is not a math component a switch can turn on or off",
                key_path=switch.key_path,
                expected="a component over techs (`esmflow math list`) or a Macro constraint name",
                got=switch.name,
                closest=closest_name(switch.name, known),
            )
    for components in _by_place(switches).values():
        for component, values in components.items():
            if len({on for on, _ in values}) > 1:
                problems.add(
                    f"Switches at one place disagree about '{component}'",
                    key_path=", ".join(key_path for _, key_path in values),
                    expected="the same value for a component and the Macro name that includes it",
                )


def _by_place(
    switches: list[Switch],
) -> dict[tuple[str, str | None], dict[str, list[tuple[bool, str]]]]:
    places: dict[tuple[str, str | None], dict[str, list[tuple[bool, str]]]] = {}
    for switch in switches:
        components = places.setdefault((switch.tech, switch.node), {})
        for component in components_switched_by(switch.name):
            components.setdefault(component, []).append((switch.on, switch.key_path))
    return places


def with_switches(inputs: xr.Dataset, switches: list[Switch]) -> xr.Dataset:
    """The inputs with the `switches` array (nodes, techs, components), if any switch is set."""
    if not switches:
        return inputs
    # here, not at the top: the engine imports linopy (~0.5 s), which the steps that import this
    # module for the inputs' helpers (distances, clustering, postprocessing) never use
    from esmflow.math.engine.masks import SWITCH_DIM, SWITCHES

    components = sorted({c for s in switches for c in components_switched_by(s.name)})
    nodes, techs = list(inputs["nodes"].values), list(inputs["techs"].values)
    values = np.full((len(nodes), len(techs), len(components)), np.nan)
    # the tech's own switches first, then those at one node, which win there
    for switch in sorted(switches, key=lambda s: s.node is not None):
        if switch.tech not in techs:
            continue
        at = slice(None) if switch.node is None else nodes.index(switch.node)
        for component in components_switched_by(switch.name):
            values[at, techs.index(switch.tech), components.index(component)] = float(switch.on)
    array = xr.DataArray(
        values,
        coords={"nodes": nodes, "techs": techs, SWITCH_DIM: components},
        dims=("nodes", "techs", SWITCH_DIM),
    )
    return inputs.assign({SWITCHES: array})


def check_forced_switches(
    inputs: xr.Dataset,
    switches: list[Switch],
    math: MathDefinition,
    options: BuildOptions,
    problems: ProblemCollector,
) -> None:
    """Each switch set to true names something that applies there; else say what it needs."""
    forced = [switch for switch in switches if switch.on]
    if not forced:
        return
    # here, not at the top: see with_switches
    from esmflow.math.engine.existence import component_existence
    from esmflow.math.engine.masks import SWITCH_DIM, SWITCHES

    existence = component_existence(inputs, math, options)
    active = inputs["active"]
    for switch in forced:
        components = components_switched_by(switch.name)
        applies = xr.DataArray(False)
        for component in components:
            applies = applies | _applies(component, existence, inputs, math)
        at = {"techs": switch.tech} | ({"nodes": switch.node} if switch.node else {})
        if switch.tech not in inputs["techs"].values:
            continue
        # a node that turns all of them off again is not held to the tech's `true`
        still_on = (inputs[SWITCHES].sel({SWITCH_DIM: list(components)}) != 0).any(SWITCH_DIM)
        missing = (active & still_on & ~applies.broadcast_like(active)).sel(at)
        if bool(missing.any()):
            nodes = [str(n) for n in np.atleast_1d(missing["nodes"].values[missing.values])]
            problems.add(
                f"switches.{switch.name} is true for tech '{switch.tech}' at "
                f"{', '.join(nodes)}, but it does not apply there",
                key_path=switch.key_path,
                expected="the parameters it needs, set for this tech: "
                + _needs(components, inputs, math, switch),
            )


def _applies(
    component: str,
    existence: Mapping[str, xr.DataArray],
    inputs: xr.Dataset,
    math: MathDefinition,
) -> xr.DataArray:
    """(nodes, techs): the component (or bound parameter) exists there."""
    if component in existence:
        mask = existence[component]
        return mask.any([d for d in mask.dims if d not in ("nodes", "techs")])
    if component in inputs and component in math.parameters:  # a bound
        values = inputs[component]
        defined = values.notnull() & np.isfinite(values.where(values.notnull(), 0))
        return defined.any([d for d in defined.dims if d not in ("nodes", "techs")])
    return xr.DataArray(False)


def _needs(
    components: tuple[str, ...], inputs: xr.Dataset, math: MathDefinition, switch: Switch
) -> str:
    """What the components' `where`s ask of this tech that it does not set, in words."""
    shipped, _, _ = shipped_math()
    listed = []
    for component in components:
        definition = _definition(component, math) or _definition(component, shipped)
        if definition is None:  # a bound: the parameter itself
            listed.append(f"{component} needs `{component}`")
            continue
        where = str(definition.get("where", "True"))
        declared = set(shipped.parameters) | set(shipped.lookups)
        missing = _missing(parse(where, "where"), declared, inputs, switch)
        listed.append(f"{component} needs {missing or f'`{_one_line(where)}`'}")
    return "; ".join(listed)


def _missing(node: tree.Node, declared: set[str], inputs: xr.Dataset, switch: Switch) -> str:
    """The unset inputs that keep a where condition false ("" if none is missing).

    `A AND B` needs what A and B need; `A OR B` needs what either needs; a negated condition,
    a variable or a comparison with a set input asks nothing of the tech's parameters.
    """
    match node:
        case tree.Name(name=name) if name in declared:
            return "" if _is_set(name, inputs, switch) else f"`{name}`"
        case tree.Compare(left=tree.Name(name=name)) if name in declared:
            return "" if _is_set(name, inputs, switch) else f"`{name}`"
        case tree.BoolOp(op="and", left=left, right=right):
            parts = [_missing(side, declared, inputs, switch) for side in (left, right)]
            return " and ".join(part for part in parts if part)
        case tree.BoolOp(op="or", left=left, right=right):
            parts = [_missing(side, declared, inputs, switch) for side in (left, right)]
            return "" if not all(parts) else f"({' or '.join(parts)})"
    return ""


def _definition(component: str, math: MathDefinition) -> Mapping[str, Any] | None:
    for section in ("variables", "global_expressions", "constraints"):
        found = getattr(math, section).get(component)
        if found is not None:
            return found
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _is_set(name: str, inputs: xr.Dataset, switch: Switch) -> bool:
    if name not in inputs:
        return False
    values = inputs[name]
    picks = {"techs": switch.tech} if "techs" in values.dims else {}
    if switch.node and "nodes" in values.dims:
        picks["nodes"] = switch.node
    picked = values.sel(picks)
    if picked.dtype.kind == "b":
        return bool(picked.any())
    if picked.dtype.kind in "OUS":
        return bool((picked != "").any())
    return bool(np.isfinite(picked.where(picked.notnull(), np.nan)).any())
