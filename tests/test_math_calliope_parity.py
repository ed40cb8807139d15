"""Our base.yaml builds the same program as Calliope 0.7.0's base math.

Calliope's own inputs for its two example models (made on demand, tests/calliope_reference.py) are built twice by the
same esmflow engine: once with our base.yaml, once with Calliope's base.yaml read from the
reference install. Objectives must match Calliope's own HiGHS optimum to 1e-6, and every
constraint must have the same number of rows (and every variable the same number of columns).
Skipped where Calliope is not installed (a fresh clone).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import xarray as xr

from esmflow.backends.highs import solve_program
from esmflow.math.engine.build import build_program
from esmflow.math.schema import BUILTIN_MATH_DIR, MathDefinition, merge_math, read_math_yaml
from esmflow.options import BuildOptions, SolveOptions
from tests import calliope_reference

CALLIOPE = calliope_reference.PACKAGE
CASES = {
    # model: (Calliope's HiGHS objective, extra math the example loads)
    "national_scale": (277048.47864, None),
    "urban_scale": (842.33719671, "example_models/urban_scale/additional_math.yaml"),
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.calliope,
    pytest.mark.skipif(
        not calliope_reference.is_available(), reason="Calliope 0.7.0 not installed"
    ),
]


def read_inputs(name: str) -> xr.Dataset:
    inputs = xr.open_dataset(calliope_reference.inputs_file(name)).load()
    for variable in inputs.data_vars:  # string lookups: undefined is "" in our inputs contract
        if inputs[variable].dtype == object:
            inputs[variable] = inputs[variable].fillna("").astype(str)
    return inputs


def math_from(base_file: Path, extra: str | None) -> MathDefinition:
    merged = read_math_yaml(base_file.read_text(), source=str(base_file))
    if extra is not None:
        merged = merge_math(merged, read_math_yaml((CALLIOPE / extra).read_text()))
    return MathDefinition(merged)


def build_and_solve(inputs: xr.Dataset, math: MathDefinition) -> tuple[float, dict, dict]:
    options = BuildOptions(config={"ensure_feasibility": True})
    program = build_program(inputs, math, options)
    rows = {name: int((con.labels != -1).sum()) for name, con in program.model.constraints.items()}
    cols = {name: int((var.labels != -1).sum()) for name, var in program.model.variables.items()}
    return solve_program(program, SolveOptions()).objective, rows, cols


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_program_and_objective_as_calliope_base_math(name):
    expected, extra = CASES[name]
    inputs = read_inputs(name)
    ours = build_and_solve(inputs, math_from(BUILTIN_MATH_DIR / "base.yaml", extra))
    theirs = build_and_solve(inputs, math_from(CALLIOPE / "math" / "base.yaml", extra))
    assert ours[0] == pytest.approx(expected, rel=1e-6)
    assert ours[0] == pytest.approx(theirs[0], rel=1e-9)
    assert ours[1] == theirs[1]  # rows per constraint
    assert ours[2] == theirs[2]  # columns per variable
