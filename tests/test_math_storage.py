"""Storage: level balance, losses over a timestep's length, cyclic and non-cyclic horizons,
initial level, discharge depth, duration (flow per storage capacity) limits, and a supply tech
with a store (`include_storage`).

Components: `storage`, `storage_cap`, `balance_storage`, `storage_max`,
`storage_discharge_depth_limit`, `set_storage_initial`, `flow_capacity_per_storage_capacity_min`,
`flow_capacity_per_storage_capacity_max`, `balance_supply_with_storage`,
`cost_investment_storage_cap`.
"""

from __future__ import annotations

import pytest
from math_models import (
    COST_ONE_PER_UNIT,
    TIMESTEPS,
    demand,
    model_definition,
    objective,
    per_cost,
    solve_model,
    supply,
    timeseries,
    value,
    values,
)


def battery(**params) -> dict:
    """A lossless battery on `power` with free capacity unless `params` say otherwise."""
    return {"base_tech": "storage", "carrier_in": "power", "carrier_out": "power", **params}


def test_storage_moves_energy_in_time(tmp_path):
    # Solar is free but only at step 0 (6 units); gas costs 10; demand [2, 2, 2].
    # The battery (storage 1 per kWh over the 3 h) takes 4 at step 0, gives 2 and 2.
    # Cyclic: S0 = S2 + 4, S1 = S0 - 2, S2 = S1 - 2 → S2 = 0 is cheapest, storage_cap = 4.
    techs = {
        "solar": supply(source_use_max=timeseries(6, 0, 0)),
        "gas": supply(cost_per_unit=10),
        "battery": battery(
            cost_storage_cap=per_cost(COST_ONE_PER_UNIT[3]), cost_depreciation_rate=1
        ),
        "load": demand("power", 2, 2, 2),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(4)
    assert value(model, "storage_cap", techs="battery") == pytest.approx(4)
    assert values(model, "storage", techs="battery") == pytest.approx([4, 2, 0])
    assert value(model, "cost_investment_storage_cap", techs="battery", costs="monetary") == (
        pytest.approx(4 * COST_ONE_PER_UNIT[3])
    )


def test_storage_loss_decays_over_the_previous_timestep_length(tmp_path):
    # Two 2-hour steps. Loss 5 %/h, so a step keeps 0.95² = 0.9025. Non-cyclic, empty at start.
    # Demand 0 then 1.805; the only supply (1 per unit) runs at step 0 only.
    # S0 = charge, S1 = 0.9025·S0 - 1.805 ≥ 0 → charge 2 → objective 2.
    steps = [TIMESTEPS[0], TIMESTEPS[2]]
    techs = {
        "solar": supply(cost_per_unit=1, source_use_max=timeseries(10, 0, timesteps=steps)),
        "battery": battery(storage_loss=0.05, cyclic_storage=False),
        "load": {
            "base_tech": "demand",
            "carrier_in": "power",
            "sink_use_equals": timeseries(0, 1.805, timesteps=steps),
        },
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(2)
    assert values(model, "storage", techs="battery") == pytest.approx([2, 0])
    assert values(model, "flow_in", techs="battery", carriers="power") == pytest.approx([2, 0])


@pytest.mark.parametrize(
    ("cyclic", "expected_cost"),
    [
        # non-cyclic: the battery starts half full (0.5 × 4 = 2 kWh) and meets demand 2 for free
        (False, 0),
        # cyclic: the level after the last step must again be 0.5 × storage_cap: no free energy,
        # gas (10 per unit) meets demand 2 → 20
        (True, 20),
    ],
)
def test_storage_initial_cyclic_and_non_cyclic(tmp_path, cyclic, expected_cost):
    techs = {
        "gas": supply(cost_per_unit=10),
        "battery": battery(storage_cap_max=4, storage_initial=0.5, cyclic_storage=cyclic),
        "load": demand("power", 1, 1),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(expected_cost)
    storage = values(model, "storage", techs="battery")
    storage_cap = value(model, "storage_cap", techs="battery")
    if cyclic:  # set_storage_initial: end level (no loss) = storage_initial × storage_cap
        assert storage[-1] == pytest.approx(0.5 * storage_cap)
    else:  # 2 kWh at start, delivered over the two steps
        assert storage_cap == pytest.approx(4)
        assert storage == pytest.approx([1, 0])


def test_storage_discharge_depth_keeps_a_reserve(tmp_path):
    # Non-cyclic battery of fixed size 4, full at start; at most 75 % may be used (depth 0.25),
    # so it delivers 3 of demand [2, 2] and gas (10 per unit) the last unit → 10.
    techs = {
        "gas": supply(cost_per_unit=10),
        "battery": battery(
            storage_cap_min=4,
            storage_cap_max=4,
            storage_initial=1,
            cyclic_storage=False,
            storage_discharge_depth=0.25,
        ),
        "load": demand("power", 2, 2),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(10)
    assert values(model, "storage", techs="battery")[-1] == pytest.approx(1)


def test_flow_cap_per_storage_cap_max_sets_a_minimum_duration(tmp_path):
    # Free solar only at step 0; demand [0, 4]: the battery charges 4 and discharges 4 in an hour,
    # so flow_cap ≥ 4. Ratio max 0.5/h → storage_cap ≥ 8 (instead of 4), 1 per kWh → 8.
    techs = {
        "solar": supply(source_use_max=timeseries(10, 0)),
        "battery": battery(
            flow_cap_per_storage_cap_max=0.5,
            cost_storage_cap=per_cost(COST_ONE_PER_UNIT[2]),
            cost_depreciation_rate=1,
        ),
        "load": demand("power", 0, 4),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(8)
    assert value(model, "storage_cap", techs="battery") == pytest.approx(8)


def test_flow_cap_per_storage_cap_min_sets_a_maximum_duration(tmp_path):
    # Free solar 4 per step at steps 0–1; demand [0, 0, 4, 4]: the battery stores 8 kWh with
    # 4 kW of flow. Flow capacity costs 1/kW; ratio min 1/h → flow_cap ≥ storage_cap = 8 → 8.
    techs = {
        "solar": supply(source_use_max=timeseries(4, 4, 0, 0)),
        "battery": battery(
            flow_cap_per_storage_cap_min=1,
            cost_flow_cap=per_cost(COST_ONE_PER_UNIT[4]),
            cost_depreciation_rate=1,
        ),
        "load": demand("power", 0, 0, 4, 4),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(8)
    assert value(model, "flow_cap", techs="battery", carriers="power") == pytest.approx(8)
    assert value(model, "storage_cap", techs="battery") == pytest.approx(8)


def test_supply_with_include_storage_buffers_its_source(tmp_path):
    # CSP-like: sun [4, 0], a heat store costing 1 per kWh; demand [2, 2]; gas costs 10.
    # Cyclic: S0 = S1 + 4 - 2, S1 = S0 - 2 → storage_cap = 2 (S1 = 0) → objective 2.
    techs = {
        "csp": supply(
            source_use_max=timeseries(4, 0),
            include_storage=True,
            cost_storage_cap=per_cost(COST_ONE_PER_UNIT[2]),
            cost_depreciation_rate=1,
        ),
        "gas": supply(cost_per_unit=10),
        "load": demand("power", 2, 2),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(2)
    assert value(model, "storage_cap", techs="csp") == pytest.approx(2)
    assert values(model, "source_use", techs="csp") == pytest.approx([4, 0])
    assert values(model, "storage", techs="csp") == pytest.approx([2, 0])
