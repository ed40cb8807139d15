"""`python -m esmflow solve`: one model without Snakemake, the same result files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from esmflow.cli import main, parse_assignments
from esmflow.errors import ModelError

TINY = Path(__file__).resolve().parent / "data" / "tiny" / "model.yaml"


def test_assignments_are_read_as_yaml() -> None:
    values = parse_assignments(["techs.gas.flow_cap_max=10", "a.b=[x, y]", "c=true", "d=text"])
    assert values == {"techs.gas.flow_cap_max": 10, "a.b": ["x", "y"], "c": True, "d": "text"}
    with pytest.raises(ModelError, match="KEY=VALUE"):
        parse_assignments(["no_value"])


@pytest.mark.slow
def test_solve_writes_the_workflow_files(tmp_path: Path) -> None:
    assert main(["solve", str(TINY), "--out", str(tmp_path), "--threads", "2"]) == 0
    status = yaml.safe_load((tmp_path / "solve_status.yaml").read_text())
    # Calliope 0.7.0 with HiGHS: 150.93498019705828
    assert status["objective"] == pytest.approx(150.93498019705828, rel=1e-6)
    assert status["warnings"] == []  # as the workflow's status file: every warning, here none
    for name in ("results.nc", "summaries/capacities.csv", "plots/dispatch.png", "solver.log"):
        assert (tmp_path / name).is_file(), name


@pytest.mark.slow
def test_bad_model_is_a_message_and_exit_1(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    code = main(["solve", str(TINY), "--out", str(tmp_path), "--set", "techs.gas.flow_out_eff=-1"])
    assert code == 1
    assert "flow_out_eff" in caplog.text
    assert not (tmp_path / "results.nc").exists()
