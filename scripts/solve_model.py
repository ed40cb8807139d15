"""Solve the stored program; write the solution, a status file and the solver's log.

Anything but an optimum fails the job (non-zero exit): the diagnosis (the conflicting constraints
and bounds of an infeasible model, the cause of an unbounded one) goes to the log and to
`results/{scenario}/diagnosis.txt`, and Snakemake removes the partial outputs. `solve_status.yaml`
lists under `warnings:` every ModelWarning of this scenario's steps, from reading the model to
this solve.
"""

import logging
from typing import Any

import xarray as xr
from _job import PROGRAM_GROUP, configure_logging, run, stage

from esmflow import stage_warnings
from esmflow.backends.duals import shadow_prices, with_duals
from esmflow.io.results_file import read_netcdf_attributes, write_netcdf, write_yaml
from esmflow.math.program import Program
from esmflow.math.schema import MathDefinition
from esmflow.modes.run import run_mode
from esmflow.options import BuildOptions, ModeOptions, SolveOptions
from esmflow.postprocess.results import solve_status
from esmflow.preprocess.inputs import resolved_config

logger = logging.getLogger(__name__)


def solve_options(
    model_config: dict[str, Any],
    solver: dict[str, Any],
    threads: int,
    log_file: str | None,
    backend: str | None = None,
    custom_constraints: str | None = None,
) -> SolveOptions:
    """The model's `config.solve`, overridden by the scenario's `solver` block and the job's threads.

    The scenario's `backend` (if any) wins over the model's `config.build.backend`; its
    `custom_constraints` file (Pyomo backend) adds the user's Pyomo constraints.
    """
    override = {
        **solver,
        "threads": threads,
        "log_file": log_file,
        "backend": backend,
        "custom_constraints": custom_constraints,
    }
    return SolveOptions.from_model_config(model_config, override=override)


def mode_records(mode: ModeOptions, result) -> dict:
    """Operate: each window's record; SPORES: each spore's (in solve_status.yaml)."""
    if mode.mode == "operate":
        return {"mode": "operate", "windows": list(result.solves)}
    if mode.mode == "spores":
        return {"mode": "spores", "spores": list(result.solves)}
    return {}


def main(job) -> None:
    configure_logging(job)
    with xr.open_dataset(job.input.inputs) as stored:
        inputs = stored.load()
    earlier = stage_warnings.stored(read_netcdf_attributes(job.input.program, PROGRAM_GROUP))
    with stage(job, "solve_model", earlier) as found:
        config = resolved_config(inputs)
        options = solve_options(
            config,
            dict(job.params.solver),
            job.threads,
            job.log.get("solver"),
            getattr(job.params, "backend", None),
            getattr(job.params, "custom_constraints", None),
        )
        program = Program.from_netcdf(job.input.program)
        build = BuildOptions.from_model_config(config)
        mode = ModeOptions.from_model_config(config)
        result = run_mode(program, inputs, MathDefinition.from_inputs(inputs), build, options, mode)
        if mode.mode == "base":  # a plan's prices; operate and SPORES solve many programs
            result = with_duals(result, program, shadow_prices(resolved_config(inputs)))
    records = stage_warnings.unique([*earlier, *found])
    write_netcdf(result.solution, job.output.solution)
    status = {**solve_status(result, options), **mode_records(mode, result), "warnings": records}
    write_yaml(status, job.output.status)
    logger.info(
        "%s: objective %.10g in %.2f s with %s %s (%d threads); %d warnings",
        result.termination,
        result.objective,
        result.wall_time,
        result.solver,
        result.solver_version,
        options.threads,
        len(records),
    )


if __name__ == "__main__":
    run(main, globals())
