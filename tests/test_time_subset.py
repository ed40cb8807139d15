"""Time subset (inclusive, partial dates), resampling with each parameter's method, time parameters.

The tiny model's demand runs hourly from 2005-01-30 00:00 to 2005-02-02 23:00 (96 steps);
at node A the demand in hour h of a day is h + 1, at B twice that.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from esmflow.errors import ModelError
from esmflow.io.read_model import read_model
from esmflow.preprocess.inputs import prepare_inputs

TINY = Path(__file__).parent / "data" / "loader" / "tiny"


def _inputs(model: Path = TINY / "model.yaml", **set_values: object):
    values = {key.replace("__", "."): value for key, value in set_values.items()}
    return prepare_inputs(read_model(model, set_values=values))


def test_no_subset_keeps_every_step_with_unit_resolution_and_weights() -> None:
    inputs = _inputs()
    assert inputs.sizes["timesteps"] == 96
    assert inputs.timesteps.dtype == np.dtype("datetime64[ns]")
    assert (inputs["timestep_resolution"] == 1).all() and (inputs["timestep_weights"] == 1).all()


@pytest.mark.parametrize(
    ("subset", "first", "count"),
    [
        (
            ["2005-01-31", "2005-01-31"],
            "2005-01-31 00:00",
            24,
        ),  # an end date includes its whole day
        (["2005-02", "2005-02"], "2005-02-01 00:00", 48),  # a month string means the whole month
        (["2005-01-30 12:00", "2005-01-30 17:00"], "2005-01-30 12:00", 6),
        (["2005-01-01", "2005-01-30"], "2005-01-30 00:00", 24),  # overlapping the start is fine
    ],
)
def test_subset_like_calliope(subset: list[str], first: str, count: int) -> None:
    inputs = _inputs(config__init__subset__timesteps=subset)
    assert inputs.sizes["timesteps"] == count
    assert str(inputs.timesteps.values[0])[:16].replace("T", " ") == first


def test_override_sets_the_subset() -> None:
    inputs = prepare_inputs(read_model(TINY / "model.yaml", ["one_day"]))
    assert inputs.sizes["timesteps"] == 24


def test_subset_outside_the_data_is_an_error() -> None:
    with pytest.raises(ModelError, match=r"(?s)config\.init\.subset\.timesteps.*outside"):
        _inputs(config__init__subset__timesteps=["2006-01-01", "2006-01-02"])


def _with_prices(tmp_path: Path) -> Path:
    """The tiny model plus an hourly fuel price at A equal to the hour of the day (0…23)."""
    shutil.copytree(TINY, tmp_path / "tiny")
    lines = ["timesteps,A"]
    lines += [f"2005-01-{30 + h // 24:02d} {h % 24:02d}:00,{h % 24}" for h in range(48)]
    lines += [f"2005-02-{1 + h // 24:02d} {h % 24:02d}:00,{h % 24}" for h in range(48)]
    (tmp_path / "tiny" / "prices.csv").write_text("\n".join(lines) + "\n")
    model = tmp_path / "tiny" / "model.yaml"
    text = model.read_text().replace(
        "data_tables:\n",
        "data_tables:\n  prices:\n    table: prices.csv\n    rows: timesteps\n    columns: nodes\n"
        "    add_dims: {inputs: cost_flow_out, techs: gas_plant, costs: monetary}\n",
    )
    model.write_text(text)
    return model


def test_resample_sums_flows_and_averages_prices(tmp_path: Path) -> None:
    # 6-hour blocks: demand at A in the first block = 1+2+…+6 = 21 (sum, as Calliope's
    # `resample_method: sum` for sink_use_equals); price = mean(0…5) = 2.5 (`mean` for cost_flow_out)
    inputs = _inputs(_with_prices(tmp_path), config__init__resample__timesteps="6h")
    assert inputs.sizes["timesteps"] == 16
    demand = inputs["sink_use_equals"].sel(nodes="A", techs="demand_power")
    assert demand.values[:4].tolist() == [21, 57, 93, 129]  # sums of 1–6, 7–12, 13–18, 19–24
    price = inputs["cost_flow_out"].sel(nodes="A", techs="gas_plant", costs="monetary")
    assert price.values[:4].tolist() == [2.5, 8.5, 14.5, 20.5]
    assert (inputs["timestep_resolution"] == 6).all()
    assert (inputs["timestep_weights"] == 1).all()


def test_subset_applies_before_resample() -> None:
    inputs = _inputs(
        config__init__subset__timesteps=["2005-01-31", "2005-01-31"],
        config__init__resample__timesteps="12h",
    )
    assert inputs.sizes["timesteps"] == 2
    # 1+…+12 = 78 and 13+…+24 = 222 at node A
    demand = inputs["sink_use_equals"].sel(nodes="A", techs="demand_power")
    assert demand.values.tolist() == [78, 222]


def test_unknown_resample_frequency_is_an_error() -> None:
    with pytest.raises(ModelError, match=r"config\.init\.resample\.timesteps"):
        _inputs(config__init__resample__timesteps="6 parsecs")
