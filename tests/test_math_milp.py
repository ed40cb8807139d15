"""MILP math (esmflow/math/milp.yaml): capacity in whole units, integer dispatch, async flows.

Components: `purchased_units` with `flow_capacity_units_milp`, `flow_capacity_max_purchase_milp`,
`cost_investment_purchase`; `purchased_units_min/max` and `unit_capacity_{max,min}_systemwide_milp`;
`flow_capacity_minimum` and the changed `flow_capacity_systemwide_min` (minimums per unit bought);
`operating_units` with `unit_commitment_milp`, `flow_out_max_milp`, `flow_out_min_milp`;
`available_flow_cap` and its three constraints; `storage_capacity_units_milp`;
`async_flow_switch` with `async_flow_{in,out}_milp`; transmission purchase costs (half per end)
and `symmetric_transmission_units_milp`; the checks. The file loads wherever a model sets one of
its parameters (no `extra_math` needed).

Costs: with two hourly steps and `cost_depreciation_rate: 1`, an investment cost of 4380
(`PER_UNIT`) is charged as 1 (see tests/math_models.py).
"""

from __future__ import annotations

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
    write_model,
)
from test_examples import CALLIOPE_OBJECTIVE, TWO_DAYS

from esmflow import Model
from esmflow.errors import ModelError, ModelWarning

PER_UNIT = COST_ONE_PER_UNIT[2]  # an investment of PER_UNIT costs 1 over the two-step horizon


def units(size: float | None = None, purchase: float = 0, **params) -> dict:
    """Gas bought in units (fuel 1 per kWh), `purchase` per unit bought, `size` kW per unit."""
    tech = supply(
        cost_per_unit=1,
        cap_method="integer",
        cost_purchase=per_cost(purchase * PER_UNIT),
        cost_depreciation_rate=1,
        **params,
    )
    if size is not None:
        tech["flow_cap_per_unit"] = size
    return tech


def dump(cost: float) -> dict:
    """A sink for surplus power at `cost` per kWh."""
    return {"base_tech": "demand", "carrier_in": "power", "cost_flow_in": per_cost(cost)}


# --- integer units -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("limits", "bought", "expected"),
    [
        # 250 kW every step from 100-kW units (10 per unit, fuel 1): 3 units → 30 + 500 = 530.
        # (The LP relaxation would buy 2.5 units for 525.) Two units and the peaker (5 per kWh)
        # for the last 50 kW cost 20 + 400 + 500 = 920.
        ({}, 3, 530),
        ({"purchased_units_max": 2}, 2, 920),  # at most 2: the peaker covers 50 kW
        ({"purchased_units_min": 4}, 4, 540),  # at least 4: 40 + 500
    ],
)
def test_units_of_fixed_size(tmp_path, limits, bought, expected):
    techs = {
        "gas": units(size=100, purchase=10, **limits),
        "peaker": supply(cost_per_unit=5),
        "load": demand("power", 250, 250),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(expected)
    assert value(model, "purchased_units", techs="gas") == pytest.approx(bought)
    assert value(model, "flow_cap", techs="gas", carriers="power") == pytest.approx(100 * bought)
    assert model.program.model.variables["purchased_units"].attrs["integer"]


@pytest.mark.parametrize(
    ("load", "bought", "expected"),
    [
        # Coal (fuel 1) costs 100 to build at all, gas (fuel 3) nothing: coal saves 2 per kWh,
        # so it pays above 100 / 2 = 50 kWh over the two steps, i.e. above 25 kW.
        (20, 0, 120),  # gas: 3 × 40 (coal: 100 + 40 = 140)
        (30, 1, 160),  # coal: 100 + 60 (gas: 180)
    ],
)
def test_yes_no_purchase_with_a_fixed_cost(tmp_path, load, bought, expected):
    techs = {
        "coal": units(purchase=100, purchased_units_max=1, flow_cap_max=1000),
        "gas": supply(cost_per_unit=3),
        "load": demand("power", load, load),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(expected)
    assert value(model, "purchased_units", techs="coal") == pytest.approx(bought)
    assert value(model, "flow_cap", techs="coal", carriers="power") <= 1000 * bought + 1e-6
    # the purchase is the investment: 100 × 4380 (before annualising to the two steps)
    assert value(model, "cost_investment_purchase", techs="coal") == pytest.approx(
        100 * PER_UNIT * bought
    )


@pytest.mark.parametrize("minimum", ["flow_cap_min", "flow_cap_min_systemwide"])
@pytest.mark.parametrize(
    ("load", "bought", "expected"),
    [
        # Coal (fuel 1, 1 per kW) bought yes/no, at least 50 kW if bought; gas costs 3 per kWh.
        (10, 0, 60),  # coal 50 + 20 = 70 > gas 60: not bought, and then no minimum applies
        (20, 1, 90),  # coal 50 + 40 = 90 < gas 120: bought at its minimum of 50 kW
    ],
)
def test_minimum_capacity_is_per_unit_bought(tmp_path, minimum, load, bought, expected):
    techs = {
        "coal": units(
            purchased_units_max=1,
            flow_cap_max=100,
            cost_flow_cap=per_cost(PER_UNIT),
            **{minimum: 50},
        ),
        "gas": supply(cost_per_unit=3),
        "load": demand("power", load, load),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(expected)
    assert value(model, "purchased_units", techs="coal") == pytest.approx(bought)
    assert value(model, "flow_cap", techs="coal", carriers="power") == pytest.approx(50 * bought)


def test_a_continuous_tech_keeps_its_minimum_capacity(tmp_path):
    # Once the MILP math is loaded, flow_cap_min is a constraint instead of a bound; for a tech
    # not bought in units it still forces 50 kW (1 per kW) although the load needs 10: 50 + 20.
    techs = {
        "gas": supply(
            cost_per_unit=1,
            flow_cap_min=50,
            cost_flow_cap=per_cost(PER_UNIT),
            cost_depreciation_rate=1,
        ),
        "coal": units(size=100, purchase=1000),
        "load": demand("power", 10, 10),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert "flow_capacity_minimum" in model.math.constraints
    assert objective(model) == pytest.approx(70)
    assert value(model, "flow_cap", techs="gas", carriers="power") == pytest.approx(50)


def two_nodes_with_units(**limits) -> dict:
    """Nodes A and B, each with a 250 kW load, 100-kW gas units (10 each) and a peaker."""
    techs = {
        "gas": units(size=100, purchase=10, **limits),
        "peaker": supply(cost_per_unit=5),
        "load": demand("power", 250, 250),
    }
    at_node = {"techs": {"gas": None, "peaker": None, "load": None}}
    return model_definition(techs, {"A": at_node, "B": at_node})


@pytest.mark.parametrize(
    ("limits", "total", "expected"),
    [
        # each node alone: 3 units, 530 (test_units_of_fixed_size) → 1060 for both
        ({}, 6, 1060),
        # 5 units in all: one node runs on 2 units and the peaker: 530 + 920 = 1450
        ({"purchased_units_max_systemwide": 5}, 5, 1450),
        # 7 units in all (a minimum without a maximum, which Calliope 0.7.0 ignores):
        # 70 + fuel 1000 = 1070
        ({"purchased_units_min_systemwide": 7}, 7, 1070),
    ],
)
def test_systemwide_unit_limits(tmp_path, limits, total, expected):
    model = solve_model(tmp_path, two_nodes_with_units(**limits))
    assert objective(model) == pytest.approx(expected)
    assert sum(values(model, "purchased_units", techs="gas")) == pytest.approx(total)


# --- integer dispatch --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("dump_cost", "running", "expected"),
    [
        # Load [30, 150]; 100-kW units (10 each, fuel 1) that run at ≥ 50 % when on; peaker 5
        # per kWh; surplus goes to a dump. Two units serve 150 in step 2 (20 + 150; one unit
        # and the peaker: 10 + 100 + 250). In step 1 one unit at its 50 kW minimum dumps 20:
        # 50 + 20 × dump cost, against switching off and buying 30 from the peaker: 150.
        (2, 1, 20 + 150 + 50 + 40),  # one unit at minimum: 90 < 150
        (6, 0, 20 + 150 + 150),  # all units off: 150 < 50 + 120
    ],
)
def test_integer_dispatch_with_minimum_output(tmp_path, dump_cost, running, expected):
    techs = {
        "gas": units(size=100, purchase=10, integer_dispatch=True, flow_out_min_relative=0.5),
        "peaker": supply(cost_per_unit=5),
        "load": demand("power", 30, 150),
        "dump": dump(dump_cost),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(expected)
    assert value(model, "purchased_units", techs="gas") == pytest.approx(2)
    assert values(model, "operating_units", techs="gas") == pytest.approx([running, 2])
    assert values(model, "flow_out", techs="gas", carriers="power") == pytest.approx(
        [50 * running, 150]
    )


def test_integer_dispatch_of_a_yes_no_purchase_without_unit_size(tmp_path):
    # One plant of any size c ≤ 100 kW (1 per kW, fuel 1) that runs at ≥ 50 % of c when on;
    # peaker 5 per kWh; load [30, 80]. Its available capacity is c when on, 0 when off.
    # c ≤ 60: on in both steps (30 ≥ c/2), output [30, c], peaker 80 - c: c + 30 + c + 5(80 - c)
    #   = 430 - 3c → 250 at c = 60.
    # c > 60: off in step 1 (peaker 150), output c in step 2: c + 150 + c + 5(80 - c) = 550 - 3c
    #   → 310 at c = 80. So c = 60, objective 250.
    # (Calliope 0.7.0 does not limit the outflow by the available capacity: there the plant
    # would be bought with c = 0 and still produce [30, 80], for 110.)
    techs = {
        "gas": units(
            purchased_units_max=1,
            integer_dispatch=True,
            flow_cap_max=100,
            flow_out_min_relative=0.5,
            cost_flow_cap=per_cost(PER_UNIT),
        ),
        "peaker": supply(cost_per_unit=5),
        "load": demand("power", 30, 80),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(250)
    assert value(model, "flow_cap", techs="gas", carriers="power") == pytest.approx(60)
    assert values(model, "operating_units", techs="gas") == pytest.approx([1, 1])
    assert values(model, "available_flow_cap", techs="gas", carriers="power") == pytest.approx(
        [60, 60]
    )
    assert values(model, "flow_out", techs="gas", carriers="power") == pytest.approx([30, 60])


# --- storage in units, asynchronous flows ----------------------------------------------------
def battery(**params) -> dict:
    return {"base_tech": "storage", "carrier_in": "power", "carrier_out": "power", **params}


def test_storage_bought_in_units(tmp_path):
    # Free sun [25, 0] (curtailable), load [0, 25], peaker 10 per kWh. Batteries come in
    # 10 kWh units at 15 each: storing 25 kWh takes 3 units (45); 2 units and 5 kWh from the
    # peaker cost 30 + 50 = 80; the peaker alone 250. (The LP would buy 2.5 units: 37.5.)
    techs = {
        "sun": supply(source_use_max=timeseries(25, 0)),
        "peaker": supply(cost_per_unit=10),
        "load": demand("power", 0, 25),
        "battery": battery(
            cap_method="integer",
            storage_cap_per_unit=10,
            cost_purchase=per_cost(15 * PER_UNIT),
            cost_depreciation_rate=1,
        ),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(45)
    assert value(model, "purchased_units", techs="battery") == pytest.approx(3)
    assert value(model, "storage_cap", techs="battery") == pytest.approx(30)
    assert values(model, "storage", techs="battery") == pytest.approx([25, 0])


@pytest.mark.parametrize(
    ("force_async", "expected"),
    [
        # Must-take sun 10 and load 5 each step leave 5 kWh surplus per step; the dump costs 1
        # per kWh. The battery loses half on the way in and half on the way out. Charging c
        # and discharging d in the same step absorbs c - d and stores c/2 - 2d; with
        # c = 20/3, d = 5/3 it absorbs the 5 kWh and stores nothing: no dump, objective 0.
        (False, 0),
        # In one direction per step, energy leaves the battery only by discharging into a
        # surplus: charge c1 ≤ 5 in step 1, discharge d2 = c1/4 in step 2 (cyclic storage);
        # dump (5 - c1) + (5 + c1/4) = 10 - 0.75 c1 ≥ 6.25 at c1 = 5.
        (True, 6.25),
    ],
)
def test_async_flow_stops_a_storage_from_burning_energy(tmp_path, force_async, expected):
    techs = {
        "sun": supply(source_use_equals=timeseries(10, 10)),
        "load": demand("power", 5, 5),
        "dump": dump(1),
        "battery": battery(flow_in_eff=0.5, flow_out_eff=0.5, force_async_flow=force_async),
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(expected)
    charge = values(model, "flow_in", techs="battery", carriers="power")
    discharge = values(model, "flow_out", techs="battery", carriers="power")
    both_ways = [c > 1e-6 and d > 1e-6 for c, d in zip(charge, discharge, strict=True)]
    assert any(both_ways) is not force_async


# --- transmission bought in units ---------------------------------------------------------------
def units_link(**params) -> dict:
    """A power link A → B of 10 km bought yes/no: 20 per unit plus 3 per unit and km."""
    return {
        "base_tech": "transmission",
        "carrier_in": "power",
        "carrier_out": "power",
        "link_from": "A",
        "link_to": "B",
        "distance": 10,
        "cap_method": "integer",
        "flow_cap_max": 100,
        "cost_purchase": per_cost(20 * PER_UNIT),
        "cost_purchase_per_distance": per_cost(3 * PER_UNIT),
        "cost_depreciation_rate": 1,
        **params,
    }


def link_model(**link_params) -> dict:
    techs = {
        "gas": supply(cost_per_unit=1),
        "local": supply(cost_per_unit=2),
        "load": demand("power", 40, 40),
        "a_to_b": units_link(**link_params),
    }
    nodes = {"A": {"techs": {"gas": None}}, "B": {"techs": {"local": None, "load": None}}}
    return model_definition(techs, nodes)


def test_transmission_purchase_cost_is_split_between_the_ends(tmp_path):
    # A unit of link costs 20 + 3 × 10 km = 50, each end paying 25. Gas at A (1 per kWh) over
    # the link: 80 + 50 = 130 < the local plant at B (2 per kWh): 160.
    model = solve_model(tmp_path, link_model(purchased_units_max=1))
    assert objective(model) == pytest.approx(130)
    for node in ("A", "B"):
        assert value(model, "purchased_units", nodes=node, techs="a_to_b") == pytest.approx(1)
        assert value(
            model, "cost_investment_annualised", nodes=node, techs="a_to_b", costs="monetary"
        ) == pytest.approx(25)


def test_both_ends_of_a_link_have_the_same_units(tmp_path):
    # Two units at A (a per-node minimum) mean two at B as well: 2 × 50 + 80 = 180. Without
    # symmetric units B would buy one: 1.5 × 50 + 80 = 155.
    minimum = {"data": 2, "index": ["A"], "dims": ["nodes"]}
    model = solve_model(tmp_path, link_model(purchased_units_min=minimum))
    assert objective(model) == pytest.approx(180)
    assert values(model, "purchased_units", techs="a_to_b") == pytest.approx([2, 2])


# --- when the math applies, and checks ----------------------------------------------------------
def test_the_milp_math_loads_where_its_parameters_are_set(tmp_path):
    plain = {"gas": supply(cost_per_unit=1), "load": demand("power", 5, 5)}
    model = solve_model(tmp_path / "plain", model_definition(plain))
    assert "purchased_units" not in model.math.variables
    named = model_definition(plain, config={"init": {"extra_math": ["milp"]}})
    model = solve_model(tmp_path / "named", named)  # Calliope's way: accepted, changes nothing
    assert "purchased_units" in model.math.variables
    assert objective(model) == pytest.approx(10)


def build(tmp_path, techs: dict) -> Model:
    model = Model.from_yaml(write_model(tmp_path, model_definition(techs)))
    model.build()
    return model


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"cap_method": "integer", "flow_cap_per_unit": 10, "flow_cap_max": 50}, "conflicting"),
        ({"integer_dispatch": True}, r"needs units to switch on and off: `cap_method: integer`"),
        (
            {"cap_method": "integer", "cost_purchase_per_distance": per_cost(1)},
            "transmission technologies only",
        ),
    ],
)
def test_contradictory_unit_settings_are_errors(tmp_path, params, words):
    techs = {"gas": supply(cost_per_unit=1, **params), "load": demand("power", 5, 5)}
    with pytest.raises(ModelError, match=words):
        build(tmp_path, techs)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"cost_purchase": per_cost(5)}, "only apply to techs with"),
        ({"force_async_flow": True}, "both takes in and puts out"),
        (
            {"cap_method": "integer", "integer_dispatch": True, "flow_cap_max": 50},
            "purchased_units_max: 1",
        ),
        ({"cap_method": "integer", "integer_dispatch": True}, "limit nothing|limits nothing"),
    ],
)
def test_unit_settings_without_effect_warn(tmp_path, params, words):
    techs = {"gas": supply(cost_per_unit=1, **params), "load": demand("power", 5, 5)}
    with pytest.warns(ModelWarning, match=words):
        build(tmp_path, techs)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(TWO_DAYS))
def test_examples_give_the_same_optimum_with_the_milp_math_loaded(case):
    # No tech of the examples is bought in units, so loading the MILP math (named in
    # extra_math, as a Calliope file does) must leave their optimum as Calliope's LP one.
    path, subset = TWO_DAYS[case]
    extra_math = [*yaml.safe_load(path.read_text())["config"]["init"].get("extra_math", []), "milp"]
    settings = {"config.init.subset.timesteps": subset, "config.init.extra_math": extra_math}
    model = Model.from_yaml(path, set=settings)
    model.solve()
    assert "flow_capacity_minimum" in model.math.constraints
    assert model.solve_result.objective == pytest.approx(CALLIOPE_OBJECTIVE[case], rel=1e-6)
