"""Solution → results Dataset: the inputs, plus every solved variable and expression, plus status.

The results keep Calliope 0.7's names (`flow_cap`, `flow_out`, `cost`, …) on the inputs' own
coordinates, so one file answers both "what went in" and "what came out". Each solved array carries
the attribute `is_result = 1` so readers can tell results from inputs, and every array the math
describes its `description` and `unit` (in the model's units, `esmflow.postprocess.units`). The
attributes `horizon` and `horizon_hours` say what time the totals cover.
"""

from __future__ import annotations

import logging
from typing import Any

import xarray as xr

from esmflow.backends.result import (
    DEFAULT_ZERO_THRESHOLD,
    SolveResult,
    gap_text,
    without_round_off,
)
from esmflow.math.engine.postprocessed import evaluate_postprocessed
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions, SolveOptions
from esmflow.postprocess.prices import add_prices
from esmflow.postprocess.units import annotate, horizon
from esmflow.preprocess.inputs import resolved_config

logger = logging.getLogger(__name__)


def zero_threshold(inputs: xr.Dataset) -> float:
    """The model's `config.solve.zero_threshold`, read from the config stored with the inputs."""
    if not inputs.attrs.get("config"):
        return DEFAULT_ZERO_THRESHOLD
    solve = (resolved_config(inputs) or {}).get("solve") or {}
    return float(solve.get("zero_threshold", DEFAULT_ZERO_THRESHOLD))


def make_results(inputs: xr.Dataset, solve_result: SolveResult) -> xr.Dataset:
    """Inputs plus solved variables/expressions (zero_threshold applied) plus status attrs."""
    solution = without_round_off(solve_result.solution, zero_threshold(inputs))
    solution = solution.merge(_postprocessed(inputs, solution))
    clashes = sorted(set(solution.data_vars) & set(inputs.data_vars))
    if clashes:
        logger.warning("results replace inputs of the same name: %s", ", ".join(clashes))
    results = inputs.copy()
    for name, values in solution.data_vars.items():
        results[name] = values.assign_attrs(is_result=1)
    results.attrs.update(
        termination=str(solve_result.termination),
        objective=float(solve_result.objective),
        solver=str(solve_result.solver),
        solver_version=str(solve_result.solver_version),
        solve_wall_time=float(solve_result.wall_time),
        backend=str(solve_result.backend),
        mip_gap=gap_text(solve_result.mip_gap),
    )
    span = horizon(results)
    results.attrs.update(horizon=span.text(), horizon_hours=span.hours)
    if inputs.attrs.get("math"):
        results = annotate(results, MathDefinition.from_inputs(inputs))
    return add_prices(results)


def _postprocessed(inputs: xr.Dataset, solution: xr.Dataset) -> xr.Dataset:
    """The math's `postprocessed` arrays (capacity factors, levelised costs, …) from the solution.

    A SPORES solution (a `spores` dimension) is postprocessed spore by spore; an array the
    solve already gives (the scores each spore was solved with) is kept as the solve gave it.
    """
    if not inputs.attrs.get("math"):
        return xr.Dataset()
    if "spores" in solution.dims:
        spores = solution.indexes["spores"]
        parts = [_postprocessed(inputs, solution.sel(spores=spore)) for spore in spores]
        combined = xr.concat(parts, dim=spores, coords="minimal")
        return combined.drop_vars([name for name in combined.data_vars if name in solution])
    options = BuildOptions.from_model_config(resolved_config(inputs) or {})
    return evaluate_postprocessed(inputs, MathDefinition.from_inputs(inputs), solution, options)


def solve_status(result: SolveResult, options: SolveOptions) -> dict[str, Any]:
    """What `solve_status.yaml` holds: the outcome first, then how it was obtained.

    `mip_gap` is the relative gap reached by a mixed-integer program (null for an LP, which has
    none; `problem_type` says which).
    """
    return {
        "termination": str(result.termination),
        "objective": float(result.objective),
        "problem_type": "MILP" if result.is_mip else "LP",
        "mip_gap": None if result.mip_gap is None else float(result.mip_gap),
        "solver": str(result.solver),
        "solver_version": str(result.solver_version),
        "solver_options": dict(options.options),
        "threads": int(options.threads),
        "backend": str(result.backend),
        "wall_time_s": round(float(result.wall_time), 3),
    }
