"""Solve a Program with HiGHS through highspy, in memory. (CONTRACT STUB)"""

from __future__ import annotations

from dataclasses import dataclass

import xarray as xr

from esmflow.backends.program import Program
from esmflow.options import SolveOptions


@dataclass(frozen=True)
class SolveResult:
    """What a solve gives: status, objective, and every variable and global expression's values."""

    termination: str
    objective: float
    solution: xr.Dataset
    solver: str
    solver_version: str
    wall_time: float


def solve_program(program: Program, options: SolveOptions) -> SolveResult:
    """Solve; raise ModelError with a diagnosis unless the optimum was found."""
    raise NotImplementedError
