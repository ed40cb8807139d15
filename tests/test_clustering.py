"""Time clustering (`cluster_time`): representative periods, weights, the period map, lookups.

Inputs come from tiny models (tests/clustering_models.py) loaded without clustering, then
clustered here directly, so each test runs tsam on a few numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from clustering_models import seasonal_model, series
from math_models import write_model

from esmflow import Model
from esmflow.errors import ModelError
from esmflow.math.schema import MathDefinition
from esmflow.options import ClusteringOptions
from esmflow.preprocess.clustering import cluster_time
from esmflow.preprocess.model_math import merge_triggered_extensions

# Six 2-hour periods with different shapes; the demand of period 4 has a spike.
SOLAR = [2, 1, 2, 1.5, 0, 0.5, 0, 0, 1, 2, 0.2, 0.1]
DEMAND = [1, 1.2, 1, 1.1, 2, 1.5, 1.8, 1.7, 1, 6, 0.8, 1]
TWELVE_HOURS = [f"2005-01-01 {hour:02d}:00" for hour in range(12)]


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> xr.Dataset:
    definition = seasonal_model()
    definition["techs"]["solar"]["source_use_max"] = series(SOLAR, TWELVE_HOURS)
    definition["techs"]["load"]["sink_use_equals"] = series(DEMAND, TWELVE_HOURS)
    return Model.from_yaml(write_model(tmp_path_factory.mktemp("varied"), definition)).inputs


@pytest.fixture(scope="module")
def seasonal(tmp_path_factory: pytest.TempPathFactory) -> xr.Dataset:
    return Model.from_yaml(
        write_model(tmp_path_factory.mktemp("seasonal"), seasonal_model())
    ).inputs


def options(**settings: object) -> ClusteringOptions:
    options = ClusteringOptions.from_config({"period_length": 2, **settings})
    assert options is not None
    return options


def check_period_map(clustered: xr.Dataset, original: xr.Dataset, steps: int) -> None:
    """Weights fill the horizon; every original period has one cluster, which stands for it."""
    horizon = float(original["timestep_resolution"].sum())
    weighted = float((clustered["timestep_weights"] * clustered["timestep_resolution"]).sum())
    assert weighted == pytest.approx(horizon)
    period_map = clustered["lookup_datestep_cluster"]
    n_clusters = clustered.sizes["clusters"]
    assert period_map.dims == ("datesteps",)
    assert clustered.sizes["datesteps"] == original.sizes["timesteps"] // steps
    assert set(period_map.values.tolist()) == set(range(n_clusters))  # each used, none more
    counts = np.bincount(period_map.values, minlength=n_clusters)
    per_step = clustered["timestep_weights"].values.reshape(n_clusters, steps)
    assert (per_step == counts[:, None]).all()
    # each cluster is labelled by one of its own original periods, whose timesteps it keeps
    representative = clustered["cluster_representative_datestep"].values
    assert representative.sum() == n_clusters
    assert sorted(period_map.values[representative].tolist()) == list(range(n_clusters))
    starts = clustered.indexes["datesteps"][representative]
    assert (clustered.indexes["timesteps"][::steps] == starts).all()
    assert clustered.indexes["timesteps"].is_monotonic_increasing
    assert (clustered["timestep_cluster"].values == np.repeat(np.arange(n_clusters), steps)).all()


@pytest.mark.parametrize("method", ["hierarchical", "kmeans", "kmedoids", "averaging"])
@pytest.mark.parametrize("representation", ["medoid", "mean"])
def test_every_period_maps_to_one_representative_and_weights_fill_the_horizon(
    varied: xr.Dataset, method: str, representation: str
) -> None:
    clustered = cluster_time(
        varied, options(n_periods=3, method=method, representation=representation)
    )
    assert clustered.sizes["clusters"] == 3 and clustered.sizes["timesteps"] == 6
    check_period_map(clustered, varied, steps=2)


def test_identical_periods_share_a_representative(seasonal: xr.Dataset) -> None:
    clustered = cluster_time(seasonal, options(n_periods=2))
    assert clustered["lookup_datestep_cluster"].values.tolist() == [0, 0, 1, 1]
    assert clustered["timestep_weights"].values.tolist() == [2, 2, 2, 2]
    solar = clustered["source_use_max"].sel(techs="solar").squeeze()
    assert solar.values.tolist() == [2, 2, 0, 0]
    assert clustered["cluster_first_timestep"].values.tolist() == [True, False, True, False]
    last = clustered["lookup_cluster_last_timestep"].values
    assert str(last[0])[:13] == "2005-01-01T01" and np.isnat(last[1])
    assert clustered["datestep_resolution"].values.tolist() == [2, 2, 2, 2]
    assert clustered["lookup_datestep_last_cluster_timestep"].dt.hour.values.tolist() == [
        1,
        1,
        5,
        5,
    ]


def test_as_many_clusters_as_periods_is_the_original_series(varied: xr.Dataset) -> None:
    clustered = cluster_time(varied, options(n_periods=6))
    assert clustered["lookup_datestep_cluster"].values.tolist() == list(range(6))
    for name in ("source_use_max", "sink_use_equals"):
        np.testing.assert_allclose(clustered[name].values, varied[name].values, rtol=1e-12)


def test_medoids_keep_a_real_period_and_means_average_the_cluster(varied: xr.Dataset) -> None:
    medoid = cluster_time(varied, options(n_periods=2, preserve_means=False))
    demand = medoid["sink_use_equals"].sel(techs="load").squeeze()
    original = varied["sink_use_equals"].sel(techs="load").squeeze()
    for start in medoid.indexes["timesteps"][::2]:
        period = original.sel(timesteps=slice(start, start + pd.Timedelta("1h")))
        np.testing.assert_allclose(demand.sel(timesteps=period.timesteps).values, period.values)
    mean = cluster_time(varied, options(n_periods=2, representation="mean", preserve_means=False))
    members = original.values.reshape(6, 2)  # (periods, steps)
    period_map = mean["lookup_datestep_cluster"].values
    clustered = mean["sink_use_equals"].sel(techs="load").squeeze().values.reshape(2, 2)
    for cluster in range(2):
        np.testing.assert_allclose(clustered[cluster], members[period_map == cluster].mean(axis=0))


def test_preserved_means_keep_each_series_total(varied: xr.Dataset) -> None:
    clustered = cluster_time(varied, options(n_periods=2))
    for name in ("source_use_max", "sink_use_equals"):
        total = float((clustered[name] * clustered["timestep_weights"]).sum())
        assert total == pytest.approx(float(varied[name].sum()), rel=1e-6)


def test_an_extreme_period_is_a_representative_of_its_own(varied: xr.Dataset) -> None:
    # period 4 (hours 8–9) holds the demand spike of 6
    extreme = {"input": "sink_use_equals", "kind": "max_value"}
    clustered = cluster_time(varied, options(n_periods=2, extreme_periods=[extreme]))
    assert clustered.sizes["clusters"] == 3
    check_period_map(clustered, varied, steps=2)
    spike = clustered["lookup_datestep_cluster"].values[4]
    assert (clustered["lookup_datestep_cluster"].values == spike).sum() == 1
    kept = clustered["sink_use_equals"].sel(techs="load").squeeze()
    assert kept.sel(timesteps="2005-01-01 09:00").item() == pytest.approx(6)


def test_no_clustering_leaves_the_inputs_alone(varied: xr.Dataset) -> None:
    assert cluster_time(varied) is varied


def test_the_model_s_own_lookup_is_honoured_as_given(tmp_path: Path) -> None:
    # Calliope's time_cluster: three days, the first two represented by day 2, day 3 by itself
    days = pd.date_range("2005-01-01", periods=72, freq="h").strftime("%Y-%m-%d %H:%M").tolist()
    demand = list(range(72))
    definition = seasonal_model(
        config={"init": {"time_cluster": "representative_day"}},
        data_definitions={
            "representative_day": {
                "data": ["2005-01-02", "2005-01-02", "2005-01-03"],
                "index": ["2005-01-01", "2005-01-02", "2005-01-03"],
                "dims": "datesteps",
            }
        },
    )
    definition["techs"]["solar"]["source_use_max"] = series([1] * 72, days)
    definition["techs"]["load"]["sink_use_equals"] = series(demand, days)
    model = Model.from_yaml(write_model(tmp_path, definition))
    clustered = model.inputs
    assert clustered.sizes["timesteps"] == 48
    assert str(clustered.timesteps.values[0])[:10] == "2005-01-02"
    assert clustered["timestep_weights"].values.tolist() == [2] * 24 + [1] * 24
    assert clustered["lookup_datestep_cluster"].values.tolist() == [0, 0, 1]
    demand_kept = clustered["sink_use_equals"].sel(techs="load").squeeze().values
    assert demand_kept.tolist() == demand[24:]  # the representative days' own data
    assert clustered["representative_day"].dims == ("datesteps",)
    assert "storage_inter_cluster" in model.math.variables  # the lookups switched it on


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"n_periods": 7}, r"clustering\.n_periods.*at most 6"),
        (
            {"n_periods": 2, "period_length": 5},
            r"clustering\.period_length.*whole number of periods",
        ),
        ({"n_periods": 2, "period_length": 1.5}, r"whole number of time steps"),
        (
            {"n_periods": 2, "extreme_periods": [{"input": "sink_use_equal"}]},
            r"extreme_periods\[0\]\.input.*Did you mean 'sink_use_equals'",
        ),
    ],
)
def test_clustering_that_cannot_be_done_says_why(
    varied: xr.Dataset, settings: dict, words: str
) -> None:
    with pytest.raises(ModelError, match=rf"(?s){words}"):
        cluster_time(varied, ClusteringOptions.from_config({"period_length": 2, **settings}))


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"n_periods": 0}, r"clustering\.n_periods.*positive whole number"),
        ({"n_periods": 2, "methd": "kmeans"}, r"clustering\.methd.*Did you mean 'method'"),
        ({"n_periods": 2, "method": "kmean"}, r"clustering\.method.*Did you mean 'kmeans'"),
        ({"n_periods": 2, "representation": "medoids"}, r"representation.*Did you mean 'medoid'"),
        (
            {"n_periods": 2, "extreme_periods": [{"input": "x", "kind": "peak"}]},
            r"extreme_periods\[0\]\.kind.*max_value",
        ),
    ],
)
def test_bad_clustering_settings_are_errors(settings: dict, words: str) -> None:
    with pytest.raises(ModelError, match=rf"(?s){words}"):
        ClusteringOptions.from_config(settings)


def test_clustering_twice_is_an_error(tmp_path: Path) -> None:
    definition = seasonal_model(
        config={"init": {"time_cluster": "representative_day"}},
        data_definitions={
            "representative_day": {
                "data": ["2005-01-01"],
                "index": ["2005-01-01"],
                "dims": "datesteps",
            }
        },
    )
    with pytest.raises(ModelError, match=r"(?s)config\.init\.time_cluster.*clustered twice"):
        Model.from_yaml(write_model(tmp_path, definition), clustering={"n_periods": 1})


def test_a_lookup_that_leaves_out_a_day_is_an_error(tmp_path: Path) -> None:
    hours = pd.date_range("2005-01-01", periods=48, freq="h").strftime("%Y-%m-%d %H:%M").tolist()
    definition = seasonal_model(
        config={"init": {"time_cluster": "representative_day"}},
        data_definitions={
            "representative_day": {
                "data": ["2005-01-01"],
                "index": ["2005-01-01"],
                "dims": "datesteps",
            }
        },
    )
    definition["techs"]["load"]["sink_use_equals"] = series([1] * 48, hours)
    definition["techs"]["solar"]["source_use_max"] = series([1] * 48, hours)
    with pytest.raises(ModelError, match=r"(?s)time_cluster.*represents 2005-01-02"):
        Model.from_yaml(write_model(tmp_path, definition))


def test_newly_switched_on_extensions_merge_over_the_stored_math(seasonal: xr.Dataset) -> None:
    stored = str(seasonal.attrs["math"])
    assert "storage_inter_cluster" not in MathDefinition.from_yaml_text(stored).variables
    merged = MathDefinition.from_yaml_text(
        merge_triggered_extensions(stored, {"timestep_cluster", "flow_cap_max"})
    )
    assert "storage_inter_cluster" in merged.variables
    assert merged.origins["variables.storage_inter_cluster"] == "storage_inter_cluster.yaml"
    assert merged.origins["constraints.balance_storage"] == "storage_inter_cluster.yaml"
    # nothing new: the text is returned as it was; already there: not merged again
    assert merge_triggered_extensions(stored, {"flow_cap_max"}) is stored
    text = merged.to_yaml()
    assert merge_triggered_extensions(text, {"timestep_cluster"}) is text
