"""Solve a Program with HiGHS through highspy, in memory (no LP file).

linopy hands HiGHS the whole constraint matrix at once (`io_api="direct"`). Before the solve, the
program is checked for sure causes of an unbounded optimum (`unbounded.py`, a ModelError) and for
badly scaled numbers (`numerics.py`, ModelWarnings). Anything but an optimum raises a ModelError
that explains it in the model's terms (`diagnosis.py`): for an infeasible model, the constraints
and variable bounds of HiGHS's irreducible infeasible set, with the parameters behind them; for an
unbounded one, the variables along which the cost falls without end.
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

from esmflow.backends.diagnosis import explain_infeasible, explain_unbounded
from esmflow.backends.model_terms import ModelTerms
from esmflow.backends.numerics import warn_about_numerics
from esmflow.backends.unbounded import check_unbounded
from esmflow.errors import ModelError, ModelWarning, closest_name
from esmflow.math.program import Program
from esmflow.math.schema import MathDefinition
from esmflow.options import SolveOptions


@dataclass(frozen=True)
class SolveResult:
    """What a solve gives: status, objective, and every variable and global expression's values."""

    termination: str
    objective: float
    solution: xr.Dataset
    solver: str
    solver_version: str
    wall_time: float


def solve_program(
    program: Program,
    options: SolveOptions,
    inputs: xr.Dataset | None = None,
    math: MathDefinition | None = None,
) -> SolveResult:
    """Solve; raise ModelError with a diagnosis unless the optimum was found.

    `inputs` (the model inputs the program was built from) and their `math` (read from the
    inputs when not given) let the checks and diagnoses name parameters and their values;
    without inputs they name components only.
    """
    if options.name != "highs":
        raise ModelError(
            f"Solver '{options.name}' is not available on the HiGHS backend",
            key_path="solver.name",
            expected="highs",
            got=options.name,
        )
    model = program.model
    terms = ModelTerms(model, inputs, math)
    check_unbounded(model, terms)
    warn_about_numerics(model, terms)
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
        iis_strategy = options.options.get("iis_strategy")
        raise ModelError(_diagnose(model, terms, str(status), str(termination), iis_strategy))
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


def _diagnose(
    model: linopy.Model,
    terms: ModelTerms,
    status: str,
    termination: str,
    iis_strategy: int | None = None,
) -> str:
    """The failure explained: what HiGHS concluded, then why, in the model's terms."""
    if "unbounded" in termination or "infeasible_or" in termination:
        termination = _rerun_without_presolve(model) or termination
    solver = model.solver_model
    if not isinstance(solver, highspy.Highs):
        return f"HiGHS stopped without an optimum (status '{status}', termination '{termination}')."
    if "infeasible" in termination and "unbounded" not in termination:
        return "The model is infeasible: no solution meets all its constraints.\n" + (
            explain_infeasible(solver, model, terms, iis_strategy)
        )
    if "unbounded" in termination:
        return "The model is unbounded: its cost can fall without limit.\n" + (
            explain_unbounded(solver, model, terms)
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
