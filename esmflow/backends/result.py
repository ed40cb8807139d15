"""What a solve gives back, whatever the backend: status, objective, solution, gap, solver, time.

Every backend (HiGHS in memory today; Pyomo later) returns a `SolveResult`, and everything after
the solve (the modes' loops, postprocessing, `solve_status.yaml`) reads only this. The solution
is read from the program's linopy variables, which every backend fills with the solver's values,
so `solution_from_primal` is shared too. The zero threshold (`config.solve.zero_threshold`) is
applied here, once: values closer to zero than it are solver round-off, not decisions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

if TYPE_CHECKING:  # the postprocessing reads SolveResult without importing linopy (~0.5 s)
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
    mixed-integer program; None for a linear program, which has no gap. A mode that solves
    several times (operate windows, SPORES) lists each solve in `solves` and the inputs it set
    per solve in `mode_inputs` (along its own dimension, e.g. `spores`); `wall_time` is then
    the solver's time over all solves and `mode_wall_time` the whole loop's.
    """

    termination: str
    objective: float
    solution: xr.Dataset
    solver: str
    solver_version: str
    wall_time: float
    mip_gap: float | None = None
    backend: str = "highs"
    solves: tuple[dict[str, Any], ...] = ()
    mode_wall_time: float | None = None
    mode_inputs: xr.Dataset | None = None

    @property
    def is_mip(self) -> bool:
        """True for a mixed-integer program (one that has a gap)."""
        return self.mip_gap is not None


def gap_text(gap: float | None) -> str:
    """'MIP gap 0.12 %' for a mixed-integer program, 'LP (no gap)' for a linear one."""
    if gap is None:
        return "LP (no gap)"
    if math.isinf(gap):
        return "MIP gap unknown"
    return f"MIP gap {100 * gap:.3g} %"


def solution_from_primal(
    program: Program,
    primal: np.ndarray,
    zero_threshold: float = 0.0,
    with_expressions: bool = True,
) -> xr.Dataset:
    """Every variable's and global expression's values from the solver's primal values.

    `primal` is indexed by linopy variable label (NaN where the solver holds no column), so
    every backend hands the same thing over. NaN where a component does not exist. Without
    expressions, the variables only (a mode that evaluates the expressions itself saves it).
    """
    arrays: dict[str, xr.DataArray] = {}
    for name in program.model.variables:
        labels = program.model.variables[name].labels
        arrays[name] = labels.copy(data=_at_labels(primal, labels.values))
    for name, expression in program.expressions.items() if with_expressions else ():
        arrays[name] = expression_values(expression, primal)
    return without_round_off(xr.Dataset(arrays), zero_threshold)


def _at_labels(primal: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The values at linopy labels (NaN for -1, no variable)."""
    values = np.full(labels.shape, np.nan)
    present = labels != -1
    values[present] = primal[labels[present]]
    return values


def expression_values(expression: Any, primal: np.ndarray) -> xr.DataArray:
    """A global expression's solved values (NaN where it does not exist)."""
    import linopy  # here, not at the top: see the imports

    if not isinstance(expression, linopy.LinearExpression):
        return xr.DataArray(expression)
    data = expression.data
    variables = data.vars.transpose(..., "_term").values
    coeffs = data.coeffs.transpose(..., "_term").values
    const = data.const.values
    has_term = variables != -1
    terms = np.where(has_term, coeffs * _at_labels(primal, np.where(has_term, variables, -1)), 0)
    present = (has_term.any(axis=-1) | ~np.isnan(const)) & ~np.isnan(const)
    values = np.where(present, np.nansum(terms, axis=-1) + const, np.nan)
    return data.const.copy(data=values)


def without_round_off(solution: xr.Dataset, threshold: float) -> xr.Dataset:
    """Values closer to zero than `threshold` set to exactly zero; NaN stays NaN."""
    if threshold <= 0:
        return solution
    cleaned = solution.copy()
    for name, values in solution.data_vars.items():
        if values.dtype.kind == "f":
            cleaned[name] = values.where(~(np.abs(values) < threshold), 0.0)
    return cleaned
