"""Config at the edge: the model's `config.build`/`config.solve` and the workflow's solver block."""

from __future__ import annotations

import logging

from esmflow.options import BuildOptions, SolveOptions


def test_build_options_fill_calliope_defaults() -> None:
    options = BuildOptions.from_model_config({"build": {"ensure_feasibility": True}})
    assert options.config == {"ensure_feasibility": True, "objective": "min_cost_optimisation"}
    assert options.objective == "min_cost_optimisation"


def test_workflow_solver_block_wins_over_model_options() -> None:
    model = {
        "solve": {"solver_options": {"time_limit": 10, "presolve": "on"}, "zero_threshold": 1e-8}
    }
    options = SolveOptions.from_model_config(model, {"options": {"time_limit": 99}, "threads": 4})
    assert options.options == {"time_limit": 99, "presolve": "on"}
    assert (options.name, options.threads, options.zero_threshold) == ("highs", 4, 1e-8)


def test_model_asking_for_cbc_is_solved_with_highs_and_says_so(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="esmflow.options"):
        options = SolveOptions.from_model_config({"solve": {"solver": "cbc"}})
    assert options.name == "highs"
    assert "config.solve.solver is 'cbc'; esmflow solves with HiGHS" in caplog.text
