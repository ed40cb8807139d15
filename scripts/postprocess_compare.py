"""Compare the scenarios of a run: objectives and capacities side by side (a page and a figure)."""

import logging
from pathlib import Path

import xarray as xr
import yaml
from _job import configure_logging, run

from esmflow.postprocess.figure_style import save_figure
from esmflow.postprocess.overview import (
    capacity_comparison,
    comparison_html,
    comparison_table,
    plot_comparison,
    write_page,
)
from esmflow.postprocess.prices import objective_cost_unit
from esmflow.postprocess.units import ModelUnits

logger = logging.getLogger(__name__)


def main(job) -> None:
    configure_logging(job)
    scenarios = list(job.params.scenarios)
    statuses = {
        name: yaml.safe_load(Path(path).read_text())
        for name, path in zip(scenarios, job.input.statuses, strict=True)
    }
    results = {
        name: xr.open_dataset(path)  # lazily: only capacities and time are read
        for name, path in zip(scenarios, job.input.results, strict=True)
    }
    table = comparison_table(statuses, results)
    capacities = capacity_comparison(results)
    write_page(comparison_html(table, capacities), job.output.page)
    first = results[scenarios[0]]
    cost_unit = objective_cost_unit(first, ModelUnits.of(first))
    save_figure(plot_comparison(table, capacities, cost_unit), job.output.figure)
    logger.info("compared %d scenarios", len(scenarios))


if __name__ == "__main__":
    run(main, globals())
