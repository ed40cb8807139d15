"""Which techs exist at which nodes, and every YAML parameter definition that places on them.

Techs come from `techs:` and from data tables (a table's tech is a tech even without YAML).
A tech sits at a node when `nodes.N.techs` lists it, when a data table gives it a value indexed
over that node, or — for transmission techs (`link_from`/`link_to`) — at both ends of its link.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from esmflow.errors import ModelError, ProblemCollector, closest_name
from esmflow.io.yaml_files import merge
from esmflow.preprocess.data_tables import LoadedTable, distinct_labels
from esmflow.preprocess.parameters import (
    RANK_DATA_DEFINITIONS,
    RANK_NODE,
    RANK_TECH,
    ParameterDefinitions,
)

NODE_KEYS_NOT_PARAMETERS = ("techs",)
TECH_DEFAULTS_FROM_TABLES = ("base_tech", "link_from", "link_to", "one_way", "active")


@dataclass
class Layout:
    """Techs, nodes, links and which tech sits at which node (before `active` is applied)."""

    techs: dict[str, dict[str, Any]] = field(default_factory=dict)
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    node_techs: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    links: dict[str, tuple[str, str]] = field(default_factory=dict)
    table_node_techs: set[tuple[str, str]] = field(default_factory=set)
    inactive_nodes: set[str] = field(default_factory=set)

    def placements(self) -> list[tuple[str, str]]:
        """Every (node, tech) pair where a tech is defined."""
        pairs = {(node, tech) for node, techs in self.node_techs.items() for tech in techs}
        pairs |= self.table_node_techs
        for tech, (node_from, node_to) in self.links.items():
            pairs |= {(node_from, tech), (node_to, tech)}
        return sorted(pairs)


def _as_mapping(value: Any, key_path: str, problems: ProblemCollector) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add("Expected a mapping", key_path=key_path, got=repr(value))
        return {}
    return dict(value)


def build_layout(
    model: Mapping[str, Any],
    tables: list[LoadedTable],
    pivots: Mapping[str, str],
    problems: ProblemCollector,
) -> Layout:
    """Resolve techs (YAML over tables), nodes, links and placements; problems collected."""
    layout = Layout()
    table_techs = _tech_definitions_from_tables(tables, pivots)
    yaml_techs = _as_mapping(model.get("techs"), "techs", problems)
    for tech in dict.fromkeys([*table_techs, *yaml_techs]):
        definition = _as_mapping(yaml_techs.get(tech), f"techs.{tech}", problems)
        layout.techs[str(tech)] = merge(table_techs.get(tech, {}), definition)
    for node, node_def in _as_mapping(model.get("nodes"), "nodes", problems).items():
        node_def = _as_mapping(node_def, f"nodes.{node}", problems)
        layout.nodes[str(node)] = {
            k: v for k, v in node_def.items() if k not in NODE_KEYS_NOT_PARAMETERS
        }
        if layout.nodes[str(node)].pop("active", True) is False:
            layout.inactive_nodes.add(str(node))
        entries = _as_mapping(node_def.get("techs"), f"nodes.{node}.techs", problems)
        layout.node_techs[str(node)] = {
            str(tech): _as_mapping(entry, f"nodes.{node}.techs.{tech}", problems)
            for tech, entry in entries.items()
        }
    for table in tables:
        for dim_values in _table_nodes(table):
            layout.nodes.setdefault(dim_values, {})
    _find_links(layout, problems)
    _check_node_techs(layout, problems)
    layout.table_node_techs = {
        pair
        for pair in _table_placements(tables)
        if pair[1] in layout.techs and pair[1] not in layout.links
    }
    return layout


def _tech_definitions_from_tables(
    tables: list[LoadedTable], pivots: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Techs named in tables, with the few tech-wide keys (base_tech, links, carriers) tables may set."""
    techs: dict[str, dict[str, Any]] = {}
    for table in tables:
        for name, series in table.series.items():
            if "techs" not in series.index.names:
                continue
            for tech in distinct_labels(series.index, ["techs"])["techs"]:
                techs.setdefault(str(tech), {})
            if name in TECH_DEFAULTS_FROM_TABLES and list(series.index.names) == ["techs"]:
                for tech, value in series.items():
                    techs[str(tech)][name] = value
            elif name in pivots and pivots[name] in series.index.names:
                by_tech = (
                    series.reset_index()
                    .groupby("techs")[pivots[name]]
                    .agg(lambda s: sorted(map(str, s)))
                )
                for tech, items in by_tech.items():
                    techs[str(tech)][name] = items
    return techs


def _table_nodes(table: LoadedTable) -> list[str]:
    nodes: set[str] = set()
    for series in table.series.values():
        if "nodes" in series.index.names and "techs" in series.index.names:
            nodes |= set(map(str, distinct_labels(series.index, ["nodes"])["nodes"]))
    return sorted(nodes)


def _table_placements(tables: list[LoadedTable]) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for table in tables:
        for series in table.series.values():
            if "nodes" in series.index.names and "techs" in series.index.names:
                frame = distinct_labels(series.index, ["nodes", "techs"]).astype(str)
                pairs |= set(zip(frame["nodes"], frame["techs"], strict=True))
    return pairs


def _find_links(layout: Layout, problems: ProblemCollector) -> None:
    """Transmission techs: both `link_from` and `link_to` must name known nodes."""
    for tech, definition in layout.techs.items():
        ends = {key: definition.get(key) for key in ("link_from", "link_to")}
        is_transmission = definition.get("base_tech") == "transmission"
        if all(v is None for v in ends.values()) and not is_transmission:
            continue
        for key, node in ends.items():
            if node is None:
                problems.add(
                    "A transmission tech needs both `link_from` and `link_to`",
                    key_path=f"techs.{tech}.{key}",
                    expected="a node name",
                )
            elif str(node) not in layout.nodes:
                problems.add(
                    f"Link to unknown node '{node}'",
                    key_path=f"techs.{tech}.{key}",
                    expected="one of the nodes: " + ", ".join(sorted(layout.nodes)),
                    got=str(node),
                    closest=closest_name(str(node), layout.nodes),
                )
        if all(ends.values()):
            layout.links[tech] = (str(ends["link_from"]), str(ends["link_to"]))


def _check_node_techs(layout: Layout, problems: ProblemCollector) -> None:
    for node, techs in layout.node_techs.items():
        for tech, entry in techs.items():
            key_path = f"nodes.{node}.techs.{tech}"
            if tech not in layout.techs:
                problems.add(
                    f"Unknown tech '{tech}' at node '{node}'",
                    key_path=key_path,
                    expected="a tech defined under `techs:`",
                    got=tech,
                    closest=closest_name(tech, layout.techs),
                )
            elif tech in layout.links:
                problems.add(
                    "Transmission techs sit at their `link_from`/`link_to` nodes; do not list them at nodes",
                    key_path=key_path,
                )
            elif "base_tech" in entry:
                problems.add(
                    "`base_tech` can only be set under `techs:`", key_path=f"{key_path}.base_tech"
                )


def add_yaml_definitions(
    definitions: ParameterDefinitions,
    layout: Layout,
    data_definitions: Mapping[str, Any],
    pivots: Mapping[str, str],
    broadcast: bool,
    problems: ProblemCollector,
) -> None:
    """Add every YAML parameter value: techs, node-level tech entries, nodes, data_definitions."""

    def add(name: str, value: Any, rank: int, fixed: dict[str, str], key_path: str) -> None:
        try:
            definitions.add_value(
                name,
                value,
                rank=rank,
                fixed=fixed,
                key_path=key_path,
                pivot_dim=pivots.get(name),
                broadcast=broadcast,
            )
        except ModelError as err:
            problems.extend(err)

    for tech, definition in layout.techs.items():
        for name, value in definition.items():
            add(name, value, RANK_TECH, {"techs": tech}, f"techs.{tech}.{name}")
        if tech in layout.links and "one_way" not in definition:
            add("one_way", False, RANK_TECH, {"techs": tech}, f"techs.{tech}.one_way")
    for node, techs in layout.node_techs.items():
        for tech, entry in techs.items():
            tech_definition = layout.techs.get(tech, {})
            for name, value in entry.items():
                merged = merge({name: tech_definition.get(name)}, {name: value})[name]
                add(
                    name,
                    merged,
                    RANK_NODE,
                    {"nodes": node, "techs": tech},
                    f"nodes.{node}.techs.{tech}.{name}",
                )
                definitions.node_overrides[name].add((node, tech))
    for node, params in layout.nodes.items():
        for name, value in params.items():
            add(name, value, RANK_NODE, {"nodes": node}, f"nodes.{node}.{name}")
    for name, value in _as_mapping(data_definitions, "data_definitions", problems).items():
        add(str(name), value, RANK_DATA_DEFINITIONS, {}, f"data_definitions.{name}")


def add_table_definitions(
    definitions: ParameterDefinitions,
    tables: list[LoadedTable],
    pivots: Mapping[str, str],
    problems: ProblemCollector,
) -> None:
    """Add every data-table series; labels become strings, time steps datetimes.

    Lookups such as `carrier_in` were already turned into tech definitions (as YAML lists), so
    they are not added again as table values.
    """
    for rank, table in enumerate(tables):
        for name, series in table.series.items():
            if name in pivots:
                continue
            try:
                series = series.set_axis(_typed_labels(series.index))
            except ValueError as err:
                problems.add(
                    f"Time steps of '{name}' are not ISO 8601 dates: {err}",
                    file=table.file,
                    key_path=f"data_tables.{table.name}",
                    expected="timestamps like 2005-01-01 00:00",
                )
                continue
            definitions.add_series(
                name,
                series,
                rank=rank,
                key_path=f"data_tables.{table.name}",
                file=table.file,
                axes=table.axes,
            )
        for name, value in table.scalars.items():
            definitions.add_series(
                name,
                pd.Series([value], index=pd.Index([None])),
                rank=rank,
                key_path=f"data_tables.{table.name}",
                file=table.file,
            )


def _typed_labels(index: pd.Index) -> pd.Index:
    """Index labels as strings, except `timesteps` labels, parsed as ISO 8601 datetimes.

    Works on the unique labels of each level (not on every row), so long tables stay fast.
    """
    if not isinstance(index, pd.MultiIndex):
        index = pd.MultiIndex.from_arrays([index], names=[index.name])
    levels = [
        level
        if isinstance(level, pd.DatetimeIndex)  # already parsed (and checked) with its table
        else pd.to_datetime(level, format="ISO8601")
        if name == "timesteps"
        else level.astype(str)
        for level, name in zip(index.levels, index.names, strict=True)
    ]
    if any(not level.is_unique for level in levels):  # e.g. 1 and "1" in one level
        arrays = [index.get_level_values(n).astype(str) for n in index.names]
        return pd.MultiIndex.from_arrays(arrays, names=index.names)
    return index.set_levels(levels, verify_integrity=False)
