"""Read Macro's attribute names as esmflow's: rename them (and invert durations) before any check.

A Macro user may write `min_flow_fraction: 0.4` or `storage_max_duration: 10` on a tech; they
mean `flow_out_min_relative: 0.4` and `flow_cap_per_storage_cap_min: 0.1`. Every definition of
an alias (YAML values, data-table columns) becomes a definition of esmflow's name, keeping the
key path the modeller wrote, and the log says so once per name. An alias given at the same
place as esmflow's name with a different value is a ModelError: which one was meant?
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from esmflow.errors import ProblemCollector
from esmflow.preprocess.parameters import ParameterDefinitions, Record, TableSeries
from esmflow.vocabulary import MACRO_NAMES, Alias

logger = logging.getLogger(__name__)


def rename_aliases(definitions: ParameterDefinitions, problems: ProblemCollector) -> None:
    """Move every alias's definitions to esmflow's name, in place; clashes are problems."""
    for alias in [name for name in definitions.names() if name in MACRO_NAMES]:
        target = MACRO_NAMES[alias]
        records = [
            _converted_record(record, target) for record in definitions.records.pop(alias, [])
        ]
        tables = [_converted_table(table, target) for table in definitions.tables.pop(alias, [])]
        _report_clashes(alias, target.name, records, tables, definitions, problems)
        definitions.records[target.name].extend(records)
        definitions.tables[target.name].extend(tables)
        overridden = definitions.node_overrides.pop(alias, set())
        if overridden:
            definitions.node_overrides[target.name] |= overridden
        places = [record.key_path for record in records] + [table.key_path for table in tables]
        logger.info(
            "'%s' is Macro's name for '%s'%s: read as such at %s",
            alias,
            target.name,
            " (its reciprocal)" if target.inverse else "",
            _places(places),
        )


def _converted_record(record: Record, target: Alias) -> Record:
    if not target.inverse:
        return record
    return Record(
        record.rank, record.dims, record.labels, _reciprocal(record.value), record.key_path
    )


def _converted_table(table: TableSeries, target: Alias) -> TableSeries:
    if not target.inverse:
        return table
    numbers = pd.to_numeric(table.series, errors="coerce")
    converted = table.series.where(numbers.isna(), _reciprocals(numbers))
    return TableSeries(table.rank, converted, table.key_path, table.file, table.axes)


def _reciprocal(value: Any) -> Any:
    """1 / value for a number; a zero duration, Macro's "no limit", is left unset (None)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value  # not a number: the numeric checks report it under its written key path
    return None if number == 0 else 1 / number


def _reciprocals(numbers: pd.Series) -> pd.Series:
    return 1 / numbers.where(numbers != 0)


def _report_clashes(
    alias: str,
    name: str,
    records: list[Record],
    tables: list[TableSeries],
    definitions: ParameterDefinitions,
    problems: ProblemCollector,
) -> None:
    """An alias and esmflow's name set at the same place to different values."""
    ours = {
        (record.rank, record.dims, record.labels): record
        for record in definitions.records.get(name, [])
    }
    for record in records:
        same_place = ours.get((record.rank, record.dims, record.labels))
        if same_place is not None and not _same(same_place.value, record.value):
            problems.add(
                f"'{alias}' (Macro's name for '{name}') and '{name}' are both given here, with "
                f"different values ({_text(record.value)} and {_text(same_place.value)})",
                key_path=record.key_path,
                expected=f"one of them (or both with the same value); '{name}' is set at "
                f"{same_place.key_path}",
                got=_text(record.value),
            )
    for table in tables:
        for other in definitions.tables.get(name, []):
            shared = table.series.index.intersection(other.series.index)
            if len(shared) and not _all_same(table.series.loc[shared], other.series.loc[shared]):
                problems.add(
                    f"'{alias}' (Macro's name for '{name}') and '{name}' are both given in "
                    "data tables, with different values for the same items",
                    file=table.file,
                    key_path=table.key_path,
                    expected=f"one of them; '{name}' is in {other.key_path}",
                )


def _same(first: Any, second: Any) -> bool:
    try:
        return bool(np.isclose(float(first), float(second), rtol=1e-12, atol=0))
    except (TypeError, ValueError):
        return first == second


def _all_same(first: pd.Series, second: pd.Series) -> bool:
    a = pd.to_numeric(first, errors="coerce").to_numpy(dtype=float)
    b = pd.to_numeric(second, errors="coerce").to_numpy(dtype=float)
    numbers_agree = np.isclose(a, b, rtol=1e-12, atol=0, equal_nan=True)
    text_agrees = first.to_numpy() == second.to_numpy()
    return bool((numbers_agree | text_agrees).all())


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _places(places: Iterable[str]) -> str:
    listed = list(dict.fromkeys(places))
    more = f" and {len(listed) - 3} more" if len(listed) > 3 else ""
    return ", ".join(listed[:3]) + more
