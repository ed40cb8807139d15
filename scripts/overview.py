"""Write a scenario's overview page (description, solve status, tables) for the report.

A rule of its own, so that editing a scenario's `description` re-writes this page and nothing else.
"""

import logging
from pathlib import Path

import xarray as xr
import yaml
from _job import configure_logging, run

from esmflow.postprocess import summaries
from esmflow.postprocess.overview import overview_html, write_page

logger = logging.getLogger(__name__)


def main(job) -> None:
    configure_logging(job)
    status = yaml.safe_load(Path(job.input.status).read_text())
    with xr.open_dataset(job.input.results) as stored:
        results = stored.load()
    if "spores" in results.dims:  # the tables of the least-cost solution, as postprocess writes
        results = results.isel(spores=0, drop=True)
    tables = {name: make_table(results) for name, make_table in summaries.TABLES.items()}
    page = overview_html(
        job.params.scenario, str(job.params.description or ""), status, results, tables
    )
    write_page(page, job.output.overview)
    logger.info("overview in %s", job.output.overview)


if __name__ == "__main__":
    run(main, globals())
