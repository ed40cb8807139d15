"""The Pyomo backend: the program as a Pyomo model, any Pyomo solver, and the user's own constraints.

A `PyomoSession` builds the Pyomo model once (`pyomo_build.py`, in bulk from the program's
matrices) and keeps it: `add_constraint(name, sets, rule)` adds a user's Pyomo rule (as in the
Calliope 0.6 guide's `model.backend.add_constraint`), `solve()` solves the model as it stands,
user constraints included, without building anything again. A workflow scenario names a Python
file instead (`custom_constraints: path/to/file.py`), whose functions each receive the Pyomo
model; `add_custom_constraints` runs them when the session opens.

The solution goes back into the program's linopy variables, so that the solve gives the same
`SolveResult`, results file, tables and plots as on the HiGHS backend. Variables a user adds in a
rule are solved but not reported.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import linopy
import numpy as np
import pyomo.environ as pyo
import xarray as xr
from linopy.constants import Result, Solution, Status
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from esmflow.backends import highs
from esmflow.backends.model_terms import ModelTerms
from esmflow.backends.numerics import warn_about_numerics
from esmflow.backends.pyomo_build import (
    PyomoProgram,
    build_pyomo_model,
    objective_expression,
    row_bounds,
    set_row,
)
from esmflow.backends.pyomo_solvers import find_solver
from esmflow.backends.result import (
    OPTIMAL,
    SOLVED,
    TIME_LIMIT_FEASIBLE,
    SolveResult,
    solution_from_primal,
)
from esmflow.backends.unbounded import check_unbounded
from esmflow.errors import ModelError, closest_name
from esmflow.math.program import Program, ProgramChanges
from esmflow.math.schema import MathDefinition
from esmflow.options import SolveOptions


class PyomoSession:
    """A program built once as a Pyomo model: user constraints added, solved, changed, solved again."""

    def __init__(
        self,
        program: Program,
        options: SolveOptions,
        inputs: xr.Dataset | None = None,
        math: MathDefinition | None = None,
    ) -> None:
        self.program = program
        self.options = options
        self._inputs = inputs
        self._math = math
        self._terms = ModelTerms(program.model, inputs, math)
        warn_about_numerics(program.model, self._terms)
        self.is_mip = bool(len(program.model.integers) + len(program.model.binaries))
        self.solver = find_solver(options.name, options.options, options.threads, options.log_file)
        self.built: PyomoProgram = build_pyomo_model(program, inputs, math)
        self.user_constraints: list[str] = []  # names of the constraints users added
        self._checked_unbounded = False
        if options.custom_constraints:
            self.user_constraints += add_custom_constraints(self.model, options.custom_constraints)

    @property
    def model(self) -> pyo.ConcreteModel:
        """The Pyomo model (`m.flow_cap[node, tech, carrier]`, `m.flow_cap_max[node, tech]`, …)."""
        return self.built.model

    def add_constraint(
        self, name: str, sets: Iterable[Any], rule: Callable[..., Any]
    ) -> pyo.Constraint:
        """Add `Constraint(*sets, rule=rule)` as `name`; `sets` are set names, Pyomo sets or lists.

        A set named by a string is a component of the model: a dim (`"techs"`) or a variable's
        index (`"flow_cap_index"`). `rule(m, *index)` returns a relation, or `Constraint.Skip`.
        """
        model = self.model
        if model.component(name) is not None or hasattr(model, name):
            raise ModelError(
                f"The Pyomo model already has a component called '{name}'",
                key_path=name,
                expected="a new constraint name",
            )
        index_sets = [_index_set(model, item) for item in sets]
        component = pyo.Constraint(*index_sets, rule=rule)
        try:
            model.add_component(name, component)  # a ConcreteModel builds it here
        except Exception as error:
            if model.component(name) is not None:
                model.del_component(name)
            raise ModelError(
                f"The custom constraint '{name}' could not be built: "
                f"{type(error).__name__}: {error}",
                key_path=name,
            ) from error
        self.user_constraints.append(name)
        return component

    def solve(self) -> SolveResult:
        """Solve the Pyomo model as it stands; the result, or a ModelError that says why there is none."""
        if not self._checked_unbounded and not self.user_constraints:
            # a sure cause of an unbounded optimum (a user constraint may bound it, so only then)
            check_unbounded(self.program.model, self._terms)
        self._checked_unbounded = True
        start = time.perf_counter()
        run = self.solver.solve(self.model)
        wall_time = time.perf_counter() - start
        termination = run.termination
        if termination == "time_limit" and self.is_mip and run.has_solution:
            termination = TIME_LIMIT_FEASIBLE
        if termination not in SOLVED or not run.has_solution:
            raise ModelError(self._diagnose(termination))
        objective = float(pyo.value(self.built.objective))
        primal = self._write_solution(objective, run.duals)
        return SolveResult(
            termination=termination,
            objective=objective,
            solution=solution_from_primal(self.program, primal, self.options.zero_threshold),
            solver=self.solver.name,
            solver_version=self.solver.version,
            wall_time=wall_time,
            mip_gap=_gap(objective, run.bound) if self.is_mip else None,
            backend="pyomo",
        )

    def _write_solution(
        self, objective: float, duals: Mapping[Any, float] | None = None
    ) -> np.ndarray:
        """The Pyomo variables' values into the program's linopy variables (and its objective);
        returns them by linopy label (NaN where no column), as every backend hands them over."""
        linear = self.program.model
        columns = self.built.columns
        values = np.array([column.value for column in columns], dtype=float)
        unused = np.isnan(values)  # in no row and without cost: Pyomo sends them to no solver
        if unused.any():
            values[unused] = [_resting_value(column) for column in columns[unused]]
        primal = np.full(_label_count(linear), np.nan)
        primal[linear.variables.label_index.vlabels] = values
        dual = self._row_duals(duals) if duals else np.array([])
        solution = Solution(
            primal=primal, dual=dual, objective=objective - self.program.objective_constant
        )
        linear.assign_result(Result(status=Status.process("ok", OPTIMAL), solution=solution))
        return primal

    def _row_duals(self, duals: Mapping[Any, float]) -> np.ndarray:
        """The duals by linopy row label (NaN where no row), as linopy's results take them."""
        linear = self.program.model
        by_label = np.full(_row_label_count(linear), np.nan)
        by_position = [
            duals.get(row, np.nan) if row is not None else np.nan for row in self.built.rows
        ]
        by_label[linear.constraints.label_index.clabels] = by_position
        return by_label

    def _diagnose(self, termination: str) -> str:
        """Why there is no solution: the solver's word, then HiGHS's diagnosis of the program."""
        stopped = (
            f"{self.solver.name} (through Pyomo) stopped without a solution "
            f"(termination '{termination}')."
        )
        if self.user_constraints:
            return (
                f"{stopped} The model has custom constraints ({', '.join(self.user_constraints)}): "
                "solve it without them to see whether they cause it."
            )
        diagnosis = _highs_diagnosis(self.program, self.options, self._inputs, self._math)
        return f"{stopped}\n{diagnosis}" if diagnosis else stopped

    def apply(self, changes: ProgramChanges) -> None:
        """Change column bounds, row bounds, coefficients and costs of the Pyomo model in place."""
        if not changes:
            return
        linear = self.program.model
        columns = linear.variables.label_index.label_to_pos
        rows = linear.constraints.label_index.label_to_pos
        for labels, lower, upper in changes.column_bounds:
            for at, low, up in _kept(columns[labels], lower, upper):
                column = self.built.columns[at]
                column.setlb(low if np.isfinite(low) else None)
                column.setub(up if np.isfinite(up) else None)
        for labels, lower, upper in changes.row_bounds:
            for at, low, up in _kept(rows[labels], lower, upper):
                row = self.built.rows[at]
                set_row(row, row.body, low, up)
        for row_labels, column_labels, values in changes.coefficients:
            self._change_coefficients(rows[row_labels], columns[column_labels], values)
        if changes.objective is not None:
            self._set_objective(changes)

    def _change_coefficients(
        self, row_at: np.ndarray, column_at: np.ndarray, values: np.ndarray
    ) -> None:
        kept = (row_at >= 0) & (column_at >= 0)
        changed: dict[int, dict[int, float]] = {}
        for row, column, value in zip(row_at[kept], column_at[kept], values[kept], strict=True):
            changed.setdefault(int(row), {})[int(column)] = float(value)
        position = {id(column): at for at, column in enumerate(self.built.columns)}
        for row, new in changed.items():
            row_data = self.built.rows[row]
            coefficients = _row_coefficients(row_data.body, position)
            coefficients.update(new)
            body = LinearExpression(
                [
                    MonomialTermExpression((value, self.built.columns[at]))
                    for at, value in coefficients.items()
                    if value != 0
                ]
            )
            set_row(row_data, body, *row_bounds(row_data))

    def _set_objective(self, changes: ProgramChanges) -> None:
        """Replace the objective (costs, constant, sense) in the program and in the Pyomo model."""
        linear = self.program.model
        assert changes.objective is not None
        linear.add_objective(changes.objective, sense=changes.sense, overwrite=True)
        self.program.objective_constant = changes.objective_constant
        costs = np.zeros(len(self.built.columns))
        labels = changes.objective.vars.values.ravel()
        coefficients = changes.objective.coeffs.values.ravel()
        present = labels != -1
        position = linear.variables.label_index.label_to_pos
        np.add.at(costs, position[labels[present]], coefficients[present])
        objective = self.built.objective
        objective.set_value(
            objective_expression(costs, self.built.columns, changes.objective_constant)
        )
        objective.sense = pyo.maximize if changes.sense == "max" else pyo.minimize
        self.built.objective_constant = changes.objective_constant

    def close(self) -> None:
        """Nothing to release: the Pyomo model lives as long as the session."""


def add_custom_constraints(model: pyo.ConcreteModel, path: str | Path) -> list[str]:
    """Run every function a user's Python file defines on the Pyomo model; the constraints it added.

    Each public function (not starting with `_`, defined in the file itself) is called in the
    order of the file with the Pyomo model. It adds its constraints itself (`m.limit =
    Constraint(...)`) or returns a `Constraint`, which is added under the function's name.
    """
    path = Path(path)
    module = _load_module(path)
    functions = [
        (name, function)
        for name, function in vars(module).items()
        if inspect.isfunction(function)
        and function.__module__ == module.__name__
        and not name.startswith("_")
    ]
    if not functions:
        raise ModelError(
            "The custom constraints file defines no function",
            file=str(path),
            expected="functions `def my_limit(m): ...` that receive the Pyomo model",
        )
    before = set(model.component_map(pyo.Constraint))
    for name, function in functions:
        try:
            returned = function(model)
            if isinstance(returned, pyo.Constraint) and returned.parent_block() is None:
                model.add_component(name, returned)
        except ModelError:
            raise
        except Exception as error:
            raise ModelError(
                f"The custom constraint function '{name}' failed: {type(error).__name__}: {error}",
                file=str(path),
                key_path=name,
            ) from error
    return [name for name in model.component_map(pyo.Constraint) if name not in before]


def _load_module(path: Path) -> Any:
    """The user's file imported as a module of its own (its errors named with the file)."""
    if not path.is_file():
        raise ModelError("Custom constraints file not found", file=str(path))
    name = f"esmflow_custom_constraints_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ModelError("Not a Python file", file=str(path), expected="a .py file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        sys.modules.pop(name, None)
        raise ModelError(
            f"The custom constraints file does not run: {type(error).__name__}: {error}",
            file=str(path),
        ) from error
    return module


def _index_set(model: pyo.ConcreteModel, item: Any) -> Any:
    """A set argument of `add_constraint`: a set's name on the model, a Pyomo set, or a list."""
    if not isinstance(item, str):
        return item
    found = model.component(item)
    if isinstance(found, pyo.Set):
        return found
    names = [name for name in model.component_map(pyo.Set)]
    raise ModelError(
        f"The Pyomo model has no set called '{item}'",
        key_path=item,
        expected="a dim (nodes, techs, carriers, timesteps, …) or a variable's index "
        "(flow_cap_index, …)",
        closest=closest_name(item, names),
    )


def _highs_diagnosis(
    program: Program,
    options: SolveOptions,
    inputs: xr.Dataset | None,
    math: MathDefinition | None,
) -> str:
    """HiGHS's explanation of a failed solve of the same program (conflicting rows, unbounded rays)."""
    on_highs = replace(
        options, backend="highs", name="highs", options={}, log_file=None, custom_constraints=None
    )
    try:
        highs.HighsSession(program, on_highs, inputs, math).solve()
    except ModelError as error:
        return f"HiGHS on the same program: {error}"
    return "HiGHS solves the same program: the other solver's limits or options stopped it."


def _row_coefficients(body: Any, position: dict[int, int]) -> dict[int, float]:
    """A row body's coefficient per column position."""
    coefficients: dict[int, float] = {}
    for term in body.args if isinstance(body, LinearExpression) else [body]:
        if isinstance(term, MonomialTermExpression):
            coefficient, variable = term.args
        else:
            coefficient, variable = 1.0, term
        at = position[id(variable)]
        coefficients[at] = coefficients.get(at, 0.0) + float(coefficient)
    return coefficients


def _kept(
    at: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> Iterable[tuple[int, float, float]]:
    """(position, lower, upper) for the labels the Pyomo model holds."""
    kept = at >= 0
    return zip(
        at[kept].tolist(),
        np.asarray(lower, dtype=float)[kept].tolist(),
        np.asarray(upper, dtype=float)[kept].tolist(),
        strict=True,
    )


def _resting_value(column: Any) -> float:
    """Where a solver leaves a column that no row or cost touches: at a finite bound, else 0."""
    lower, upper = column.lb, column.ub
    if lower is not None and lower > 0:
        return float(lower)
    if upper is not None and upper < 0:
        return float(upper)
    return 0.0


def _label_count(linear: linopy.Model) -> int:
    """One past the highest variable label (the length of a label-indexed primal array)."""
    return max((variable.range[1] for _, variable in linear.variables.items()), default=0)


def _row_label_count(linear: linopy.Model) -> int:
    """One past the highest constraint label (the length of a label-indexed dual array)."""
    return max((constraint.range[1] for _, constraint in linear.constraints.items()), default=0)


def _gap(objective: float, bound: float | None) -> float:
    """The relative MIP gap |objective − bound| / |objective| (HiGHS's definition)."""
    if bound is None:
        return float("inf")
    if objective == bound:
        return 0.0
    return abs(objective - bound) / max(abs(objective), 1e-10)
