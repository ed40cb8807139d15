"""A pytest plugin that solves every model of a test run on both backends and compares them.

Loaded with `-p backend_pyomo_parity_plugin` (tests/ on PYTHONPATH), it replaces the solve of
the `Model` façade by `solve_on_both`: HiGHS first, then the same program through the Pyomo
backend (HiGHS through Pyomo). The objectives must agree, and the test goes on with the Pyomo
backend's result, so that its own hand-derived assertions check the Pyomo solution too. A
solve that HiGHS refuses (an infeasible model, a bad option) raises as before.

`tests/test_backend_pyomo_parity.py` runs the math tests under this plugin; with
`ESMFLOW_PARITY_RECORD=<file>`, each comparison adds a line to that file.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import pytest

import esmflow.modes.plan
from esmflow.backends.result import SolveResult
from esmflow.backends.solve import solve

RELATIVE = {"LP": 1e-6, "MILP": 1e-4}  # a MILP's optimum is proven to HiGHS's mip_rel_gap


def solve_on_both(program: Any, options: Any, *args: Any, **kwargs: Any) -> SolveResult:
    """Solve on HiGHS, then on Pyomo; assert the same objective; give the Pyomo result."""
    on_highs = solve(program, replace(options, backend="highs"), *args, **kwargs)
    on_pyomo = solve(program, replace(options, backend="pyomo"), *args, **kwargs)
    kind = "MILP" if on_highs.is_mip else "LP"
    assert on_pyomo.objective == pytest.approx(on_highs.objective, rel=RELATIVE[kind], abs=1e-6), (
        f"{kind} objective on Pyomo {on_pyomo.objective!r} ≠ on HiGHS {on_highs.objective!r}"
    )
    record = os.environ.get("ESMFLOW_PARITY_RECORD")
    if record:
        with open(record, "a", encoding="utf-8") as stream:
            test = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0]
            stream.write(f"{test}\t{kind}\t{on_highs.objective!r}\t{on_pyomo.objective!r}\n")
    return on_pyomo


@pytest.fixture(autouse=True)
def _solve_on_both_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(esmflow.modes.plan, "solve", solve_on_both)
