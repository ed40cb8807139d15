"""Badly scaled numbers warn before the solve, naming components, techs, nodes and parameters."""

from __future__ import annotations

import json
import warnings

import linopy
import pytest
from math_models import demand, model_definition, per_cost, supply, write_model

from esmflow import Model
from esmflow.backends.model_terms import ModelTerms
from esmflow.backends.numerics import RANGE_LIMIT, warn_about_numerics
from esmflow.errors import ModelWarning


def test_tiny_cost_and_huge_bound_warn_with_their_parameters(tmp_path):
    # Over 2 of 8760 hours with depreciation 1, cost_flow_cap 1e-6 puts 1e-6 × 2/8760 ≈ 2.3e-10
    # per unit of flow_cap in the objective, beside gas at 1 per unit: a ratio of 4.4e9.
    # flow_cap_max 1e12 (1e6 × 1e6) beside a demand of 1: bounds and right-hand sides span 1e12.
    definition = model_definition(
        {
            "gas": supply(
                cost_per_unit=1,
                cost_flow_cap=per_cost(1e-6),
                cost_depreciation_rate=1,
                flow_cap_max=1e12,
            ),
            "load": demand("power", 1, 2),
        }
    )
    model = Model.from_yaml(write_model(tmp_path, definition))
    model.build()
    with pytest.warns(ModelWarning) as caught:
        model.solve()
    messages = [str(w.message) for w in caught if issubclass(w.category, ModelWarning)]
    objective = next(m for m in messages if m.startswith("The objective coefficients"))
    assert "span 2.28311e-10 to 1 (a ratio of 4.4e+09" in objective
    assert (
        "Smallest: 2.28311e-10 at the cost of flow_cap[nodes=A, techs=gas, carriers=power] "
        "(cost_flow_cap = 1e-06 (costs=monetary))" in objective
    )
    assert "source_use[nodes=A, techs=gas" in objective  # the largest: gas at 1 per unit
    bounds = next(m for m in messages if m.startswith("The variable bounds"))
    assert (
        "Largest: 1e+12 at the upper bound of flow_cap[nodes=A, techs=gas, carriers=power] "
        "(flow_cap_max = 1e+12)" in bounds
    )
    assert "balance_demand[nodes=A, techs=load" in bounds  # the smallest: a demand of 1
    # A warning, not an error: the solve runs and serves the demand (gas 1 + 2 = 3). Why it
    # warns shows in the capacity: HiGHS's tolerances (1e-7) cannot tell a cost of 2.3e-10 per
    # unit from zero, so it may leave flow_cap anywhere up to its 1e12 bound (it stops at the
    # bound here, adding 1e12 × 2.3e-10 = 228 to the true optimum of 3).
    assert model.solve_result.termination == "optimal"
    assert float(model.results["source_use"].sum()) == pytest.approx(3)
    # and the warnings stay with the results
    kept = json.loads(model.results.attrs["warnings"])
    assert [record["stage"] for record in kept] == ["solve_model", "solve_model"]
    assert {record["message"] for record in kept} == set(messages)


def test_well_scaled_model_is_quiet(tmp_path):
    definition = model_definition(
        {"gas": supply(cost_per_unit=1, flow_cap_max=100), "load": demand("power", 1, 2)}
    )
    model = Model.from_yaml(write_model(tmp_path, definition))
    model.build()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelWarning)
        model.solve()
    assert json.loads(model.results.attrs["warnings"]) == []


def test_matrix_range_and_dropped_coefficients_on_a_bare_program():
    # 1e-10 x + y >= 1 and 1e3 x <= 5: coefficients span 1e-10 … 1e3 (1e13), and 1e-10 is below
    # HiGHS's small_matrix_value, so it would silently vanish
    model = linopy.Model()
    x = model.add_variables(lower=0, name="x")
    y = model.add_variables(lower=0, name="y")
    model.add_constraints(1e-10 * x + y >= 1, name="tiny")
    model.add_constraints(1e3 * x <= 5, name="large")
    model.add_objective(x + y)
    with pytest.warns(ModelWarning) as caught:
        messages = warn_about_numerics(model, ModelTerms(model))
    assert len(caught) == 2 and len(messages) == 2
    assert messages[0].startswith("The constraint coefficients span 1e-10 to 1000")
    assert "Smallest: 1e-10 at tiny (coefficient of x)" in messages[0]
    assert "Largest: 1000 at large (coefficient of x)" in messages[0]
    assert messages[1].startswith("1 constraint coefficient(s) lie below 1e-09")


def test_the_limit_is_a_ratio_of_about_1e9():
    assert RANGE_LIMIT == 1e9
    model = linopy.Model()
    x = model.add_variables(lower=0, name="x")
    model.add_constraints(1e-4 * x >= 1e-4, name="small")
    model.add_constraints(1e5 * x <= 1e5, name="large")  # a ratio of 1e9: still fine
    model.add_objective(1 * x)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelWarning)
        assert warn_about_numerics(model, ModelTerms(model)) == []
