"""Must-run and shared link capacity (esmflow/math/flow_limits.yaml), each on and switched off.

Components: `flow_out_must_run` (`must_run`), `flow_capacity_bidirectional`
(`flow_cap_bidirectional`).
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

from esmflow.errors import ModelError


def dump(cost: float) -> dict:
    return {"base_tech": "demand", "carrier_in": "power", "cost_flow_in": per_cost(cost)}


@pytest.mark.parametrize(
    ("switches", "expected", "gas_out"),
    [
        # Gas 10 kW (1 per kWh) must run at its available capacity (availability 1, 0.4):
        # 10 and 4. Demand 5, 5: step 0 dumps 5 (at 2), step 1 the peaker adds 1 (at 10).
        # 10 + 10 + 4 + 10 = 34.
        ({}, 34, [10, 4]),
        # free to follow demand: 5, then 4 (its availability) and the peaker 1: 5 + 4 + 10
        ({"flow_out_must_run": False}, 19, [5, 4]),
        ({"MustRunConstraint": False}, 19, [5, 4]),
    ],
)
def test_must_run_puts_out_the_available_capacity(tmp_path, switches, expected, gas_out):
    gas = supply(
        cost_per_unit=1,
        flow_cap_min=10,
        flow_cap_max=10,
        availability=timeseries(1, 0.4),
        must_run=True,
        switches=switches,
    )
    techs = {
        "gas": gas,
        "peaker": supply(cost_per_unit=10),
        "dump": dump(2),
        "load": demand("power", 5, 5),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(expected)
    assert values(model, "flow_out", techs="gas", carriers="power") == pytest.approx(gas_out)


def burning_link(**link_params) -> dict:
    """A must-take source of 10 kWh per step at A, a dump at 5 per kWh there, nothing at B.

    The link A–B (10 kW at each end, 50 % efficient) can burn energy by carrying it both
    ways at once. With x sent from A and y from B (y also delivered at B, which has nothing
    else): A delivers (x - y) / 2 back to A and dumps 10 - (x + y) / 2.
    Separate directions (Calliope): x = y = 10 burns everything, dump 0: objective 0.
    Shared capacity: at A x + (x - y) / 2 ≤ 10, at B 2y ≤ 10; the dump falls as x + y grows:
    y = 5, x = 25/3, dump 10/3 per step: 2 × 5 × 10/3 = 100/3.
    """
    link = {
        "base_tech": "transmission",
        "carrier_in": "power",
        "carrier_out": "power",
        "link_from": "A",
        "link_to": "B",
        "flow_out_eff": 0.5,
        "flow_cap_max": 10,
        "flow_cap_min": 10,
        **link_params,
    }
    techs = {
        "source": supply(source_use_equals=timeseries(10, 10)),
        "dump": dump(5),
        "link": link,
    }
    nodes = {"A": {"techs": {"source": None, "dump": None}}, "B": {"techs": {}}}
    return model_definition(techs, nodes)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 0),
        ({"flow_cap_bidirectional": True}, 100 / 3),
        ({"flow_cap_bidirectional": True, "switches": {"flow_capacity_bidirectional": False}}, 0),
    ],
)
def test_a_shared_link_capacity_limits_flows_both_ways_at_once(tmp_path, params, expected):
    assert objective(solve_model(tmp_path, burning_link(**params))) == pytest.approx(expected)


def test_must_run_is_not_for_links(tmp_path):
    with pytest.raises(ModelError, match=r"`must_run` does not apply to transmission"):
        solve_model(tmp_path, burning_link(must_run=True))
