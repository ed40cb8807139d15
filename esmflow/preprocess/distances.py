"""Link distances from node latitude/longitude (geopy geodesic on WGS-84). (CONTRACT STUB)"""

from __future__ import annotations

import xarray as xr


def add_distances(inputs: xr.Dataset) -> xr.Dataset:
    """Fill `distance` for transmission techs that have none, from their nodes' lat/lon."""
    raise NotImplementedError
