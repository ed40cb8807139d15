"""What a solve gives back, whatever the backend: status, objective, solution, gap, solver, time.

Every backend (HiGHS in memory today; Pyomo later) returns a `SolveResult`, and everything after
the solve (the modes' loops, postprocessing, `solve_status.yaml`) reads only this. The solution
is read from the program's linopy variables, which every backend fills with the solver's values,
so `solution_dataset` is shared too. The zero threshold (`config.solve.zero_threshold`) is
applied here, once: values closer to zero than it are solver round-off, not decisions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import linopy
import numpy as np
import xarray as xr

from esmflow.math.program import Program

# Terminations a solve may end with and still give a solution.
OPTIMAL = "optimal"
# A mixed-integer program stopped by `time_limit` with a feasible (not proven optimal) solution:
# its `mip_gap` says how far from optimal it may be at most.
TIME_LIMIT_FEASIBLE = "time_limit_feasible"
SOLVED = (OPTIMAL, TIME_LIMIT_FEASIBLE)
DEFAULT_ZERO_THRESHOLD = 1e-10


@dataclass(frozen=True)
class SolveResult:
    """What a solve gives: status, objective, every variable and global expression's values.

    `mip_gap` is the relative gap between the solution and the best bound HiGHS proved, for a
    mixed-integer program; None for a linear program, which has no gap.
    """

    termination: str
    objective: float
    solution: xr.Dataset
    solver: str
    solver_version: str
    wall_time: float
    mip_gap: float | None = None
    backend: str = "highs"

    @property
    def is_mip(self) -> bool:
        """True for a mixed-integer program (one that has a gap)."""
        return self.mip_gap is not None

    def with_objective(self, objective: float) -> SolveResult:
        """The same result with another objective value (a mode reporting per-window sums)."""
        return replace(self, objective=objective)


def gap_text(gap: float | None) -> str:
    """'MIP gap 0.12 %' for a mixed-integer program, 'LP (no gap)' for a linear one."""
    if gap is None:
        return "LP (no gap)"
    if math.isinf(gap):
        return "MIP gap unknown"
    return f"MIP gap {100 * gap:.3g} %"


def solution_dataset(program: Program, zero_threshold: float = 0.0) -> xr.Dataset:
    """Every variable's and global expression's values (NaN where the component does not exist)."""
    model = program.model
    arrays: dict[str, xr.DataArray] = {}
    for name in model.variables:
        variable = model.variables[name]
        arrays[name] = variable.solution.where(variable.labels != -1)
    for name, expression in program.expressions.items():
        arrays[name] = expression_values(expression)
    return without_round_off(xr.Dataset(arrays), zero_threshold)


def expression_values(expression: Any) -> xr.DataArray:
    """A global expression's solved values (NaN where it does not exist)."""
    if isinstance(expression, linopy.LinearExpression):
        present = (expression.vars != -1).any("_term") | expression.const.notnull()
        return expression.solution.where(present & expression.const.notnull())
    return xr.DataArray(expression)


def without_round_off(solution: xr.Dataset, threshold: float) -> xr.Dataset:
    """Values closer to zero than `threshold` set to exactly zero; NaN stays NaN."""
    if threshold <= 0:
        return solution
    cleaned = solution.copy()
    for name, values in solution.data_vars.items():
        if values.dtype.kind == "f":
            cleaned[name] = values.where(~(np.abs(values) < threshold), 0.0)
    return cleaned
