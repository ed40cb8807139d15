"""Turn a model definition into the validated inputs Dataset. (CONTRACT STUB)"""

from __future__ import annotations

from typing import Any

import xarray as xr

from esmflow.io.read_model import ModelDefinition


def prepare_inputs(definition: ModelDefinition) -> xr.Dataset:
    """Resolve templates, nodes, data tables and math; validate; return Calliope-named inputs."""
    raise NotImplementedError


def resolved_config(inputs: xr.Dataset) -> dict[str, Any]:
    """The model's resolved `config` mapping (`init`, `build`, `solve`) stored with the inputs."""
    raise NotImplementedError
