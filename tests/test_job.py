"""The `_job` shim: rule scripts run from the shell with the same attributes as under Snakemake."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from pathlib import Path

import _job
import pytest
import xarray as xr
import yaml
from math_models import demand, model_definition, per_cost, supply, write_model
from rule_steps import run_rule_steps

from esmflow.errors import ModelError
from esmflow.postprocess.provenance import provenance_attrs, provenance_record

ROOT = Path(__file__).resolve().parents[1]


def test_named_paths_and_params_from_json(tmp_path: Path) -> None:
    job = _job.parse_job(
        [
            "--input",
            "inputs=in.nc",
            "--output",
            f"solution={tmp_path}/out/s.nc",
            f"status={tmp_path}/out/s.yaml",
            "--log",
            f"python={tmp_path}/logs/p.log",
            f"solver={tmp_path}/logs/h.log",
            "--params",
            '{"solver": {"name": "highs", "threads": 2}}',
            "--threads",
            "3",
            "--wildcards",
            "scenario=base",
        ],
        rule="solve_model",
    )
    assert job.input.inputs == "in.nc" and list(job.input) == ["in.nc"]
    assert job.output.status == f"{tmp_path}/out/s.yaml" and len(job.output) == 2
    assert job.log.get("solver") == f"{tmp_path}/logs/h.log"
    assert job.params.solver == {"name": "highs", "threads": 2}
    assert job.threads == 3 and job.wildcards.scenario == "base" and job.rule == "solve_model"
    # parent folders are made, as Snakemake does
    assert (tmp_path / "out").is_dir() and (tmp_path / "logs").is_dir()
    with pytest.raises(AttributeError):
        _ = job.output.missing


def test_params_from_yaml_file_and_unnamed_log(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"model": "m.yaml", "overrides": ["a"], "set": {}}))
    job = _job.parse_job(["--params", str(params), "--log", str(tmp_path / "x.log")])
    assert job.params.overrides == ["a"]
    assert job.log[0] == str(tmp_path / "x.log") and job.threads == 1
    assert _job._python_log(job) == str(tmp_path / "x.log")


def test_snakemake_object_is_used_when_present() -> None:
    sentinel = object()
    assert _job.get_job({"snakemake": sentinel}) is sentinel


def test_logging_goes_to_the_log_file_with_warnings(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    job = _job.parse_job(["--log", f"python={log}"], rule="demo")
    try:
        _job.configure_logging(job)
        logging.getLogger("demo").info("hello from the job")
        warnings.warn("a deprecation seen by pandas", UserWarning, stacklevel=1)
        try:
            raise ModelError("flow_cap_max must be >= 0", file="m.yaml", key_path="techs.gas")
        except ModelError as error:
            sys.excepthook(type(error), error, error.__traceback__)
    finally:
        sys.excepthook = sys.__excepthook__
        logging.captureWarnings(False)
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])
    text = log.read_text()
    assert "hello from the job" in text
    assert "a deprecation seen by pandas" in text
    # a modeller's error is logged as its message, without a traceback
    assert "ModelError: m.yaml › techs.gas" in text and "Traceback" not in text


@pytest.mark.slow
def test_a_rule_script_runs_from_the_shell(tmp_path: Path) -> None:
    # dump_provenance copies the record postprocess put into results.nc
    record = provenance_record("base", {"model": "m.yaml"}, "abc", folder=tmp_path)
    results = xr.Dataset(attrs=provenance_attrs("base", {}, "", record=record))
    results.to_netcdf(tmp_path / "results.nc")
    out = tmp_path / "provenance" / "config.yaml"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "dump_provenance.py"),
            "--input",
            f"results={tmp_path / 'results.nc'}",
            "--output",
            f"provenance={out}",
            "--log",
            str(tmp_path / "p.log"),
            "--params",
            '{"code": "abc"}',
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    written = yaml.safe_load(out.read_text())
    assert written == record
    assert written["scenario"] == "base" and written["esmflow_code_hash"] == "abc"
    assert "git" in written and "versions" in written


EXITING_SCRIPT = """
import atexit, ctypes, logging, sys
from pathlib import Path
from types import SimpleNamespace
sys.path.insert(0, {scripts!r})
import _job

folder = Path({folder!r})
atexit.register(lambda: (folder / "exit_handler_ran").write_text("yes"))

def main(job):
    _job.configure_logging(job)
    logging.getLogger("t").info("the work is done")
    ctypes.CDLL(None).printf(b"from C stdio\\n")  # buffered: stdout is a pipe
    if {fail!r}:
        raise RuntimeError("it broke")

job = SimpleNamespace(log=[str(folder / "t.log")], rule="t", output=[str(folder / "o")])
_job.run(main, {{"snakemake": job}})
print("after run")
"""


@pytest.mark.parametrize("fail", [False, True])
def test_run_ends_the_process_at_once_with_everything_flushed(tmp_path: Path, fail: bool) -> None:
    # `_job.run` skips the interpreter's teardown (os._exit) after `main`: the exit handlers still
    # run, the log file and C-level output are complete, and nothing after `run` executes; a
    # failing `main` still fails the process (non-zero exit, its error in the log)
    script = tmp_path / "job.py"
    scripts = str(ROOT / "scripts")
    script.write_text(EXITING_SCRIPT.format(scripts=scripts, folder=str(tmp_path), fail=fail))
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    log = (tmp_path / "t.log").read_text()
    assert "the work is done" in log
    assert "from C stdio" in done.stdout
    assert "after run" not in done.stdout
    if fail:
        assert done.returncode != 0 and "it broke" in log
    else:
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "exit_handler_ran").read_text() == "yes"


def run_model_steps(tmp_path: Path, definition: dict, solver_options: dict) -> Path:
    """prepare → distances → clustering → build → solve through the scripts' `main`, as Snakemake
    would run them for scenario `s`; returns the scenario's results folder."""
    model = write_model(tmp_path / "model", definition)
    solver = {"name": "highs", "options": solver_options}
    return run_rule_steps(tmp_path, "s", model, set_values={}, solver=solver, backend="highs")


def gas_and_load(**gas: object) -> dict:
    # `cost_flow_in` on a supply tech has no effect: base.yaml's checks warn at build time
    return model_definition(
        {
            "gas": supply(cost_per_unit=1, cost_flow_in=per_cost(1), **gas),
            "load": demand("power", 4, 10),
        }
    )


@pytest.mark.slow
def test_every_steps_warnings_land_in_solve_status(tmp_path: Path, restore_logging) -> None:
    # (the scripts send warnings to their logs: `configure_logging` captures them)
    out = run_model_steps(tmp_path, gas_and_load(), {"mip_rel_gp": 0.01})
    status = yaml.safe_load((out / "solve_status.yaml").read_text())
    assert status["termination"] == "optimal" and status["objective"] == pytest.approx(14)
    assert [record["stage"] for record in status["warnings"]] == ["build_model", "solve_model"]
    assert "cost_flow_in" in status["warnings"][0]["message"]
    assert "mip_rel_gp" in status["warnings"][1]["message"]
    # each step's log has its own warning; the program file carries the list on to the solve
    assert "cost_flow_in" in (tmp_path / "logs" / "s" / "build_model.log").read_text()
    assert "mip_rel_gp" in (tmp_path / "logs" / "s" / "solve_model.log").read_text()
    assert not (out / "diagnosis.txt").exists()


@pytest.mark.slow
def test_a_failed_solve_leaves_its_diagnosis(tmp_path: Path, restore_logging) -> None:
    # demand 10 in the second hour, gas at most 5: infeasible
    with pytest.raises(ModelError, match="infeasible"):
        run_model_steps(tmp_path, gas_and_load(flow_cap_max=5), {})
    out = tmp_path / "results" / "s"
    diagnosis = (out / "diagnosis.txt").read_text()
    assert diagnosis.startswith("Scenario 's' stopped in solve_model; no later step ran.")
    assert "flow_cap[nodes=A, techs=gas, carriers=power]: at most 5 (flow_cap_max = 5)" in diagnosis
    assert "Warnings raised before it stopped:\n  - [build_model] `cost_flow_in`" in diagnosis
    assert not (out / "solve_status.yaml").exists()
    # the next successful run of the scenario removes the stale diagnosis
    run_model_steps(tmp_path, gas_and_load(), {})
    assert not (out / "diagnosis.txt").exists()
