"""The engine on Calliope 0.7.0's own inputs and math gives Calliope's program and optimum.

Calliope's `model.inputs` of its two example models (`/work/ref/*_inputs.nc`) are built with
Calliope's own base.yaml (+ the urban example's additional_math.yaml) and solved with HiGHS.
The objective must match Calliope's HiGHS optimum to 1e-6, and every variable, global expression
and constraint must have as many entries as Calliope's backend builds. Those counts come from
Calliope itself (its LP files are unnamed): the script below runs in `.venv-calliope` once and
caches them in `/work/ref/calliope_component_sizes.json`. Skipped where either is missing.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import xarray as xr

from esmflow.backends.highs import solve_program
from esmflow.backends.program import Program
from esmflow.math.engine.build import build_program
from esmflow.math.schema import load_math
from esmflow.options import BuildOptions, SolveOptions

REFERENCE = Path("/work/ref")
CALLIOPE_PYTHON = Path("/work/main/.venv-calliope/bin/python")
CALLIOPE = Path("/work/main/.venv-calliope/lib/python3.12/site-packages/calliope")
SIZES = REFERENCE / "calliope_component_sizes.json"
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
COUNT_SCRIPT = """
import json, sys
import calliope
calliope.set_log_verbosity("WARNING")
out = {}
INTER_CLUSTER = {"override_dict": {"config.init.extra_math": ["storage_inter_cluster"]}}
for name, variant, kwargs in [
    ("national_scale", None, {}),
    ("urban_scale", None, {}),
    ("urban_scale", "milp", {"scenario": "milp"}),
    ("time_clustering", None, {}),
    ("time_clustering", "inter_cluster", INTER_CLUSTER),
    ("time_resampling", None, {}),
]:
    model = getattr(calliope.examples, name)(**kwargs)
    if name.startswith("time_") or variant:
        name = f"{name}_{variant}" if variant else name
        model.inputs.to_netcdf(f"/work/ref/{name}_inputs.nc")
    model.build(backend="pyomo")
    counts = {}
    for kind in ["variables", "global_expressions", "constraints"]:
        for component, array in getattr(model.backend, kind).items():
            counts[f"{kind}.{component}"] = int(array.notnull().sum())
    out[name] = {"counts": counts}
json.dump(out, open(sys.argv[1], "w"), indent=1, sort_keys=True)
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.calliope,
    pytest.mark.skipif(
        not (REFERENCE.exists() and CALLIOPE.exists()),
        reason="needs /work/ref and the Calliope 0.7.0 reference install",
    ),
]


def calliope_sizes() -> dict:
    """Entries per component as Calliope builds them (computed once, then cached)."""
    if not SIZES.exists() or "time_resampling" not in json.loads(SIZES.read_text()):
        subprocess.run(
            [str(CALLIOPE_PYTHON), "-c", COUNT_SCRIPT, str(SIZES)], check=True, timeout=900
        )
    return json.loads(SIZES.read_text())


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
    inputs = xr.open_dataset(REFERENCE / f"{name}_inputs.nc").load()
    options = BuildOptions({"ensure_feasibility": True, "objective": "min_cost_optimisation"})
    program = build_program(inputs, math, options)
    result = solve_program(program, SolveOptions())
    assert result.objective == pytest.approx(expected_objective, rel=1e-6)
    differences = size_differences(program, calliope_sizes()[name]["counts"])
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
    inputs = xr.open_dataset(REFERENCE / "urban_scale_milp_inputs.nc").load()
    options = BuildOptions({"ensure_feasibility": True, "objective": "min_cost_optimisation"})
    program = build_program(inputs, math, options)
    assert program.model.variables["purchased_units"].attrs["integer"]
    differences = size_differences(program, calliope_sizes()["urban_scale_milp"]["counts"])
    assert not differences, f"(calliope, esmflow) entries per component differ: {differences}"
