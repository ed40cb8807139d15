"""Load `data_tables:` (CSV files) into tidy per-parameter series, as Calliope 0.7 does.

A table names which of its axes hold which dimensions (`rows`, `columns`), may keep only some
index items (`select`), remove levels (`drop`), add constant levels (`add_dims`) and rename levels
(`rename_dims`). One dimension must be `inputs`: its items are parameter names. Empty cells mean
"not defined here"; `inf`/`.inf` read as infinity. Paths are relative to the model file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from esmflow.errors import ModelError, ProblemCollector, closest_name
from esmflow.io.yaml_files import sha256_of

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
    """One data table: a series per parameter, indexed by named dimensions (none for scalars)."""

    name: str
    file: str
    series: dict[str, pd.Series] = field(default_factory=dict)
    scalars: dict[str, Any] = field(default_factory=dict)


def load_data_tables(
    tables: Mapping[str, Any], model_dir: Path, files: dict[str, str], problems: ProblemCollector
) -> list[LoadedTable]:
    """Load every table in definition order; problems are collected, not raised."""
    loaded = []
    for name, spec in (tables or {}).items():
        try:
            loaded.append(_load_table(str(name), spec, model_dir, files))
        except ModelError as err:
            problems.extend(err)
    return loaded


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
    tidy = _tidy(frame, rows, columns)
    tidy = _select_drop_add(tidy, spec, str(path), key_path)
    _check_tidy(tidy, str(path), key_path)
    return _split_by_input(name, str(path), tidy)


def _read_csv(
    path: Path, rows: list[str] | None, columns: list[str] | None, key_path: str
) -> pd.DataFrame:
    header = list(range(len(columns))) if columns else [0]
    index_col = list(range(len(rows))) if rows else None
    try:  # utf-8-sig: a byte-order mark (Excel's CSV export) is not part of the first header
        return pd.read_csv(path, encoding="utf-8-sig", header=header, index_col=index_col)
    except (pd.errors.ParserError, ValueError, IndexError, UnicodeDecodeError) as err:
        raise ModelError(
            f"Could not read the CSV with {len(header)} header row(s) and "
            f"{len(index_col or [])} index column(s): {err}",
            file=str(path),
            key_path=f"{key_path}.rows/columns",
            expected=f"rows: {rows}, columns: {columns} matching the file's layout",
        ) from err


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
    """One value per row, indexed by every dimension level; empty cells dropped."""
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
    return tidy[tidy.notna()]


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
        present = pd.Index(tidy.index.get_level_values(dim)).astype(str)
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
