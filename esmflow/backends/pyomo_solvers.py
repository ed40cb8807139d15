"""Finding a solver through Pyomo and running it: HiGHS through Pyomo's own interface, any other by name.

`highs` goes through Pyomo's persistent HiGHS interface (`pyomo.contrib.solver`, highspy in
memory): solved a second time, it hands HiGHS only what changed in the Pyomo model (a user's new
constraint), not the whole model again. Every other name goes to Pyomo's `SolverFactory` as
written (`glpk`, `cbc`, `gurobi`, `gurobi_persistent`, `cplex`, `xpress`, `scip`, …); installing
the solver is the user's business. A solver Pyomo cannot find is a ModelError that says what
Pyomo looked for (the executable, or the Python module of a direct interface).

Options go to the solver unchanged, under the solver's own names. For HiGHS, a name HiGHS does
not know is dropped with a ModelWarning (HiGHS itself would only print an error line); every
other solver judges its options itself.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyomo.environ as pyo
from pyomo.common.errors import ApplicationError
from pyomo.contrib.solver.common.factory import SolverFactory as PersistentSolverFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.opt import SolverStatus as LegacySolverStatus
from pyomo.opt import TerminationCondition as LegacyTermination
from pyomo.opt.base.solvers import UnknownSolver

from esmflow.backends.highs import highs_options, release_thread_pool
from esmflow.errors import ModelError, closest_name

# Pyomo's terminations in linopy's words (what `SolveResult.termination` holds on every backend).
_TERMINATIONS = {
    TerminationCondition.convergenceCriteriaSatisfied: "optimal",
    TerminationCondition.maxTimeLimit: "time_limit",
    TerminationCondition.iterationLimit: "iteration_limit",
    TerminationCondition.unbounded: "unbounded",
    TerminationCondition.provenInfeasible: "infeasible",
    TerminationCondition.locallyInfeasible: "infeasible",
    TerminationCondition.infeasibleOrUnbounded: "infeasible_or_unbounded",
    TerminationCondition.licensingProblems: "licensing_problems",
    TerminationCondition.interrupted: "user_interrupt",
    TerminationCondition.emptyModel: "optimal",
}
_LEGACY_TERMINATIONS = {
    LegacyTermination.optimal: "optimal",
    LegacyTermination.globallyOptimal: "optimal",
    LegacyTermination.locallyOptimal: "optimal",
    LegacyTermination.maxTimeLimit: "time_limit",
    LegacyTermination.maxIterations: "iteration_limit",
    LegacyTermination.unbounded: "unbounded",
    LegacyTermination.infeasible: "infeasible",
    LegacyTermination.infeasibleOrUnbounded: "infeasible_or_unbounded",
    LegacyTermination.userInterrupt: "user_interrupt",
}
# loggers through which Pyomo says what it looked for when a solver is missing
_PYOMO_LOGGERS = ("pyomo.solvers", "pyomo.opt", "pyomo.contrib.solver", "pyomo.common")


@dataclass(frozen=True)
class SolverRun:
    """How a solve ended, in the solver-neutral words of `SolveResult`.

    `has_solution`: the solver loaded a primal solution into the Pyomo variables. `bound`: the
    best bound proved (a mixed-integer program's dual bound), None when the solver gives none.
    `duals`: HiGHS's row duals of a linear program (the prices), None where there are none.
    """

    termination: str
    has_solution: bool
    bound: float | None
    duals: Mapping[Any, float] | None = None  # a linear program's row duals, by Pyomo row


def find_solver(
    name: str, options: Mapping[str, Any], threads: int, log_file: str | None
) -> PyomoHighs | PyomoSolver:
    """The solver called `name` through Pyomo, checked to be there (a ModelError if it is not)."""
    if name == "highs":
        return PyomoHighs(options, threads, log_file)
    return PyomoSolver(name, options, log_file)


class PyomoHighs:
    """HiGHS through Pyomo's persistent interface: one instance per session, updated between solves."""

    name = "highs"

    def __init__(self, options: Mapping[str, Any], threads: int, log_file: str | None) -> None:
        self._solver = PersistentSolverFactory("highs")
        if not self._solver.available():
            raise ModelError(
                "Pyomo cannot reach HiGHS: its Python module highspy does not import",
                key_path="solver.name",
                got="highs",
            )
        self.options = highs_options(options)  # other solvers' names mapped, as on HiGHS
        self.threads = threads
        self.log_file = log_file

    @property
    def version(self) -> str:
        return ".".join(str(part) for part in self._solver.version())

    def solve(self, model: pyo.ConcreteModel) -> SolverRun:
        """Solve (or re-solve, after the model changed) and load the solution into the variables."""
        release_thread_pool()  # HiGHS's pool may have been sized by a run with other threads
        with _log_stream(self.log_file) as log:
            results = self._solver.solve(
                model,
                tee=[log] if log is not None else False,
                load_solutions=False,
                raise_exception_on_nonoptimal_result=False,
                threads=self.threads,
                solver_options=dict(self.options),
            )
        has_solution = results.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
        if has_solution:
            results.solution_loader.load_vars()
        termination = _TERMINATIONS.get(results.termination_condition, "unknown")
        bound = results.objective_bound
        duals = _linear_program_duals(results) if has_solution else None
        return SolverRun(termination, has_solution, None if bound is None else float(bound), duals)


def _linear_program_duals(results: Any) -> Mapping[Any, float] | None:
    """The row duals HiGHS reports through Pyomo; None for a mixed-integer program (it has none)."""
    try:
        return results.solution_loader.get_duals()
    except Exception:  # Pyomo refuses duals of a MIP; no prices then, as on the HiGHS backend
        return None


class PyomoSolver:
    """Any solver Pyomo's SolverFactory knows by name, given the whole model at each solve."""

    def __init__(self, name: str, options: Mapping[str, Any], log_file: str | None) -> None:
        self.name = name
        self.options = dict(options)
        self.log_file = log_file
        self._solver = _available_solver(name)

    @property
    def version(self) -> str:
        with contextlib.suppress(Exception):  # a solver that cannot tell its version
            found = self._solver.version()
            if found:
                return ".".join(str(part) for part in found)
        return "unknown"

    def solve(self, model: pyo.ConcreteModel) -> SolverRun:
        """Solve and load the solution into the variables (when the solver found one)."""
        keywords: dict[str, Any] = {"load_solutions": False, "options": dict(self.options)}
        if self.log_file and _takes_log_file(self._solver):
            keywords["logfile"] = self.log_file
        try:
            results = self._solver.solve(model, **keywords)
        except (ApplicationError, RuntimeError, ValueError) as error:
            raise ModelError(
                f"Solver '{self.name}' (through Pyomo) failed: {error}",
                key_path="solver",
                expected="solver options the solver knows (see its log)",
            ) from error
        termination = _LEGACY_TERMINATIONS.get(
            results.solver.termination_condition, str(results.solver.termination_condition)
        )
        has_solution = len(results.solution) > 0 and results.solver.status in (
            LegacySolverStatus.ok,
            LegacySolverStatus.warning,
            LegacySolverStatus.aborted,
        )
        if has_solution:
            model.solutions.load_from(results)
        return SolverRun(termination, has_solution, _legacy_bound(results))


def _available_solver(name: str) -> Any:
    """Pyomo's solver object for `name`, or a ModelError saying what Pyomo looked for."""
    known = sorted(n for n in pyo.SolverFactory if not str(n).startswith("_"))
    with _pyomo_messages() as messages:
        solver = pyo.SolverFactory(name)
        if isinstance(solver, UnknownSolver):
            raise ModelError(
                f"Pyomo knows no solver '{name}' and found no executable '{name}' on the PATH",
                key_path="solver.name",
                expected="a solver name of Pyomo's SolverFactory, e.g. highs, glpk, cbc, gurobi",
                got=name,
                closest=closest_name(name, known),
            )
        try:
            available = bool(solver.available(exception_flag=False))
        except Exception:  # a plugin whose availability check itself fails
            available = False
    if not available:
        looked_for = " ".join(dict.fromkeys(messages)) or f"Solver '{name}' is not available."
        raise ModelError(
            f"Pyomo cannot run the solver '{name}': {looked_for}",
            key_path="solver.name",
            expected="a solver installed on this machine (its executable on the PATH, or its "
            "Python package installed), or `highs` (always there)",
            got=name,
        )
    return solver


@contextlib.contextmanager
def _pyomo_messages() -> Iterator[list[str]]:
    """What Pyomo logs while it looks for a solver, collected instead of printed."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage().splitlines()[0])

    handler = Collect(level=logging.WARNING)
    loggers = [logging.getLogger(name) for name in _PYOMO_LOGGERS]
    saved = [(logger.propagate, list(logger.handlers)) for logger in loggers]
    for logger in loggers:
        logger.handlers = [handler]
        logger.propagate = False
    try:
        yield messages
    finally:
        for logger, (propagate, handlers) in zip(loggers, saved, strict=True):
            logger.handlers = handlers
            logger.propagate = propagate


def _takes_log_file(solver: Any) -> bool:
    """Shell solvers write their log where `logfile` says; direct interfaces take no file."""
    return hasattr(solver, "_log_file")


def _legacy_bound(results: Any) -> float | None:
    """The best bound a legacy result reports (lower for minimising, upper for maximising)."""
    problem = results.problem
    sense = getattr(problem, "sense", None)
    bound = problem.upper_bound if sense == pyo.maximize else problem.lower_bound
    try:
        bound = float(bound)
    except (TypeError, ValueError):
        return None
    return bound if math.isfinite(bound) else None


@contextlib.contextmanager
def _log_stream(log_file: str | None) -> Iterator[Any]:
    """The solver log's file, opened for appending (None: no log)."""
    if not log_file:
        yield None
        return
    with Path(log_file).open("a", encoding="utf-8") as stream:
        yield stream
