"""Arrays computed from the solution after the solve (`postprocessed` in base.yaml).

Components: `capacity_factor`, `systemwide_capacity_factor`, `total_generation`,
`systemwide_levelised_cost`, `total_levelised_cost`, `curtailment`, `total_curtailment`
(`unmet_sum` is in test_math_unmet_demand.py).
"""

from __future__ import annotations

import pytest
from math_models import (
    demand,
    model_definition,
    per_cost,
    solve_model,
    solve_with_weights,
    supply,
    timeseries,
    value,
    values,
)


def wind_model() -> dict:
    # wind: fixed 4 kW, sun-like availability [4, 2] (absolute), 1 per unit delivered;
    # demand [2, 2] → wind delivers [2, 2] and leaves [2, 0] of its source unused.
    techs = {
        "wind": supply(
            flow_cap_min=4,
            flow_cap_max=4,
            source_use_max=timeseries(4, 2),
            cost_flow_out=per_cost(1),
        ),
        "load": demand("power", 2, 2),
    }
    return model_definition(techs)


def test_capacity_factors_generation_and_levelised_cost(tmp_path):
    # capacity factor 2 / (4 × 1 h) = 0.5 each step; over the horizon 4 / (4 × 2 h) = 0.5.
    # total generation 4; cost 4 → levelised cost 1 per unit, for the tech and for the system.
    model = solve_model(tmp_path, wind_model())
    wind = {"techs": "wind", "carriers": "power"}
    assert values(model, "capacity_factor", nodes="A", **wind) == pytest.approx([0.5, 0.5])
    assert value(model, "systemwide_capacity_factor", **wind) == pytest.approx(0.5)
    assert value(model, "total_generation", **wind) == pytest.approx(4)
    assert value(model, "systemwide_levelised_cost", costs="monetary", **wind) == pytest.approx(1)
    assert value(
        model, "total_levelised_cost", carriers="power", costs="monetary"
    ) == pytest.approx(1)


def test_curtailment(tmp_path):
    # Source available [4, 2], used [2, 2] → curtailment [0.5, 0]; over the horizon 1 - 4/6.
    model = solve_model(tmp_path, wind_model())
    assert values(model, "curtailment", nodes="A", techs="wind") == pytest.approx([0.5, 0])
    assert value(model, "total_curtailment", nodes="A", techs="wind") == pytest.approx(1 / 3)


def test_total_generation_is_weighted(tmp_path):
    # Deliberate difference from Calliope 0.7.0 (see base.yaml): with weights [1, 3] the
    # generation [2, 2] counts 2·1 + 2·3 = 8 (Calliope's formula gives 4).
    model = solve_with_weights(tmp_path, wind_model(), weights=[1, 3])
    assert value(model, "total_generation", techs="wind", carriers="power") == pytest.approx(8)
