"""What was built and what it cost: capacity per node and carrier, costs, capacity factors.

Capacities are never added across carriers (a CHP's electric, heat and gas capacities are three
different things): each carrier has its own panel, showing the capacity of the techs that put it
out, and storage capacity (energy, not power) has a panel of its own. Links are on the map
(`network_map.py`), demand's `flow_cap` is only its peak; neither is shown here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from esmflow.postprocess.figure_style import (
    figure_legend,
    grid,
    is_base_tech,
    panels,
    say_nothing,
    stacked_bars,
    tech_color,
    tech_name,
    title,
)
from esmflow.postprocess.summaries import cost_parts
from esmflow.postprocess.units import ModelUnits, axis_label, horizon

_NOT_BUILT = ("transmission", "demand")


def capacity_table(results: xr.Dataset, carrier: str) -> pd.DataFrame:
    """`flow_cap` of one output carrier: a row per node, a column per tech; empty ones dropped."""
    if "flow_cap" not in results or carrier not in results["flow_cap"]["carriers"]:
        return pd.DataFrame()
    flow_cap = results["flow_cap"].sel(carriers=carrier).fillna(0.0)
    if "carrier_out" in results:
        flow_cap = flow_cap.where(results["carrier_out"].sel(carriers=carrier).fillna(False), 0.0)
    flow_cap = flow_cap.where(~is_base_tech(results, *_NOT_BUILT), 0.0)
    return _without_empty(flow_cap.transpose("nodes", "techs").to_pandas())


def storage_capacity_table(results: xr.Dataset) -> pd.DataFrame:
    """`storage_cap`: a row per node, a column per storing tech; empty ones dropped."""
    if "storage_cap" not in results:
        return pd.DataFrame()
    storage_cap = results["storage_cap"].fillna(0.0).transpose("nodes", "techs")
    return _without_empty(storage_cap.to_pandas())


def _without_empty(table: pd.DataFrame) -> pd.DataFrame:
    """Rows and columns with anything in them (no empty bars, no legend entries for nothing)."""
    is_built = table.abs() > 1e-9
    return table.loc[is_built.any(axis=1), is_built.any(axis=0)]


def plot_capacity(results: xr.Dataset) -> Figure:
    """Installed capacity per node, stacked by tech: one panel per output carrier, one for storage."""
    units = ModelUnits.of(results)
    carriers = [str(c) for c in results["carriers"].values] if "carriers" in results.coords else []
    tables = [(carrier, capacity_table(results, carrier)) for carrier in carriers]
    tables = [(carrier, table) for carrier, table in tables if not table.empty]
    storage = storage_capacity_table(results)
    count = len(tables) + int(not storage.empty)
    figure, all_axes = panels(count, height=2.8, width=9, sharex=False)
    legend: dict[str, str] = {}
    for axes, (carrier, table) in zip(all_axes, tables, strict=False):
        _bars(axes, results, table, legend)
        axes.set_title(f"{carrier}: output capacity", fontsize="medium", loc="left")
        axes.set_ylabel(axis_label("flow capacity", units.power))
    if not storage.empty:
        axes = all_axes[len(tables)]
        _bars(axes, results, storage, legend)
        axes.set_title("storage capacity", fontsize="medium", loc="left")
        axes.set_ylabel(axis_label("storage capacity", units.energy))
    if not count:
        say_nothing(all_axes[0], "nothing is built (links and demand are not shown)")
    figure_legend(figure, legend)
    title(figure, "Installed capacity per node (links: see the map; demand not shown)")
    return figure


def _bars(axes, results: xr.Dataset, table: pd.DataFrame, legend: dict[str, str]) -> None:
    """Stacked bars of a node × tech table, labelled and coloured from the model."""
    parts = {
        tech_name(results, tech): (table[tech].to_numpy(), tech_color(results, tech))
        for tech in table.columns
    }
    stacked_bars(axes, list(table.index.astype(str)), parts)
    legend.update({label: color for label, (_, color) in parts.items()})


def plot_costs(results: xr.Dataset) -> Figure:
    """Cost per tech and per node, investment and operation apart, for every cost class."""
    units = ModelUnits.of(results)
    parts = cost_parts(results)
    span = horizon(results)
    classes = (
        []
        if not parts
        else [
            str(c)
            for c in parts["costs"].values
            if float(np.abs(parts["total"].sel(costs=c)).sum()) > 0
        ]
    )
    figure, all_axes = grid(len(classes), 2, height=4.6, width=12)
    colors = {
        "investment": "#4C72B0",
        "operation (fixed)": "#DD8452",
        "operation (variable)": "#C44E52",
    }
    for row, cost in enumerate(classes):
        split = {
            "investment": parts["investment"],
            "operation (fixed)": parts["operation_fixed"],
            "operation (variable)": parts["operation_variable"],
        }
        for column, dim in enumerate(("techs", "nodes")):
            axes = all_axes[row, column]
            other = "nodes" if dim == "techs" else "techs"
            sums = {k: v.sel(costs=cost).sum(other).to_series() for k, v in split.items()}
            table = _without_empty(pd.DataFrame(sums)).T
            table = table.loc[:, table.abs().sum(axis=0) > 0]
            labels = [tech_name(results, t) if dim == "techs" else t for t in table.columns]
            stacked_bars(
                axes, labels, {k: (table.loc[k].to_numpy(), colors[k]) for k in table.index}
            )
            axes.set_title(f"{cost} per {dim[:-1]}", fontsize="medium", loc="left")
            axes.set_ylabel(axis_label(cost, units.cost_unit(cost)))
            axes.tick_params(axis="x", labelrotation=30)
    if not classes:
        say_nothing(all_axes[0, 0], "no costs in the results")
    figure_legend(figure, colors)
    title(figure, f"Costs over the horizon, {span.text()} (× {span.per_year:.4g} for a year)")
    return figure


def curtailment_table(results: xr.Dataset) -> pd.DataFrame:
    """Source a supply tech could have used but did not, per node and tech, over the horizon.

    Available source = `source_use_max` × (1, `area_use` or `flow_cap`, as `source_unit` says),
    where it is finite; used = `source_use`. Columns: nodes, techs, available, used, curtailed
    (share of the available), all weighted by `timestep_weights`.
    """
    columns = ["nodes", "techs", "available", "used", "curtailed"]
    if "source_use_max" not in results or "source_use" not in results:
        return pd.DataFrame(columns=columns)
    scale = xr.ones_like(results["source_use_max"])
    if "source_unit" in results:
        unit = results["source_unit"].astype(str)
        for kind, name in (("per_area", "area_use"), ("per_cap", "flow_cap")):
            if name in results:
                per = (
                    results[name].sum("carriers")
                    if "carriers" in results[name].dims
                    else results[name]
                )
                scale = xr.where(unit == kind, per, scale)
    weights = results["timestep_weights"].fillna(1.0)
    limit = results["source_use_max"]
    has_limit = np.isfinite(limit) & limit.notnull() & results["source_use"].notnull()
    available = (limit * scale * weights).where(has_limit).sum("timesteps", min_count=1)
    used = (results["source_use"] * weights).where(has_limit).sum("timesteps", min_count=1)
    table = xr.Dataset({"available": available, "used": used}).to_dataframe().reset_index()
    table = table[table["available"] > 1e-9].copy()
    table["curtailed"] = 1 - table["used"] / table["available"]
    return table[columns].reset_index(drop=True)


def plot_capacity_factors(results: xr.Dataset) -> Figure:
    """Capacity factor of each tech (all nodes, whole horizon) and the curtailed share of sources."""
    figure, all_axes = panels(2, height=4.2, width=9, sharex=False)
    left, right = all_axes
    factors = _capacity_factors(results)
    if factors.empty:
        say_nothing(left, "no capacity factors (nothing with capacity produced)")
    else:
        labels = [f"{tech_name(results, t)} ({c})" for t, c in factors.index]
        colors = [tech_color(results, t) for t, _ in factors.index]
        left.bar(labels, factors.to_numpy(), color=colors)
        left.set_ylim(0, max(1.0, float(factors.max()) * 1.05))
        left.tick_params(axis="x", labelrotation=30)
    left.set_title(
        "capacity factor: output ÷ (capacity × hours), all nodes", fontsize="medium", loc="left"
    )
    left.set_ylabel(axis_label("capacity factor", "fraction"))
    curtailed = curtailment_table(results)
    if curtailed.empty:
        say_nothing(
            right, "no supply with a limited source (sun, wind) was built: nothing to curtail"
        )
    else:
        labels = [
            f"{tech_name(results, t)} @ {n}"
            for n, t in zip(curtailed["nodes"], curtailed["techs"], strict=True)
        ]
        colors = [tech_color(results, t) for t in curtailed["techs"]]
        right.bar(labels, curtailed["curtailed"].to_numpy(), color=colors)
        right.set_ylim(0, 1)
        right.tick_params(axis="x", labelrotation=30)
    right.set_title(
        "curtailment: share of the available source left unused", fontsize="medium", loc="left"
    )
    right.set_ylabel(axis_label("curtailed share", "fraction"))
    title(figure, "Capacity factors and curtailment over the horizon")
    return figure


def _capacity_factors(results: xr.Dataset) -> pd.Series:
    """(techs, carriers) → capacity factor over the horizon, of techs that are built and produce."""
    if "systemwide_capacity_factor" in results:
        factors = results["systemwide_capacity_factor"]
    elif "flow_out" in results and "flow_cap" in results:
        weights = results["timestep_weights"].fillna(1.0)
        hours = float((results["timestep_resolution"] * weights).sum())
        output = (results["flow_out"] * weights).sum(["nodes", "timesteps"])
        factors = output / (results["flow_cap"].sum("nodes") * hours)
    else:
        return pd.Series(dtype=float)
    factors = factors.where(~is_base_tech(results, *_NOT_BUILT))
    series = factors.transpose("techs", "carriers").to_series()
    return series[np.isfinite(series) & (series > 0)]
