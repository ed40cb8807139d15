"""Build and run a model in its mode (`config.init.mode`): base (plan), operate or spores."""

from __future__ import annotations

import xarray as xr

from esmflow.backends.result import SolveResult
from esmflow.math.program import Program
from esmflow.math.schema import MathDefinition
from esmflow.modes.operate import build_operate, run_operate
from esmflow.modes.plan import build_plan, run_plan
from esmflow.modes.spores import run_spores
from esmflow.options import BuildOptions, ModeOptions, SolveOptions


def build_for_mode(
    inputs: xr.Dataset, math: MathDefinition, build: BuildOptions, mode: ModeOptions
) -> Program:
    """The program a mode starts from: the whole horizon, or operate's first window."""
    if mode.mode == "operate":
        return build_operate(inputs, math, build, mode.operate)
    return build_plan(inputs, math, build)


def run_mode(
    program: Program,
    inputs: xr.Dataset,
    math: MathDefinition,
    build: BuildOptions,
    solve: SolveOptions,
    mode: ModeOptions,
) -> SolveResult:
    """Solve `program` (from `build_for_mode`) as the mode does: once, per window, per spore."""
    match mode.mode:
        case "operate":
            return run_operate(program, inputs, math, build, solve, mode.operate)
        case "spores":
            return run_spores(program, inputs, math, build, solve, mode.spores)
    return run_plan(program, inputs, math, solve)
