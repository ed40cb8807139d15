"""Copy a scenario's provenance record from results.nc to `provenance/config.yaml` (readable).

Runs after `postprocess`, which wrote the record (config, code hashes, model file hashes, git
commit, package versions, the solve's termination and objective) into results.nc: both files
hold the same record, and a scenario whose solve failed has neither.
"""

import logging

from _job import configure_logging, run

from esmflow.io.results_file import read_netcdf_attributes, write_yaml
from esmflow.postprocess.provenance import stored_record

logger = logging.getLogger(__name__)


def main(job) -> None:
    configure_logging(job)
    # the attributes only (netCDF4): no arrays, and no xarray to import for them
    record = stored_record(read_netcdf_attributes(job.input.results))
    write_yaml(record, job.output.provenance)
    logger.info("git %s, esmflow code %s", record["git"]["commit"], record["esmflow_code_hash"])


if __name__ == "__main__":
    run(main, globals())
