"""Convert a scenario's Calliope 0.6 model into an esmflow model folder (esmflow convert-v06).

The conversion report (every key mapped or not, and why) is written beside the converted model;
the warnings for keys not mapped go to the log.
"""

import logging
from pathlib import Path

from _job import configure_logging, run, stage

from esmflow.io.calliope06 import convert_v06

logger = logging.getLogger(__name__)


def main(job) -> None:
    configure_logging(job)
    with stage(job, "convert_v06") as found:
        result = convert_v06(job.input.model, Path(job.output.model).parent)
    logger.info(
        "converted %s → %s (%d warnings; see %s)",
        job.input.model,
        result.model_file,
        len(found),
        result.report_file,
    )


if __name__ == "__main__":
    run(main, globals())
