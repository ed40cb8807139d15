"""Transmission: a link tech present at its two end nodes.

Components: `balance_transmission`, `symmetric_transmission`, `flow_out_inc_eff` and
`flow_in_inc_eff` with per-distance efficiency, `cost_investment_flow_cap` (half per end, cost per
distance), one-way links in `flow_out`/`flow_in`.
Models: gas at node A, demand at node B, one link A–B.
"""

from __future__ import annotations

import pytest
from math_models import (
    COST_ONE_PER_UNIT,
    demand,
    model_definition,
    objective,
    per_cost,
    solve_model,
    supply,
    value,
    values,
)


def link(**params) -> dict:
    """A power link from A to B."""
    return {
        "base_tech": "transmission",
        "carrier_in": "power",
        "carrier_out": "power",
        "link_from": "A",
        "link_to": "B",
        **params,
    }


def two_nodes(techs: dict, at_a: list[str], at_b: list[str]) -> dict:
    nodes = {
        "A": {"techs": {name: None for name in at_a}},
        "B": {"techs": {name: None for name in at_b}},
    }
    return model_definition(techs, nodes)


def test_link_with_efficiency_and_capacity_cost(tmp_path):
    # The link delivers 80 %: demand 4 at B takes 5 from A each step → gas 10 (1 per unit).
    # Flow cap: 5 at A (inflow) and so 5 at B too (symmetric); 1/kW over both ends, each paying
    # half: 2 × 0.5 × 5 = 5. Objective 15.
    techs = {
        "gas": supply(cost_per_unit=1),
        "load": demand("power", 4, 4),
        "a_to_b": link(
            flow_out_eff=0.8,
            cost_flow_cap=per_cost(COST_ONE_PER_UNIT[2]),
            cost_depreciation_rate=1,
        ),
    }
    model = solve_model(tmp_path, two_nodes(techs, ["gas"], ["load"]))
    assert objective(model) == pytest.approx(15)
    assert value(model, "flow_cap", nodes="A", techs="a_to_b", carriers="power") == pytest.approx(5)
    assert value(model, "flow_cap", nodes="B", techs="a_to_b", carriers="power") == pytest.approx(5)
    assert values(model, "flow_in", nodes="A", techs="a_to_b", carriers="power") == pytest.approx(
        [5, 5]
    )
    assert values(model, "flow_out", nodes="B", techs="a_to_b", carriers="power") == pytest.approx(
        [4, 4]
    )


def test_per_distance_efficiency_and_cost(tmp_path):
    # distance 10, flow_out_eff_per_distance 0.99 → the link delivers 0.99^10 = 0.904382.
    # Demand 4 at B needs x = 4 / 0.99^10 = 4.42290 from A per step → gas 2x.
    # cost_flow_cap_per_distance 438 × 10 km = 4380 per kW = 1/kW over 2 h, half at each end
    # of a symmetric capacity x → x. Objective 3x = 13.26871.
    efficiency = 0.99**10
    x = 4 / efficiency
    techs = {
        "gas": supply(cost_per_unit=1),
        "load": demand("power", 4, 4),
        "a_to_b": link(
            distance=10,
            flow_out_eff_per_distance=0.99,
            cost_flow_cap_per_distance=per_cost(438),
            cost_depreciation_rate=1,
        ),
    }
    model = solve_model(tmp_path, two_nodes(techs, ["gas"], ["load"]))
    assert objective(model) == pytest.approx(3 * x)
    assert value(model, "flow_cap", nodes="A", techs="a_to_b", carriers="power") == pytest.approx(x)
    # each end pays half of capacity × cost per km × km
    for node in "AB":
        assert value(
            model,
            "cost_investment_flow_cap",
            nodes=node,
            techs="a_to_b",
            carriers="power",
            costs="monetary",
        ) == pytest.approx(0.5 * 438 * 10 * x)


@pytest.mark.parametrize(("one_way", "expected_cost"), [(False, 2), (True, 20)])
def test_one_way_link_only_sends_from_link_from(tmp_path, one_way, expected_cost):
    # Cheap gas (1) at B, dear gas (10) at A, demand [1, 1] at A, a link from A to B.
    # Two-way, B supplies A → 2. One-way (A → B only), A must use its own gas → 20.
    techs = {
        "gas_a": supply(cost_per_unit=10),
        "gas_b": supply(cost_per_unit=1),
        "load": demand("power", 1, 1),
        "a_to_b": link(one_way=one_way),
    }
    model = solve_model(tmp_path, two_nodes(techs, ["gas_a", "load"], ["gas_b"]))
    assert objective(model) == pytest.approx(expected_cost)
    # net import at A through the link (lossless, so only the net flow is unique)
    flow_out_at_a = values(model, "flow_out", nodes="A", techs="a_to_b", carriers="power")
    flow_in_at_a = values(model, "flow_in", nodes="A", techs="a_to_b", carriers="power")
    net_import = [out - into for out, into in zip(flow_out_at_a, flow_in_at_a, strict=True)]
    assert net_import == pytest.approx([0, 0] if one_way else [1, 1])
    if one_way:  # the link has no outflow variable at its `link_from` node
        assert model.results["flow_out"].sel(nodes="A", techs="a_to_b").isnull().all()
