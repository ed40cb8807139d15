"""Prices: duals of the node balance and of group constraints, against hand-derived marginal costs.

Two nodes, two hours. At A: `cheap` supply (1 per unit, and 1 unit of co2 per unit), `mid` supply
(3 per unit, no co2) and a demand of 10 per hour. At B: `dear` supply (5 per unit) and a demand
of 20 per hour. A lossless link A–B carries at most 15 per hour. co2 has objective weight 0.

Without a group: cheap serves A (10) and fills the link (15) each hour; B tops up with dear (5).
One more unit at A costs 1 (cheap has room): price 1. One more at B cannot come over the full
link, so dear makes it: price 5 (the congestion rent is 5 − 1 = 4 per unit on the link).
Objective 2 × (25 × 1 + 5 × 5) = 100.

With `cost_max: {co2: 40}` over both hours: cheap may make 40 instead of 50; the 10 missing go
to mid at A (3 < 5 of dear), the link stays full. Cheap's unit now costs 1 plus the co2 price p,
and mid and cheap both serve A, so 1 + p = 3: the co2 price is 2 (the dual of the cap is −2:
one more unit of co2 allowed saves 2). Price at A = 3, at B still 5 (congested).
Objective 40 × 1 + 10 × 3 + 10 × 5 = 120.
"""

from __future__ import annotations

import highspy
import numpy as np
import pytest
from math_models import (
    model_definition,
    objective,
    solve_model,
    supply,
    timeseries,
    write_model,
)

from esmflow import Model, ModelWarning
from esmflow.backends.duals import _by_label, _row_duals
from esmflow.options import SolveOptions


def per_class(monetary: float, co2: float = 0.0) -> dict:
    return {"data": [monetary, co2], "index": ["monetary", "co2"], "dims": "costs"}


def two_node_model(**top_level) -> dict:
    techs = {
        "cheap": supply(cost_source_use=per_class(1, 1)),
        "mid": supply(cost_source_use=per_class(3)),
        "dear": supply(cost_source_use=per_class(5)),
        "load_a": {
            "base_tech": "demand",
            "carrier_in": "power",
            "sink_use_equals": timeseries(10, 10),
        },
        "load_b": {
            "base_tech": "demand",
            "carrier_in": "power",
            "sink_use_equals": timeseries(20, 20),
        },
        "line": {
            "base_tech": "transmission",
            "carrier_in": "power",
            "carrier_out": "power",
            "link_from": "A",
            "link_to": "B",
            "flow_cap_max": 15,
        },
    }
    nodes = {
        "A": {"techs": {"cheap": None, "mid": None, "load_a": None}},
        "B": {"techs": {"dear": None, "load_b": None}},
    }
    weights = {"objective_cost_weights": per_class(1, 0)}
    return model_definition(techs, nodes, data_definitions=weights, **top_level)


def prices(model, node: str) -> list[float]:
    return model.results["price"].sel(nodes=node, carriers="power").values.tolist()


def test_prices_of_a_congested_link(tmp_path):
    model = solve_model(tmp_path, two_node_model())
    assert objective(model) == pytest.approx(100.0)
    assert prices(model, "A") == pytest.approx([1.0, 1.0])
    assert prices(model, "B") == pytest.approx([5.0, 5.0])
    assert model.results["price"].attrs["unit"] == "cost/energy"


def test_prices_with_a_binding_co2_cap(tmp_path):
    groups = {"co2_cap": {"cost_max": {"co2": 40}}}
    model = solve_model(tmp_path, two_node_model(group_constraints=groups))
    assert objective(model) == pytest.approx(120.0)
    assert prices(model, "A") == pytest.approx([3.0, 3.0])
    assert prices(model, "B") == pytest.approx([5.0, 5.0])
    co2_price = model.results["shadow_price_group_cost_max"]
    assert float(co2_price.sel(costs="co2").squeeze()) == pytest.approx(-2.0)
    assert "group_cost_max" in co2_price.attrs["description"]


def test_prices_of_a_mixed_integer_program_come_from_the_fixed_lp(tmp_path):
    # dear is bought in whole units of 10 (one is enough for its 5 per hour): the MILP's
    # optimum is that of the LP above; with the unit count fixed, the prices are the same.
    definition = two_node_model(units={"power": "MW", "energy": "MWh", "cost": "EUR"})
    definition["techs"]["dear"].update(
        cap_method="integer", flow_cap_per_unit=10, purchased_units_max=3
    )
    model = solve_model(tmp_path, definition)
    assert model.solve_result.is_mip
    assert objective(model) == pytest.approx(100.0)
    assert prices(model, "A") == pytest.approx([1.0, 1.0])
    assert prices(model, "B") == pytest.approx([5.0, 5.0])
    assert model.results["price"].attrs["unit"] == "EUR/MWh"
    # the integer model is restored in HiGHS after the fixed LP
    kinds = model.program.model.solver_model.getLp().integrality_
    assert highspy.HighsVarType.kInteger in kinds


def test_duals_from_highs_rows_equal_linopys_on_an_lp(tmp_path):
    model = solve_model(tmp_path, two_node_model())
    linopy_model = model.program.model
    from_rows = _by_label(linopy_model, "system_balance", _row_duals(linopy_model.solver_model))
    # esmflow's HiGHS session solves through highspy; linopy's own HiGHS solve is the reference
    linopy_model.solve(solver_name="highs", output_flag=False)
    np.testing.assert_allclose(
        from_rows.values, linopy_model.constraints["system_balance"].dual.values, equal_nan=True
    )


def test_asking_for_the_dual_of_a_missing_constraint_warns(tmp_path):
    config = {"solve": {"shadow_prices": ["flow_out_max", "systm_balance"]}}
    definition = two_node_model()
    definition["config"]["solve"].update(config["solve"])
    with pytest.warns(ModelWarning, match="Did you mean 'system_balance'"):
        model = solve_model(tmp_path, definition)
    assert "shadow_price_flow_out_max" in model.results


def test_the_pyomo_backend_gives_the_same_prices(tmp_path):
    # the binding co2 cap above, solved through Pyomo's HiGHS: the same duals, read from Pyomo
    groups = {"co2_cap": {"cost_max": {"co2": 40}}}
    model = Model.from_yaml(write_model(tmp_path, two_node_model(group_constraints=groups)))
    model.build()
    model.solve(SolveOptions(backend="pyomo"))
    assert objective(model) == pytest.approx(120.0)
    assert prices(model, "A") == pytest.approx([3.0, 3.0])
    assert prices(model, "B") == pytest.approx([5.0, 5.0])
    co2_price = model.results["shadow_price_group_cost_max"]
    assert float(co2_price.sel(costs="co2").squeeze()) == pytest.approx(-2.0)
