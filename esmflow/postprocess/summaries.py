"""Small tables from a results Dataset: capacities, costs, flows, link distances.

Each function takes the results (or inputs) Dataset and returns a tidy `pandas.DataFrame` ready
for CSV: one row per non-empty combination of labels, labels as columns, values last. Arrays that a
model does not have (no storage, no transmission) are skipped, not reported as errors.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import xarray as xr

from esmflow.preprocess.inputs import resolved_config

# Capacity-like decision variables of Calliope 0.7's base math, in reporting order.
CAPACITY_VARIABLES = ("flow_cap", "storage_cap", "source_cap", "area_use", "purchased_units")


def _tidy(values: xr.DataArray, name: str) -> pd.DataFrame:
    """DataArray → long table of its non-NaN, non-zero entries (labels as columns, `value` last)."""
    table = values.rename(name).to_dataframe().reset_index()
    table = table[[*values.dims, name]].rename(columns={name: "value"})
    table = table[table["value"].notna() & (table["value"] != 0)]
    return table.reset_index(drop=True)


def capacities(results: xr.Dataset) -> pd.DataFrame:
    """Installed capacities by node and tech (and carrier where the variable has one).

    Columns: `variable`, `nodes`, `techs`, `carriers` (empty for capacities without carriers),
    `value`. Zero capacities are left out.
    """
    tables = []
    for name in CAPACITY_VARIABLES:
        if name in results:
            table = _tidy(results[name], name)
            table.insert(0, "variable", name)
            tables.append(table)
    columns = ["variable", "nodes", "techs", "carriers", "value"]
    if not tables:
        return pd.DataFrame(columns=columns)
    table = pd.concat(tables, ignore_index=True)
    for column in columns:
        if column not in table:
            table[column] = ""
    other = [c for c in table.columns if c not in columns]
    return table[[*columns[:-1], *other, "value"]].fillna({"carriers": ""})


def _costs(results: xr.Dataset) -> xr.DataArray | None:
    """Total cost per node, tech and cost class (Calliope's `cost` expression), if solved."""
    return results["cost"] if "cost" in results else None


def costs_by_class(results: xr.Dataset) -> pd.DataFrame:
    """System cost per cost class (`monetary`, `co2`, …), summed over nodes and techs."""
    cost = _costs(results)
    if cost is None:
        return pd.DataFrame(columns=["costs", "value"])
    other_dims = [dim for dim in cost.dims if dim != "costs"]
    return cost.sum(other_dims, min_count=1).rename("value").to_dataframe().reset_index()


def costs_by_tech(results: xr.Dataset) -> pd.DataFrame:
    """Cost per tech and cost class, summed over nodes; techs without cost left out."""
    cost = _costs(results)
    if cost is None:
        return pd.DataFrame(columns=["techs", "costs", "value"])
    other_dims = [dim for dim in cost.dims if dim not in ("techs", "costs")]
    return _tidy(cost.sum(other_dims, min_count=1).transpose("techs", "costs"), "cost")


def weighted_time_sum(values: xr.DataArray, results: xr.Dataset) -> xr.DataArray:
    """Sum over timesteps, each step weighted by `timestep_weights` (1 where the model has none).

    Flows are energy per timestep already (Calliope 0.7 scales by `timestep_resolution` in the
    math), so only the weights that stand for represented time are applied here.
    """
    if "timestep_weights" in results:
        values = values * results["timestep_weights"].fillna(1.0)
    return values.sum("timesteps", min_count=1)


def flows_by_carrier(results: xr.Dataset) -> pd.DataFrame:
    """Energy flowing out of and into each tech per carrier over the modelled horizon.

    Columns: `carriers`, `techs`, `flow_out`, `flow_in`, summed over nodes and timesteps with
    `timestep_weights`. For a one-week run these are one week's flows, not a year's.
    """
    parts = {}
    for name in ("flow_out", "flow_in"):
        if name in results:
            total = weighted_time_sum(results[name], results)
            parts[name] = total.sum(
                [d for d in total.dims if d not in ("carriers", "techs")], min_count=1
            )
    if not parts:
        return pd.DataFrame(columns=["carriers", "techs", "flow_out", "flow_in"])
    table = xr.Dataset(parts).transpose("carriers", "techs").to_dataframe().reset_index()
    for name in ("flow_out", "flow_in"):
        if name not in table:
            table[name] = float("nan")
    table = table[["carriers", "techs", "flow_out", "flow_in"]]
    has_flow = table[["flow_out", "flow_in"]].fillna(0).abs().sum(axis=1) > 0
    return table[has_flow].reset_index(drop=True)


def distance_table(inputs: xr.Dataset) -> pd.DataFrame:
    """Each transmission link's end nodes and distance (`distance` in `config.init.distance_unit`)."""
    columns = ["techs", "link_from", "link_to", "distance"]
    if "link_from" not in inputs or "link_to" not in inputs:
        return pd.DataFrame(columns=columns)
    link_from = inputs["link_from"].astype(str)
    is_link = (link_from != "") & (link_from != "nan")
    links = inputs[["link_from", "link_to"]].where(is_link, drop=True)
    table = links.to_dataframe().reset_index()
    distance = inputs["distance"] if "distance" in inputs else None
    table["distance"] = (
        distance.sel(techs=table["techs"].to_numpy()).to_numpy()
        if distance is not None
        else float("nan")
    )
    config = resolved_config(inputs) if inputs.attrs.get("config") else {}
    unit = (config.get("init") or {}).get("distance_unit", "km")
    return table[columns].rename(columns={"distance": f"distance_{unit}"})


# The summary tables `postprocess` writes, by file stem (`summaries/<name>.csv`).
TABLES: dict[str, Callable[[xr.Dataset], pd.DataFrame]] = {
    "capacities": capacities,
    "costs_by_class": costs_by_class,
    "costs_by_tech": costs_by_tech,
    "flows_by_carrier": flows_by_carrier,
}
