"""Build the optimisation program from inputs and math, component by component. (CONTRACT STUB)"""

from __future__ import annotations

import xarray as xr

from esmflow.backends.program import Program
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions


def build_program(inputs: xr.Dataset, math: MathDefinition, options: BuildOptions) -> Program:
    """Evaluate every active component's `where` and `expression` over whole arrays into a Program."""
    raise NotImplementedError
