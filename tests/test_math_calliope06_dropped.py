"""Calliope 0.6 constraints that Calliope 0.7 dropped, as esmflow math: the reserve margin
(reserve_margin.yaml), capacity factor limits (capacity_factor.yaml) and the source/sink scale
(source_scale.yaml, 0.6's `resource_scale`). Calliope 0.7's own national-scale example sets
`reserve_margin` and `capacity_factor_*` in overrides that no Calliope 0.7 math reads; here
they take effect.

Components: `reserve_margin_capacity`, `flow_capacity_factor_min`, `flow_capacity_factor_max`,
and the `source_scaler`/`sink_scaler` cases of source_scale.yaml.
"""

from __future__ import annotations

import pytest
from calliope_reference import EXAMPLES, require
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

from esmflow import Model

ONE = COST_ONE_PER_UNIT[2]


def gas_for(*load: float, **gas: object) -> dict:
    """Gas at 1 per unit of fuel and 1 per unit of capacity, and a fixed power demand."""
    techs = {
        "gas": supply(
            cost_per_unit=1, cost_flow_cap=per_cost(ONE), cost_depreciation_rate=1, **gas
        ),
        "load": demand("power", *load),
    }
    return techs


def margin(value: float) -> dict:
    return {"reserve_margin": {"data": value, "index": ["power"], "dims": ["carriers"]}}


@pytest.mark.parametrize(
    ("load", "reserve", "expected"),
    [
        ((4, 6), None, 16),  # no margin: capacity 6 for the peak, fuel 10
        ((4, 6), 0.1, 16.6),  # capacity ≥ 1.1 × 6 = 6.6
        ((6, 4), 0.5, 19),  # the peak comes first: capacity ≥ 1.5 × 6 = 9
        ((4, 6), 0, 16),  # a margin of 0 still applies: capacity ≥ the peak
    ],
)
def test_reserve_margin_adds_capacity_above_the_peak(tmp_path, load, reserve, expected):
    definitions = margin(reserve) if reserve is not None else {}
    model = solve_model(tmp_path, model_definition(gas_for(*load), data_definitions=definitions))
    assert objective(model) == pytest.approx(expected)
    assert ("reserve_margin_capacity" in model.program.components) == (reserve is not None)


def test_reserve_margin_peak_is_the_largest_demand_rate(tmp_path):
    # Steps of 1 h and 2 h (as after uneven resampling): demand 4 MWh in the first (4 MW) and
    # 6 MWh over the second (3 MW). The peak is the largest rate, the first step: capacity
    # ≥ 1.1 × 4 = 4.4 (by the largest amount, as Calliope 0.6 chose it, the margin would ask
    # only 1.1 × 3 = 3.3, below the 4 the first step needs anyway). Capacity costs 1 per unit
    # over the 3 modelled hours; fuel 10 → 14.4.
    techs = {
        "gas": supply(
            cost_per_unit=1,
            cost_flow_cap=per_cost(COST_ONE_PER_UNIT[3]),
            cost_depreciation_rate=1,
        ),
        "load": demand("power", 4, 6),
    }
    loaded = Model.from_yaml(
        write_model(tmp_path, model_definition(techs, data_definitions=margin(0.1)))
    )
    inputs = loaded.inputs.copy()
    inputs["timestep_resolution"] = inputs["timestep_resolution"].copy(data=[1.0, 2.0])
    model = Model(inputs)
    model.build()
    model.solve()
    assert objective(model) == pytest.approx(14.4)
    assert value(model, "flow_cap", techs="gas", carriers="power") == pytest.approx(4.4)


def test_capacity_factor_min_and_max(tmp_path):
    techs = gas_for(4, 6)
    techs["peaker"] = supply(cost_per_unit=5)
    # min 0.9: gas capacity k makes 4 + k ≥ 0.9 × k × 2 → k ≤ 5; the peaker (5) gives the
    # rest: fuel 9 + capacity 5 + peaker 1 × 5 = 19; the factor is exactly 9 / 10 = 0.9.
    techs["gas"]["capacity_factor_min"] = 0.9
    model = solve_model(tmp_path / "min", model_definition(techs))
    assert objective(model) == pytest.approx(19)
    assert value(model, "flow_cap", techs="gas", carriers="power") == pytest.approx(5)
    assert value(model, "systemwide_capacity_factor", techs="gas", carriers="power") == (
        pytest.approx(0.9)
    )
    # max 0.5: gas output over two hours ≤ capacity; capacity 10 for an output of 10:
    # fuel 10 + capacity 10 = 20 (the peaker would cost 5 per unit instead of 2)
    del techs["gas"]["capacity_factor_min"]
    techs["gas"]["capacity_factor_max"] = 0.5
    model = solve_model(tmp_path / "max", model_definition(techs))
    assert objective(model) == pytest.approx(20)
    assert value(model, "flow_cap", techs="gas", carriers="power") == pytest.approx(10)
    for name in ("flow_capacity_factor_max",):
        assert name in model.program.components


def test_source_and_sink_scale(tmp_path):
    # solar may draw 2 per step, scaled by 0.5: 1 per step, free. The demand of 2 per step is
    # scaled by 2: 4 per step, so gas (1 per unit) gives 3 + 3 → 6.
    techs = {
        "solar": supply(source_use_max=timeseries(2, 2), source_scale=0.5),
        "gas": supply(cost_per_unit=1),
        "load": {**demand("power", 2, 2), "sink_scale": 2},
    }
    model = solve_model(tmp_path, model_definition(techs))
    assert objective(model) == pytest.approx(6)
    assert values(model, "flow_out", techs="solar", carriers="power") == pytest.approx([1, 1])
    assert values(model, "curtailment", techs="solar") == pytest.approx([0, 0])


@pytest.mark.calliope
@pytest.mark.parametrize(
    ("override", "constraints"),
    [
        ("reserve_margin", ["reserve_margin_capacity"]),
        ("capacity_factor", ["flow_capacity_factor_min", "flow_capacity_factor_max"]),
    ],
)
def test_calliope_07_national_scale_overrides_take_effect(override, constraints):
    """Calliope 0.7.0's own example ships these overrides; no Calliope 0.7 math reads them."""
    require()
    model = Model.from_yaml(
        EXAMPLES / "national_scale" / "model.yaml",
        overrides=[override],
        set={"config.init.subset.timesteps": ["2005-01-01", "2005-01-01"]},
    )
    model.build()
    for name in constraints:
        assert name in model.program.components
