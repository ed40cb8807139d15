"""The backend seam: which backend runs, what every backend returns, sessions that re-solve."""

from __future__ import annotations

import linopy
import numpy as np
import pytest

from esmflow.backends import solve as backend_seam
from esmflow.backends.result import SolveResult, gap_text
from esmflow.backends.solve import open_session, solve
from esmflow.errors import ModelError
from esmflow.math.program import Program, ProgramChanges
from esmflow.options import BACKENDS, SolveOptions, chosen_backend
from esmflow.postprocess.results import solve_status


def two_plants() -> Program:
    """min 2x + 3y with x + y ≥ 4 (row `demand`), x ≤ 3: optimum x = 3, y = 1, cost 9."""
    model = linopy.Model()
    x = model.add_variables(lower=0, upper=3, name="x")
    y = model.add_variables(lower=0, name="y")
    model.add_constraints(x + y >= 4, name="demand")
    model.add_objective(2 * x + 3 * y)
    return Program(model=model, expressions={"cost_y": 3 * y})


def test_every_backend_name_has_code() -> None:
    assert set(backend_seam.BACKENDS) == set(BACKENDS)


@pytest.mark.parametrize(
    ("model_config", "workflow", "expected"),
    [
        ({}, None, "highs"),  # nobody chose: the default
        ({"build": {"backend": "highs"}}, None, "highs"),  # the model file's choice
        ({"build": {"backend": "model_choice"}}, "workflow_choice", "workflow_choice"),
        ({"build": {"backend": "model_choice"}}, None, "model_choice"),
    ],
)
def test_the_workflow_scenario_backend_wins_over_the_model_file(
    model_config: dict, workflow: str | None, expected: str
) -> None:
    assert chosen_backend(model_config, workflow) == expected
    options = SolveOptions.from_model_config(model_config, {"backend": workflow})
    assert options.backend == expected


def test_an_unknown_backend_is_named_with_the_closest() -> None:
    with pytest.raises(ModelError, match=r"(?s)Unknown backend 'hihgs'.*highs"):
        solve(two_plants(), SolveOptions(backend="hihgs"))


def test_an_lp_reports_no_gap() -> None:
    result = solve(two_plants(), SolveOptions())
    assert result.objective == pytest.approx(9)
    assert result.mip_gap is None and not result.is_mip
    assert gap_text(result.mip_gap) == "LP (no gap)"
    status = solve_status(result, SolveOptions())
    assert status["problem_type"] == "LP" and status["mip_gap"] is None
    assert status["backend"] == "highs"


def test_lp_solve_log_has_no_mip_gap_line(caplog) -> None:
    # linopy logged "MIP gap: inf" for every LP (HiGHS's info for an LP); an LP has no gap
    with caplog.at_level("INFO", logger="linopy"):
        solve(two_plants(), SolveOptions())
    assert "MIP gap" not in caplog.text


def test_a_session_changes_bounds_rows_and_costs_in_place() -> None:
    # x ≤ 3 → x ≤ 1: y = 3, cost 2 + 9 = 11; then demand 4 → 5: y = 4, cost 14;
    # then costs 2x + 3y → 5x + 3y: x = 0, y = 5, cost 15
    program = two_plants()
    model = program.model
    session = open_session(program, SolveOptions())
    assert session.solve().objective == pytest.approx(9)
    x_label = model.variables["x"].labels.values.ravel()
    row_label = model.constraints["demand"].labels.values.ravel()
    session.apply(ProgramChanges(column_bounds=[(x_label, np.array([0.0]), np.array([1.0]))]))
    assert session.solve().objective == pytest.approx(11)
    session.apply(ProgramChanges(row_bounds=[(row_label, np.array([5.0]), np.array([np.inf]))]))
    first: SolveResult = session.solve()
    assert first.objective == pytest.approx(14)
    assert float(first.solution["y"]) == pytest.approx(4)
    x, y = model.variables["x"], model.variables["y"]
    new_objective = 5 * x + 3 * y
    session.apply(ProgramChanges(column_bounds=[(x_label, np.array([0.0]), np.array([3.0]))]))
    session.apply(ProgramChanges(objective=new_objective))
    last = session.solve()
    assert last.objective == pytest.approx(15)
    assert float(last.solution["x"]) == pytest.approx(0)
    assert float(last.solution["cost_y"]) == pytest.approx(15)


def test_a_session_changes_coefficients() -> None:
    # demand row x + y ≥ 4 → x + 2y ≥ 4: y is worth twice as much; y = 2, cost 6 (x = 0)
    program = two_plants()
    model = program.model
    session = open_session(program, SolveOptions())
    session.solve()
    row = model.constraints["demand"].labels.values.ravel()
    y = model.variables["y"].labels.values.ravel()
    session.apply(ProgramChanges(coefficients=[(row, y, np.array([2.0]))]))
    result = session.solve()
    assert result.objective == pytest.approx(6)
    assert float(result.solution["y"]) == pytest.approx(2)
