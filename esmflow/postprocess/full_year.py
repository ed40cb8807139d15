"""A clustered model's results over every original timestep: flows mapped back, storage rebuilt.

Time clustering (`esmflow.preprocess.clustering`) leaves the program a few representative
periods and a period map (`lookup_datestep_cluster`: the cluster standing for each original
period, `datesteps`). Here every original timestep takes the values of the same step of its
period's representative period, so flows, costs per step and time-varying inputs cover the whole
horizon again. Stored energy is rebuilt from the formulation each tech used
(`storage_inter_cluster.yaml`):

- inter-cluster storage: level at the period's start (`storage_inter_cluster`), decayed by
  `storage_loss` up to the end of the step, plus the relative level `storage`;
- long-duration storage: the representative period's level plus the difference between the
  period's starting level (`storage_period_initial`) and the representative period's virtual
  start (its end level minus `storage_period_change`), decayed likewise;
- storage within each period: the representative period's own level.

A model whose time is not clustered is returned unchanged. Also here: the duration curves of the
original and the clustered time series, the clustering's accuracy at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# Arrays that describe the clustering itself and mean nothing on the original timeline.
CLUSTER_LOOKUPS = ("timestep_cluster", "cluster_first_timestep", "lookup_cluster_last_timestep")
# Time-varying inputs that are not energy-system data (left out of the duration curves).
TIME_PARAMETERS = ("timestep_resolution", "timestep_weights")


@dataclass(frozen=True)
class TimeMap:
    """Where every original timestep takes its values from."""

    timesteps: pd.DatetimeIndex  # (original,) the original timesteps
    position: np.ndarray  # (original,) position of the clustered timestep it replays
    period: np.ndarray  # (original,) position of its original period in `datesteps`
    hours_in_period: np.ndarray  # (original,) hours from the period's start to the step's end


def time_map(data: xr.Dataset) -> TimeMap | None:
    """The map from original to clustered timesteps, or None if time is not clustered."""
    if "lookup_datestep_cluster" not in data or "timestep_cluster" not in data:
        return None
    cluster_of_period = data["lookup_datestep_cluster"].values.astype(int)  # (periods,)
    first = np.flatnonzero(data["cluster_first_timestep"].values)  # (clusters,) positions
    first_of_cluster = np.empty(len(first), dtype=int)
    first_of_cluster[data["timestep_cluster"].values[first].astype(int)] = first
    steps = data.sizes["timesteps"] // len(first)  # every representative period is as long
    position = first_of_cluster[cluster_of_period][:, None] + np.arange(steps)  # (periods, steps)
    clustered_times = data.indexes["timesteps"]
    offsets = clustered_times[position.ravel()] - clustered_times[position[:, 0].repeat(steps)]
    starts = pd.DatetimeIndex(data.indexes["datesteps"]).repeat(steps)
    resolution = data["timestep_resolution"].values[position]  # (periods, steps)
    return TimeMap(
        timesteps=pd.DatetimeIndex(starts + offsets, name="timesteps"),
        position=position.ravel(),
        period=np.arange(len(cluster_of_period)).repeat(steps),
        hours_in_period=resolution.cumsum(axis=1).ravel(),
    )


def expand(array: xr.DataArray, mapping: TimeMap) -> xr.DataArray:
    """A clustered time series on the original timesteps (each step replays its representative)."""
    indexer = xr.DataArray(mapping.position, dims="timesteps")
    return array.isel(timesteps=indexer).assign_coords(timesteps=mapping.timesteps)


def full_year(results: xr.Dataset) -> xr.Dataset:
    """Results (or inputs) on every original timestep, stored energy rebuilt (see module)."""
    mapping = time_map(results)
    if mapping is None:
        return results
    kept = results.drop_vars([name for name in CLUSTER_LOOKUPS if name in results])
    timeless = kept.drop_dims("timesteps")
    expanded = {
        name: expand(array, mapping)
        for name, array in kept.data_vars.items()
        if "timesteps" in array.dims
    }
    full = timeless.assign(expanded)
    full["timestep_weights"] = xr.ones_like(full["timestep_weights"])
    if "storage" in results:
        full["storage"] = stored_energy(results, mapping).assign_attrs(results["storage"].attrs)
    return full


def stored_energy(results: xr.Dataset, mapping: TimeMap) -> xr.DataArray:
    """(nodes, techs, timesteps) stored energy at the end of every original timestep."""
    level = expand(results["storage"], mapping)
    loss = results["storage_loss"].fillna(0.0) if "storage_loss" in results else 0.0
    if isinstance(loss, xr.DataArray) and "timesteps" in loss.dims:
        loss = expand(loss, mapping)
    hours = xr.DataArray(mapping.hours_in_period, coords={"timesteps": mapping.timesteps})
    decay = (1 - loss) ** hours
    period = xr.DataArray(mapping.period, dims="timesteps")
    if "storage_inter_cluster" in results:
        start = results["storage_inter_cluster"].isel(datesteps=period).drop_vars("datesteps")
        start = start.assign_coords(timesteps=mapping.timesteps)
        level = xr.where(start.notnull(), start * decay + level, level)
    if "storage_period_initial" in results:
        start = results["storage_period_initial"].isel(datesteps=period).drop_vars("datesteps")
        start = start.assign_coords(timesteps=mapping.timesteps)
        virtual = _virtual_start(results).isel(datesteps=period).drop_vars("datesteps")
        virtual = virtual.assign_coords(timesteps=mapping.timesteps)
        level = xr.where(start.notnull(), level + decay * (start - virtual), level)
    return level.transpose(*results["storage"].dims)


def _virtual_start(results: xr.Dataset) -> xr.DataArray:
    """(nodes, techs, datesteps) long-duration storage: where each period's representative starts."""
    last = results["lookup_datestep_last_cluster_timestep"]
    end_level = results["storage"].sel(timesteps=last).drop_vars("timesteps")
    change = results["storage_period_change"].sel(clusters=results["lookup_datestep_cluster"])
    return end_level - change.drop_vars("clusters")


def storage_level_table(full: xr.Dataset) -> pd.DataFrame:
    """Stored energy per timestep, node and tech (columns `timesteps, nodes, techs, storage`)."""
    columns = ["timesteps", "nodes", "techs", "storage"]
    if "storage" not in full:
        return pd.DataFrame(columns=columns)
    table = full["storage"].to_dataframe().reset_index()
    return table[table["storage"].notna()][columns].reset_index(drop=True)


def plot_storage_levels(full: xr.Dataset) -> Figure:
    """Stored energy over the horizon, one line per node and storing tech."""
    figure, axes = plt.subplots(figsize=(11, 4), layout="constrained")
    if "storage" in full:
        levels = full["storage"].stack(store=["nodes", "techs"]).dropna("store", how="all")
        for store in levels["store"].values:
            axes.plot(
                levels["timesteps"].values,
                levels.sel(store=store).values,
                label=" ".join(map(str, store)),
                linewidth=0.8,
            )
        if levels.sizes["store"]:
            axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    axes.set_title("Stored energy over the horizon (rebuilt for every original timestep)")
    axes.set_ylabel("energy")
    return figure


def plot_duration_curves(original: xr.Dataset, clustered: xr.Dataset) -> Figure:
    """Duration curves of every time series (summed over nodes, per tech): original vs clustered."""
    mapping = time_map(clustered)
    series = [
        (name, tech)
        for name, array in original.data_vars.items()
        if "timesteps" in array.dims and array.dtype.kind == "f" and name not in TIME_PARAMETERS
        for tech in (array["techs"].values if "techs" in array.dims else [None])
        if bool(np.isfinite(_total(array, tech)).any())
    ]
    figure, all_axes = plt.subplots(
        max(1, len(series)), 1, figsize=(8, 2.6 * max(1, len(series))), squeeze=False
    )
    for axes, (name, tech) in zip(all_axes[:, 0], series, strict=False):
        before = np.sort(_total(original[name], tech))[::-1]
        axes.plot(np.arange(len(before)), before, label="original", linewidth=1.2)
        if mapping is not None:
            after = np.sort(_total(expand(clustered[name], mapping), tech))[::-1]
            axes.plot(np.arange(len(after)), after, label="clustered", linewidth=1.0)
        axes.set_title(f"{name}" + (f" of {tech}" if tech is not None else ""), fontsize="medium")
        axes.set_ylabel("summed over nodes")
        axes.legend(fontsize="small")
    all_axes[-1, 0].set_xlabel("timesteps, sorted by value")
    figure.suptitle(
        "Duration curves: original and clustered time series"
        if mapping is not None
        else "Duration curves (time is not clustered)"
    )
    figure.set_layout_engine("constrained")
    return figure


def _total(array: xr.DataArray, tech: object) -> np.ndarray:
    """(timesteps,) one tech's series summed over every other dim (NaN where never defined)."""
    if tech is not None:
        array = array.sel(techs=tech)
    finite = array.where(np.isfinite(array))
    others = [dim for dim in array.dims if dim != "timesteps"]
    return finite.sum(others, min_count=1).values if others else finite.values
