"""Time series in data tables: labels, duplicates, gaps, empty cells, tables that agree, resampling.

The errors themselves are pinned by the bad-input corpus (tests/bad_inputs/); these tests pin the
rules' edges: what must stay valid (irregular series, other layouts, offsets in the subset's
window) and the details of the label parser.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from esmflow.errors import ModelError
from esmflow.io.read_model import read_model
from esmflow.preprocess.inputs import prepare_inputs
from esmflow.preprocess.time import _resample_problems
from esmflow.preprocess.time_series_checks import (
    parse_time_labels,
    regular_step,
    step_problems,
)
from tests.bad_inputs.corpus import Case, materialise


def _prepare(tmp_path: Path, **patch: object) -> object:
    case = Case(name="t", description="t", expect=("",), **patch)  # type: ignore[arg-type]
    model = materialise(case, tmp_path / "model")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a valid variant is also a quiet one
        return prepare_inputs(read_model(model))


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("2005-01-01 00:00", ""),
        ("2005-01-01T00:00:00", ""),
        ("2005-01-01", ""),
        ("2005-01-01 00:00:00.5", ""),
        ("2005-01-01 00:00+01:00", "offset"),
        ("2005-01-01T00:00Z", "offset"),
        ("2005-01-01 00:00-0500", "offset"),
        ("01/01/2005", "not a date"),
        ("2005-13-01", "not a date"),
        ("noon", "not a date"),
        (np.nan, "empty"),
    ],
)
def test_time_labels_are_iso_8601_local_times(label: object, reason: str) -> None:
    times, reasons = parse_time_labels(["2005-01-01 01:00", label])
    assert list(reasons) == ["", reason]
    assert pd.isna(times[1]) == bool(reason)


def test_a_series_with_many_odd_steps_is_irregular_on_purpose() -> None:
    hourly = pd.date_range("2005-01-01", periods=6, freq="h")
    assert regular_step(hourly) == pd.Timedelta(hours=1)
    assert regular_step(hourly.delete(3)) == pd.Timedelta(hours=1)  # one odd step: a gap
    # hourly for a few steps, then 6-hourly: deliberately irregular, not gaps
    mixed = hourly[:3].append(pd.date_range("2005-01-01 06:00", periods=6, freq="6h"))
    assert regular_step(mixed) is None
    assert step_problems(mixed, file="f", key_path="k") == []


def test_a_missing_step_counts_every_missing_hour() -> None:
    steps = pd.date_range("2005-01-01", periods=30, freq="h").delete([3, 4, 17])
    (problem,) = step_problems(steps, file="f.csv", key_path="data_tables.x")
    assert problem.message == "3 time step(s) missing from a series that steps every 1h"
    assert problem.got == "2005-01-01 02:00 → 2005-01-01 05:00, 2005-01-01 16:00 → 2005-01-01 18:00"


def test_daily_and_irregular_but_complete_tables_are_valid(tmp_path: Path) -> None:
    days = pd.date_range("2005-01-01", periods=6, freq="D").strftime("%Y-%m-%d")
    demand = "techs,demand_power,demand_power\nnodes,north,south\n" + "".join(
        f"{day},30,12\n" for day in days
    )
    solar = "timesteps,south\n" + "".join(f"{day},10\n" for day in days)
    inputs = _prepare(tmp_path, files={"demand.csv": demand, "solar.csv": solar})
    assert list(inputs["timestep_resolution"].values) == [24.0] * 6


def test_time_along_the_columns_is_checked_too(tmp_path: Path) -> None:
    demand = (
        "techs,nodes,2005-01-01 00:00,2005-01-01 01:00,2005-01-01 02:00\n"
        "demand_power,north,30,28,\ndemand_power,south,12,11,10\n"
    )
    solar = "timesteps,south\n2005-01-01 00:00,0\n2005-01-01 01:00,0\n2005-01-01 02:00,5\n"
    patch = {
        "files": {"demand.csv": demand, "solar.csv": solar},
        "set": {
            "data_tables.demand": {
                "table": "demand.csv",
                "rows": ["techs", "nodes"],
                "columns": "timesteps",
                "add_dims": {"inputs": "sink_use_equals"},
            }
        },
    }
    with pytest.raises(ModelError, match=r"(?s)demand\.csv.*Empty cell.*nodes=north.*02:00"):
        _prepare(tmp_path, **patch)


def test_select_on_time_steps_compares_times_not_text(tmp_path: Path) -> None:
    select = {"timesteps": ["2005-01-01T00:00", "2005-01-01 01:00:00", "2005-01-01 02:00"]}
    patch = {"set": {"data_tables.demand.select": select, "data_tables.solar_yield.select": select}}
    inputs = _prepare(tmp_path, **patch)
    assert inputs.sizes["timesteps"] == 3


def test_tables_need_to_agree_only_within_the_time_subset(tmp_path: Path) -> None:
    patch = {
        "replace": {"solar.csv": [["2005-01-01 05:00,40\n", ""]]},
        "set": {"config.init.subset.timesteps": ["2005-01-01 00:00", "2005-01-01 03:00"]},
    }
    assert _prepare(tmp_path, **patch).sizes["timesteps"] == 4


def test_resampling_aggregates_and_never_invents_steps() -> None:
    hourly = pd.date_range("2005-01-01 03:00", periods=12, freq="h")
    assert _resample_problems("2h", hourly) == []
    assert _resample_problems("1D", hourly) == []
    assert _resample_problems("1MS", hourly) == []  # calendar months: no fixed length to check
    two_days_apart = hourly[:3].append(hourly[:3] + pd.Timedelta(days=2))
    ((message, _),) = _resample_problems("3h", two_days_apart)
    assert "would create 15 step(s) without data" in message


def test_resampled_model_keeps_its_energy(tmp_path: Path) -> None:
    inputs = _prepare(tmp_path, set={"config.init.resample.timesteps": "2h"})
    # demand 30 28 27 29 33 38 (north): sums of pairs
    assert list(inputs["sink_use_equals"].sel(nodes="north", techs="demand_power").values) == [
        58.0,
        56.0,
        71.0,
    ]
