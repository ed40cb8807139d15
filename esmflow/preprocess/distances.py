"""Link distances from node latitude/longitude (geopy geodesic on WGS-84).

Only transmission techs (a non-empty `link_from`) without a `distance` get one: the geodesic
between their two nodes, in km unless `config.init.distance_unit` is `m`. Links are few, so geopy
runs once per link; nothing loops over time steps.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from esmflow.errors import ModelError
from esmflow.io.yaml_files import parse_yaml

METRES_PER_UNIT = {"km": 1000.0, "m": 1.0}


def add_distances(inputs: xr.Dataset) -> xr.Dataset:
    """Fill `distance` for transmission techs that have none, from their nodes' lat/lon."""
    if "link_from" not in inputs or "latitude" not in inputs or "longitude" not in inputs:
        return inputs
    unit = _distance_unit(inputs)
    is_link = (inputs["link_from"] != "") & (inputs["link_to"] != "")
    distance = (
        inputs["distance"] if "distance" in inputs else xr.full_like(is_link, np.nan, dtype=float)
    )
    missing = is_link & distance.isnull()
    if not missing.any():
        return inputs
    techs = inputs.techs.values[missing.values]
    ends = inputs[["link_from", "link_to"]].sel(techs=techs)
    coordinates = {
        node: (lat, lon)
        for node, lat, lon in zip(
            inputs.nodes.values, inputs.latitude.values, inputs.longitude.values, strict=True
        )
    }
    lengths = [
        _geodesic_m(coordinates, str(a), str(b), str(t))
        for t, a, b in zip(techs, ends.link_from.values, ends.link_to.values, strict=True)
    ]
    computed = xr.DataArray(
        np.asarray(lengths) / METRES_PER_UNIT[unit], coords={"techs": techs}, dims="techs"
    )
    filled = distance.fillna(computed.reindex_like(distance.techs))
    inputs = inputs.copy()
    inputs["distance"] = filled
    return inputs


def _distance_unit(inputs: xr.Dataset) -> str:
    config = parse_yaml(str(inputs.attrs.get("config", "")), source="inputs.attrs['config']")
    unit = str(((config.get("init") or {}).get("distance_unit")) or "km")
    if unit not in METRES_PER_UNIT:
        raise ModelError(
            f"Unknown distance unit '{unit}'",
            key_path="config.init.distance_unit",
            expected="km or m",
        )
    return unit


def _geodesic_m(
    coordinates: dict[str, tuple[float, float]], node_from: str, node_to: str, tech: str
) -> float:
    """Geodesic length in metres; NaN coordinates (a node without lat/lon) are a ModelError."""
    start, end = coordinates[node_from], coordinates[node_to]
    if np.isnan([*start, *end]).any():
        raise ModelError(
            f"Cannot compute the length of link '{tech}': a node has no latitude/longitude",
            key_path=f"techs.{tech}.distance",
            expected="`distance` on the link, or latitude and longitude on both nodes",
            got=f"{node_from}: {start}, {node_to}: {end}",
        )
    from geopy.distance import geodesic  # only models with links without `distance` need it

    return float(geodesic(start, end, ellipsoid="WGS-84").meters)
