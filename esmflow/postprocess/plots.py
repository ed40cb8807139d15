"""Figures from a results Dataset: dispatch per carrier, installed capacity per node.

matplotlib with the file-only Agg backend, so plots render on cluster nodes without a display.
Colours come from the model's `color` lookup where a tech has one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from esmflow.io.results_file import atomic_path  # noqa: E402


def _is_base_tech(results: xr.Dataset, *base_techs: str) -> xr.DataArray:
    """(techs,) True where the tech's `base_tech` is one of `base_techs`."""
    if "base_tech" not in results:
        return xr.zeros_like(results["techs"], dtype=bool)
    return results["base_tech"].astype(str).isin(base_techs)


def _is_transmission(results: xr.Dataset) -> xr.DataArray:
    """(techs,) True for links: their flows move energy between nodes and cancel in a system sum."""
    return _is_base_tech(results, "transmission")


def _colors(results: xr.Dataset, techs: list[str]) -> list[str | None]:
    """The model's colour for each tech, or None (matplotlib's cycle) where it has none."""
    if "color" not in results:
        return [None] * len(techs)
    colors = results["color"].astype(str).sel(techs=techs).to_numpy()
    return [c if c.startswith("#") else None for c in colors]


def dispatch_table(results: xr.Dataset, carrier: str) -> pd.DataFrame:
    """Net flow per tech (out minus in) over time for one carrier, summed over nodes, links excluded.

    Rows are timesteps, columns techs that move any energy of this carrier.
    """
    keep = ~_is_transmission(results)
    net = 0
    for name, sign in (("flow_out", 1.0), ("flow_in", -1.0)):
        if name in results:
            net = net + sign * results[name].sel(carriers=carrier).fillna(0.0)
    if isinstance(net, int):
        return pd.DataFrame()
    net = net.where(keep, 0.0).sum([d for d in net.dims if d not in ("timesteps", "techs")])
    table = net.transpose("timesteps", "techs").to_pandas()
    return table.loc[:, (table.abs() > 0).any(axis=0)]


def _stack_dispatch(axes: plt.Axes, results: xr.Dataset, carrier: str) -> None:
    """One carrier's stacked production (above zero) and consumption (below) on `axes`."""
    table = dispatch_table(results, carrier)
    axes.set_title(f"{carrier}: production above zero, consumption below", fontsize="medium")
    axes.set_ylabel("energy per timestep")
    if table.empty:
        return
    techs = list(table.columns)
    colors = _colors(results, techs)
    time = table.index.to_numpy()
    for part, with_labels in ((table.clip(lower=0), True), (table.clip(upper=0), False)):
        axes.stackplot(
            time,
            part.to_numpy().T,
            labels=techs if with_labels else (),
            colors=colors if all(colors) else None,
            step="post",
        )
    axes.axhline(0.0, color="black", linewidth=0.5)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")


def plot_dispatch(results: xr.Dataset) -> Figure:
    """Dispatch over time, one panel per carrier (flows summed over nodes, links left out)."""
    carriers = (
        [str(c) for c in results["carriers"].to_numpy()] if "carriers" in results.coords else []
    )
    figure, all_axes = plt.subplots(
        max(1, len(carriers)),
        1,
        figsize=(11, 3.2 * max(1, len(carriers))),
        layout="constrained",
        sharex=True,
        squeeze=False,
    )
    for axes, carrier in zip(all_axes[:, 0], carriers, strict=False):
        _stack_dispatch(axes, results, carrier)
    figure.suptitle("Dispatch per carrier")
    return figure


def capacity_table(results: xr.Dataset) -> pd.DataFrame:
    """`flow_cap` per node (rows) and tech (columns), summed over carriers.

    Links and demands are left out: a link's capacity shows at both ends, and a demand's
    `flow_cap` is only its peak, not something built.
    """
    if "flow_cap" not in results:
        return pd.DataFrame()
    flow_cap = results["flow_cap"].fillna(0.0)
    flow_cap = flow_cap.sum([d for d in flow_cap.dims if d not in ("nodes", "techs")])
    flow_cap = flow_cap.where(~_is_base_tech(results, "transmission", "demand"), 0.0)
    table = flow_cap.transpose("nodes", "techs").to_pandas()
    return table.loc[:, (table.abs() > 0).any(axis=0)]


def plot_capacity(results: xr.Dataset) -> Figure:
    """Stacked bars of installed `flow_cap` per node, one segment per tech."""
    table = capacity_table(results)
    figure, axes = plt.subplots(figsize=(8, 4), layout="constrained")
    if not table.empty:
        bottom = np.zeros(len(table))
        for tech, color in zip(table.columns, _colors(results, list(table.columns)), strict=True):
            axes.bar(
                table.index.astype(str),
                table[tech].to_numpy(),
                bottom=bottom,
                label=tech,
                color=color,
            )
            bottom = bottom + table[tech].to_numpy()
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    axes.set_title("Installed flow capacity per node (links and demand not shown)")
    axes.set_ylabel("flow_cap")
    return figure


def save_figure(figure: Figure, path: str | Path) -> None:
    """Save as PNG atomically and free the figure's memory."""
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=100)
    plt.close(figure)


# The figures `postprocess` draws, by file stem (`plots/<name>.png`).
FIGURES: dict[str, Callable[[xr.Dataset], Figure]] = {
    "dispatch": plot_dispatch,
    "capacity": plot_capacity,
}
