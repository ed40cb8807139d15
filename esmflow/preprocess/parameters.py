"""Collect every definition of every parameter and assemble each into one array, by priority.

A parameter may be defined in several places; Calliope 0.7 gives them this priority (highest
last): data tables (a later table over an earlier one), `techs.X` (with templates), `nodes.N.techs.X`
and `nodes.N`, then `data_definitions`. A lower layer only fills what higher layers leave
undefined, except that a tech's parameter set again at a node replaces the tech-level value *at
that node* as a whole (so `{data, index, dims}` at a node does not inherit the tech's other index
items). A definition without some of the parameter's dimensions applies to every item of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from esmflow.errors import ModelError

# Layer ranks: tables get 0, 1, 2, … in definition order; YAML layers sit above every table.
RANK_TECH = 10_000
RANK_NODE = 20_000
RANK_DATA_DEFINITIONS = 30_000

DIM_ORDER = ("nodes", "techs", "carriers", "costs", "timesteps")


@dataclass
class Record:
    """One value of a parameter from YAML: where it is (labels over dims) and where it came from."""

    rank: int
    dims: tuple[str, ...]
    labels: tuple[Any, ...]
    value: Any
    key_path: str


@dataclass
class TableSeries:
    """All values of a parameter from one data table."""

    rank: int
    series: pd.Series  # index levels named after dims; a 0-d value has an empty tuple index
    key_path: str
    file: str
    axes: Mapping[str, str] = field(default_factory=dict)  # dim → rows / columns / add_dims


@dataclass
class ParameterDefinitions:
    """Every definition of every parameter, before they are combined into arrays."""

    records: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))
    tables: dict[str, list[TableSeries]] = field(default_factory=lambda: defaultdict(list))
    # (node, tech) pairs where a tech parameter is set again at node level, per parameter
    node_overrides: dict[str, set[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(set)
    )

    def names(self) -> list[str]:
        """Every parameter name, in first-seen order."""
        return list(dict.fromkeys([*self.tables, *self.records]))

    def add_value(
        self,
        name: str,
        value: Any,
        *,
        rank: int,
        fixed: Mapping[str, str],
        key_path: str,
        pivot_dim: str | None,
        broadcast: bool,
    ) -> None:
        """Add a YAML value (scalar, list for a pivot lookup, or `{data, index, dims}`)."""
        dims, index, values = indexed_values(
            value, pivot_dim=pivot_dim, broadcast=broadcast, key_path=key_path
        )
        clash = set(dims) & set(fixed)
        if clash:
            raise ModelError(
                f"`dims` may not name '{sorted(clash)[0]}' here: it is given by where the value sits",
                key_path=f"{key_path}.dims",
                got=str(list(dims)),
            )
        full_dims = (*fixed, *dims)
        prefix = tuple(fixed.values())
        if "timesteps" in dims:
            position = dims.index("timesteps")
            try:
                index = [
                    (*item[:position], pd.Timestamp(item[position]), *item[position + 1 :])
                    for item in index
                ]
            except ValueError as err:
                raise ModelError(
                    "Time step labels must be ISO 8601 timestamps",
                    key_path=f"{key_path}.index",
                    got=str(err),
                ) from err
        self.records[name].extend(
            Record(rank, full_dims, (*prefix, *labels), item, key_path)
            for labels, item in zip(index, values, strict=True)
        )

    def add_series(
        self,
        name: str,
        series: pd.Series,
        *,
        rank: int,
        key_path: str,
        file: str,
        axes: Mapping[str, str] | None = None,
    ) -> None:
        """Add the values of a parameter read from a data table."""
        self.tables[name].append(TableSeries(rank, series, key_path, file, dict(axes or {})))

    def dims_of(self, name: str) -> tuple[str, ...]:
        """The parameter's dims: the union over all its definitions, in a stable order."""
        seen: list[str] = []
        for record in self.records.get(name, []):
            seen.extend(d for d in record.dims if d not in seen)
        for table in self.tables.get(name, []):
            names = [str(d) for d in table.series.index.names if d is not None]
            seen.extend(d for d in names if d not in seen)
        known = [d for d in DIM_ORDER if d in seen]
        return (*known, *sorted(d for d in seen if d not in DIM_ORDER))

    def labels_by_dim(self) -> dict[str, pd.Index]:
        """Every label used for every dimension, across all parameters (sorted, unique)."""
        from_records: dict[str, set[Any]] = defaultdict(set)
        for records in self.records.values():
            for record in records:
                for dim, label in zip(record.dims, record.labels, strict=True):
                    from_records[dim].add(label)
        labels = {dim: pd.Index(sorted(items)) for dim, items in from_records.items()}
        for tables in self.tables.values():
            for table in tables:
                for level, dim in enumerate(table.series.index.names):
                    if dim is None:
                        continue
                    found = table.series.index.get_level_values(level).unique()
                    labels[str(dim)] = (
                        labels[str(dim)].union(found) if str(dim) in labels else found
                    )
        return {dim: index.unique().sort_values() for dim, index in labels.items()}

    def assemble(self, name: str, coords: Mapping[str, Any], numeric: bool) -> xr.DataArray:
        """Combine all definitions of `name` into one array over its dims (NaN = undefined).

        Layers are written highest priority first into one preallocated array, each only where
        nothing is defined yet, so no dense intermediate arrays are built. Numeric parameters
        are float64 (values already checked to be numbers); the others objects, typed later.
        """
        dims = self.dims_of(name)
        indexes = {d: pd.Index(coords[d]) for d in dims}
        out = np.full(
            tuple(len(indexes[d]) for d in dims), np.nan, dtype=float if numeric else object
        )
        layers: dict[int, list[pd.Series]] = defaultdict(list)
        for table in self.tables.get(name, []):
            layers[table.rank].append(table.series)
        by_group: dict[tuple[int, tuple[str, ...]], list[Record]] = defaultdict(list)
        for record in self.records.get(name, []):
            by_group[(record.rank, record.dims)].append(record)
        for (rank, group_dims), records in by_group.items():
            layers[rank].append(_records_to_series(group_dims, records))
        blocked = self._overridden_mask(name, indexes) if "nodes" in dims else None
        for rank in sorted(layers, reverse=True):
            for series in layers[rank]:
                values = pd.to_numeric(series, errors="coerce") if numeric else series
                _write_where_undefined(
                    out, dims, indexes, values, blocked if rank == RANK_TECH else None
                )
        return xr.DataArray(out, coords={d: coords[d] for d in dims}, dims=dims, name=name)

    def _overridden_mask(self, name: str, indexes: Mapping[str, pd.Index]) -> np.ndarray | None:
        """(nodes, techs) True where a node sets this tech parameter again (tech level ignored)."""
        pairs = self.node_overrides.get(name)
        if not pairs:
            return None
        nodes, techs = (list(items) for items in zip(*sorted(pairs), strict=True))
        mask = np.zeros((len(indexes["nodes"]), len(indexes["techs"])), dtype=bool)
        mask[indexes["nodes"].get_indexer(nodes), indexes["techs"].get_indexer(techs)] = True
        return mask


def _records_to_series(dims: tuple[str, ...], records: list[Record]) -> pd.Series:
    values = pd.Series([r.value for r in records], dtype=object)
    if not dims:
        return values.iloc[-1:].set_axis(pd.Index([None]))
    index = pd.MultiIndex.from_tuples([r.labels for r in records], names=list(dims))
    series = values.set_axis(index)
    return series[~series.index.duplicated(keep="last")]


def _write_where_undefined(
    out: np.ndarray,
    dims: tuple[str, ...],
    indexes: Mapping[str, pd.Index],
    series: pd.Series,
    blocked: np.ndarray | None,
) -> None:
    """Write `series` into `out` where `out` is still undefined; dims it lacks are broadcast.

    `blocked` (nodes, techs) marks places a tech-level value must not reach (set at node level).
    """
    present = [str(d) for d in series.index.names if d is not None]
    missing = [d for d in dims if d not in present]
    view = out.transpose([dims.index(d) for d in (*present, *missing)])  # a view of `out`
    positions = tuple(indexes[d].get_indexer(series.index.get_level_values(d)) for d in present)
    values = series.to_numpy().reshape((-1 if present else 1,) + (1,) * len(missing))
    if not present:
        positions, values = (slice(None),) * len(missing), values.reshape(values.shape[1:])
    current = view[positions]
    undefined = pd.isnull(current)
    if blocked is not None and "techs" in present and "nodes" in missing:
        at_records = blocked[:, positions[present.index("techs")]].T  # (records, nodes)
        shape = [len(indexes[d]) if d == "nodes" else 1 for d in missing]
        undefined &= ~at_records.reshape((-1, *shape))
    view[positions] = np.where(undefined, values, current)


def indexed_values(
    value: Any, *, pivot_dim: str | None, broadcast: bool, key_path: str
) -> tuple[tuple[str, ...], list[tuple[Any, ...]], list[Any]]:
    """Normalise a YAML parameter value to (dims, index tuples, values), Calliope's IndexedData."""
    if isinstance(value, Mapping):
        if "data" not in value:
            raise ModelError(
                "An indexed parameter needs `data` (and `index`, `dims`)"
                + ("" if {"index", "dims"} & set(value) else _dotted_name_hint(key_path)),
                key_path=key_path,
                expected="{data: ..., index: [...], dims: [...]}",
                got=str(dict(value)),
            )
        unknown = sorted(set(value) - {"data", "index", "dims"})
        if unknown:
            raise ModelError(
                f"Unknown key '{unknown[0]}' in an indexed parameter",
                key_path=f"{key_path}.{unknown[0]}",
                expected="data, index, dims",
            )
        return _indexed_mapping(value, broadcast, key_path)
    if pivot_dim is not None and value is not None:
        items = value if isinstance(value, list) else [value]
        return (pivot_dim,), [(str(item),) for item in items], [True] * len(items)
    if isinstance(value, list):
        raise ModelError(
            "A list needs `index` and `dims` to say what each item applies to",
            key_path=key_path,
            expected="{data: [...], index: [...], dims: [...]}",
            got=str(value),
        )
    return (), [()], [value]


def _dotted_name_hint(key_path: str) -> str:
    """A tech or node named `a.b` in YAML becomes `a` with a key `b`: say so."""
    parts = key_path.split(".")
    if len(parts) == 3 and parts[0] in ("techs", "nodes"):
        return (
            f". If '{parts[1]}.{parts[2]}' is meant as one name: tech and node names cannot "
            "contain dots (a dot in a YAML key nests it)"
        )
    return ""


def _data_by_label(
    data: Mapping[Any, Any], dims: tuple[str, ...], key_path: str
) -> tuple[tuple[str, ...], list[tuple[Any, ...]], list[Any]]:
    """`data: {label: value, …}` along the one dim: each label its value (`index` not needed).

    Calliope's national example writes `objective_cost_weights.data: {emissions: 1, monetary: 0}`
    in an override (merged over `{data: 1, index: monetary, dims: costs}`); Calliope 0.7.0's
    own validation rejects it, but what it means is plain, so esmflow reads it so.
    """
    if len(dims) != 1:
        raise ModelError(
            "`data` given as a mapping of labels to values needs exactly one dim",
            key_path=f"{key_path}.dims",
            expected="one dim, e.g. dims: costs",
            got=str(list(dims)),
        )
    return dims, [(str(label),) for label in data], list(data.values())


def _indexed_mapping(
    value: Mapping[str, Any], broadcast: bool, key_path: str
) -> tuple[tuple[str, ...], list[tuple[Any, ...]], list[Any]]:
    dims_raw = value.get("dims")
    dims = tuple(
        str(d) for d in (dims_raw if isinstance(dims_raw, list) else [dims_raw] if dims_raw else [])
    )
    if isinstance(value["data"], Mapping):
        return _data_by_label(value["data"], dims, key_path)
    index_raw = value.get("index", [[]])
    if not isinstance(index_raw, list):
        index_raw = [[index_raw]]
    elif not any(isinstance(item, list) for item in index_raw):
        index_raw = [[item] for item in index_raw]
    index = [tuple(str(label) for label in item) for item in index_raw]
    data = value["data"] if isinstance(value["data"], list) else [value["data"]]
    if not dims:
        if len(data) != 1:
            raise ModelError(
                "Several data items need `dims` and `index`", key_path=key_path, got=str(data)
            )
        return (), [()], data
    bad = [item for item in index if len(item) != len(dims)]
    if bad:
        raise ModelError(
            f"Each index item needs one label per dim ({len(dims)})",
            key_path=f"{key_path}.index",
            expected=f"items of length {len(dims)} for dims {list(dims)}",
            got=str(list(bad[0])),
        )
    if len(data) == 1 and len(index) > 1:
        if not broadcast:
            raise ModelError(
                "One data item for several index items",
                key_path=f"{key_path}.data",
                expected=f"{len(index)} data items, or config.init.broadcast_input_data: true",
                got=str(data),
            )
        data = data * len(index)
    if len(data) != len(index):
        raise ModelError(
            "Data and index lengths differ",
            key_path=key_path,
            expected=f"{len(index)} data items (one per index item)",
            got=f"{len(data)} data items",
        )
    return dims, index, data
