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
        self, name: str, series: pd.Series, *, rank: int, key_path: str, file: str
    ) -> None:
        """Add the values of a parameter read from a data table."""
        self.tables[name].append(TableSeries(rank, series, key_path, file))

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

        Numeric parameters are assembled as float64 (values already checked to be numbers);
        the others as objects, typed by the caller.
        """
        dims = self.dims_of(name)
        dtype = float if numeric else object
        template = xr.DataArray(
            np.full(tuple(len(coords[d]) for d in dims), np.nan, dtype=dtype),
            coords={d: coords[d] for d in dims},
            dims=dims,
        )
        layers: dict[int, list[xr.DataArray]] = defaultdict(list)
        for table in self.tables.get(name, []):
            layers[table.rank].append(_series_to_array(table.series, template))
        by_group: dict[tuple[int, tuple[str, ...]], list[Record]] = defaultdict(list)
        for record in self.records.get(name, []):
            by_group[(record.rank, record.dims)].append(record)
        for (rank, group_dims), records in by_group.items():
            layers[rank].append(_records_to_array(group_dims, records, template))
        result = template
        for rank in sorted(layers, reverse=True):
            for layer in layers[rank]:
                if rank == RANK_TECH and self.node_overrides.get(name):
                    layer = _without_node_overrides(layer, self.node_overrides[name])
                result = result.where(result.notnull(), layer)
        return result.rename(name)


def _series_to_array(series: pd.Series, template: xr.DataArray) -> xr.DataArray:
    if template.dtype == float:
        series = pd.to_numeric(series, errors="coerce").astype(float)
    else:
        series = series.astype(object)
    if list(series.index.names) == [None]:
        return xr.full_like(template, series.iloc[0])
    array = xr.DataArray.from_series(series)
    array = array.reindex({d: template.coords[d].values for d in array.dims})
    return array.broadcast_like(template).transpose(*template.dims)


def _records_to_array(
    dims: tuple[str, ...], records: list[Record], template: xr.DataArray
) -> xr.DataArray:
    values = pd.Series([r.value for r in records], dtype=object)
    if not dims:
        return _series_to_array(values.set_axis(pd.Index([None])), template)
    index = pd.MultiIndex.from_tuples([r.labels for r in records], names=list(dims))
    series = values.set_axis(index)
    series = series[~series.index.duplicated(keep="last")]
    return _series_to_array(series, template)


def _without_node_overrides(layer: xr.DataArray, pairs: set[tuple[str, str]]) -> xr.DataArray:
    """Blank a tech-level layer where a node sets the parameter again (nodes × techs mask)."""
    if "nodes" not in layer.dims or "techs" not in layer.dims:
        return layer
    nodes, techs = zip(*sorted(pairs), strict=True)
    overridden = pd.Series(
        True, index=pd.MultiIndex.from_arrays([nodes, techs], names=["nodes", "techs"])
    )
    mask = xr.DataArray.from_series(overridden).reindex(
        nodes=layer.coords["nodes"].values, techs=layer.coords["techs"].values
    )
    return layer.where(mask.isnull())


def indexed_values(
    value: Any, *, pivot_dim: str | None, broadcast: bool, key_path: str
) -> tuple[tuple[str, ...], list[tuple[Any, ...]], list[Any]]:
    """Normalise a YAML parameter value to (dims, index tuples, values), Calliope's IndexedData."""
    if isinstance(value, Mapping):
        if "data" not in value:
            raise ModelError(
                "An indexed parameter needs `data` (and `index`, `dims`)",
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


def _indexed_mapping(
    value: Mapping[str, Any], broadcast: bool, key_path: str
) -> tuple[tuple[str, ...], list[tuple[Any, ...]], list[Any]]:
    dims_raw = value.get("dims")
    dims = tuple(
        str(d) for d in (dims_raw if isinstance(dims_raw, list) else [dims_raw] if dims_raw else [])
    )
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
