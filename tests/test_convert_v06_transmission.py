"""A converted Calliope 0.6 link balances each direction on its own, as 0.6 did.

The model (0.6 syntax): node `a` has a plant that must give 1 unit of heat per hour
(`force_resource`) and nothing else takes heat there; node `b` needs 0.4 per hour. The link
a–b loses half of what it carries (`energy_eff: 0.5`); its capacity costs money, so the
optimum is the smallest capacity that carries every flow.

0.6 (per direction): with `x` the heat taken in at a and `y` at b, a's balance is
x = 1 + 0.5·y (the plant and what arrives from b) and b's is 0.5·x = 0.4 + y (b must pass
its surplus back). Hence 0.5 + 0.25·y = 0.4 + y, y = 2/15, x = 16/15: the capacity is 16/15.

esmflow's own balance (Calliope 0.7's) only sums both ends: (out_a + out_b) / 0.5 =
in_a + in_b. Then b can take in 0.2 and give out 0.6 at the same time (0.4 to its demand),
while a sends its 1 unit: (0 + 0.6) / 0.5 = 1 + 0.2. a must take in at least its plant's 1,
so the capacity is 1 — less than 0.6's 16/15, because the link spends b's surplus at b.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from esmflow import Model
from esmflow.errors import ModelWarning
from esmflow.io.calliope06 import convert_v06

MODEL_06 = """
model:
  name: link balance
  timeseries_data_path: data
  subset_time: ['2005-01-01 00:00', '2005-01-01 01:00']
run:
  objective_options.cost_class: {monetary: 1}
techs:
  plant:
    essentials: {parent: supply, carrier: heat}
    constraints: {resource: 1, force_resource: true, lifetime: 1}
  load:
    essentials: {parent: demand, carrier: heat}
  pipe:
    essentials: {parent: transmission, carrier: heat}
    constraints: {energy_eff: 0.5, lifetime: 1}
    costs.monetary: {energy_cap: 1, interest_rate: 0}
locations:
  a:
    coordinates: {x: 0, y: 0}
    techs: {plant: }
  b:
    coordinates: {x: 1, y: 0}
    techs:
      load.constraints.resource: file=load.csv
links:
  a,b:
    techs: {pipe: }
"""
LOAD_CSV = "t,b\n2005-01-01 00:00:00,-0.4\n2005-01-01 01:00:00,-0.4\n"


def pipe_capacity(tmp_path: Path, **set_values: object) -> float:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "load.csv").write_text(LOAD_CSV)
    (tmp_path / "model.yaml").write_text(MODEL_06)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        result = convert_v06(tmp_path / "model.yaml", tmp_path / "out")
        model = Model.from_yaml(result.model_file, set=set_values)
        model.build()
        model.solve()
    assert model.results is not None
    return float(model.results["flow_cap"].sel(nodes="a", techs="pipe_a_to_b").sum())


def test_each_direction_balances_as_in_0_6(tmp_path: Path) -> None:
    assert pipe_capacity(tmp_path) == pytest.approx(16 / 15)


def test_without_the_math_file_both_ends_balance_together(tmp_path: Path) -> None:
    assert pipe_capacity(tmp_path, **{"config.init.extra_math": []}) == pytest.approx(1)
