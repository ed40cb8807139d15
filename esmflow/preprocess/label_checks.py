"""Every label of `techs`, `nodes` and `costs` in a table or YAML index is used, or reported.

`prepare_inputs` drops what the model does not use (a tech placed nowhere, a node without
techs, data for a tech at a node where it is not active). That clean-up must never hide a typo:
a CSV header `wnd` beside a tech `wind` would drop the column and leave `wind` unlimited. So:
- a label that names nothing that exists (a tech without any definition, a node named only in a
  table that places nothing there, an index naming an unknown tech or node) is a `ModelError`,
  with the closest valid name;
- a label close to a valid one where a new one is allowed (a table-only node beside the YAML
  nodes, a cost class beside the ones the objective weighs) is a `ModelError` too;
- a label of something that exists but is deliberately switched off (`active: false`, an
  inactive node, a tech not placed at that node) gives a `ModelWarning` naming the file, once
  the clean-up is done (`warn_ignored_data`).
Carriers are checked with the parameters (`checks._check_carriers`).
"""

from __future__ import annotations

import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import xarray as xr

from esmflow.errors import ModelWarning, ProblemCollector, closest_name
from esmflow.preprocess.data_tables import LoadedTable, distinct_labels, where_in_table
from esmflow.preprocess.parameters import ParameterDefinitions
from esmflow.preprocess.techs_nodes import Layout

NEAR_MISS = 0.8  # closer than this to a valid label: a misspelling, not a new name
_DIGITS = re.compile(r"\d+")
LISTED = 4


def near_miss(label: str, candidates: Iterable[str]) -> str | None:
    """The valid label `label` probably misspells; names differing only in digits don't count."""
    skeleton = _DIGITS.sub("#", label)
    others = [c for c in candidates if c != label and _DIGITS.sub("#", c) != skeleton]
    return closest_name(label, others, cutoff=NEAR_MISS)


def check_labels(
    model: Mapping[str, Any],
    layout: Layout,
    definitions: ParameterDefinitions,
    tables: list[LoadedTable],
    introduced: Mapping[str, tuple[str, str]],
    problems: ProblemCollector,
) -> None:
    """Unknown or misspelt techs, nodes and cost classes in tables, indexes and overrides."""
    _check_techs(model, layout, tables, introduced, problems)
    _check_table_nodes(model, layout, tables, introduced, problems)
    _check_index_labels(layout, definitions, problems)
    _check_cost_classes(definitions, problems)


def _is_defined(definition: Mapping[str, Any]) -> bool:
    return definition.get("base_tech") is not None or definition.get("active") is False


def _check_techs(
    model: Mapping[str, Any],
    layout: Layout,
    tables: list[LoadedTable],
    introduced: Mapping[str, tuple[str, str]],
    problems: ProblemCollector,
) -> None:
    """Every tech has a `base_tech` (or is switched off); one without is reported by its source."""
    real = [tech for tech, definition in layout.techs.items() if _is_defined(definition)]
    yaml_techs = model.get("techs") if isinstance(model.get("techs"), Mapping) else {}
    for tech, definition in layout.techs.items():
        if _is_defined(definition):
            continue
        closest = near_miss(tech, real) or closest_name(tech, real)
        if f"techs.{tech}" in introduced:
            override, file = introduced[f"techs.{tech}"]
            problems.add(
                f"Override '{override}' sets keys of tech '{tech}', which the model does not define",
                file=file,
                key_path=f"overrides.{override}.techs.{tech}",
                expected="a tech of the model, or a complete new tech (with `base_tech` or "
                "`template`)",
                got=tech,
                closest=closest,
            )
        elif tech in yaml_techs:
            problems.add(
                f"Tech '{tech}' has no `base_tech`",
                key_path=f"techs.{tech}",
                expected="base_tech: one of demand, supply, conversion, storage, transmission"
                + (" (or is this meant to be an existing tech?)" if closest else ""),
                closest=near_miss(tech, real),
            )
        else:
            for table in _tables_naming(tables, "techs", tech)[:1]:
                problems.add(
                    f"Unknown tech '{tech}' in a data table",
                    file=table.file,
                    key_path=f"{table.key_path}.{table.axes.get('techs', 'techs')}",
                    expected="a tech defined under `techs:` ("
                    + _names(real)
                    + "), or a table that gives it a `base_tech`",
                    got=f"'{tech}' {where_in_table(table.axes, 'techs')}",
                    closest=closest,
                )


def _check_table_nodes(
    model: Mapping[str, Any],
    layout: Layout,
    tables: list[LoadedTable],
    introduced: Mapping[str, tuple[str, str]],
    problems: ProblemCollector,
) -> None:
    """A node named only in tables is new: fine if a table places a tech there and its name is
    not a near miss of a YAML node; an override adding a near-miss node is reported likewise."""
    yaml_nodes = (
        [str(n) for n in (model.get("nodes") or {})]
        if isinstance(model.get("nodes"), Mapping)
        else []
    )
    for key, (override, file) in introduced.items():
        section, _, node = key.partition(".")
        if section == "nodes" and (closest := near_miss(node, yaml_nodes)):
            problems.add(
                f"Override '{override}' adds node '{node}', a near miss of node '{closest}'",
                file=file,
                key_path=f"overrides.{override}.nodes.{node}",
                expected="a node of the model (or a new node with a clearly different name)",
                got=node,
                closest=closest,
            )
    placed = {node for node, _ in layout.table_node_techs}
    in_tables = {
        str(node)
        for table in tables
        for series in table.series.values()
        if "nodes" in (series.index.names or [])
        for node in distinct_labels(series.index, ["nodes"])["nodes"]
    }
    for node in sorted(set(layout.nodes) | in_tables):
        if node in yaml_nodes or f"nodes.{node}" in introduced:
            continue
        closest = near_miss(node, yaml_nodes)
        if closest is None and node in placed:
            continue  # a node defined by its data, as Calliope allows
        for table in _tables_naming(tables, "nodes", node)[:1]:
            problems.add(
                f"Unknown node '{node}' in a data table",
                file=table.file,
                key_path=f"{table.key_path}.{table.axes.get('nodes', 'nodes')}",
                expected="a node defined under `nodes:` ("
                + _names(yaml_nodes)
                + ")"
                + ("" if closest else ", or a tech placed there by the table"),
                got=f"'{node}' {where_in_table(table.axes, 'nodes')}",
                closest=closest or closest_name(node, yaml_nodes),
            )


def _check_index_labels(
    layout: Layout, definitions: ParameterDefinitions, problems: ProblemCollector
) -> None:
    """YAML indexes (`{data, index, dims}`) name existing techs and nodes."""
    known = {"techs": set(layout.techs), "nodes": set(layout.nodes)}
    reported: set[tuple[str, str]] = set()
    for records in definitions.records.values():
        for record in records:
            for dim in ("techs", "nodes"):
                if dim not in record.dims:
                    continue
                label = str(record.labels[record.dims.index(dim)])
                if label in known[dim] or (dim, label) in reported:
                    continue
                if record.key_path.startswith("nodes.") and dim == "techs":
                    continue  # an unknown tech under nodes.N.techs: reported with the layout
                reported.add((dim, label))
                kind = "tech" if dim == "techs" else "node"
                problems.add(
                    f"Unknown {kind} '{label}' in an index",
                    key_path=record.key_path,
                    expected=f"a {kind} of the model: {_names(known[dim])}",
                    got=label,
                    closest=closest_name(label, known[dim]),
                )


def _check_cost_classes(definitions: ParameterDefinitions, problems: ProblemCollector) -> None:
    """A cost class that is a near miss of another is a typo unless the objective weighs both.

    Of two close classes the misspelling is the one the objective does not weigh, else the one
    fewer parameters use: `monetery` beside `monetary` would form a cost class of its own that
    no interest rate or weight applies to.
    """
    uses: Counter[str] = Counter()
    where: dict[str, dict[str, str | None]] = {}
    for name in definitions.names():
        records = definitions.records.get(name, [])
        for label in {str(r.labels[r.dims.index("costs")]) for r in records if "costs" in r.dims}:
            uses[label] += 1
            where.setdefault(label, _record_location(definitions, name, label))
        for table in definitions.tables.get(name, []):
            if "costs" in (table.series.index.names or []):
                for label in distinct_labels(table.series.index, ["costs"])["costs"].astype(str):
                    uses[label] += 1
                    where.setdefault(
                        label,
                        {
                            "key_path": f"{table.key_path}.{table.axes.get('costs', 'costs')}",
                            "file": table.file,
                        },
                    )
    weighed = {
        str(r.labels[r.dims.index("costs")])
        for r in definitions.records.get("objective_cost_weights", [])
        if "costs" in r.dims
    }
    for label in sorted(uses):
        closest = near_miss(label, uses)
        if closest is None or (label in weighed and closest in weighed):
            continue
        label_ranks = (label in weighed, uses[label])
        if label_ranks > (closest in weighed, uses[closest]) or (
            label_ranks == (closest in weighed, uses[closest]) and label < closest
        ):
            continue  # `label` is the established one; its near miss is reported instead
        problems.add(
            f"Cost class '{label}' looks like a misspelling of '{closest}'",
            expected="one spelling per cost class (or weigh both in `objective_cost_weights` "
            "if both are meant)",
            got=label,
            closest=closest,
            **where[label],
        )


def _record_location(
    definitions: ParameterDefinitions, name: str, label: str
) -> dict[str, str | None]:
    for record in definitions.records.get(name, []):
        if "costs" in record.dims and str(record.labels[record.dims.index("costs")]) == label:
            return {"key_path": record.key_path, "file": None}
    return {"key_path": None, "file": None}


def _tables_naming(tables: Iterable[LoadedTable], dim: str, label: str) -> list[LoadedTable]:
    found = []
    for table in tables:
        for series in table.series.values():
            if dim in (series.index.names or []) and (
                label in set(distinct_labels(series.index, [dim])[dim].astype(str))
            ):
                found.append(table)
                break
    return found


def _names(labels: Iterable[str]) -> str:
    labels = sorted(labels)
    return ", ".join(labels[:8]) + (", …" if len(labels) > 8 else "") if labels else "none"


def warn_ignored_data(
    layout: Layout,
    definitions: ParameterDefinitions,
    inputs: xr.Dataset,
    init: Mapping[str, Any],
) -> None:
    """One `ModelWarning` per source whose data name techs/nodes the model left out or switched off.

    Deliberately switched-off things (`active: false`) keep running, as in Calliope's own
    examples; the warning says what was ignored and why, so that nothing disappears silently.
    """
    active = inputs["active"].to_series() if "active" in inputs else pd.Series(dtype=bool)
    active_pairs = set(active[active].index) if len(active) else set()
    subset = init.get("subset") or {}
    excluded = {
        dim: set(map(str, layout.techs if dim == "techs" else layout.nodes))
        - set(map(str, subset[dim] if isinstance(subset[dim], list) else [subset[dim]]))
        for dim in ("techs", "nodes")
        if subset.get(dim) is not None
    }
    placements = set(layout.placements())
    reasons = _reasons(layout, placements, active_pairs)
    dropped = {
        tech: why
        for tech, why in reasons["techs"].items()
        if tech not in excluded.get("techs", set())
        and not ({node for node, t in placements if t == tech} & excluded.get("nodes", set()))
    }
    if dropped:
        _warn(
            "Techs not active anywhere (their data are ignored)",
            [f"'{tech}' ({why})" for tech, why in dropped.items()],
        )
    kept_nodes = set(map(str, inputs.nodes.values))
    left_out = [
        f"'{node}' ({'active: false' if node in layout.inactive_nodes else 'no active tech'})"
        for node in layout.nodes
        if node not in kept_nodes and node not in excluded.get("nodes", set())
    ]
    if left_out:
        _warn("Nodes left out of the model", left_out)
    by_source: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for name in definitions.names():
        for table in definitions.tables.get(name, []):
            names = [str(n) for n in table.series.index.names if n is not None]
            if "techs" not in names or "nodes" not in names:
                continue
            pairs = distinct_labels(table.series.index, ["nodes", "techs"]).astype(str)
            for node, tech in zip(pairs["nodes"], pairs["techs"], strict=True):
                if (node, tech) in active_pairs or tech not in layout.techs:
                    continue
                if node in excluded.get("nodes", set()) or tech in excluded.get("techs", set()):
                    continue
                why = _why_inactive(layout, placements, node, tech, dropped)
                by_source[(table.key_path, table.file)].append(
                    f"{name} of '{tech}' at '{node}' ({why})"
                )
        for record in definitions.records.get(name, []):
            if not record.key_path.startswith("data_definitions") or not {
                "nodes",
                "techs",
            } <= set(record.dims):
                continue
            node = str(record.labels[record.dims.index("nodes")])
            tech = str(record.labels[record.dims.index("techs")])
            if (node, tech) in active_pairs or tech not in layout.techs or node not in layout.nodes:
                continue
            why = _why_inactive(layout, placements, node, tech, dropped)
            by_source[(record.key_path, None)].append(f"'{tech}' at '{node}' ({why})")
    for (key_path, file), items in by_source.items():
        where = f"{file} › {key_path}" if file else key_path
        _warn(f"{where}: values ignored", sorted(set(items)))


def _reasons(
    layout: Layout, placements: set[tuple[str, str]], active_pairs: set[tuple[str, str]]
) -> dict[str, dict[str, str]]:
    placed = defaultdict(set)
    for node, tech in placements:
        placed[tech].add(node)
    active_techs = {tech for _, tech in active_pairs}
    techs = {}
    for tech, definition in layout.techs.items():
        if tech in active_techs:
            continue
        if definition.get("active") is False:
            techs[tech] = "active: false"
        elif not placed[tech]:
            techs[tech] = "not placed at any node"
        elif placed[tech] <= layout.inactive_nodes:
            techs[tech] = "its nodes are inactive"
        elif tech in layout.links and placed[tech] & layout.inactive_nodes:
            inactive = sorted(placed[tech] & layout.inactive_nodes)
            techs[tech] = f"a link to inactive node '{inactive[0]}'"
        else:
            techs[tech] = "switched off or without carriers at its nodes"
    return {"techs": techs}


def _why_inactive(
    layout: Layout,
    placements: set[tuple[str, str]],
    node: str,
    tech: str,
    dropped: Mapping[str, str],
) -> str:
    if tech in dropped:
        return dropped[tech]
    if node in layout.inactive_nodes:
        return f"node '{node}' is inactive"
    entry = layout.node_techs.get(node, {}).get(tech)
    if isinstance(entry, Mapping) and entry.get("active") is False:
        return "active: false there"
    if (node, tech) not in placements:
        return "not placed at that node"
    return "not active there"


def _warn(message: str, items: list[str]) -> None:
    shown = "; ".join(items[:LISTED]) + (
        f"; and {len(items) - LISTED} more" if len(items) > LISTED else ""
    )
    warnings.warn(f"{message}: {shown}", ModelWarning, stacklevel=5)
