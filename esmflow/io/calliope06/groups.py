"""0.6 `group_constraints` → esmflow's `group_constraints` (model-format.md §2.1).

The constraint names become esmflow's (`carrier_prod_share_min` → `flow_out_share_min`, …;
`carrier_con_*`, negative in 0.6, become positive `flow_in_*`), `locs` becomes `nodes`, and a
transmission tech named in `techs` becomes every link tech made from it (0.6 expanded it to
all its links too). A tech or location 0.6 would have dropped silently (not defined, or
switched off) is left out and reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from esmflow.io.calliope06.locations import Layout
from esmflow.io.calliope06.names import identifier
from esmflow.io.calliope06.report import Report
from esmflow.vocabulary import CALLIOPE06_GROUP_CONSTRAINTS

MEMBERSHIP = ("techs", "locs", "exists")


def convert_groups(groups: Mapping[str, Any] | None, layout: Layout, report: Report) -> dict:
    """esmflow's `group_constraints` mapping (empty when the model has none)."""
    converted: dict[str, Any] = {}
    for name, group in (groups or {}).items():
        path = f"group_constraints.{name}"
        group = dict(group or {})
        if group.get("exists", True) is False:
            report.mapped(f"{path}.exists", "(left out)")
            continue
        entry: dict[str, Any] = {}
        if group.get("techs") is not None:
            techs = _techs(group["techs"], layout, report, path)
            if not techs:
                report.not_mapped(path, "none of its techs exists (0.6 ignored such a group)")
                continue
            entry["techs"] = techs
            report.mapped(f"{path}.techs", "techs", "transmission techs as their link techs")
        if group.get("locs") is not None:
            nodes = _nodes(group["locs"], layout, report, path)
            if not nodes:
                report.not_mapped(path, "none of its locations exists (0.6 ignored such a group)")
                continue
            entry["nodes"] = nodes
            report.mapped(f"{path}.locs", "nodes")
        for key, value in group.items():
            if key in MEMBERSHIP:
                continue
            target = CALLIOPE06_GROUP_CONSTRAINTS.get(key, key)
            if key.startswith("carrier_con_") and isinstance(value, Mapping):
                value = {c: -float(v) if v is not None else v for c, v in value.items()}
                note = "0.6 gave consumption as a negative number: sign turned"
            else:
                note = "" if target == key else "0.6 name"
            entry[target] = value
            report.mapped(
                f"{path}.{key}", f"group_constraints.{identifier(name, 'group')}.{target}", note
            )
        converted[identifier(name, "group")] = entry
    return converted


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _techs(value: Any, layout: Layout, report: Report, path: str) -> list[str]:
    techs: list[str] = []
    for tech in _as_list(value):
        if tech in layout.link_techs:
            techs += layout.link_techs[tech]
        elif tech in layout.tech_names and tech in layout.placed:
            techs.append(layout.tech_names[tech])
        else:
            report.not_mapped(
                f"{path}.techs.{tech}",
                "no such tech in the model: left out of the group, as 0.6 did",
            )
    return techs


def _nodes(value: Any, layout: Layout, report: Report, path: str) -> list[str]:
    nodes = []
    for location in _as_list(value):
        if location in layout.node_names:
            nodes.append(layout.node_names[location])
        else:
            report.not_mapped(
                f"{path}.locs.{location}", "no such location: left out of the group, as 0.6 did"
            )
    return nodes
