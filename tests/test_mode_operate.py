"""Operate mode: given capacities dispatched window by window, storage carried between windows.

The model (one node, four hourly steps, demand [0, 1, 0, 1]):
- `battery`: 1 kWh (given `storage_cap`), full at the start (`storage_initial: 1`), lossless,
  charging costs 1 per kWh (so it never charges without a reason);
- `gas`: cost 10, available only at steps 0 and 1 (`source_use_max` [10, 10, 0, 0]);
- `peaker`: cost 100, always available.

Perfect foresight (one window over all four steps): keep the battery for step 3, where only the
peaker runs otherwise, and serve step 1 with gas: cost 10.

Window 1 h, horizon 2 h: the first window sees steps 0–1 only. Discharging the battery at step 1
is free and gas costs 10, so it discharges (window objective 0), and the level at the end of
step 0 (1 kWh, full) goes on to window 2 (steps 1–2), which discharges at step 1: level 0 after
it. Windows 3 (steps 2–3) and 4 (step 3 only, a shorter horizon) find the battery
empty and pay the peaker at step 3: window objectives 0, 0, 100, 100, and the kept dispatch
costs 100 over the four steps — 90 more than with foresight. Window 4 is solved on the 2-step
program with its second step switched off, not on a program built for it: that step still
holds window 3's inputs (demand 1 at step 3, no gas), so were it not switched off the peaker
would run there too and window 4 would cost 200.

Window 2 h, horizon 4 h: the first window sees everything and keeps steps 0–1 (gas at step 1,
battery still full); the second (steps 2–3) discharges at step 3: cost 10, as with foresight.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from math_models import demand, model_definition, per_cost, supply, timeseries, write_model

from esmflow import Model
from esmflow.errors import ModelError


def dispatch_model(window: str, horizon: str, mode: str = "operate", **battery: object) -> dict:
    techs = {
        "battery": {
            "base_tech": "storage",
            "carrier_in": "power",
            "carrier_out": "power",
            "storage_cap": 1,
            "storage_initial": 1,
            "cyclic_storage": False,
            "cost_flow_in": per_cost(1),
            **battery,
        },
        "gas": supply(cost_per_unit=10, source_use_max=timeseries(10, 10, 0, 0)),
        "peaker": supply(cost_per_unit=100),
        "load": demand("power", 0, 1, 0, 1),
    }
    config = {"init": {"mode": mode}, "build": {"operate": {"window": window, "horizon": horizon}}}
    return model_definition(techs, config=config)


def solved(tmp_path: Path, definition: dict) -> Model:
    model = Model.from_yaml(write_model(tmp_path, definition))
    model.build()
    model.solve()
    return model


def test_a_short_horizon_spends_the_battery_too_early(tmp_path: Path) -> None:
    model = solved(tmp_path, dispatch_model("1h", "2h"))
    result = model.solve_result
    assert result is not None
    assert [w["objective"] for w in result.solves] == pytest.approx([0, 0, 100, 100])
    assert [w["built"] for w in result.solves] == [True, False, False, False]
    assert result.objective == pytest.approx(100)  # the kept dispatch over all four steps
    assert model.results is not None
    storage = model.results["storage"].sel(nodes="A", techs="battery").values
    assert list(storage) == pytest.approx([1, 0, 0, 0])
    peaker = model.results["flow_out"].sel(nodes="A", techs="peaker", carriers="power").values
    assert list(peaker) == pytest.approx([0, 0, 0, 1])
    assert float(model.results["cost"].sel(nodes="A", techs="peaker", costs="monetary")) == (
        pytest.approx(100)
    )


SUM_OVER_TIME_MATH = """
constraints:
  source_use_over_the_horizon:
    foreach: [nodes, techs]
    where: source_use_max
    equations:
      - expression: sum(source_use, over=timesteps) <= sum(source_use_max, over=timesteps)
"""


def test_a_sum_over_time_of_a_time_series_makes_the_last_window_build_anew(
    tmp_path: Path,
) -> None:
    # the extra row (never binding: each step's source use is at most its source_use_max
    # already) sums a time series over the horizon: switched-off surplus steps would still
    # count their stale values in it, so window 4 gets a program of its own; same optimum
    definition = dispatch_model("1h", "2h")
    definition["config"]["init"].update(
        math_paths={"over_time": "over_time.yaml"}, extra_math=["over_time"]
    )
    (tmp_path / "over_time.yaml").write_text(SUM_OVER_TIME_MATH)
    model = solved(tmp_path, definition)
    result = model.solve_result
    assert result is not None
    assert [w["objective"] for w in result.solves] == pytest.approx([0, 0, 100, 100])
    assert [w["built"] for w in result.solves] == [True, False, False, True]


def test_a_horizon_that_sees_everything_matches_perfect_foresight(tmp_path: Path) -> None:
    model = solved(tmp_path, dispatch_model("2h", "4h"))
    assert model.solve_result is not None
    assert model.solve_result.objective == pytest.approx(10)
    assert [w["start"] for w in model.solve_result.solves] == [
        "2005-01-01 00:00:00",
        "2005-01-01 02:00:00",
    ]
    storage = model.results["storage"].sel(nodes="A", techs="battery").values
    assert list(storage) == pytest.approx([1, 1, 1, 0])  # carried into the second window


def test_given_capacities_limit_the_dispatch(tmp_path: Path) -> None:
    # gas may give at most 0.5 per step: step 1 needs the battery (0) or 0.5 gas + 0.5 battery;
    # with foresight the battery's 1 kWh is worth 100 at step 3, so: 0.5 gas (5) + 0.5 battery
    # at step 1, then 0.5 battery + 0.5 peaker (50) at step 3 = 55
    definition = dispatch_model("4h", "4h")
    definition["techs"]["gas"]["flow_cap"] = 0.5
    model = solved(tmp_path, definition)
    assert model.solve_result is not None
    assert model.solve_result.objective == pytest.approx(55)


def test_a_capacity_revenue_without_a_bound_is_no_error_in_operate_mode(tmp_path: Path) -> None:
    # a negative fixed O&M cost with no flow_cap_max would make a plan unbounded (a check
    # refuses it); operating a given capacity, the fixed cost is not counted: the optimum is
    # foresight's 10 (see the docstring)
    definition = dispatch_model("2h", "4h")
    definition["techs"]["peaker"].update(flow_cap=2, cost_om_annual=per_cost(-5))
    model = solved(tmp_path, definition)
    assert model.solve_result is not None
    assert model.solve_result.objective == pytest.approx(10)


def test_operate_needs_storage_that_is_not_cyclic(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"(?s)cyclic_storage: false"):
        solved(tmp_path, dispatch_model("1h", "2h", cyclic_storage=True))


def test_a_capacity_given_in_base_mode_says_it_is_for_operate_mode(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"(?s)'storage_cap' is a decision variable.*operate"):
        Model.from_yaml(write_model(tmp_path, dispatch_model("1h", "2h", mode="base")))


def test_windows_are_updated_under_the_semantics_of_the_build(tmp_path: Path) -> None:
    # the linked program maps a window's new inputs to right-hand sides by evaluating the
    # constraints over stand-in variables; evaluated under linopy's legacy semantics (not the
    # build's), an absent slot was filled with 0 and linopy warned about it
    from linopy.config import LinopySemanticsWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = solved(tmp_path, dispatch_model("1h", "2h"))
    assert model.solve_result is not None
    assert model.solve_result.objective == pytest.approx(100)
    assert not [w for w in caught if issubclass(w.category, LinopySemanticsWarning)]
