"""Tiny models for the clustering tests: a "year" of four 2-hour periods with a seasonal need.

Hours 0–3 are "summer": free solar (2 per hour, curtailable) against a demand of 1. Hours 4–7
are "winter": no solar, the same demand. Gas costs 10 per unit. A lossless store costs 1 per unit
of capacity over the 8-hour horizon. Clustered with `period_length: 2` into two representative
periods, the two summer periods and the two winter periods are identical, so tsam groups them
exactly and the clustered model can be compared with the full one by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from math_models import model_definition, per_cost, supply, write_model

from esmflow import Model

HOURS = [f"2005-01-01 {hour:02d}:00" for hour in range(8)]
SUMMER_FIRST = [2, 2, 2, 2, 0, 0, 0, 0]
TWO_PERIODS = {"n_periods": 2, "period_length": 2}
STORE_COST_ONE = 8760 / 8  # annualises to 1 per unit over 8 hours (cost_depreciation_rate 1)


def series(values: Sequence[float], hours: Sequence[str] = HOURS) -> dict[str, Any]:
    return {"data": list(values), "index": list(hours[: len(values)]), "dims": ["timesteps"]}


def store(**params: Any) -> dict[str, Any]:
    """The store: lossless, 1 per unit of capacity, free flows, unless `params` say otherwise."""
    return {
        "base_tech": "storage",
        "carrier_in": "power",
        "carrier_out": "power",
        "cost_storage_cap": per_cost(STORE_COST_ONE),
        "cost_depreciation_rate": 1,
        **params,
    }


def seasonal_model(
    store_params: Mapping[str, Any] | None = None,
    solar: Sequence[float] = SUMMER_FIRST,
    demand: Sequence[float] = (1,) * 8,
    **top_level: Any,
) -> dict[str, Any]:
    techs = {
        "solar": supply(source_use_max=series(solar)),
        "gas": supply(cost_per_unit=10),
        "store": store(**(store_params or {})),
        "load": {"base_tech": "demand", "carrier_in": "power", "sink_use_equals": series(demand)},
    }
    return model_definition(techs, **top_level)


def solve_clustered(
    folder: Path,
    definition: Mapping[str, Any],
    clustering: Mapping[str, Any] | None = TWO_PERIODS,
) -> Model:
    """Write, load with `clustering`, build and solve."""
    model = Model.from_yaml(write_model(folder, definition), clustering=clustering)
    model.build()
    model.solve()
    return model
