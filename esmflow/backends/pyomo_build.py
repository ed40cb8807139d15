"""The built program as a Pyomo `ConcreteModel`, made in bulk from its matrices.

The math is evaluated once, by the engine, into a linopy program. This module hands that program
to Pyomo without evaluating the math again: linopy's matrices (the constraint matrix in CSR
form, the right-hand sides and senses, the column bounds and types, the objective's costs) are
turned into Pyomo components component by component, one Python object per column, per nonzero
and per row, and nothing else. On the national example's full year (429 269 columns, 560 645
rows, 1.55 M nonzeros) this takes about 10 s (`bench/pyomo_build.py`).

What the Pyomo model holds, so that a user's rule can read it:
- one `Var` per program variable (`m.flow_cap`, `m.flow_out`, …), indexed by the labels of its
  dims in the math's order (`m.flow_cap[node, tech, carrier]`, `m.flow_out[node, tech, carrier,
  timestep]`), only where the variable exists; its index set is `m.<name>_index`;
- one `Constraint` per program constraint, indexed the same way (`m.system_balance[node, carrier,
  timestep]`); one named like a variable gets `_constraint` appended (`free_name`);
- every Var, Constraint and Param says its dims in `.dims` (`m.flow_cap_max.dims == ("techs",)`
  when the model sets `flow_cap_max` per tech only);
- the objective under its math name (`m.min_cost_optimisation`), with its constant term;
- one `Set` per dim (`m.nodes`, `m.techs`, `m.carriers`, `m.timesteps`, `m.costs`, …);
- one `Param` per input (`m.flow_cap_max[node, tech]`, `m.base_tech[tech]`), indexed over its
  dims' sets, holding the values the model sets and the math's default elsewhere.

Time steps are `pandas.Timestamp`s (`m.flow_out["A", "ccgt", "power", pd.Timestamp("2005-01-01
01:00")]`); every other label is the string of the model file.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import isfinite
from typing import Any

import linopy
import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr
from pyomo.common.gc_manager import PauseGC
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.core.expr.relational_expr import (
    EqualityExpression,
    InequalityExpression,
    RangedExpression,
)

from esmflow.errors import ModelError
from esmflow.math.program import Program
from esmflow.math.schema import MathDefinition

DEFAULT_OBJECTIVE_NAME = "objective"


@dataclass
class PyomoProgram:
    """A ConcreteModel and where each program column and row went in it.

    `columns[i]` is the Pyomo variable of linopy column position i (linopy's
    `label_index.label_to_pos`), `rows[i]` the Pyomo constraint of row position i: how a
    solution goes back to the program, and how a `ProgramChanges` finds what to change.
    """

    model: pyo.ConcreteModel
    columns: np.ndarray
    rows: np.ndarray
    objective: pyo.Objective
    objective_constant: float


def build_pyomo_model(
    program: Program, inputs: xr.Dataset | None = None, math: MathDefinition | None = None
) -> PyomoProgram:
    """The program as a ConcreteModel: variables, constraints, objective, sets and inputs."""
    linear = program.model
    matrices = linear.matrices
    if not (matrices.var_scaling == 1).all():
        raise ModelError("The Pyomo backend does not take a program with scaled variables")
    if matrices.indicator_A is not None:
        raise ModelError("The Pyomo backend does not take a program with indicator constraints")
    model = pyo.ConcreteModel(name="esmflow")
    with PauseGC():  # millions of new objects: the cyclic garbage collector would rescan them
        _add_dim_sets(model, program, inputs)
        columns = _add_variables(model, linear, matrices)
        rows = _add_constraints(model, linear, matrices, columns)
        objective = _add_objective(model, program, matrices, columns)
        if inputs is not None:
            _add_parameters(model, inputs, math)
    return PyomoProgram(model, columns, rows, objective, program.objective_constant)


def free_name(model: pyo.ConcreteModel, name: str, kind: str) -> str:
    """`name`, or `<name>_<kind>` where Pyomo's one namespace already holds `name`.

    linopy keeps variables and constraints apart, Pyomo does not: the constraint that ties a
    whole-number twin to its variable has the twin's name (`operating_units__whole`), so on the
    Pyomo model it is `operating_units__whole_constraint`.
    """
    if not hasattr(model, name):
        return name
    candidate, number = f"{name}_{kind}", 2
    while hasattr(model, candidate):
        candidate, number = f"{name}_{kind}{number}", number + 1
    return candidate


def labels_of(values: np.ndarray) -> list[Any]:
    """Coordinate values as the Python objects Pyomo indexes by (Timestamps for datetimes)."""
    if values.dtype.kind == "M":
        return list(pd.DatetimeIndex(values))
    return values.tolist()


def _label_array(values: np.ndarray) -> np.ndarray:
    """Coordinate values as an object array of index labels (one object per label)."""
    labels = np.empty(len(values), dtype=object)
    labels[:] = labels_of(values)
    return labels


def _present_index(labels: xr.DataArray) -> tuple[np.ndarray, list[Any]]:
    """The linopy labels that exist (≠ -1) and the Pyomo index of each, in C order."""
    values = labels.values
    present = values != -1
    if labels.ndim == 0:
        return values[present], [None] if bool(present) else []
    where = np.nonzero(present)
    coords = [
        _label_array(labels.coords[dim].values)[at]
        for dim, at in zip(labels.dims, where, strict=True)
    ]
    index = coords[0].tolist() if labels.ndim == 1 else list(zip(*coords, strict=True))
    return values[present], index


def _add_dim_sets(model: pyo.ConcreteModel, program: Program, inputs: xr.Dataset | None) -> None:
    """One ordered Set per dim, from the inputs' coordinates and the program's."""
    coords: dict[str, np.ndarray] = {}
    sources = [inputs] if inputs is not None else []
    sources += [program.model.variables[name].labels for name in program.model.variables]
    for source in sources:
        for dim in source.dims:
            if dim in source.coords and dim not in coords:
                coords[str(dim)] = source.coords[dim].values
    for dim, values in coords.items():
        model.add_component(
            free_name(model, dim, "set"), pyo.Set(initialize=labels_of(values), ordered=True)
        )


def _add_variables(model: pyo.ConcreteModel, linear: linopy.Model, matrices: Any) -> np.ndarray:
    """One Var per program variable, its bounds and domain set column by column."""
    columns = np.empty(len(matrices.vlabels), dtype=object)
    position = linear.variables.label_index.label_to_pos
    lower = _bounds_or_none(matrices.lb)
    upper = _bounds_or_none(matrices.ub)
    for name in linear.variables:
        variable = linear.variables[name]
        labels, index = _present_index(variable.labels)
        domain = (
            pyo.Binary
            if name in linear.binaries
            else pyo.Integers
            if name in linear.integers
            else pyo.Reals
        )
        if variable.labels.ndim == 0:
            component = pyo.Var(domain=domain)
        else:
            index_set = pyo.Set(initialize=index, dimen=variable.labels.ndim, ordered=True)
            model.add_component(free_name(model, f"{name}_index", "set"), index_set)
            component = pyo.Var(index_set, domain=domain, dense=True)
        model.add_component(free_name(model, name, "variable"), component)
        component.dims = tuple(str(dim) for dim in variable.labels.dims)
        at = position[labels]
        data = list(component.values())
        columns[at] = data
        for column, low, up in zip(data, lower[at].tolist(), upper[at].tolist(), strict=True):
            column._lb = low  # plain numbers or None, what `lb`/`ub` setters store
            column._ub = up
    return columns


def _bounds_or_none(bounds: np.ndarray) -> np.ndarray:
    """Finite bounds as floats, infinite ones as None (Pyomo's "no bound")."""
    kept = bounds.astype(object)
    kept[~np.isfinite(bounds)] = None
    return kept


def _add_constraints(
    model: pyo.ConcreteModel, linear: linopy.Model, matrices: Any, columns: np.ndarray
) -> np.ndarray:
    """One Constraint per program constraint, each row's body made straight from its CSR slice."""
    matrix = matrices.A
    rows = np.empty(len(matrices.clabels), dtype=object)
    if matrix is None:
        return rows
    terms = _terms(matrix.data, columns[matrix.indices])
    rhs = matrices.b.tolist()
    sense = matrices.sense.tolist()
    pointers = matrix.indptr
    position = linear.constraints.label_index.label_to_pos
    for name in linear.constraints:
        labels, index = _present_index(linear.constraints[name].labels)
        at = position[labels]
        if not (at >= 0).all():  # rows linopy left out of the matrix (no terms)
            kept = at >= 0
            at, index = at[kept], [key for key, keep in zip(index, kept, strict=True) if keep]
        component = pyo.Constraint(pyo.Any)
        model.add_component(free_name(model, name, "constraint"), component)
        component.dims = tuple(str(dim) for dim in linear.constraints[name].labels.dims)
        rows[at] = _fill_rows(component, index, at, pointers, terms, rhs, sense)
    return rows


def _terms(coefficients: np.ndarray, variables: np.ndarray) -> list[Any]:
    """One Pyomo term per nonzero: the variable itself for a coefficient of 1, else c·x."""
    return [
        variable if coefficient == 1.0 else MonomialTermExpression((coefficient, variable))
        for coefficient, variable in zip(coefficients.tolist(), variables.tolist(), strict=True)
    ]


def _fill_rows(
    component: pyo.Constraint,
    index: list[Any],
    at: np.ndarray,
    pointers: np.ndarray,
    terms: list[Any],
    rhs: list[float],
    sense: list[str],
) -> list[ConstraintData]:
    """The component's rows, placed in its data directly (Pyomo's rule machinery costs 3× more)."""
    data = component._data
    starts = pointers[at].tolist()
    stops = pointers[at + 1].tolist()
    made = []
    for key, row, start, stop in zip(index, at.tolist(), starts, stops, strict=True):
        body = LinearExpression(terms[start:stop])
        bound = rhs[row]
        if not isfinite(bound):  # a free row: kept (a change may bound it), not sent
            row_data = ConstraintData(EqualityExpression((body, 0.0)), component)
            row_data.deactivate()
        elif sense[row] == "=":
            row_data = ConstraintData(EqualityExpression((body, bound)), component)
        elif sense[row] == "<":
            row_data = ConstraintData(InequalityExpression((body, bound), False), component)
        else:
            row_data = ConstraintData(InequalityExpression((bound, body), False), component)
        row_data._index = key
        data[key] = row_data
        made.append(row_data)
    return made


def relation(body: Any, lower: float, upper: float) -> Any:
    """The Pyomo relation `lower ≤ body ≤ upper` (None where a side is unbounded)."""
    if lower == upper:
        return EqualityExpression((body, lower))
    if np.isfinite(lower) and np.isfinite(upper):
        return RangedExpression((lower, body, upper), (False, False))
    if np.isfinite(upper):
        return InequalityExpression((body, upper), False)
    if np.isfinite(lower):
        return InequalityExpression((lower, body), False)
    return None


def set_row(row: ConstraintData, body: Any, lower: float, upper: float) -> None:
    """A row's new body and bounds; a row with no finite bound is kept but deactivated."""
    expression = relation(body, lower, upper)
    if expression is None:
        row.set_value(EqualityExpression((body, 0.0)))
        row.deactivate()
        return
    row.set_value(expression)
    row.activate()


def row_bounds(row: ConstraintData) -> tuple[float, float]:
    """A row's (lower, upper) bounds, ±inf where it has none or where it is deactivated."""
    if not row.active:
        return -np.inf, np.inf
    lower, upper = row.lb, row.ub
    return (-np.inf if lower is None else lower), (np.inf if upper is None else upper)


def objective_expression(costs: np.ndarray, columns: np.ndarray, constant: float) -> Any:
    """Σ cost·column over the columns with a cost, plus the constant."""
    has_cost = np.nonzero(costs)[0]
    terms = _terms(costs[has_cost], columns[has_cost])
    return LinearExpression(([constant] if constant else []) + terms)


def _add_objective(
    model: pyo.ConcreteModel, program: Program, matrices: Any, columns: np.ndarray
) -> pyo.Objective:
    sense = pyo.maximize if program.model.objective.sense == "max" else pyo.minimize
    expression = objective_expression(matrices.c, columns, program.objective_constant)
    objective = pyo.Objective(expr=expression, sense=sense)
    name = program.objective_name or DEFAULT_OBJECTIVE_NAME
    model.add_component(free_name(model, name, "objective"), objective)
    return objective


def _add_parameters(
    model: pyo.ConcreteModel, inputs: xr.Dataset, math: MathDefinition | None
) -> None:
    """Every input as a Param over its dims' sets, with the math's default where it is unset.

    An input whose name Pyomo or the program already uses (a variable of the same name) is not
    added; its values stay in the inputs Dataset.
    """
    for name, array in inputs.data_vars.items():
        name = str(name)
        if hasattr(model, name) or not all(hasattr(model, str(dim)) for dim in array.dims):
            continue
        default = math.default_of(name) if math is not None and name in math.parameters else None
        keyword: dict[str, Any] = {"within": pyo.Any, "mutable": False}
        if default is not None and not (isinstance(default, float) and np.isnan(default)):
            keyword["default"] = default
        if array.ndim == 0:
            value = array.item()
            if pd.isna(value):
                continue
            model.add_component(name, pyo.Param(initialize=_native(value), **keyword))
            continue
        values = pd.Series(array.values.ravel())
        present = values.notna().to_numpy()
        index = _select(_dense_index(array), present)
        keyword["initialize"] = dict(zip(index, map(_native, values[present]), strict=True))
        sets = [getattr(model, str(dim)) for dim in array.dims]
        component = pyo.Param(*sets, **keyword)
        model.add_component(name, component)
        component.dims = tuple(str(dim) for dim in array.dims)


def _dense_index(array: xr.DataArray) -> list[Any]:
    """Every index of a dense array in C order (tuples for two dims or more)."""
    coords = [_label_array(array.coords[dim].values) for dim in array.dims]
    if len(coords) == 1:
        return coords[0].tolist()
    grids = np.meshgrid(*[np.arange(len(c)) for c in coords], indexing="ij")
    columns = [c[g.ravel()] for c, g in zip(coords, grids, strict=True)]
    return list(zip(*columns, strict=True))


def _select(index: list[Any], present: np.ndarray) -> list[Any]:
    return [key for key, keep in zip(index, present.tolist(), strict=True) if keep]


def _native(value: Any) -> Any:
    """numpy scalars as Python numbers (Pyomo's expressions take native types fastest)."""
    return value.item() if isinstance(value, np.generic) else value
