"""Where each component would exist, without building it: the masks alone, in build order.

Preprocessing uses it to check switches that force a component on (`switches: {name: true}`):
the component must exist there. Variables and global expressions are taken in the order the
build takes them, so a `where` that names a variable reads where that variable exists.
"""

from __future__ import annotations

from dataclasses import replace

import xarray as xr

from esmflow.math.engine.build import in_build_order
from esmflow.math.engine.context import make_context
from esmflow.math.engine.masks import component_mask, exists_nowhere
from esmflow.math.engine.variants import evaluate_variants
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions


def component_existence(
    inputs: xr.Dataset, math: MathDefinition, options: BuildOptions
) -> dict[str, xr.DataArray]:
    """Every variable, global expression and constraint → where it exists (over its foreach)."""
    ctx = make_context(inputs, math, options)
    found: dict[str, xr.DataArray] = {}
    sections = ("variables", "global_expressions", "constraints")
    for section in sections:
        for name, definition in in_build_order(getattr(math, section)):
            mask = component_mask(section, name, definition, ctx)
            if exists_nowhere(mask, definition):
                exists = xr.DataArray(False)
            elif section == "variables":
                exists = mask
            else:
                exists = xr.zeros_like(mask, dtype=bool)
                for part_mask, _, _ in evaluate_variants(section, name, definition, mask, ctx):
                    exists = exists | part_mask
            found[name] = exists
            if section != "constraints":
                ctx = replace(ctx, exists={**ctx.exists, name: exists})
    return found
