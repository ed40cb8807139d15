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
from dataclasses import dataclass, replace
from typing import Any

import linopy
import numpy as np
import xarray as xr

from esmflow.errors import ModelError
from esmflow.math.engine import tree
from esmflow.math.engine.build import (
    constraint_data,
    global_expression_data,
    in_build_order,
    objective_data,
    variable_bounds,
)
from esmflow.math.engine.context import Context, defined_mask, make_context
from esmflow.math.engine.grammar import parse
from esmflow.math.engine.masks import component_mask, reduce_to, where_mask
from esmflow.math.engine.postprocessed import (
    constraint_values,
    global_expression_values,
    objective_value,
    solved_context,
)
from esmflow.math.engine.rows import subtract
from esmflow.math.engine.support import narrowed
from esmflow.math.engine.term import LINOPY_TYPES, Term, combine_undefined
from esmflow.math.engine.tree import referenced_names
from esmflow.math.engine.variants import (
    evaluate_term,
    evaluate_variants,
    kept_where,
    over_mask,
    variants,
)
from esmflow.math.program import LINOPY_SEMANTICS, Program, ProgramChanges
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
    if isinstance(definition.get("domain_where"), str):  # where an integer twin exists
        names |= referenced_names(parse(definition["domain_where"], "where", key_path=section))
    return names


def where_reads(
    section: str, name: str, definition: Mapping[str, Any]
) -> tuple[set[str], set[str]]:
    """Names a component's `where` strings read by value (compared, passed to a helper) and
    names they only test for being defined."""
    by_value: set[str] = set()
    by_definition: set[str] = set()
    for kind, key_path, text in component_strings(f"{section}.{name}", definition):
        if kind != "where":
            continue
        root = parse(text, kind, key_path=key_path)
        valued = {
            found.name
            for node in tree.walk(root)
            if isinstance(node, tree.Compare | tree.Call | tree.Subset | tree.Indexed)
            for found in tree.walk(node)
            if isinstance(found, tree.Name)
        }
        by_value |= valued
        by_definition |= referenced_names(root) - valued
    return by_value, by_definition


# --- which inputs reach coefficients -------------------------------------------------------
def _all_names(node: tree.Node, subs: Mapping[str, tree.Node]) -> set[str]:
    """Every name a subtree reads, sub-expressions included."""
    names = set(referenced_names(node))
    for child in tree.walk(node):
        if isinstance(child, tree.SubExpression) and child.name in subs:
            names |= _all_names(subs[child.name], subs)
    return names


class _Coefficients:
    """Which inputs a component's equations multiply decision variables by.

    A changed input that only shifts constants moves right-hand sides (cheap: numbers only); one
    that scales a variable changes coefficients (the component is evaluated again in full).
    Conservative: an input read next to a variable anywhere but in a sum counts as a coefficient.
    """

    def __init__(self, math: MathDefinition, ctx: Context) -> None:
        self.math = math
        self.ctx = ctx
        self.found: dict[str, frozenset[str]] = {}

    def of(self, section: str, name: str) -> frozenset[str]:
        key = f"{section}.{name}"
        if key not in self.found:
            self.found[key] = frozenset()  # (a component reading itself adds nothing)
            definition = getattr(self.math, section).get(name) or {}
            names: set[str] = set()
            for variant in variants(section, name, definition):
                names |= self._linear(variant.expression, variant.sub_expressions)[1]
            self.found[key] = frozenset(names)
        return self.found[key]

    def _is_linear(self, name: str) -> bool:
        return name in self.ctx.variables or isinstance(
            self.ctx.expressions.get(name), LINOPY_TYPES
        )

    def _linear(self, node: tree.Node, subs: Mapping[str, tree.Node]) -> tuple[bool, set[str]]:
        """(does the subtree hold decision variables, the names that multiply them)."""
        match node:
            case tree.Name(name=name):
                if name in self.ctx.variables:
                    return True, set()
                if self._is_linear(name):
                    return True, set(self.of("global_expressions", name))
                return False, set()
            case tree.SubExpression(name=name):
                return self._linear(subs[name], subs) if name in subs else (False, set())
            case tree.UnaryOp(operand=operand):
                return self._linear(operand, subs)
            case tree.BinaryOp(op=op, left=left, right=right):
                (left_linear, left_names), (right_linear, right_names) = (
                    self._linear(left, subs),
                    self._linear(right, subs),
                )
                names = left_names | right_names
                if op in ("*", "/", "**") and left_linear != right_linear:
                    names |= _all_names(right if left_linear else left, subs)
                elif op in ("*", "/", "**") and left_linear:
                    names |= _all_names(node, subs)
                return left_linear or right_linear, names
            case tree.Compare(left=left, right=right):
                parts = [self._linear(left, subs), self._linear(right, subs)]
                return any(p[0] for p in parts), set().union(*(p[1] for p in parts))
        children = list(node.children())
        parts = [self._linear(child, subs) for child in children]
        if not any(linear for linear, _ in parts):
            return False, set()
        # a helper (sum, roll, where, …) or an index over decision variables: its other
        # arguments may pick or scale them
        names = set().union(*(found for _, found in parts))
        for child, (linear, _) in zip(children, parts, strict=True):
            if not linear:
                names |= _all_names(child, subs)
        return True, names


# --- right-hand sides as a function of inputs ------------------------------------------------
@dataclass(frozen=True)
class _ConstantMap:
    """A constraint's row constants as an affine function of some inputs: c(p) = c0 + M·p.

    Found once, by evaluating the constraint with those inputs standing in as decision
    variables of a scratch linopy model (and the real variables at 0): the rows' "terms" are
    then the inputs' entries each row reads, with their factors. Later values of the inputs
    move the constants by M·(p_new − p_old), in numpy alone, as long as the inputs stay
    defined where they were.
    """

    inputs: dict[str, tuple[tuple[str, ...], np.ndarray, np.ndarray]]  # dims, defined, slots
    size: int
    coeffs: np.ndarray  # (rows, terms), rows in the constraint's label layout
    slots: np.ndarray  # (rows, terms): entry of the input vector, -1 for none

    def constants(self, inputs: xr.Dataset) -> np.ndarray:
        """M·p for the inputs' values (c0 cancels in differences)."""
        vector = np.zeros(self.size)
        for name, (_, defined, slots) in self.inputs.items():
            vector[slots] = inputs[name].values[defined]
        read = np.where(self.slots >= 0, vector[np.maximum(self.slots, 0)], 0.0)
        return np.nan_to_num(self.coeffs * read).sum(axis=-1)


def _constant_map(
    name: str,
    definition: Mapping[str, Any],
    ctx: Context,
    names: set[str],
    dims: list[str],
) -> _ConstantMap | None:
    """The map of a constraint's constants over `names` (None if they enter non-linearly)."""
    scratch = linopy.Model()
    variables = dict(ctx.variables)
    maps: dict[str, tuple[tuple[str, ...], np.ndarray, np.ndarray]] = {}
    for input_name in sorted(names):
        values = ctx.inputs[input_name]
        if not values.dims or values.dtype.kind != "f":
            return None
        defined = defined_mask(values)
        stand_in = scratch.add_variables(coords=values.coords, mask=defined, name=input_name)
        variables[input_name] = stand_in
        maps[input_name] = (values.dims, defined.values, stand_in.labels.values[defined.values])
    local = replace(ctx, variables=variables, filled_results={})
    try:
        # under the semantics the program was built with, so that an absent slot drops out of
        # the map as it dropped out of the program's rows (legacy semantics would fill it with 0)
        with linopy.options as settings:
            settings(semantics=LINOPY_SEMANTICS)
            combined = _constraint_difference(name, definition, local)
    except (ModelError, ValueError, TypeError, KeyError, AttributeError):
        return None  # an input that scales or divides another: no affine map
    if combined is None:
        return None
    if not isinstance(combined, linopy.LinearExpression):
        return _ConstantMap(maps, 0, np.zeros((1, 0)), np.zeros((1, 0), dtype=int))
    data = combined.data.transpose(*dims, "_term")
    return _ConstantMap(
        maps,
        scratch._xCounter,
        data.coeffs.values.reshape(-1, data.sizes["_term"]),
        data.vars.values.reshape(-1, data.sizes["_term"]),
    )


def _constraint_difference(name: str, definition: Mapping[str, Any], ctx: Context) -> Any:
    """lhs − rhs of a constraint's equations over its mask, as the build combines them."""
    mask = component_mask("constraints", name, definition, ctx)
    mask, ctx = narrowed(name, definition, mask, ctx)  # the rows as the build made them
    parts = evaluate_variants("constraints", name, definition, mask, ctx)
    combined: Any = None
    for part_mask, variant, local in parts:
        relation = variant.expression
        if not isinstance(relation, tree.Compare):
            return None
        lhs, right = evaluate_term(relation.left, local), evaluate_term(relation.right, local)
        difference = Term(subtract(lhs, right), combine_undefined(lhs.undefined, right.undefined))
        if len(parts) == 1:
            piece = over_mask(difference, part_mask, local, variant)
        else:
            piece = kept_where(difference, part_mask, local, variant)
        combined = piece if combined is None else combined + piece
    return combined


# --- the linked program --------------------------------------------------------------------
class LinkedProgram:
    """A program with the context it was built in; new input values become `ProgramChanges`.

    The object follows the program a backend holds: after `update_inputs` or `use_objective`
    has returned changes, those changes must be applied to the backend's copy before the next
    solve. The program's global expressions are replaced by their new versions as they change,
    so the solution of the next solve reads them right.

    Most changes only shift constants (an operate window's demand, `storage_initial`): those
    are found by evaluating the components with numbers alone, every variable at 0 (the
    constant of a linear expression), and move right-hand sides by the difference. Where a
    changed input scales a variable, the component is evaluated again in full.
    """

    def __init__(
        self, program: Program, inputs: xr.Dataset, math: MathDefinition, options: BuildOptions
    ) -> None:
        self.program = program
        self.math = math
        self.options = options
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
        self._coefficients = _Coefficients(math, self._built)
        self.objective_name = program.objective_name or options.objective
        self._rows: dict[str, tuple[xr.Dataset, xr.DataArray]] = {}
        self._bounds: dict[str, tuple[xr.DataArray, xr.DataArray]] = {}
        # constants (every variable at 0) of the expressions, and of the constraints whose
        # right-hand sides moved, with those right-hand sides: (labels, sign, rhs) by name
        self._numeric = solved_context(inputs, math, _zero_solution(model, program), options)
        self._constants: dict[str, xr.DataArray] = {}
        self._rhs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._maps: dict[tuple[str, frozenset[str]], _ConstantMap | None] = {}
        self._dims: dict[str, list[str]] = {}

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
        names = set(changed)
        redefined = {
            name
            for name, values in changed.items()
            if name not in self.inputs.data_vars
            or values.dims != self.inputs[name].dims
            or not np.array_equal(
                defined_mask(values).values, defined_mask(self.inputs[name]).values
            )
        }
        # an infinite value (a limit switched on or off) cannot move a right-hand side by a
        # difference: the components reading it (or an input given for the first time) are
        # evaluated again in full
        unbounded = {
            name
            for name, values in changed.items()
            if _has_infinite(values)
            or name not in self.inputs.data_vars  # was its default, which may be infinite
            or _has_infinite(self.inputs[name])
        }
        inputs = self.inputs.assign(changed)
        # maps fitted to the old definitions of redefined inputs no longer apply
        self._maps = {key: found for key, found in self._maps.items() if not key[1] & redefined}
        previous = self._numeric
        self._ctx = self._ctx.with_inputs(inputs, names)
        numeric = previous.with_inputs(inputs, names)
        changes = ProgramChanges()
        for name, definition in in_build_order(self.math.variables):
            if f"variables.{name}" in affected:
                changes.column_bounds.extend(self._variable_changes(name, definition))
        refreshed: set[str] = set()
        for name, definition in in_build_order(self.math.global_expressions):
            if f"global_expressions.{name}" in affected:
                numeric = self._refresh_expression(name, definition, names, numeric)
                refreshed.add(name)
        for name, definition in in_build_order(self.math.constraints):
            if f"constraints.{name}" not in affected:
                continue
            by_value, by_definition = where_reads("constraints", name, definition)
            may_reshape = bool(by_value & names or by_definition & redefined)
            if name not in self.program.model.constraints:  # built nowhere: must stay so
                if may_reshape:
                    self._stays_nowhere(name, definition, numeric)
                continue
            full = self._coefficients.of("constraints", name) & names or (
                _names_read("constraints", name, definition) & unbounded
            )
            if may_reshape or full:
                row_bounds, coefficients = self._constraint_changes(name, definition)
                self._rhs.pop(name, None)
                self._constants.pop(name, None)
            else:
                row_bounds, coefficients = self._moved_rows(
                    name, definition, names, refreshed, redefined, previous, numeric
                )
            changes.row_bounds.extend(row_bounds)
            changes.coefficients.extend(coefficients)
        if f"objectives.{self.objective_name}" in affected:
            if self._coefficients.of("objectives", self.objective_name) & names:
                self._set_objective(changes, self.objective_name)
            else:  # only its constant moves (kept aside, as at the build)
                definition = self.math.objectives[self.objective_name]
                self.program.objective_constant = objective_value(
                    self.objective_name, definition, numeric
                )
        self._numeric = numeric
        return changes

    def use_objective(self, name: str) -> ProgramChanges:
        """The changes that make `name` (an objective of the math) the one optimised."""
        changes = ProgramChanges()
        self._set_objective(changes, name)
        return changes

    # --- numbers only (every variable at 0) --------------------------------------------
    def _moved_rows(
        self,
        name: str,
        definition: Mapping[str, Any],
        changed: set[str],
        refreshed: set[str],
        redefined: set[str],
        previous: Context,
        numeric: Context,
    ) -> tuple[list[Any], list[Any]]:
        """Right-hand sides moved by the change of the rows' constant."""
        labels, sign, rhs = self._current_rows(name)
        dims = self._dims[name]
        read = _names_read("constraints", name, definition)
        movement = None
        if not read & refreshed:  # only inputs moved: the map of this constraint over them
            movement = self._mapped_movement(
                name, definition, read & changed, redefined, dims, previous
            )
        if movement is None:  # expressions moved too, or no map: evaluate the numbers again
            old = self._constants.get(name)
            if old is None:
                old = _constant_or_zero(constraint_values(name, definition, previous), dims)
            new = _constant_or_zero(constraint_values(name, definition, numeric), dims)
            if old.shape != new.shape:
                raise StructureChanged(f"constraints.{name}")
            self._constants[name] = new
            movement = np.broadcast_to(new.values - old.values, labels.shape)
        else:
            self._constants.pop(name, None)
        moved = rhs - movement
        differs = (moved != rhs) & (labels != -1)
        self._rhs[name] = (labels, sign, moved)
        if not differs.any():
            return [], []
        lower, upper = _row_bounds(sign[differs], moved[differs])
        return [(labels[differs], lower, upper)], []

    def _stays_nowhere(self, name: str, definition: Mapping[str, Any], numeric: Context) -> None:
        """A constraint built nowhere must still have no rows under the new inputs."""
        mask = component_mask("constraints", name, definition, numeric)
        if bool(mask.any()) and constraint_values(name, definition, numeric) is not None:
            raise StructureChanged(f"constraints.{name}")

    def _current_rows(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(labels, sign, rhs) of a constraint as the backend holds it (its dims in `_dims`)."""
        if name in self._rows:  # evaluated in full before: its rows are the reference
            rows, _ = self._rows.pop(name)
            constraint = self.program.model.constraints[name]
            dims = [str(dim) for dim in constraint.labels.dims]
            labels = constraint.labels.values
            rhs = rows.rhs.transpose(*dims).values
            sign = np.broadcast_to(rows.sign.values, labels.shape)
            if rows.sign.ndim:
                sign = rows.sign.transpose(*dims).values
            self._rhs[name] = (labels, sign, rhs)
            self._dims[name] = dims
        if name not in self._rhs:
            constraint = self.program.model.constraints[name]
            dims = [str(dim) for dim in constraint.labels.dims]
            labels = constraint.labels.values
            sign = np.broadcast_to(constraint.sign.transpose(*dims).values, labels.shape)
            self._rhs[name] = (labels, sign, constraint.rhs.transpose(*dims).values)
            self._dims[name] = dims
        return self._rhs[name]

    def _mapped_movement(
        self,
        name: str,
        definition: Mapping[str, Any],
        names: set[str],
        redefined: set[str],
        dims: list[str],
        previous: Context,
    ) -> np.ndarray | None:
        """How far the rows' constants moved, by the constraint's map (None: no map)."""
        if any(input_name not in previous.inputs.data_vars for input_name in names):
            return None  # an input given for the first time: no old values to map from
        if names & redefined:  # a map fits inputs defined where they were
            return None
        key = (name, frozenset(names))
        if key not in self._maps:
            self._maps[key] = _constant_map(name, definition, previous, names, dims)
        mapping = self._maps[key]
        if mapping is None:
            return None
        labels = self._rhs[name][0]
        movement = mapping.constants(self.inputs) - mapping.constants(previous.inputs)
        return movement.reshape(labels.shape) if movement.size == labels.size else None

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
        changes = self._bound_changes(name, lower, upper)
        twin = f"{name}__whole"  # build.py's integer twin where `domain_where` holds
        if twin in self.program.model.variables:
            whole = mask & where_mask(
                str(definition["domain_where"]), f"variables.{name}.domain_where", self._ctx
            )
            whole = reduce_to(whole, list(mask.dims))
            built = self.program.model.variables[twin].labels != -1
            if not bool((whole.broadcast_like(built) == built).all()):
                raise StructureChanged(f"variables.{name}.domain_where")
            changes.extend(self._bound_changes(twin, lower, upper))
        return changes

    def _bound_changes(
        self, name: str, lower: xr.DataArray, upper: xr.DataArray
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The columns of variable `name` whose bounds differ from those the backend holds."""
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

    def _refresh_expression(
        self, name: str, definition: Mapping[str, Any], changed: set[str], numeric: Context
    ) -> Context:
        """A global expression under the new inputs; returns the numeric context updated."""
        self._ctx.filled_results.pop(name, None)
        built = self._ctx.expressions.get(name)
        if self._coefficients.of("global_expressions", name) & changed or not isinstance(
            built, linopy.LinearExpression
        ):
            expression, exists = global_expression_data(name, definition, self._ctx)
            _same_or_rebuild(f"global_expressions.{name}", exists, self._ctx.exists.get(name))
            if expression is None:
                return numeric
        else:  # only its constant moves: the same terms with the new constant
            constant = global_expression_values(name, definition, numeric)
            if constant is None:
                raise StructureChanged(f"global_expressions.{name}")
            _same_or_rebuild(
                f"global_expressions.{name}", constant.notnull(), built.const.notnull()
            )
            expression = built.assign(const=constant.transpose(*built.const.dims))
        self._ctx = replace(self._ctx, expressions={**self._ctx.expressions, name: expression})
        self.program.expressions[name] = expression
        zero = _constant_of(expression)
        numeric.filled_results.pop(name, None)
        return replace(
            numeric,
            expressions={**numeric.expressions, name: zero},
            exists={**numeric.exists, name: zero.notnull()},
        )

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
        """The rows the backend holds: as built, with their right-hand sides as last moved."""
        found = constraint_data(name, definition, self._built)
        if found is None:
            return None
        rows, _, exists = found
        if name in self._rhs:
            _, _, rhs = self._rhs[name]
            order = self.program.model.constraints[name].labels.dims
            moved = xr.DataArray(rhs, dims=order).transpose(*rows.rhs.dims)
            rows = rows.assign(rhs=(rows.rhs.dims, moved.values))
        return rows, exists

    def _set_objective(self, changes: ProgramChanges, name: str) -> None:
        definition = self.math.objectives.get(name)
        if definition is None:
            raise KeyError(name)
        linear, constant, sense = objective_data(name, definition, self._ctx, self.program.model)
        changes.objective, changes.objective_constant, changes.sense = linear, constant, sense
        self.objective_name = name
        self.program.objective_name = name


def _has_infinite(values: xr.DataArray) -> bool:
    """A numeric input holding ±inf anywhere."""
    return values.dtype.kind == "f" and bool(np.isinf(values.values).any())


def _zero_solution(model: Any, program: Program) -> xr.Dataset:
    """Every variable at 0 where it exists, every expression at its constant."""
    arrays = {
        name: xr.zeros_like(model.variables[name].labels, dtype=float).where(
            model.variables[name].labels != -1
        )
        for name in model.variables
    }
    arrays.update(
        {name: _constant_of(expression) for name, expression in program.expressions.items()}
    )
    return xr.Dataset(arrays)


def _constant_of(expression: Any) -> xr.DataArray:
    """A linear expression's value with every variable at 0 (an array stays itself)."""
    if isinstance(expression, linopy.LinearExpression):
        return expression.const
    return xr.DataArray(expression)


def _constant_or_zero(values: xr.DataArray | None, dims: list[str] | None = None) -> xr.DataArray:
    """Constants on the constraint's dims, NaN (terms read as absent) counted as 0."""
    if values is None:
        return xr.DataArray(0.0)
    values = values.fillna(0.0)
    return values.transpose(*dims) if dims else values


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
