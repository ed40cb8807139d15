"""Put the inputs on the model's time steps (clustering; identity until representative periods land)."""

import logging

import xarray as xr
from _job import configure_logging, get_job, stage

from esmflow import stage_warnings
from esmflow.io.results_file import write_netcdf
from esmflow.preprocess.time import cluster_time

logger = logging.getLogger(__name__)


def main(job) -> None:
    configure_logging(job)
    with xr.open_dataset(job.input.inputs) as stored:
        inputs = stored.load()
    with stage(job, "cluster_time", stage_warnings.stored(inputs.attrs)) as found:
        inputs = cluster_time(inputs)
    inputs.attrs = stage_warnings.with_records(inputs.attrs, found)
    write_netcdf(inputs, job.output.inputs)
    logger.info("%d time steps", inputs.sizes.get("timesteps", 0))


if __name__ == "__main__":
    main(get_job(globals()))
