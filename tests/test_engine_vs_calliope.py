"""The engine on Calliope 0.7.0's own inputs and math gives Calliope's program and optimum.

Calliope's `model.inputs` of its example models (tests/calliope_reference.py) are built with
Calliope's own base.yaml (+ the urban example's additional_math.yaml) and solved with HiGHS.
The objective must match Calliope's HiGHS optimum to 1e-6, and every variable, global expression
and constraint must have as many entries as Calliope's backend builds. Those counts come from
Calliope itself (its LP files are unnamed): tests/data/calliope_programs.py runs in
`.venv-calliope` once per case and the answers are cached. Skipped where Calliope is missing.
"""

from __future__ import annotations

import json

import pytest
import xarray as xr

from esmflow.backends.highs import solve_program
from esmflow.backends.program import Program
from esmflow.math.engine.build import build_program
from esmflow.math.schema import load_math
from esmflow.options import BuildOptions, SolveOptions
from tests import calliope_reference

CALLIOPE = calliope_reference.PACKAGE
CLUSTER_MATH = {"storage_inter_cluster": CALLIOPE / "math" / "storage_inter_cluster.yaml"}
CASES = {
    "national_scale": (277048.47864, {}),
    # Calliope's time-clustered national example (10 representative days; HiGHS optimum from
    # Calliope's log), without and with the inter-cluster storage math
    "time_clustering": (3.4284865017e11, {}),
    "time_clustering_inter_cluster": (2.0671291640e07, CLUSTER_MATH),
    "time_resampling": (1.8227886073e06, {}),  # national example resampled to 6-hourly steps
    "urban_scale": (
        842.33719671,
        {"additional": CALLIOPE / "example_models/urban_scale/additional_math.yaml"},
    ),
}
pytestmark = [
    pytest.mark.slow,
    pytest.mark.calliope,
    pytest.mark.skipif(not calliope_reference.is_available(), reason="Calliope 0.7.0 not installed"),
]


def calliope_program(name: str) -> tuple[xr.Dataset, dict[str, int]]:
    """Calliope's inputs and its entries per component for one case (made once, then cached)."""
    inputs_file, sizes_file = calliope_reference.program_files(name)
    return xr.open_dataset(inputs_file).load(), json.loads(sizes_file.read_text())


def size_differences(program: Program, theirs: dict[str, int]) -> dict[str, tuple[int, int]]:
    """(Calliope, esmflow) entries of every component whose sizes differ."""
    model = program.model
    ours = {f"variables.{n}": int((model.variables[n].labels != -1).sum()) for n in model.variables}
    ours |= {
        f"constraints.{n}": int((model.constraints[n].labels != -1).sum())
        for n in model.constraints
    }
    for name, expression in program.expressions.items():
        present = (expression.vars != -1).any("_term") | (expression.const != 0)
        ours[f"global_expressions.{name}"] = int((present & expression.const.notnull()).sum())
    return {
        key: (theirs.get(key, 0), ours.get(key, 0))
        for key in set(theirs) | set(ours)
        if theirs.get(key, 0) != ours.get(key, 0)
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_objective_and_component_sizes_match_calliope(name: str) -> None:
    expected_objective, extra_math = CASES[name]
    math = load_math(list(extra_math), {"base": CALLIOPE / "math" / "base.yaml", **extra_math})
    inputs, sizes = calliope_program(name)
    options = BuildOptions({"ensure_feasibility": True, "objective": "min_cost_optimisation"})
    program = build_program(inputs, math, options)
    result = solve_program(program, SolveOptions())
    assert result.objective == pytest.approx(expected_objective, rel=1e-6)
    differences = size_differences(program, sizes)
    assert not differences, f"(calliope, esmflow) entries per component differ: {differences}"


def test_milp_program_has_calliope_sizes() -> None:
    # The urban example's `milp` scenario (Calliope's milp.yaml: integer units, unit commitment,
    # big-M switches). Only the program is compared: HiGHS needs minutes to close its MIP gap.
    paths = {
        "base": CALLIOPE / "math" / "base.yaml",
        "milp": CALLIOPE / "math" / "milp.yaml",
        **CASES["urban_scale"][1],
    }
    math = load_math(["milp", "additional"], paths)
    inputs, sizes = calliope_program("urban_scale_milp")
    options = BuildOptions({"ensure_feasibility": True, "objective": "min_cost_optimisation"})
    program = build_program(inputs, math, options)
    assert program.model.variables["purchased_units"].attrs["integer"]
    differences = size_differences(program, sizes)
    assert not differences, f"(calliope, esmflow) entries per component differ: {differences}"
