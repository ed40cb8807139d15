"""The program size build_model stores for the solve's memory request (rules/common.smk)."""

from __future__ import annotations

from types import SimpleNamespace

import linopy
import numpy as np
from build_model import program_size


def test_counts_variables_rows_and_nonzeros_of_a_small_program() -> None:
    # x[0..2] ≥ 0 and y; rows: x[i] + y ≥ 1 for i = 0, 1, 2 (2 nonzeros each) and 2·x[0] ≤ 5
    # (1 nonzero): 4 variables, 4 constraints, 3 · 2 + 1 = 7 nonzeros
    model = linopy.Model()
    x = model.add_variables(lower=0, coords=[np.arange(3)], name="x")
    y = model.add_variables(lower=0, name="y")
    model.add_constraints(x + y >= 1, name="cover")
    model.add_constraints(2 * x.sel(dim_0=0) <= 5, name="cap")
    model.add_objective(x.sum() + y)
    assert program_size(SimpleNamespace(model=model)) == {
        "variables": 4,
        "constraints": 4,
        "nonzeros": 7,
    }
