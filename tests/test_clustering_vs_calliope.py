"""Calliope 0.7's own `time_clustering` scenario through esmflow's loader, clustering and math.

Calliope's national-scale example clusters 2005 into 10 representative days with its lookup file
`data_tables/cluster_days.csv` (config.init.time_cluster), read here unchanged from the installed
Calliope package. Its HiGHS optima (tests/test_engine_vs_calliope.py has the same numbers from
Calliope's own inputs and math):

- with `extra_math: [storage_inter_cluster]`: 2.0671291640e7;
- without it, each representative day is cyclic on its own and much demand goes unmet at
  `bigM`: 3.4284865017e11. In esmflow, storage across periods is the default once time is
  clustered; `inter_cluster_storage: false` on the storing techs (the battery and the CSP plant
  with its heat store, `balance_supply_with_storage`) gives Calliope's base behaviour.

Skipped where Calliope 0.7.0 is not installed.
"""

from __future__ import annotations

import pytest

from esmflow import Model
from tests import calliope_reference

NATIONAL = calliope_reference.EXAMPLES / "national_scale" / "model.yaml"
WITHIN_EACH_DAY = {
    "techs.battery.inter_cluster_storage": False,
    "techs.csp.inter_cluster_storage": False,
}
CASES = {
    "with storage_inter_cluster": (
        {"config.init.extra_math": ["storage_inter_cluster"]},
        2.0671291640e07,
    ),
    "without": (WITHIN_EACH_DAY, 3.4284865017e11),
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.calliope,
    pytest.mark.skipif(
        not calliope_reference.is_available(), reason="Calliope 0.7.0 not installed"
    ),
]


@pytest.mark.parametrize("case", sorted(CASES))
def test_calliope_time_clustering(case: str) -> None:
    set_values, expected = CASES[case]
    model = Model.from_yaml(NATIONAL, scenario="time_clustering", set=set_values)
    inputs = model.inputs
    assert inputs.sizes["timesteps"] == 240 and inputs.sizes["clusters"] == 10
    assert inputs.sizes["datesteps"] == 365
    assert float(inputs["timestep_weights"].sum()) == 8760
    model.build()
    model.solve()
    assert model.solve_result is not None
    assert model.solve_result.objective == pytest.approx(expected, rel=1e-6)
    assert "balance_supply_with_storage" in model.program.components
