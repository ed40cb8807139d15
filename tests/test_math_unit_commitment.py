"""Unit commitment (esmflow/math/unit_commitment.yaml): committed, started and shut-down units.

Components: `operating_units` (widened from the MILP math) with `started_units`,
`shut_down_units`, `operating_units_max`, `operating_units_balance`, `minimum_up_time`,
`minimum_down_time`, `ramping_up_committed`, `ramping_down_committed` and the start-up cost in
`cost_operation_variable`; MILP math's `flow_out_max_milp` and `flow_out_min_milp` limit the
flows of committed units.

The 24-hour day (`day()`): one thermal unit type of 100 MW (flow_cap 100: one unit), fuel 10
per MWh, minimum output 40 % of each committed unit, minimum up time 4 h, minimum down time
3 h, start-up cost 1 per MW started (100 per unit); a peaker at 100 per MWh and a dump that
takes surplus power at 5 per MWh. Demand:

    hour    0-5   6-9   10-11   12-15   16-18   19-20   21-23
    MW        0   100       2     100       0      20       0

Integer commitment (`integer_dispatch: true`), worked out hour by hour. A committed unit at
demand d < 40 costs 400 fuel + 5 (40 - d) dump = 600 - 5d; off, the peaker costs 100 d.
- 6-9 and 12-15 (100 MW): on, 8 × 1000 = 8000 (the peaker would cost 10 000 per hour).
- 10-11 (2 MW): on costs 590 per hour, off 200; but off for 2 h breaks the 3-h minimum down
  time (off for 3 h would put a 100-MW hour on the peaker), so the unit stays on: 1180.
- 16-18: off (a unit on at 0 MW costs 600 per hour, a restart 100). The 3 h off are exactly the
  minimum down time, so the unit may restart at 19.
- 19-20 (20 MW): on costs 500 per hour plus the start, but a started unit stays on 4 h, so it
  runs 19-22: fuel 4 × 400 + dump 2 × 100 + 2 × 200 + start 100 = 2300 < peaker 2 × 2000.
- 23, and 0-5 after the wrap-around: off. One start at 6 (100).
  Objective 8000 + 1180 + 100 + 2300 = 11 580; on at 6-15 and 19-22.
Continuous commitment (Macro's default) commits fractions of the unit:
- 10-11: shutting down x at 10 or 11 would leave only 1 - x of the unit for the 100-MW hours
  12-13 (minimum down time) at 100 per MWh, so the unit stays fully on: 1180 as above.
- 19-20: committing u costs 100u to start, and min up keeps u for 19-22; at 21-22 the
  committed u must produce 40u at 0 MW (fuel 10 + dump 5 per MWh: 600u per hour). Serving
  f = min(20, 100u) and the peaker the rest: cost 2000 - 16 700u for u ≤ 0.2 and 400 + 1300u
  above, so u = 0.2: fuel 2 × 200 + 2 × (80 + 40) + start 20 = 660.
  Objective 8000 + 1180 + 100 + 660 = 9940; committed 1 at 6-15, 0.2 at 19-22.
Without the minimum up time the evening needs only 19-20 (integer 1100, continuous 420);
without the minimum down time the unit leaves the dip (integer: peaker 400 + a second start
100 instead of 1180; continuous: 0.95 of it shuts down, 2 MW at 0.05 committed: 40 fuel + 95).
"""

from __future__ import annotations

import pytest
import xarray as xr
from math_models import (
    model_definition,
    objective,
    per_cost,
    solve_model,
    solve_with_weights,
    supply,
    values,
    write_model,
)

from esmflow import Model
from esmflow.errors import ModelError

HOURS = [f"2005-01-01 {hour:02d}:00" for hour in range(24)]
DEMAND = [0] * 6 + [100] * 4 + [2] * 2 + [100] * 4 + [0] * 3 + [20] * 2 + [0] * 3
ON_INTEGER = [0] * 6 + [1] * 10 + [0] * 3 + [1] * 4 + [0]
ON_CONTINUOUS = [0] * 6 + [1] * 10 + [0] * 3 + [0.2] * 4 + [0]


def per_hour(values: list[float]) -> dict:
    return {"data": list(values), "index": HOURS, "dims": ["timesteps"]}


def thermal(**params) -> dict:
    """One 100-MW unit (continuous capacity fixed at 100) with the commitment of the day."""
    day_settings = {
        "flow_cap_per_unit": 100,
        "flow_cap_min": 100,
        "flow_cap_max": 100,
        "flow_out_min_relative": 0.4,
        "min_up_time": 4,
        "min_down_time": 3,
        "cost_startup": per_cost(1),
    }
    return supply(cost_per_unit=10, **{**day_settings, **params})


def day(unit: dict) -> dict:
    techs = {
        "thermal": unit,
        "peaker": supply(cost_per_unit=100),
        "dump": {"base_tech": "demand", "carrier_in": "power", "cost_flow_in": per_cost(5)},
        "load": {"base_tech": "demand", "carrier_in": "power", "sink_use_equals": per_hour(DEMAND)},
    }
    return model_definition(techs)


def committed(model) -> list[float]:
    return values(model, "operating_units", techs="thermal")


@pytest.mark.parametrize(
    ("integer", "expected", "schedule"),
    [(True, 11580, ON_INTEGER), (False, 9940, ON_CONTINUOUS)],
    ids=["integer", "continuous"],
)
def test_the_day_commits_the_hand_derived_schedule(tmp_path, integer, expected, schedule):
    model = solve_model(tmp_path, day(thermal(integer_dispatch=integer)))
    assert objective(model) == pytest.approx(expected)
    assert committed(model) == pytest.approx(schedule, abs=1e-9)
    starts = values(model, "started_units", techs="thermal")
    assert starts[6] == pytest.approx(1) and starts[19] == pytest.approx(schedule[19])
    assert sum(starts) == pytest.approx(1 + schedule[19])
    assert values(model, "shut_down_units", techs="thermal")[23] == pytest.approx(schedule[22])
    flows = values(model, "flow_out", techs="thermal", carriers="power")
    assert flows[10:12] == pytest.approx([40, 40])  # kept on at its minimum through the dip
    integrality = model.program.model.variables["operating_units"].attrs["integer"]
    assert integrality is integer


@pytest.mark.parametrize(
    ("integer", "switched_off", "expected"),
    [
        (True, "minimum_up_time", 8000 + 1180 + 100 + 1100),
        (True, "minimum_down_time", 8000 + 400 + 200 + 2300),
        (False, "minimum_up_time", 8000 + 1180 + 100 + 420),
        (False, "minimum_down_time", 8000 + 40 + 100 + 95 + 660),
        (True, "MinUpTimeConstraint", 8000 + 1180 + 100 + 1100),  # Macro's name for it
    ],
)
def test_switching_off_the_minimum_times(tmp_path, integer, switched_off, expected):
    unit = thermal(integer_dispatch=integer, switches={switched_off: False})
    assert objective(solve_model(tmp_path, day(unit))) == pytest.approx(expected)


def test_calliope_integer_dispatch_gets_the_same_commitment(tmp_path):
    # The unit bought in units (Calliope's MILP math: one unit of 100 MW, integer dispatch):
    # its operating units are the committed units, so the day is the same as above.
    unit = thermal(
        integer_dispatch=True, cap_method="integer", purchased_units_min=1, purchased_units_max=1
    )
    for limit in ("flow_cap_min", "flow_cap_max"):
        del unit[limit]
    model = solve_model(tmp_path, day(unit))
    assert objective(model) == pytest.approx(11580)
    assert committed(model) == pytest.approx(ON_INTEGER, abs=1e-9)


def test_a_mix_of_integer_and_continuous_commitment(tmp_path):
    # Two identical days side by side at two nodes: integer at A, continuous at B. One
    # variable holds both (whole at A through its twin): 11 580 + 9940.
    definition = day(thermal())
    definition["nodes"] = {
        "A": {
            "techs": {
                **{t: None for t in definition["techs"]},
                "thermal": {"integer_dispatch": True},
            }
        },
        "B": {"techs": {t: None for t in definition["techs"]}},
    }
    model = solve_model(tmp_path, definition)
    assert objective(model) == pytest.approx(11580 + 9940)
    assert values(model, "operating_units", techs="thermal", nodes="B") == pytest.approx(
        ON_CONTINUOUS, abs=1e-9
    )
    variables = model.program.model.variables
    assert not variables["operating_units"].attrs["integer"]
    assert variables["operating_units__whole"].attrs["integer"]


@pytest.mark.parametrize(("evening_weight", "expected"), [(1, 10300), (2, 11600)])
def test_start_up_cost_is_per_mw_started_and_weighted(tmp_path, evening_weight, expected):
    # The day without minimum up and down times, start-ups at 3 per MW (300 per start).
    # 10-11 (2 MW): off (peaker 400 + a restart 300 < 1180 on), so starts at 6, 12 and 19;
    # 19-20 (20 MW): on at its minimum 40, 2 × 500 + 300 < peaker 4000. Fuel 10 × (400 + 400 +
    # 40 + 40) = 8800, dump 2 × 100, peaker 400, starts 900: 10 300. With the evening hours
    # weighing 2 (as if clustered), its fuel 800, dump 200 and start 300 count twice: 11 600.
    unit = thermal(integer_dispatch=True, cost_startup=per_cost(3))
    del unit["min_up_time"], unit["min_down_time"]
    weights = [1.0] * 19 + [float(evening_weight)] * 2 + [1.0] * 3
    model = solve_with_weights(tmp_path, day(unit), weights)
    assert objective(model) == pytest.approx(expected)
    starts = values(model, "started_units", techs="thermal")
    assert [hour for hour, start in enumerate(starts) if start > 0.5] == [6, 12, 19]
    running = values(model, "cost_operation_variable", techs="thermal")
    assert running[19] == pytest.approx(evening_weight * (400 + 300))  # fuel and start-up
    assert sum(running) == pytest.approx(8800 + 900 + (evening_weight - 1) * (800 + 300))


# --- ramping of committed units --------------------------------------------------------------
def ramp_model(**params) -> dict:
    """One committed 100-MW unit (integer, no start-up cost) over 6 hours.

    Demand 0, 60, 100, 100, 40, 0 MW; a peaker at 100 per MWh and a dump at 150 per MWh (dearer
    than the peaker, so the unit never runs ahead of demand into the dump).
    """
    unit = supply(
        cost_per_unit=10,
        flow_cap_per_unit=100,
        flow_cap_min=100,
        flow_cap_max=100,
        flow_out_min_relative=0.4,
        unit_commitment=True,
        integer_dispatch=True,
        **params,
    )
    load = {"data": [0, 60, 100, 100, 40, 0], "index": HOURS[:6], "dims": ["timesteps"]}
    techs = {
        "thermal": unit,
        "peaker": supply(cost_per_unit=100),
        "dump": {"base_tech": "demand", "carrier_in": "power", "cost_flow_in": per_cost(150)},
        "load": {"base_tech": "demand", "carrier_in": "power", "sink_use_equals": load},
    }
    return model_definition(techs)


def test_committed_ramping_up_and_down(tmp_path):
    # Rises ≤ 30 MW/h while running; a start reaches max(min output 40, ramp 30) = 40 MW.
    # Falls ≤ 50 MW/h; a shut-down from at most max(40, 50) = 50 MW.
    # Hour 0: off (on means 40 MW into the dump). Hour 1: starts at 40, peaker 20. Hour 2: ≤ 70,
    # peaker 30. Hours 3-4: f4 ≥ max(40, f3 - 50), surplus to the dump; for f3 ≤ 90 the cost
    # 10 f3 + 100 (100 - f3) + 400 falls with f3, above 90 it rises (70 f3 - 4000): f3 = 90,
    # f4 = 40. Hour 5: shut down from 40 ≤ 50.
    # Fuel 10 × (40 + 70 + 90 + 40) = 2400, peaker 100 × (20 + 30 + 10) = 6000: 8400.
    model = solve_model(tmp_path, ramp_model(flow_ramping_up=0.3, flow_ramping_down=0.5))
    assert objective(model) == pytest.approx(8400)
    flows = values(model, "flow_out", techs="thermal", carriers="power")
    assert flows == pytest.approx([0, 40, 70, 90, 40, 0], abs=1e-9)
    components = model.program.components
    assert {"ramping_up_committed", "ramping_down_committed"} <= set(components)
    assert "ramping_up" not in components  # the committed form replaces it for this unit


@pytest.mark.parametrize(
    ("switched_off", "expected"),
    [
        # rises free: 60, 100, then 90, 40 as before: fuel 10 × 290 + peaker 1000
        ("ramping_up_committed", 3900),
        # falls free: 40, 70, 100, 40: fuel 10 × 250 + peaker 5000
        ("ramping_down_committed", 7500),
    ],
)
def test_switching_off_committed_ramping(tmp_path, switched_off, expected):
    definition = ramp_model(
        flow_ramping_up=0.3, flow_ramping_down=0.5, switches={switched_off: False}
    )
    assert objective(solve_model(tmp_path, definition)) == pytest.approx(expected)


# --- checks ------------------------------------------------------------------------------------
def test_commitment_needs_a_unit_size(tmp_path):
    unit = supply(cost_per_unit=1, min_up_time=2)
    techs = {
        "gas": unit,
        "load": {
            "base_tech": "demand",
            "carrier_in": "power",
            "sink_use_equals": per_hour([1] * 24),
        },
    }
    with pytest.raises(ModelError, match=r"give the tech `flow_cap_per_unit`"):
        solve_model(tmp_path, model_definition(techs))


def test_a_minimum_up_time_longer_than_the_horizon_is_an_error(tmp_path):
    with pytest.raises(ModelError, match=r"'min_up_time' of tech 'thermal'.*longer than the"):
        solve_model(tmp_path, day(thermal(min_up_time=30)))


# --- periods: the commitment wraps around within each -----------------------------------------
def two_periods(tmp_path, demand: list[float], **params) -> Model:
    """The day's unit cut into two 12-hour periods, as time clustering would leave them."""
    definition = day(thermal(integer_dispatch=True, **params))
    definition["techs"]["load"]["sink_use_equals"] = per_hour(demand)
    inputs = Model.from_yaml(write_model(tmp_path, definition)).inputs.copy()
    timesteps = inputs["timesteps"]
    first = xr.zeros_like(timesteps, dtype=bool).copy(data=[h % 12 == 0 for h in range(24)])
    last = timesteps.shift(timesteps=-11).where(first)
    inputs["cluster_first_timestep"] = first
    inputs["lookup_cluster_last_timestep"] = last
    inputs["cyclic_storage"] = xr.DataArray(False)
    return Model(inputs)


def test_commitment_wraps_around_within_each_period(tmp_path):
    # Period 1 (hours 0-11) needs 100 MW at 10, 11, 0 and 1: around its wrap, one block of
    # 4 hours, so one start (at 10) and no minimum-up-time hours at 0 MW: fuel 4000 + 100.
    # (Wrapping over the whole day instead, hour 0 would follow the off hour 23.)
    demand = [100, 100] + [0] * 8 + [100, 100] + [0] * 12
    model = two_periods(tmp_path, demand)
    model.solve()
    assert objective(model) == pytest.approx(4100)
    assert values(model, "started_units", techs="thermal")[10] == pytest.approx(1)
    assert sum(values(model, "started_units", techs="thermal")) == pytest.approx(1)


def test_a_minimum_up_time_longer_than_a_period_is_an_error_at_build(tmp_path):
    model = two_periods(tmp_path, DEMAND, min_up_time=13)
    with pytest.raises(
        ModelError, match=r"(?s)'min_up_time' is longer than one period.*techs thermal.*at most 12"
    ):
        model.build()
