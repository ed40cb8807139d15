"""The thermal + storage + hydro example (examples/thermal_storage_hydro): Macro's asset constraints
on one week, in the workflow as the scenario `thermal_storage_hydro_week`.

The numbers its README quotes are pinned here (slow: a mixed-integer program of one week).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from esmflow import Model

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "thermal_storage_hydro" / "model.yaml"


def test_the_example_loads_its_macro_math_and_switches() -> None:
    model = Model.from_yaml(EXAMPLE)
    assert len(model.inputs["timesteps"]) == 7 * 24
    for component in (
        "minimum_up_time",
        "minimum_down_time",
        "ramping_up_committed",
        "flow_out_must_run",
        "storage_level_max",
        "storage_discharge_max",
        "storage_flow_symmetric_max",
        "storage_outflow_min",
    ):
        assert component in model.math.constraints
    switches = model.inputs["switches"].sel(techs="ocgt").squeeze()
    assert dict(zip(switches["components"].values, switches.values, strict=True)) == {
        "flow_out_min": 0.0,
        "ramping_down": 0.0,
    }
    # Macro's name for the battery's minimum level
    assert model.inputs["storage_discharge_depth"].sel(techs="battery").item() == 0.05


def test_the_example_is_a_workflow_scenario() -> None:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    scenario = config["scenarios"]["thermal_storage_hydro_week"]
    assert scenario["model"] == "examples/thermal_storage_hydro/model.yaml"
    assert "thermal_storage_hydro_week" not in config["run"]["scenarios"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ([], 2590515.467),
        (["continuous_commitment"], 2588445.644),
        (["no_minimum_up_down_times"], 2590132.567),
        (["no_storage_limits"], 2589558.529),
    ],
)
def test_the_week_costs_what_the_readme_says(overrides, expected) -> None:
    model = Model.from_yaml(EXAMPLE, overrides=overrides)
    results = model.solve()
    assert model.solve_result is not None
    assert model.solve_result.objective == pytest.approx(expected, rel=1e-6)
    units = results["operating_units"].sel(techs="ccgt").squeeze().values
    assert units.max() <= 3 + 1e-9
    if not overrides:
        assert np.allclose(units, np.round(units))  # whole units
        assert float(results["storage_spilled"].sum()) == pytest.approx(3272.124, rel=1e-6)
        friday = results["timesteps"].dt.dayofweek.values == 4
        assert units[friday].min() == pytest.approx(0)
        nuclear = results["flow_out"].sel(techs="nuclear", carriers="power").squeeze()
        assert nuclear.values.tolist() == pytest.approx(
            (300 * results["availability"].sel(techs="nuclear").squeeze()).values.tolist()
        )
