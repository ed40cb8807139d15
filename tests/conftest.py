"""Shared test set-up: rule scripts importable, a private copy of the repo, fake stage outputs."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

ROOT = Path(__file__).resolve().parents[1]

# esmflow from this checkout (it is not installed), and rule scripts (`import _job`,
# `from solve_model import status_record`) importable like modules.
for folder in (ROOT / "scripts", ROOT):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

# What a copy of the repo leaves out: version control, environments, anything a run produced.
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv*",
    "results",
    "logs",
    "benchmarks",
    ".snakemake",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "out",
)


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the repository in a temporary folder, so workflow runs never touch `results/`."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=COPY_IGNORE, symlinks=True)
    for folder in ("results", "logs", "benchmarks"):
        (copy / folder).mkdir(exist_ok=True)
    return copy


@pytest.fixture
def restore_logging():
    """Rule scripts configure logging for their process; put the test process back after."""
    yield
    sys.excepthook = sys.__excepthook__
    logging.captureWarnings(False)
    logging.basicConfig(force=True, handlers=[logging.NullHandler()])


TECHS = ["battery", "demand_power", "gas", "north_to_south", "solar"]


@pytest.fixture
def fake_inputs() -> xr.Dataset:
    """Inputs shaped like `prepare_inputs`' output: two nodes, five techs, four hourly steps."""
    timesteps = pd.date_range("2025-06-01", periods=4, freq="h")
    coords = {
        "nodes": ["north", "south"],
        "techs": TECHS,
        "carriers": ["power"],
        "costs": ["monetary"],
        "timesteps": timesteps,
    }
    per_tech = {
        "base_tech": ["storage", "demand", "supply", "transmission", "supply"],
        "color": ["#3B61E3", "#303030", "#E37A72", "#8465A9", "#F9CF22"],
        "link_from": ["", "", "", "north", ""],
        "link_to": ["", "", "", "south", ""],
        "distance": [np.nan, np.nan, np.nan, 504.6, np.nan],
    }
    config = {
        "init": {"name": "fake", "distance_unit": "km"},
        "build": {"ensure_feasibility": False},
        "solve": {"zero_threshold": 1e-10},
    }
    return xr.Dataset(
        {
            **{name: ("techs", values) for name, values in per_tech.items()},
            "timestep_resolution": ("timesteps", np.ones(4)),
            "timestep_weights": ("timesteps", [1.0, 1.0, 2.0, 2.0]),
            "flow_cap_max": (("nodes", "techs"), np.full((2, 5), 100.0)),
        },
        coords=coords,
        attrs={
            "config": yaml.safe_dump(config),
            "math": "{}",
            "model_files": json.dumps({"/models/fake.yaml": "ab" * 32}),
            "name": "fake",
            "applied_overrides": "[]",
        },
    )


@pytest.fixture
def fake_solution(fake_inputs: xr.Dataset) -> xr.Dataset:
    """A solution on the fake inputs' coordinates with numbers easy to sum by hand.

    flow_cap: gas 50 + demand 9 @north, solar 80 + battery 20 @south, line 30 at both ends.
    flow_out of gas @north: 10 per step; flow_in of demand @north: 9 per step.
    cost (monetary): gas 100, solar 40, battery 1e-12 (round-off: becomes 0).
    """
    coords = {
        name: fake_inputs[name] for name in ("nodes", "techs", "carriers", "costs", "timesteps")
    }
    index = {tech: i for i, tech in enumerate(TECHS)}
    flow_cap = np.full((2, 5, 1), np.nan)
    flow_cap[0, index["gas"], 0] = 50.0
    flow_cap[1, index["solar"], 0] = 80.0
    flow_cap[1, index["battery"], 0] = 20.0
    flow_cap[:, index["north_to_south"], 0] = 30.0
    flow_cap[0, index["demand_power"], 0] = 9.0
    storage_cap = np.full((2, 5), np.nan)
    storage_cap[1, index["battery"]] = 100.0
    flow_out = np.zeros((2, 5, 1, 4))
    flow_out[0, index["gas"], 0, :] = 10.0
    flow_in = np.zeros((2, 5, 1, 4))
    flow_in[0, index["demand_power"], 0, :] = 9.0
    cost = np.full((2, 5, 1), np.nan)
    cost[0, index["gas"], 0] = 100.0
    cost[1, index["solar"], 0] = 40.0
    cost[1, index["battery"], 0] = 1e-12
    return xr.Dataset(
        {
            "flow_cap": (("nodes", "techs", "carriers"), flow_cap),
            "storage_cap": (("nodes", "techs"), storage_cap),
            "flow_out": (("nodes", "techs", "carriers", "timesteps"), flow_out),
            "flow_in": (("nodes", "techs", "carriers", "timesteps"), flow_in),
            "cost": (("nodes", "techs", "costs"), cost),
            "min_cost_optimisation": ((), 140.0),
        },
        coords=coords,
    )
