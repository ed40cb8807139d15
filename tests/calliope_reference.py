"""Calliope 0.7.0 as a reference for tests: where it is installed, and its answers made on demand.

Calliope needs Python ≥ 3.12, so it lives in its own virtual environment (`.venv-calliope` at the
repository root, created by `bench/compare_calliope.py`; or the folder in `ESMFLOW_CALLIOPE_VENV`).
Reference files carry Calliope's example data, which we do not commit: they are written by
Calliope into a cache below `.pytest_cache/` the first time a test asks for them. Tests that need
Calliope skip cleanly where it is not installed (a fresh clone).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("ESMFLOW_CALLIOPE_VENV", ROOT / ".venv-calliope"))
PYTHON = VENV / "bin" / "python"
PACKAGE = VENV / "lib" / "python3.12" / "site-packages" / "calliope"
EXAMPLES = PACKAGE / "example_models"
CACHE = ROOT / ".pytest_cache" / "calliope_reference"
MAKE_INPUT_REFS = ROOT / "tests" / "data" / "loader" / "calliope_refs" / "make_refs.py"


def is_available() -> bool:
    """Whether Calliope 0.7.0 and its example models are installed."""
    return PYTHON.is_file() and EXAMPLES.is_dir()


def require() -> None:
    """Skip the calling test unless Calliope is installed."""
    if not is_available():
        pytest.skip(f"Calliope 0.7.0 not installed at {VENV} (run bench/compare_calliope.py)")


@cache
def inputs_file(case: str) -> Path:
    """Calliope's `model.inputs` for one case of make_refs.py, written once and cached."""
    require()
    target = CACHE / "inputs" / f"{case}.nc"
    if not target.is_file():
        subprocess.run(
            [str(PYTHON), str(MAKE_INPUT_REFS), "--out", str(target.parent), case],
            check=True,
            capture_output=True,
        )
    return target


MAKE_PROGRAM_REFS = ROOT / "tests" / "data" / "calliope_programs.py"
MATH = PACKAGE / "math"


@cache
def program_files(case: str) -> tuple[Path, Path]:
    """Calliope's inputs and per-component sizes for one case of calliope_programs.py (cached)."""
    require()
    folder = CACHE / "programs"
    inputs, sizes = folder / f"{case}_inputs.nc", folder / f"{case}_sizes.json"
    if not (inputs.is_file() and sizes.is_file()):
        subprocess.run(
            [str(PYTHON), str(MAKE_PROGRAM_REFS), "--out", str(folder), case],
            check=True,
            capture_output=True,
            timeout=900,
        )
    return inputs, sizes


WORKER = ROOT / "bench" / "calliope_worker.py"


def solved_record(example: str, scenario: str, set_values: dict[str, Any]) -> dict[str, Any]:
    """Calliope's solve of a shipped example (bench/calliope_worker.py's JSON record), cached.

    The record holds termination, objective, timings and flow_cap rows; it is made once per
    (example, scenario, set values) and kept below the reference cache.
    """
    require()
    settings = json.dumps(set_values, sort_keys=True)
    key = hashlib.sha256(f"{example}|{scenario}|{settings}".encode()).hexdigest()[:12]
    target = CACHE / "solved" / f"{example}_{scenario}_{key}.json"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        model = EXAMPLES / example / "model.yaml"
        command = [str(PYTHON), str(WORKER), "--model", str(model), "--out", str(target)]
        command += ["--scenario", scenario, "--set", settings]
        subprocess.run(command, check=True, capture_output=True, timeout=1800)
    return json.loads(target.read_text())
