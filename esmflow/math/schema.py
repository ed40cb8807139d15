"""Math files: load, merge (later over earlier), and hold as typed components. (CONTRACT STUB)"""

from __future__ import annotations

import xarray as xr


class MathDefinition:
    """The merged math of a model: parameters, lookups, variables, expressions, constraints, objectives."""

    @classmethod
    def from_inputs(cls, inputs: xr.Dataset) -> "MathDefinition":
        """The math stored with the inputs (attribute `math`, YAML text)."""
        raise NotImplementedError
