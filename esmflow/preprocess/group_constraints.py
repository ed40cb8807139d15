"""Group constraints (Calliope 0.6's `group_constraints`) → inputs of group_constraints.yaml.

A model may name groups under a top-level `group_constraints:` key:

    group_constraints:
      renewables_in_germany:
        techs: [wind, pv]                    # optional: every tech where left out
        nodes: [germany_north, germany_south] # optional (0.6: `locs`): every node where left out
        demand_share_min: {power: 0.4}        # carrier-based: {carrier: value}
        cost_max: {co2: 100000}               # cost-based: {cost class: value}
        flow_cap_max: 500                     # the others: a number
      switched_off: {exists: false, flow_cap_max: 1}

Each group becomes an item of the dimension `group_constraints` (named as the group); `techs`
and `nodes` become the lookups `group_techs` and `group_nodes`; each constraint the parameter
`group_<name>` (over the group, and its carrier or cost class). They are added as parameter
definitions like any YAML value, so they switch on group_constraints.yaml through the one
mechanism of optional math. Calliope 0.6's constraint names are read as esmflow's (reported once
each); `carrier_con_*`, whose 0.6 values were ≤ 0, become `flow_in_*` with the sign turned. The
deprecated 0.6 `group_share` (as a top-level key) becomes equivalent groups, with a warning.

Everything a modeller can get wrong is a ModelError naming the key path and the closest valid
name: an unknown constraint, tech, node, carrier or cost class, a value of the wrong kind. A
constraint no tech of the group counts for is left out with a warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from esmflow.errors import ModelError, ModelWarning, ProblemCollector, closest_name
from esmflow.preprocess.parameters import RANK_TECH, ParameterDefinitions
from esmflow.preprocess.techs_nodes import Layout
from esmflow.vocabulary import CALLIOPE06_GROUP_CONSTRAINTS

FORMS = ("min", "max", "equals")
BY_CARRIER = (
    "demand_share",
    "demand_share_per_timestep",
    "flow_out_share",
    "flow_out_share_per_timestep",
    "net_import_share",
    "flow_out",
    "flow_in",
)
BY_COST = ("cost", "cost_operation_variable", "cost_investment")
SCALAR = ("flow_cap_share", "flow_cap", "storage_cap", "area_use")
DECISION = "demand_share_per_timestep_decision"
# esmflow constraint name → what its value is given per: carriers, costs or nothing
CONSTRAINTS: dict[str, str] = {
    **{f"{family}_{form}": "carriers" for family in BY_CARRIER for form in FORMS},
    DECISION: "carriers",
    **{f"{family}_{form}": "costs" for family in BY_COST for form in FORMS},
    **{f"{family}_{form}": "" for family in SCALAR for form in FORMS},
}
# Which base techs count for each constraint family (documented in each math component too).
SUPPLY_CONVERSION = ("supply", "conversion")
COUNTED: dict[str, tuple[str, ...]] = {
    "demand_share": SUPPLY_CONVERSION,
    "demand_share_per_timestep": SUPPLY_CONVERSION,
    DECISION: SUPPLY_CONVERSION,
    "flow_out_share": SUPPLY_CONVERSION,
    "flow_out_share_per_timestep": SUPPLY_CONVERSION,
    "flow_out": SUPPLY_CONVERSION,
    "flow_in": ("demand", "conversion"),
    "net_import_share": ("transmission",),
    "cost": ("supply", "conversion", "demand", "storage", "transmission"),
    "cost_operation_variable": ("supply", "conversion", "demand", "storage", "transmission"),
    "cost_investment": ("supply", "conversion", "storage", "transmission"),
    "flow_cap_share": ("supply", "conversion", "storage"),
    "flow_cap": ("supply", "conversion", "storage", "transmission"),
    "storage_cap": ("supply", "conversion", "storage", "transmission"),
    "area_use": ("supply",),
}
# Values that are shares or amounts cannot be negative (costs can: a revenue).
NON_NEGATIVE = tuple(f for f in (*BY_CARRIER, *SCALAR, DECISION))
MEMBERSHIP_KEYS = ("techs", "nodes", "locs", "exists")
GROUP_DIM = "group_constraints"


def parameter_name(constraint: str) -> str:
    """The input a group constraint becomes: `group_<name>` (never a tech parameter's name)."""
    return f"group_{constraint}"


def family_of(constraint: str) -> str:
    """`flow_out_share_min` → `flow_out_share`."""
    return constraint if constraint == DECISION else constraint.rsplit("_", 1)[0]


def add_group_constraints(
    model: Mapping[str, Any],
    layout: Layout,
    definitions: ParameterDefinitions,
    problems: ProblemCollector,
) -> None:
    """Add the group constraints (and a converted `group_share`) as parameter definitions."""
    groups = _groups_of(model, problems)
    if not groups:
        return
    known = _Known(
        techs=sorted(layout.techs),
        nodes=sorted(layout.nodes),
        carriers=_model_carriers(definitions),
        costs=sorted(map(str, definitions.labels_by_dim().get("costs", []))),
        base_tech={t: str(d.get("base_tech") or "") for t, d in layout.techs.items()},
        placed=layout.placements(),
    )
    reported: set[str] = set()
    for group, content in groups.items():
        _add_group(str(group), content, known, definitions, problems, reported)


class _Known:
    """What group constraints may name (the model's techs, nodes, carriers, cost classes)."""

    def __init__(self, **fields: Any) -> None:
        self.techs: list[str] = fields["techs"]
        self.nodes: list[str] = fields["nodes"]
        self.carriers: list[str] = fields["carriers"]
        self.costs: list[str] = fields["costs"]
        self.base_tech: dict[str, str] = fields["base_tech"]
        self.placed: list[tuple[str, str]] = fields["placed"]


def _model_carriers(definitions: ParameterDefinitions) -> list[str]:
    found: set[str] = set()
    for side in ("carrier_in", "carrier_out"):
        for record in definitions.records.get(side, []):
            if record.value and "carriers" in record.dims:
                found.add(str(record.labels[record.dims.index("carriers")]))
    return sorted(found)


def _groups_of(model: Mapping[str, Any], problems: ProblemCollector) -> dict[str, Any]:
    """`group_constraints` with the groups a `group_share` stands for added."""
    groups = model.get("group_constraints")
    if groups is None:
        groups = {}
    if not isinstance(groups, Mapping):
        problems.add(
            "`group_constraints` is a mapping of named groups",
            key_path="group_constraints",
            expected="group_constraints: {<group name>: {techs: [...], <constraint>: ...}}",
            got=repr(groups),
        )
        groups = {}
    groups = {str(name): content for name, content in groups.items()}
    for name, content in _from_group_share(model.get("group_share"), problems).items():
        if name in groups:
            problems.add(
                f"Group '{name}' (from `group_share`) is also defined under `group_constraints`",
                key_path=f"group_constraints.{name}",
                expected="another group name",
            )
            continue
        groups[name] = content
    return groups


# Calliope 0.6's deprecated `model.group_share` → the group constraint of the same meaning.
GROUP_SHARE = {
    **{f"carrier_prod_{form}": f"flow_out_share_{form}" for form in FORMS},
    **{f"energy_cap_{form}": f"flow_cap_share_{form}" for form in FORMS},
}


def _from_group_share(share: Any, problems: ProblemCollector) -> dict[str, Any]:
    """Groups equivalent to 0.6's `group_share: {"tech1,tech2": {carrier_prod_min: {...}}}`."""
    if share is None:
        return {}
    if not isinstance(share, Mapping):
        problems.add(
            "`group_share` is a mapping of comma-separated tech lists",
            key_path="group_share",
            expected='group_share: {"csp,cold_fusion": {carrier_prod_min: {power: 0.85}}}',
            got=repr(share),
        )
        return {}
    groups: dict[str, Any] = {}
    for techlist, constraints in share.items():
        key_path = f"group_share.{techlist}"
        if not isinstance(constraints, Mapping):
            problems.add(
                "Expected constraints of the tech list",
                key_path=key_path,
                expected=", ".join(GROUP_SHARE),
                got=repr(constraints),
            )
            continue
        techs = [tech.strip() for tech in str(techlist).split(",") if tech.strip()]
        name = "group_share_" + "_".join(techs)
        group: dict[str, Any] = {"techs": techs}
        for key, value in constraints.items():
            if key not in GROUP_SHARE:
                problems.add(
                    f"Unknown `group_share` constraint '{key}'",
                    key_path=f"{key_path}.{key}",
                    expected=", ".join(GROUP_SHARE),
                    closest=closest_name(str(key), GROUP_SHARE),
                )
                continue
            group[GROUP_SHARE[key]] = value
        groups[name] = group
        readable = ", ".join(f"{k}: {v}" for k, v in group.items())
        warnings.warn(
            f"`group_share` is deprecated (Calliope 0.6.4): `{key_path}` is read as "
            f"group_constraints.{name}: {{{readable}}}. The capacity share's denominator is "
            "now the supply and conversion techs at the nodes of the listed techs (0.6's "
            "group_share used supply techs at every node); the two agree in a model without "
            "conversion techs whose listed techs sit at every node.",
            ModelWarning,
            stacklevel=4,
        )
    return groups


def _add_group(
    group: str,
    content: Any,
    known: _Known,
    definitions: ParameterDefinitions,
    problems: ProblemCollector,
    reported: set[str],
) -> None:
    key_path = f"group_constraints.{group}"
    if not isinstance(content, Mapping):
        problems.add(
            "A group is a mapping of its techs, nodes and constraints",
            key_path=key_path,
            expected="{techs: [...], nodes: [...], <constraint>: <value>}",
            got=repr(content),
        )
        return
    if "." in group:
        problems.add("A group name cannot contain a dot", key_path=key_path, got=group)
        return
    exists = content.get("exists", True)
    if not isinstance(exists, bool | np.bool_):
        problems.add("`exists` is true or false", key_path=f"{key_path}.exists", got=repr(exists))
    elif not exists:
        return
    constraints = _constraints_of(content, key_path, problems, reported)
    if not constraints:
        if not any(key not in MEMBERSHIP_KEYS for key in content):
            problems.add(
                "A group needs at least one constraint",
                key_path=key_path,
                expected="e.g. flow_cap_max: 100, or demand_share_min: {power: 0.5}",
            )
        return
    techs = _members(content, "techs", known.techs, key_path, problems)
    nodes = _members_nodes(content, known, key_path, problems, reported)
    add = _adder(definitions, group, problems)
    for lookup, dim, listed in (("group_techs", "techs", techs), ("group_nodes", "nodes", nodes)):
        if listed is None:  # every tech (node): one value over the group, broadcast
            add(lookup, (), (), True, f"{key_path}.{dim}")
        for name in listed or []:
            add(lookup, (dim,), (name,), True, f"{key_path}.{dim}")
    for constraint, (written, value) in constraints.items():
        path = f"{key_path}.{written}"
        for dims, labels, number in _values(constraint, written, value, known, path, problems):
            add(parameter_name(constraint), dims, labels, number, path)
        _warn_if_no_members(group, constraint, techs, nodes, known, path)


def _adder(definitions: ParameterDefinitions, group: str, problems: ProblemCollector) -> Any:
    def add(
        name: str, dims: tuple[str, ...], labels: tuple[Any, ...], value: Any, key_path: str
    ) -> None:
        index = [[group, *labels]]
        try:
            definitions.add_value(
                name,
                {"data": value, "index": index, "dims": [GROUP_DIM, *dims]},
                rank=RANK_TECH,
                fixed={},
                key_path=key_path,
                pivot_dim=None,
                broadcast=False,
            )
        except ModelError as err:
            problems.extend(err)

    return add


def _constraints_of(
    content: Mapping[str, Any], key_path: str, problems: ProblemCollector, reported: set[str]
) -> dict[str, tuple[str, Any]]:
    """esmflow constraint name → (the key as written, its value); unknown keys reported."""
    found: dict[str, tuple[str, Any]] = {}
    valid = [*CONSTRAINTS, *CALLIOPE06_GROUP_CONSTRAINTS, *MEMBERSHIP_KEYS]
    for key in map(str, content):
        if key in MEMBERSHIP_KEYS:
            continue
        name = CALLIOPE06_GROUP_CONSTRAINTS.get(key, key)
        if name not in CONSTRAINTS:
            problems.add(
                f"Unknown group constraint '{key}'",
                key_path=f"{key_path}.{key}",
                expected="a group constraint (see the README's table), `techs`, `nodes` or "
                "`exists`",
                closest=closest_name(key, valid),
            )
            continue
        if name in found:
            problems.add(
                f"'{key}' and '{found[name][0]}' are the same constraint",
                key_path=f"{key_path}.{key}",
                expected=f"one of them ('{name}')",
            )
            continue
        if key != name and key not in reported:
            reported.add(key)
            warnings.warn(
                f"Calliope 0.6 name '{key}' read as '{name}' ({key_path}.{key})",
                ModelWarning,
                stacklevel=5,
            )
        found[name] = (key, content[key])
    return found


def _as_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return None


def _members(
    content: Mapping[str, Any],
    key: str,
    valid: list[str],
    key_path: str,
    problems: ProblemCollector,
) -> list[str] | None:
    """The listed names (None: every one); unknown names reported with the closest valid one."""
    if key not in content or content[key] is None:
        return None
    listed = _as_list(content[key])
    if listed is None:
        problems.add(
            f"`{key}` is a list of names", key_path=f"{key_path}.{key}", got=repr(content[key])
        )
        return None
    kind = "tech" if key == "techs" else "node"
    for name in listed:
        if name not in valid:
            problems.add(
                f"Unknown {kind} '{name}' in group constraints",
                key_path=f"{key_path}.{key}",
                expected=f"a {kind} of the model: " + ", ".join(valid),
                got=name,
                closest=closest_name(name, valid),
            )
    return [name for name in listed if name in valid]


def _members_nodes(
    content: Mapping[str, Any],
    known: _Known,
    key_path: str,
    problems: ProblemCollector,
    reported: set[str],
) -> list[str] | None:
    if "locs" in content and "nodes" in content:
        problems.add(
            "`locs` is Calliope 0.6's name of `nodes`: give one of them",
            key_path=f"{key_path}.locs",
        )
    if "locs" in content and "nodes" not in content:
        if "locs" not in reported:
            reported.add("locs")
            warnings.warn(
                f"Calliope 0.6 name 'locs' read as 'nodes' ({key_path}.locs)",
                ModelWarning,
                stacklevel=5,
            )
        return _members({"nodes": content["locs"]}, "nodes", known.nodes, key_path, problems)
    return _members(content, "nodes", known.nodes, key_path, problems)


def _values(
    constraint: str,
    written: str,
    value: Any,
    known: _Known,
    key_path: str,
    problems: ProblemCollector,
) -> list[tuple[tuple[str, ...], tuple[str, ...], float]]:
    """(dims, labels, value) of each entry of a constraint's value, checked."""
    per = CONSTRAINTS[constraint]
    sign = -1.0 if written.startswith("carrier_con_") else 1.0  # 0.6 gave consumption as < 0
    if not per:
        number = _number(constraint, written, value, key_path, problems)
        return [] if number is None else [((), (), sign * number)]
    if not isinstance(value, Mapping):
        example = "{power: 0.5}" if per == "carriers" else "{monetary: 1000}"
        problems.add(
            f"'{written}' is given per {per[:-1]}",
            key_path=key_path,
            expected=f"a mapping {{{per[:-1]}: value}}, e.g. {example}",
            got=repr(value),
        )
        return []
    valid = known.carriers if per == "carriers" else known.costs
    entries = []
    for label, item in value.items():
        if str(label) not in valid:
            kind = "carrier" if per == "carriers" else "cost class"
            problems.add(
                f"Unknown {kind} '{label}' in group constraints",
                key_path=f"{key_path}.{label}",
                expected=f"a {kind} of the model: " + ", ".join(valid),
                got=str(label),
                closest=closest_name(str(label), valid),
            )
            continue
        number = _number(constraint, written, item, f"{key_path}.{label}", problems)
        if number is not None:
            entries.append(((per,), (str(label),), sign * number))
    return entries


def _number(
    constraint: str, written: str, value: Any, key_path: str, problems: ProblemCollector
) -> float | None:
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or np.isnan(number):
        problems.add(f"'{written}' needs a number", key_path=key_path, got=repr(value))
        return None
    if written.startswith("carrier_con_"):
        if number > 0:
            problems.add(
                f"Calliope 0.6's '{written}' is a negative number (consumption was negative in "
                "0.6)",
                key_path=key_path,
                expected=f"a value ≤ 0, or '{constraint}' with a positive value",
                got=repr(value),
            )
            return None
        return number
    if family_of(constraint) in NON_NEGATIVE and number < 0:
        problems.add(
            f"'{written}' cannot be negative",
            key_path=key_path,
            expected="a number ≥ 0",
            got=repr(value),
        )
        return None
    if np.isinf(number) and constraint != DECISION and not constraint.endswith("_max"):
        problems.add(
            f"'{written}' must be finite",
            key_path=key_path,
            expected="a finite number (only `*_max` and the decision share may be .inf)",
            got=repr(value),
        )
        return None
    return number


def _warn_if_no_members(
    group: str,
    constraint: str,
    techs: list[str] | None,
    nodes: list[str] | None,
    known: _Known,
    key_path: str,
) -> None:
    """A constraint no tech of the group counts for is left out; say so (0.6 warned too)."""
    counted = COUNTED[family_of(constraint)]
    members = [
        (node, tech)
        for node, tech in known.placed
        if (techs is None or tech in techs)
        and (nodes is None or node in nodes)
        and known.base_tech.get(tech) in counted
    ]
    listed_not_counted = [t for t in techs or [] if known.base_tech.get(t) not in counted]
    if not members:
        warnings.warn(
            f"Group '{group}': no tech counts for '{constraint}' at its nodes ({key_path}); "
            f"it is left out (it counts {', '.join(counted)} techs)",
            ModelWarning,
            stacklevel=4,
        )
    elif listed_not_counted:
        warnings.warn(
            f"Group '{group}': '{constraint}' leaves out {', '.join(listed_not_counted)} "
            f"({key_path}): it counts {', '.join(counted)} techs only",
            ModelWarning,
            stacklevel=4,
        )
