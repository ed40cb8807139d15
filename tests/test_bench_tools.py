"""bench/check_bench.py and run_bench.py's CSV: a slower case is flagged, a steady one is not.

Tiny hand-written CSVs, no model is built or solved (fast).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import check_bench  # noqa: E402
import run_bench  # noqa: E402


def _write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=run_bench.FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _run(case: str, highspy: str, highs_s: float, iterations: int, objective: float) -> list[dict]:
    common = {"case": case, "tool": "esmflow", "highspy": highspy}
    return [
        {**common, "stage": "highs", "wall_s": highs_s, "simplex_iterations": iterations},
        {**common, "stage": "end_to_end", "cpu_s": highs_s + 1, "objective": objective},
    ]


def test_slower_case_is_flagged_and_steady_case_is_not(tmp_path):
    before = _write(
        tmp_path / "2026-01-01T0000Z.csv",
        _run("a", "1.15.1", 100.0, 1000, 5.0) + _run("b", "1.15.1", 10.0, 50, 2.0),
    )
    # a: HiGHS 100 s -> 150 s (+50 %), iterations 1000 -> 1400 (+40 %): above +25 %, flagged;
    # b: 10 s -> 11 s (+10 %), 50 -> 50 iterations: below, ok
    latest = _write(
        tmp_path / "2026-01-02T0000Z.csv",
        _run("a", "1.16.0", 150.0, 1400, 5.0) + _run("b", "1.16.0", 11.0, 50, 2.0),
    )
    lines = check_bench.compare(latest, [before], threshold=0.25)
    by_case = {line.split()[1]: line for line in lines}
    assert by_case["a"].startswith("SLOWER")
    assert "iterations 1000→1400 (+40%)" in by_case["a"]
    assert "highspy 1.15.1→1.16.0" in by_case["a"]
    assert by_case["b"].startswith("ok")


def test_changed_objective_is_flagged(tmp_path):
    # 5.0 -> 5.0001 is a relative difference of 2e-5 > 1e-6
    before = _write(tmp_path / "2026-01-01T0000Z.csv", _run("a", "1.15.1", 10.0, 10, 5.0))
    latest = _write(tmp_path / "2026-01-02T0000Z.csv", _run("a", "1.15.1", 10.0, 10, 5.0001))
    (line,) = check_bench.compare(latest, [before], threshold=0.25)
    assert line.startswith("OBJECTIVE")


def test_reference_is_the_latest_earlier_run_of_the_case(tmp_path):
    # case a ran on day 1 (100 s) and day 2 (200 s); day 3 (210 s) is compared with day 2: +5 %
    day1 = _write(tmp_path / "2026-01-01T0000Z.csv", _run("a", "1", 100.0, 10, 1.0))
    day2 = _write(tmp_path / "2026-01-02T0000Z.csv", _run("a", "1", 200.0, 10, 1.0))
    day3 = _write(tmp_path / "2026-01-03T0000Z.csv", _run("a", "1", 210.0, 10, 1.0))
    (line,) = check_bench.compare(day3, [day1, day2], threshold=0.25)
    assert line.startswith("ok") and "vs 2026-01-02T0000Z" in line
    assert check_bench.main(["--results", str(tmp_path), "--strict"]) == 0


def test_every_case_can_be_chosen_and_an_unknown_one_is_an_error():
    args = run_bench.parse_args(["--cases", "national_week,calliope_national_year"])
    assert [case["label"] for case in run_bench.chosen_cases(args)] == [
        "national_week",
        "calliope_national_year",
    ]
    args = run_bench.parse_args(["--cases", "national_wek"])
    try:
        run_bench.chosen_cases(args)
    except SystemExit as err:
        assert "national_wek" in str(err) and "national_week" in str(err)
    else:
        raise AssertionError("an unknown case must stop the run")


def test_names_map_tells_which_variable_and_row_each_highs_position_is(tmp_path):
    """solver_sweep's names map: HiGHS column/row position → name and coordinates.

    By hand: x over t ∈ {a, b, c} with t = b masked out (no column), then y; HiGHS gets the
    columns x[a] (lower bound 1), x[c] (lower bound 3), y (lower bound 5), in that order, and
    the rows cap[a], cap[c] (x[t] − y ≤ 0, t = b masked too).
    """
    import warnings

    import linopy
    import numpy as np
    import pandas as pd
    import solver_sweep
    import xarray as xr

    time = pd.Index(["a", "b", "c"], name="t")
    mask = xr.DataArray([True, False, True], coords=[time])
    model = linopy.Model()
    x = model.add_variables(lower=xr.DataArray([1.0, 2.0, 3.0], coords=[time]), name="x", mask=mask)
    y = model.add_variables(lower=5.0, name="y")
    with warnings.catch_warnings():  # linopy notes that x[b] is absent (masked here too)
        warnings.simplefilter("ignore")
        model.add_constraints(x - y <= 0, name="cap", mask=mask)
    model.add_objective(x.sum() + y)
    highs = linopy.io.to_highspy(model)
    path = tmp_path / "names.npz"
    solver_sweep.write_names(model, path)
    names = np.load(path)
    assert list(highs.getLp().col_lower_) == [1.0, 3.0, 5.0]
    assert solver_sweep.describe(names, "col", [0, 1, 2]) == ["x[t=a]", "x[t=c]", "y[]"]
    assert highs.getNumRow() == 2
    assert solver_sweep.describe(names, "row", [0, 1]) == ["cap[t=a]", "cap[t=c]"]


def test_stall_probe_changes_that_keep_the_optimum_keep_it():
    """bench/stall_probe.py: implied upper bounds and power-of-2 scaling keep the optimum.

    By hand: min −x + 0.25·K s.t. x − 2·K ≤ 0, 0 ≤ K ≤ 3, x ≥ 0. x = 2K at the optimum, so the
    cost is −1.75·K, least at K = 3: objective −5.25, x = 6. The row implies x ≤ 2·3 = 6. The
    scaled program has the same objective value (c'·x' = c·x).
    """
    import highspy
    import numpy as np
    import stall_probe

    def program() -> highspy.HighsLp:
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = 2, 1
        lp.col_cost_ = np.array([-1.0, 0.25])
        lp.col_lower_, lp.col_upper_ = np.array([0.0, 0.0]), np.array([highspy.kHighsInf, 3.0])
        lp.row_lower_, lp.row_upper_ = np.array([-highspy.kHighsInf]), np.array([0.0])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array([0, 1, 2])
        lp.a_matrix_.index_ = np.array([0, 0])
        lp.a_matrix_.value_ = np.array([1.0, -2.0])
        return lp

    def optimum(lp: highspy.HighsLp) -> float:
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        highs.passModel(lp)
        highs.run()
        return highs.getInfo().objective_function_value

    bounded = stall_probe.implied_upper_bounds(program(), "unused")
    assert list(bounded.col_upper_) == [6.0, 3.0]
    assert optimum(bounded) == -5.25
    assert optimum(stall_probe.geometric_scaling(program(), "unused")) == -5.25
