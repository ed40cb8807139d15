"""Plan mode (Calliope's `base`): the whole horizon built once and solved once."""

from __future__ import annotations

import xarray as xr

from esmflow.backends.result import SolveResult
from esmflow.backends.solve import solve
from esmflow.math.engine.build import build_program
from esmflow.math.program import Program
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions, SolveOptions


def build_plan(inputs: xr.Dataset, math: MathDefinition, options: BuildOptions) -> Program:
    """The program over all of the inputs' timesteps."""
    return build_program(inputs, math, options)


def run_plan(
    program: Program, inputs: xr.Dataset, math: MathDefinition, options: SolveOptions
) -> SolveResult:
    """One solve of the program."""
    return solve(program, options, inputs, math)
