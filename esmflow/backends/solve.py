"""The seam between a built program and the solver backends: `solve` and `open_session`.

A backend is a name (`config.build.backend` in the model file, or `backend:` of a workflow
scenario, which wins; see `esmflow.options.chosen_backend`) mapped to the functions that hand a
`Program` to its solver: `highs` (HiGHS in memory through highspy) and `pyomo` (the program as a
Pyomo model, for any Pyomo solver and for custom constraints). Callers never import a backend
module.

`open_session` keeps the program in the solver between solves, so a mode (operate windows,
SPORES iterations) changes bounds, right-hand sides and costs in place and solves again;
`solve` is one session, one solve.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import xarray as xr

from esmflow.backends import highs
from esmflow.backends.result import SolveResult
from esmflow.errors import ModelError, closest_name
from esmflow.math.program import Program
from esmflow.math.schema import MathDefinition
from esmflow.options import SolveOptions


def _pyomo_session(*args: Any) -> Any:
    """A Pyomo session; Pyomo is imported on first use only (with scipy loaded, ~1.5 s)."""
    pyomo_backend = importlib.import_module("esmflow.backends.pyomo_backend")
    return pyomo_backend.PyomoSession(*args)


# backend name → the function that opens a session on it (a plain dict)
# (its keys are `esmflow.options.BACKENDS`, which the model's config is checked against)
BACKENDS: dict[str, Callable[..., Any]] = {"highs": highs.HighsSession, "pyomo": _pyomo_session}


def open_session(
    program: Program,
    options: SolveOptions,
    inputs: xr.Dataset | None = None,
    math: MathDefinition | None = None,
) -> Any:
    """A session of `options.backend` holding `program`: `.solve()`, `.apply(changes)`, `.close()`.

    `inputs` and `math` (the model the program was built from) let the pre-solve checks and
    the diagnosis of a failed solve name parameters and their values.
    """
    session_type = BACKENDS.get(options.backend)
    if session_type is None:
        raise ModelError(
            f"Unknown backend '{options.backend}'",
            key_path="backend",
            expected=", ".join(BACKENDS),
            got=options.backend,
            closest=closest_name(options.backend, BACKENDS),
        )
    return session_type(program, options, inputs, math)


def solve(
    program: Program,
    options: SolveOptions,
    inputs: xr.Dataset | None = None,
    math: MathDefinition | None = None,
) -> SolveResult:
    """Solve once; raise ModelError with a diagnosis unless a solution was found."""
    session = open_session(program, options, inputs, math)
    try:
        return session.solve()
    finally:
        session.close()
