"""Small tables from a results Dataset: capacities, costs, flows, link distances.

Each function takes the results (or inputs) Dataset and returns a tidy `pandas.DataFrame` ready
for CSV: one row per non-empty combination of labels, labels as columns, values last. Arrays that a
model does not have (no storage, no transmission) are skipped, not reported as errors.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import xarray as xr

from esmflow.postprocess.units import ModelUnits, horizon
from esmflow.preprocess.inputs import resolved_config

# Capacity-like decision variables of Calliope 0.7's base math, in reporting order.
CAPACITY_VARIABLES = ("flow_cap", "storage_cap", "source_cap", "area_use", "purchased_units")
# their units in the math files' words
CAPACITY_UNITS = {
    "flow_cap": "power",
    "storage_cap": "energy",
    "source_cap": "power",
    "area_use": "area",
    "purchased_units": "units",
}


def _tidy(values: xr.DataArray, name: str) -> pd.DataFrame:
    """DataArray → long table of its non-NaN, non-zero entries (labels as columns, `value` last)."""
    table = values.rename(name).to_dataframe().reset_index()
    table = table[[*values.dims, name]].rename(columns={name: "value"})
    table = table[table["value"].notna() & (table["value"] != 0)]
    return table.reset_index(drop=True)


def capacities(results: xr.Dataset) -> pd.DataFrame:
    """Installed capacities by node and tech (and carrier where the variable has one).

    Columns: `variable`, `nodes`, `techs`, `carriers` (empty for capacities without carriers),
    `value`, `unit`. Zero capacities are left out.
    """
    tables = []
    for name in CAPACITY_VARIABLES:
        if name in results:
            table = _tidy(results[name], name)
            table.insert(0, "variable", name)
            tables.append(table)
    columns = ["variable", "nodes", "techs", "carriers", "value"]
    if not tables:
        return pd.DataFrame(columns=[*columns, "unit"])
    table = pd.concat(tables, ignore_index=True)
    for column in columns:
        if column not in table:
            table[column] = ""
    other = [c for c in table.columns if c not in columns]
    table = table[[*columns[:-1], *other, "value"]].fillna({"carriers": ""})
    units = ModelUnits.of(results)
    table["unit"] = table["variable"].map(lambda name: units.concrete(CAPACITY_UNITS[name]))
    return table


# Parts of the `cost` expression (Calliope 0.7's base math), each over the modelled horizon.
COST_PARTS = {
    "investment": "cost_investment_annualised",
    "operation_fixed": "cost_operation_fixed",
    "operation_variable": "cost_operation_variable",
}


def cost_parts(results: xr.Dataset) -> xr.Dataset:
    """(nodes, techs, costs) investment, fixed and variable operating cost, and their total.

    Investment is annualised and, like fixed O&M, scaled to the modelled share of a year, so all
    parts are costs of the modelled horizon (variable costs are already weighted by
    `timestep_weights` in the math). Parts the model does not have are zero.
    """
    if "cost" not in results:
        return xr.Dataset()
    total = results["cost"]
    parts = {}
    for part, name in COST_PARTS.items():
        values = results[name] if name in results else xr.zeros_like(total)
        if "timesteps" in values.dims:
            values = values.sum("timesteps", min_count=1)
        parts[part] = values.fillna(0.0).where(total.notnull())
    parts["total"] = total
    return xr.Dataset(parts).transpose(*total.dims)


def _with_units(table: pd.DataFrame, results: xr.Dataset) -> pd.DataFrame:
    """A per-cost-class table with the horizon, the annualised total and each class's unit."""
    span = horizon(results)
    units = ModelUnits.of(results)
    table["total_per_year"] = table["total"] * span.per_year
    table.insert(table.columns.get_loc("costs") + 1, "unit", table["costs"].map(units.cost_unit))
    table["horizon"] = span.text()
    return table


def costs_by_class(results: xr.Dataset) -> pd.DataFrame:
    """System cost per cost class, split into investment and operation, over the horizon and per year.

    Columns: `costs`, `unit`, `investment`, `operation_fixed`, `operation_variable`, `total`
    (sums over the modelled horizon), `total_per_year` (total × 8760 h / modelled hours),
    `horizon` (what the totals cover).
    """
    parts = cost_parts(results)
    columns = ["costs", "unit", *COST_PARTS, "total", "total_per_year", "horizon"]
    if not parts:
        return pd.DataFrame(columns=columns)
    other_dims = [dim for dim in parts.dims if dim != "costs"]
    table = parts.sum(other_dims, min_count=1).to_dataframe().reset_index()
    return _with_units(table, results)[columns]


def costs_by_tech(results: xr.Dataset) -> pd.DataFrame:
    """Cost per tech and cost class (summed over nodes), split as in `costs_by_class`."""
    parts = cost_parts(results)
    columns = ["techs", "costs", "unit", *COST_PARTS, "total", "total_per_year", "horizon"]
    if not parts:
        return pd.DataFrame(columns=columns)
    other_dims = [dim for dim in parts.dims if dim not in ("techs", "costs")]
    summed = parts.sum(other_dims, min_count=1).transpose("techs", "costs")
    table = summed.to_dataframe().reset_index()
    table = table[table["total"].notna() & (table["total"] != 0)].reset_index(drop=True)
    return _with_units(table, results)[columns]


def weighted_time_sum(values: xr.DataArray, results: xr.Dataset) -> xr.DataArray:
    """Sum over timesteps, each step weighted by `timestep_weights` (1 where the model has none).

    Flows are energy per timestep already (Calliope 0.7 scales by `timestep_resolution` in the
    math), so only the weights that stand for represented time are applied here.
    """
    if "timestep_weights" in results:
        values = values * results["timestep_weights"].fillna(1.0)
    return values.sum("timesteps", min_count=1)


def flows_by_carrier(results: xr.Dataset) -> pd.DataFrame:
    """Energy flowing out of and into each tech per carrier, over the horizon and per year.

    Columns: `carriers`, `techs`, `flow_out [<energy>]`, `flow_in [<energy>]` (summed over
    nodes and timesteps with `timestep_weights`: for a one-week run, one week's flows), the same
    `per year` (× 8760 h / modelled hours), and `horizon` (what the sums cover).
    """
    energy = ModelUnits.of(results).energy
    names = ("flow_out", "flow_in")
    headers = {name: f"{name} [{energy}]" for name in names}
    yearly = {name: f"{name} per year [{energy}/year]" for name in names}
    columns = ["carriers", "techs", *headers.values(), *yearly.values(), "horizon"]
    parts = {}
    for name in names:
        if name in results:
            total = weighted_time_sum(results[name], results)
            parts[name] = total.sum(
                [d for d in total.dims if d not in ("carriers", "techs")], min_count=1
            )
    if not parts:
        return pd.DataFrame(columns=columns)
    table = xr.Dataset(parts).transpose("carriers", "techs").to_dataframe().reset_index()
    for name in names:
        if name not in table:
            table[name] = float("nan")
    has_flow = table[list(names)].fillna(0).abs().sum(axis=1) > 0
    table = table[has_flow].reset_index(drop=True)
    span = horizon(results)
    for name in names:
        table[yearly[name]] = table[name] * span.per_year
    table["horizon"] = span.text()
    return table.rename(columns=headers)[columns]


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
