"""`where` strings → boolean masks, with Calliope 0.7's meaning of names in each position."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from esmflow.errors import ModelError
from esmflow.math.engine.context import make_context
from esmflow.math.engine.grammar import parse
from esmflow.math.engine.where import evaluate_where
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions

MATH = MathDefinition(
    {
        "parameters": {
            "flow_cap_max": {"default": np.inf},
            "cost": {"default": 0},
            "storage_loss": {"default": 0},
        },
        "lookups": {
            "base_tech": {},
            "carrier_out": {"default": False},
            "source_unit": {"default": "absolute"},
            "cyclic_storage": {"default": True},
            "link_to": {},
        },
        "variables": {"flow_out": {"foreach": ["nodes", "techs"]}},
    }
)


def tiny_inputs() -> xr.Dataset:
    """Two nodes (A, B), three techs (gen, dem, link), one carrier, three hours."""
    nodes, techs = ["A", "B"], ["gen", "dem", "link"]
    timesteps = pd.date_range("2005-01-01", periods=3, freq="h")
    node_tech = ("nodes", "techs")
    return xr.Dataset(
        {
            "active": (node_tech, [[True, True, True], [True, False, True]]),
            "base_tech": ("techs", ["supply", "demand", "transmission"]),
            "source_unit": ("techs", ["", "per_area", ""]),
            "link_to": ("techs", ["", "", "B"]),
            "flow_cap_max": (node_tech, [[10.0, np.nan, np.inf], [np.nan, np.nan, 5.0]]),
            "cost": ("techs", [1.0, -1.0, np.nan]),
            "carrier_out": (
                ("nodes", "techs", "carriers"),
                [[[True], [False], [True]], [[True], [False], [True]]],
            ),
            "timestep_resolution": ("timesteps", [1.0, 1.0, 2.0]),
        },
        coords={"nodes": nodes, "techs": techs, "carriers": ["power"], "timesteps": timesteps},
    )


def true_at(mask: xr.DataArray) -> Any:
    """The coordinates where a mask is True (dims in alphabetical order), or a bool if 0-d."""
    if mask.ndim == 0:
        return bool(mask)
    mask = mask.transpose(*sorted(mask.dims))
    series = mask.to_series()
    return sorted(
        tuple(str(k) for k in (key if isinstance(key, tuple) else (key,)))
        for key in series[series].index
    )


def where(
    text: str, config: dict[str, Any] | None = None, exists: dict[str, xr.DataArray] | None = None
) -> Any:
    ctx = make_context(tiny_inputs(), MATH, BuildOptions(config or {"ensure_feasibility": True}))
    if exists:
        from dataclasses import replace

        ctx = replace(ctx, exists=exists)
    return true_at(evaluate_where(parse(text, "where"), ctx))


CASES = [
    # a bare parameter: defined, not NaN, not ±inf (before defaults)
    ("flow_cap_max", [("A", "gen"), ("B", "link")]),
    # in a comparison the default (inf) fills NaN first
    ("flow_cap_max>5", [("A", "gen"), ("A", "dem"), ("A", "link"), ("B", "dem"), ("B", "gen")]),
    ("cost<0", [("dem",)]),
    ("cost==0", [("link",)]),  # NaN → default 0
    ("base_tech==supply", [("gen",)]),
    ("base_tech=='supply' OR base_tech==demand", [("dem",), ("gen",)]),
    ("NOT base_tech==transmission", [("dem",), ("gen",)]),
    # string lookups: "" is undefined, and the default fills it in comparisons
    ("source_unit", [("dem",)]),
    ("source_unit==absolute", [("gen",), ("link",)]),
    # a lookup missing from the data takes its default
    ("cyclic_storage==True", True),
    # (dims listed alphabetically: carriers, nodes, techs)
    (
        "carrier_out",
        [
            ("power", "A", "gen"),
            ("power", "A", "link"),
            ("power", "B", "gen"),
            ("power", "B", "link"),
        ],
    ),
    ("any(carrier_out, over=techs)", [("power", "A"), ("power", "B")]),
    ("[A] in nodes", [("A",)]),
    ("[gen, dem] in techs AND cost>0", [("gen",)]),
    ("config.ensure_feasibility==True", True),
    ("timesteps==get_val_at_index(timesteps=0)", [("2005-01-01 00:00:00",)]),
    (
        "NOT timesteps==get_val_at_index(timesteps=-1)",
        [("2005-01-01 00:00:00",), ("2005-01-01 01:00:00",)],
    ),
    ("timestep_resolution>1", [("2005-01-01 02:00:00",)]),
    ("map_dim(nodes, link_to)==True", [("B", "link")]),
    ("sum(flow_cap_max, over=nodes)>12", [("dem",), ("gen",), ("link",)]),  # 10+inf, inf+inf, inf+5
    ("defined(techs=[dem], within=nodes, how=any)", [("A",)]),
    ("flow_out", [("A", "gen")]),  # a variable: where it exists
    ("base_tech==supply or base_tech==demand and cost>0", [("gen",)]),  # AND/OR left to right
    ("is_maximum(timestep_resolution, over=timesteps)", [("2005-01-01 02:00:00",)]),
    ("is_maximum(cost, over=techs)", [("gen",)]),  # NaN never the largest
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[case[0] for case in CASES])
def test_where_cases(text: str, expected: Any) -> None:
    exists = {
        "flow_out": xr.DataArray(
            [[True, False, False], [False, False, False]],
            coords={"nodes": ["A", "B"], "techs": ["gen", "dem", "link"]},
        )
    }
    result = where(text, exists=exists)
    assert result == (sorted(expected) if isinstance(expected, list) else expected)


def test_config_key_must_exist() -> None:
    with pytest.raises(
        ModelError,
        match="(?s)'config.ensure_feasibilty' is not a build configuration option.*Did you mean 'ensure_feasibility'",
    ):
        where("config.ensure_feasibilty==True")
