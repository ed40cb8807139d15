"""Results of a clustered model over every original timestep (esmflow.postprocess.full_year).

The seasonal model (tests/clustering_models.py), clustered into a summer and a winter period:
by hand the store charges 1 per summer hour and discharges 1 per winter hour, so over the eight
original hours its level is 1, 2, 3, 4, 3, 2, 1, 0 with either storage formulation, and solar
delivers 2, 2, 2, 2, 0, 0, 0, 0.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from clustering_models import seasonal_model, solve_clustered
from math_models import solve_model

from esmflow.postprocess.full_year import (
    full_year,
    plot_duration_curves,
    plot_storage_levels,
    storage_level_table,
    time_map,
)

LEVELS = [1, 2, 3, 4, 3, 2, 1, 0]


@pytest.mark.parametrize("switches", [{}, {"long_duration_storage": True}])
def test_storage_levels_and_flows_over_the_whole_horizon(tmp_path, switches):
    model = solve_clustered(tmp_path, seasonal_model(switches))
    assert model.results is not None
    full = full_year(model.results)
    assert full.sizes["timesteps"] == 8
    assert str(full.timesteps.values[4])[:16] == "2005-01-01T04:00"
    store = full["storage"].sel(nodes="A", techs="store")
    assert store.values.tolist() == pytest.approx(LEVELS)
    solar = full["flow_out"].sel(nodes="A", techs="solar", carriers="power")
    assert solar.values.tolist() == pytest.approx([2, 2, 2, 2, 0, 0, 0, 0])
    assert (full["timestep_weights"] == 1).all()
    assert "timestep_cluster" not in full
    table = storage_level_table(full)
    assert list(table.columns) == ["timesteps", "nodes", "techs", "storage"]
    assert table["storage"].tolist() == pytest.approx(LEVELS)


def test_storage_within_periods_repeats_each_period(tmp_path):
    model = solve_clustered(tmp_path, seasonal_model({"inter_cluster_storage": False}))
    assert model.results is not None
    full = full_year(model.results)
    assert full["storage"].sel(nodes="A", techs="store").values.tolist() == pytest.approx([0] * 8)


VARIED_SOLAR = [3, 0.5, 2.5, 1, 0, 0.2, 0.4, 0]
VARIED_DEMAND = [1, 1.5, 0.5, 1, 2, 1, 1.2, 0.8]


@pytest.mark.parametrize("switches", [{}, {"long_duration_storage": True}])
def test_rebuilt_levels_follow_the_balance_and_stay_within_capacity(tmp_path, switches):
    # Two representative periods for four different ones and a store losing 5 % per hour: the
    # rebuilt levels must be a trajectory the store can follow in the full year (each step:
    # level = 0.95 × previous + charge × eff_in - discharge / eff_out, cyclic), within
    # [0, storage_cap]. That is what "storage tracked across the year" means.
    params = {**switches, "storage_loss": 0.05, "flow_in_eff": 0.9, "flow_out_eff": 0.9}
    definition = seasonal_model(params, solar=VARIED_SOLAR, demand=VARIED_DEMAND)
    model = solve_clustered(tmp_path, definition)
    assert model.results is not None
    full = full_year(model.results)
    at = {"nodes": "A", "techs": "store"}
    level = full["storage"].sel(at).values
    charge = full["flow_in"].sel(**at, carriers="power").values
    discharge = full["flow_out"].sel(**at, carriers="power").values
    np.testing.assert_allclose(
        level, 0.95 * np.roll(level, 1) + 0.9 * charge - discharge / 0.9, atol=1e-9
    )
    cap = float(model.results["storage_cap"].sel(at))
    assert level.min() >= -1e-9 and level.max() <= cap + 1e-9
    assert cap > 0


def test_an_unclustered_model_is_returned_unchanged(tmp_path):
    model = solve_model(tmp_path, seasonal_model())
    assert model.results is not None
    assert time_map(model.results) is None
    assert full_year(model.results) is model.results


def test_figures_draw(tmp_path):
    model = solve_clustered(tmp_path, seasonal_model())
    original = solve_model(tmp_path / "full", seasonal_model()).inputs
    assert model.results is not None
    curves = plot_duration_curves(original, model.inputs)
    assert len(curves.axes) == 2  # source_use_max of solar, sink_use_equals of load
    lines = curves.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["original", "clustered"]
    # the clustered duration curve has the original's length (weights spread over the year)
    assert len(lines[1].get_ydata()) == 8
    assert plot_storage_levels(full_year(model.results)).axes[0].get_lines()
    assert "not clustered" in plot_duration_curves(original, original).get_suptitle()


def test_time_map_points_every_original_step_at_its_representative(tmp_path):
    model = solve_clustered(tmp_path, seasonal_model())
    mapping = time_map(model.inputs)
    assert mapping is not None
    assert mapping.position.tolist() == [0, 1, 0, 1, 2, 3, 2, 3]
    assert mapping.period.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert mapping.hours_in_period.tolist() == [1, 2, 1, 2, 1, 2, 1, 2]
    expanded = xr.DataArray(np.arange(4.0), coords={"timesteps": model.inputs.timesteps})
    assert expanded.isel(timesteps=mapping.position).values.tolist() == [0, 1, 0, 1, 2, 3, 2, 3]
