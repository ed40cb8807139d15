"""HiGHS through highspy: a textbook LP, and messages for infeasible and unbounded programs."""

from __future__ import annotations

import re
from pathlib import Path

import linopy
import numpy as np
import pandas as pd
import pytest

from esmflow.backends.highs import HighsSession, highs_options, solve_program
from esmflow.errors import ModelError, ModelWarning
from esmflow.math.program import Program
from esmflow.options import SolveOptions


def textbook_lp() -> Program:
    """Hillier & Lieberman's Wyndor Glass: max 3x + 5y, x ≤ 4, 2y ≤ 12, 3x + 2y ≤ 18."""
    model = linopy.Model()
    x = model.add_variables(lower=0, name="x")
    y = model.add_variables(lower=0, name="y")
    model.add_constraints(x <= 4, name="plant_1")
    model.add_constraints(2 * y <= 12, name="plant_2")
    model.add_constraints(3 * x + 2 * y <= 18, name="plant_3")
    model.add_objective(3 * x + 5 * y, sense="max")
    return Program(model=model, expressions={"profit_y": 5 * y})


def test_textbook_lp(tmp_path: Path) -> None:
    # optimum at the corner x = 2, y = 6: 3·2 + 5·6 = 36
    log = tmp_path / "highs.log"
    result = solve_program(textbook_lp(), SolveOptions(threads=1, log_file=str(log)))
    assert result.termination == "optimal"
    assert result.objective == pytest.approx(36)
    assert float(result.solution["x"]) == pytest.approx(2)
    assert float(result.solution["y"]) == pytest.approx(6)
    assert float(result.solution["profit_y"]) == pytest.approx(30)
    assert result.solver == "highs" and result.solver_version.count(".") == 2
    assert "HiGHS" in log.read_text()


def test_solver_options_pass_through() -> None:
    result = solve_program(
        textbook_lp(), SolveOptions(options={"solver": "ipm", "run_crossover": "on"})
    )
    assert result.objective == pytest.approx(36)


def test_infeasible_program_names_the_conflicting_constraints() -> None:
    model = linopy.Model()
    hours = pd.Index(["h1", "h2"], name="timesteps")
    flow = model.add_variables(lower=0, upper=3, coords=[hours], name="flow")
    model.add_constraints(flow >= 5, name="demand_met")
    model.add_objective(flow.sum())
    with pytest.raises(ModelError, match=r"(?s)infeasible.*demand_met\[timesteps=h\d\]") as caught:
        solve_program(Program(model=model), SolveOptions())
    # the IIS holds the row and the bound it runs into
    assert re.search(r"flow\[timesteps=h\d\]: at most 3", str(caught.value))


def test_a_variable_alone_unbounded_is_refused_before_the_solve() -> None:
    # min -x with x >= 1: x can grow alone (its only row has no upper side) → caught pre-solve
    model = linopy.Model()
    x = model.add_variables(lower=0, name="x")
    model.add_constraints(x >= 1, name="at_least_one")
    model.add_objective(-1 * x)
    with pytest.raises(
        ModelError, match=r"x: its cost per unit is -1, but nothing limits x from above.*unbounded"
    ):
        solve_program(Program(model=model), SolveOptions())
    assert model.solver_model is None  # refused before HiGHS ever saw it


def test_unbounded_ray_names_the_variables_along_it() -> None:
    # min -x with x <= y: x alone is stopped by the row, so HiGHS finds the ray (x, y) = (1, 1)
    model = linopy.Model()
    hours = pd.Index(["h1"], name="timesteps")
    x = model.add_variables(lower=0, coords=[hours], name="x")
    y = model.add_variables(lower=0, coords=[hours], name="y")
    model.add_constraints(x - y <= 0, name="x_below_y")
    model.add_objective(-1 * x.sum())
    with pytest.raises(ModelError, match=r"(?s)unbounded.*ray.*x\[timesteps=h1\] grows") as caught:
        solve_program(Program(model=model), SolveOptions())
    assert "y[timesteps=h1] grows" in str(caught.value)


def test_conflicting_variable_bounds_are_named() -> None:
    # flow in [5, 3]: no row at all, only a column whose bounds contradict each other
    model = linopy.Model()
    hours = pd.Index(["h1"], name="timesteps")
    flow = model.add_variables(lower=5, upper=3, coords=[hours], name="flow")
    model.add_objective(flow.sum())
    with pytest.raises(
        ModelError, match=r"(?s)infeasible.*Variable bounds:.*flow\[timesteps=h1\]: at least 5"
    ) as caught:
        solve_program(Program(model=model), SolveOptions())
    assert "at most 3" in str(caught.value)


def test_other_solvers_are_refused() -> None:
    with pytest.raises(ModelError, match="(?s)Solver 'gurobi'.*expected: highs"):
        solve_program(textbook_lp(), SolveOptions(name="gurobi"))


def test_unknown_solver_options_warn_and_are_dropped() -> None:
    with pytest.warns(
        ModelWarning,
        match=r"solver\.options\.mip_rel_gp.*not a HiGHS option.*Did you mean 'mip_rel_gap'",
    ):
        result = solve_program(textbook_lp(), SolveOptions(options={"mip_rel_gp": 0.01}))
    assert result.objective == pytest.approx(36)


def test_other_solvers_option_names_mean_what_the_user_wrote(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Calliope's urban `milp` scenario writes CBC's `mipgap`; HiGHS must stop at that gap
    written = {"mipgap": 0.05, "TimeLimit": 60, "Method": 2, "Presolve": 0, "Threads": 1}
    with caplog.at_level("INFO", logger="esmflow.backends.highs"):
        options = highs_options(written)
    assert options == {
        "mip_rel_gap": 0.05,
        "time_limit": 60.0,
        "solver": "ipm",
        "presolve": "off",
        "threads": 1,
    }
    assert "mipgap=0.05 is HiGHS's mip_rel_gap=0.05" in caplog.text
    session = HighsSession(textbook_lp(), SolveOptions(options={"ratioGap": 0.02}))
    assert session.highs.getOptionValue("mip_rel_gap")[1] == pytest.approx(0.02)


def test_a_highs_name_wins_over_another_solvers_name_for_the_same_option() -> None:
    with pytest.warns(ModelWarning, match=r"(?s)'mip_rel_gap' is also given.*'mipgap' is ignored"):
        options = highs_options({"mipgap": 0.05, "mip_rel_gap": 0.01})
    assert options == {"mip_rel_gap": 0.01}


def test_large_lp_gets_the_interior_point_with_crossover_unless_the_modeller_chose() -> None:
    from esmflow.backends.highs import LARGE_LP_NONZEROS, LARGE_LP_SETTINGS, lp_defaults

    assert lp_defaults(LARGE_LP_NONZEROS - 1, {}) == {}  # small: HiGHS's own choice
    assert lp_defaults(LARGE_LP_NONZEROS, {}) == LARGE_LP_SETTINGS
    assert lp_defaults(LARGE_LP_NONZEROS, {"solver": "simplex"}) == {}  # the modeller's method
    # bigM 9 000× the other costs (Calliope's national_scale): HiGHS's choice; 52× (ours): IPM
    assert lp_defaults(LARGE_LP_NONZEROS, {}, penalty_ratio=9000) == {}
    assert lp_defaults(LARGE_LP_NONZEROS, {}, penalty_ratio=52) == LARGE_LP_SETTINGS
    # the modeller's crossover setting stays, the method is still added
    chosen = lp_defaults(LARGE_LP_NONZEROS, {"run_crossover": "off"})
    assert "run_crossover" not in chosen and chosen["solver"] == LARGE_LP_SETTINGS["solver"]


def test_interior_point_default_keeps_basis_duals_and_resolves_by_simplex(monkeypatch) -> None:
    import esmflow.backends.highs as highs_module
    from esmflow.math.program import ProgramChanges

    monkeypatch.setattr(highs_module, "LARGE_LP_NONZEROS", 1)  # the textbook LP counts as large
    program = textbook_lp()
    session = HighsSession(program, SolveOptions(threads=1))
    assert session.highs.getOptionValue("solver")[1] == highs_module.LARGE_LP_SETTINGS["solver"]
    assert session.solve().objective == pytest.approx(36)
    # crossover ends at a vertex: a basis, and Wyndor's dual prices (0, 3/2, 1) of plant_1..3
    assert session.highs.getInfo().basis_validity == 1
    assert [abs(d) for d in session.highs.getSolution().row_dual] == pytest.approx([0, 1.5, 1])
    # plant_3 raised to 24 (3x + 2y ≤ 24): the optimum moves to x = 4, y = 6, 3·4 + 5·6 = 42,
    # re-solved by simplex from the last basis
    label = int(program.model.constraints["plant_3"].labels)
    session.apply(ProgramChanges(row_bounds=[(np.array([label]), [-np.inf], [24.0])]))
    assert session.highs.getOptionValue("solver")[1] == "simplex"
    assert session.solve().objective == pytest.approx(42)


def test_on_off_options_written_as_yaml_booleans_reach_highs_as_strings() -> None:
    # YAML reads `run_crossover: off` as False; HiGHS's option is the string "off"
    assert highs_options({"run_crossover": False, "presolve": True}) == {
        "run_crossover": "off",
        "presolve": "on",
    }


def test_threads_default_to_the_cores_this_process_may_use() -> None:
    import os

    from esmflow.options import available_cores

    # a Snakemake job passes the cores its rule was given; otherwise every core we may run on
    assert available_cores() == len(os.sched_getaffinity(0))
    assert SolveOptions.from_model_config({}).threads == available_cores()
    assert SolveOptions.from_model_config({}, {"threads": 3}).threads == 3


def _slack_lp(generation_max: float) -> Program:
    """min g + 1e6·u  s.t.  g + u = 5 (demand), 0 ≤ g ≤ generation_max, u ≥ 0 (unmet demand)."""
    model = linopy.Model()
    g = model.add_variables(lower=0, upper=generation_max, name="flow_out")
    u = model.add_variables(lower=0, name="unmet_demand")
    model.add_constraints(g + u == 5, name="system_balance")
    model.add_objective(g + 1e6 * u)
    return Program(model=model)


@pytest.mark.parametrize(
    ("generation_max", "objective"),
    [
        (10, 5),  # g = 5, u = 0: the penalty lowered to 100 × 1 changes nothing; price 1
        (3, 3 + 2e6),  # g = 3, u = 2 at any penalty: bigM restored and solved again
    ],
)
def test_bigm_penalty_lowered_for_the_interior_point_keeps_the_optimum(
    generation_max: float, objective: float
) -> None:
    options = SolveOptions(options={"solver": "ipx"}, threads=1)  # an interior point
    session = HighsSession(_slack_lp(generation_max), options)
    column = session._penalty.positions[0]
    assert session.highs.getLp().col_cost_[column] == pytest.approx(100)  # 100 × largest other
    result = session.solve()
    assert result.objective == pytest.approx(objective, rel=1e-9)
    assert float(result.solution["unmet_demand"]) == pytest.approx(5 - min(generation_max, 5))
    if generation_max >= 5:  # the balance's price is that of the program with bigM: 1
        assert session.highs.getSolution().row_dual[0] == pytest.approx(1)
    else:  # the program HiGHS holds is the modeller's again
        assert session.highs.getLp().col_cost_[column] == pytest.approx(1e6)


def test_a_large_lp_with_a_steep_bigm_keeps_highs_choice(monkeypatch) -> None:
    import esmflow.backends.highs as highs_module

    monkeypatch.setattr(highs_module, "LARGE_LP_NONZEROS", 1)
    # bigM 1e6 against a largest other cost of 1: ratio 1e6 > 100, no interior point added
    assert HighsSession(_slack_lp(10), SolveOptions(threads=1)).defaults == {}


def test_bigm_penalty_is_lowered_when_the_modeller_asks_for_an_interior_point() -> None:
    # a small LP (no defaults), but `solver: ipx` chosen: the slack's 1e6 becomes 100 × 1;
    # with simplex (HiGHS's choice) the program is left as built
    session = HighsSession(_slack_lp(10), SolveOptions(options={"solver": "ipx"}, threads=1))
    assert session.highs.getLp().col_cost_[1] == pytest.approx(100)
    assert session.solve().objective == pytest.approx(5)
    session = HighsSession(_slack_lp(10), SolveOptions(threads=1))
    assert session._penalty is None and session.highs.getLp().col_cost_[1] == pytest.approx(1e6)
