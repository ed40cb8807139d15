"""Jobs submitted, tracked and collected as on a cluster, on this machine.

Snakemake's `cluster-generic` executor with our submit/status/cancel scripts
(profiles/cluster-generic-local/): each job is a separate background process in its own session,
its state in files; Snakemake learns a job's end only from the status script. Three scenarios of
the tiny test model run to their solve this way and must give the objectives a local run gives.
One job is killed while it runs, as a scheduler kills a job over its memory: the status script
must report it failed and Snakemake retry it (`retries: 1`) to a successful end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

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
KILLED = "tiny_dear_gas"  # the scenario whose first solve attempt is killed


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


def report(done: subprocess.CompletedProcess) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-8000:]}"


def objectives(folder: Path) -> dict[str, float]:
    return {
        name: yaml.safe_load((folder / "results" / name / "solve_status.yaml").read_text())[
            "objective"
        ]
        for name in SCENARIOS
    }


def kill_first_solve(queue: Path, stop: threading.Event, killed: list[str]) -> None:
    """Watch the queue; cancel the first solve_model job of KILLED as soon as it has started."""
    cancel = Path(__file__).resolve().parents[1] / "profiles/cluster-generic-local/cancel.sh"
    while not stop.is_set():
        for job in sorted(queue.glob("*")) if queue.is_dir() else []:
            script = job / "jobscript.sh"
            if (job / "pid").is_file() and script.is_file():
                text = script.read_text()
                if "solve_model" in text and f"scenario={KILLED}" in text:
                    env = {**os.environ, "ESMFLOW_QUEUE": str(queue)}
                    subprocess.run([str(cancel), job.name], env=env, check=True)
                    killed.append(job.name)
                    return
        time.sleep(0.05)


def test_three_scenarios_through_the_cluster_generic_executor(repo_copy: Path, tmp_path: Path):
    (repo_copy / "three.yaml").write_text(
        yaml.safe_dump({"run": {"scenarios": list(SCENARIOS)}, "scenarios": SCENARIOS})
    )
    local = tmp_path / "local"
    shutil.copytree(repo_copy, local, symlinks=True)
    done = snakemake(local, "--cores", "2")
    assert done.returncode == 0, report(done)

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
    retries = [
        job
        for job in jobs.values()
        if job != first
        and "solve_model" in (job / "jobscript.sh").read_text()
        and f"scenario={KILLED}" in (job / "jobscript.sh").read_text()
    ]
    assert len(retries) == 1, retries
    assert (retries[0] / "state").read_text().strip() == "success"
    assert (retries[0] / "exit_code").read_text().strip() == "0"
    assert "--attempt 2" in (retries[0] / "jobscript.sh").read_text()
    # every other job ended well
    others = [job for job in jobs.values() if job != first]
    assert all((job / "state").read_text().strip() == "success" for job in others)

    # collected results: what a local run gives
    assert objectives(repo_copy) == pytest.approx(objectives(local), rel=1e-9)
    assert objectives(repo_copy)["tiny"] == pytest.approx(150.93498019705828, rel=1e-6)
    assert objectives(repo_copy)["tiny_no_presolve"] == pytest.approx(150.93498019705828, rel=1e-6)
    # dearer fuel cannot make the optimum cheaper
    assert objectives(repo_copy)["tiny_dear_gas"] > objectives(repo_copy)["tiny"] + 1
