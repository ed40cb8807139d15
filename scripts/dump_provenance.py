"""Record what a scenario's results came from: config, code hash, git commit, package versions.

Runs only after the solve succeeded (its input is `solve_status.yaml`), whose outcome it records.
"""

import logging
from pathlib import Path

import yaml
from _job import configure_logging, get_job

from esmflow.io.results_file import write_yaml
from esmflow.postprocess.provenance import provenance_record

logger = logging.getLogger(__name__)


def main(job) -> None:
    configure_logging(job)
    status_file = job.input.get("status") if hasattr(job.input, "get") else None
    status = yaml.safe_load(Path(status_file).read_text()) if status_file else None
    record = provenance_record(
        job.params.scenario, dict(job.params.config), job.params.code, solve_status=status
    )
    write_yaml(record, job.output.provenance)
    logger.info("git %s, esmflow code %s", record["git"]["commit"], record["esmflow_code_hash"])


if __name__ == "__main__":
    main(get_job(globals()))
