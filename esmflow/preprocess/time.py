"""Time steps of the inputs: subset, resample, resolution and weights (clustering: clustering.py).

`config.init.subset.timesteps: [start, end]` keeps an inclusive range and accepts partial dates as
Calliope does ("2005-01" is all of January; an end date "2005-01-05" includes that whole day).
`config.init.resample.timesteps: "6h"` aggregates each time-varying input with the method its math
declares (`resample_method`: `sum` for flows such as `sink_use_equals`, `mean` for efficiencies
and prices, `first` otherwise), then `timestep_resolution` is the length of each new step in hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from esmflow.errors import ModelError, ProblemCollector
from esmflow.preprocess.data_tables import LoadedTable
from esmflow.preprocess.parameters import ParameterDefinitions
from esmflow.preprocess.time_series_checks import (
    check_tables_agree,
    format_duration,
    regular_step,
)


def check_time_config(
    init: Mapping[str, Any], timesteps: pd.DatetimeIndex, problems: ProblemCollector
) -> None:
    """Check `config.init.subset.timesteps` and `resample.timesteps` against the data's time steps."""
    subset = (init.get("subset") or {}).get("timesteps")
    if subset is not None:
        try:
            _subset_bounds(subset, timesteps)
        except ModelError as err:
            problems.extend(err)
    frequency = (init.get("resample") or {}).get("timesteps")
    if frequency is not None:
        for message, expected in _resample_problems(frequency, timesteps):
            problems.add(
                message,
                key_path="config.init.resample.timesteps",
                expected=expected,
                got=repr(frequency),
            )


def check_table_times(
    tables: list[LoadedTable],
    definitions: ParameterDefinitions,
    init: Mapping[str, Any],
    problems: ProblemCollector,
) -> None:
    """All time tables cover the same steps (within the time subset); YAML time labels are steps."""
    table_steps = {
        (table.key_path, table.file): table.timesteps
        for table in tables
        if table.timesteps is not None
    }
    yaml_steps: dict[str, list[Any]] = {}
    for records in definitions.records.values():
        for record in records:
            if "timesteps" in record.dims:
                label = record.labels[record.dims.index("timesteps")]
                yaml_steps.setdefault(record.key_path, []).append(label)
    subset = (init.get("subset") or {}).get("timesteps")
    window = (
        (str(subset[0]), str(subset[1])) if isinstance(subset, list) and len(subset) == 2 else None
    )
    check_tables_agree(
        table_steps,
        {key: pd.DatetimeIndex(labels) for key, labels in yaml_steps.items()},
        window,
        problems,
    )


def _resample_problems(frequency: Any, timesteps: pd.DatetimeIndex) -> list[tuple[str, str]]:
    """What is wrong with a resampling frequency: not a duration, not positive, finer than the data.

    Resampling can only aggregate: a step shorter than the data's (or one that does not hold a
    whole number of data steps) would split or mix steps and misstate every time-summed value.
    """
    usage = "a positive pandas frequency such as '2h', '6h', '1D'"
    if isinstance(frequency, bool) or not isinstance(frequency, str | int):
        return [(f"Unknown resampling frequency '{frequency}'", usage)]
    try:
        offset = pd.tseries.frequencies.to_offset(str(frequency))
    except (ValueError, TypeError, OverflowError):
        return [(f"Unknown resampling frequency '{frequency}'", usage)]
    if offset.n <= 0:
        return [(f"Resampling frequency '{frequency}' is not a positive duration", usage)]
    try:
        duration = _fixed_duration(offset)
    except (OverflowError, pd.errors.OutOfBoundsTimedelta):
        return [(f"Resampling frequency '{frequency}' is too long to represent", usage)]
    step = regular_step(pd.DatetimeIndex(timesteps.unique()).sort_values())
    if duration is None or step is None:
        return []
    data_step = format_duration(step)
    if duration < step:
        return [
            (
                f"Resampling frequency '{frequency}' is finer than the data's {data_step} steps",
                f"a multiple of {data_step}: resampling aggregates steps, it cannot split them",
            )
        ]
    if duration % step:
        return [
            (
                f"Resampling frequency '{frequency}' is not a whole number of the data's "
                f"{data_step} steps",
                f"a multiple of {data_step}, so that each new step holds whole data steps",
            )
        ]
    steps = pd.DatetimeIndex(timesteps.unique()).as_unit("ns")
    bins = (steps - steps.min().normalize()) // duration  # pandas bins from midnight of day one
    empty = int(bins.max() - bins.min() + 1) - len(np.unique(bins))
    if empty > 0:
        return [
            (
                f"Resampling to '{frequency}' would create {empty} step(s) without data",
                "data covering every new step (gaps in the time series would become empty steps)",
            )
        ]
    return []


def _fixed_duration(offset: pd.DateOffset) -> pd.Timedelta | None:
    """The offset's length if it has a fixed one (hours, minutes, days), else None (months…)."""
    if isinstance(offset, pd.offsets.Tick):
        return pd.Timedelta(offset.nanos, unit="ns")
    if isinstance(offset, pd.offsets.Day):
        return pd.Timedelta(days=offset.n)
    return None


def _subset_bounds(subset: Any, timesteps: pd.DatetimeIndex) -> tuple[str, str]:
    """The subset's two bounds, checked: ISO 8601, overlapping the data by date (as Calliope)."""
    key_path = "config.init.subset.timesteps"
    if not isinstance(subset, list | tuple) or len(subset) != 2:
        raise ModelError(
            "A time subset is a list of two timestamps",
            key_path=key_path,
            expected="[start, end]",
            got=repr(subset),
        )
    try:
        start, end = (pd.Timestamp(str(item)) for item in subset)
    except ValueError as err:
        raise ModelError(
            "A time subset must be ISO 8601 timestamps (up to YYYY-MM-DD HH:MM:SS)",
            key_path=key_path,
            got=repr(subset),
        ) from err
    first, last = timesteps.min(), timesteps.max()
    if end.date() < first.date() or start.date() > last.date():
        raise ModelError(
            "The time subset lies outside the time series data",
            key_path=key_path,
            expected=f"dates within [{first}, {last}]",
            got=repr(list(subset)),
        )
    return str(subset[0]), str(subset[1])


def subset_time(inputs: xr.Dataset, subset: Any) -> xr.Dataset:
    """Keep the inclusive time range `subset` (two ISO 8601 strings, partial dates allowed)."""
    start, end = _subset_bounds(subset, inputs.indexes["timesteps"])
    subsetted = inputs.sel(timesteps=slice(start, end))
    if subsetted.sizes["timesteps"] == 0:
        raise ModelError(
            "The time subset selects no time step",
            key_path="config.init.subset.timesteps",
            got=repr(list(subset)),
        )
    return subsetted


def resample_time(inputs: xr.Dataset, frequency: str, methods: Mapping[str, str]) -> xr.Dataset:
    """Aggregate every time-varying variable to `frequency` with its declared method."""
    try:
        resampled_steps = inputs.timesteps.resample(timesteps=frequency).first()
    except (ValueError, TypeError) as err:
        raise ModelError(
            f"Unknown resampling frequency '{frequency}'",
            key_path="config.init.resample.timesteps",
            expected="a pandas frequency such as '2h', '6h', '1D'",
        ) from err
    time_varying = [name for name, var in inputs.data_vars.items() if "timesteps" in var.dims]
    resampled = inputs.drop_vars(time_varying).drop_dims("timesteps")
    resampled = resampled.assign_coords(timesteps=resampled_steps.timesteps.values)
    for name in time_varying:
        method = methods.get(str(name), "first")
        resampler = inputs[name].resample(timesteps=frequency)
        if method == "sum":
            resampled[name] = resampler.sum(min_count=1)
        elif method == "mean":
            resampled[name] = resampler.mean()
        else:
            resampled[name] = resampler.first()
    return resampled


def add_time_parameters(inputs: xr.Dataset) -> xr.Dataset:
    """`timestep_resolution` (hours until the next step; the last repeats its predecessor) and weights of 1."""
    timesteps = inputs.timesteps
    if timesteps.size == 1:
        hours = xr.ones_like(timesteps, dtype=float)
    else:
        # (in numpy: xarray's ffill of timedeltas runs bottleneck's pure-Python fallback, 0.1 s a year)
        gaps = np.diff(timesteps.values) / np.timedelta64(1, "h")
        hours = xr.DataArray(
            np.append(gaps, gaps[-1]), dims="timesteps", coords={"timesteps": timesteps.values}
        )
    inputs["timestep_resolution"] = (
        hours.astype(float).drop_vars("timesteps").assign_coords(timesteps=timesteps)
    )
    inputs["timestep_weights"] = xr.ones_like(inputs["timestep_resolution"])
    return inputs
