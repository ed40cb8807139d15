"""Sure causes of an unbounded optimum, found in the built program before the solve.

A variable whose objective coefficient rewards growing it (a negative cost when minimising),
that has no finite upper bound, and that no constraint stops from growing on its own, makes the
optimum run off to minus infinity as soon as the model is feasible: growing it alone keeps every
constraint satisfied and lowers the cost without end. That is a sure cause, and cheap to find:
for each such column, every nonzero coefficient must point into a side of its row that has no
bound (a coefficient > 0 in a row without upper bound, < 0 in a row without lower bound). The
mirror case (a variable rewarded for falling, without a finite lower bound) is found the same way.

The base math's `checks` catch the usual data causes first (a negative capacity cost without a
`*_max`); this analysis covers every other variable, including those of user math, and says which
parameters make the cost negative. Causes that need several variables to move together (e.g.
export revenue above the cost of the capacity that produces it) are left to the solver, whose
unboundedness ray the post-solve diagnosis names.
"""

from __future__ import annotations

from collections.abc import Iterable

import linopy
import numpy as np

from esmflow.backends.model_terms import Entry, ModelTerms, number_text
from esmflow.errors import ProblemCollector

_MAX_LISTED = 10
_MAX_LOOKED_AT = 2000


def unbounded_columns(matrices: linopy.matrices.MatrixAccessor, sense: str) -> np.ndarray:
    """Positions (in `matrices.vlabels`) of the columns that alone make the optimum unbounded."""
    improving = -np.asarray(matrices.c, dtype=float)  # direction of improvement when minimising
    if sense == "max":
        improving = -improving
    can_rise = (improving > 0) & np.isposinf(matrices.ub)
    can_fall = (improving < 0) & np.isneginf(matrices.lb)
    if not (can_rise.any() or can_fall.any()):
        return np.array([], dtype=int)
    stopped_rising = np.zeros(len(improving), dtype=bool)
    stopped_falling = np.zeros(len(improving), dtype=bool)
    if matrices.A is not None and matrices.A.nnz:
        coo = matrices.A.tocoo()
        sense_of_row = np.asarray(matrices.sense).astype(str)
        has_upper = sense_of_row[coo.row] != ">"  # "<" and "=" rows bound the activity above
        has_lower = sense_of_row[coo.row] != "<"
        positive = coo.data > 0
        negative = coo.data < 0
        rising_blocked = (positive & has_upper) | (negative & has_lower)
        falling_blocked = (positive & has_lower) | (negative & has_upper)
        stopped_rising[coo.col[rising_blocked]] = True
        stopped_falling[coo.col[falling_blocked]] = True
    return np.flatnonzero((can_rise & ~stopped_rising) | (can_fall & ~stopped_falling))


def check_unbounded(model: linopy.Model, terms: ModelTerms) -> None:
    """Raise a ModelError naming every variable that would make the optimum unbounded."""
    matrices = model.matrices
    positions = unbounded_columns(matrices, str(model.objective.sense))
    if not len(positions):
        return
    problems = ProblemCollector()
    looked_at = positions[:_MAX_LOOKED_AT]  # enough to group; a whole year of them adds nothing
    entries = [terms.variable(int(label)) for label in matrices.vlabels[looked_at]]
    coefficients = np.asarray(matrices.c, dtype=float)[looked_at]
    groups = _grouped(entries, coefficients)
    for entry, (coefficient, count) in list(groups.items())[:_MAX_LISTED]:
        problems.add(unbounded_message(entry, coefficient, count, terms))
    listed = sum(count for _, count in list(groups.values())[:_MAX_LISTED])
    if len(positions) > listed:
        problems.add(f"… and {len(positions) - listed} more variables like these.")
    problems.raise_if_any()


def unbounded_message(entry: Entry, coefficient: float, count: int, terms: ModelTerms) -> str:
    """One variable's (entry's) sure cause: "flow_cap[nodes=X, techs=pv, carriers=power]:
    cost_flow_cap = -5 (costs=monetary), but nothing limits flow_cap from above (flow_cap_max
    not set (default inf)): the model would be unbounded. Set a finite `flow_cap_max` …"."""
    variable = entry.component
    rising = coefficient < 0
    causes = [
        terms.describe(name, entry.coords)
        for name in terms.cost_parameters(variable)
        if any(
            value != 0 and (value < 0) == rising for _, value in terms.values_at(name, entry.coords)
        )
    ]
    cause = "; ".join(causes) or f"its cost per unit is {number_text(coefficient)}"
    bound = terms.bound_parameter(variable, "max" if rising else "min")
    where = f" for {entry.at()}" if entry.coords else ""
    if bound is not None:
        limit = terms.describe(bound, entry.coords)
        fix = f"Set a finite `{bound}`{where}, or make the cost non-negative"
    else:
        limit = f"the math gives it no {'upper' if rising else 'lower'} bound"
        fix = "Bound it in the math, or make the cost non-negative"
    times = f" (in each of {count} timesteps)" if count > 1 else ""
    return (
        f"{entry}{times}: {cause}, but nothing limits {variable} from "
        f"{'above' if rising else 'below'} ({limit}): the model would be unbounded. {fix}."
    )


def _grouped(entries: Iterable[Entry], coefficients: np.ndarray) -> dict[Entry, tuple[float, int]]:
    """Entries that differ only by timestep, once each: {entry: (first coefficient, count)}."""
    groups: dict[Entry, tuple[float, int]] = {}
    for entry, coefficient in zip(entries, coefficients, strict=True):
        coords = {dim: label for dim, label in entry.coords.items() if dim != "timesteps"}
        key = Entry(entry.component, _Frozen(coords))
        first, count = groups.get(key, (float(coefficient), 0))
        groups[key] = (first, count + 1)
    return groups


class _Frozen(dict):
    """A dict usable as part of a key (entries are grouped by component and coordinates)."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted((k, str(v)) for k, v in self.items())))
