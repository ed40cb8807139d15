"""Our MILP math against Calliope 0.7.0's on its urban example's `milp` scenario.

The scenario (`config.init.extra_math: [milp, additional_math]`) buys the CHP in 300-kW units
with integer dispatch and a 20 % minimum output, the boilers yes/no with a purchase cost, and
runs the heat pipes in one direction per step. Here it goes through esmflow's own loader with
our milp.yaml (tests/calliope_reference.py finds Calliope's files and caches its answers).

- Program size: every variable and constraint has as many entries as Calliope's backend builds,
  except where our semantics differ on purpose (esmflow/math/milp.yaml, header).
- Optimum: both solved to a relative MIP gap of 1e-4 on one day, so both objectives lie within
  1e-4 of the true optimum and of each other; the units bought agree.
Skipped where Calliope is not installed.
"""

from __future__ import annotations

import json

import pytest

from esmflow import Model
from esmflow.options import SolveOptions
from tests import calliope_reference
from tests.test_engine_vs_calliope import size_differences

URBAN = calliope_reference.EXAMPLES / "urban_scale" / "model.yaml"
ONE_DAY = ["2005-07-01", "2005-07-01"]
MIP_GAP = 1e-4
# (Calliope, esmflow) entries where our math differs on purpose, on the scenario's two days
# (48 hourly steps). The CHP's units are sized in electricity only, so under integer dispatch:
DIFFERENCES = {
    # its heat outflow and gas inflow keep the base capacity limit (Calliope drops it): +48 each
    "constraints.flow_out_max": (912, 960),
    "constraints.flow_in_max": (864, 912),
    # its electricity capacity is units × 300 kW, so no `bigM` × units row for it: -1
    "constraints.flow_capacity_max_purchase_milp": (7, 6),
}
pytestmark = [
    pytest.mark.slow,
    pytest.mark.calliope,
    pytest.mark.skipif(
        not calliope_reference.is_available(), reason="Calliope 0.7.0 not installed"
    ),
]


def test_program_sizes_match_calliope_but_for_the_intended_differences() -> None:
    _, sizes = calliope_reference.program_files("urban_scale_milp")
    model = Model.from_yaml(URBAN, overrides=["milp"])
    assert model.math.origins["variables.purchased_units"] == "milp.yaml"  # ours, not Calliope's
    program = model.build()
    differences = size_differences(program, json.loads(sizes.read_text()))
    assert differences == DIFFERENCES


def test_optimum_matches_calliope_within_the_mip_gap() -> None:
    settings = {
        "config.init.subset.timesteps": ONE_DAY,
        "config.solve.solver_options": {"mip_rel_gap": MIP_GAP},
    }
    reference = calliope_reference.solved_record("urban_scale", "milp", settings)
    model = Model.from_yaml(
        URBAN, overrides=["milp"], set={"config.init.subset.timesteps": ONE_DAY}
    )
    model.build()
    model.solve(SolveOptions(options={"mip_rel_gap": MIP_GAP}))
    assert reference["termination"] == "optimal"
    assert model.solve_result is not None and model.results is not None
    assert model.solve_result.objective == pytest.approx(reference["objective"], rel=MIP_GAP)
    # the same units bought: the CHP (one 300-kW unit) and the boiler at X2, none at X3
    theirs = {tuple(row[:3]): row[3] for row in reference["flow_cap"]}
    for key in [("X1", "chp", "electricity"), ("X2", "boiler", "heat"), ("X3", "boiler", "heat")]:
        ours = float(model.results["flow_cap"].sel(nodes=key[0], techs=key[1], carriers=key[2]))
        assert (ours > 1e-6) == (theirs[key] > 1e-6), key
    assert float(
        model.results["flow_cap"].sel(nodes="X1", techs="chp", carriers="electricity")
    ) == (pytest.approx(theirs[("X1", "chp", "electricity")]))
