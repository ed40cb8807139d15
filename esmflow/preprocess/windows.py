"""Time windows a model sets (minimum up and down times) must fit into its horizon.

A unit that must stay on for longer than the model lasts cannot be modelled: the commitment
wraps around within the horizon (or within each representative period once time is clustered,
which the build checks again). Caught here, after the time subset and resampling, so the
message names the tech and the hours the model has.
"""

from __future__ import annotations

import xarray as xr

from esmflow.errors import ProblemCollector

WINDOWS = ("min_up_time", "min_down_time")


def check_windows(inputs: xr.Dataset, problems: ProblemCollector) -> None:
    """Each window is at most the horizon's length in hours."""
    horizon = float(inputs["timestep_resolution"].sum()) if "timestep_resolution" in inputs else 0.0
    for name in WINDOWS:
        if name not in inputs:
            continue
        too_long = (inputs[name] > horizon).fillna(False)
        if not bool(too_long.any()):
            continue
        places = too_long.where(too_long, drop=True).to_series().index
        for place in list(places)[:5]:
            labels = dict(
                zip(too_long.dims, place if isinstance(place, tuple) else (place,), strict=True)
            )
            value = float(inputs[name].sel(labels))
            where = " at ".join(
                f"{dim.removesuffix('s')} '{labels[dim]}'"
                for dim in ("techs", "nodes")
                if dim in labels
            )
            problems.add(
                f"'{name}' of {where} is {value:g} hours, longer than the model's horizon",
                key_path=f"techs.{labels.get('techs', '?')}.{name}",
                expected=f"at most {horizon:g} hours (the commitment wraps around within the horizon)",
                got=f"{value:g}",
            )
