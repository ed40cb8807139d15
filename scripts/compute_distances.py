"""Fill in link distances from node coordinates and list them as a table."""

import logging

import xarray as xr
from _job import configure_logging, run, stage

from esmflow import stage_warnings
from esmflow.io.results_file import write_csv, write_netcdf
from esmflow.postprocess.summaries import distance_table
from esmflow.preprocess.distances import add_distances

logger = logging.getLogger(__name__)


def main(job) -> None:
    configure_logging(job)
    with xr.open_dataset(job.input.inputs) as stored:
        inputs = stored.load()
    with stage(job, "compute_distances", stage_warnings.stored(inputs.attrs)) as found:
        inputs = add_distances(inputs)
        table = distance_table(inputs)
    inputs.attrs = stage_warnings.with_records(inputs.attrs, found)
    write_netcdf(inputs, job.output.inputs)
    write_csv(table, job.output.distances, index=False)
    logger.info("%d transmission links", len(table))


if __name__ == "__main__":
    run(main, globals())
