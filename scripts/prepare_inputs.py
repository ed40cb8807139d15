"""Read a scenario's model (YAML + CSV, overrides, set values) and write its inputs Dataset.

Bad input stops here: the ModelError's message (file, key path, what was expected) goes to the
log and to `diagnosis.txt`, the job fails and no output is left behind. Warnings (e.g. a parameter
no math reads) are listed in the `warnings` attribute of `inputs.nc`.
"""

import logging
from typing import Any

import xarray as xr
from _job import configure_logging, run, stage

from esmflow import stage_warnings
from esmflow.io.read_model import read_model
from esmflow.io.results_file import write_netcdf
from esmflow.preprocess.inputs import prepare_inputs

logger = logging.getLogger(__name__)


def load_inputs(model: str, overrides: list[str], set_values: dict[str, Any]) -> xr.Dataset:
    """The model file, after overrides and set values, as the inputs Dataset."""
    definition = read_model(model, overrides=list(overrides), set_values=dict(set_values))
    return prepare_inputs(definition)


def main(job) -> None:
    configure_logging(job)
    params = job.params
    with stage(job, "prepare_inputs") as found:
        inputs = load_inputs(params.model, params.overrides, params.set)
    inputs.attrs = stage_warnings.with_records(inputs.attrs, found)
    write_netcdf(inputs, job.output.inputs)
    logger.info(
        "read %s (overrides %s): %s",
        params.model,
        list(params.overrides) or "none",
        ", ".join(f"{dim}={size}" for dim, size in inputs.sizes.items()),
    )


if __name__ == "__main__":
    run(main, globals())
