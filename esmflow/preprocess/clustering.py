"""Time clustering: reduce the horizon to representative periods, with a map of the whole year.

Two ways in, one result:

- the workflow's `clustering` settings (`ClusteringOptions`): tsam groups the original periods
  (blocks of `period_length` hours) into `n_periods` clusters, plus any extreme periods;
- the model's own `config.init.time_cluster` (Calliope 0.7): a parameter over `datesteps` that
  names, for every day, the day that represents it. It is honoured as given.

Either way the clustered inputs keep the timesteps of one real original period per cluster (the
medoid, or the member closest to a mean profile), ordered in time, so every cluster is labelled
by real dates as in Calliope. With tsam, the time series take tsam's representative values;
with a lookup they keep the representative day's own data. Added, with Calliope 0.7's names:

- `timestep_weights`: how many original periods each timestep stands for (they sum to the
  number of original timesteps, so weighted hours sum to the horizon);
- `timestep_cluster`, `cluster_first_timestep`, `lookup_cluster_last_timestep` (per timestep);
- dims `clusters` and `datesteps` (the first timestep of every original period), the period
  map `lookup_datestep_cluster`, `lookup_datestep_last_cluster_timestep`, and our
  `cluster_representative_datestep` and `datestep_resolution` (hours per original period).

Those lookups switch on the built-in `storage_inter_cluster` math (merged over the stored math
here), which carries stored energy across the year; `esmflow.postprocess.full_year` maps
results back to every original timestep.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from esmflow.errors import ModelError, closest_name
from esmflow.options import ClusteringOptions, ExtremePeriod
from esmflow.preprocess.inputs import resolved_config
from esmflow.preprocess.model_math import merge_triggered_extensions

# Time-varying inputs that describe time itself: never clustered, set anew.
TIME_PARAMETERS = ("timestep_resolution", "timestep_weights")
# The column name prefix of the series that only steer extreme periods (not model inputs).
EXTREME_PREFIX = "extreme:"


@dataclass(frozen=True)
class Periods:
    """The horizon cut into original periods of equal length (`steps` timesteps each)."""

    timesteps: pd.DatetimeIndex  # (timesteps,) the original ones
    steps: int

    @property
    def starts(self) -> pd.DatetimeIndex:
        """(periods,) the first timestep of every original period."""
        return self.timesteps[:: self.steps]

    @property
    def count(self) -> int:
        return len(self.timesteps) // self.steps


@dataclass(frozen=True)
class PeriodMap:
    """Which cluster stands for each original period, and which period labels each cluster.

    Clusters are numbered in the order of their representative periods. `values` holds tsam's
    representative values of the clustered series as (clusters × steps, columns), or is None
    when the representative periods keep their own data.
    """

    cluster_of_period: np.ndarray  # (periods,) int
    representative: np.ndarray  # (clusters,) index of an original period in its cluster
    values: pd.DataFrame | None = None


def cluster_time(inputs: xr.Dataset, options: ClusteringOptions | None = None) -> xr.Dataset:
    """The inputs over representative periods: by `options`, or by the model's `time_cluster`.

    Identity when neither asks for clustering.

    Raises
    ------
    ModelError
        Both are given; the horizon is not a whole number of periods of equal steps; the lookup
        does not cover the horizon; more representative periods than there are periods.
    """
    lookup_name = _time_cluster_lookup(inputs)
    if options is not None and lookup_name is not None:
        raise ModelError(
            "Time is clustered twice: by the workflow's `clustering` and by the model's "
            f"config.init.time_cluster ('{lookup_name}')",
            key_path="config.init.time_cluster",
            expected="one of the two: drop `clustering` from the workflow scenario, or set "
            "config.init.time_cluster: null (e.g. under the scenario's `set:`)",
        )
    if options is not None:
        periods = periods_of(inputs, options.period_length, key_path="clustering.period_length")
        period_map = map_with_tsam(inputs, periods, options)
        record: dict[str, Any] = options.to_config()
    elif lookup_name is not None:
        periods = days_of(inputs)
        period_map = map_from_lookup(inputs, periods, lookup_name)
        record = {"time_cluster": lookup_name}
    else:
        return inputs
    clustered = representative_inputs(inputs, periods, period_map)
    clustered.attrs["clustering"] = json.dumps(record, sort_keys=True)
    if "math" in clustered.attrs:
        clustered.attrs["math"] = merge_triggered_extensions(
            str(clustered.attrs["math"]), frozenset(map(str, clustered.data_vars))
        )
    return clustered


def _time_cluster_lookup(inputs: xr.Dataset) -> str | None:
    if not inputs.attrs.get("config"):
        return None
    name = (resolved_config(inputs).get("init") or {}).get("time_cluster")
    return None if name is None else str(name)


# --- the original periods ------------------------------------------------------------------
def periods_of(inputs: xr.Dataset, period_length: float, key_path: str) -> Periods:
    """Blocks of `period_length` hours; the time steps must be equal and fill whole blocks."""
    timesteps = pd.DatetimeIndex(inputs.indexes["timesteps"])
    resolution = inputs["timestep_resolution"].values
    if not np.allclose(resolution, resolution[0]):
        raise ModelError(
            "Clustering needs time steps of equal length",
            key_path=key_path,
            got=f"steps of {sorted(set(resolution.round(6).tolist()))} hours",
        )
    steps = period_length / resolution[0]
    if not np.isclose(steps, round(steps)) or round(steps) < 1:
        raise ModelError(
            "A period must be a whole number of time steps",
            key_path=key_path,
            expected=f"a multiple of the time step ({resolution[0]:g} hours)",
            got=f"{period_length:g}",
        )
    periods = Periods(timesteps, int(round(steps)))
    if len(timesteps) % periods.steps:
        raise ModelError(
            "The horizon is not a whole number of periods",
            key_path=key_path,
            expected=f"a horizon of n × {period_length:g} hours (subset it to whole periods)",
            got=f"{len(timesteps)} time steps of {resolution[0]:g} hours",
        )
    return periods


def days_of(inputs: xr.Dataset) -> Periods:
    """Calendar days (Calliope's clustering unit); every day must have the same time steps."""
    timesteps = pd.DatetimeIndex(inputs.indexes["timesteps"])
    days = timesteps.normalize()
    per_day = pd.Series(1, index=days).groupby(level=0).size()
    offsets = np.asarray(timesteps - days)
    steps = int(per_day.iloc[0])
    same = (per_day == steps).all() and len(timesteps) == steps * len(per_day)
    if not same or not (offsets.reshape(-1, steps) == offsets[:steps]).all():
        raise ModelError(
            "Clustering by config.init.time_cluster needs every day to have the same time steps",
            key_path="config.init.time_cluster",
            got=f"days with {sorted(set(per_day.tolist()))} time steps",
        )
    return Periods(timesteps, steps)


# --- which period stands for which ---------------------------------------------------------
def map_from_lookup(inputs: xr.Dataset, periods: Periods, name: str) -> PeriodMap:
    """Calliope's lookup: for every day (`datesteps`), the date of the day that represents it."""
    key_path = "config.init.time_cluster"
    if name not in inputs.data_vars:
        raise ModelError(
            f"config.init.time_cluster names no input '{name}'",
            key_path=key_path,
            expected="the name of a parameter over `datesteps` holding representative dates",
            closest=closest_name(name, map(str, inputs.data_vars)),
        )
    lookup = inputs[name]
    if lookup.dims != ("datesteps",):
        raise ModelError(
            f"'{name}' must be indexed over `datesteps` only",
            key_path=key_path,
            got=f"dims {list(lookup.dims)}",
        )
    try:
        days = pd.DatetimeIndex(pd.to_datetime(lookup["datesteps"].values)).normalize()
        chosen = pd.DatetimeIndex(pd.to_datetime(lookup.values)).normalize()
    except (ValueError, TypeError) as err:
        raise ModelError(
            f"'{name}' must map dates to dates (YYYY-MM-DD)", key_path=key_path, got=str(err)
        ) from err
    representative_of = pd.Series(chosen, index=days).dropna()
    missing = periods.starts.normalize().difference(representative_of.index)
    if len(missing):
        raise ModelError(
            f"'{name}' does not say which day represents {missing[0].date()}",
            key_path=key_path,
            expected="a row for every day of the horizon",
        )
    wanted = representative_of.reindex(periods.starts.normalize())
    position = pd.Index(periods.starts.normalize()).get_indexer(wanted)
    if (position < 0).any():
        absent = wanted[position < 0].iloc[0]
        raise ModelError(
            f"'{name}' names {absent.date()} as a representative day, which is not in the horizon",
            key_path=key_path,
        )
    representative, cluster_of_period = np.unique(position, return_inverse=True)
    return PeriodMap(cluster_of_period.astype(int), representative.astype(int))


def map_with_tsam(inputs: xr.Dataset, periods: Periods, options: ClusteringOptions) -> PeriodMap:
    """tsam's clusters of the time series, numbered in the order of their representatives."""
    import tsam  # here, not at the top: tsam (scikit-learn, scipy.stats) costs ~1 s and ~90 MB

    if options.n_periods > periods.count:
        raise ModelError(
            "More representative periods than the horizon has periods",
            key_path="clustering.n_periods",
            expected=f"at most {periods.count}",
            got=str(options.n_periods),
        )
    table = time_series_table(inputs, clustered_only=True)
    extremes = _extreme_columns(inputs, options.extreme_periods)
    if table.empty:
        raise ModelError(
            "No input varies over time, so there is nothing to cluster by",
            key_path="clustering",
            expected="time series in the model (e.g. sink_use_equals), or no clustering",
        )
    data = pd.concat([table, extremes], axis=1)
    weights = {str(column): 1.0 for column in table.columns}
    weights.update({str(column): tsam.options.min_weight for column in extremes.columns})
    method: Any = options.method
    if method == "kmeans":
        method = tsam.KMeans(random_state=options.seed)
    kinds = {kind: [] for kind in ("max_value", "min_value", "max_period", "min_period")}
    for column, extreme in zip(extremes.columns, options.extreme_periods, strict=True):
        kinds[extreme.kind].append(column)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*minimal tolerable weighting")
            result = tsam.aggregate(
                data,
                n_clusters=options.n_periods,
                period_duration=options.period_length,
                temporal_resolution=float(inputs["timestep_resolution"].values[0]),
                cluster=tsam.ClusterConfig(method=method, representation=options.representation),
                extremes=tsam.ExtremeConfig(**kinds) if len(extremes.columns) else None,
                weights=weights,
                preserve_column_means=options.preserve_means,
                rescale_exclude_columns=list(extremes.columns) or None,
            )
    except ValueError as err:
        raise ModelError(
            f"tsam could not cluster the time series: {err}", key_path="clustering"
        ) from err
    assigned = np.asarray(result.cluster_assignments, dtype=int)
    if set(assigned.tolist()) != set(range(result.n_clusters)):
        raise AssertionError("tsam's clusters are not numbered 0 … n-1")
    values = result.cluster_representatives[list(table.columns)]
    centres = _representatives(result, assigned, data[table.columns], periods)
    order = np.argsort(centres)  # new number of each cluster = rank of its representative
    renumber = np.empty_like(order)
    renumber[order] = np.arange(len(order))
    values = values.loc[list(order)]
    values.index = pd.RangeIndex(len(values))
    return PeriodMap(renumber[assigned], centres[order], values)


def _representatives(
    result: Any, assigned: np.ndarray, table: pd.DataFrame, periods: Periods
) -> np.ndarray:
    """(clusters,) the original period labelling each cluster: tsam's medoid if it is a member,
    else the member whose (min-max normalised) profile is closest to the representative one."""
    n_clusters = int(result.n_clusters)
    centres = result.clustering.cluster_centers
    if centres is not None:
        centres = np.asarray(centres, dtype=int)
        if len(centres) == n_clusters and (assigned[centres] == np.arange(n_clusters)).all():
            return centres
    span = (table.max() - table.min()).replace(0, 1)
    normalised = ((table - table.min()) / span).to_numpy()
    profiles = normalised.reshape(periods.count, -1)  # (periods, steps × columns)
    representative = result.cluster_representatives[list(table.columns)]
    targets = ((representative - table.min()) / span).to_numpy().reshape(n_clusters, -1)
    distance = ((profiles - targets[assigned]) ** 2).sum(axis=1)
    closest = pd.Series(distance).groupby(assigned).idxmin()
    return closest.to_numpy(dtype=int)


def time_series_table(inputs: xr.Dataset, clustered_only: bool = False) -> pd.DataFrame:
    """Every float time series as one column (`name|label|label…`), rows = timesteps.

    With `clustered_only`, only the columns tsam clusters: finite everywhere and not constant
    (a constant series is the same in every period; a series with gaps or infinite values keeps
    the representative period's own values).
    """
    columns = []
    for name, array in inputs.data_vars.items():
        if "timesteps" not in array.dims or array.dtype.kind != "f" or name in TIME_PARAMETERS:
            continue
        stacked, names = _as_columns(str(name), array)
        table = pd.DataFrame(stacked.values, index=inputs.indexes["timesteps"], columns=names)
        table = table.loc[:, table.notna().any()]
        if clustered_only:
            finite = np.isfinite(table).all()
            varies = table.max() > table.min()
            table = table.loc[:, finite & varies]
        columns.append(table)
    if not columns:
        return pd.DataFrame(index=inputs.indexes["timesteps"])
    return pd.concat(columns, axis=1)


def _as_columns(name: str, array: xr.DataArray) -> tuple[xr.DataArray, list[str]]:
    """(timesteps, _column) view of a time series, and its column names (`name|label|…`)."""
    others = [dim for dim in array.dims if dim != "timesteps"]
    if not others:
        return array.expand_dims(_column=[name], axis=-1), [name]
    stacked = array.stack(_column=others).transpose("timesteps", "_column")
    labels = stacked.indexes["_column"]
    return stacked, ["|".join([name, *map(str, np.atleast_1d(item))]) for item in labels]


def _extreme_columns(inputs: xr.Dataset, extremes: tuple[ExtremePeriod, ...]) -> pd.DataFrame:
    """One series per extreme period asked for: its input summed over all but time."""
    columns = {}
    for index, extreme in enumerate(extremes):
        key_path = f"clustering.extreme_periods[{index}]"
        series = [name for name, a in inputs.data_vars.items() if "timesteps" in a.dims]
        if extreme.input not in series:
            raise ModelError(
                f"'{extreme.input}' is not a time series of this model",
                key_path=f"{key_path}.input",
                expected=", ".join(sorted(map(str, series))),
                closest=closest_name(extreme.input, map(str, series)),
            )
        array = inputs[extreme.input]
        if extreme.techs and "techs" not in array.dims:
            raise ModelError(
                f"'{extreme.input}' is not given per tech",
                key_path=f"{key_path}.techs",
                expected="no `techs` for this input",
            )
        if extreme.techs:
            techs = [str(tech) for tech in inputs["techs"].values]
            unknown = [tech for tech in extreme.techs if tech not in techs]
            if unknown:
                raise ModelError(
                    f"Unknown tech '{unknown[0]}'",
                    key_path=f"{key_path}.techs",
                    closest=closest_name(unknown[0], techs),
                )
            array = array.sel(techs=list(extreme.techs))
        total = array.where(np.isfinite(array)).sum([d for d in array.dims if d != "timesteps"])
        columns[f"{EXTREME_PREFIX}{index}"] = total.to_pandas()
    return pd.DataFrame(columns, index=inputs.indexes["timesteps"])


# --- the clustered inputs ------------------------------------------------------------------
def representative_inputs(
    inputs: xr.Dataset, periods: Periods, period_map: PeriodMap
) -> xr.Dataset:
    """The inputs on the representative periods' timesteps, with weights and the lookups."""
    n_clusters = len(period_map.representative)
    steps = periods.steps
    kept = (period_map.representative[:, None] * steps + np.arange(steps)).ravel()  # chronological
    clustered = inputs.drop_dims("datesteps") if "datesteps" in inputs.dims else inputs
    clustered = clustered.isel(timesteps=kept)
    if period_map.values is not None:
        clustered = _with_values(clustered, period_map.values)
    timesteps = clustered.indexes["timesteps"]
    cluster = np.repeat(np.arange(n_clusters), steps)  # (timesteps,)
    counts = np.bincount(period_map.cluster_of_period, minlength=n_clusters)
    last = timesteps[np.arange(n_clusters) * steps + steps - 1]  # (clusters,)
    is_first = np.arange(len(timesteps)) % steps == 0
    hours = inputs["timestep_resolution"].values.reshape(periods.count, steps).sum(axis=1)
    datesteps = periods.starts.rename("datesteps")
    on_time = {"dims": "timesteps", "coords": {"timesteps": timesteps}}
    on_dates = {"dims": "datesteps", "coords": {"datesteps": datesteps}}
    clustered = clustered.assign(
        timestep_weights=clustered["timestep_weights"] * xr.DataArray(counts[cluster], **on_time),
        timestep_cluster=xr.DataArray(cluster, **on_time),
        cluster_first_timestep=xr.DataArray(is_first, **on_time),
        lookup_cluster_last_timestep=xr.DataArray(
            np.where(is_first, np.asarray(last[cluster]), np.datetime64("NaT")), **on_time
        ),
        lookup_datestep_cluster=xr.DataArray(period_map.cluster_of_period, **on_dates),
        lookup_datestep_last_cluster_timestep=xr.DataArray(
            np.asarray(last[period_map.cluster_of_period]), **on_dates
        ),
        cluster_representative_datestep=xr.DataArray(
            np.isin(np.arange(periods.count), period_map.representative), **on_dates
        ),
        datestep_resolution=xr.DataArray(hours, **on_dates),
    )
    clustered = clustered.assign_coords(clusters=np.arange(n_clusters))
    return _with_datestep_inputs(clustered, inputs, datesteps)


def _with_values(clustered: xr.Dataset, values: pd.DataFrame) -> xr.Dataset:
    """Overwrite the clustered series (columns of `values`) with tsam's representative values."""
    by_input: dict[str, list[str]] = {}
    for column in values.columns:
        by_input.setdefault(str(column).split("|", 1)[0], []).append(str(column))
    for name, names in by_input.items():
        array = clustered[name]
        stacked, columns = _as_columns(name, array)
        table = pd.DataFrame(stacked.values, columns=columns)
        table[names] = values[names].to_numpy()
        replaced = stacked.copy(data=table.to_numpy())
        if len(array.dims) > 1:
            replaced = replaced.unstack("_column")
        else:
            replaced = replaced.squeeze("_column", drop=True)
        clustered[name] = replaced.transpose(*array.dims).astype(array.dtype)
    return clustered


def _with_datestep_inputs(
    clustered: xr.Dataset, inputs: xr.Dataset, datesteps: pd.DatetimeIndex
) -> xr.Dataset:
    """Inputs the model gave over `datesteps` (e.g. Calliope's lookup), on the new datesteps."""
    if "datesteps" not in inputs.dims:
        return clustered
    given = inputs[[name for name, a in inputs.data_vars.items() if "datesteps" in a.dims]]
    labels = pd.DatetimeIndex(pd.to_datetime(given["datesteps"].values, errors="coerce"))
    if labels.isna().any():
        raise ModelError(
            "Inputs over `datesteps` must be labelled by dates, to be put on the original periods",
            key_path=", ".join(map(str, given.data_vars)),
            got=f"datesteps such as {given['datesteps'].values[labels.isna()][0]!r}",
        )
    given = given.assign_coords(datesteps=labels).reindex(datesteps=datesteps.normalize())
    return clustered.merge(given.assign_coords(datesteps=datesteps))
