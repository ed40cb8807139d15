"""An operate scenario's inputs with the capacities its plan scenario decided (`operate_from`)."""

import logging

import xarray as xr
from _job import configure_logging, run, stage

from esmflow import stage_warnings
from esmflow.io.results_file import write_netcdf
from esmflow.modes.operate import with_plan_capacities

logger = logging.getLogger(__name__)


def main(job) -> None:
    configure_logging(job)
    with xr.open_dataset(job.input.inputs) as stored:
        inputs = stored.load()
    with stage(job, "operate_inputs", stage_warnings.stored(inputs.attrs)) as found:
        with xr.open_dataset(job.input.plan) as plan:
            operated = with_plan_capacities(inputs, plan.load(), job.params.plan)
    operated.attrs = stage_warnings.with_records(operated.attrs, found)
    write_netcdf(operated, job.output.inputs)


if __name__ == "__main__":
    run(main, globals())
