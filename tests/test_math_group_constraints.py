"""Group constraints (Calliope 0.6's `group_constraints`): every constraint in its min, max and
equals forms on a tiny model whose optimum is worked out by hand, the share constraints holding
exactly at the optimum, the `techs`/`nodes` defaults, two groups at once, conflicting groups.

Components: every constraint and global expression of group_constraints.yaml (the last test
checks that the table below builds each of them) and the variable
`demand_share_per_timestep_decision`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from math_models import (
    COST_ONE_PER_UNIT,
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

import esmflow
from esmflow.errors import ModelError

ONE = COST_ONE_PER_UNIT[2]  # a capacity cost of 1 per unit over the two hourly steps
GROUP_MATH = Path(esmflow.__file__).parent / "math" / "group_constraints.yaml"


def supplies() -> dict[str, Any]:
    """One node: `cheap` (1 per unit), `clean` (3 per unit), demand 4 then 6.

    Without groups: all from cheap → 10."""
    return model_definition(
        {
            "cheap": supply(cost_per_unit=1),
            "clean": supply(cost_per_unit=3),
            "load": demand("power", 4, 6),
        }
    )


def with_caps() -> dict[str, Any]:
    """As `supplies`, with capacity costs: cheap 1 per unit of capacity, clean 2.

    Without groups: cheap capacity 6, all from cheap → 10 + 6 = 16."""
    definition = supplies()
    for tech, cost in (("cheap", 1), ("clean", 2)):
        definition["techs"][tech].update(
            cost_flow_cap=per_cost(cost * ONE), cost_depreciation_rate=1
        )
    return definition


def with_co2() -> dict[str, Any]:
    """As `supplies`; cheap also emits 1 co2 per unit and its capacity 1 co2 (and costs 1 per
    unit of capacity). co2 does not enter the objective.

    Without groups: cheap 10 + capacity 6 → 16; its co2: 10 + 6."""
    definition = supplies()
    definition["techs"]["cheap"].update(
        cost_source_use={"data": [1, 1], "index": ["monetary", "co2"], "dims": "costs"},
        cost_flow_cap={"data": [ONE, ONE], "index": ["monetary", "co2"], "dims": "costs"},
        cost_depreciation_rate=1,
    )
    definition["data_definitions"] = {
        "objective_cost_weights": {"data": [1, 0], "index": ["monetary", "co2"], "dims": "costs"}
    }
    return definition


def with_import(far_cost: float) -> dict[str, Any]:
    """Node B: `near` supply (3 per unit), demand 4 then 6; node A: `far` supply (`far_cost`),
    sent to B over a lossless link."""
    techs = {
        "far": supply(cost_per_unit=far_cost),
        "near": supply(cost_per_unit=3),
        "load": demand("power", 4, 6),
        "link": {
            "base_tech": "transmission",
            "carrier_in": "power",
            "carrier_out": "power",
            "link_from": "A",
            "link_to": "B",
        },
    }
    nodes = {"A": {"techs": {"far": None}}, "B": {"techs": {"near": None, "load": None}}}
    return model_definition(techs, nodes)


def with_heat(power_cost: float) -> dict[str, Any]:
    """Heat demand 2 + 2 from a `boiler` (3 per unit of heat) or a `heater` (power → heat,
    lossless) fed by `grid` power at `power_cost` per unit."""
    return model_definition(
        {
            "boiler": supply("heat", cost_per_unit=3),
            "grid": supply("power", cost_per_unit=power_cost),
            "heater": {"base_tech": "conversion", "carrier_in": "power", "carrier_out": "heat"},
            "load": demand("heat", 2, 2),
        }
    )


def with_storage() -> dict[str, Any]:
    """`cheap` (1 per unit) can supply only in step 1, a `peaker` (5) any time; demand 0 then 6;
    a lossless battery costs 1 per unit of storage capacity.

    Without groups: store 6 → cheap 6 + storage 6 = 12."""
    return model_definition(
        {
            "cheap": supply(cost_per_unit=1, source_use_max=timeseries(10, 0)),
            "peaker": supply(cost_per_unit=5),
            "battery": {
                "base_tech": "storage",
                "carrier_in": "power",
                "carrier_out": "power",
                "cost_storage_cap": per_cost(ONE),
                "cost_depreciation_rate": 1,
            },
            "load": demand("power", 0, 6),
        }
    )


def with_area() -> dict[str, Any]:
    """`solar` gives 1 per unit of area per step (area costs 1 per unit), `gas` 2 per unit;
    demand 4 then 6. Without groups: area 6, all solar → 6."""
    return model_definition(
        {
            "solar": supply(
                source_unit="per_area",
                source_use_max=timeseries(1, 1),
                cost_area_use=per_cost(ONE),
                cost_depreciation_rate=1,
            ),
            "gas": supply(cost_per_unit=2),
            "load": demand("power", 4, 6),
        }
    )


# (id, model, groups, objective, {result name: (selection, value)}, share check)
# A share check (numerator, denominator, share) asserts the ratio of two group totals.
CASES: list[tuple[str, Any, dict[str, Any], float, dict[str, Any], tuple | None]] = [
    # demand_share: clean ≥ 5 → 5 + 15; cheap ≤ 3 → 3 + 21; clean = 4 → 6 + 12
    (
        "demand_share_min",
        supplies,
        {"techs": ["clean"], "demand_share_min": {"power": 0.5}},
        20,
        {},
        ("group_flow_out", "group_demand", 0.5),
    ),
    (
        "demand_share_max",
        supplies,
        {"techs": ["cheap"], "demand_share_max": {"power": 0.3}},
        24,
        {},
        ("group_flow_out", "group_demand", 0.3),
    ),
    (
        "demand_share_equals",
        supplies,
        {"techs": ["clean"], "demand_share_equals": {"power": 0.4}},
        18,
        {},
        ("group_flow_out", "group_demand", 0.4),
    ),
    # per timestep: the same, but in each step (clean 2 and 3; cheap 1.2 and 1.8; clean 1.6, 2.4)
    (
        "demand_share_per_timestep_min",
        supplies,
        {"techs": ["clean"], "demand_share_per_timestep_min": {"power": 0.5}},
        20,
        {"flow_out": ({"techs": "clean"}, [2, 3])},
        None,
    ),
    (
        "demand_share_per_timestep_max",
        supplies,
        {"techs": ["cheap"], "demand_share_per_timestep_max": {"power": 0.3}},
        24,
        {"flow_out": ({"techs": "cheap"}, [1.2, 1.8])},
        None,
    ),
    (
        "demand_share_per_timestep_equals",
        supplies,
        {"techs": ["clean"], "demand_share_per_timestep_equals": {"power": 0.4}},
        18,
        {"flow_out": ({"techs": "clean"}, [1.6, 2.4])},
        None,
    ),
    # flow_out_share: the same numbers, the denominator is all supply at the node
    (
        "flow_out_share_min",
        supplies,
        {"techs": ["clean"], "flow_out_share_min": {"power": 0.5}},
        20,
        {},
        ("group_flow_out", "group_flow_out_at_nodes", 0.5),
    ),
    (
        "flow_out_share_max",
        supplies,
        {"techs": ["cheap"], "flow_out_share_max": {"power": 0.3}},
        24,
        {},
        ("group_flow_out", "group_flow_out_at_nodes", 0.3),
    ),
    (
        "flow_out_share_equals",
        supplies,
        {"techs": ["clean"], "flow_out_share_equals": {"power": 0.4}},
        18,
        {},
        ("group_flow_out", "group_flow_out_at_nodes", 0.4),
    ),
    (
        "flow_out_share_per_timestep_min",
        supplies,
        {"techs": ["clean"], "flow_out_share_per_timestep_min": {"power": 0.5}},
        20,
        {"flow_out": ({"techs": "clean"}, [2, 3])},
        None,
    ),
    (
        "flow_out_share_per_timestep_max",
        supplies,
        {"techs": ["cheap"], "flow_out_share_per_timestep_max": {"power": 0.3}},
        24,
        {"flow_out": ({"techs": "cheap"}, [1.2, 1.8])},
        None,
    ),
    (
        "flow_out_share_per_timestep_equals",
        supplies,
        {"techs": ["clean"], "flow_out_share_per_timestep_equals": {"power": 0.4}},
        18,
        {"flow_out": ({"techs": "clean"}, [1.6, 2.4])},
        None,
    ),
    # net_import_share at B (techs left out: every link). Cheap import (1): ≤ 3 → 3 + 21;
    # = 4 → 4 + 18. Dear import (5): ≥ 5 → 25 + 15.
    (
        "net_import_share_max",
        lambda: with_import(1),
        {"nodes": ["B"], "net_import_share_max": {"power": 0.3}},
        24,
        {},
        ("group_net_import", "group_demand", 0.3),
    ),
    (
        "net_import_share_min",
        lambda: with_import(5),
        {"nodes": ["B"], "net_import_share_min": {"power": 0.5}},
        40,
        {},
        ("group_net_import", "group_demand", 0.5),
    ),
    (
        "net_import_share_equals",
        lambda: with_import(1),
        {"nodes": ["B"], "net_import_share_equals": {"power": 0.4}},
        22,
        {},
        ("group_net_import", "group_demand", 0.4),
    ),
    # flow_out: clean ≥ 7 → 3 + 21; cheap ≤ 2 → 2 + 24; clean = 3 → 7 + 9
    (
        "flow_out_min",
        supplies,
        {"techs": ["clean"], "flow_out_min": {"power": 7}},
        24,
        {"group_flow_out": ({"carriers": "power"}, 7)},
        None,
    ),
    (
        "flow_out_max",
        supplies,
        {"techs": ["cheap"], "flow_out_max": {"power": 2}},
        26,
        {"group_flow_out": ({"carriers": "power"}, 2)},
        None,
    ),
    (
        "flow_out_equals",
        supplies,
        {"techs": ["clean"], "flow_out_equals": {"power": 3}},
        16,
        {"group_flow_out": ({"carriers": "power"}, 3)},
        None,
    ),
    # flow_in of the heater. Power at 1: heater ≤ 1 → 1 + 3 × 3; = 2 → 2 + 2 × 3. Power at 5:
    # heater ≥ 3 → 15 + 3.
    (
        "flow_in_max",
        lambda: with_heat(1),
        {"techs": ["heater"], "flow_in_max": {"power": 1}},
        10,
        {"group_flow_in": ({"carriers": "power"}, 1)},
        None,
    ),
    (
        "flow_in_min",
        lambda: with_heat(5),
        {"techs": ["heater"], "flow_in_min": {"power": 3}},
        18,
        {"group_flow_in": ({"carriers": "power"}, 3)},
        None,
    ),
    (
        "flow_in_equals",
        lambda: with_heat(1),
        {"techs": ["heater"], "flow_in_equals": {"power": 2}},
        8,
        {"group_flow_in": ({"carriers": "power"}, 2)},
        None,
    ),
    # cost (techs left out: every tech). co2 = cheap units c + cheap capacity k, k ≥ c / 2;
    # objective 30 − 2c + k. co2 ≤ 4 → c = 8/3, k = 4/3 → 26. monetary ≥ 30 → 30 (e.g. all
    # clean). co2 = 3 → c = 2, k = 1 → 27.
    (
        "cost_max",
        with_co2,
        {"cost_max": {"co2": 4}},
        26,
        {"group_cost": ({"costs": "co2"}, 4)},
        None,
    ),
    (
        "cost_min",
        with_co2,
        {"cost_min": {"monetary": 30}},
        30,
        {"group_cost": ({"costs": "monetary"}, 30)},
        None,
    ),
    (
        "cost_equals",
        with_co2,
        {"cost_equals": {"co2": 3}},
        27,
        {"group_cost": ({"costs": "co2"}, 3)},
        None,
    ),
    # variable cost. co2 of cheap's use ≤ 4: cheap 2 + 2, capacity 2 → 4 + 2 + 18 = 24.
    # monetary variable cost ≥ 26 (all techs): c ≤ 2 → 26 + capacity 1 = 27.
    # co2 = 5: cheap 2.5 + 2.5, capacity 2.5 → 5 + 2.5 + 15 = 22.5.
    (
        "cost_operation_variable_max",
        with_co2,
        {"techs": ["cheap"], "cost_operation_variable_max": {"co2": 4}},
        24,
        {"group_cost_operation_variable": ({"costs": "co2"}, 4)},
        None,
    ),
    (
        "cost_operation_variable_min",
        with_co2,
        {"cost_operation_variable_min": {"monetary": 26}},
        27,
        {"group_cost_operation_variable": ({"costs": "monetary"}, 26)},
        None,
    ),
    (
        "cost_operation_variable_equals",
        with_co2,
        {"cost_operation_variable_equals": {"co2": 5}},
        22.5,
        {"group_cost_operation_variable": ({"costs": "co2"}, 5)},
        None,
    ),
    # investment co2 (= cheap's capacity). ≤ 3: cheap 3 + 3 → 6 + 3 + 12 = 21. ≥ 8: 10 + 8.
    # = 5: cheap 4 + 5 → 9 + 5 + 3 = 17.
    (
        "cost_investment_max",
        with_co2,
        {"cost_investment_max": {"co2": 3}},
        21,
        {"group_cost_investment": ({"costs": "co2"}, 3)},
        None,
    ),
    (
        "cost_investment_min",
        with_co2,
        {"cost_investment_min": {"co2": 8}},
        18,
        {"group_cost_investment": ({"costs": "co2"}, 8)},
        None,
    ),
    (
        "cost_investment_equals",
        with_co2,
        {"cost_investment_equals": {"co2": 5}},
        17,
        {"group_cost_investment": ({"costs": "co2"}, 5)},
        None,
    ),
    # capacity share. cheap ≤ half: both capacities x; x = 4 is best: 8 + 6 + 4 + 8 = 26.
    # clean ≥ a quarter: cheap 6, clean 2 (unused) → 10 + 6 + 4 = 20. clean = half → 26.
    (
        "flow_cap_share_max",
        with_caps,
        {"techs": ["cheap"], "flow_cap_share_max": 0.5},
        26,
        {},
        ("group_flow_cap_of_members", "group_flow_cap_at_nodes", 0.5),
    ),
    (
        "flow_cap_share_min",
        with_caps,
        {"techs": ["clean"], "flow_cap_share_min": 0.25},
        20,
        {},
        ("group_flow_cap_of_members", "group_flow_cap_at_nodes", 0.25),
    ),
    (
        "flow_cap_share_equals",
        with_caps,
        {"techs": ["clean"], "flow_cap_share_equals": 0.5},
        26,
        {},
        ("group_flow_cap_of_members", "group_flow_cap_at_nodes", 0.5),
    ),
    # capacity. cheap ≤ 3: 6 + 12 + 3 + 6 = 27. clean ≥ 8: 10 + 6 + 16 = 32.
    # cheap = 4: 8 + 6 + 4 + 4 = 22.
    (
        "flow_cap_max",
        with_caps,
        {"techs": ["cheap"], "flow_cap_max": 3},
        27,
        {"group_flow_cap": ({}, 3)},
        None,
    ),
    (
        "flow_cap_min",
        with_caps,
        {"techs": ["clean"], "flow_cap_min": 8},
        32,
        {"group_flow_cap": ({}, 8)},
        None,
    ),
    (
        "flow_cap_equals",
        with_caps,
        {"techs": ["cheap"], "flow_cap_equals": 4},
        22,
        {"group_flow_cap": ({}, 4)},
        None,
    ),
    # storage capacity (techs left out: every tech with a store). ≤ 2: 2 + 2 + 4 × 5 = 24;
    # ≥ 10: 6 + 10; = 4: 4 + 4 + 2 × 5 = 18.
    (
        "storage_cap_max",
        with_storage,
        {"storage_cap_max": 2},
        24,
        {"group_storage_cap": ({}, 2)},
        None,
    ),
    (
        "storage_cap_min",
        with_storage,
        {"storage_cap_min": 10},
        16,
        {"group_storage_cap": ({}, 10)},
        None,
    ),
    (
        "storage_cap_equals",
        with_storage,
        {"storage_cap_equals": 4},
        18,
        {"group_storage_cap": ({}, 4)},
        None,
    ),
    # area (techs left out: every supply tech). ≤ 3: 3 + 2 × 4 = 11; ≥ 8: 8; = 5: 5 + 2 × 1.
    ("area_use_max", with_area, {"area_use_max": 3}, 11, {"group_area_use": ({}, 3)}, None),
    ("area_use_min", with_area, {"area_use_min": 8}, 8, {"group_area_use": ({}, 8)}, None),
    ("area_use_equals", with_area, {"area_use_equals": 5}, 7, {"group_area_use": ({}, 5)}, None),
]


def _solve(tmp_path: Path, definition: dict[str, Any], groups: dict[str, Any]) -> esmflow.Model:
    return solve_model(tmp_path, {**definition, "group_constraints": groups})


@pytest.mark.parametrize(
    ("name", "model", "group", "expected", "results", "share"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_group_constraint(tmp_path, name, model, group, expected, results, share):
    solved = _solve(tmp_path, model(), {"g": group})
    assert objective(solved) == pytest.approx(expected)
    assert f"group_{name}" in solved.program.components
    for result, (selection, wanted) in results.items():
        if isinstance(wanted, list):
            got = values(solved, result, carriers="power", **selection)
            assert got == pytest.approx(wanted)
        else:
            got = value(solved, result, group_constraints="g", **selection)
            assert got == pytest.approx(wanted)
    if share is not None:
        numerator, denominator, ratio = share
        top = solved.results[numerator].sel(group_constraints="g")
        bottom = solved.results[denominator].sel(group_constraints="g")
        assert float(top.sum() / bottom.sum()) == pytest.approx(ratio, rel=1e-9)


def test_two_groups_at_once(tmp_path):
    # A third supply, `mid` (2 per unit). Group `renewable`: clean makes ≥ 30 % of the power;
    # group `coal_cap`: cheap makes ≤ 2 over both steps (techs listed; nodes left out).
    # clean 3 (9) + cheap 2 (2) + mid 5 (10) = 21.
    definition = supplies()
    definition["techs"]["mid"] = supply(cost_per_unit=2)
    definition["nodes"]["A"]["techs"]["mid"] = None
    groups = {
        "renewable": {"techs": ["clean"], "flow_out_share_min": {"power": 0.3}},
        "coal_cap": {"techs": ["cheap"], "flow_out_max": {"power": 2}},
    }
    model = _solve(tmp_path, definition, groups)
    assert objective(model) == pytest.approx(21)
    out = model.results["group_flow_out"].sel(carriers="power")
    assert float(out.sel(group_constraints="renewable")) == pytest.approx(3)
    assert float(out.sel(group_constraints="coal_cap")) == pytest.approx(2)


def test_nodes_select_where_a_group_counts(tmp_path):
    # Two nodes, each with cheap (1) and clean (3) and a demand of 4 then 6; no links. The
    # group lists node B only (techs left out: every supply): at most 30 % of B's demand from
    # cheap → B: cheap 3, clean 7 → 24; A unconstrained: 10. Objective 34.
    techs = {
        "cheap": supply(cost_per_unit=1),
        "clean": supply(cost_per_unit=3),
        "load": demand("power", 4, 6),
    }
    at_both = {"techs": {"cheap": None, "clean": None, "load": None}}
    definition = model_definition(techs, {"A": at_both, "B": at_both})
    group = {"nodes": ["B"], "techs": ["cheap"], "demand_share_max": {"power": 0.3}}
    model = _solve(tmp_path, definition, {"g": group})
    assert objective(model) == pytest.approx(34)
    cheap = model.results["flow_out"].sel(techs="cheap", carriers="power").sum("timesteps")
    assert float(cheap.sel(nodes="A")) == pytest.approx(10)
    assert float(cheap.sel(nodes="B")) == pytest.approx(3)


def test_a_link_counts_once_in_capacity_and_links_inside_the_group_are_no_import(tmp_path):
    # Import cheap (1) from A: the link's capacity (one number at each end) is capped at 3 by a
    # group that lists it → B imports 3 + 3 and makes 1 + 3 itself: 6 + 12 = 18.
    definition = with_import(1)
    model = _solve(tmp_path, definition, {"g": {"techs": ["link"], "flow_cap_max": 3}})
    assert objective(model) == pytest.approx(18)
    assert value(model, "group_flow_cap", group_constraints="g") == pytest.approx(3)
    # a group over both ends: the link is inside it, so there is no net import at all (not even
    # the link's flows); `net_import_share_max: 0` then changes nothing.
    model = _solve(tmp_path / "inside", definition, {"g": {"net_import_share_max": {"power": 0}}})
    assert objective(model) == pytest.approx(10)
    assert "group_net_import_share_max" not in model.program.components


# Calliope 0.6.10's own tests of `demand_share_per_timestep_decision`
# (test_backend_pyomo_constraints_group.py, TestDemandShareDecisionGroupConstraints) on its
# model `demand_share_decision.yaml`, converted by hand: two nodes, each with a cheap (resource
# 5, 5, 5, 2.5, 2.5, 2.5 at node 0; half that at node 1), a normal and an expensive supply
# (capacity costs 10, 15, 20) and a demand of 5, 5, 5, 10, 10, 10; no links.
DECISION_STEPS = 6


def decision_model() -> dict[str, Any]:
    cheap_resource = {
        "data": [5, 5, 5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 1.25, 1.25, 1.25],
        "index": [
            [node, f"2005-01-01 {hour:02d}:00"] for node in ("N0", "N1") for hour in range(6)
        ],
        "dims": ["nodes", "timesteps"],
    }

    def priced(cost: float, **params: Any) -> dict[str, Any]:
        return supply(
            cost_flow_cap=per_cost(cost), lifetime=25, cost_interest_rate=per_cost(0.1), **params
        )

    techs = {
        "cheap_elec_supply": priced(10, source_use_max=cheap_resource),
        "expensive_elec_supply": priced(20),
        "normal_elec_supply": priced(15),
        "electricity_demand": demand("power", 5, 5, 5, 10, 10, 10),
    }
    names = {name: None for name in techs}
    return model_definition(techs, {"N0": {"techs": names}, "N1": {"techs": names}})


def shares(model: esmflow.Model) -> dict[str, list[float]]:
    """Each supply's output over the demand, both summed over nodes, per timestep."""
    out = model.results["flow_out"].sel(carriers="power").sum("nodes")
    load = model.results["flow_in"].sel(carriers="power", techs="electricity_demand").sum("nodes")
    return {str(tech): list((out.sel(techs=tech) / load).values) for tech in out.techs.values}


@pytest.mark.parametrize(
    ("group", "expected", "total"),
    [
        # test_demand_share_per_timestep_decision_inf: cheap 0.1875, normal 0.8125
        (
            {"demand_share_per_timestep_decision": {"power": ".inf"}},
            {"cheap_elec_supply": 0.1875, "normal_elec_supply": 0.8125},
            None,
        ),
        # test_demand_share_per_timestep_decision_simple: the same, and the shares sum to 1
        (
            {"demand_share_per_timestep_decision": {"power": 1.0}},
            {"cheap_elec_supply": 0.1875, "normal_elec_supply": 0.8125},
            1.0,
        ),
        # test_demand_share_per_timestep_decision_not_one: cheap 0.1, normal 0.9, expensive 0
        (
            {
                "techs": ["normal_elec_supply", "expensive_elec_supply"],
                "demand_share_per_timestep_decision": {"power": 0.9},
            },
            {"cheap_elec_supply": 0.1, "normal_elec_supply": 0.9, "expensive_elec_supply": 0},
            0.9,
        ),
    ],
    ids=["inf", "simple", "not_one"],
)
def test_demand_share_per_timestep_decision_as_calliope_06(tmp_path, group, expected, total):
    if group["demand_share_per_timestep_decision"]["power"] == ".inf":
        group = {**group, "demand_share_per_timestep_decision": {"power": float("inf")}}
    model = _solve(tmp_path, decision_model(), {"decision": group})
    got = shares(model)
    for tech, share in expected.items():
        assert got[tech] == pytest.approx([share] * DECISION_STEPS, abs=1e-9)
    chosen = model.results["demand_share_per_timestep_decision"]
    if total is not None:
        assert float(chosen.sum()) == pytest.approx(total)
    assert ("group_demand_share_per_timestep_decision_sum" in model.program.components) == (
        total is not None
    )


def test_demand_share_per_timestep_decision_per_node_as_calliope_06(tmp_path):
    # test_demand_share_per_timestep_decision_per_location: one group per node, share 1 each:
    # node 0 cheap 0.25, normal 0.75; node 1 cheap 0.125, normal 0.875 (of that node's demand).
    groups = {
        f"decision_{node}": {"nodes": [node], "demand_share_per_timestep_decision": {"power": 1}}
        for node in ("N0", "N1")
    }
    model = _solve(tmp_path, decision_model(), groups)
    out = model.results["flow_out"].sel(carriers="power")
    load = model.results["flow_in"].sel(carriers="power", techs="electricity_demand")
    for node, cheap in (("N0", 0.25), ("N1", 0.125)):
        share = (out / load).sel(nodes=node)
        assert list(share.sel(techs="cheap_elec_supply").values) == pytest.approx([cheap] * 6)
        assert list(share.sel(techs="normal_elec_supply").values) == pytest.approx([1 - cheap] * 6)


def test_conflicting_groups_are_named_in_the_diagnosis(tmp_path):
    groups = {
        "at_least_five": {"techs": ["clean"], "flow_out_min": {"power": 5}},
        "at_most_two": {"techs": ["clean"], "flow_out_max": {"power": 2}},
    }
    with pytest.raises(ModelError) as caught:
        _solve(tmp_path, supplies(), groups)
    message = str(caught.value)
    assert "infeasible" in message.lower()
    assert "group_constraints=at_least_five" in message
    assert "group_constraints=at_most_two" in message


def test_every_group_component_is_built_by_these_tests():
    """Each component of group_constraints.yaml appears in a test of this file."""
    math = yaml.safe_load(GROUP_MATH.read_text())
    components = {
        name
        for section in ("variables", "global_expressions", "constraints")
        for name in math[section]
    }
    built = {f"group_{case[0]}" for case in CASES}
    built |= {share[0] for *_, share in CASES if share} | {share[1] for *_, share in CASES if share}
    built |= {name for *_, results, _ in CASES for name in results if name.startswith("group_")}
    built |= {
        "group_flow_out",
        "group_flow_out_per_timestep",
        "group_demand_per_timestep",
        "group_flow_out_at_nodes_per_timestep",
        "demand_share_per_timestep_decision",
        "group_demand_share_per_timestep_decision_main",
        "group_demand_share_per_timestep_decision_sum",
    }
    assert sorted(components - built) == []
