"""Write a scenario's results: results.nc (inputs + results + provenance), summary CSVs, plots.

The provenance record (`esmflow.postprocess.provenance`) goes into results.nc whole;
`dump_provenance` copies it to `provenance/config.yaml`. The overview page is `overview`'s.

Time series (plots, `results_full_year.nc`, storage levels) cover every original timestep, also
when time was clustered into representative periods. `plots/explore.html` is the interactive page.
"""

import json
import logging
from pathlib import Path
from typing import Any

import xarray as xr
import yaml
from _job import configure_logging, run

import esmflow
from esmflow import stage_warnings
from esmflow.backends.result import SolveResult
from esmflow.io.results_file import write_csv, write_netcdf
from esmflow.postprocess import plots, summaries
from esmflow.postprocess.explore import write_explorer
from esmflow.postprocess.full_year import full_year, storage_level_table
from esmflow.postprocess.provenance import code_hash, provenance_attrs, provenance_record
from esmflow.postprocess.results import make_results
from esmflow.postprocess.spores_plot import plot_spores_capacities

logger = logging.getLogger(__name__)


def stored_solve_result(solution: xr.Dataset, status: dict[str, Any]) -> SolveResult:
    """The solve's outcome as `solve_model` left it on disk (solution file + status file)."""
    return SolveResult(
        termination=status["termination"],
        objective=float(status["objective"]),
        solution=solution,
        solver=status.get("solver", "unknown"),
        solver_version=status.get("solver_version", "unknown"),
        wall_time=float(status.get("wall_time_s", float("nan"))),
        mip_gap=status.get("mip_gap"),
        backend=status.get("backend", "highs"),
    )


def main(job) -> None:
    configure_logging(job)
    status = yaml.safe_load(Path(job.input.status).read_text())
    with (
        xr.open_dataset(job.input.inputs) as inputs,
        xr.open_dataset(job.input.solution) as solution,
    ):
        results = make_results(inputs.load(), stored_solve_result(solution.load(), status))
    record = provenance_record(
        job.params.scenario,
        job.params.config,
        code_hash(Path(esmflow.__file__).parent),  # all of esmflow, as it ran
        solve_status=status,
        model_files=json.loads(results.attrs.get("model_files") or "{}"),
        rule_code=job.params.rule_code,
    )
    results.attrs.update(provenance_attrs(job.params.scenario, {}, "", record=record))
    results.attrs[stage_warnings.WARNINGS_ATTR] = stage_warnings.encoded(
        status.get("warnings") or []
    )
    write_netcdf(results, job.output.results)  # every spore of a SPORES run
    # the capacities of every spore side by side (a run of another mode: its one design);
    # tables and other plots: the least cost
    figure = plot_spores_capacities(results)
    plots.save_figure(figure, job.output.spores_capacities)
    if "spores" in results.dims:
        results = results.isel(spores=0, drop=True)
    tables = {name: make_table(results) for name, make_table in summaries.TABLES.items()}
    for name, table in tables.items():
        write_csv(table, getattr(job.output, name), index=False)
    over_horizon = full_year(results)
    write_netcdf(over_horizon, job.output.full_year)
    write_csv(storage_level_table(over_horizon), job.output.storage_levels, index=False)
    for name, figure in plots.draw_figures(results):
        plots.save_figure(figure, getattr(job.output, name))
    write_explorer(results, job.output.explore)
    logger.info("objective %.10g; results in %s", status["objective"], job.output.results)


if __name__ == "__main__":
    run(main, globals())
