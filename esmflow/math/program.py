"""The built program: a linopy model plus the named global expressions, storable on disk.

The math engine produces it (`engine/build.py`), so it lives with the math; the backends and the
workflow's scripts, later stages, read it from here.

The `build_model` rule writes it with `to_netcdf`, the `solve_model` rule reads it back with
`from_netcdf`. One file holds both: linopy's own netCDF dataset for the model, with every
global expression's coefficient/variable/constant arrays added under `expr__<name>__<field>`
names, every component's mask under `exists__<name>` (what linking the program back to its
inputs needs, `engine/update.py`), and the component register (kind and dims of every
component) as a JSON attribute.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import linopy
import numpy as np
import xarray as xr

from esmflow.errors import ModelError
from esmflow.io.results_file import atomic_path, small_chunk_cache

# The one place linopy's arithmetic convention is chosen: under "v1" an absent entry propagates
# through arithmetic (the engine fills absences on purpose) and NaN constants are errors.
LINOPY_SEMANTICS = "v1"
_EXPRESSION_PREFIX = "expr__"
_EXISTS_PREFIX = "exists__"
_FIELDS = ("coeffs", "vars", "const")


@dataclass
class Program:
    """A linopy model plus what postprocessing needs.

    `expressions` maps each global expression's name to a linopy LinearExpression (or an
    xarray array for expressions without decision variables); `components` maps every built
    component name to {"kind": variables|global_expressions|constraints, "dims": [...]}.
    """

    model: linopy.Model
    expressions: MutableMapping[str, Any] = field(default_factory=dict)
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    objective_name: str | None = None
    objective_constant: float = 0.0  # linopy objectives hold no constant term
    # every component's mask as the build left it (False: built nowhere), for update.py
    exists: dict[str, xr.DataArray] = field(default_factory=dict)

    def register(self, name: str, kind: str, dims: list[str]) -> None:
        """Record a built component's kind and dims."""
        self.components[name] = {"kind": kind, "dims": [str(d) for d in dims]}

    def add_expression(self, name: str, expression: Any, dims: list[str]) -> None:
        """Keep a named global expression (its values are computed after the solve)."""
        self.expressions[name] = expression
        self.register(name, "global_expressions", dims)

    def to_netcdf(self, path: str | Path) -> None:
        """Write model and expressions to one netCDF file, atomically (temp file, then rename)."""
        with atomic_path(path) as temporary, small_chunk_cache():
            self.model.to_netcdf(temporary)
            extra = xr.Dataset(attrs={"esmflow_program": json.dumps(self._register())})
            for name, expression in self.expressions.items():
                for key, array in _expression_arrays(expression).items():
                    extra[f"{_EXPRESSION_PREFIX}{name}__{key}"] = _unique_dims(array, name)
            for name, mask in self.exists.items():
                extra[f"{_EXISTS_PREFIX}{name}"] = mask
            extra.to_netcdf(temporary, mode="a", group="esmflow")

    @classmethod
    def from_netcdf(cls, path: str | Path) -> Program:
        """Read back what `to_netcdf` wrote."""
        path = Path(path)
        if not path.exists():
            raise ModelError("Program file not found", file=str(path))
        with linopy.options as settings:
            settings(semantics=LINOPY_SEMANTICS)  # a sparse model reads back only under v1
            model = linopy.read_netcdf(path)
        with xr.open_dataset(path, group="esmflow") as stored:
            masks = [key for key in stored.data_vars if str(key).startswith(_EXISTS_PREFIX)]
            extra = stored[masks].load()
            register = json.loads(stored.attrs["esmflow_program"])
        program = cls(
            model=model,
            expressions=StoredExpressions(path, model, register["expressions"]),
            components=register["components"],
            objective_name=register["objective"],
            objective_constant=float(register.get("objective_constant", 0.0)),
        )
        program.exists = {
            str(key)[len(_EXISTS_PREFIX) :]: extra[key].astype(bool)
            for key in extra.data_vars
            if str(key).startswith(_EXISTS_PREFIX)
        }
        return program

    def _register(self) -> dict[str, Any]:
        return {
            "components": self.components,
            "objective": self.objective_name,
            "objective_constant": self.objective_constant,
            "expressions": list(self.expressions),
        }


@dataclass
class ProgramChanges:
    """Changes to a built program that keep its rows and columns: what a mode does between solves.

    By linopy label, so every backend can apply them to its own copy of the program (HiGHS
    changes its columns and rows in place). Row bounds are (lower, upper), ±inf for a one-sided
    row; `coefficients` gives the new value of each (row, column) entry that changed (0 removes
    it); `objective` is the new objective as a linopy expression, its constant kept aside as
    in `Program.objective_constant`.
    """

    column_bounds: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    row_bounds: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    coefficients: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    objective: linopy.LinearExpression | None = None
    objective_constant: float = 0.0
    sense: str = "min"

    def __bool__(self) -> bool:
        return (
            bool(self.column_bounds or self.row_bounds or self.coefficients)
            or self.objective is not None
        )

    def count(self) -> dict[str, int]:
        """How many bounds, right-hand sides and coefficients change (for the log)."""
        return {
            "column bounds": sum(len(labels) for labels, _, _ in self.column_bounds),
            "row bounds": sum(len(labels) for labels, _, _ in self.row_bounds),
            "coefficients": sum(len(rows) for rows, _, _ in self.coefficients),
        }


def _expression_arrays(expression: Any) -> dict[str, xr.DataArray]:
    if isinstance(expression, linopy.LinearExpression):
        return {key: expression.data[key] for key in _FIELDS}
    return {"values": xr.DataArray(expression)}


def _unique_dims(array: xr.DataArray, name: str) -> xr.DataArray:
    """Rename linopy's helper dim `_term` per expression so expressions of different sizes fit."""
    return array.rename({"_term": f"_term__{name}"}) if "_term" in array.dims else array


class StoredExpressions(MutableMapping[str, Any]):
    """A program file's global expressions, read from the file when first needed.

    A solve needs the expressions only after HiGHS has finished (their values are computed from
    the solution) or when a mode changes the program; reading them with the model would keep
    them in memory beside HiGHS's copy of the program throughout the solve (76 MB of 870 on
    Calliope's national_scale over a year). Their names are known at once; the first access to
    a value reads them all. The file must still exist then (the workflow's program file does).
    """

    def __init__(self, path: Path, model: linopy.Model, names: list[str]) -> None:
        self._path = path
        self._model = model
        self._names = list(names)
        self._read: dict[str, Any] | None = None

    def _loaded(self) -> dict[str, Any]:
        if self._read is None:
            if not self._path.exists():
                raise ModelError(
                    "The program file is gone: its global expressions cannot be read",
                    file=str(self._path),
                    expected="the file Program.from_netcdf read, until the results are written",
                )
            with xr.open_dataset(self._path, group="esmflow") as stored:
                wanted = [
                    key for key in stored.data_vars if str(key).startswith(_EXPRESSION_PREFIX)
                ]
                arrays = stored[wanted].load()
            self._read = {
                name: _expression_from_arrays(self._model, arrays, name) for name in self._names
            }
        return self._read

    def __getitem__(self, name: str) -> Any:
        if name not in self._names:
            raise KeyError(name)
        return self._loaded()[name]

    def __setitem__(self, name: str, expression: Any) -> None:
        self._loaded()[name] = expression
        if name not in self._names:
            self._names.append(name)

    def __delitem__(self, name: str) -> None:
        del self._loaded()[name]
        self._names.remove(name)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    @property
    def is_read(self) -> bool:
        """True once the expressions have been read from the file."""
        return self._read is not None


def _expression_from_arrays(model: linopy.Model, extra: xr.Dataset, name: str) -> Any:
    prefix = f"{_EXPRESSION_PREFIX}{name}__"
    if f"{prefix}values" in extra:
        return extra[f"{prefix}values"]
    data = xr.Dataset({key: extra[f"{prefix}{key}"] for key in _FIELDS})
    data = data.rename({f"_term__{name}": "_term"})
    drop = [dim for dim in data.dims if dim not in data["const"].dims and dim != "_term"]
    data = data.isel({dim: 0 for dim in drop}, drop=True) if drop else data
    return linopy.LinearExpression(data, model)
