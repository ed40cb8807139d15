"""Put the inputs on the model's time steps: representative periods if asked for, else unchanged."""

import logging

import xarray as xr
from _job import configure_logging, run, stage

from esmflow import stage_warnings
from esmflow.io.results_file import write_netcdf
from esmflow.options import ClusteringOptions
from esmflow.preprocess.clustering import cluster_time

logger = logging.getLogger(__name__)


def main(job) -> None:
    configure_logging(job)
    options = ClusteringOptions.from_config(job.params.clustering)
    with xr.open_dataset(job.input.inputs) as stored:
        original = stored.load()
    with stage(job, "cluster_time", stage_warnings.stored(original.attrs)) as found:
        inputs = cluster_time(original, options)
    inputs.attrs = stage_warnings.with_records(inputs.attrs, found)
    write_netcdf(inputs, job.output.inputs)
    logger.info(
        "%d time steps (%d before), %d representative periods",
        inputs.sizes["timesteps"],
        original.sizes["timesteps"],
        inputs.sizes.get("clusters", 0),
    )


if __name__ == "__main__":
    run(main, globals())
