"""The Pyomo backend in the workflow: a scenario's `backend: pyomo` and `custom_constraints` file."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate
from solve_model import solve_options
from test_workflow import OUTPUTS, report, snakemake

from esmflow.errors import ModelError

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = str(ROOT / "config" / "schema.yaml")


@pytest.fixture
def config() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def test_the_schema_takes_the_pyomo_backend_any_solver_and_a_custom_constraints_file(
    config: dict[str, Any],
) -> None:
    scenario = config["scenarios"]["national_week"]
    scenario.update(backend="pyomo", custom_constraints="studies/caps.py")
    scenario["solver"]["name"] = "gurobi_persistent"
    validate(config, SCHEMA)
    assert config["scenarios"]["urban_week"]["custom_constraints"] is None  # the default


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(backend="pyomoo"), "pyomoo"),
        (lambda s: s.update(custom_constraints=""), "custom_constraints"),
        (lambda s: s["solver"].update(name="glpk --exec"), "glpk --exec"),
    ],
)
def test_a_bad_backend_setting_is_named(config: dict[str, Any], change, message: str) -> None:
    broken = copy.deepcopy(config)
    change(broken["scenarios"]["national_week"])
    with pytest.raises(WorkflowError, match=message):
        validate(broken, SCHEMA)


def test_the_solve_script_passes_backend_and_custom_constraints_on() -> None:
    options = solve_options({}, {"name": "glpk"}, 2, None, "pyomo", "caps.py")
    assert (options.backend, options.name, options.custom_constraints) == (
        "pyomo",
        "glpk",
        "caps.py",
    )
    with pytest.raises(ModelError, match="need the Pyomo backend"):
        solve_options({}, {"name": "highs"}, 2, None, "highs", "caps.py")


TINY_ON_PYOMO = """\
scenarios:
  tiny:
    backend: pyomo
    custom_constraints: caps.py
"""
# a cap far above anything the tiny model builds: the optimum stays Calliope's
CAPS = """\
import pyomo.environ as pyo

def generous_caps(m):
    return pyo.Constraint(m.flow_cap_index, rule=lambda m, *key: m.flow_cap[key] <= 1e6)
"""


@pytest.mark.slow
def test_a_pyomo_scenario_with_custom_constraints_runs_end_to_end(repo_copy: Path) -> None:
    (repo_copy / "pyomo.yaml").write_text(TINY_ON_PYOMO)
    (repo_copy / "caps.py").write_text(CAPS)
    configs = ("--configfile", "tests/config.tiny.yaml", "pyomo.yaml")
    done = snakemake(repo_copy, "--cores", "2", *configs)
    assert done.returncode == 0, report(done)
    folder = repo_copy / "results" / "tiny"
    assert not [name for name in OUTPUTS if not (folder / name).is_file()]
    status = yaml.safe_load((folder / "solve_status.yaml").read_text())
    # Calliope 0.7.0 with HiGHS gives 150.93498019705828 for this model (tests/test_workflow.py)
    assert status["objective"] == pytest.approx(150.93498019705828, rel=1e-6)
    assert status["backend"] == "pyomo" and status["solver"] == "highs"

    # editing the custom constraints re-runs the solve and what follows it, nothing before it
    (repo_copy / "caps.py").write_text(CAPS.replace("1e6", "1e7"))
    again = snakemake(repo_copy, "-n", *configs)
    assert again.returncode == 0, report(again)
    planned = again.stdout + again.stderr
    assert "solve_model" in planned and "build_model" not in planned, report(again)
