"""A built program linked to its inputs: new input values become changes, not a new build.

Each case changes inputs of a tiny model, applies the changes to a HiGHS session that already
holds the program, solves, and compares with a program built from scratch on the new inputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import xarray as xr
from math_models import demand, model_definition, supply, timeseries, write_model

from esmflow import Model
from esmflow.backends.solve import open_session, solve
from esmflow.math.engine.build import build_program
from esmflow.math.engine.update import LinkedProgram, StructureChanged, input_readers
from esmflow.math.program import Program
from esmflow.options import BuildOptions, SolveOptions


def storage_model(tmp_path: Path) -> Model:
    """Gas (cost 2) and a battery (non-cyclic, 5 kWh, starts at `storage_initial` × 5)."""
    techs = {
        "gas": supply(cost_per_unit=2, flow_cap_max=10),
        "battery": {
            "base_tech": "storage",
            "carrier_in": "power",
            "carrier_out": "power",
            "flow_cap_max": 10,
            "storage_cap_max": 5,
            "storage_cap_min": 5,
            "cyclic_storage": False,
            "storage_initial": 0.2,
        },
        "load": demand("power", 1, 2, 3),
    }
    return Model.from_yaml(write_model(tmp_path, model_definition(techs)))


def test_readers_follow_global_expressions(tmp_path: Path) -> None:
    model = storage_model(tmp_path)
    model.build()
    linked = LinkedProgram(model.program, model.inputs, model.math, BuildOptions())
    # sink_use_equals is read by balance_demand; cost_source_use by an expression the objective uses
    assert "constraints.balance_demand" in linked.readers["sink_use_equals"]
    assert "objectives.min_cost_optimisation" in linked.readers["cost_source_use"]
    assert "global_expressions.cost" in linked.readers["cost_source_use"]
    assert input_readers(model.math, linked._built) == linked.readers


def _fresh_objective(model: Model, inputs: xr.Dataset) -> float:
    program = build_program(inputs, model.math, BuildOptions.from_model_config(model.config))
    return solve(program, SolveOptions()).objective


@pytest.mark.parametrize(
    "change",
    [
        {"sink_use_equals": [3.0, 1.0, 0.5]},  # right-hand sides of balance_demand
        {"storage_initial": 1.0},  # the first step's storage balance
        {"cost_source_use": 7.0},  # objective coefficients (through the `cost` expression)
        {"flow_out_eff": 0.5},  # coefficients of balance rows (flow_out_inc_eff)
    ],
)
def test_changed_inputs_solve_like_a_fresh_build(tmp_path: Path, change: dict) -> None:
    model = storage_model(tmp_path)
    model.build()
    options = BuildOptions.from_model_config(model.config)
    linked = LinkedProgram(model.program, model.inputs, model.math, options)
    session = open_session(model.program, SolveOptions(), model.inputs, model.math)
    session.solve()
    name, values = next(iter(change.items()))
    if name not in model.inputs:  # not given: the default holds until now
        new = xr.DataArray(values)
    elif name == "sink_use_equals":
        new = _timeseries_like(model.inputs[name], values)
    else:
        current = model.inputs[name]
        new = xr.full_like(current, values, dtype=float).where(current.notnull())
    changes = linked.update_inputs({name: new})
    assert changes, "changed inputs give changes"
    session.apply(changes)
    updated = session.solve()
    assert updated.objective == pytest.approx(
        _fresh_objective(model, model.inputs.assign({name: new})), rel=1e-9
    )


def _timeseries_like(current: xr.DataArray, values: list[float]) -> xr.DataArray:
    series = xr.DataArray(values, coords={"timesteps": current.timesteps})
    return (series * xr.ones_like(current)).where(current.notnull()).transpose(*current.dims)


def test_a_program_read_back_from_disk_links_the_same(tmp_path: Path) -> None:
    model = storage_model(tmp_path)
    program = model.build()
    program.to_netcdf(tmp_path / "model.nc")
    stored = Program.from_netcdf(tmp_path / "model.nc")
    assert set(stored.exists) == set(program.exists)
    options = BuildOptions.from_model_config(model.config)
    linked = LinkedProgram(stored, model.inputs, model.math, options)
    session = open_session(stored, SolveOptions(), model.inputs, model.math)
    session.solve()
    new = xr.full_like(model.inputs["storage_initial"], 1.0, dtype=float)
    session.apply(linked.update_inputs({"storage_initial": new}))
    assert session.solve().objective == pytest.approx(
        _fresh_objective(model, model.inputs.assign(storage_initial=new))
    )


def test_new_values_that_change_rows_ask_for_a_new_build(tmp_path: Path) -> None:
    # source_use_max undefined (NaN) at a step drops that step's availability row
    techs = {
        "solar": supply(source_use_max=timeseries(1, 1, 1)),
        "gas": supply(cost_per_unit=2),
        "load": demand("power", 1, 1, 1),
    }
    model = Model.from_yaml(write_model(tmp_path, model_definition(techs)))
    model.build()
    linked = LinkedProgram(
        model.program, model.inputs, model.math, BuildOptions.from_model_config(model.config)
    )
    current = model.inputs["source_use_max"]
    holes = current.where(current.timesteps != current.timesteps[1])
    with pytest.raises(StructureChanged, match="source_availability_supply"):
        linked.update_inputs({"source_use_max": holes})


def test_switching_the_objective(tmp_path: Path) -> None:
    model = storage_model(tmp_path)
    model.build()
    linked = LinkedProgram(
        model.program, model.inputs, model.math, BuildOptions.from_model_config(model.config)
    )
    session = open_session(model.program, SolveOptions())
    assert session.solve().objective > 0
    session.apply(linked.use_objective("check_feasibility"))
    assert session.solve().objective == pytest.approx(0)
    assert model.program.objective_name == "check_feasibility"


def test_unchanged_values_give_no_changes(tmp_path: Path) -> None:
    model = storage_model(tmp_path)
    model.build()
    linked = LinkedProgram(model.program, model.inputs, model.math, BuildOptions())
    same = model.inputs["sink_use_equals"].copy()
    assert not linked.update_inputs({"sink_use_equals": same})
    assert not linked.update_inputs({"cost_source_use": model.inputs["cost_source_use"]})


def test_successive_changes_move_right_hand_sides_like_fresh_builds(tmp_path: Path) -> None:
    # the second change of an input goes through the constraint's affine map (numbers only)
    model = storage_model(tmp_path)
    model.build()
    options = BuildOptions.from_model_config(model.config)
    linked = LinkedProgram(model.program, model.inputs, model.math, options)
    session = open_session(model.program, SolveOptions(), model.inputs, model.math)
    session.solve()
    demand_now = model.inputs["sink_use_equals"]
    level_now = xr.full_like(model.inputs["storage_initial"], 0.2, dtype=float)
    for wanted, level in (([2.0, 2.0, 2.0], 0.6), ([0.5, 3.0, 1.0], 1.0), ([1.0, 1.0, 4.0], 0.0)):
        new = {
            "sink_use_equals": _timeseries_like(demand_now, wanted),
            "storage_initial": level_now.where(level_now.isnull(), level),
        }
        session.apply(linked.update_inputs(new))
        expected = _fresh_objective(model, model.inputs.assign(new))
        assert session.solve().objective == pytest.approx(expected, rel=1e-9)
