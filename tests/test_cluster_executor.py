"""Jobs submitted, tracked and collected as on a cluster, on this machine.

Snakemake's `cluster-generic` executor with our submit/status/cancel scripts
(profiles/cluster-generic-local/): each job is a separate background process in its own session,
its state in files; Snakemake learns a job's end only from the status script. Three scenarios of
the tiny test model run to their solve this way and must give the objectives a local run gives.
One job is killed while it runs, as a scheduler kills a job over its memory: the status script
must report it failed and Snakemake retry it (`retries: 1`) to a successful end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import netCDF4
import pytest
import yaml
from rule_steps import run_rule_steps

pytestmark = pytest.mark.slow

SCENARIOS = {
    # Calliope 0.7.0 with HiGHS gives 150.93498019705828 for the tiny model (tests/config.tiny.yaml)
    "tiny": {"model": "tests/data/tiny/model.yaml", "solver": {"threads": 1}},
    # gas fuel twice as dear: another optimum, found by the local run below
    "tiny_dear_gas": {
        "model": "tests/data/tiny/model.yaml",
        "set": {"techs.gas.cost_source_use.data": 0.08},
        "solver": {"threads": 1},
    },
    # the same program as `tiny` solved without presolve: the same optimum
    "tiny_no_presolve": {
        "model": "tests/data/tiny/model.yaml",
        "solver": {"threads": 1, "options": {"presolve": "off"}},
    },
}
TARGETS = [f"results/{name}/solve_status.yaml" for name in SCENARIOS]
KILLED = "tiny_dear_gas"
ROOT = Path(__file__).resolve().parents[1]  # the scenario whose first solve attempt is killed


def snakemake(folder: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *TARGETS, "--configfile", "three.yaml", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env=env,
    )


def local_objective(folder: Path, name: str) -> float:
    """The scenario's objective from its model steps run here, one after the other, through the
    rule scripts' `main` with the params the rules give them (no Snakemake, no second process)."""
    scenario = SCENARIOS[name]
    out = run_rule_steps(
        folder,
        name,
        ROOT / scenario["model"],
        set_values=scenario.get("set", {}),
        solver={"name": "highs", "options": {}, **scenario["solver"]},
        backend=None,
    )
    return yaml.safe_load((out / "solve_status.yaml").read_text())["objective"]


def report(done: subprocess.CompletedProcess) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-8000:]}"


def program_nonzeros(path: Path) -> int:
    with netCDF4.Dataset(path) as stored:
        return json.loads(stored.groups["esmflow"].getncattr("program_size"))["nonzeros"]


def objectives(folder: Path) -> dict[str, float]:
    return {
        name: yaml.safe_load((folder / "results" / name / "solve_status.yaml").read_text())[
            "objective"
        ]
        for name in SCENARIOS
    }


def properties(job: Path) -> dict:
    """What Snakemake wrote into the job script: rule, wildcards, resources, …"""
    first_lines = (job / "jobscript.sh").read_text().splitlines()[:3]
    line = next(line for line in first_lines if line.startswith("# properties = "))
    return json.loads(line.removeprefix("# properties = "))


def is_solve_of(job: Path, scenario: str) -> bool:
    job_properties = properties(job)
    return (
        job_properties.get("rule") == "solve_model"
        and job_properties["wildcards"]["scenario"] == scenario
    )


def kill_first_solve(queue: Path, stop: threading.Event, killed: list[str]) -> None:
    """Watch the queue; cancel the first solve_model job of KILLED as soon as it has started."""
    cancel = ROOT / "profiles" / "cluster-generic-local" / "cancel.sh"
    while not stop.is_set():
        for job in sorted(queue.glob("*")) if queue.is_dir() else []:
            if (job / "pid").is_file() and (job / "jobscript.sh").is_file():
                if is_solve_of(job, KILLED):
                    env = {**os.environ, "ESMFLOW_QUEUE": str(queue)}
                    subprocess.run([str(cancel), job.name], env=env, check=True)
                    killed.append(job.name)
                    return
        time.sleep(0.05)


def test_three_scenarios_through_the_cluster_generic_executor(
    repo_copy: Path, tmp_path: Path, restore_logging
) -> None:
    (repo_copy / "three.yaml").write_text(
        yaml.safe_dump({"run": {"scenarios": list(SCENARIOS)}, "scenarios": SCENARIOS})
    )

    queue = tmp_path / "queue"
    env = {**os.environ, "ESMFLOW_QUEUE": str(queue)}
    stop, killed = threading.Event(), []
    watcher = threading.Thread(target=kill_first_solve, args=(queue, stop, killed), daemon=True)
    watcher.start()
    try:
        done = snakemake(repo_copy, "--workflow-profile", "profiles/cluster-generic-local", env=env)
    finally:
        stop.set()
        watcher.join(timeout=5)
    assert done.returncode == 0, report(done)
    log = done.stdout + done.stderr

    # every job went through the scheduler scripts: one group job for the three scenarios'
    # preprocessing, a build and a solve per scenario, and the killed solve's retry
    jobs = {job.name: job for job in queue.iterdir()}
    assert len(jobs) == 1 + 3 + 3 + 1, sorted(jobs)
    for job_id in jobs:
        assert f"external jobid '{job_id}'" in log, job_id
    assert all((job / "pid").is_file() and (job / "out.log").is_file() for job in jobs.values())

    # the killed job: no exit code, reported failed by the status script, then retried
    assert len(killed) == 1, "the watcher never saw the solve job start"
    first = jobs[killed[0]]
    assert not (first / "exit_code").exists()
    assert (first / "state").read_text().strip() == "failed"
    retries = [job for job in jobs.values() if job != first and is_solve_of(job, KILLED)]
    assert len(retries) == 1, retries
    assert (retries[0] / "state").read_text().strip() == "success"
    assert (retries[0] / "exit_code").read_text().strip() == "0"
    assert "--attempt 2" in (retries[0] / "jobscript.sh").read_text()

    # the solve's memory: 1000 MB + 0.0005 MB per nonzero of the built program
    # (rules/common.smk), times the attempt: the retry asked for twice as much
    for name in SCENARIOS:
        nonzeros = program_nonzeros(repo_copy / "results" / name / "model.nc")
        assert nonzeros > 0
        for job in jobs.values():
            if is_solve_of(job, name):
                attempt = 2 if job in retries else 1
                expected = int((1000 + 0.0005 * nonzeros) * attempt)
                assert properties(job)["resources"]["mem_mb"] == expected, (name, attempt)
    # every other job ended well
    others = [job for job in jobs.values() if job != first]
    assert all((job / "state").read_text().strip() == "success" for job in others)

    # collected results: what a local run of the same steps gives
    local = {name: local_objective(tmp_path / "local", name) for name in SCENARIOS}
    assert objectives(repo_copy) == pytest.approx(local, rel=1e-9)
    assert objectives(repo_copy)["tiny"] == pytest.approx(150.93498019705828, rel=1e-6)
    assert objectives(repo_copy)["tiny_no_presolve"] == pytest.approx(150.93498019705828, rel=1e-6)
    # dearer fuel cannot make the optimum cheaper
    assert objectives(repo_copy)["tiny_dear_gas"] > objectives(repo_copy)["tiny"] + 1
