"""0.6 time series (`file=x.csv:column`, `df=name:column`) → esmflow data tables.

0.6 read a tech's time series per location: `file=x.csv:col` takes column `col`, plain
`file=x.csv` the column named after the location. Here every series is looked up for the
(tech, node) it belongs to and collected per esmflow parameter (and cost class) into one table
with a column per tech and node; the model then reads it through `data_tables`. Demand series
have their sign turned (0.6 demand was negative, esmflow's `sink_use_*` are positive).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from esmflow.errors import ModelError, closest_name
from esmflow.io.calliope06.techs import SeriesRef

DEFAULT_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass
class TimeSeries:
    """Reads the 0.6 CSV files (once each) and gathers the series every parameter needs."""

    folder: Path
    date_format: str | None = None
    dataframes: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    _files: dict[str, pd.DataFrame] = field(default_factory=dict)
    columns: dict[tuple[str, str | None], dict[tuple[str, str], pd.Series]] = field(
        default_factory=dict
    )

    def add(self, parameter: str, tech: str, node: str, ref: SeriesRef, location: str) -> None:
        """The series `ref` names, for `tech` at `node` (0.6 location `location`)."""
        series = self.read(ref, location)
        if ref.negate:
            series = -series
        self.columns.setdefault((parameter, ref.cost), {})[(tech, node)] = series

    def read(self, ref: SeriesRef, location: str) -> pd.Series:
        """One column of a 0.6 CSV file or DataFrame, indexed by timestamps."""
        kind, _, rest = ref.text.partition("=")
        source, _, column = rest.partition(":")
        column = column or location
        table = self._table(kind, source, ref)
        if column not in table.columns:
            raise ModelError(
                f"Column '{column}' not found in {source}",
                file=str(self.folder / source) if kind == "file" else None,
                key_path=ref.key,
                expected="one of " + ", ".join(map(str, table.columns)),
                got=ref.text,
                closest=closest_name(column, [str(c) for c in table.columns]),
            )
        return table[column].astype(float)

    def _table(self, kind: str, source: str, ref: SeriesRef) -> pd.DataFrame:
        if kind == "df":
            if source not in self.dataframes:
                raise ModelError(
                    f"Time series DataFrame '{source}' was not given to the converter",
                    key_path=ref.key,
                    expected="convert_v06(..., dataframes={name: DataFrame}) or "
                    "`--dataframe NAME=FILE.csv` on the command line",
                    got=ref.text,
                    closest=closest_name(source, self.dataframes),
                )
            return _with_timestamps(self.dataframes[source], source, ref, self.date_format)
        if source not in self._files:
            path = self.folder / source
            if not path.is_file():
                raise ModelError(
                    "Time series file not found",
                    file=str(path),
                    key_path=ref.key,
                    expected=f"a CSV file in {self.folder} (model.timeseries_data_path)",
                    got=ref.text,
                )
            try:
                table = pd.read_csv(path, index_col=0)
            except (ValueError, OSError) as err:
                raise ModelError(f"Could not read CSV: {err}", file=str(path)) from err
            self._files[source] = _with_timestamps(table, str(path), ref, self.date_format)
        return self._files[source]

    def tables(self) -> dict[str, tuple[pd.DataFrame, dict[str, Any]]]:
        """Table name → (its data, its `data_tables` entry without the `table` path)."""
        result = {}
        for (parameter, cost), columns in sorted(
            self.columns.items(), key=lambda item: (item[0][0], item[0][1] or "")
        ):
            name = parameter if cost is None else f"{parameter}_{cost}"
            frame = pd.concat(columns, axis=1).sort_index(axis=1)
            frame.columns = frame.columns.set_names(["techs", "nodes"])
            frame.index.name = "timesteps"
            entry: dict[str, Any] = {
                "rows": "timesteps",
                "columns": ["techs", "nodes"],
                "add_dims": {"inputs": parameter, **({"costs": cost} if cost else {})},
            }
            result[name] = (frame, entry)
        return result


def _with_timestamps(
    table: pd.DataFrame, source: str, ref: SeriesRef, date_format: str | None
) -> pd.DataFrame:
    table = table.copy()
    try:
        table.index = pd.to_datetime(table.index, format=date_format or DEFAULT_DATE_FORMAT)
    except (ValueError, TypeError):
        try:
            table.index = pd.to_datetime(table.index, format="ISO8601")
        except (ValueError, TypeError) as err:
            raise ModelError(
                "The first column of a 0.6 time series holds its timestamps",
                file=source,
                key_path=ref.key,
                expected=f"dates as {date_format or DEFAULT_DATE_FORMAT} (model.timeseries_dateformat)",
                got=str(table.index[:1].tolist()),
            ) from err
    table.columns = [str(column) for column in table.columns]
    return table
