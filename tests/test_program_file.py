"""Program → netCDF → Program: the solve step reads exactly what the build step wrote."""

from __future__ import annotations

from pathlib import Path

import pytest
import xarray as xr

from esmflow.backends.highs import solve_program
from esmflow.errors import ModelError
from esmflow.math.engine.build import build_program
from esmflow.math.program import Program
from esmflow.options import BuildOptions, SolveOptions
from tests.test_build import math_with, tiny_inputs


def test_round_trip_gives_the_same_solution(tmp_path: Path) -> None:
    program = build_program(tiny_inputs(), math_with(), BuildOptions({"objective": "min_cost"}))
    path = tmp_path / "model.nc"
    program.to_netcdf(path)
    assert not [p for p in tmp_path.iterdir() if p != path]  # the temporary file is gone
    again = Program.from_netcdf(path)
    assert again.components == program.components
    assert again.objective_name == "min_cost"
    assert set(again.expressions) == {"running_cost"}
    first = solve_program(program, SolveOptions())
    second = solve_program(again, SolveOptions())
    assert second.objective == pytest.approx(first.objective) == pytest.approx(43)
    xr.testing.assert_allclose(first.solution, second.solution)


def test_missing_program_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="Program file not found"):
        Program.from_netcdf(tmp_path / "nope.nc")


def test_expressions_are_read_only_after_the_solve(tmp_path: Path) -> None:
    """The global expressions stay on disk while HiGHS solves (issue 14: free what the solve
    does not need); the solution still carries their values, equal to an in-memory solve's."""
    from esmflow.backends.solve import open_session

    program = build_program(tiny_inputs(), math_with(), BuildOptions({"objective": "min_cost"}))
    path = tmp_path / "model.nc"
    program.to_netcdf(path)
    again = Program.from_netcdf(path)
    assert not again.expressions.is_read and "running_cost" in again.expressions
    session = open_session(again, SolveOptions())  # hand-over and pre-solve checks
    assert not again.expressions.is_read
    result = session.solve()
    session.close()
    assert again.expressions.is_read
    in_memory = solve_program(program, SolveOptions())
    xr.testing.assert_allclose(result.solution["running_cost"], in_memory.solution["running_cost"])


def test_expressions_of_a_deleted_program_file_are_a_clear_error(tmp_path: Path) -> None:
    program = build_program(tiny_inputs(), math_with(), BuildOptions({"objective": "min_cost"}))
    path = tmp_path / "model.nc"
    program.to_netcdf(path)
    again = Program.from_netcdf(path)
    path.unlink()
    with pytest.raises(ModelError, match="program file is gone"):
        again.expressions["running_cost"]
