"""Summarise the run: a row per scenario in results/summary.csv, objective and capacity plots."""

import logging
from pathlib import Path

import pandas as pd
import xarray as xr
import yaml
from _job import configure_logging, run

from esmflow.io.results_file import atomic_path
from esmflow.postprocess.figure_style import save_figure, tech_color
from esmflow.postprocess.prices import objective_cost_unit
from esmflow.postprocess.sweep_summary import (
    capacity_values,
    cost_values,
    plot_capacities,
    plot_objective,
    summary_table,
    sweep_axes,
)
from esmflow.postprocess.units import ModelUnits, horizon

logger = logging.getLogger(__name__)


def main(job) -> None:
    configure_logging(job)
    scenarios = list(job.params.scenarios)
    swept = dict(job.params.swept)
    statuses, costs, capacities, horizons, objective_units, colors = {}, {}, {}, {}, {}, {}
    for name, status, cost, results in zip(
        scenarios, job.input.statuses, job.input.costs, job.input.results, strict=True
    ):
        statuses[name] = yaml.safe_load(Path(status).read_text())
        costs[name] = cost_values(pd.read_csv(cost))
        with xr.open_dataset(results) as data:  # lazily: capacities, colours, time only
            capacities[name] = capacity_values(data)
            horizons[name] = horizon(data).text()
            objective_units[name] = objective_cost_unit(data, ModelUnits.of(data))
            for tech in map(str, data["techs"].values):
                colors.setdefault(tech, tech_color(data, tech))
    table = summary_table(scenarios, swept, statuses, costs, capacities, horizons, objective_units)
    with atomic_path(job.output.table) as temporary:
        table.to_csv(temporary, index=False)
    axes = sweep_axes(swept)
    save_figure(plot_objective(table, axes), job.output.objective)
    save_figure(plot_capacities(table, axes, colors), job.output.capacities)
    logger.info("summarised %d scenarios (%d of them in sweeps)", len(table), len(swept))


if __name__ == "__main__":
    run(main, globals())
