"""The report's pages: one overview per scenario, one comparison across scenarios.

A scenario's overview says what was run (the description), how the solve ended (termination,
objective, gap, solver, wall time, every warning), what the numbers cover (the horizon, the
units) and gives the summary tables. The comparison puts every scenario's objective and
capacities side by side. Both are plain HTML fragments that the Snakemake report embeds.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from esmflow.backends.result import gap_text
from esmflow.io.results_file import atomic_path
from esmflow.postprocess.units import ModelUnits, axis_label, horizon

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# The comparison's tables and figure import the capacity tables and matplotlib (~0.5 s) inside
# their functions: the overview page (rule `overview`, a process of its own) draws nothing.

_STYLE = (
    "<style>body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse;"
    "margin:0.5em 0 1.5em}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}"
    "th{background:#f4f4f4}</style>"
)


def write_page(page: str, path: str | Path) -> None:
    """Write an HTML page atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(page, encoding="utf-8")


def status_rows(status: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The solve's outcome as (label, value) rows, the gap said right for an LP."""
    gap = status.get("mip_gap")
    return [
        ("termination", str(status.get("termination", "?"))),
        ("objective", f"{float(status.get('objective', float('nan'))):.10g}"),
        ("problem", gap_text(gap) if gap is None else f"MILP, {gap_text(gap)}"),
        ("solver", f"{status.get('solver', '?')} {status.get('solver_version', '')}".strip()),
        ("backend", str(status.get("backend", "?"))),
        ("threads", str(status.get("threads", "?"))),
        ("wall time", f"{float(status.get('wall_time_s', float('nan'))):.3g} s"),
    ]


def _table(frame: pd.DataFrame) -> str:
    """A DataFrame as an HTML table, numbers to 6 significant digits."""
    if frame.empty:
        return "<p><em>(empty)</em></p>"
    return frame.to_html(index=False, border=0, float_format=lambda x: f"{x:.6g}", na_rep="")


def overview_html(
    scenario: str,
    description: str,
    status: Mapping[str, Any],
    results: xr.Dataset,
    tables: Mapping[str, pd.DataFrame],
) -> str:
    """The scenario's overview page (description, status, warnings, horizon, units, tables)."""
    units = ModelUnits.of(results)
    span = horizon(results)
    warnings = status.get("warnings") or []
    rows = "".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in status_rows(status)
    )
    warning_list = (
        "<ul>"
        + "".join(
            f"<li>[{html.escape(str(w.get('stage', '?')))}] {html.escape(str(w.get('message', w)))}</li>"
            for w in warnings
        )
        + "</ul>"
        if warnings
        else "<p>none</p>"
    )
    cost_units = ", ".join(f"{c}: {u}" for c, u in units.cost.items()) or "cost"
    sections = "".join(
        f"<h2>{html.escape(name.replace('_', ' '))}</h2>{_table(frame)}"
        for name, frame in tables.items()
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(scenario)}</title>"
        f"{_STYLE}</head><body><h1>Scenario {html.escape(scenario)}</h1>"
        f"<p>{html.escape(description or '(no description)')}</p>"
        f"<h2>Solve status</h2><table>{rows}</table>"
        f"<h2>Warnings ({len(warnings)})</h2>{warning_list}"
        f"<h2>Horizon and units</h2><p>The results cover {html.escape(span.text())}; totals are "
        f"over this horizon, and 'per year' values scale them by {span.per_year:.6g} "
        "(8760 h / modelled hours). Investment costs are annualised and scaled to the horizon. "
        f"Units: power {html.escape(units.power)}, energy {html.escape(units.energy)}, "
        f"cost {html.escape(cost_units)}, distance {html.escape(units.distance)}.</p>"
        f"{sections}</body></html>\n"
    )


def comparison_table(
    statuses: Mapping[str, Mapping[str, Any]], results: Mapping[str, xr.Dataset]
) -> pd.DataFrame:
    """A row per scenario: termination, objective, gap, horizon, wall time."""
    rows = []
    for scenario, status in statuses.items():
        rows.append(
            {
                "scenario": scenario,
                "termination": status.get("termination"),
                "objective": float(status.get("objective", float("nan"))),
                "gap": gap_text(status.get("mip_gap")),
                "horizon": horizon(results[scenario]).text(),
                "wall time (s)": status.get("wall_time_s"),
            }
        )
    return pd.DataFrame(rows)


def capacity_comparison(results: Mapping[str, xr.Dataset]) -> pd.DataFrame:
    """Capacity per tech and carrier (summed over nodes; storage apart), a column per scenario."""
    from esmflow.postprocess.capacity import capacity_table, storage_capacity_table

    columns = {}
    for scenario, data in results.items():
        units = ModelUnits.of(data)
        parts = {}
        carriers = [str(c) for c in data["carriers"].values] if "carriers" in data.coords else []
        for carrier in carriers:
            for tech, value in capacity_table(data, carrier).sum(axis=0).items():
                parts[(f"{carrier} output ({units.power})", tech)] = value
        for tech, value in storage_capacity_table(data).sum(axis=0).items():
            parts[(f"storage ({units.energy})", tech)] = value
        columns[scenario] = pd.Series(parts, dtype=float)
    if not columns:
        return pd.DataFrame(columns=["capacity", "techs"])
    table = pd.DataFrame(columns).fillna(0.0)
    table.index = table.index.set_names(["capacity", "techs"])
    return table.reset_index()


def comparison_html(table: pd.DataFrame, capacities: pd.DataFrame) -> str:
    """The cross-scenario page: objectives, then capacities side by side."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Scenarios compared</title>"
        f"{_STYLE}</head><body><h1>Scenarios compared</h1>"
        "<p>Objectives are over each scenario's own horizon (see the column), so compare "
        "scenarios of the same horizon.</p>"
        f"<h2>Objectives</h2>{_table(table)}"
        f"<h2>Installed capacity (all nodes)</h2>{_table(capacities)}</body></html>\n"
    )


def plot_comparison(table: pd.DataFrame, capacities: pd.DataFrame, cost_unit: str) -> Figure:
    """Objective per scenario, and each capacity per tech for every scenario (grouped bars)."""
    from esmflow.postprocess.figure_style import grid, say_nothing, title

    kinds = list(dict.fromkeys(capacities["capacity"])) if not capacities.empty else []
    figure, axes = grid(1 + len(kinds), 1, height=3.2, width=10)
    top = axes[0, 0]
    if table.empty:
        say_nothing(top, "no scenario finished")
    else:
        top.bar(table["scenario"], table["objective"], color="#4C72B0")
        top.set_ylabel(axis_label("objective", cost_unit))
        top.set_title("objective (each over its own horizon)", fontsize="medium", loc="left")
    scenarios = [c for c in capacities.columns if c not in ("capacity", "techs")]
    for row, kind in enumerate(kinds, start=1):
        part = capacities[capacities["capacity"] == kind]
        positions = np.arange(len(part))
        width = 0.8 / max(1, len(scenarios))
        for number, scenario in enumerate(scenarios):
            axes[row, 0].bar(
                positions + number * width, part[scenario], width=width, label=scenario
            )
        axes[row, 0].set_xticks(positions + 0.4 - width / 2, part["techs"], rotation=20)
        quantity, unit = kind.rsplit(" (", 1)
        axes[row, 0].set_ylabel(axis_label(quantity, unit.rstrip(")")))
        axes[row, 0].set_title(kind, fontsize="medium", loc="left")
        axes[row, 0].legend(fontsize="small")
    title(figure, "Scenarios compared")
    return figure
