"""A map of the nodes and links: where things are, how big the lines are, which way energy flows.

Nodes sit at their `latitude`/`longitude`; each link is a line (in the model's colour of the
link) whose width grows with its capacity, labelled with the capacity and the net energy it
carried over the horizon, with an
arrow in the direction of the net flow. With cartopy installed the map gets coastlines and
borders; without it (the default environment) it is a plain longitude/latitude scatter, which
shows the same.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from esmflow.postprocess.figure_style import grid, is_base_tech, say_nothing, tech_color
from esmflow.postprocess.summaries import weighted_time_sum
from esmflow.postprocess.units import ModelUnits, axis_label

HAS_CARTOPY = importlib.util.find_spec("cartopy") is not None


def link_table(results: xr.Dataset) -> pd.DataFrame:
    """Each link: its ends, carrier, capacity and the net energy sent from `link_from` to `link_to`.

    Columns: techs, link_from, link_to, carriers, flow_cap, net_flow (over the horizon, weighted
    by `timestep_weights`; negative when more went the other way).
    """
    columns = ["techs", "link_from", "link_to", "carriers", "flow_cap", "net_flow"]
    if "link_from" not in results or "flow_out" not in results:
        return pd.DataFrame(columns=columns)
    links = [str(t) for t in results["techs"].values[is_base_tech(results, "transmission").values]]
    rows = []
    delivered = weighted_time_sum(
        results["flow_out"].fillna(0.0), results
    )  # (nodes, techs, carriers)
    for tech in links:
        start = str(results["link_from"].sel(techs=tech).values)
        end = str(results["link_to"].sel(techs=tech).values)
        capacity = (
            results["flow_cap"].sel(techs=tech).max("nodes") if "flow_cap" in results else None
        )
        for carrier in [str(c) for c in delivered["carriers"].values]:
            size = (
                float(capacity.sel(carriers=carrier).fillna(0.0))
                if capacity is not None
                else np.nan
            )
            there = float(delivered.sel(nodes=end, techs=tech, carriers=carrier))
            back = float(delivered.sel(nodes=start, techs=tech, carriers=carrier))
            if size > 0 or there or back:
                rows.append([tech, start, end, carrier, size, there - back])
    return pd.DataFrame(rows, columns=columns)


def plot_map(results: xr.Dataset) -> Figure:
    """Nodes at their coordinates, links sized by capacity and labelled with net flows."""
    units = ModelUnits.of(results)
    figure, axes = grid(1, 1, height=6, width=8)
    axes = axes[0, 0]
    if "latitude" not in results or "longitude" not in results:
        say_nothing(axes, "the nodes have no latitude/longitude: no map")
        return figure
    lat = results["latitude"].to_series().astype(float)
    lon = results["longitude"].to_series().astype(float)
    if HAS_CARTOPY:  # pragma: no cover - not in the pinned environment
        axes = _cartopy_axes(figure, axes, lon, lat)
    links = link_table(results)
    widest = float(links["flow_cap"].max()) if not links.empty else 0.0
    for row in links.itertuples():
        x = [lon[row.link_from], lon[row.link_to]]
        y = [lat[row.link_from], lat[row.link_to]]
        width = 1.0 + 7.0 * (row.flow_cap / widest if widest > 0 else 0.0)
        axes.plot(x, y, color=tech_color(results, row.techs), linewidth=width, alpha=0.7, zorder=1)
        if abs(row.net_flow) > 1e-9:
            sign = 1 if row.net_flow > 0 else -1
            middle = (np.mean(x), np.mean(y))
            step = (sign * (x[1] - x[0]) * 0.08, sign * (y[1] - y[0]) * 0.08)
            axes.annotate(
                "",
                xy=(middle[0] + step[0], middle[1] + step[1]),
                xytext=(middle[0] - step[0], middle[1] - step[1]),
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2},
                zorder=3,
            )
        axes.annotate(
            f"{_amount(row.flow_cap)} {units.power}\nnet {_amount(abs(row.net_flow))} {units.energy}",
            xy=(np.mean(x), np.mean(y)),
            xytext=(4, -14),
            textcoords="offset points",
            fontsize="x-small",
            color="#333333",
        )
    axes.scatter(lon.values, lat.values, s=60, color="black", zorder=2)
    for node in lon.index:
        axes.annotate(str(node), (lon[node], lat[node]), xytext=(5, 5), textcoords="offset points")
    axes.set_xlabel(axis_label("longitude", "°E"))
    axes.set_ylabel(axis_label("latitude", "°N"))
    axes.margins(0.15)
    axes.set_aspect(1 / np.cos(np.deg2rad(float(lat.mean()))), adjustable="datalim")
    axes.set_title(
        f"Nodes and links: line width ∝ capacity ({units.power}); arrows: net flow over the horizon",
        fontsize="medium",
    )
    return figure


def _amount(value: float) -> str:
    """A number for a label: '76 960', '12.3', '0.5'."""
    return f"{value:,.0f}".replace(",", " ") if abs(value) >= 100 else f"{value:.3g}"


def _cartopy_axes(figure: Figure, axes, lon: pd.Series, lat: pd.Series):  # pragma: no cover
    """Swap the plain axes for a PlateCarree map with coastlines and borders."""
    import cartopy.crs as ccrs  # noqa: PLC0415 - optional, only where installed
    import cartopy.feature as cfeature  # noqa: PLC0415

    position = axes.get_subplotspec()
    axes.remove()
    axes = figure.add_subplot(position, projection=ccrs.PlateCarree())
    axes.add_feature(cfeature.COASTLINE, linewidth=0.5)
    axes.add_feature(cfeature.BORDERS, linewidth=0.3)
    axes.set_extent([lon.min() - 1, lon.max() + 1, lat.min() - 1, lat.max() + 1])
    return axes
