"""Macro's storage limits (esmflow/math/storage_limits.yaml), each on and switched off.

Components: `storage_level_max` (`storage_level_max_relative`), `storage_charge_max`
(`flow_in_cap_ratio`, with base math's `flow_in_max` left out for it),
`storage_discharge_max` (`storage_discharge_limit`), `storage_flow_symmetric_max`
(`storage_symmetric_flow`); and the Macro names of base math's storage components.

Shifting model (`shifting`): free solar of up to 10 kW in step 0 only, demand 10 kWh in step 1,
a peaker at 10 per kWh; a battery of 10 kWh and 10 kW (both fixed), cyclic. Without limits the
battery moves all 10 kWh: objective 0.
Burning model (`burning`): a must-take source of 10 kWh per step with nowhere to go but a dump
at 5 per kWh; a battery without storage capacity that charges at 50 % efficiency and
discharges at 100 %: charging x and discharging x/2 in the same step destroys x/2. Flow
capacity 10: it burns 5 per step, leaving 5 for the dump: 2 × 25 = 50.
"""

from __future__ import annotations

import pytest
from math_models import (
    demand,
    model_definition,
    objective,
    per_cost,
    solve_model,
    supply,
    timeseries,
    values,
)


def battery(**params) -> dict:
    return {
        "base_tech": "storage",
        "carrier_in": "power",
        "carrier_out": "power",
        "flow_cap_max": 10,
        "flow_cap_min": 10,
        "storage_cap_max": 10,
        "storage_cap_min": 10,
        **params,
    }


def shifting(**battery_params) -> dict:
    techs = {
        "solar": supply(source_use_max=timeseries(10, 0)),
        "peaker": supply(cost_per_unit=10),
        "battery": battery(**battery_params),
        "load": demand("power", 0, 10),
    }
    return model_definition(techs)


def burning(**battery_params) -> dict:
    params = {"flow_in_eff": 0.5, "storage_cap_max": 0, "storage_cap_min": 0, **battery_params}
    techs = {
        "source": supply(source_use_equals=timeseries(10, 10)),
        "battery": battery(**params),
        "dump": {"base_tech": "demand", "carrier_in": "power", "cost_flow_in": per_cost(5)},
    }
    return model_definition(techs)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # filled to 60 % of 10 kWh at most: 6 moved, the peaker 4: 40
        ({"storage_level_max_relative": 0.6}, 40),
        ({"storage_level_max_relative": 0.6, "switches": {"storage_level_max": False}}, 0),
        (
            {"storage_level_max_relative": 0.6, "switches": {"MaxStorageLevelConstraint": False}},
            0,
        ),
        # Macro's name for it; as a time series: 100 % when it is filled, 60 % when emptied
        ({"max_storage_level": timeseries(1, 0.6)}, 0),
        # charging at most 0.3 × 10 kW: 3 moved, the peaker 7: 70
        ({"flow_in_cap_ratio": 0.3}, 70),
        ({"storage_charge_discharge_ratio": 0.3}, 70),  # Macro's name for the ratio
        ({"flow_in_cap_ratio": 0.3, "switches": {"storage_charge_max": False}}, 0),
        # base math's limits, by their Macro names: no storage capacity limit and no capacity
        # limit on the flows does not change this optimum; no balance frees the battery of its
        # store: it delivers 10 from nothing
        ({"switches": {"StorageCapacityConstraint": False}}, 0),
        # a minimum level of 30 % (Macro's min_storage_level): 7 kWh movable, the peaker 3: 30
        ({"min_storage_level": 0.3}, 30),
        ({"min_storage_level": 0.3, "switches": {"MinStorageLevelConstraint": False}}, 0),
        ({"storage_level_max_relative": 0.6, "switches": {"BalanceConstraint": False}}, 0),
    ],
)
def test_storage_limits_on_a_battery_that_shifts_solar(tmp_path, params, expected):
    model = solve_model(tmp_path, shifting(**params))
    assert objective(model) == pytest.approx(expected)


def test_a_charge_ratio_above_one_charges_faster_than_the_battery_discharges(tmp_path):
    # 4 kW battery of 10 kWh, charging at 2.5 × 4 = 10 kW. Solar 10 in step 0, demand 0, 4, 4,
    # 2: charged 10 at once, discharged 4, 4, 2: 0. Without the ratio it charges 4 (flow_in_max)
    # and the peaker covers 6: 60.
    def model(**params):
        techs = {
            "solar": supply(source_use_max=timeseries(10, 0, 0, 0)),
            "peaker": supply(cost_per_unit=10),
            "battery": battery(flow_cap_max=4, flow_cap_min=4, **params),
            "load": demand("power", 0, 4, 4, 2),
        }
        return model_definition(techs)

    fast = solve_model(tmp_path / "ratio", model(flow_in_cap_ratio=2.5))
    assert objective(fast) == pytest.approx(0)
    assert values(fast, "flow_in", techs="battery", carriers="power")[0] == pytest.approx(10)
    assert objective(solve_model(tmp_path / "plain", model())) == pytest.approx(60)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 50),
        # nothing held before a step, so nothing discharged: no burning, all 20 dumped
        ({"storage_discharge_limit": True}, 100),
        ({"storage_discharge_limit": True, "switches": {"storage_discharge_max": False}}, 50),
        (
            {
                "storage_discharge_limit": True,
                "switches": {"StorageDischargeLimitConstraint": False},
            },
            50,
        ),
        # charge + discharge ≤ 10: x + x/2 ≤ 10, x = 20/3 burns 10/3 per step: 2 × 5 × 20/3
        ({"storage_symmetric_flow": True}, 200 / 3),
        ({"storage_symmetric_flow": True, "switches": {"storage_flow_symmetric_max": False}}, 50),
        (
            {
                "storage_symmetric_flow": True,
                "switches": {"StorageSymmetricCapacityConstraint": False},
            },
            50,
        ),
    ],
)
def test_limits_that_keep_a_battery_from_burning_energy(tmp_path, params, expected):
    model = solve_model(tmp_path, burning(**params))
    assert objective(model) == pytest.approx(expected)


def test_the_discharge_limit_holds_back_what_was_charged_in_the_same_step(tmp_path):
    # Shifting, but the demand comes in step 0 together with the solar: the battery cannot
    # pass solar through itself within the step, which changes nothing here; and with a
    # level of 10 carried into step 1 it may discharge it there. Objective 0 both ways.
    model = solve_model(tmp_path, shifting(storage_discharge_limit=True))
    assert objective(model) == pytest.approx(0)
    assert values(model, "flow_out", techs="battery", carriers="power") == pytest.approx([0, 10])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # Macro's durations (hours at full discharge power) are 1 / `flow_cap_per_storage_cap`.
        # Battery of 10 kW with free storage capacity at 1 per kWh (annualised), solar 10 kWh in
        # step 0, demand 10 in step 1. Cheapest: a 10 kWh store (10).
        ({}, 10),
        # at most 0.5 h of storage per kW: 5 kWh, the peaker 5: 5 + 50
        ({"storage_max_duration": 0.5}, 55),
        ({"flow_cap_per_storage_cap_min": 2}, 55),
        # at least 2 h per kW: a 20 kWh store: 20
        ({"storage_min_duration": 2}, 20),
        ({"storage_min_duration": 2, "switches": {"StorageMinDurationConstraint": False}}, 10),
        # a minimum duration alone applies (Macro tests its maximum before building it)
        ({"storage_duration_min": 2}, 20),
    ],
)
def test_durations(tmp_path, params, expected):
    store = battery(**params)
    del store["storage_cap_max"], store["storage_cap_min"]
    store["cost_storage_cap"] = per_cost(8760 / 2)
    store["cost_depreciation_rate"] = 1
    techs = {
        "solar": supply(source_use_max=timeseries(10, 0)),
        "peaker": supply(cost_per_unit=10),
        "battery": store,
        "load": demand("power", 0, 10),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(expected)
