"""Badly scaled numbers, found before the solve: warn and name where they come from.

A simplex solver works in double precision; when the magnitudes in one part of the program span
more than about nine orders (a `cost_flow_cap` of 1e-6 beside a `bigM` of 1e9), its tolerances
(1e-7 by default) stop separating real values from round-off, and it may stop early, call a
feasible model infeasible, or return a wrong optimum. So three ranges are measured, each from its
smallest to its largest nonzero magnitude: the constraint matrix, the objective coefficients, and
the bounds and right-hand sides together. Each range beyond `RANGE_LIMIT` raises a ModelWarning
naming where its extremes sit (component, tech, node) and the parameters there that look
responsible. HiGHS also treats matrix entries below its `small_matrix_value` (1e-9) as zero, which
silently drops them; that gets a warning of its own.

Everything is one pass over the arrays of `linopy.Model.matrices` (scipy sparse and numpy).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import linopy
import numpy as np

from esmflow.backends.model_terms import Entry, ModelTerms, number_text
from esmflow.errors import ModelWarning

RANGE_LIMIT = 1e9  # largest / smallest nonzero magnitude that HiGHS still handles reliably
DROPPED_BELOW = 1e-9  # HiGHS's default `small_matrix_value`: smaller matrix entries become 0


@dataclass(frozen=True)
class Extreme:
    """One end of a range: its value, the entry it sits at, the parameters that look responsible."""

    value: float
    entry: Entry
    parameters: tuple[str, ...] = ()

    def __str__(self) -> str:
        causes = f" ({'; '.join(self.parameters)})" if self.parameters else ""
        return f"{number_text(self.value)} at {self.entry}{causes}"


@dataclass(frozen=True)
class ValueRange:
    """The smallest and largest nonzero magnitude of one part of the program."""

    part: str
    smallest: Extreme
    largest: Extreme

    @property
    def ratio(self) -> float:
        return abs(self.largest.value) / abs(self.smallest.value)

    def message(self) -> str:
        return (
            f"The {self.part} span {number_text(abs(self.smallest.value))} to "
            f"{number_text(abs(self.largest.value))} (a ratio of {self.ratio:.1e}; HiGHS is "
            f"reliable up to about {RANGE_LIMIT:.0e}), so the solve may be slow, inaccurate or "
            f"fail. Smallest: {self.smallest}. Largest: {self.largest}. Change units so that "
            "typical values lie nearer 1 (e.g. costs in thousands, energy in GWh), or check "
            "these values for typos."
        )


def warn_about_numerics(model: linopy.Model, terms: ModelTerms) -> list[str]:
    """Issue a ModelWarning for each badly scaled part of the program; return the messages."""
    matrices = model.matrices
    messages = [found.message() for found in wide_ranges(matrices, terms)]
    dropped = dropped_entries(matrices, terms)
    if dropped:
        messages.append(dropped)
    for message in messages:
        warnings.warn(message, ModelWarning, stacklevel=3)
    return messages


def wide_ranges(matrices: linopy.matrices.MatrixAccessor, terms: ModelTerms) -> list[ValueRange]:
    """The matrix, objective and bound/right-hand-side ranges wider than `RANGE_LIMIT`.

    Only a wide range is traced back to components and parameters, so a well-scaled program
    costs a few array reductions.
    """
    ranges = []
    matrix = _matrix_range(matrices, terms)
    objective = _objective_range(matrices, terms)
    bounds = _bound_range(matrices, terms)
    for found in (matrix, objective, bounds):
        if found is not None:
            ranges.append(found)
    return ranges


def dropped_entries(matrices: linopy.matrices.MatrixAccessor, terms: ModelTerms) -> str | None:
    """A message if some matrix entries are so small that HiGHS will treat them as zero."""
    if matrices.A is None:
        return None
    coo = matrices.A.tocoo()
    magnitude = np.abs(coo.data)
    tiny = np.flatnonzero((magnitude > 0) & (magnitude < DROPPED_BELOW))
    if not len(tiny):
        return None
    first = tiny[np.argmin(magnitude[tiny])]
    example = _matrix_extreme(matrices, terms, coo, first, is_smallest=True)
    return (
        f"{len(tiny)} constraint coefficient(s) lie below {DROPPED_BELOW:.0e}, which HiGHS treats "
        f"as zero (option `small_matrix_value`), so those terms are dropped from the model. "
        f"The smallest: {example}."
    )


def _matrix_range(matrices: linopy.matrices.MatrixAccessor, terms: ModelTerms) -> ValueRange | None:
    if matrices.A is None:
        return None
    coo = matrices.A.tocoo()
    positions = _wide_extremes(coo.data)
    if positions is None:
        return None
    small, large = (
        _matrix_extreme(matrices, terms, coo, p, is_smallest)
        for p, is_smallest in zip(positions, (True, False), strict=True)
    )
    return ValueRange("constraint coefficients", small, large)


def _matrix_extreme(
    matrices: linopy.matrices.MatrixAccessor,
    terms: ModelTerms,
    coo: object,
    position: int,
    is_smallest: bool,
) -> Extreme:
    row = int(coo.row[position])  # type: ignore[attr-defined]
    column = int(coo.col[position])  # type: ignore[attr-defined]
    value = float(coo.data[position])  # type: ignore[attr-defined]
    constraint = terms.constraint(int(matrices.clabels[row]))
    variable = terms.variable(int(matrices.vlabels[column]))
    names = terms.parameters_of("constraints", constraint.component)
    causes = _responsible(terms, names, constraint.coords, value, is_smallest)
    entry = Entry(f"{constraint} (coefficient of {variable})", {})
    return Extreme(value, entry, causes)


def _objective_range(
    matrices: linopy.matrices.MatrixAccessor, terms: ModelTerms
) -> ValueRange | None:
    positions = _wide_extremes(matrices.c)
    if positions is None:
        return None
    extremes = []
    for position, is_smallest in zip(positions, (True, False), strict=True):
        value = float(matrices.c[position])
        variable = terms.variable(int(matrices.vlabels[position]))
        names = terms.cost_parameters(variable.component)
        causes = _responsible(terms, names, variable.coords, value, is_smallest)
        extremes.append(Extreme(value, Entry(f"the cost of {variable}", {}), causes))
    return ValueRange("objective coefficients (costs per unit)", *extremes)


def _bound_range(matrices: linopy.matrices.MatrixAccessor, terms: ModelTerms) -> ValueRange | None:
    """Variable bounds and constraint right-hand sides, which the solver compares with each other."""
    b = np.asarray(matrices.b, dtype=float) if matrices.A is not None else np.array([])
    values = np.concatenate([matrices.lb, matrices.ub, b])
    values = np.where(np.isfinite(values), values, 0.0)
    positions = _wide_extremes(values)
    if positions is None:
        return None
    columns = len(matrices.lb)
    extremes = []
    for position, is_smallest in zip(positions, (True, False), strict=True):
        value = float(values[position])
        if position < 2 * columns:
            side = "min" if position < columns else "max"
            variable = terms.variable(int(matrices.vlabels[position % columns]))
            source = terms.bound_parameter(variable.component, side)
            names = [source] if source else []
            causes = _responsible(terms, names, variable.coords, value, is_smallest)
            label = f"the {'lower' if side == 'min' else 'upper'} bound of {variable}"
        else:
            constraint = terms.constraint(int(matrices.clabels[position - 2 * columns]))
            names = terms.parameters_of("constraints", constraint.component)
            causes = _responsible(terms, names, constraint.coords, value, is_smallest)
            label = f"the right-hand side of {constraint}"
        extremes.append(Extreme(value, Entry(label, {}), causes))
    return ValueRange("variable bounds and constraint right-hand sides", *extremes)


def _wide_extremes(values: np.ndarray) -> tuple[int, int] | None:
    """Positions of the smallest and largest nonzero magnitude, if their ratio is too wide."""
    magnitude = np.abs(np.asarray(values, dtype=float))
    nonzero = np.flatnonzero(magnitude > 0)
    if not len(nonzero):
        return None
    smallest = int(nonzero[np.argmin(magnitude[nonzero])])
    largest = int(nonzero[np.argmax(magnitude[nonzero])])
    if magnitude[largest] <= RANGE_LIMIT * magnitude[smallest]:
        return None
    return smallest, largest


def _responsible(
    terms: ModelTerms, names: list[str], coords: dict, value: float, is_smallest: bool
) -> tuple[str, ...]:
    """The parameter set at the entry that pulls its value furthest the same way, if any.

    A coefficient is a product of parameters and unit factors (a capacity cost times the share
    of the year the model covers), so at the smallest entry the smallest parameter below 1 is the
    likely cause, and at the largest entry the largest parameter above 1.
    """
    candidates = [
        (abs(number), name)
        for name in names
        for _, number in terms.values_at(name, coords)
        if number != 0
        and np.isfinite(number)
        and (abs(number) < 1) == is_smallest
        and abs(number) != 1
    ]
    if not candidates:
        return ()
    _, name = min(candidates) if is_smallest else max(candidates)
    return (terms.describe(name, coords),)
