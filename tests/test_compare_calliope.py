"""esmflow against Calliope 0.7.0 on the example models shipped inside the Calliope package.

Runs `bench/compare_calliope.py`'s comparison (Calliope through `.venv-calliope`, HiGHS backend;
esmflow in this process) and asserts the objectives agree to 1e-6 relative. Skipped when
`.venv-calliope` with Calliope 0.7.0 is missing (a fresh clone): create it with
`.venv/bin/python bench/compare_calliope.py`, which sets it up on first use.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from calliope_env import DEFAULT_VENV, looks_installed, shipped_example, venv_python  # noqa: E402
from compare_calliope import compare, flow_cap_table, relative_difference  # noqa: E402

CALLIOPE_PYTHON = venv_python(DEFAULT_VENV)
needs_calliope = pytest.mark.skipif(
    not looks_installed(DEFAULT_VENV), reason=f"no Calliope 0.7.0 in {DEFAULT_VENV}"
)


def test_relative_difference_is_symmetric_and_zero_safe() -> None:
    assert relative_difference(100.0, 99.0) == pytest.approx(0.01)
    assert relative_difference(99.0, 100.0) == pytest.approx(0.01)
    assert relative_difference(0.0, 1e-12) == 0.0  # both numerically zero


def test_flow_cap_table_marks_missing_sides() -> None:
    table = flow_cap_table([["a", "ccgt", "power", 1.0]], [["b", "ccgt", "power", 2.0]])
    assert [row[:3] for row in table] == [("a", "ccgt", "power"), ("b", "ccgt", "power")]
    assert table[0][4] != table[0][4]  # NaN: esmflow has no flow_cap at node a


@pytest.mark.slow
@pytest.mark.calliope
@needs_calliope
@pytest.mark.parametrize("name", ["national_scale", "urban_scale"])
def test_shipped_example_objective_matches_calliope(name: str) -> None:
    record = compare(CALLIOPE_PYTHON, shipped_example(CALLIOPE_PYTHON, name))
    assert record["calliope"]["termination"] == "optimal"
    assert record["esmflow"]["termination"] == "optimal"
    assert record["esmflow"]["objective"] == pytest.approx(
        record["calliope"]["objective"], rel=1e-6
    )


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.slow
@pytest.mark.calliope
@needs_calliope
@pytest.mark.parametrize(
    ("model", "days"),
    [
        ("national_scale", ["2030-01-01", "2030-01-02"]),
        ("urban_scale", ["2030-07-15", "2030-07-16"]),
    ],
)
def test_our_example_objective_matches_calliope(model: str, days: list[str]) -> None:
    # live check of the reference objectives hard-coded in test_examples.py
    record = compare(
        CALLIOPE_PYTHON,
        EXAMPLES / model / "model.yaml",
        set_values={"config.init.subset.timesteps": days},
    )
    assert record["esmflow"]["objective"] == pytest.approx(
        record["calliope"]["objective"], rel=1e-6
    )
