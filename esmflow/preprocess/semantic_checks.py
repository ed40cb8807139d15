"""Checks that a model's values make sense, before any array or program is built.

Each rule here stops a model that would otherwise run and give wrong numbers, or fail deep in
the build with a traceback:
- value ranges per parameter (`VALUE_RULES`): a lifetime of 0 years, an interest rate of -100 %
  (the annuity divides by zero), an efficiency of 0 (the math divides by it), a negative
  capacity bound, a `storage_initial` outside [0, 1], a negative or infinite demand (Calliope
  0.7 writes demand as positive `sink_use_*`);
- lower bounds above upper bounds (`flow_cap_min` > `flow_cap_max`, …), compared after every
  definition of both is combined, as the model will see them;
- carriers by base tech: demand only takes in, supply only puts out, storage and transmission
  take in and put out the same carrier, conversion needs both sides;
- a link from a node to itself; a node with only one of latitude and longitude, or a table
  value outside their range; tech and node names that are not plain identifiers (a dot would
  be read as nesting).
Table values are checked column-wise with pandas (one comparison per parameter and table).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from esmflow.errors import ProblemCollector
from esmflow.preprocess.data_tables import (
    LoadedTable,
    describe_cell,
    distinct_labels,
    where_in_table,
)
from esmflow.preprocess.parameters import (
    DIM_ORDER,
    ParameterDefinitions,
    Record,
    TableSeries,
)
from esmflow.preprocess.techs_nodes import Layout

BASE_TECHS = ("demand", "supply", "conversion", "storage", "transmission")
# letters, digits and underscores, starting with a letter (Calliope 0.7's rule for names)
NAME = re.compile(r"^[^\W\d_]\w*$")


@dataclass(frozen=True)
class Range:
    """The values a parameter may take, and why."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False  # the low end itself is not allowed
    finite: bool = False
    why: str = ""
    skip_negative: bool = False  # negatives already reported by the efficiency check

    def flags(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """True where a (numeric, NaN = undefined) value breaks the rule."""
        values = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            below = values <= self.low if self.low_open else values < self.low
            bad = below | (values > self.high)
            if self.finite:
                bad |= np.isinf(values)
            if self.skip_negative:
                bad &= ~(values < 0)
        return bad & ~np.isnan(values)

    def expected(self) -> str:
        low = f"> {self.low:g}" if self.low_open else f"≥ {self.low:g}"
        if self.high < math.inf and self.low > -math.inf:
            text = f"a value in [{self.low:g}, {self.high:g}]"
        elif self.low > -math.inf:
            text = f"a value {low}"
        else:
            text = "a finite value"
        if self.finite and self.high == math.inf and self.low > -math.inf:
            text += " and finite"
        return text + (f" ({self.why})" if self.why else "")


_CAPACITY = Range(low=0, why="a capacity bound cannot be negative")
_LOWER = Range(low=0, finite=True, why="a lower bound must be reachable: not negative, not .inf")
_FRACTION = Range(low=0, high=1, why="a fraction")
_EFFICIENCY = Range(
    low=0,
    low_open=True,
    finite=True,
    skip_negative=True,
    why="with 0 nothing comes through, and the math divides by efficiencies",
)
VALUE_RULES: dict[str, Range] = {
    "lifetime": Range(low=0, low_open=True, why="years over which investment is paid back"),
    "cost_interest_rate": Range(
        low=-1, low_open=True, finite=True, why="the annuity divides by (1 + rate) ^ lifetime - 1"
    ),
    "flow_cap_max": _CAPACITY,
    "storage_cap_max": _CAPACITY,
    "area_use_max": _CAPACITY,
    "source_cap_max": _CAPACITY,
    "flow_cap_max_systemwide": _CAPACITY,
    "available_area": _CAPACITY,
    "flow_cap_per_storage_cap_max": _CAPACITY,
    "export_max": _CAPACITY,
    "flow_cap_min": _LOWER,
    "storage_cap_min": _LOWER,
    "area_use_min": _LOWER,
    "source_cap_min": _LOWER,
    "flow_cap_min_systemwide": _LOWER,
    "flow_cap_per_storage_cap_min": _LOWER,
    "export_min": _LOWER,
    "area_use_per_flow_cap": Range(low=0, finite=True),
    "flow_out_eff": _EFFICIENCY,
    "flow_in_eff": _EFFICIENCY,
    "flow_out_parasitic_eff": _EFFICIENCY,
    "source_eff": _EFFICIENCY,
    "flow_out_eff_per_distance": _EFFICIENCY,
    "flow_in_eff_per_distance": _EFFICIENCY,
    "storage_initial": _FRACTION,
    "storage_loss": _FRACTION,
    "storage_discharge_depth": _FRACTION,
    "flow_out_min_relative": _FRACTION,
    "flow_ramping": Range(low=0, why="a fraction of capacity per hour"),
    "distance": Range(low=0, finite=True),
    "sink_use_equals": Range(
        low=0,
        finite=True,
        why="demand is positive in Calliope 0.7: `sink_use_*` is what a demand takes",
    ),
    "sink_use_min": Range(low=0, finite=True, why="demand is positive in Calliope 0.7"),
    "sink_use_max": Range(low=0, why="demand is positive in Calliope 0.7"),
    "source_use_equals": Range(low=0, finite=True),
    "source_use_min": Range(low=0, finite=True),
    "source_use_max": Range(low=0),
    "bigM": Range(low=0, low_open=True, finite=True),
    "objective_cost_weights": Range(finite=True),
}
MIN_MAX_PAIRS = (
    ("flow_cap_min", "flow_cap_max"),
    ("storage_cap_min", "storage_cap_max"),
    ("area_use_min", "area_use_max"),
    ("source_cap_min", "source_cap_max"),
    ("flow_cap_min_systemwide", "flow_cap_max_systemwide"),
    ("flow_cap_per_storage_cap_min", "flow_cap_per_storage_cap_max"),
    ("source_use_min", "source_use_max"),
    ("sink_use_min", "sink_use_max"),
    ("export_min", "export_max"),
)


def check_semantics(
    definitions: ParameterDefinitions,
    layout: Layout,
    tables: list[LoadedTable],
    problems: ProblemCollector,
) -> None:
    """Run every check of this module, adding what is wrong to `problems`."""
    for name, rule in VALUE_RULES.items():
        check_range(definitions, name, rule, problems)
    check_min_max(definitions, layout, problems)
    check_carriers_by_base_tech(layout, problems)
    check_links(layout, problems)
    check_coordinates(definitions, problems)
    check_names(layout, definitions, tables, problems)
    check_parameter_names(definitions, problems)


def check_range(
    definitions: ParameterDefinitions, name: str, rule: Range, problems: ProblemCollector
) -> None:
    """Every YAML value and table cell of `name` within `rule` (first bad cell per table)."""
    for record in definitions.records.get(name, []):
        value = _as_number(record.value)
        if value is not None and rule.flags(np.array([value]))[0]:
            problems.add(
                f"'{name}' out of range",
                key_path=record.key_path,
                expected=rule.expected(),
                got=repr(record.value),
            )
    for table in definitions.tables.get(name, []):
        check_table_range(table, name, rule, problems)


def check_table_range(
    table: TableSeries, name: str, rule: Range, problems: ProblemCollector
) -> None:
    """One table's values of `name` within `rule`: one comparison over the whole column."""
    values = pd.to_numeric(table.series, errors="coerce")
    bad = rule.flags(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        count = int(bad.sum())
        problems.add(
            f"'{name}' out of range" + (f" in {count} cells" if count > 1 else ""),
            file=table.file,
            key_path=f"{table.key_path}.inputs.{name}",
            expected=rule.expected(),
            got=f"{_text(table.series.iloc[first])} at {_cell(table, first)}"
            + (" (the first of them)" if count > 1 else ""),
        )


def check_min_max(
    definitions: ParameterDefinitions, layout: Layout, problems: ProblemCollector
) -> None:
    """A lower bound never above its upper bound, wherever both are defined.

    Both are assembled as the model will see them (every layer, node over tech), on the labels
    the two parameters use.
    """
    names = set(definitions.names())
    for low_name, high_name in MIN_MAX_PAIRS:
        if low_name not in names or high_name not in names:
            continue
        coords = _coords_of(definitions, (low_name, high_name), layout)
        low = definitions.assemble(low_name, coords, numeric=True)
        high = definitions.assemble(high_name, coords, numeric=True)
        above = (low > high) & np.isfinite(low)  # an infinite bound: reported by its range
        if not above.any():
            continue
        dims = above.dims
        position = tuple(np.argwhere(above.values)[0])
        labels = {dim: above[dim].values[i] for dim, i in zip(dims, position, strict=True)}
        at = ", ".join(f"{dim.rstrip('s')} '{label}'" for dim, label in labels.items())
        first = _pick(low, labels), _pick(high, labels)
        count = int(above.sum())
        problems.add(
            f"'{low_name}' is greater than '{high_name}'" + (f" for {at}" if at else ""),
            expected=f"{low_name} ≤ {high_name} (no capacity can meet both)",
            got=f"{low_name} = {first[0]:g}, {high_name} = {first[1]:g}"
            + (f" (and {count - 1} more places)" if count > 1 else ""),
            **_location(definitions, low_name, labels.get("techs")),
        )


def check_carriers_by_base_tech(layout: Layout, problems: ProblemCollector) -> None:
    """Which carrier sides each base tech has (Calliope 0.7's base techs)."""
    for tech, definition in layout.techs.items():
        base = definition.get("base_tech")
        if base not in BASE_TECHS:
            continue  # missing or unknown base_tech: reported elsewhere
        carriers_in = _carriers(definition.get("carrier_in"))
        carriers_out = _carriers(definition.get("carrier_out"))
        path = f"techs.{tech}"

        def add(message: str, key: str, expected: str, got: str | None = None) -> None:
            problems.add(message, key_path=f"{path}.{key}", expected=expected, got=got)  # noqa: B023

        if base == "demand" and carriers_out:
            add(
                "A demand tech takes carriers out of the system; it has no `carrier_out`",
                "carrier_out",
                "only `carrier_in` (the carrier it consumes)",
                ", ".join(carriers_out),
            )
        if base == "supply" and carriers_in:
            add(
                "A supply tech puts carriers into the system; it has no `carrier_in`",
                "carrier_in",
                "only `carrier_out` (use a conversion tech to turn one carrier into another)",
                ", ".join(carriers_in),
            )
        if base in ("demand", "conversion", "storage", "transmission") and not carriers_in:
            add(f"A {base} tech needs `carrier_in`", "carrier_in", "the carrier(s) it takes in")
        if base in ("supply", "conversion", "storage", "transmission") and not carriers_out:
            add(f"A {base} tech needs `carrier_out`", "carrier_out", "the carrier(s) it puts out")
        if base in ("storage", "transmission") and carriers_in and carriers_out:
            if set(carriers_in) != set(carriers_out):
                add(
                    f"A {base} tech gives back the carrier it takes in",
                    "carrier_out",
                    f"the same carrier(s) in and out (carrier_in: {', '.join(carriers_in)})",
                    ", ".join(carriers_out),
                )


def check_links(layout: Layout, problems: ProblemCollector) -> None:
    """A transmission link joins two different nodes."""
    for tech, definition in layout.techs.items():
        start, end = definition.get("link_from"), definition.get("link_to")
        if start is not None and start == end:
            problems.add(
                f"Link '{tech}' goes from node '{start}' to itself",
                key_path=f"techs.{tech}.link_to",
                expected="a node other than link_from",
                got=str(end),
            )


def check_coordinates(definitions: ParameterDefinitions, problems: ProblemCollector) -> None:
    """Latitude and longitude come in pairs; table values within ±90° / ±180°."""
    given: dict[str, dict[str, dict[str, str | None]]] = {}  # node → {name: location}
    for name in ("latitude", "longitude"):
        for record in definitions.records.get(name, []):
            if "nodes" in record.dims and record.value is not None:
                node = str(record.labels[record.dims.index("nodes")])
                given.setdefault(node, {})[name] = {"key_path": record.key_path, "file": None}
        for table in definitions.tables.get(name, []):
            if "nodes" in (table.series.index.names or []):
                location = {"key_path": f"{table.key_path}.inputs.{name}", "file": table.file}
                for node in distinct_labels(table.series.index, ["nodes"])["nodes"]:
                    given.setdefault(str(node), {})[name] = location
            limit = 90 if name == "latitude" else 180
            rule = Range(low=-limit, high=limit, why="degrees on WGS-84")
            check_table_range(table, name, rule, problems)
    for node, names in given.items():
        if len(names) == 1:
            ((name, location),) = names.items()
            other = "longitude" if name == "latitude" else "latitude"
            problems.add(
                f"Node '{node}' has a {name} but no {other}",
                expected=f"both latitude and longitude for the node (or neither): nodes.{node}.{other}",
                **location,
            )


def check_names(
    layout: Layout,
    definitions: ParameterDefinitions,
    tables: Iterable[LoadedTable],
    problems: ProblemCollector,
) -> None:
    """Tech and node names are identifiers: letters, digits, `_`, starting with a letter."""
    for dim, yaml_names in (("techs", layout.techs), ("nodes", layout.nodes)):
        reported: set[str] = set()
        for table in tables:
            for series in table.series.values():
                if dim not in (series.index.names or []):
                    continue
                for label in _bad_names(pd.Index(distinct_labels(series.index, [dim])[dim])):
                    if label not in reported:
                        reported.add(label)
                        problems.add(
                            _name_message(dim, label),
                            file=table.file,
                            key_path=f"{table.key_path}.{table.axes.get(dim, dim)}",
                            expected=_NAME_RULE,
                            got=f"'{label}' {where_in_table(table.axes, dim)}",
                        )
        for label in _bad_names(pd.Index(list(yaml_names))):
            if label not in reported:
                reported.add(label)
                problems.add(
                    _name_message(dim, label),
                    key_path=f"{dim}.{label}",
                    expected=_NAME_RULE,
                    got=label,
                )
        for record in _records_over(definitions, dim):
            label = str(record.labels[record.dims.index(dim)])
            if label not in reported and not NAME.match(label):
                reported.add(label)
                problems.add(
                    _name_message(dim, label),
                    key_path=record.key_path,
                    expected=_NAME_RULE,
                    got=label,
                )


def check_parameter_names(definitions: ParameterDefinitions, problems: ProblemCollector) -> None:
    """A parameter may not take a dimension's name (`nodes: 5` would clash with the dimension)."""
    dims = set(DIM_ORDER)
    for name in definitions.names():
        dims.update(definitions.dims_of(name))
    for name in definitions.names():
        if name in dims:
            problems.add(
                f"'{name}' is a dimension, not a parameter",
                expected="a parameter name (dimensions are nodes, techs, carriers, costs, "
                "timesteps and those that indexes name)",
                got=name,
                **_location(definitions, name, None),
            )


_NAME_RULE = (
    "letters, digits and underscores, starting with a letter (a dot would be read as "
    "nesting in YAML keys and in `where` strings)"
)


def _name_message(dim: str, label: str) -> str:
    kind = "Tech" if dim == "techs" else "Node"
    if "." in label:
        return f"{kind} name '{label}' contains a dot"
    return f"{kind} name '{label}' is not a plain identifier"


def _bad_names(labels: pd.Index) -> list[str]:
    text = pd.Index(labels).astype(str)
    return list(text[~np.asarray(text.str.match(NAME), dtype=bool)])


def _records_over(definitions: ParameterDefinitions, dim: str) -> Iterable[Record]:
    for records in definitions.records.values():
        for record in records:
            if dim in record.dims:
                yield record


def _carriers(value: Any) -> list[str]:
    if value is None or value is False:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [str(item) for item in items if item is not None]


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    """A cell value as the modeller wrote it (`-4`, `inf`, `'x'`), not numpy's repr."""
    if isinstance(value, np.generic):
        value = value.item()
    return (
        repr(value)
        if isinstance(value, str)
        else f"{value:g}"
        if isinstance(value, float)
        else str(value)
    )


def _cell(table: TableSeries, position: int) -> str:
    index = table.series.index
    dims = [str(n) for n in index.names if n is not None]
    if not dims:
        return "its value"
    label = index[position]
    labels = label if isinstance(label, tuple) else (label,)
    return describe_cell(table.axes, dims, labels)


def _coords_of(
    definitions: ParameterDefinitions, names: Iterable[str], layout: Layout
) -> dict[str, Any]:
    """Labels of every dimension that the definitions of `names` use (plus all nodes, techs)."""
    labels: dict[str, set[Any]] = {"nodes": set(layout.nodes), "techs": set(layout.techs)}
    for name in names:
        for record in definitions.records.get(name, []):
            for dim, label in zip(record.dims, record.labels, strict=True):
                labels.setdefault(dim, set()).add(label)
        for table in definitions.tables.get(name, []):
            dims = [str(d) for d in table.series.index.names if d is not None]
            if dims:
                found = distinct_labels(table.series.index, dims)
                for dim in dims:
                    labels.setdefault(dim, set()).update(found[dim])
    coords: dict[str, Any] = {}
    for dim, items in labels.items():
        if dim == "timesteps":
            coords[dim] = pd.DatetimeIndex(sorted(pd.DatetimeIndex(list(items))))
        else:
            coords[dim] = np.array(sorted({str(item) for item in items}), dtype=object)
    return coords


def _pick(array: xr.DataArray, labels: Mapping[str, Any]) -> float:
    return float(array.sel({d: v for d, v in labels.items() if d in array.dims}).item())


def _location(definitions: ParameterDefinitions, name: str, tech: Any) -> dict[str, Any]:
    """Key path (and file) of the definition of `name` for `tech` (or its first definition)."""
    for record in definitions.records.get(name, []):
        at_tech = "techs" in record.dims and record.labels[record.dims.index("techs")] == tech
        if tech is None or at_tech:
            return {"key_path": record.key_path}
    for table in definitions.tables.get(name, []):
        return {"key_path": f"{table.key_path}.inputs.{name}", "file": table.file}
    return {}
