"""One self-contained HTML page to explore a scenario's results: dispatch, storage, capacity.

plotly draws it in the browser: zoom into a week of a year, hover for values, hide a tech by
clicking its legend entry, and pick the node with the selector above each view. plotly.js is
embedded in the page, so it opens offline and can be mailed or archived with the results
(`esmflow plot results/<scenario>/results.nc` writes it; the workflow writes
`plots/explore.html` for every scenario). The same data as the PNG figures, in the model's units.
"""

from __future__ import annotations

import html
from pathlib import Path

import plotly.graph_objects as go
import plotly.offline
import xarray as xr
from plotly.subplots import make_subplots

from esmflow.io.results_file import atomic_path
from esmflow.postprocess.capacity import capacity_table, storage_capacity_table
from esmflow.postprocess.dispatch import dispatch_table, label_and_color, node_carriers
from esmflow.postprocess.figure_style import tech_color, tech_name
from esmflow.postprocess.full_year import full_year
from esmflow.postprocess.units import ModelUnits, axis_label, horizon


def write_explorer(results: xr.Dataset, path: str | Path) -> None:
    """Write the exploration page for `results` to `path` (atomically)."""
    page = explorer_html(results)
    with atomic_path(path) as temporary:
        Path(temporary).write_text(page, encoding="utf-8")


def explorer_html(results: xr.Dataset) -> str:
    """The page: a heading, then the dispatch, storage and capacity views, plotly.js inline."""
    over_horizon = full_year(results)
    views = [dispatch_view(over_horizon), storage_view(over_horizon), capacity_view(results)]
    parts = [view.to_html(full_html=False, include_plotlyjs=False) for view in views if view]
    title = html.escape(str(results.attrs.get("name") or "esmflow results"))
    status = html.escape(
        f"{results.attrs.get('termination', '?')}, objective {results.attrs.get('objective', '?')}"
        f", {horizon(results).text()}"
    )
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{title}</title>"
        f"<script type='text/javascript'>{plotly.offline.get_plotlyjs()}</script>"
        "<style>body{font-family:sans-serif;margin:1em 2em}</style></head><body>"
        f"<h1>{title}</h1><p>{status}. Choose the node with the selector above each view; "
        "click a legend entry to hide it, drag to zoom.</p>" + "\n".join(parts) + "</body></html>\n"
    )


def _node_selector(nodes: list[str], trace_nodes: list[str | None]) -> list[dict]:
    """A dropdown that shows the traces of one node (traces of no node stay visible)."""
    buttons = [
        {
            "label": node,
            "method": "update",
            "args": [{"visible": [t is None or t == node for t in trace_nodes]}],
        }
        for node in nodes
    ]
    return [{"buttons": buttons, "direction": "down", "x": 0.0, "xanchor": "left", "y": 1.12}]


def dispatch_view(results: xr.Dataset) -> go.Figure | None:
    """Stacked power per carrier over time at the chosen node."""
    pairs = node_carriers(results)
    if not pairs:
        return None
    units = ModelUnits.of(results)
    carriers = sorted({carrier for _, carrier in pairs})
    nodes = list(dict.fromkeys(node for node, _ in pairs))
    figure = make_subplots(rows=len(carriers), cols=1, shared_xaxes=True, subplot_titles=carriers)
    trace_nodes: list[str | None] = []
    for node, carrier in pairs:
        table = dispatch_table(results, node, carrier)
        for key in table.columns:
            label, color = label_and_color(results, key)
            sign = "+" if table[key].sum() >= 0 else "-"
            figure.add_trace(
                go.Scatter(
                    x=table.index,
                    y=table[key],
                    name=label,
                    legendgroup=label,
                    stackgroup=f"{node}|{carrier}|{sign}",
                    line={"color": color, "width": 0, "shape": "hv"},
                    fillcolor=color,
                    visible=node == nodes[0],
                    hovertemplate=f"{label}: %{{y:.4g}} {units.power}<extra>{node}</extra>",
                ),
                row=carriers.index(carrier) + 1,
                col=1,
            )
            trace_nodes.append(node)
    for row in range(1, len(carriers) + 1):
        figure.update_yaxes(title_text=axis_label("power", units.power), row=row, col=1)
    figure.update_layout(
        title="Dispatch (production above zero, consumption below)",
        height=320 * len(carriers) + 120,
        updatemenus=_node_selector(nodes, trace_nodes),
    )
    return figure


def storage_view(results: xr.Dataset) -> go.Figure | None:
    """Stored energy over time of every storing tech at the chosen node."""
    if "storage" not in results:
        return None
    units = ModelUnits.of(results)
    stored = results["storage"].stack(store=["nodes", "techs"]).dropna("store", how="all")
    if not stored.sizes["store"]:
        return None
    figure = go.Figure()
    trace_nodes: list[str | None] = []
    stores = [(str(node), str(tech)) for node, tech in stored["store"].values]
    nodes = list(dict.fromkeys(node for node, _ in stores))
    for node, tech in stores:
        figure.add_trace(
            go.Scatter(
                x=stored["timesteps"].values,
                y=stored.sel(store=(node, tech)).values,
                name=tech_name(results, tech),
                line={"color": tech_color(results, tech)},
                visible=node == nodes[0],
            )
        )
        trace_nodes.append(node)
    figure.update_layout(
        title="Stored energy",
        yaxis_title=axis_label("stored energy", units.energy),
        height=420,
        updatemenus=_node_selector(nodes, trace_nodes),
    )
    return figure


def capacity_view(results: xr.Dataset) -> go.Figure | None:
    """Installed capacity of each tech at the chosen node: per output carrier, and storage."""
    units = ModelUnits.of(results)
    carriers = [str(c) for c in results["carriers"].values] if "carriers" in results.coords else []
    tables = {carrier: capacity_table(results, carrier) for carrier in carriers}
    tables = {carrier: table for carrier, table in tables.items() if not table.empty}
    storage = storage_capacity_table(results)
    if not tables and storage.empty:
        return None
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=["output capacity by carrier", "storage capacity"],
    )
    nodes = sorted({str(n) for table in [*tables.values(), storage] for n in table.index})
    trace_nodes: list[str | None] = []
    for column, (items, unit) in enumerate(
        [(list(tables.items()), units.power), ([("storage", storage)], units.energy)], start=1
    ):
        for carrier, table in items:
            for node in [str(n) for n in table.index]:
                row = table.loc[node]
                row = row[row > 0]
                figure.add_trace(
                    go.Bar(
                        x=[tech_name(results, t) for t in row.index],
                        y=row.to_numpy(),
                        name=f"{carrier}",
                        marker_color=[tech_color(results, t) for t in row.index],
                        visible=node == nodes[0],
                        hovertemplate=f"%{{x}}: %{{y:.4g}} {unit}<extra>{node} {carrier}</extra>",
                    ),
                    row=1,
                    col=column,
                )
                trace_nodes.append(node)
        title = "flow capacity" if column == 1 else "storage capacity"
        figure.update_yaxes(title_text=axis_label(title, unit), row=1, col=column)
    figure.update_layout(
        title="Installed capacity",
        height=460,
        showlegend=False,
        updatemenus=_node_selector(nodes, trace_nodes),
    )
    return figure
