"""SPORES results at a glance: each tech's capacity in every spore, side by side.

A SPORES run (`config.init.mode: spores`) gives one design per spore along the `spores`
dimension: spore 0 is the least-cost design, the others lie within `spores_slack` of its cost.
The figure puts the designs next to each other, one group of bars per tech (flow capacity
summed over nodes and carriers; links and demand left out), so the alternatives show at once.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from esmflow.errors import ModelError  # noqa: E402


def spores_capacity_table(results: xr.Dataset) -> pd.DataFrame:
    """Flow capacity per tech (rows) and spore (columns), summed over nodes and carriers.

    Transmission and demand techs are left out (their capacities follow from the others').
    Techs with no capacity in any spore are dropped.
    """
    if "spores" not in results.dims or "flow_cap" not in results:
        raise ModelError(
            "The results have no `spores` dimension: they are not from a SPORES run",
            expected="results of a model with config.init.mode: spores",
        )
    capacity = results["flow_cap"].fillna(0.0)
    if "base_tech" in results:
        kind = results["base_tech"].astype(str)
        capacity = capacity.where(~kind.isin(["transmission", "demand"]), 0.0)
    summed = capacity.sum([dim for dim in capacity.dims if dim not in ("techs", "spores")])
    table = summed.transpose("techs", "spores").to_pandas()
    return table.loc[(table.abs() > 0).any(axis=1)]


def plot_spores_capacities(results: xr.Dataset) -> Figure:
    """Grouped bars: for each tech, its capacity in every spore (spore 0: the least cost).

    Results of a run in another mode (no `spores` dimension) show their one design, titled
    so: the workflow draws this figure for every scenario, so that its outputs do not depend
    on the mode.
    """
    one_design = "spores" not in results.dims
    if one_design and "flow_cap" not in results:  # nothing to compare: say so
        figure, axes = plt.subplots(figsize=(6.0, 4.5))
        axes.text(0.5, 0.5, "no flow capacities in these results", ha="center", va="center")
        axes.set_axis_off()
        return figure
    if one_design:
        results = results.expand_dims(spores=[0])
    table = spores_capacity_table(results)
    figure, axes = plt.subplots(figsize=(max(6.0, 1.2 * len(table) + 2), 4.5))
    spores = list(table.columns)
    width = 0.8 / max(len(spores), 1)
    positions = np.arange(len(table))
    for number, spore in enumerate(spores):
        label = f"spore {spore}" + (" (least cost)" if number == 0 else "")
        axes.bar(positions + number * width, table[spore].to_numpy(), width, label=label)
    axes.set_xticks(positions + width * (len(spores) - 1) / 2, list(table.index), rotation=30)
    axes.set_ylabel("flow capacity (summed over nodes)")
    axes.set_title(
        "Capacities (one design: not a SPORES run)" if one_design else "Capacities across spores"
    )
    axes.legend(fontsize="small")
    figure.tight_layout()
    return figure
