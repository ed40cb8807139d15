"""What the evaluators of `where` and `expression` strings may read: a frozen context.

`make_context` makes the first one from the inputs and the math; the build loop makes a new
one per component (cheap: it only points at shared dicts), so the evaluators stay pure
functions of (tree, context).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import xarray as xr

from esmflow.errors import ModelError
from esmflow.math.engine import tree
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions


@dataclass(frozen=True)
class Context:
    """Inputs, math declarations and the components built so far, seen from one math string.

    `inputs` holds every declared parameter and lookup (raw: NaN or "" = undefined), plus the
    coordinates of every dimension. `variables` / `expressions` are the linopy objects built so
    far and `exists` their masks. `sub_expressions` / `slices` map `$name` to the tree of the case
    chosen for the equation being evaluated. `source` and `key_path` place error messages.
    """

    inputs: xr.Dataset
    defaults: Mapping[str, Any]
    parameters: frozenset[str]
    lookups: frozenset[str]
    dimensions: frozenset[str]
    config: Mapping[str, Any]
    results: frozenset[str] = frozenset()
    variables: Mapping[str, Any] = field(default_factory=dict)
    expressions: Mapping[str, Any] = field(default_factory=dict)
    exists: Mapping[str, xr.DataArray] = field(default_factory=dict)
    sub_expressions: Mapping[str, tree.Node] = field(default_factory=dict)
    slices: Mapping[str, tree.Node] = field(default_factory=dict)
    source: str = ""
    key_path: str = ""
    origins: Mapping[str, str] = field(default_factory=dict)  # "constraints.x" → math file
    # Shared across the contexts of one build: each variable/expression with absent entries
    # read as 0, computed once (linopy's fillna copies the whole array).
    filled_results: dict[str, Any] = field(default_factory=dict)
    # Shared likewise: what depends only on the inputs and the math strings (a parameter read
    # raw / filled / as a defined-mask, an evaluated `where`), computed once per build. xarray
    # and linopy operations cost ~0.1–1 ms each whatever the array size, and the same parameters
    # and `where` strings recur across dozens of components. Arrays kept here are never mutated.
    memo: dict[Any, Any] = field(default_factory=dict)

    def with_inputs(self, inputs: xr.Dataset, changed: Collection[str]) -> Context:
        """The same context over new inputs, where only the inputs named `changed` differ.

        What the memo holds for unchanged names stays: inputs read raw, filled or as masks,
        their terms, and `where` masks that read none of the changed names (a linked program
        evaluates a few components again after each change; their masks mostly stay).
        """
        changed = frozenset(changed)
        memo: dict[Any, Any] = {}
        for key, value in self.memo.items():
            kind = key[0]
            if kind in _INPUT_MEMO and key[1] not in changed:
                memo[key] = (inputs, value[1])
            elif kind == "term" and key[1] not in changed:
                memo[key] = value
            elif kind == "where" and not (self.memo.get(("names", key[1]), changed) & changed):
                memo[key] = value
            elif kind == "names" or (kind == "foreach" and "active" not in changed):
                memo[key] = value
        return replace(self, inputs=inputs, memo=memo, filled_results=dict(self.filled_results))

    def is_input(self, name: str) -> bool:
        """A declared parameter or lookup (whether or not the data defines it)."""
        return name in self.parameters or name in self.lookups

    def is_result(self, name: str) -> bool:
        """A variable or global expression of the math (built or not)."""
        return name in self.results

    def default(self, name: str) -> Any:
        """The declared default of a parameter or lookup (NaN if none)."""
        return self.defaults.get(name, math.nan)

    def raw(self, name: str) -> xr.DataArray:
        """The input array as stored (NaN/"" = undefined); a scalar default when data lacks it."""
        return self._memoised("raw", name, self._raw)

    def filled(self, name: str) -> xr.DataArray:
        """The input array with undefined entries replaced by the declared default."""
        return self._memoised("filled", name, self._filled)

    def defined(self, name: str) -> xr.DataArray:
        """True where the input is defined (a boolean lookup: its own values)."""
        return self._memoised("defined", name, self._defined)

    def _memoised(self, kind: str, name: str, compute: Any) -> xr.DataArray:
        key = (kind, name)
        found = self.memo.get(key)
        if found is None or found[0] is not self.inputs:  # keyed on the inputs object too
            found = (self.inputs, compute(name))
            self.memo[key] = found
        return found[1]

    def _raw(self, name: str) -> xr.DataArray:
        if name in self.inputs.data_vars:
            return self.inputs[name]
        return xr.DataArray(self.default(name) if name in self.lookups else np.nan)

    def _filled(self, name: str) -> xr.DataArray:
        array = self.raw(name)
        default = self.default(name)
        if _is_missing(default):
            return array
        if array.dtype.kind in "OUS":
            return array.where(defined_mask(array), default)
        if array.dtype.kind == "f" and bool(array.isnull().any()):
            return array.fillna(default)
        return array

    def _defined(self, name: str) -> xr.DataArray:
        array = self.raw(name)
        return array if array.dtype.kind == "b" else defined_mask(array)

    def error(self, message: str, node: tree.Node | None = None, **fields: Any) -> ModelError:
        """A ModelError placed at this string's key path, underlining `node`."""
        span = (self.source, *node.span) if node is not None and self.source else None
        component = ".".join(self.key_path.split(".")[:2]).split("[")[0]
        fields.setdefault("file", self.origins.get(component))
        return ModelError(message, key_path=self.key_path or None, span=span, **fields)


# Memo entries of an input, kept as (inputs object, value): `raw`, `filled`, `defined` (here),
# beside `term` (expression.py), `where`, `names` and `foreach` (masks.py).
_INPUT_MEMO = ("raw", "filled", "defined")


def make_context(inputs: xr.Dataset, math: MathDefinition, options: BuildOptions) -> Context:
    """The evaluation context: declared inputs (plus any data the math does not declare)."""
    lookups = set(math.lookups) | {
        name for name, array in inputs.data_vars.items() if array.dtype.kind in "bOUS"
    }
    parameters = (set(math.parameters) | set(inputs.data_vars)) - lookups
    defaults = {name: spec.get("default", np.nan) for name, spec in math.lookups.items()}
    for section in (math.parameters, math.variables, math.global_expressions):
        defaults.update(
            {name: _number(spec.get("default", np.nan)) for name, spec in section.items()}
        )
    dims = set(math.dimensions) | set(inputs.dims)
    return Context(
        inputs=inputs,
        defaults=defaults,
        parameters=frozenset(parameters),
        lookups=frozenset(lookups),
        dimensions=frozenset(dims),
        config=dict(options.config),
        results=frozenset([*math.variables, *math.global_expressions]),
        origins=math.origins,
    )


def _number(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def defined_mask(array: xr.DataArray) -> xr.DataArray:
    """True where an input is defined: not NaN, not ±inf, not the empty string."""
    if array.dtype.kind == "b":
        return xr.ones_like(array, dtype=bool)
    if array.dtype.kind in "OUS":
        return array.notnull() & (array != "")
    if (
        array.dtype.kind in "mM"
    ):  # datetime lookups (e.g. a cluster's last timestep): NaT = undefined
        return array.notnull()
    if array.dtype.kind in "iu":
        return xr.ones_like(array, dtype=bool)
    # NaN and ±inf are both not finite: one numpy call instead of four xarray operations
    return xr.DataArray(np.isfinite(array.values), coords=array.coords, dims=array.dims)
