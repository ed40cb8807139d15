"""A built program kept linked to its inputs, so that a mode can change inputs and solve again.

Each component of a program is a function of the inputs it reads: its `where`, expression and
bound strings name them, directly or through the global expressions they use. `LinkedProgram`
keeps that map (`readers`: input → the components that read it) and the context of the build.
Given new values for some inputs (an operate window's time series and initial storage, SPORES's
scores and cost limit), it evaluates again only the components that read them, with the same
functions the build uses (build.py), and returns what changed as `ProgramChanges`: column
bounds, row bounds, coefficients, objective. A backend applies those to the program it holds;
nothing is built anew.

The rows and columns stay those of the build. If new values change where a component exists
or which variables a row holds, `StructureChanged` says which component; the caller then builds
the program for those inputs from scratch.

A program read back from disk links the same way: `Program.exists` holds every component's
mask, so the context is rebuilt from inputs, math and program alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import xarray as xr

from esmflow.math.engine.build import (
    constraint_data,
    global_expression_data,
    in_build_order,
    objective_data,
    variable_bounds,
)
from esmflow.math.engine.context import Context, make_context
from esmflow.math.engine.grammar import parse
from esmflow.math.engine.tree import referenced_names
from esmflow.math.program import Program, ProgramChanges
from esmflow.math.schema import MathDefinition, component_strings
from esmflow.options import BuildOptions


class StructureChanged(Exception):  # noqa: N818 - a signal to rebuild, not an error
    """New input values change which rows or columns a component has: build anew."""


# --- which inputs each component reads -----------------------------------------------------
def input_readers(math: MathDefinition, ctx: Context) -> dict[str, frozenset[str]]:
    """Input name → the components (`constraints.x`, …) that read it, through expressions too."""
    direct = {
        f"{section}.{name}": _names_read(section, name, definition)
        for section in ("variables", "global_expressions", "constraints", "objectives")
        for name, definition in getattr(math, section).items()
    }
    expressions = set(math.global_expressions)
    closure: dict[str, set[str]] = {}

    def inputs_of(key: str, seen: frozenset[str] = frozenset()) -> set[str]:
        if key not in closure:
            names = direct.get(key, set())
            found = {name for name in names if ctx.is_input(name)}
            for name in names & expressions:
                child = f"global_expressions.{name}"
                if child not in seen and child != key:
                    found |= inputs_of(child, seen | {key})
            closure[key] = found
        return closure[key]

    readers: dict[str, set[str]] = {}
    for key in direct:
        for name in inputs_of(key):
            readers.setdefault(name, set()).add(key)
    return {name: frozenset(keys) for name, keys in readers.items()}


def _names_read(section: str, name: str, definition: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for kind, key_path, text in component_strings(f"{section}.{name}", definition):
        names |= referenced_names(parse(text, kind, key_path=key_path))
    for bound in (definition.get("bounds") or {}).values():
        if isinstance(bound, str):
            names.add(bound)
    return names


# --- the linked program --------------------------------------------------------------------
class LinkedProgram:
    """A program with the context it was built in; new input values become `ProgramChanges`.

    The object follows the program a backend holds: after `update_inputs` or `use_objective`
    has returned changes, those changes must be applied to the backend's copy before the next
    solve. The program's global expressions are replaced by their new versions as they change,
    so the solution of the next solve reads them right.
    """

    def __init__(
        self, program: Program, inputs: xr.Dataset, math: MathDefinition, options: BuildOptions
    ) -> None:
        self.program = program
        self.math = math
        built = make_context(inputs, math, options)
        model = program.model
        self._built = replace(
            built,
            variables={name: model.variables[name] for name in model.variables},
            expressions=dict(program.expressions),
            exists=dict(program.exists),
        )
        self._ctx = self._built
        self.readers = input_readers(math, built)
        self.objective_name = program.objective_name or options.objective
        self._rows: dict[str, tuple[xr.Dataset, xr.DataArray]] = {}
        self._bounds: dict[str, tuple[xr.DataArray, xr.DataArray]] = {}

    @property
    def inputs(self) -> xr.Dataset:
        """The inputs the program holds now."""
        return self._ctx.inputs

    def differing(self, new: Mapping[str, xr.DataArray]) -> dict[str, xr.DataArray]:
        """Those of `new` whose values differ from the inputs the program holds now."""
        current = self.inputs
        return {
            name: values
            for name, values in new.items()
            if name not in current.data_vars or not values.equals(current[name])
        }

    def update_inputs(self, new: Mapping[str, xr.DataArray]) -> ProgramChanges:
        """The changes that new values of some inputs make (only the components that read them).

        `new` arrays must lie on the program's coordinates (an operate window's steps relabelled
        to the first window's). Raises StructureChanged if a component's rows or columns would
        change.
        """
        changed = self.differing(new)
        if not changed:
            return ProgramChanges()
        affected = set().union(*(self.readers.get(name, frozenset()) for name in changed))
        self._ctx = replace(
            self._ctx,
            inputs=self.inputs.assign(changed),
            memo={},
            filled_results=dict(self._ctx.filled_results),
        )
        changes = ProgramChanges()
        for name, definition in in_build_order(self.math.variables):
            if f"variables.{name}" in affected:
                changes.column_bounds.extend(self._variable_changes(name, definition))
        for name, definition in in_build_order(self.math.global_expressions):
            if f"global_expressions.{name}" in affected:
                self._refresh_expression(name, definition)
        for name, definition in in_build_order(self.math.constraints):
            if f"constraints.{name}" in affected:
                row_bounds, coefficients = self._constraint_changes(name, definition)
                changes.row_bounds.extend(row_bounds)
                changes.coefficients.extend(coefficients)
        if f"objectives.{self.objective_name}" in affected:
            self._set_objective(changes, self.objective_name)
        return changes

    def use_objective(self, name: str) -> ProgramChanges:
        """The changes that make `name` (an objective of the math) the one optimised."""
        changes = ProgramChanges()
        self._set_objective(changes, name)
        return changes

    # --- one component each ------------------------------------------------------------
    def _variable_changes(
        self, name: str, definition: Mapping[str, Any]
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        found = variable_bounds(name, definition, self._ctx)
        if found is None:
            _same_or_rebuild(f"variables.{name}", None, self._ctx.exists.get(name))
            return []
        mask, lower, upper = found
        _same_or_rebuild(f"variables.{name}", mask, self._ctx.exists.get(name))
        variable = self.program.model.variables[name]
        old_lower, old_upper = self._bounds.get(name, (variable.lower, variable.upper))
        self._bounds[name] = (lower, upper)
        labels = variable.labels
        dims = labels.dims
        lower, upper = (bound.broadcast_like(labels).transpose(*dims) for bound in (lower, upper))
        old = [bound.broadcast_like(labels).transpose(*dims) for bound in (old_lower, old_upper)]
        differs = (_differs(lower, old[0]) | _differs(upper, old[1])) & (labels != -1)
        picked = differs.transpose(*dims).values
        if not picked.any():
            return []
        return [(labels.values[picked], lower.values[picked], upper.values[picked])]

    def _refresh_expression(self, name: str, definition: Mapping[str, Any]) -> None:
        expression, exists = global_expression_data(name, definition, self._ctx)
        _same_or_rebuild(f"global_expressions.{name}", exists, self._ctx.exists.get(name))
        self._ctx.filled_results.pop(name, None)
        if expression is None:
            return
        self._ctx = replace(self._ctx, expressions={**self._ctx.expressions, name: expression})
        self.program.expressions[name] = expression

    def _constraint_changes(
        self, name: str, definition: Mapping[str, Any]
    ) -> tuple[list[Any], list[Any]]:
        found = constraint_data(name, definition, self._ctx)
        previous = self._rows.get(name) or self._built_rows(name, definition)
        if found is None or previous is None:
            if (found is None) != (previous is None):
                raise StructureChanged(f"constraints.{name}")
            return [], []
        rows, _, exists = found
        old_rows, old_exists = previous
        _same_or_rebuild(f"constraints.{name}", exists, old_exists)
        if rows.vars.shape != old_rows.vars.shape or not np.array_equal(
            rows.vars.values, old_rows.vars.values
        ):
            raise StructureChanged(f"constraints.{name}")
        self._rows[name] = (rows, exists)
        labels = self.program.model.constraints[name].labels.transpose(*rows.rhs.dims).values
        return _row_bound_changes(rows, old_rows, labels), _coefficient_changes(
            rows, old_rows, labels, self.program.model._xCounter
        )

    def _built_rows(
        self, name: str, definition: Mapping[str, Any]
    ) -> tuple[xr.Dataset, xr.DataArray] | None:
        """The rows as built (what the backend holds until the constraint first changes)."""
        found = constraint_data(name, definition, self._built)
        return None if found is None else (found[0], found[2])

    def _set_objective(self, changes: ProgramChanges, name: str) -> None:
        definition = self.math.objectives.get(name)
        if definition is None:
            raise KeyError(name)
        linear, constant, sense = objective_data(name, definition, self._ctx, self.program.model)
        changes.objective, changes.objective_constant, changes.sense = linear, constant, sense
        self.objective_name = name
        self.program.objective_name = name


# --- comparisons -----------------------------------------------------------------------------
def _differs(new: xr.DataArray, old: xr.DataArray) -> xr.DataArray:
    """True where two arrays differ (NaN equals NaN)."""
    return ~((new == old) | (new.isnull() & old.isnull()))


def _same_or_rebuild(key: str, new: xr.DataArray | None, old: xr.DataArray | None) -> None:
    """Raise StructureChanged unless a component's mask is what it was."""
    if new is None or old is None:
        if bool(new is not None and new.any()) or bool(old is not None and old.any()):
            raise StructureChanged(key)
        return
    if not bool(new.any()) and not bool(old.any()):
        return
    if new.dims != old.dims or not np.array_equal(new.values, old.values):
        raise StructureChanged(key)


def _row_bounds(sign: Any, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) of rows `terms (sign) rhs`."""
    sign = np.broadcast_to(np.asarray(sign), rhs.shape)
    lower = np.where(sign == "<=", -np.inf, rhs)
    upper = np.where(sign == ">=", np.inf, rhs)
    return lower, upper


def _row_bound_changes(
    rows: xr.Dataset, old_rows: xr.Dataset, labels: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rhs, old_rhs = rows.rhs.values, old_rows.rhs.transpose(*rows.rhs.dims).values
    sign = rows.sign.transpose(*rows.rhs.dims).values if rows.sign.ndim else rows.sign.values
    differs = ~((rhs == old_rhs) | (np.isnan(rhs) & np.isnan(old_rhs))) & (labels != -1)
    if not differs.any():
        return []
    lower, upper = _row_bounds(np.broadcast_to(sign, rhs.shape)[differs], rhs[differs])
    return [(labels[differs], lower, upper)]


def _coefficient_changes(
    rows: xr.Dataset, old_rows: xr.Dataset, labels: np.ndarray, stride: int
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Entries (row, column) whose total coefficient differs; 0 where an entry goes away."""
    dims = [*rows.rhs.dims, "_term"]
    coeffs = rows.coeffs.transpose(*dims).values
    old_coeffs = old_rows.coeffs.transpose(*dims).values
    same = (coeffs == old_coeffs) | (np.isnan(coeffs) & np.isnan(old_coeffs))
    changed_rows = ~same.all(axis=-1) & (labels != -1)
    if not changed_rows.any():
        return []
    variables = rows.vars.transpose(*dims).values[changed_rows]
    row_labels = labels[changed_rows]
    new_keys, new_sums = _entry_sums(row_labels, variables, coeffs[changed_rows], stride)
    old_keys, old_sums = _entry_sums(row_labels, variables, old_coeffs[changed_rows], stride)
    keys = np.union1d(new_keys, old_keys)
    new_values = _values_at(keys, new_keys, new_sums)
    old_values = _values_at(keys, old_keys, old_sums)
    differs = new_values != old_values
    keys = keys[differs]
    return [(keys // stride, keys % stride, new_values[differs])]


def _entry_sums(
    row_labels: np.ndarray, variables: np.ndarray, coeffs: np.ndarray, stride: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys row·stride + column and the summed coefficient of each (repeated terms add)."""
    rows = np.repeat(row_labels.astype(np.int64), variables.shape[-1])
    columns = variables.reshape(-1).astype(np.int64)
    values = coeffs.reshape(-1)
    kept = (columns != -1) & ~np.isnan(values)
    keys, where = np.unique(rows[kept] * stride + columns[kept], return_inverse=True)
    return keys, np.bincount(where, weights=values[kept], minlength=len(keys))


def _values_at(keys: np.ndarray, known: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`values` of `known` keys placed on `keys` (0 where a key is not known)."""
    if not len(known):
        return np.zeros(len(keys))
    at = np.searchsorted(known, keys)
    found = (at < len(known)) & (known[np.minimum(at, len(known) - 1)] == keys)
    return np.where(found, values[np.minimum(at, len(known) - 1)], 0.0)


def link_program(
    program: Program, inputs: xr.Dataset, math: MathDefinition, options: BuildOptions
) -> LinkedProgram:
    """The program linked to the inputs, math and options it was built from."""
    return LinkedProgram(program, inputs, math, options)
