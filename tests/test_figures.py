"""Every figure of a scenario, drawn on the tiny two-node model: labelled axes with the model's units.

The tiny model (tests/data/tiny: gas in the north, solar and a battery in the south, one line)
names its units `kW`, `kWh` and `EUR`, so every axis must say them.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import xarray as xr

from esmflow import Model, cli
from esmflow.postprocess import figure_style, plots
from esmflow.postprocess.capacity import capacity_table, curtailment_table, storage_capacity_table
from esmflow.postprocess.dispatch import dispatch_table
from esmflow.postprocess.explore import explorer_html
from esmflow.postprocess.network_map import link_table

TINY = Path(__file__).resolve().parent / "data" / "tiny" / "model.yaml"

# figure → the y-axis labels its panels must carry (each at least once)
EXPECTED_LABELS = {
    "dispatch": {"power (kW)"},
    "storage": {"stored energy (kWh)"},
    "capacity": {"flow capacity (kW)", "storage capacity (kWh)"},
    "costs": {"monetary (EUR)"},
    "prices": {"marginal price (EUR/kWh)"},
    "map": {"latitude (°N)"},
    "capacity_factors": {"capacity factor (fraction)", "curtailed share (fraction)"},
    "duration_curves": {"power (kW)", "price (EUR/kWh)"},
}


@pytest.fixture(scope="module")
def results() -> xr.Dataset:
    model = Model.from_yaml(
        TINY, set={"config.init.subset.timesteps": ["2025-06-01", "2025-06-01"]}
    )
    return model.solve()


@pytest.fixture(scope="module")
def figures(results: xr.Dataset) -> dict:
    drawn = dict(plots.draw_figures(results))
    yield drawn
    for figure in drawn.values():
        plt.close(figure)


def test_every_figure_is_drawn(figures: dict) -> None:
    assert set(figures) == set(plots.FIGURES) == set(EXPECTED_LABELS)


@pytest.mark.parametrize("name", sorted(EXPECTED_LABELS))
def test_axes_carry_units(figures: dict, name: str) -> None:
    labels = {axes.get_ylabel() for axes in figures[name].axes if axes.get_ylabel()}
    assert EXPECTED_LABELS[name] <= labels, labels
    for axes in figures[name].axes:
        if axes.has_data():
            assert axes.get_ylabel(), f"{name}: a panel without a y label"


@pytest.mark.parametrize("name", ["dispatch", "storage", "prices"])
def test_time_axes_show_the_year(figures: dict, name: str) -> None:
    figure = figures[name]
    figure.canvas.draw()
    axis = figure.axes[-1].xaxis
    ticks = " ".join(label.get_text() for label in axis.get_ticklabels())
    assert "2025" in ticks + axis.get_offset_text().get_text()


def test_dispatch_shows_each_node_with_links_and_storage(results: xr.Dataset) -> None:
    south = dispatch_table(results, "south", "power")
    labels = {key.split("\0")[1] if "\0" in key else key for key in south.columns}
    # solar and the battery's two directions by the model's names; the line as exports/imports
    assert {"Solar PV", "Battery discharge", "Battery charge", "Power demand"} <= labels
    assert "exports" in labels
    # production and consumption balance at every step (power; lossless node balance)
    assert south.sum(axis=1).abs().max() == pytest.approx(0.0, abs=1e-6)
    north = dispatch_table(results, "north", "power")
    assert north.sum(axis=1).abs().max() == pytest.approx(0.0, abs=1e-6)


def test_capacity_is_per_carrier_with_storage_apart(results: xr.Dataset) -> None:
    power = capacity_table(results, "power")
    # no empty bars, no links, no demand: gas in the north, solar and battery in the south
    assert sorted(power.columns) == ["battery", "gas", "solar"]
    assert (power.sum(axis=1) > 0).all()
    storage = storage_capacity_table(results)
    assert list(storage.index) == ["south"] and list(storage.columns) == ["battery"]


def test_map_and_curtailment_tables(results: xr.Dataset) -> None:
    links = link_table(results)
    assert links[["techs", "link_from", "link_to"]].values.tolist() == [
        ["north_to_south", "north", "south"]
    ]
    assert links["flow_cap"].iloc[0] > 0
    curtailed = curtailment_table(results)
    assert curtailed["techs"].tolist() == ["solar"]
    assert 0 <= curtailed["curtailed"].iloc[0] <= 1


def test_explorer_page_is_self_contained(results: xr.Dataset) -> None:
    page = explorer_html(results)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script src=" not in page and "<script type='text/javascript'>" in page  # inline
    for title in ("Dispatch", "Stored energy", "Installed capacity", "power (kW)"):
        assert title in page
    assert '"label":"north"' in page.replace(" ", "") and '"label":"south"' in page.replace(" ", "")


def test_plot_command_writes_the_page_beside_the_results(
    results: xr.Dataset, tmp_path: Path
) -> None:
    results.to_netcdf(tmp_path / "results.nc")
    assert cli.main(["plot", str(tmp_path / "results.nc")]) == 0
    page = (tmp_path / "plots" / "explore.html").read_text()
    assert "Installed capacity" in page
    assert cli.main(["plot", str(tmp_path / "missing.nc")]) == 1


def test_a_week_in_the_middle_of_a_month_still_shows_its_year() -> None:
    figure, all_axes = figure_style.panels(1, height=2)
    times = pd.date_range("2030-01-14", "2030-01-21", freq="h")
    all_axes[0].plot(times, range(len(times)))
    figure_style.format_time_axis(all_axes[0])
    figure.canvas.draw()
    axis = all_axes[0].xaxis
    assert "2030" in axis.get_offset_text().get_text()
    plt.close(figure)
