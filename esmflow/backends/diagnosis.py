"""Explain, in the model's terms, why HiGHS found no optimum.

Infeasible: HiGHS's irreducible infeasible set (IIS) names the rows AND the variable bounds that
cannot hold together (remove any one and that conflict disappears). Each is written as its math
component and coordinates, with the parameters behind it: for a bound, the parameter the math
reads it from (`storage_cap_min = 50`); for a constraint, its equation and the parameters set at
that entry (`sink_use_equals = 10`).

Unbounded: HiGHS's primal ray is a direction along which the cost falls without end; the variables
along it are named, with the negative costs that reward them and the bound they lack.
"""

from __future__ import annotations

import highspy
import linopy
import numpy as np

from esmflow.backends.model_terms import Entry, ModelTerms, number_text

_MAX_LISTED = 12
# Constraints (of the base math) that balance a carrier: in an IIS they mean demand is not met.
_BALANCES = ("system_balance[", "balance_demand[")
_LIGHT = int(highspy.IisStrategy.kIisStrategyLight)
_IRREDUCIBLE = int(highspy.IisStrategy.kIisStrategyFromLp) | int(
    highspy.IisStrategy.kIisStrategyIrreducible
)
_BOUND_STATUS = {
    int(highspy.IisBoundStatus.kIisBoundStatusLower): "lower",
    int(highspy.IisBoundStatus.kIisBoundStatusUpper): "upper",
    int(highspy.IisBoundStatus.kIisBoundStatusBoxed): "both",
}


def explain_infeasible(
    solver: highspy.Highs, model: linopy.Model, terms: ModelTerms, strategy: int | None = None
) -> str:
    """The conflicting constraints and bounds HiGHS's IIS finds, in model terms.

    Unless the solver options choose an `iis_strategy`, HiGHS first looks for a plain conflict
    (bounds that contradict each other, a row that its variables' bounds cannot satisfy), which
    is instant, and only then searches the whole LP for an irreducible set, which on a large
    model takes as long as several solves.
    """
    strategies = [strategy] if strategy is not None else [_LIGHT, _IRREDUCIBLE]
    for chosen in strategies:
        solver.setOptionValue("iis_strategy", int(chosen))
        try:
            status, iis = solver.getIis()
        except Exception as err:  # noqa: BLE001 - the IIS is a diagnosis aid; say why it is missing
            return f"HiGHS could not compute an irreducible infeasible set: {err}."
        if (
            status != highspy.HighsStatus.kError
            and iis.valid_
            and len(iis.col_index_) + len(iis.row_index_)
        ):
            break
    else:
        return "HiGHS could not isolate an irreducible infeasible set."
    bounds = _bound_lines(model, terms, list(iis.col_index_), list(iis.col_bound_))
    rows = _row_lines(model, terms, list(iis.row_index_))
    parts = [
        "HiGHS isolated this irreducible infeasible set (IIS): these cannot all hold at once, "
        "and relaxing any one of them removes this conflict (others may remain)."
    ]
    if bounds:
        parts.append("Variable bounds:\n" + "\n".join(f"  - {line}" for line in bounds))
    if rows:
        parts.append("Constraints:\n" + "\n".join(f"  - {line}" for line in rows))
    parts.append(_infeasible_hint(rows))
    return "\n".join(parts)


def explain_unbounded(solver: highspy.Highs, model: linopy.Model, terms: ModelTerms) -> str:
    """The variables along HiGHS's unboundedness ray, with the costs that reward them."""
    try:
        _, has_ray, ray = solver.getPrimalRay()
    except Exception:  # noqa: BLE001 - a diagnosis aid only
        has_ray, ray = False, []
    if not has_ray:
        return "HiGHS gave no direction of unboundedness."
    ray = np.asarray(ray, dtype=float)
    moving = np.flatnonzero(np.abs(ray) > 1e-9)
    vlabels = model.variables.label_index.vlabels
    costs = np.asarray(model.matrices.c, dtype=float)
    lines = []
    for position in moving[:_MAX_LISTED]:
        entry = terms.variable(int(vlabels[position]))
        rising = bool(ray[position] > 0)
        details = _cost_and_bound(entry, costs[position], rising, terms)
        lines.append(f"{entry} {'grows' if rising else 'falls'}{details}")
    more = f"\n  - … and {len(moving) - _MAX_LISTED} more" if len(moving) > _MAX_LISTED else ""
    return (
        "Along this direction the cost falls without end (HiGHS's unboundedness ray):\n"
        + "\n".join(f"  - {line}" for line in lines)
        + more
        + "\nLook for a negative cost (a revenue, e.g. `cost_export`) on these variables, or on "
        "what they let grow, that nothing bounds: a finite `*_max` bound (e.g. `flow_cap_max`, "
        "`export_max`) or a non-negative cost fixes it."
    )


def _bound_lines(
    model: linopy.Model, terms: ModelTerms, columns: list[int], statuses: list[int]
) -> list[str]:
    # a free column is in the conflict's rows, but its bounds play no part: not listed
    bounded = [
        (c, _BOUND_STATUS[int(s)])
        for c, s in zip(columns, statuses, strict=True)
        if int(s) in _BOUND_STATUS
    ]
    if not bounded:
        return []
    matrices = model.matrices
    lines = []
    for column, side in bounded[:_MAX_LISTED]:
        entry = terms.variable(int(matrices.vlabels[column]))
        parts = []
        if side in ("lower", "both"):
            parts.append(_bound_text(entry, "min", float(matrices.lb[column]), terms))
        if side in ("upper", "both"):
            parts.append(_bound_text(entry, "max", float(matrices.ub[column]), terms))
        lines.append(f"{entry}: " + (" but " if side == "both" else "").join(parts))
    return lines + _more(len(bounded))


def _bound_text(entry: Entry, side: str, value: float, terms: ModelTerms) -> str:
    words = "at least" if side == "min" else "at most"
    source = terms.bound_parameter(entry.component, side)
    origin = "set by the math" if source is None else terms.describe(source, entry.coords)
    return f"{words} {number_text(value)} ({origin})"


def _row_lines(model: linopy.Model, terms: ModelTerms, rows: list[int]) -> list[str]:
    if not rows:
        return []
    clabels = model.constraints.label_index.clabels
    lines = []
    for row in rows[:_MAX_LISTED]:
        entry = terms.constraint(int(clabels[row]))
        line = str(entry)
        equation = terms.equation_text(entry.component)
        if equation:
            line += f": {equation}"
        names = terms.parameters_of("constraints", entry.component)
        values = terms.set_parameters(names, entry.coords)
        if values:
            line += f"; with {', '.join(values)}"
        lines.append(line)
    return lines + _more(len(rows))


def _infeasible_hint(rows: list[str]) -> str:
    """What to do next; where a carrier balance is part of the conflict, how to see the gap."""
    hint = "Relax one of the bounds or parameters named above"
    if any(line.startswith(_BALANCES) for line in rows):
        hint += (
            "; to see where and when demand cannot be met, set "
            "`config.build.ensure_feasibility: true` (unmet demand then costs `bigM` per unit "
            "instead of making the model infeasible)"
        )
    return hint + "."


def _more(count: int) -> list[str]:
    return [f"… and {count - _MAX_LISTED} more"] if count > _MAX_LISTED else []


def _cost_and_bound(entry: Entry, coefficient: float, rising: bool, terms: ModelTerms) -> str:
    """ " (cost_export = -5 (costs=monetary); export_max not set (default inf))" or ""."""
    details = [
        terms.describe(name, entry.coords)
        for name in terms.cost_parameters(entry.component)
        if any(
            value != 0 and (value < 0) == rising for _, value in terms.values_at(name, entry.coords)
        )
    ]
    if not details and coefficient != 0:
        details.append(f"cost per unit {number_text(coefficient)}")
    bound = terms.bound_parameter(entry.component, "max" if rising else "min")
    if bound is not None:
        details.append(terms.describe(bound, entry.coords))
    return f" ({'; '.join(details)})" if details else ""
