"""Name columns and rows of the solver's matrix in the model's own terms.

A solver speaks of column 14 and row 3; a modeller thinks of `storage_cap` of the battery at node
A, bounded by `storage_cap_max = 20`. `ModelTerms` translates: a linopy label becomes a math
component and its coordinates (`Entry`), a variable's bound becomes the parameter the math reads it
from (`bounds: {min: storage_cap_min, max: storage_cap_max}`), and a component lists the input
parameters it reads, with their values at an entry. Diagnoses of infeasible, unbounded and badly
scaled programs are written with it.

It reads the math stored with the inputs (`inputs.attrs["math"]`); without inputs (a program built
by hand) entries still get their component and coordinates, only the parameters are missing.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from esmflow.math.schema import MathDefinition

_NAME = re.compile(r"(?<![\w.])\$?[A-Za-z_]\w*")
_EXPRESSION_SECTIONS = ("global_expressions", "objectives")
_DIM_ORDER = {"nodes": 0, "techs": 1, "carriers": 2, "costs": 3, "timesteps": 4}


@dataclass(frozen=True)
class Entry:
    """One element of a math component: `flow_cap[nodes=A, techs=gas, carriers=power]`."""

    component: str
    coords: Mapping[str, Any]

    def __str__(self) -> str:
        if not self.coords:
            return self.component
        ordered = sorted(self.coords.items(), key=lambda item: _DIM_ORDER.get(item[0], 9))
        where = ", ".join(f"{dim}={label_text(label)}" for dim, label in ordered)
        return f"{self.component}[{where}]"

    def at(self) -> str:
        """Where the entry sits, in words: "tech gas at node A (carrier power)"."""
        words = []
        if "techs" in self.coords:
            words.append(f"tech {label_text(self.coords['techs'])}")
        if "nodes" in self.coords:
            words.append(f"at node {label_text(self.coords['nodes'])}")
        rest = [
            f"{dim.removesuffix('s')} {label_text(label)}"
            for dim, label in self.coords.items()
            if dim not in ("techs", "nodes")
        ]
        if rest:
            words.append(f"({', '.join(rest)})")
        return " ".join(words) or "everywhere"


def label_text(label: Any) -> str:
    """A coordinate label as a modeller wrote it (timestamps without seconds when whole)."""
    if isinstance(label, pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(label)
        return stamp.strftime("%Y-%m-%d %H:%M" if stamp.second == 0 else "%Y-%m-%d %H:%M:%S")
    return str(label)


def number_text(value: float) -> str:
    """A number as short as it stays exact enough to recognise (`20`, `-5`, `1e-06`, `inf`)."""
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.6g}"


class ModelTerms:
    """Translate a program's labels into math components, coordinates and parameter values."""

    def __init__(
        self,
        model: linopy.Model,
        inputs: xr.Dataset | None = None,
        math_definition: MathDefinition | None = None,
    ) -> None:
        self.model = model
        self.inputs = inputs if inputs is not None else xr.Dataset()
        self._math = math_definition

    @functools.cached_property
    def math(self) -> MathDefinition | None:
        """The math the program was built from (read from the inputs only when first needed)."""
        if self._math is None and "math" in self.inputs.attrs:
            return MathDefinition.from_inputs(self.inputs)
        return self._math

    # --- labels → entries -------------------------------------------------------------------
    def variable(self, label: int) -> Entry:
        """The variable entry of a linopy variable label."""
        return _entry(self.model.variables.get_label_position(int(label)))

    def constraint(self, label: int) -> Entry:
        """The constraint entry of a linopy constraint label."""
        return _entry(self.model.constraints.get_label_position(int(label)))

    # --- the math ---------------------------------------------------------------------------
    def bound_parameter(self, variable: str, side: str) -> str | None:
        """The parameter the math reads a variable's `min`/`max` bound from (None for a number)."""
        if self.math is None:
            return None
        bounds = (self.math.variables.get(variable) or {}).get("bounds") or {}
        source = bounds.get(side)
        if source is None or isinstance(source, int | float) or _is_number(str(source)):
            return None
        return str(source)

    def equation_text(self, constraint: str) -> str | None:
        """The constraint's equation(s) as written in the math, if it is a math constraint."""
        if self.math is None or constraint not in self.math.constraints:
            return None
        equations = self.math.constraints[constraint].get("equations") or []
        texts = [" ".join(str(e.get("expression", "")).split()) for e in equations]
        if len(texts) > 1:  # which case applies depends on the data: show each with its `where`
            wheres = [" ".join(str(e.get("where", "")).split()) for e in equations]
            texts = [f"{t} (where {w})" if w else t for t, w in zip(texts, wheres, strict=True)]
        return " or ".join(text for text in texts if text) or None

    def parameters_of(self, section: str, component: str) -> list[str]:
        """Input parameters a component reads, directly or through the global expressions it uses."""
        if self.math is None:
            return []
        names: list[str] = []
        seen: set[str] = set()
        pending = [(section, component)]
        while pending:
            section_name, name = pending.pop()
            if (section_name, name) in seen:
                continue
            seen.add((section_name, name))
            definition = getattr(self.math, section_name, {}).get(name) or {}
            for token in _tokens(_strings(definition)):
                if token in self.math.global_expressions:
                    pending.append(("global_expressions", token))
                elif self._is_parameter(token) and token not in names:
                    names.append(token)
        return names

    def cost_parameters(self, variable: str) -> list[str]:
        """Parameters that multiply `variable` in the objective's expressions (its cost terms).

        Follows the global expressions that mention the variable (or an expression that does)
        up to the objectives, and keeps the parameters written in the same string as the
        variable (or in a sub-expression that string uses): for `flow_cap`, `cost_flow_cap`,
        `cost_flow_cap_per_distance`, `cost_om_annual`, …
        """
        if self.math is None:
            return []
        found: list[str] = []
        frontier, done = {variable}, set()
        while frontier:
            done |= frontier
            following: set[str] = set()
            for section in _EXPRESSION_SECTIONS:
                for name, definition in getattr(self.math, section).items():
                    tokens = _tokens_next_to(definition, frontier)
                    if not tokens:
                        continue
                    following.add(name)
                    found.extend(t for t in tokens if self._is_parameter(t) and t not in found)
            frontier = following - done
        return found

    # --- parameter values -------------------------------------------------------------------
    def values_at(self, parameter: str, coords: Mapping[str, Any]) -> list[tuple[str, float]]:
        """The parameter's values at an entry: [(qualifier, value)], one per label of any dim
        the entry does not fix (e.g. per cost class); [] where it is not set."""
        if parameter not in self.inputs.data_vars:
            return []
        array = self.inputs[parameter]
        if array.dtype.kind not in "fiu":
            return []
        selection = {dim: label for dim, label in coords.items() if dim in array.dims}
        try:
            selected = array.sel(selection)
        except (KeyError, ValueError):
            return []
        if selected.ndim == 0:
            number = float(selected)
            return [] if math.isnan(number) else [("", number)]
        series = selected.to_series().dropna()
        return [(_qualifier(key, series.index.names), float(v)) for key, v in series.items()]

    def describe(self, parameter: str, coords: Mapping[str, Any]) -> str:
        """`storage_cap_max = 20`, `cost_flow_cap = -5 (costs=monetary)`, or where it is not set,
        `flow_cap_max not set (default inf)`."""
        values = self.values_at(parameter, coords)
        if not values:
            default = self.math.default_of(parameter) if self.math is not None else math.nan
            shown = "" if math.isnan(default) else f" (default {number_text(default)})"
            return f"{parameter} not set{shown}"
        return ", ".join(
            f"{parameter} = {number_text(value)}{f' ({qualifier})' if qualifier else ''}"
            for qualifier, value in values
        )

    def set_parameters(self, names: Iterable[str], coords: Mapping[str, Any]) -> list[str]:
        """`describe` for each parameter that has a value at the entry (others left out)."""
        return [self.describe(name, coords) for name in names if self.values_at(name, coords)]

    def _is_parameter(self, name: str) -> bool:
        if name in self.inputs.data_vars:
            return True
        return self.math is not None and name in self.math.parameters


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _entry(position: Any) -> Entry:
    if isinstance(position, tuple) and len(position) == 2 and position[0] is not None:
        name, coords = position
        return Entry(str(name), dict(coords))
    return Entry(str(position), {})


def _qualifier(key: Any, names: Iterable[Any]) -> str:
    keys = key if isinstance(key, tuple) else (key,)
    return ", ".join(f"{name}={label_text(label)}" for name, label in zip(names, keys, strict=True))


def _strings(definition: Mapping[str, Any]) -> Iterator[str]:
    """Every `where` and `expression` string of a component, sub-expressions included."""
    for equation in definition.get("equations") or []:
        yield from (str(equation[key]) for key in ("where", "expression") if key in equation)
    for section in ("sub_expressions", "slices"):
        for cases in (definition.get(section) or {}).values():
            for case in cases or []:
                yield from (str(case[key]) for key in ("where", "expression") if key in case)
    for key in ("where", "expression"):
        if isinstance(definition.get(key), str):
            yield definition[key]


def _tokens(strings: Iterable[str]) -> list[str]:
    """The bare names in math strings, in order, without `$` sub-expression references."""
    names: list[str] = []
    for text in strings:
        for token in _NAME.findall(text):
            if not token.startswith("$") and token not in names:
                names.append(token)
    return names


def _tokens_next_to(definition: Mapping[str, Any], names: set[str]) -> list[str]:
    """The names written in the same expression as any of `names`.

    An expression that names one of `names` brings the sub-expressions it uses (they multiply
    it: `$cost_per_flow_cap * flow_cap`); one that reaches them only through a sub-expression
    brings just that sub-expression's case (`cost_source_use * source_use`, not its siblings).
    """
    subs = {
        name: [str(case.get("expression", "")) for case in cases or []]
        for name, cases in (definition.get("sub_expressions") or {}).items()
    }

    def used(text: str, depth: int) -> list[str]:
        inner = [t[1:] for t in _NAME.findall(text) if t.startswith("$") and t[1:] in subs]
        return [case for s in inner for case in subs[s]] if depth < 5 else []

    def expanded(text: str, depth: int = 0) -> list[str]:
        return [text, *(t for case in used(text, depth) for t in expanded(case, depth + 1))]

    def next_to(text: str, depth: int = 0) -> list[str]:
        if names & set(_NAME.findall(text)):
            return expanded(text, depth)
        reached = [t for case in used(text, depth) for t in next_to(case, depth + 1)]
        return [text, *reached] if reached else []

    texts = [str(e.get("expression", "")) for e in definition.get("equations") or []]
    if isinstance(definition.get("expression"), str):
        texts.append(definition["expression"])
    return _tokens(t for text in texts for t in next_to(text))
