"""Draw the duration curves of the inputs before and after `cluster_time` (the report's figure).

A rule of its own, so that an edit to the plotting code redraws this figure and re-runs nothing
of the model (`cluster_time` imports no plotting code).
"""

import logging

import xarray as xr
from _job import configure_logging, run

from esmflow.postprocess.figure_style import save_figure
from esmflow.postprocess.full_year import plot_duration_curves

logger = logging.getLogger(__name__)


def main(job) -> None:
    configure_logging(job)
    with (
        xr.open_dataset(job.input.original) as original,
        xr.open_dataset(job.input.clustered) as clustered,
    ):
        figure = plot_duration_curves(original.load(), clustered.load())
    save_figure(figure, job.output.duration_curves)
    logger.info("duration curves in %s", job.output.duration_curves)


if __name__ == "__main__":
    run(main, globals())
