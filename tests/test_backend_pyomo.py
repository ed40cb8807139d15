"""The Pyomo backend: the program as a Pyomo model, custom constraints, any Pyomo solver.

The guide's example (Calliope 0.6, "adding custom constraints"): every supply tech's capacity
limited to 90 % of its maximum by a Pyomo rule added to the built model, then re-run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import highspy
import linopy
import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
from math_models import demand, model_definition, supply, timeseries, write_model

from esmflow import Model
from esmflow.backends.pyomo_build import build_pyomo_model
from esmflow.backends.pyomo_solvers import PyomoHighs
from esmflow.backends.solve import open_session, solve
from esmflow.errors import ModelError, ModelWarning
from esmflow.math.program import Program, ProgramChanges
from esmflow.options import SolveOptions

PYOMO = SolveOptions(backend="pyomo")


def two_plants() -> Program:
    """min 2x + 3y with x + y ≥ 4 (row `demand`), x ≤ 3: optimum x = 3, y = 1, cost 9."""
    model = linopy.Model()
    x = model.add_variables(lower=0, upper=3, name="x")
    y = model.add_variables(lower=0, name="y")
    model.add_constraints(x + y >= 4, name="demand")
    model.add_objective(2 * x + 3 * y)
    return Program(model=model, expressions={"cost_y": 3 * y})


def cheap_and_dear(**config: object) -> dict:
    """Demand 10 in each of two steps; `cheap` (1 per unit, flow_cap_max 10), `dear` (3, 20).

    Optimum: cheap covers everything, cost 2 × 10 × 1 = 20.
    """
    techs = {
        "cheap": supply(cost_per_unit=1, flow_cap_max=10),
        "dear": supply(cost_per_unit=3, flow_cap_max=20),
        "load": demand("power", 10, 10),
    }
    return model_definition(techs, config={"build": dict(config)})


def flow_cap_90_rule(m, node, tech, carrier):
    """The guide's `max_capacity_90_constraint_rule`, in our vocabulary."""
    if m.base_tech[tech] != "supply":
        return pyo.Constraint.Skip
    return m.flow_cap[node, tech, carrier] <= 0.9 * m.flow_cap_max[tech]


def test_the_guides_custom_constraint_example(tmp_path: Path) -> None:
    # Without the rule: cost 20 (above). With flow_cap ≤ 0.9 flow_cap_max for supply techs,
    # cheap gives at most 9 per step and dear the remaining 1: cost 2 × (9 × 1 + 1 × 3) = 24.
    model = Model.from_yaml(write_model(tmp_path, cheap_and_dear(backend="pyomo")))
    model.build()
    assert float(model.solve().flow_cap.sel(techs="cheap").sum()) == pytest.approx(10)
    assert model.solve_result is not None and model.solve_result.objective == pytest.approx(20)

    model.backend.add_constraint("flow_cap_90", ["flow_cap_index"], flow_cap_90_rule)
    program = model.program
    results = model.backend.rerun()

    assert model.program is program  # re-run, not rebuilt
    assert model.solve_result.objective == pytest.approx(24)
    assert model.solve_result.backend == "pyomo"
    assert float(results.flow_cap.sel(nodes="A", techs="cheap", carriers="power")) == pytest.approx(
        9
    )
    dear = results.flow_out.sel(nodes="A", techs="dear", carriers="power").values
    assert dear.tolist() == pytest.approx([1, 1])
    # the demand tech was skipped: the new constraint holds the two supply techs only
    assert sorted(key[1] for key in model.backend.pyomo_model.flow_cap_90) == ["cheap", "dear"]


def test_a_custom_constraints_file_adds_its_functions_constraints(tmp_path: Path) -> None:
    # one function adds its constraint itself, the other returns one: cheap ≤ 8 (cost 8 + 2·3 = 14
    # per step → 28), and dear ≤ 1.5 per step (not binding: dear needs 2). `_helper` is not called.
    (tmp_path / "limits.py").write_text(
        "import pyomo.environ as pyo\n\n"
        "def _helper(m):\n    raise AssertionError('private functions are not called')\n\n"
        "def cheap_limit(m):\n"
        "    m.cheap_limit = pyo.Constraint(expr=m.flow_cap['A', 'cheap', 'power'] <= 8)\n\n"
        "def dear_limit(m):\n"
        "    return pyo.Constraint(expr=m.flow_cap['A', 'dear', 'power'] <= 2.5)\n"
    )
    model = Model.from_yaml(write_model(tmp_path / "model", cheap_and_dear()))
    options = SolveOptions(backend="pyomo", custom_constraints=str(tmp_path / "limits.py"))
    results = model.solve(options)
    assert model.solve_result is not None and model.solve_result.objective == pytest.approx(28)
    assert float(results.flow_cap.sel(techs="cheap").sum()) == pytest.approx(8)
    pyomo_model = model.open_backend(options).pyomo_model
    assert {"cheap_limit", "dear_limit"} <= set(pyomo_model.component_map(pyo.Constraint))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("x = 1\n", "defines no function"),
        (
            "def broken(m):\n    return m.flow_cap['A', 'nuclear', 'power'] <= 1\n",
            "'broken' failed",
        ),
        ("def (m):\n", "does not run"),
    ],
)
def test_a_bad_custom_constraints_file_is_a_model_error(
    tmp_path: Path, text: str, words: str
) -> None:
    (tmp_path / "limits.py").write_text(text)
    model = Model.from_yaml(write_model(tmp_path / "model", cheap_and_dear()))
    options = SolveOptions(backend="pyomo", custom_constraints=str(tmp_path / "limits.py"))
    with pytest.raises(ModelError, match=words) as raised:
        model.solve(options)
    assert raised.value.file == str(tmp_path / "limits.py")


def test_custom_constraints_on_the_highs_backend_point_to_pyomo_or_math_yaml(
    tmp_path: Path,
) -> None:
    model = Model.from_yaml(write_model(tmp_path, cheap_and_dear()))
    model.build()
    with pytest.raises(ModelError, match=r"(?s)need the Pyomo backend.*pyomo.*math YAML"):
        model.backend.add_constraint("flow_cap_90", ["flow_cap_index"], flow_cap_90_rule)
    with pytest.raises(ModelError, match=r"(?s)need the Pyomo backend.*'highs'.*math YAML"):
        SolveOptions(backend="highs", custom_constraints="limits.py")


def test_an_unknown_set_name_is_named_with_the_closest(tmp_path: Path) -> None:
    model = Model.from_yaml(write_model(tmp_path, cheap_and_dear(backend="pyomo")))
    with pytest.raises(ModelError, match=r"(?s)no set called 'flow_cap_idx'.*flow_cap_index"):
        model.backend.add_constraint("limit", ["flow_cap_idx"], flow_cap_90_rule)
    with pytest.raises(ModelError, match=r"(?s)'limit' could not be built.*KeyError"):
        model.backend.add_constraint("limit", ["techs"], lambda m, tech: m.flow_cap[tech] <= 1)
    assert model.backend.pyomo_model.component("limit") is None  # nothing half-built is left


def test_the_pyomo_model_keeps_names_labels_and_sizes(tmp_path: Path) -> None:
    model = Model.from_yaml(write_model(tmp_path, cheap_and_dear()))
    program = model.build()
    built = build_pyomo_model(program, model.inputs, model.math)
    m = built.model
    linear = program.model
    assert sum(len(m.component(name)) for name in linear.variables) == linear.nvars
    assert sum(len(m.component(name)) for name in linear.constraints) == linear.ncons
    assert m.flow_out.dims == ("nodes", "techs", "carriers", "timesteps")
    step = pd.Timestamp("2005-01-01 01:00")
    assert ("A", "cheap", "power", step) in m.flow_out
    assert list(m.timesteps) == [pd.Timestamp("2005-01-01 00:00"), step]
    assert m.flow_cap_max["cheap"] == 10 and m.flow_cap_max.dims == ("techs",)
    assert m.flow_cap_max["load"] == np.inf  # not set: the math's default
    assert m.base_tech["cheap"] == "supply"
    row = m.system_balance["A", "power", step]
    assert row.equality and {v.name for v in row.body.args} >= {"flow_out[A,cheap,power,2005-01-01 01:00:00]"}  # fmt: skip
    assert isinstance(m.component(program.objective_name), pyo.Objective)


def test_a_constraint_named_like_a_variable_gets_a_suffix() -> None:
    # linopy keeps the two apart, Pyomo has one namespace: min x with x ≥ 2 → 2
    model = linopy.Model()
    x = model.add_variables(lower=0, name="x")
    model.add_constraints(x >= 2, name="x")
    model.add_objective(1 * x)
    built = build_pyomo_model(Program(model=model))
    assert isinstance(built.model.x, pyo.Var)
    assert isinstance(built.model.x_constraint, pyo.Constraint)
    assert solve(Program(model=model), PYOMO).objective == pytest.approx(2)


def test_the_pyomo_backend_gives_the_same_results_file(tmp_path: Path) -> None:
    path = write_model(tmp_path, cheap_and_dear())
    on_highs = Model.from_yaml(path)
    on_pyomo = Model.from_yaml(path)
    first, second = on_highs.solve(), on_pyomo.solve(PYOMO)
    assert set(first.data_vars) == set(second.data_vars)
    for name in ("flow_cap", "flow_out", "cost"):
        np.testing.assert_allclose(first[name].values, second[name].values, atol=1e-9)
    assert (first.attrs["backend"], second.attrs["backend"]) == ("highs", "pyomo")
    assert first.attrs["objective"] == pytest.approx(second.attrs["objective"])


def test_a_session_changes_bounds_rows_coefficients_and_costs_in_place() -> None:
    # as tests/test_backends.py on HiGHS: x ≤ 1 → cost 11; demand 5 → 14; then costs 5x + 3y
    # with x ≤ 3 again → x = 0, y = 5, cost 15; then demand x + 2y ≥ 5 → y = 2.5, cost 7.5
    program = two_plants()
    model = program.model
    session = open_session(program, PYOMO)
    assert session.solve().objective == pytest.approx(9)
    x_label = model.variables["x"].labels.values.ravel()
    y_label = model.variables["y"].labels.values.ravel()
    row = model.constraints["demand"].labels.values.ravel()
    session.apply(ProgramChanges(column_bounds=[(x_label, np.array([0.0]), np.array([1.0]))]))
    assert session.solve().objective == pytest.approx(11)
    session.apply(ProgramChanges(row_bounds=[(row, np.array([5.0]), np.array([np.inf]))]))
    assert session.solve().objective == pytest.approx(14)
    x, y = model.variables["x"], model.variables["y"]
    session.apply(ProgramChanges(column_bounds=[(x_label, np.array([0.0]), np.array([3.0]))]))
    session.apply(ProgramChanges(objective=5 * x + 3 * y))
    result = session.solve()
    assert result.objective == pytest.approx(15) and float(result.solution["x"]) == 0
    session.apply(ProgramChanges(coefficients=[(row, y_label, np.array([2.0]))]))
    result = session.solve()
    assert result.objective == pytest.approx(7.5)
    assert float(result.solution["y"]) == pytest.approx(2.5)
    assert float(result.solution["cost_y"]) == pytest.approx(7.5)


def test_an_infeasible_model_is_explained_by_the_highs_diagnosis(tmp_path: Path) -> None:
    # demand 30 per step, at most 10 + 20 = 30 … of capacity 10 and 15: infeasible
    definition = cheap_and_dear()
    definition["techs"]["dear"]["flow_cap_max"] = 15
    definition["techs"]["load"]["sink_use_equals"] = timeseries(30, 30)
    model = Model.from_yaml(write_model(tmp_path, definition))
    with pytest.raises(ModelError, match=r"(?s)through Pyomo.*infeasible.*HiGHS on the same"):
        model.solve(PYOMO)


def test_highs_options_pass_through_and_unknown_ones_are_named() -> None:
    options = SolveOptions(backend="pyomo", options={"time_limit": 60, "mip_rel_gp": 0.1})
    with pytest.warns(ModelWarning, match=r"mip_rel_gp.*not a HiGHS option.*mip_rel_gap"):
        result = solve(two_plants(), options)
    assert result.objective == pytest.approx(9) and result.solver == "highs"


@pytest.mark.parametrize("backend", ["pyomo", "highs"])
def test_solves_in_one_process_may_ask_for_different_threads(backend: str) -> None:
    # HiGHS sizes one thread pool per process at its first run; a later run asking for other
    # threads stops at once (status 'unknown') unless the pool is released before each solve
    first = highspy.Highs()
    first.setOptionValue("output_flag", False)
    first.setOptionValue("threads", 1)
    first.addVar(0.0, 1.0)
    first.run()  # the pool: one thread
    for threads in (2, 1, 2):
        result = solve(two_plants(), SolveOptions(backend=backend, threads=threads))
        assert result.termination == "optimal" and result.objective == pytest.approx(9)


def test_other_solvers_option_names_mean_the_same_through_pyomo() -> None:
    # `mipgap` (CBC/Gurobi) is HiGHS's mip_rel_gap on this backend too, as on the HiGHS backend
    solver = PyomoHighs({"mipgap": 0.05, "TimeLimit": 60}, threads=1, log_file=None)
    assert solver.options == {"mip_rel_gap": 0.05, "time_limit": 60.0}


def test_an_unknown_solver_is_named_with_the_closest() -> None:
    with pytest.raises(ModelError, match=r"(?s)Pyomo knows no solver 'glpkk'.*glpk"):
        solve(two_plants(), SolveOptions(backend="pyomo", name="glpkk"))


def test_a_missing_solver_says_what_pyomo_looked_for(monkeypatch, tmp_path: Path) -> None:
    if shutil.which("scip") or shutil.which("scipampl"):
        pytest.skip("scip is installed here")
    with pytest.raises(ModelError, match=r"(?s)cannot run the solver 'scip'.*'scip' executable"):
        solve(two_plants(), SolveOptions(backend="pyomo", name="scip"))


SYSTEM_SOLVERS = {"glpk": "glpsol", "cbc": "cbc"}


@pytest.mark.parametrize("name", ["highs", "glpk", "cbc"])
def test_every_installed_solver_finds_the_same_optimum(name: str, tmp_path: Path) -> None:
    executable = SYSTEM_SOLVERS.get(name)
    if executable and not shutil.which(executable):
        pytest.skip(f"{executable} is not installed (apt-get install glpk-utils coinor-cbc)")
    # the guide's example (cost 24, see above) on each solver
    model = Model.from_yaml(write_model(tmp_path, cheap_and_dear()))
    log = tmp_path / "solver.log"
    backend = model.open_backend(SolveOptions(backend="pyomo", name=name, log_file=str(log)))
    backend.add_constraint("flow_cap_90", ["flow_cap_index"], flow_cap_90_rule)
    backend.rerun()
    assert model.solve_result is not None
    assert model.solve_result.objective == pytest.approx(24)
    assert model.solve_result.solver == name and model.solve_result.solver_version
    assert log.exists()


@pytest.mark.skipif(not shutil.which("glpsol"), reason="glpsol is not installed")
def test_options_reach_other_solvers_unchanged() -> None:
    # glpsol refuses an option it does not know: the option got there as written
    options = SolveOptions(backend="pyomo", name="glpk", options={"no_such_option": 1})
    with pytest.raises(ModelError, match=r"(?s)Solver 'glpk' \(through Pyomo\) failed"):
        solve(two_plants(), options)
