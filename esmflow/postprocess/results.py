"""Solution → results Dataset with Calliope names, inputs and provenance. (CONTRACT STUB)"""

from __future__ import annotations

import xarray as xr

from esmflow.backends.highs import SolveResult


def make_results(inputs: xr.Dataset, solve_result: SolveResult) -> xr.Dataset:
    """Inputs plus solved variables/expressions (zero_threshold applied) plus status attrs."""
    raise NotImplementedError
