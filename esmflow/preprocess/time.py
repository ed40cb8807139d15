"""Time clustering of the inputs (a pass-through until representative periods land). (CONTRACT STUB)"""

from __future__ import annotations

import xarray as xr


def cluster_time(inputs: xr.Dataset) -> xr.Dataset:
    """Return inputs over the model's time steps after clustering; identity when none is asked for."""
    return inputs
