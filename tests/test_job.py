"""The `_job` shim: rule scripts run from the shell with the same attributes as under Snakemake."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from pathlib import Path

import _job
import pytest
import yaml

from esmflow.errors import ModelError

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
    out = tmp_path / "provenance" / "config.yaml"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "dump_provenance.py"),
            "--output",
            f"provenance={out}",
            "--log",
            str(tmp_path / "p.log"),
            "--params",
            '{"scenario": "base", "config": {"model": "m.yaml"}, "code": "abc"}',
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    record = yaml.safe_load(out.read_text())
    assert record["scenario"] == "base" and record["esmflow_code_hash"] == "abc"
    assert "git" in record and "versions" in record
