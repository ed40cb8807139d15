"""The run's summary: a row per scenario (swept values, solve outcome, costs, capacities), plots.

`results/summary.csv` (rule `summarise`) is the table a study reads back: every selected
scenario's axis values (sweep members; empty for hand-written scenarios), termination,
objective, horizon, solve wall time, each cost class's total and parts, and the installed
capacity of each tech summed over nodes. The figures draw objective and capacities against the
first axis of each sweep, one line per combination of its other axes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from esmflow.postprocess.capacity import capacity_table, storage_capacity_table
from esmflow.postprocess.figure_style import figure_legend, panels, say_nothing, title
from esmflow.postprocess.units import ModelUnits

COST_PARTS = ("investment", "operation_fixed", "operation_variable", "total")
# capacity columns: `flow_cap.<carrier>.<tech> [unit]` or `storage_cap.<tech> [unit]`
_CAPACITY_COLUMN = re.compile(r"^(flow_cap\.[^.]+|storage_cap)\.(.+) \[(.*)\]$")
OTHER = "other scenarios"  # the figures' panel for scenarios that belong to no sweep
_LINESTYLES = ("-", "--", ":", "-.")


def capacity_values(results: xr.Dataset) -> dict[str, float]:
    """Installed capacity per tech, summed over nodes: output capacity per carrier, storage.

    The same numbers as the comparison page (`capacity_table`: demand and other techs that are
    not built left out, output carriers only), keyed by summary column name.
    """
    units = ModelUnits.of(results)
    values = {}
    carriers = [str(c) for c in results["carriers"].values] if "carriers" in results.coords else []
    for carrier in carriers:
        for tech, value in capacity_table(results, carrier).sum(axis=0).items():
            values[f"flow_cap.{carrier}.{tech} [{units.power}]"] = float(value)
    for tech, value in storage_capacity_table(results).sum(axis=0).items():
        values[f"storage_cap.{tech} [{units.energy}]"] = float(value)
    return values


def cost_values(costs_by_class: pd.DataFrame) -> dict[str, float]:
    """Each cost class's parts and total over the horizon (`summaries/costs_by_class.csv`)."""
    values = {}
    for _, row in costs_by_class.iterrows():
        for part in COST_PARTS:
            if part in row:
                values[f"cost.{row['costs']}.{part} [{row.get('unit', '')}]"] = float(row[part])
    return values


def summary_table(
    scenarios: Sequence[str],
    swept: Mapping[str, Mapping[str, Any]],
    statuses: Mapping[str, Mapping[str, Any]],
    costs: Mapping[str, Mapping[str, float]],
    capacities: Mapping[str, Mapping[str, float]],
    horizons: Mapping[str, str] | None = None,
    objective_units: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A row per scenario, in the given order.

    Columns: `scenario`, `sweep`, one per axis (in the order the sweeps name them), then
    `termination`, `objective`, `objective_unit`, `horizon`, `wall_time_s`, the cost columns,
    the capacity
    columns. `swept[name]` is `{"sweep": …, "values": {axis: value}}` for sweep members. A tech
    a scenario does not build has capacity 0; costs a scenario does not have stay empty.
    """
    axes: list[str] = []
    for name in scenarios:
        for axis in (swept.get(name) or {}).get("values", {}):
            if axis not in axes:
                axes.append(axis)
    rows = []
    for name in scenarios:
        member = swept.get(name) or {}
        status = statuses[name]
        row: dict[str, Any] = {"scenario": name, "sweep": member.get("sweep")}
        row.update({axis: member.get("values", {}).get(axis) for axis in axes})
        row["termination"] = status.get("termination")
        row["objective"] = float(status.get("objective", np.nan))
        row["objective_unit"] = (objective_units or {}).get(name)
        row["horizon"] = (horizons or {}).get(name)
        row["wall_time_s"] = status.get("wall_time_s")
        row.update(costs.get(name, {}))
        row.update(capacities.get(name, {}))
        rows.append(row)
    table = pd.DataFrame(rows)
    cost_columns = sorted({c for name in scenarios for c in costs.get(name, {})})
    capacity_columns = sorted({c for name in scenarios for c in capacities.get(name, {})})
    table[capacity_columns] = table[capacity_columns].fillna(0.0)
    leading = ["scenario", "sweep", *axes, "termination", "objective", "objective_unit"]
    leading += ["horizon", "wall_time_s"]
    return table[[*leading, *cost_columns, *capacity_columns]]


def sweep_axes(swept: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    """Each sweep's axes, in order (from its members' values)."""
    axes: dict[str, list[str]] = {}
    for member in swept.values():
        names = axes.setdefault(member["sweep"], [])
        names += [axis for axis in member["values"] if axis not in names]
    return axes


def _panels_of(
    table: pd.DataFrame, axes: Mapping[str, list[str]]
) -> list[tuple[str, pd.DataFrame, list[str]]]:
    """(title, rows, axes) per sweep in the table; scenarios of no sweep as one more panel."""
    found = []
    for sweep, names in axes.items():
        rows = table[table["sweep"] == sweep]
        if not rows.empty:
            found.append((f"sweep {sweep}", rows, names))
    others = table[table["sweep"].isna()]
    if not others.empty:
        found.append((OTHER, others, ["scenario"]))
    return found


def _is_numeric(values: pd.Series) -> bool:
    return all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
        for v in values
    )


def _lines(
    rows: pd.DataFrame, axes: list[str]
) -> tuple[list[str] | None, list[tuple[str, np.ndarray, pd.DataFrame]]]:
    """The x tick labels (None: x is numeric) and (label, x, rows) per combination of the axes
    after the first; a categorical first axis is placed at positions in order of appearance."""
    first, rest = axes[0], axes[1:]
    numeric = _is_numeric(rows[first])
    order = None if numeric else list(dict.fromkeys(rows[first].astype(str)))
    groups = rows.groupby([rows[a].astype(str) for a in rest], sort=False) if rest else [((), rows)]
    lines = []
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{a}={k}" for a, k in zip(rest, key, strict=True))
        if order is None:
            group = group.assign(_x=group[first].astype(float)).sort_values("_x")
        else:
            group = group.assign(_x=[order.index(str(v)) for v in group[first]])
        lines.append((label, group["_x"].to_numpy(dtype=float), group))
    return order, lines


def _x_axis(axes_: Axes, first: str, order: list[str] | None, xs: list[float]) -> None:
    axes_.set_xlabel(first)
    if order is not None:
        axes_.set_xticks(
            range(len(order)),
            order,
            rotation=30 if len(order) > 4 else 0,
            ha="right" if len(order) > 4 else "center",
        )
    elif xs and min(xs) > 0 and max(xs) / min(xs) >= 100:
        axes_.set_xscale("log")


def plot_objective(table: pd.DataFrame, axes: Mapping[str, list[str]]) -> Figure:
    """Objective against the first axis of each sweep; a line per combination of its other axes."""
    found = _panels_of(table, axes)
    figure, all_axes = panels(len(found), height=3.0, width=8, sharex=False)
    for panel, (name, rows, names) in zip(all_axes, found, strict=False):
        xs: list[float] = []
        order, lines = _lines(rows, names)
        for label, x, group in lines:
            panel.plot(x, group["objective"], marker="o", label=label or None)
            xs += list(x)
        _x_axis(panel, names[0], order, xs)
        units = rows["objective_unit"].dropna().unique()
        panel.set_ylabel(f"objective ({units[0]})" if len(units) == 1 else "objective")
        panel.set_title(name, fontsize="medium", loc="left")
        if len(names) > 1:
            panel.legend(fontsize="small", frameon=False)
    if not found:
        say_nothing(all_axes[0], "no scenarios")
    title(figure, "Objective of each scenario")
    return figure


def plot_capacities(
    table: pd.DataFrame, axes: Mapping[str, list[str]], colors: Mapping[str, str]
) -> Figure:
    """Capacity per tech against each sweep's first axis: a panel per sweep and capacity kind.

    A line per tech in the model's colour; the combinations of a sweep's other axes are told
    apart by line style (legend in the panel).
    """
    kinds: dict[str, list[tuple[str, str]]] = {}  # `flow_cap.power [MW]` → [(column, tech)]
    for column in table.columns:
        matched = _CAPACITY_COLUMN.match(column)
        if matched:
            kind, tech, unit = matched.groups()
            kinds.setdefault(f"{kind} [{unit}]", []).append((column, tech))
    found = [
        (name, rows, names, kind) for name, rows, names in _panels_of(table, axes) for kind in kinds
    ]
    figure, all_axes = panels(len(found), height=2.8, width=9, sharex=False)
    legend: dict[str, str] = {}
    for panel, (name, rows, names, kind) in zip(all_axes, found, strict=False):
        xs: list[float] = []
        order, lines = _lines(rows, names)
        styles = {}
        for index, (label, x, group) in enumerate(lines):
            style = _LINESTYLES[index % len(_LINESTYLES)]
            styles[label] = style
            for column, tech in kinds[kind]:
                if (group[column].abs() > 1e-9).any() or (rows[column].abs() > 1e-9).any():
                    color = colors.get(tech)
                    panel.plot(x, group[column], marker="o", linestyle=style, color=color)
                    legend[tech] = panel.get_lines()[-1].get_color()
            xs += list(x)
        _x_axis(panel, names[0], order, xs)
        panel.set_ylabel(
            kind.replace("flow_cap.", "output capacity, ").replace(
                "storage_cap", "storage capacity"
            )
        )
        panel.set_title(name, fontsize="medium", loc="left")
        if len(styles) > 1:
            handles = [
                panel.plot([], [], color="#555555", linestyle=style, label=label)[0]
                for label, style in styles.items()
            ]
            panel.legend(handles=handles, fontsize="small", frameon=False)
    if not found:
        say_nothing(all_axes[0], "no capacities in the results")
    figure_legend(figure, legend)
    title(figure, "Installed capacity (summed over nodes)")
    return figure
