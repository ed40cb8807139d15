"""The price plot: marginal prices over time (`price`, from `esmflow.postprocess.prices`).

Apart from the price computation, which the solve's status record needs: an edit to a figure
then re-runs the postprocessing only (rules/common.smk, `code_hash`).
"""

from __future__ import annotations

import xarray as xr
from matplotlib.figure import Figure

from esmflow.postprocess.figure_style import format_time_axis, panels, say_nothing, title
from esmflow.postprocess.units import axis_label


def plot_prices(results: xr.Dataset) -> Figure:
    """Marginal price over time: one panel per carrier, one line per node."""
    price = results["price"] if "price" in results else None
    carriers = (
        []
        if price is None
        else [
            str(c) for c in price["carriers"].values if bool(price.sel(carriers=c).notnull().any())
        ]
    )
    figure, all_axes = panels(len(carriers), height=2.6)
    for axes, carrier in zip(all_axes, carriers, strict=False):
        at_nodes = price.sel(carriers=carrier).dropna("nodes", how="all")
        for node in [str(n) for n in at_nodes["nodes"].values]:
            axes.step(
                at_nodes["timesteps"].values,
                at_nodes.sel(nodes=node).values,
                where="post",
                label=node,
                linewidth=1,
            )
        axes.set_title(f"{carrier}", fontsize="medium", loc="left")
        axes.set_ylabel(axis_label("marginal price", price.attrs.get("unit", "cost/energy")))
        axes.legend(loc="upper right", fontsize="small", title="node")
    if not carriers:
        say_nothing(all_axes[0], "no prices: the solve kept no duals of system_balance")
    else:
        format_time_axis(all_axes[-1])
    title(figure, "Marginal prices (duals of each node's carrier balance)")
    return figure
