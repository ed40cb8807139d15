"""Solve a Program with HiGHS through highspy, in memory (no LP file).

linopy hands HiGHS the whole constraint matrix at once (`io_api="direct"`). Anything but an
optimum raises a ModelError that says what happened: for an infeasible model, the constraints
HiGHS's IIS finds in conflict; for an unbounded one, the status and the variables that can run
away in the direction of the objective.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import highspy
import linopy
import numpy as np
import xarray as xr

from esmflow.errors import ModelError, ModelWarning, closest_name
from esmflow.math.program import Program
from esmflow.options import SolveOptions

_MAX_LISTED = 10


@dataclass(frozen=True)
class SolveResult:
    """What a solve gives: status, objective, and every variable and global expression's values."""

    termination: str
    objective: float
    solution: xr.Dataset
    solver: str
    solver_version: str
    wall_time: float


def solve_program(program: Program, options: SolveOptions) -> SolveResult:
    """Solve; raise ModelError with a diagnosis unless the optimum was found."""
    if options.name != "highs":
        raise ModelError(
            f"Solver '{options.name}' is not available on the HiGHS backend",
            key_path="solver.name",
            expected="highs",
            got=options.name,
        )
    model = program.model
    solver_options = {
        "threads": int(options.threads),
        "log_to_console": False,
        **_known_options(options.options),
    }
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FutureWarning)
        status, termination = model.solve(
            solver_name="highs",
            io_api="direct",
            log_fn=options.log_file,
            progress=False,
            **solver_options,
        )
    wall_time = time.perf_counter() - start
    if termination != "optimal":
        raise ModelError(_diagnose(model, str(status), str(termination)), got=str(termination))
    return SolveResult(
        termination="optimal",
        objective=float(model.objective.value) + program.objective_constant,
        solution=solution_dataset(program, options.zero_threshold),
        solver="highs",
        solver_version=highs_version(),
        wall_time=wall_time,
    )


def _known_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options HiGHS knows; each unknown one is dropped with a ModelWarning naming the closest.

    A warning, not an error: Calliope models often carry options for other solvers (`mipgap`)
    and must run unchanged; HiGHS itself would print an error line and ignore them.
    """
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    listed = [name for name in dir(highs.getOptions()) if not name.startswith("_")]
    kept = {}
    for name, value in options.items():
        status, _ = highs.getOptionType(str(name))
        if status == highspy.HighsStatus.kOk:
            kept[str(name)] = value
            continue
        closest = closest_name(str(name), listed, cutoff=0.5)
        hint = f" Did you mean '{closest}'?" if closest else ""
        warnings.warn(
            f"solver.options.{name}: '{name}' is not a HiGHS option and is ignored.{hint}",
            ModelWarning,
            stacklevel=3,
        )
    return kept


def highs_version() -> str:
    """The HiGHS version (that of the highspy package, which bundles it; no banner printed)."""
    from importlib.metadata import version

    return version("highspy")


def solution_dataset(program: Program, zero_threshold: float = 0.0) -> xr.Dataset:
    """Every variable's and global expression's values (NaN where the component does not exist)."""
    model = program.model
    arrays: dict[str, xr.DataArray] = {}
    for name in model.variables:
        variable = model.variables[name]
        arrays[name] = variable.solution.where(variable.labels != -1)
    for name, expression in program.expressions.items():
        if isinstance(expression, linopy.LinearExpression):
            present = (expression.vars != -1).any("_term") | expression.const.notnull()
            values = expression.solution.where(present & expression.const.notnull())
        else:
            values = xr.DataArray(expression)
        arrays[name] = values
    solution = xr.Dataset(arrays)
    if zero_threshold > 0:
        solution = solution.map(lambda a: a.where(~(np.abs(a) < zero_threshold), 0.0))
    return solution


def _diagnose(model: linopy.Model, status: str, termination: str) -> str:
    if "unbounded" in termination or "infeasible_or" in termination:
        termination = _rerun_without_presolve(model) or termination
    if "infeasible" in termination and "unbounded" not in termination:
        return "The model is infeasible. " + _conflicting_constraints(model)
    if "unbounded" in termination:
        return (
            f"The model is {termination.replace('_', ' ')}: the objective can improve without limit"
            + _unbounded_variables(model)
            + ". Look for a negative cost (or a revenue) on a variable without an upper bound; "
            "a finite `*_max` bound fixes it."
        )
    return f"HiGHS stopped without an optimum (status '{status}', termination '{termination}')."


def _rerun_without_presolve(model: linopy.Model) -> str | None:
    """Presolve may only say "infeasible or unbounded"; the plain simplex tells which (and gives a ray)."""
    solver = model.solver_model
    if not isinstance(solver, highspy.Highs):
        return None
    solver.setOptionValue("presolve", "off")
    solver.run()
    status = solver.modelStatusToString(solver.getModelStatus()).lower()
    return (
        "unbounded" if "unbounded" in status else "infeasible" if "infeasible" in status else None
    )


def _unbounded_variables(model: linopy.Model) -> str:
    """The variables along which HiGHS's primal ray runs away (", e.g. along flow_cap[…]")."""
    solver = model.solver_model
    if not isinstance(solver, highspy.Highs):
        return ""
    try:
        _, has_ray, ray = solver.getPrimalRay()
    except Exception:  # noqa: BLE001 - a diagnosis aid only
        return ""
    if not has_ray:
        return ""
    labels = np.asarray(model.matrices.vlabels)[np.flatnonzero(np.abs(np.asarray(ray)) > 1e-9)]
    named = [
        _describe(model.variables.get_label_position(int(label))) for label in labels[:_MAX_LISTED]
    ]
    return ", e.g. along " + ", ".join(named) if named else ""


def _conflicting_constraints(model: linopy.Model) -> str:
    try:
        labels = model.compute_infeasibilities()
    except Exception as err:  # noqa: BLE001 - the IIS is a diagnosis aid; say why it is missing
        return f"(HiGHS could not compute an irreducible infeasible set: {err})"
    if not labels:
        return "HiGHS found no irreducible infeasible set of constraints (the variable bounds may conflict)."
    names = []
    for label in labels[:_MAX_LISTED]:
        found = model.constraints.get_label_position(label)
        names.append(_describe(found))
    more = f" … and {len(labels) - _MAX_LISTED} more" if len(labels) > _MAX_LISTED else ""
    return (
        "These constraints conflict, given the bounds of their variables"
        " (an irreducible infeasible set):\n    " + "\n    ".join(names) + more
    )


def _describe(position: object) -> str:
    if isinstance(position, tuple) and len(position) == 2:
        name, coords = position
        where = ", ".join(f"{key}={value}" for key, value in dict(coords).items())
        return f"{name}[{where}]"
    return str(position)
