"""The figures of a scenario, by file stem: each a function of a results Dataset → Figure.

Every function is usable on its own from Python (`plot_dispatch(results)`), on the results of
`Model.solve()` or a `results.nc` opened with xarray. For a clustered model, give the time-series
figures the results on every original timestep (`full_year(results)`); the workflow does.
Axes carry the model's units (`units:` of the model file; generic words where it has none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import xarray as xr
from matplotlib.figure import Figure

from esmflow.postprocess.capacity import plot_capacity, plot_capacity_factors, plot_costs
from esmflow.postprocess.dispatch import plot_dispatch, plot_duration_curves, plot_storage
from esmflow.postprocess.figure_style import save_figure
from esmflow.postprocess.full_year import full_year
from esmflow.postprocess.network_map import plot_map
from esmflow.postprocess.price_plot import plot_prices

# file stem (`plots/<stem>.png`) → the function that draws it
FIGURES: dict[str, Callable[[xr.Dataset], Figure]] = {
    "dispatch": plot_dispatch,
    "storage": plot_storage,
    "capacity": plot_capacity,
    "costs": plot_costs,
    "prices": plot_prices,
    "map": plot_map,
    "capacity_factors": plot_capacity_factors,
    "duration_curves": plot_duration_curves,
}

# Figures over time: drawn on every original timestep. The others add up over the horizon with
# `timestep_weights`, so they take the results as solved (costs per clustered step are weighted).
OVER_TIME = ("dispatch", "storage", "prices", "duration_curves")


def draw_figures(results: xr.Dataset) -> Iterator[tuple[str, Figure]]:
    """Every figure of `FIGURES` for one scenario's results, by file stem."""
    over_horizon = full_year(results)
    for name, draw in FIGURES.items():
        yield name, draw(over_horizon if name in OVER_TIME else results)


__all__ = ["FIGURES", "OVER_TIME", "draw_figures", "save_figure"]
