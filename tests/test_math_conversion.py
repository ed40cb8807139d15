"""Conversion techs: one carrier in, one or several out (`balance_conversion`).

Components: `balance_conversion`, `flow_out_inc_eff`, `flow_in_inc_eff`, `flow_in_max`,
`cost_investment_flow_cap` (per carrier), `balance_storage` for a conversion tech with a store.
"""

from __future__ import annotations

import pytest
from math_models import (
    COST_ONE_PER_UNIT,
    demand,
    model_definition,
    objective,
    per_carrier_cost,
    per_cost,
    solve_model,
    supply,
    timeseries,
    value,
    values,
)


def test_single_carrier_conversion(tmp_path):
    # boiler: gas → heat at 80 %. Heat demand [4, 8] needs gas [5, 10] at 1 each → 15.
    # Heat capacity costs 1/kW (cost only on the heat carrier) and must be 8 → objective 23.
    # Its gas-side capacity must cover the inflow: flow_cap[gas] ≥ 10 (free).
    techs = {
        "gas_supply": supply("gas", cost_per_unit=1),
        "boiler": {
            "base_tech": "conversion",
            "carrier_in": "gas",
            "carrier_out": "heat",
            "flow_out_eff": 0.8,
            "cost_flow_cap": per_carrier_cost(COST_ONE_PER_UNIT[2], "heat"),
            "cost_depreciation_rate": 1,
        },
        "heat_demand": demand("heat", 4, 8),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(23)
    assert value(model, "flow_cap", techs="boiler", carriers="heat") == pytest.approx(8)
    assert value(model, "flow_cap", techs="boiler", carriers="gas") >= 10 - 1e-6
    assert values(model, "flow_in", techs="boiler", carriers="gas") == pytest.approx([5, 10])


def test_conversion_with_two_outputs_shares_its_input(tmp_path):
    # chp: gas → electricity (eff 0.4) and heat (eff 0.5). Base math only ties the sum:
    # elec/0.4 + heat/0.5 = gas. Demands elec [2, 2], heat [1, 1] → gas 5 + 2 = 7 per step → 14.
    techs = {
        "gas_supply": supply("gas", cost_per_unit=1),
        "chp": {
            "base_tech": "conversion",
            "carrier_in": "gas",
            "carrier_out": ["electricity", "heat"],
            "flow_out_eff": {
                "data": [0.4, 0.5],
                "index": ["electricity", "heat"],
                "dims": ["carriers"],
            },
        },
        "elec_demand": demand("electricity", 2, 2),
        "heat_demand": demand("heat", 1, 1),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(14)
    assert values(model, "flow_in", techs="chp", carriers="gas") == pytest.approx([7, 7])
    assert values(model, "flow_out_inc_eff", techs="chp", carriers="electricity") == pytest.approx(
        [5, 5]
    )


def test_conversion_with_include_storage_buffers_in_time(tmp_path):
    # A heat tank modelled as a conversion tech with a store (electric heater + tank): electricity
    # is cheap at step 0 (1) and dear at step 1 (10), heat is needed [0, 3] (step 0 is 0).
    # With `include_storage` the conversion balance is replaced by the storage balance, so all
    # 3 units are bought at step 0 → 3 (+ tank 1 per unit of storage_cap = 3) = 6.
    techs = {
        "grid": supply("electricity", cost_source_use=timeseries_cost(1, 10)),
        "heater": {
            "base_tech": "conversion",
            "carrier_in": "electricity",
            "carrier_out": "heat",
            "include_storage": True,
            "cost_storage_cap": per_cost(COST_ONE_PER_UNIT[2]),
            "cost_depreciation_rate": 1,
        },
        "heat_demand": demand("heat", 0, 3),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(6)
    assert value(model, "storage_cap", techs="heater") == pytest.approx(3)
    assert values(model, "flow_in", techs="heater", carriers="electricity") == pytest.approx([3, 0])


def timeseries_cost(*values: float) -> dict:
    """A monetary cost that changes per timestep."""
    series = timeseries(*values)
    return {
        "data": series["data"],
        "index": [["monetary", step] for step in series["index"]],
        "dims": ["costs", "timesteps"],
    }
