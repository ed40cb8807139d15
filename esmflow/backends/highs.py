"""Solve a Program with HiGHS through highspy, in memory (no LP file).

linopy hands HiGHS the whole constraint matrix at once (`io_api="direct"`). Before the solve, the
program is checked for sure causes of an unbounded optimum (`unbounded.py`, a ModelError) and for
badly scaled numbers (`numerics.py`, ModelWarnings). Anything but an optimum raises a ModelError
that explains it in the model's terms (`diagnosis.py`): for an infeasible model, the constraints
and variable bounds of HiGHS's irreducible infeasible set, with the parameters behind them; for an
unbounded one, the variables along which the cost falls without end.
"""

from __future__ import annotations

import importlib.util
import logging
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highspy
import linopy
import linopy.solvers
import numpy as np
import xarray as xr

from esmflow.backends.diagnosis import explain_infeasible, explain_unbounded
from esmflow.backends.model_terms import ModelTerms
from esmflow.backends.numerics import warn_about_numerics
from esmflow.backends.result import (
    SOLVED,
    TIME_LIMIT_FEASIBLE,
    SolveResult,
    gap_text,
    solution_from_primal,
)
from esmflow.backends.unbounded import check_unbounded
from esmflow.errors import ModelError, ModelWarning, closest_name
from esmflow.math.program import Program, ProgramChanges
from esmflow.math.schema import MathDefinition
from esmflow.options import SolveOptions

logger = logging.getLogger(__name__)


class HighsSession:
    """A program handed to HiGHS once: solved, changed in place, solved again.

    The matrix goes to HiGHS in one call (linopy's direct interface). `apply` changes column
    bounds, row bounds, coefficients and costs of the HiGHS model where they are (HiGHS keeps
    its basis, so the next solve starts from the last one); the rows and columns stay those
    of the program as built. Rows with an infinite right-hand side stay in (as free rows) so
    that a later change can give them a finite one.
    """

    def __init__(
        self,
        program: Program,
        options: SolveOptions,
        inputs: xr.Dataset | None = None,
        math: MathDefinition | None = None,
    ) -> None:
        if options.name != "highs":
            raise ModelError(
                f"Solver '{options.name}' is not available on the HiGHS backend",
                key_path="solver.name",
                expected="highs",
                got=options.name,
            )
        self.program = program
        self.options = options
        model = program.model
        self._terms = ModelTerms(model, inputs, math)
        check_unbounded(model, self._terms)
        warn_about_numerics(model, self._terms)
        self.is_mip = bool(len(model.integers) + len(model.binaries))
        self.has_changed = False  # True once `apply` changed the program HiGHS holds
        solver_options = {
            "threads": int(options.threads),
            "log_to_console": False,
            **highs_options(options.options),
        }
        model.reset_solution()
        model.constraints.sanitize_zeros()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=FutureWarning)
            self._solver = linopy.solvers.Solver.from_name(
                "highs",
                model=model,
                io_api="direct",
                options=solver_options,
                explicit_coordinate_names=False,
                set_names=None,
                log_fn=Path(options.log_file) if options.log_file else None,
            )
        model.solver = self._solver  # for the diagnosis of a failed solve (HiGHS's IIS, rays)
        self.defaults = (
            {}
            if self.is_mip
            else lp_defaults(
                self.highs.getNumNz(), solver_options, PenaltyCap.ratio(model, self.highs)
            )
        )
        for name, value in self.defaults.items():
            self.highs.setOptionValue(name, value)
        if self.defaults:
            logger.info("HiGHS settings for this linear program: %s", self.defaults)
        # the bigM penalties lowered for an interior point (checked after the solve)
        method = str({**solver_options, **self.defaults}.get("solver", "choose"))
        interior = not self.is_mip and method in INTERIOR_POINT_SOLVERS
        self._penalty = PenaltyCap.apply(model, self.highs) if interior else None

    @property
    def highs(self) -> highspy.Highs:
        """The HiGHS model itself."""
        return self._solver.solver_model

    def solve(self, with_expressions: bool = True) -> SolveResult:
        """Run HiGHS; the result, or a ModelError that explains why there is none.

        Without expressions, the solution holds the variables only (a mode that evaluates
        the global expressions itself, over more than one solve, saves the time).
        """
        model = self.program.model
        start = time.perf_counter()
        release_thread_pool()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=FutureWarning)
            result = self._solver.solve()
        wall_time = time.perf_counter() - start
        termination = self._termination(result.status.termination_condition.value)
        if termination not in SOLVED or result.solution is None:
            iis_strategy = self.options.options.get("iis_strategy")
            status = result.status.status.value
            raise ModelError(_diagnose(model, self._terms, status, termination, iis_strategy))
        gap = float(self.highs.getInfo().mip_gap) if self.is_mip else None
        objective = float(result.solution.objective) + self.program.objective_constant
        if self._penalty is not None:
            extra = self._penalty.extra_cost(self.highs)
            if extra > PENALTY_TOLERANCE * max(1.0, abs(objective)):
                # the slack is used: only the modeller's bigM prices it right; solve again
                logger.info("unmet demand or unused supply at the optimum: bigM restored")
                self._restore_penalty()
                return self.solve(with_expressions)
            objective += extra  # (0 or nearly: the slack is unused)
        logger.info(
            "HiGHS: %s, objective %.10g, %s, %.3f s",
            termination,
            objective,
            gap_text(gap),
            wall_time,
        )
        return SolveResult(
            termination=termination,
            objective=objective,
            solution=solution_from_primal(
                self.program, result.solution.primal, self.options.zero_threshold, with_expressions
            ),
            solver="highs",
            solver_version=highs_version(),
            wall_time=wall_time,
            mip_gap=gap,
            backend="highs",
        )

    def _termination(self, termination: str) -> str:
        """linopy's termination, with a MIP stopped by its time limit on a solution marked so."""
        if termination == "time_limit" and self.is_mip and _has_feasible_solution(self.highs):
            return TIME_LIMIT_FEASIBLE
        return termination

    def _restore_penalty(self) -> None:
        """Give the slack columns their bigM costs back (the program as built)."""
        if self._penalty is not None:
            self._penalty.restore(self.highs)
            self._penalty = None
            if "solver" in self.defaults:  # from the last basis
                self.highs.setOptionValue("solver", "simplex")

    def apply(self, changes: ProgramChanges) -> None:
        """Change bounds, right-hand sides, coefficients and costs of the program HiGHS holds."""
        if not changes:
            return
        self._restore_penalty()
        model = self.program.model
        highs = self.highs
        columns = model.variables.label_index.label_to_pos
        rows = model.constraints.label_index.label_to_pos
        for labels, lower, upper in changes.column_bounds:
            where, (lower, upper) = _positions(columns, labels, lower, upper)
            highs.changeColsBounds(len(where), where, lower, upper)
        for labels, lower, upper in changes.row_bounds:
            where, (lower, upper) = _positions(rows, labels, lower, upper)
            highs.changeRowsBounds(len(where), where, lower, upper)
        for row_labels, column_labels, values in changes.coefficients:
            row_at, col_at = rows[row_labels], columns[column_labels]
            kept = (row_at >= 0) & (col_at >= 0)
            # HiGHS changes one entry per call; only entries whose value changed come here
            for row, column, value in zip(row_at[kept], col_at[kept], values[kept], strict=True):
                highs.changeCoeff(int(row), int(column), float(value))
        if changes.objective is not None:
            self._set_objective(changes)
        if not self.has_changed and "solver" in self.defaults:
            # a re-solve starts from the basis of the last (crossover gives one): simplex's job
            self.highs.setOptionValue("solver", "simplex")
        self.has_changed = True

    def _set_objective(self, changes: ProgramChanges) -> None:
        """Replace every column's cost (and the sense) by those of the new objective."""
        model = self.program.model
        model.add_objective(changes.objective, sense=changes.sense, overwrite=True)
        self.program.objective_constant = changes.objective_constant
        costs = np.zeros(model.variables.label_index.n_active_vars)
        columns = model.variables.label_index.label_to_pos
        labels = changes.objective.vars.values.ravel()
        coeffs = changes.objective.coeffs.values.ravel()
        present = labels != -1
        np.add.at(costs, columns[labels[present]], coeffs[present])
        self.highs.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)
        sense = highspy.ObjSense.kMaximize if changes.sense == "max" else highspy.ObjSense.kMinimize
        self.highs.changeObjectiveSense(sense)
        self._solver.sense = changes.sense

    def close(self) -> None:
        """Nothing to release: the HiGHS model lives as long as the program (for diagnosis)."""


def release_thread_pool() -> None:
    """Let the next HiGHS run start its thread pool with its own `threads` option.

    HiGHS keeps one thread pool per process, sized by the first run; a later run asking for
    another number of threads fails at once ("global scheduler has already been initialized",
    status 'unknown'). A process that solves more than once (the Python API, operate windows,
    SPORES, the tests) may well ask for different numbers, so every solve starts from a fresh
    pool; creating it costs microseconds.
    """
    highspy.Highs.resetGlobalScheduler(True)


# A linear program at least this large (nonzeros of its matrix) is solved by an interior-point
# method with crossover unless the model or scenario chooses `solver`: on esmflow's energy LPs
# HiGHS's dual simplex needs iterations that grow faster than the horizon (bench/README.md,
# "Solver settings", has the measurements); below it, HiGHS's own choice (dual simplex) is as
# fast and the interior point brings nothing.
LARGE_LP_NONZEROS = 300_000
# The interior-point settings for a large LP. Crossover stays on: it ends at a vertex, so the
# duals are those of a basis (prices as the simplex gives them) and a re-solve after `apply`
# starts from that basis.
# HiPO (HiGHS's newer, parallel interior point) needs the `highspy-extras` package; without it,
# IPX.
LARGE_LP_SETTINGS: dict[str, Any] = {
    "solver": "hipo" if importlib.util.find_spec("highspy_extras") else "ipx",
    "run_crossover": "on",
}


# HiGHS's `solver` values that run an interior point first.
INTERIOR_POINT_SOLVERS = ("ipm", "ipx", "hipo")
# `ensure_feasibility`'s slack columns, priced at `bigM` in the objective.
PENALTY_SLACKS = ("unmet_demand", "unused_supply")
# For the interior point their cost is lowered to this multiple of the largest other cost.
PENALTY_CAP_FACTOR = 100.0
# The slack counts as unused if it would add less than this (relative) to the objective at bigM.
PENALTY_TOLERANCE = 1e-9


@dataclass
class PenaltyCap:
    """The bigM costs of the slack columns, lowered for the solve, and how to undo that.

    Why: a penalty of 1e5–1e6 beside costs of 1e-3–1e3 wrecks an interior-point method (its
    iterates push energy through the slack, the objective runs to 1e11, and IPX stops with
    "no progress"; HiPO fails), while simplex does not care. Why it keeps the optimum: with the
    slack `s ≥ 0` (or `≤ 0` for unused supply, cost sign alike) priced at `M' < M`, every
    solution costs at least as much at `M` as at `M'`, so an optimum at `M'` whose slack is
    zero costs the same at `M` and is optimal there too; its row duals stay dual feasible at
    `M` (the slack's reduced cost only grows) and complementary (the slack is zero), so the
    prices are those of the modeller's program. If the slack is used at the optimum, the
    session restores `M` and solves again (simplex, from the basis).
    """

    positions: np.ndarray
    original: np.ndarray
    lowered: np.ndarray

    @staticmethod
    def _columns(model: linopy.Model, highs: highspy.Highs) -> tuple[np.ndarray, np.ndarray, float]:
        """The slack columns' HiGHS positions, every column's cost, the largest other |cost|."""
        to_pos = model.variables.label_index.label_to_pos
        found = []
        for name in PENALTY_SLACKS:
            if name in model.variables:
                labels = model.variables[name].labels.values.ravel()
                at = to_pos[labels[labels >= 0]]
                found.append(at[at >= 0])
        positions = np.concatenate(found).astype(np.int32) if found else np.empty(0, np.int32)
        costs = np.asarray(highs.getLp().col_cost_, dtype=float) if len(positions) else None
        others = np.abs(np.delete(costs, positions)) if costs is not None else np.empty(0)
        return positions, costs, float(others.max()) if others.size else 0.0

    @classmethod
    def ratio(cls, model: linopy.Model, highs: highspy.Highs) -> float:
        """The largest slack |cost| over the largest other |cost| (0 without slack)."""
        positions, costs, largest = cls._columns(model, highs)
        if not len(positions) or largest <= 0:
            return 0.0
        return float(np.abs(costs[positions]).max()) / largest

    @classmethod
    def apply(cls, model: linopy.Model, highs: highspy.Highs) -> PenaltyCap | None:
        """Lower the slack costs above PENALTY_CAP_FACTOR × the largest other |cost|."""
        positions, costs, largest = cls._columns(model, highs)
        if not len(positions) or largest <= 0:
            return None
        original = costs[positions]
        limit = PENALTY_CAP_FACTOR * largest
        lowered = np.sign(original) * np.minimum(np.abs(original), limit)
        if np.array_equal(lowered, original):
            return None
        highs.changeColsCost(len(positions), positions, lowered)
        logger.info(
            "bigM penalty of %d slack columns lowered from %.3g to %.3g for the solve",
            len(positions),
            float(np.abs(original).max()),
            limit,
        )
        return cls(positions, original, lowered)

    def extra_cost(self, highs: highspy.Highs) -> float:
        """What the slack of the last solution adds at the modeller's bigM (≥ 0)."""
        values = np.asarray(highs.getSolution().col_value, dtype=float)[self.positions]
        return float(np.sum((self.original - self.lowered) * values))

    def restore(self, highs: highspy.Highs) -> None:
        highs.changeColsCost(len(self.positions), self.positions, self.original)


def lp_defaults(
    nonzeros: int, chosen: Mapping[str, Any], penalty_ratio: float = 0.0
) -> dict[str, Any]:
    """The settings esmflow adds for a linear program: none the modeller chose is changed.

    A modeller's `solver` (or `run_crossover`) in the model's `config.solve.solver_options` or
    the scenario's `solver.options` wins; so does a method given by another solver's name
    (`method: 1`), which `highs_options` has already turned into `solver`. An LP whose bigM
    penalty is more than PENALTY_CAP_FACTOR × its other costs (`penalty_ratio`) stays with
    HiGHS's choice (dual simplex): on Calliope's national_scale year (bigM 9 000× its other
    costs) HiPO stalls even with the penalty lowered, and the simplex that follows starts from
    scratch. (There the bigM is not what stalls HiPO: it stalls with every cost capped at the
    largest other one, and converges once the CSP store's standing loss is lowered; bench/README.md,
    "Why interior points stall on national_scale".)
    """
    if nonzeros < LARGE_LP_NONZEROS or "solver" in chosen or penalty_ratio > PENALTY_CAP_FACTOR:
        return {}
    return {name: value for name, value in LARGE_LP_SETTINGS.items() if name not in chosen}


def _positions(
    index: np.ndarray, labels: np.ndarray, *values: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Labels → HiGHS positions (int32) with their values, for labels HiGHS holds."""
    at = index[labels]
    kept = at >= 0
    return at[kept].astype(np.int32), [np.asarray(v, dtype=float)[kept] for v in values]


def _has_feasible_solution(highs: highspy.Highs) -> bool:
    """HiGHS found a primal feasible solution (kSolutionStatusFeasible)."""
    return int(highs.getInfo().primal_solution_status) == 2


def solve_program(
    program: Program,
    options: SolveOptions,
    inputs: xr.Dataset | None = None,
    math: MathDefinition | None = None,
) -> SolveResult:
    """Solve once on HiGHS (one session, one solve); see `esmflow.backends.solve.solve`."""
    return HighsSession(program, options, inputs, math).solve()


def _presolve(value: Any) -> str:
    """CBC's on/off, Gurobi's -1 (automatic), 0 (off), 1–2 (on) → HiGHS's choose/off/on."""
    text = str(value).strip().lower()
    if text in ("off", "false", "0", "no"):
        return "off"
    if text in ("-1", "choose", "auto", "automatic"):
        return "choose"
    return "on"


def _method(value: Any) -> str:
    """Gurobi/CPLEX-style `method` numbers or names → HiGHS's `solver` (simplex, ipm, choose)."""
    text = str(value).strip().lower()
    if text in ("0", "1", "primal", "dual", "simplex", "primal_simplex", "dual_simplex"):
        return "simplex"
    if text in ("2", "barrier", "ipm", "interior", "interior_point"):
        return "ipm"
    if text == "pdlp":
        return "pdlp"
    return "choose"


# Other solvers' option names (CBC, Gurobi, CPLEX, GLPK, Xpress as Calliope models write them)
# → the HiGHS option that means the same, and how the value is translated.
OPTION_NAMES: dict[str, tuple[str, Any]] = {
    **{n: ("mip_rel_gap", float) for n in ("mipgap", "mip_gap", "MIPGap", "ratioGap", "ratiogap")},
    **{n: ("mip_rel_gap", float) for n in ("mip_tolerances_mipgap", "mipgap_rel", "miprelstop")},
    **{n: ("mip_abs_gap", float) for n in ("MIPGapAbs", "allowableGap", "mipgapabs", "absmipgap")},
    **{n: ("time_limit", float) for n in ("timelimit", "TimeLimit", "seconds", "sec", "tmlim")},
    **{n: ("time_limit", float) for n in ("timeLimit", "maxtime", "time_limit_s")},
    **{n: ("threads", int) for n in ("Threads", "threads_count", "nthreads")},
    **{n: ("presolve", _presolve) for n in ("Presolve", "preprocess")},
    **{n: ("solver", _method) for n in ("method", "Method", "lpmethod", "LPMethod")},
    **{n: ("primal_feasibility_tolerance", float) for n in ("FeasibilityTol", "primalTolerance")},
    **{n: ("dual_feasibility_tolerance", float) for n in ("OptimalityTol", "dualTolerance")},
    **{n: ("random_seed", int) for n in ("Seed", "seed", "randomSeed", "randomseed")},
}


def highs_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options in HiGHS's names: other solvers' names mapped (and logged), unknown dropped.

    `mipgap: 0.05` (CBC/Gurobi) becomes `mip_rel_gap: 0.05`, so a gap the modeller asked for is
    the gap HiGHS stops at. A HiGHS name given beside another solver's name for the same
    option wins. An option that is neither HiGHS's nor mappable is dropped with a ModelWarning
    naming the closest HiGHS option.
    """
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    own: dict[str, Any] = {}
    mapped: dict[str, Any] = {}
    for name, value in options.items():
        if _is_highs_option(highs, name) or str(name) not in OPTION_NAMES:
            own[str(name)] = value  # HiGHS's, or unknown (warned about below)
            continue
        target, translate = OPTION_NAMES[str(name)]
        if target in options:
            warnings.warn(
                f"solver.options.{name}: HiGHS's own '{target}' is also given and is used; "
                f"'{name}' is ignored",
                ModelWarning,
                stacklevel=3,
            )
            continue
        mapped[target] = translate(value)
        logger.info("solver option %s=%r is HiGHS's %s=%r", name, value, target, mapped[target])
    return {**_known_options(own), **mapped}


def _is_highs_option(highs: highspy.Highs, name: Any) -> bool:
    status, _ = highs.getOptionType(str(name))
    return status == highspy.HighsStatus.kOk


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
        status, kind = highs.getOptionType(str(name))
        if status == highspy.HighsStatus.kOk:
            # YAML reads `run_crossover: off` as False; HiGHS's on/off options are strings
            if isinstance(value, bool) and kind == highspy.HighsOptionType.kString:
                value = "on" if value else "off"
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
