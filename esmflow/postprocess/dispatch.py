"""Operation over time: dispatch per node and carrier, stored energy, duration curves.

Flows in the results are energy per timestep; the figures show them as power (divided by
`timestep_resolution`), so steps of different length compare. Give these functions results on
every original timestep (`esmflow.postprocess.full_year.full_year`) to see a clustered year whole.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from esmflow.postprocess.figure_style import (
    OTHER_COLORS,
    figure_legend,
    format_time_axis,
    is_base_tech,
    lighter,
    panels,
    say_nothing,
    tech_color,
    tech_name,
    title,
)
from esmflow.postprocess.units import ModelUnits, axis_label


def _per_hour(results: xr.Dataset, name: str) -> xr.DataArray:
    """A flow as power: energy per timestep divided by the timestep's length in hours."""
    return results[name].fillna(0.0) / results["timestep_resolution"]


def dispatch_table(results: xr.Dataset, node: str, carrier: str) -> pd.DataFrame:
    """Power into and out of one carrier at one node: a column per entry, a row per timestep.

    Production is positive (outflows of techs, storage discharge, imports over links, unmet
    demand), consumption negative (inflows of demand and conversion techs, storage charge,
    exports over links, export out of the system). Column labels are the model's tech names;
    entries that never move energy are left out.
    """
    columns: dict[str, xr.DataArray] = {}
    is_link = is_base_tech(results, "transmission")
    is_storage = is_base_tech(results, "storage")
    is_conversion = is_base_tech(results, "conversion")
    for name, sign in (("flow_out", 1.0), ("flow_in", -1.0)):
        if name not in results or carrier not in results[name]["carriers"]:
            continue
        flow = sign * _per_hour(results, name).sel(nodes=node, carriers=carrier)
        links = flow.where(is_link, 0.0).sum("techs")
        columns["imports" if sign > 0 else "exports"] = links
        for tech in [str(t) for t in flow["techs"].values[~is_link.values]]:
            label = tech_name(results, tech)
            if bool(is_storage.sel(techs=tech)):
                label += " discharge" if sign > 0 else " charge"
            elif bool(is_conversion.sel(techs=tech)) and sign < 0:
                label += " (input)"
            columns[f"{tech}\0{label}\0{name}"] = flow.sel(techs=tech)
    if "flow_export" in results and carrier in results["flow_export"]["carriers"]:
        exported = -_per_hour(results, "flow_export").sel(nodes=node, carriers=carrier)
        for tech in [str(t) for t in exported["techs"].values]:
            label = f"{tech_name(results, tech)} export"
            columns[f"{tech}\0{label}\0flow_export"] = exported.sel(techs=tech)
    if "unmet_demand" in results and carrier in results["unmet_demand"]["carriers"]:
        columns["unmet demand"] = _per_hour(results, "unmet_demand").sel(
            nodes=node, carriers=carrier
        )
    if not columns:
        return pd.DataFrame()
    table = pd.DataFrame({key: values.to_series() for key, values in columns.items()})
    return table.loc[:, (table.abs() > 1e-9).any(axis=0)]


def label_and_color(results: xr.Dataset, key: str) -> tuple[str, str]:
    """A dispatch column's legend label and colour."""
    if "\0" not in key:
        return key, OTHER_COLORS[key]
    tech, label, flow = key.split("\0")
    color = tech_color(results, tech)
    is_demand = bool(is_base_tech(results, "demand").sel(techs=tech))
    return label, color if flow == "flow_out" or is_demand else lighter(color)


def node_carriers(results: xr.Dataset) -> list[tuple[str, str]]:
    """(node, carrier) pairs where some tech moves energy, in the order of the model's labels."""
    moved = 0
    for name in ("flow_out", "flow_in"):
        if name in results:
            moved = moved + results[name].fillna(0.0).__abs__().sum(["techs", "timesteps"])
    if isinstance(moved, int):
        return []
    pairs = moved.to_series()
    return [(str(n), str(c)) for (n, c), total in pairs.items() if total > 1e-9]


def plot_dispatch(results: xr.Dataset) -> Figure:
    """Dispatch per node and carrier: production stacked above zero, consumption below."""
    units = ModelUnits.of(results)
    pairs = node_carriers(results)
    figure, all_axes = panels(len(pairs), height=2.4)
    legend: dict[str, str] = {}
    for axes, (node, carrier) in zip(all_axes, pairs, strict=False):
        table = dispatch_table(results, node, carrier)
        axes.set_title(f"{node}: {carrier}", fontsize="medium", loc="left")
        axes.set_ylabel(axis_label("power", units.power))
        labels, colors = zip(*(label_and_color(results, key) for key in table.columns), strict=True)
        legend.update(zip(labels, colors, strict=True))
        time = table.index.to_numpy()
        for part in (table.clip(lower=0), table.clip(upper=0)):
            axes.stackplot(time, part.to_numpy().T, colors=colors, step="post", linewidth=0)
        axes.axhline(0.0, color="black", linewidth=0.5)
    if not pairs:
        say_nothing(all_axes[0], "no flows in the results")
    format_time_axis(all_axes[-1])
    figure_legend(figure, legend)
    title(figure, "Dispatch per node and carrier (production above zero, consumption below)")
    return figure


def plot_storage(results: xr.Dataset) -> Figure:
    """Stored energy over time, one panel per storing tech, one line per node."""
    units = ModelUnits.of(results)
    stored = results["storage"] if "storage" in results else None
    techs = (
        []
        if stored is None
        else [str(t) for t in stored["techs"].values if bool(stored.sel(techs=t).notnull().any())]
    )
    figure, all_axes = panels(len(techs), height=2.4)
    for axes, tech in zip(all_axes, techs, strict=False):
        level = stored.sel(techs=tech).dropna("nodes", how="all")
        for node in [str(n) for n in level["nodes"].values]:
            axes.plot(
                level["timesteps"].values, level.sel(nodes=node).values, label=node, linewidth=1
            )
        axes.set_title(tech_name(results, tech), fontsize="medium", loc="left")
        axes.set_ylabel(axis_label("stored energy", units.energy))
        axes.legend(loc="upper right", fontsize="small", title="node")
    if not techs:
        say_nothing(all_axes[0], "no tech stores energy in this model")
    else:
        format_time_axis(all_axes[-1])
    title(figure, "Stored energy at the end of every timestep")
    return figure


def plot_duration_curves(results: xr.Dataset) -> Figure:
    """Duration curves: each tech's output per carrier (all nodes) and each node's price, sorted.

    The time series of the inputs have their own duration curves, original against clustered
    (`plots/clustering.png`, `esmflow.postprocess.full_year.plot_duration_curves`).
    """
    units = ModelUnits.of(results)
    carriers = sorted({carrier for _, carrier in node_carriers(results)})
    has_price = "price" in results
    figure, all_axes = panels(len(carriers) + int(has_price), height=2.6, width=9, sharex=False)
    hours = None
    for axes, carrier in zip(all_axes, carriers, strict=False):
        output = _per_hour(results, "flow_out").sel(carriers=carrier)
        output = output.where(~is_base_tech(results, "transmission", "demand"), 0.0).sum("nodes")
        hours = _hours_sorted(results)
        for tech in [str(t) for t in output["techs"].values]:
            series = output.sel(techs=tech).values
            if np.abs(series).max(initial=0.0) > 1e-9:
                axes.plot(
                    hours,
                    np.sort(series)[::-1],
                    color=tech_color(results, tech),
                    label=tech_name(results, tech),
                )
        axes.set_title(f"{carrier}: output of each tech, all nodes", fontsize="medium", loc="left")
        axes.set_ylabel(axis_label("power", units.power))
        axes.legend(fontsize="small", loc="upper right")
    if has_price:
        axes = all_axes[-1]
        price = results["price"]
        hours = _hours_sorted(results)
        for carrier in [str(c) for c in price["carriers"].values]:
            for node in [str(n) for n in price["nodes"].values]:
                series = price.sel(nodes=node, carriers=carrier).values
                if np.isfinite(series).any():
                    axes.plot(
                        hours, np.sort(series)[::-1], label=f"{node} ({carrier})", linewidth=1
                    )
        axes.set_title("marginal price at each node", fontsize="medium", loc="left")
        axes.set_ylabel(axis_label("price", price.attrs.get("unit", "cost/energy")))
        axes.legend(fontsize="small", loc="upper right")
    for axes in all_axes:
        axes.set_xlabel("hours of the horizon, sorted by value")
    if not carriers and not has_price:
        say_nothing(all_axes[0], "no flows in the results")
    title(figure, "Duration curves")
    return figure


def _hours_sorted(results: xr.Dataset) -> np.ndarray:
    """(timesteps,) hours elapsed at the start of each step when steps are sorted (equal lengths)."""
    resolution = results["timestep_resolution"].values
    return np.concatenate([[0.0], np.cumsum(np.sort(resolution))[:-1]])
