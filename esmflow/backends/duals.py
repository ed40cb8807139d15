"""Duals (shadow prices) of a solved program's constraints: marginal prices, the CO2 price of a cap.

The dual of a constraint is how much the optimal objective changes per unit its right-hand side
is raised. For the node balance `system_balance` (outflows − inflows − exports … = 0) that is the
cost of one more unit of energy of a carrier at a node in a timestep: the marginal price a
modeller reads off PyPSA (`price` in the results divides it by the timestep's weight). For a
`cost_max` group it is minus the price of one more unit of that cost class (e.g. a CO2 price).

Duals are read from HiGHS (`row_dual`) through the program's row labels, so they need the HiGHS
backend's model after its solve (`program.model.solver_model`). A mixed-integer program has no
duals: there they come from the linear program with every integer decision fixed at its optimal
value (HiGHS solves it once more; the integer model is restored afterwards). On another backend,
the duals linopy stored on the constraints are used for a linear program, and none are given for
a mixed-integer one.

Which constraints: `system_balance`, every group constraint (`group_*`) and system-wide
constraint (`*_systemwide*`) the program has, and those named in `config.solve.shadow_prices`.
Each becomes `shadow_price_<constraint>` over the constraint's own dimensions.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from esmflow.backends.result import SolveResult
from esmflow.errors import ModelWarning, closest_name

if TYPE_CHECKING:  # the postprocessing reads PREFIX and BALANCE without importing linopy (~0.5 s)
    import highspy
    import linopy

    from esmflow.math.program import Program

logger = logging.getLogger(__name__)

PREFIX = "shadow_price_"
BALANCE = "system_balance"


def shadow_prices(config: Mapping[str, Any]) -> list[str]:
    """The constraint names a model's `config.solve.shadow_prices` asks duals of."""
    return [str(name) for name in ((config.get("solve") or {}).get("shadow_prices") or [])]


def priced_constraints(program: Program, requested: Iterable[str] = ()) -> list[str]:
    """The constraints whose duals are kept: the balance, groups, system-wide ones, `requested`."""
    built = list(program.model.constraints)
    chosen = [
        name
        for name in built
        if name == BALANCE or name.startswith("group_") or "systemwide" in name
    ]
    for name in requested:
        if name in built:
            chosen.append(name)
            continue
        closest = closest_name(str(name), built)
        hint = f" Did you mean '{closest}'?" if closest else ""
        warnings.warn(
            f"config.solve.shadow_prices: '{name}' is not a constraint of this model's program "
            f"(not in the math, or it applies nowhere), so it has no shadow price.{hint}",
            ModelWarning,
            stacklevel=2,
        )
    return list(dict.fromkeys(chosen))


def with_duals(result: SolveResult, program: Program, requested: Iterable[str] = ()) -> SolveResult:
    """The result with `shadow_price_<constraint>` arrays added to its solution."""
    names = priced_constraints(program, requested)
    duals = constraint_duals(program, names, is_mip=result.is_mip)
    if not duals:
        return result
    arrays = {PREFIX + name: values for name, values in duals.items()}
    return replace(result, solution=result.solution.assign(arrays))


def constraint_duals(
    program: Program, names: Iterable[str], is_mip: bool
) -> dict[str, xr.DataArray]:
    """Duals of the named constraints (NaN where a constraint does not exist)."""
    import highspy  # here, not at the top: see the imports

    model = program.model
    names = list(names)
    solver = getattr(model, "solver_model", None)
    if isinstance(solver, highspy.Highs):
        row_dual = _fixed_integer_duals(solver) if is_mip else _row_duals(solver)
        if row_dual is None:
            return {}
        return {name: _by_label(model, name, row_dual) for name in names}
    if is_mip:
        logger.info("no shadow prices: a mixed-integer program solved outside HiGHS")
        return {}
    return {
        name: model.constraints[name].dual
        for name in names
        if getattr(model.constraints[name], "dual", None) is not None
    }


def _row_duals(highs: highspy.Highs) -> np.ndarray | None:
    """HiGHS's row duals of the last solve, if it has valid ones."""
    solution = highs.getSolution()
    if not solution.dual_valid:
        return None
    return np.asarray(solution.row_dual, dtype=float)


def _fixed_integer_duals(highs: highspy.Highs) -> np.ndarray | None:
    """Row duals of the LP with every integer column fixed at its value; the MILP is restored."""
    import highspy  # here, not at the top: see the imports

    lp = highs.getLp()
    integrality = np.asarray([int(kind) for kind in lp.integrality_], dtype=int)
    continuous = int(highspy.HighsVarType.kContinuous)
    columns = np.flatnonzero(integrality != continuous).astype(np.int32)
    if not len(columns):
        return _row_duals(highs)
    values = np.round(np.asarray(highs.getSolution().col_value, dtype=float)[columns])
    lower = np.asarray(lp.col_lower_, dtype=float)[columns]
    upper = np.asarray(lp.col_upper_, dtype=float)[columns]
    kinds = [highspy.HighsVarType(int(kind)) for kind in integrality[columns]]
    highs.changeColsIntegrality(
        len(columns), columns, [highspy.HighsVarType.kContinuous] * len(columns)
    )
    highs.changeColsBounds(len(columns), columns, values, values)
    try:
        highs.run()
        is_optimal = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
        row_dual = _row_duals(highs) if is_optimal else None
    finally:
        highs.changeColsBounds(len(columns), columns, lower, upper)
        highs.changeColsIntegrality(len(columns), columns, kinds)
    if row_dual is None:
        logger.warning("no shadow prices: the LP with fixed integer decisions did not solve")
    return row_dual


def _by_label(model: linopy.Model, name: str, row_dual: np.ndarray) -> xr.DataArray:
    """One constraint's duals from HiGHS's rows (positions of the rows HiGHS holds, by label)."""
    constraint = model.constraints[name]
    labels = constraint.labels
    positions = model.constraints.label_index.label_to_pos
    flat = labels.values.ravel()
    at = np.where(flat >= 0, positions[np.maximum(flat, 0)], -1)
    values = np.where(at >= 0, row_dual[np.maximum(at, 0)], np.nan).reshape(labels.shape)
    scaling = getattr(constraint, "scaling", None)
    if scaling is not None:
        values = values * np.asarray(scaling.values if hasattr(scaling, "values") else scaling)
    values = values / getattr(model.objective, "scaling", 1.0)
    return xr.DataArray(values, coords=labels.coords, dims=labels.dims)
