"""Load `data_tables:` (CSV files) into tidy per-parameter series, as Calliope 0.7 does.

A table names which of its axes hold which dimensions (`rows`, `columns`), may keep only some
index items (`select`), remove levels (`drop`), add constant levels (`add_dims`) and rename levels
(`rename_dims`). One dimension must be `inputs`: its items are parameter names. Empty cells mean
"not defined here"; `inf`/`.inf` read as infinity. Paths are relative to the model file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from esmflow.errors import ModelError, ProblemCollector, closest_name
from esmflow.io.yaml_files import sha256_of
from esmflow.preprocess.time_series_checks import (
    TIME_DIM,
    duplicate_time_problems,
    parse_time_labels,
    table_steps,
    time_label_problems,
    time_series_problems,
    with_parsed_times,
)

TABLE_KEYS = ("table", "rows", "columns", "select", "drop", "add_dims", "rename_dims")
NOT_FROM_TABLES = ("template", "templates")  # YAML-only keys (as Calliope)
_INFINITY_TEXT = {
    ".inf": np.inf,
    "+.inf": np.inf,
    "-.inf": -np.inf,
    ".Inf": np.inf,
    "-.Inf": -np.inf,
}


@dataclass
class LoadedTable:
    """One data table: a series per parameter, indexed by named dimensions (none for scalars).

    `axes` says where each dimension's labels stand in the file (`rows`, `columns` or
    `add_dims`), so that messages can point at a column header or a row; `timesteps` are the
    table's time steps (sorted), if it has a time dimension.
    """

    name: str
    file: str
    series: dict[str, pd.Series] = field(default_factory=dict)
    scalars: dict[str, Any] = field(default_factory=dict)
    axes: dict[str, str] = field(default_factory=dict)
    timesteps: pd.DatetimeIndex | None = None

    @property
    def key_path(self) -> str:
        """Where the table is defined in the YAML."""
        return f"data_tables.{self.name}"


def where_in_table(axes: Mapping[str, str], dim: str) -> str:
    """Where the labels of `dim` stand in a table's file, in words."""
    return {
        "rows": f"in the rows (the '{dim}' index column)",
        "columns": f"in the column headers (the '{dim}' header row)",
        "add_dims": f"in `add_dims.{dim}`",
    }.get(axes.get(dim, ""), f"in the '{dim}' labels")


def distinct_labels(index: pd.Index, dims: Sequence[str]) -> pd.DataFrame:
    """The distinct label combinations of some levels of a (long) table index, from its codes.

    A time series repeats each (node, tech) once per time step: reading the level codes finds
    the few distinct combinations without materialising every row's labels.
    """
    if not isinstance(index, pd.MultiIndex):
        return pd.DataFrame({dims[0]: pd.Index(index).unique()})
    positions = [index.names.index(dim) for dim in dims]
    sizes = [len(index.levels[p]) + 1 for p in positions]  # +1: code -1 (a missing label)
    key = np.zeros(len(index), dtype=np.int64)
    for position, size in zip(positions, sizes, strict=True):
        key = key * size + (np.asarray(index.codes[position], dtype=np.int64) + 1)
    used = pd.unique(key)
    columns = {}
    for dim, position, size in reversed(list(zip(dims, positions, sizes, strict=True))):
        used, code = np.divmod(used, size)
        labels = index.levels[position].take(np.maximum(code - 1, 0))
        columns[dim] = labels.where(code != 0) if (code == 0).any() else labels
    return pd.DataFrame({dim: columns[dim] for dim in dims})


def describe_cell(axes: Mapping[str, str], dims: Sequence[Any], labels: Sequence[Any]) -> str:
    """A table cell in the file's own terms: `row 2005-01-01 03:00, column demand_power / A`."""
    parts = {"rows": [], "columns": [], "other": []}
    for dim, label in zip(dims, labels, strict=True):
        text = _label_text(label)
        parts.get(axes.get(str(dim), ""), parts["other"]).append(text)
    words = []
    if parts["rows"]:
        words.append("row " + " / ".join(parts["rows"]))
    if parts["columns"]:
        words.append("column " + " / ".join(parts["columns"]))
    if not words:
        words.append(", ".join(f"{d}={_label_text(v)}" for d, v in zip(dims, labels, strict=True)))
    return ", ".join(words)


def _label_text(label: Any) -> str:
    if isinstance(label, pd.Timestamp):
        return label.strftime("%Y-%m-%d %H:%M") if label.second == 0 else str(label)
    return str(label)


def load_data_tables(
    tables: Mapping[str, Any], model_dir: Path, files: dict[str, str], problems: ProblemCollector
) -> list[LoadedTable]:
    """Load every table in definition order; problems are collected, not raised."""
    loaded: list[LoadedTable] = []
    if not isinstance(tables, Mapping):
        problems.add(
            "`data_tables` must be a mapping of table names to definitions",
            key_path="data_tables",
            got=repr(tables),
        )
        return loaded
    for name, spec in tables.items():
        try:
            loaded.append(_load_table(str(name), spec, model_dir, files))
        except ModelError as err:
            problems.extend(err)
    return loaded


_NAMES_KEYS = ("rows", "columns", "drop")  # a name or a list of names
_MAPPING_KEYS = ("select", "add_dims", "rename_dims")


def _check_spec_types(spec: Mapping[str, Any], key_path: str) -> None:
    """Each key of a table spec has the type it needs (a name, a list of names, a mapping)."""
    if not isinstance(spec["table"], str) or not spec["table"]:
        raise ModelError(
            "`table` must be the path of a CSV file",
            key_path=f"{key_path}.table",
            got=repr(spec["table"]),
        )
    for key in _NAMES_KEYS:
        value = spec.get(key)
        items = value if isinstance(value, list) else [value]
        if value is not None and not all(isinstance(item, str) and item for item in items):
            raise ModelError(
                f"`{key}` must be a dimension name or a list of them",
                key_path=f"{key_path}.{key}",
                got=repr(value),
            )
        if isinstance(value, list) and len(set(value)) != len(value):
            raise ModelError(
                f"`{key}` names a dimension twice", key_path=f"{key_path}.{key}", got=repr(value)
            )
    for key in _MAPPING_KEYS:
        value = spec.get(key)
        if value is not None and not isinstance(value, Mapping):
            raise ModelError(
                f"`{key}` must be a mapping of dimension names to items",
                key_path=f"{key_path}.{key}",
                got=repr(value),
            )
        for dim, items in (value or {}).items():
            listed = items if isinstance(items, list) else [items]
            is_label = [
                isinstance(i, str | int | float) and not isinstance(i, bool) for i in listed
            ]
            if key == "rename_dims":
                is_label = [isinstance(items, str) and bool(items)]
            if not listed or not all(is_label):
                raise ModelError(
                    f"`{key}.{dim}` must be "
                    + (
                        "a dimension name" if key == "rename_dims" else "an item or a list of items"
                    ),
                    key_path=f"{key_path}.{key}.{dim}",
                    got=repr(items),
                )


def _listify(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _load_table(name: str, spec: Any, model_dir: Path, files: dict[str, str]) -> LoadedTable:
    key_path = f"data_tables.{name}"
    if not isinstance(spec, Mapping) or "table" not in spec:
        raise ModelError("A data table needs at least `table:` (a CSV path)", key_path=key_path)
    unknown = [key for key in spec if key not in TABLE_KEYS]
    if unknown:
        raise ModelError(
            f"Unknown data table key '{unknown[0]}'",
            key_path=f"{key_path}.{unknown[0]}",
            expected=", ".join(TABLE_KEYS),
            closest=closest_name(unknown[0], TABLE_KEYS),
        )
    _check_spec_types(spec, key_path)
    path = (model_dir / str(spec["table"])).resolve()
    if not path.is_file():
        raise ModelError(
            "Data table file not found",
            key_path=f"{key_path}.table",
            expected=f"a CSV file (path relative to {model_dir})",
            got=str(spec["table"]),
        )
    files[str(path)] = sha256_of(path)
    rows, columns = _listify(spec.get("rows")), _listify(spec.get("columns"))
    if not rows and not columns:
        raise ModelError("A data table needs `rows` and/or `columns`", key_path=key_path)
    frame = _read_csv(path, rows, columns, key_path)
    frame = _name_axes(frame, rows, columns, spec.get("rename_dims") or {}, str(path), key_path)
    frame = _parse_time_labels(frame, str(path), key_path)
    tidy = _select_drop_add(_tidy(frame, rows, columns), spec, str(path), key_path)
    steps = None
    if TIME_DIM in tidy.index.names:
        tidy = with_parsed_times(tidy)
        steps = table_steps(tidy)
        problems = time_series_problems(tidy, steps, file=str(path), key_path=key_path)
        if problems:
            raise ModelError(problems=problems)
    tidy = tidy[tidy.notna()]
    if tidy.empty:
        raise ModelError(
            "The data table holds no values",
            file=str(path),
            key_path=f"{key_path}.table",
            expected=f"a CSV with data below its header(s) (rows: {rows}, columns: {columns})",
        )
    _check_tidy(tidy, str(path), key_path)
    table = _split_by_input(name, str(path), tidy)
    table.axes = {dim: "rows" for dim in rows or []}
    table.axes |= {dim: "columns" for dim in columns or []}
    table.axes |= {str(dim): "add_dims" for dim in spec.get("add_dims") or {}}
    table.timesteps = steps  # empty cells are errors, so dropping them dropped no step
    return table


def _parse_time_labels(frame: pd.DataFrame, file: str, key_path: str) -> pd.DataFrame:
    """Time labels of the row index or column headers as datetimes, checked: ISO 8601 local
    times without offsets, none empty (a ModelError listing the bad ones otherwise)."""
    for axis in ("index", "columns"):
        labels = getattr(frame, axis)
        if TIME_DIM not in [str(n) for n in labels.names]:
            continue
        level = [str(n) for n in labels.names].index(TIME_DIM)
        axis_path = f"{key_path}.{'rows' if axis == 'index' else 'columns'}"
        times, reasons = parse_time_labels(labels.get_level_values(level))
        if (reasons != "").any():
            raise ModelError(
                problems=time_label_problems(
                    labels.get_level_values(level),
                    file=file,
                    key_path=axis_path,
                    where="in the rows" if axis == "index" else "in the column headers",
                )
            )
        repeated = duplicate_time_problems(labels, times, file=file, key_path=axis_path)
        if repeated:
            raise ModelError(problems=repeated)
        if isinstance(labels, pd.MultiIndex):
            arrays = [labels.get_level_values(i) for i in range(labels.nlevels)]
            arrays[level] = times
            parsed = pd.MultiIndex.from_arrays(arrays, names=labels.names)
        else:
            parsed = pd.DatetimeIndex(times, name=labels.name)
        frame = frame.set_axis(parsed, axis=axis)
    return frame


def _read_csv(
    path: Path, rows: list[str] | None, columns: list[str] | None, key_path: str
) -> pd.DataFrame:
    header = list(range(len(columns))) if columns else [0]
    index_col = list(range(len(rows))) if rows else None
    try:  # utf-8-sig: a byte-order mark (Excel's CSV export) is not part of the first header
        frame = pd.read_csv(path, encoding="utf-8-sig", header=header, index_col=index_col)
    except pd.errors.EmptyDataError as err:
        raise ModelError(
            "The CSV file is empty", file=str(path), key_path=f"{key_path}.table"
        ) from err
    except (pd.errors.ParserError, ValueError, IndexError, UnicodeDecodeError) as err:
        raise ModelError(
            f"Could not read the CSV with {len(header)} header row(s) and "
            f"{len(index_col or [])} index column(s): {err}",
            file=str(path),
            key_path=f"{key_path}.rows/columns",
            expected=f"rows: {rows}, columns: {columns} matching the file's layout",
        ) from err
    _check_repeated_headers(frame, path, key_path)
    return frame


def _check_repeated_headers(frame: pd.DataFrame, path: Path, key_path: str) -> None:
    """A header written twice: pandas renames the second `A` to `A.1`, which would be a new label."""
    if frame.columns.nlevels != 1:
        repeated = frame.columns[frame.columns.duplicated()]
    else:
        names = set(map(str, frame.columns))
        mangled = frame.columns.astype(str).str.extract(r"^(.*)\.(\d+)$")[0]
        repeated = pd.Index(mangled[mangled.isin(names)].unique())
    if len(repeated):
        raise ModelError(
            "A column header is written twice",
            file=str(path),
            key_path=f"{key_path}.columns",
            expected="each column once (the second one would be read as another label)",
            got=", ".join(map(str, repeated[:3])),
        )


def _name_axes(
    frame: pd.DataFrame,
    rows: list[str] | None,
    columns: list[str] | None,
    rename: Mapping[str, str],
    file: str,
    key_path: str,
) -> pd.DataFrame:
    """Give index/column levels the dimension names the table spec declares, checking the file's."""
    for axis, names in (("index", rows), ("columns", columns)):
        labels = getattr(frame, axis)
        if names is None:
            continue
        if labels.nlevels != len(names):
            raise ModelError(
                f"The CSV has {labels.nlevels} {axis} level(s) but the spec names {len(names)}",
                file=file,
                key_path=f"{key_path}.{'rows' if axis == 'index' else 'columns'}",
                expected=str(names),
            )
        in_file = [
            rename.get(level, level) if level is not None else None for level in labels.names
        ]
        mismatched = [
            (found, wanted)
            for found, wanted in zip(in_file, names, strict=True)
            if found is not None and not str(found).startswith("Unnamed:") and str(found) != wanted
        ]
        if mismatched:
            found, wanted = mismatched[0]
            raise ModelError(
                f"The CSV names a {axis} level '{found}' where the spec says '{wanted}'",
                file=file,
                key_path=f"{key_path}.{'rows' if axis == 'index' else 'columns'}",
                expected=str(names),
                got=str([str(n) for n in in_file]),
                closest=closest_name(str(found), names),
            )
        frame = frame.rename_axis(names, axis=axis)
    return frame


def _tidy(frame: pd.DataFrame, rows: list[str] | None, columns: list[str] | None) -> pd.Series:
    """One value per row, indexed by every dimension level; empty cells kept (as NaN) for the
    time checks, then dropped by the caller."""
    if rows is None:  # the data is one row under the header(s)
        tidy = frame.iloc[0] if len(frame) == 1 else frame.stack(list(range(frame.columns.nlevels)))
    elif columns is None:  # one data column: its header is not a dimension
        tidy = (
            frame.iloc[:, 0]
            if frame.shape[1] == 1
            else frame.stack(list(range(frame.columns.nlevels)))
        )
    else:
        tidy = frame.stack(list(range(frame.columns.nlevels)), future_stack=True)
    if not pd.api.types.is_numeric_dtype(tidy.dtype):
        tidy = tidy.astype(object)
    return tidy


def _require_level(dim: str, levels: list[str], action: str, file: str, key_path: str) -> None:
    """Stop with the table's levels and the closest one when `dim` is not among them."""
    if dim not in levels:
        raise ModelError(
            f"{action}: not a level of the table",
            file=file,
            key_path=key_path,
            expected=str(levels),
            closest=closest_name(dim, levels),
        )


def _select_drop_add(
    tidy: pd.Series, spec: Mapping[str, Any], file: str, key_path: str
) -> pd.Series:
    levels = [str(n) for n in tidy.index.names]
    for dim, items in (spec.get("select") or {}).items():
        _require_level(dim, levels, f"Cannot select on '{dim}'", file, f"{key_path}.select.{dim}")
        wanted = _listify(items) or []
        present = pd.Index(tidy.index.get_level_values(dim))
        if isinstance(present, pd.DatetimeIndex):  # compare times, however they are written
            times, _ = parse_time_labels(wanted)
            wanted = [str(t) if t is not pd.NaT else w for t, w in zip(times, wanted, strict=True)]
        present = present.astype(str)
        missing = [item for item in wanted if item not in set(present)]
        if missing:
            raise ModelError(
                f"Selected item '{missing[0]}' is not in the table's '{dim}' level",
                file=file,
                key_path=f"{key_path}.select.{dim}",
                expected=str(sorted(set(present))),
                closest=closest_name(missing[0], set(present)),
            )
        tidy = tidy[present.isin(wanted)]
    for dim in _listify(spec.get("drop")) or []:
        _require_level(dim, levels, f"Cannot drop '{dim}'", file, f"{key_path}.drop")
        tidy = tidy.droplevel(dim)
        levels.remove(dim)
    for dim, items in (spec.get("add_dims") or {}).items():
        items = _listify(items) or []
        tidy = pd.concat([tidy] * len(items), keys=items, names=[str(dim)])
    return tidy


def _check_tidy(tidy: pd.Series, file: str, key_path: str) -> None:
    names = [str(n) for n in tidy.index.names]
    if "inputs" not in names:
        raise ModelError(
            "No `inputs` dimension: parameter names must come from rows, columns or add_dims",
            file=file,
            key_path=key_path,
            got=str(names),
            closest=closest_name("inputs", names),
        )
    if len(set(names)) != len(names):
        raise ModelError("Duplicate dimension names", file=file, key_path=key_path, got=str(names))
    duplicated = tidy.index.duplicated()
    if duplicated.any():
        raise ModelError(
            "Duplicate index items",
            file=file,
            key_path=key_path,
            got=str(list(tidy.index[duplicated][:3])),
        )
    protected = sorted(
        set(tidy.index.get_level_values("inputs").unique().astype(str)) & set(NOT_FROM_TABLES)
    )
    if protected:
        raise ModelError(
            f"'{protected[0]}' can only be used in YAML, not in a data table",
            file=file,
            key_path=key_path,
        )


def _split_by_input(name: str, file: str, tidy: pd.Series) -> LoadedTable:
    """One series per parameter (the `inputs` level's items), values with `.inf` text as numbers."""
    table = LoadedTable(name, file)
    if tidy.dtype == object:
        tidy = tidy.replace(_INFINITY_TEXT)
    other_dims = [str(n) for n in tidy.index.names if n != "inputs"]
    for parameter, values in tidy.groupby(level="inputs", sort=False):
        if not other_dims:
            table.scalars[str(parameter)] = values.iloc[0]
        else:
            table.series[str(parameter)] = values.droplevel("inputs")
    return table
