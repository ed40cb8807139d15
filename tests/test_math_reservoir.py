"""A reservoir that spills, and its minimum release (esmflow/math/reservoir.yaml).

Components: `storage_spilled` with the changed `balance_supply_with_storage`, and
`storage_outflow_min` (`outflow_min_relative`).

The reservoir: a supply tech with a store of 10 kWh and turbines of 10 kW (both fixed), fed
by an inflow it must take (`source_use_equals`), cyclic; a peaker at 10 per kWh.
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

from esmflow.errors import ModelError, ModelWarning


def reservoir(inflow: dict, **params) -> dict:
    return supply(
        source_use_equals=inflow,
        include_storage=True,
        flow_cap_min=10,
        flow_cap_max=10,
        storage_cap_min=10,
        storage_cap_max=10,
        **params,
    )


def test_a_full_reservoir_spills_what_it_cannot_use(tmp_path):
    # Inflow 10, 10; demand 2, 2. Without spill the 20 kWh have nowhere to go but the
    # turbines, which only 4 kWh of demand take: no solution. With spill: 16 spilled, 0.
    techs = {"hydro": reservoir(timeseries(10, 10)), "load": demand("power", 2, 2)}
    with pytest.raises(ModelError, match=r"infeasible"):
        solve_model(tmp_path / "no_spill", model_definition(techs))
    techs["hydro"]["spill"] = True
    model = solve_model(tmp_path / "spill", model_definition(techs))
    assert objective(model) == pytest.approx(0)
    assert sum(values(model, "storage_spilled", techs="hydro")) == pytest.approx(16)


@pytest.mark.parametrize(
    ("switches", "expected"),
    [
        # Inflow 10, 0; demand 0, 10. Kept, the whole inflow serves step 1: 0. With a minimum
        # release of 30 % of 10 kW, 3 kWh must leave in step 0 (spilled, no demand): 7 kept,
        # the peaker 3: 30.
        ({}, 30),
        ({"storage_outflow_min": False}, 0),
        ({"MinStorageOutflowConstraint": False}, 0),
    ],
)
def test_a_minimum_release_spills_water_the_plant_would_keep(tmp_path, switches, expected):
    hydro = reservoir(timeseries(10, 0), spill=True, outflow_min_relative=0.3, switches=switches)
    techs = {"hydro": hydro, "peaker": supply(cost_per_unit=10), "load": demand("power", 0, 10)}
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(expected)
    if not switches:
        assert values(model, "storage_spilled", techs="hydro") == pytest.approx([3, 0])


def test_a_minimum_release_without_spill_warns_and_holds_for_the_turbines(tmp_path):
    # Macro's min_outflow_fraction, on a reservoir that cannot spill: the turbines release at
    # least 3 kWh in every step. Demand 1, 10, a dump at 1 per kWh: step 0 releases 3 (2 to the
    # dump), step 1 the 7 kept, the peaker 3: 2 + 30 = 32. Without the minimum: 1, then 9 and
    # the peaker 1: 10.
    hydro = reservoir(timeseries(10, 0), min_outflow_fraction=0.3)
    techs = {
        "hydro": hydro,
        "peaker": supply(cost_per_unit=10),
        "dump": {"base_tech": "demand", "carrier_in": "power", "cost_flow_in": per_cost(1)},
        "load": demand("power", 1, 10),
    }
    with pytest.warns(ModelWarning, match=r"outflow_min_relative.*cannot spill"):
        model = solve_model(tmp_path / "minimum", model_definition(techs))
    assert objective(model) == pytest.approx(32)
    assert values(model, "flow_out", techs="hydro", carriers="power") == pytest.approx([3, 7])
    techs["hydro"]["switches"] = {"storage_outflow_min": False}
    with pytest.warns(ModelWarning):
        assert objective(solve_model(tmp_path / "off", model_definition(techs))) == pytest.approx(
            10
        )
