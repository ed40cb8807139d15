"""What every figure shares: the model's tech names and colours, time axes, legends, saving.

matplotlib with the file-only Agg backend, so figures render on cluster nodes without a display.
Names and colours come from the model (`name`, `color` of each tech); a tech without a colour
gets one from a fixed palette, the same in every figure of a run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402  (the backend must be chosen first)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from esmflow.io.results_file import atomic_path  # noqa: E402

_PALETTE = [matplotlib.colors.to_hex(c) for c in plt.get_cmap("tab20").colors]
# Colours of the entries that are not techs.
OTHER_COLORS = {
    "imports": "#6A3D9A",
    "exports": "#CAB2D6",
    "unmet demand": "#D62728",
    "price": "#1F1F1F",
}


def techs_of(results: xr.Dataset, base_techs: Iterable[str] | None = None) -> list[str]:
    """The model's techs (those of the given base techs only, if named)."""
    techs = [str(t) for t in results["techs"].values]
    if base_techs is None or "base_tech" not in results:
        return techs
    wanted = set(base_techs)
    kinds = results["base_tech"].astype(str).to_series()
    return [t for t in techs if kinds.get(t) in wanted]


def is_base_tech(results: xr.Dataset, *base_techs: str) -> xr.DataArray:
    """(techs,) True where the tech's `base_tech` is one of `base_techs`."""
    if "base_tech" not in results:
        return xr.zeros_like(results["techs"], dtype=bool)
    return results["base_tech"].astype(str).isin(base_techs)


def tech_name(results: xr.Dataset, tech: str) -> str:
    """The tech's `name` from the model, or its id."""
    if "name" in results and "techs" in results["name"].dims:
        name = str(results["name"].sel(techs=tech).values)
        if name and name != "nan":
            return name
    return tech


def tech_color(results: xr.Dataset, tech: str) -> str:
    """The tech's `color` from the model, or a palette colour fixed by the tech's position."""
    if "color" in results and "techs" in results["color"].dims:
        color = str(results["color"].sel(techs=tech).values)
        if matplotlib.colors.is_color_like(color) and color not in ("", "nan"):
            return color
    position = list(map(str, results["techs"].values)).index(tech)
    return _PALETTE[position % len(_PALETTE)]


def lighter(color: str) -> str:
    """The colour halfway to white: a tech's inflow next to its outflow (a battery charging)."""
    rgb = np.asarray(matplotlib.colors.to_rgb(color))
    return matplotlib.colors.to_hex(rgb + (1 - rgb) * 0.5)


def format_time_axis(axes: Axes) -> None:
    """Dates that always show the year (also for a one-week run)."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=9)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(
            locator, zero_formats=_ZERO_FORMATS, offset_formats=_OFFSET_FORMATS
        )
    )


# ticks at the start of a year/month/day name it in full; the offset (right, below) the year
_ZERO_FORMATS = ["%Y", "%b %Y", "%d %b %Y", "%d %b %Y %H:%M", "%H:%M", "%H:%M:%S"]
_OFFSET_FORMATS = ["", "%Y", "%b %Y", "%d %b %Y", "%d %b %Y", "%d %b %Y %H:%M"]


def figure_legend(figure: Figure, entries: dict[str, str]) -> None:
    """One legend for the whole figure, right of the panels (label → colour)."""
    if not entries:
        return
    handles = [
        matplotlib.patches.Patch(color=color, label=label) for label, color in entries.items()
    ]
    figure.legend(handles=handles, loc="outside right upper", fontsize="small", frameon=False)


def title(figure: Figure, text: str) -> None:
    """The figure's title, left-aligned so that the legend on the right never covers it."""
    figure.suptitle(text, x=0.01, ha="left")


def say_nothing(axes: Axes, text: str) -> None:
    """An empty panel that says why it is empty (no silent blank figure)."""
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, wrap=True)
    axes.set_xticks([])
    axes.set_yticks([])


def panels(
    count: int, height: float, width: float = 11.0, sharex: bool = True
) -> tuple[Figure, np.ndarray]:
    """A figure of `count` panels stacked vertically (at least one)."""
    figure, axes = plt.subplots(
        max(1, count),
        1,
        figsize=(width, max(2.6, height * max(1, count))),
        layout="constrained",
        sharex=sharex,
        squeeze=False,
    )
    return figure, axes[:, 0]


def grid(rows: int, columns: int, height: float, width: float) -> tuple[Figure, np.ndarray]:
    """A figure of `rows` × `columns` panels (at least one row)."""
    figure, axes = plt.subplots(
        max(1, rows),
        columns,
        figsize=(width, height * max(1, rows)),
        layout="constrained",
        squeeze=False,
    )
    return figure, axes


def stacked_bars(
    axes: Axes, categories: Sequence[str], parts: dict[str, tuple[np.ndarray, str]]
) -> None:
    """Bars stacked from zero: one segment per part (label → (values, colour))."""
    bottom = np.zeros(len(categories))
    for label, (values, color) in parts.items():
        axes.bar(categories, values, bottom=bottom, label=label, color=color)
        bottom = bottom + values


def save_figure(figure: Figure, path: str | Path) -> None:
    """Save as PNG atomically and free the figure's memory."""
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=100)
    plt.close(figure)
