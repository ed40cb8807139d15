"""Build the optimisation program from the model inputs and their math; store it as netCDF.

The warnings of every step so far travel on in the program file (attribute `warnings` of its
`esmflow` group), where the solve collects them.
"""

import json
import logging

import xarray as xr
from _job import PROGRAM_GROUP, configure_logging, run, stage

from esmflow import stage_warnings
from esmflow.io.results_file import atomic_path, set_netcdf_attribute
from esmflow.math.program import Program
from esmflow.math.schema import MathDefinition
from esmflow.modes.run import build_for_mode
from esmflow.options import BuildOptions, ModeOptions
from esmflow.preprocess.inputs import resolved_config

logger = logging.getLogger(__name__)


def build(inputs: xr.Dataset) -> Program:
    """The program of these inputs in the model's mode (operate: the first window's horizon)."""
    config = resolved_config(inputs)
    options = BuildOptions.from_model_config(config)
    mode = ModeOptions.from_model_config(config)
    return build_for_mode(inputs, MathDefinition.from_inputs(inputs), options, mode)


def program_size(program: Program) -> dict[str, int]:
    """Variables, constraints and constraint-matrix nonzeros: what the solve's memory scales with.

    Stored in the program file (attribute `program_size` of its `esmflow` group), where
    `rules/common.smk` reads it to ask the cluster for the solve's memory.
    """
    matrix = program.model.matrices.A  # the constraint matrix the solver is given
    return {
        "variables": int(program.model.nvars),
        "constraints": int(program.model.ncons),
        "nonzeros": 0 if matrix is None else int(matrix.nnz),
    }


def main(job) -> None:
    configure_logging(job)
    with xr.open_dataset(job.input.inputs) as stored:
        inputs = stored.load()
    earlier = stage_warnings.stored(inputs.attrs)
    with stage(job, "build_model", earlier) as found:
        program = build(inputs)
    with atomic_path(job.output.program) as temporary:
        program.to_netcdf(temporary)
        records = stage_warnings.encoded([*earlier, *found])
        set_netcdf_attribute(temporary, stage_warnings.WARNINGS_ATTR, records, PROGRAM_GROUP)
        size = program_size(program)
        set_netcdf_attribute(temporary, "program_size", json.dumps(size), PROGRAM_GROUP)
    logger.info(
        "built %d variables, %d constraints, %d nonzeros (%d components)",
        size["variables"],
        size["constraints"],
        size["nonzeros"],
        len(program.components),
    )


if __name__ == "__main__":
    run(main, globals())
