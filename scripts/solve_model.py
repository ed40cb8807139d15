"""Solve the stored program; write the solution, a status file and the solver's log.

Anything but an optimum fails the job (non-zero exit) with the solver's diagnosis in the log, so
Snakemake marks it failed and removes partial outputs.
"""

import logging
from typing import Any

import xarray as xr
from _job import configure_logging, get_job

from esmflow.backends.highs import solve_program
from esmflow.errors import ModelError
from esmflow.io.results_file import write_netcdf, write_yaml
from esmflow.math.program import Program
from esmflow.options import SolveOptions
from esmflow.postprocess.results import solve_status
from esmflow.preprocess.inputs import resolved_config

logger = logging.getLogger(__name__)


def solve_options(
    model_config: dict[str, Any], solver: dict[str, Any], threads: int, log_file: str | None
) -> SolveOptions:
    """The model's `config.solve`, overridden by the scenario's `solver` block and the job's threads."""
    override = {**solver, "threads": threads, "log_file": log_file}
    return SolveOptions.from_model_config(model_config, override=override)


def main(job) -> None:
    configure_logging(job)
    with xr.open_dataset(job.input.inputs) as inputs:
        model_config = resolved_config(inputs)
    options = solve_options(
        model_config, dict(job.params.solver), job.threads, job.log.get("solver")
    )
    program = Program.from_netcdf(job.input.program)
    result = solve_program(program, options)
    if result.termination != "optimal":
        raise ModelError(
            f"the solver stopped without an optimum (termination: {result.termination})",
            expected="optimal",
            got=str(result.termination),
        )
    write_netcdf(result.solution, job.output.solution)
    write_yaml(solve_status(result, options, job.params.backend), job.output.status)
    logger.info(
        "%s: objective %.10g in %.2f s with %s %s (%d threads)",
        result.termination,
        result.objective,
        result.wall_time,
        result.solver,
        result.solver_version,
        options.threads,
    )


if __name__ == "__main__":
    main(get_job(globals()))
