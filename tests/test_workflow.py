"""The Snakemake workflow: its DAG, its profiles, its lint, and a whole run on the tiny model.

Every run happens in a private copy of the repo (`repo_copy`), never in the developer's results/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr
import yaml

from esmflow.code_hash import script_code_hash
from esmflow.postprocess.provenance import code_hash, stored_record

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--configfile", "tests/config.tiny.yaml"]

# What a finished scenario leaves in results/{scenario}/.
# (`inputs.nc` is a temp() file: deleted once compute_distances has read it)
OUTPUTS = [
    "inputs_with_distances.nc",
    "distances.csv",
    "model_inputs.nc",
    "model.nc",
    "solution.nc",
    "solve_status.yaml",
    "results.nc",
    "summaries/capacities.csv",
    "summaries/costs_by_class.csv",
    "summaries/costs_by_tech.csv",
    "summaries/flows_by_carrier.csv",
    "plots/dispatch.png",
    "plots/capacity.png",
    "plots/clustering.png",
    "results_full_year.nc",
    "summaries/storage_levels.csv",
    "plots/storage.png",
    "plots/costs.png",
    "plots/prices.png",
    "plots/map.png",
    "plots/capacity_factors.png",
    "plots/duration_curves.png",
    "plots/explore.html",
    "plots/spores_capacities.png",
    "report/overview.html",
    "provenance/config.yaml",
]

pytestmark = pytest.mark.slow


def snakemake(
    folder: Path, *args: str, timeout: float = 600, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run the pinned Snakemake in `folder`; output captured for the assertion message."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )


def report(done: subprocess.CompletedProcess) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-6000:]}"


# Each kind of change → the rules a dry run then plans (after a complete run of the tiny model).
# Edits to esmflow change the code hash of the rules whose scripts import the edited module
# (esmflow/code_hash.py); everything downstream follows. `all` is the target rule.
AFTER_SOLVE = {
    "solve_model",
    "postprocess",
    "overview",
    "dump_provenance",
    "compare_scenarios",
    "summarise",
}
AFTER_BUILD = {"build_model", *AFTER_SOLVE}
EVERYTHING = {
    "prepare_inputs",
    "compute_distances",
    "cluster_time",
    "plot_clustering",
    *AFTER_BUILD,
}
RERUNS = {
    # the math: read by prepare_inputs (it resolves which math applies) and by the engine
    "esmflow/math/base.yaml": EVERYTHING | {"all"},
    # the engine: imported by the preprocessing too (checks of switches against the math)
    "esmflow/math/engine/build.py": EVERYTHING | {"all"},
    # the solver interface: build imports it through the modes (esmflow.modes.run)
    "esmflow/backends/highs.py": AFTER_BUILD | {"all"},
    "solver option": AFTER_SOLVE | {"all"},
    # plotting: only the postprocessing (and what reads results.nc)
    "esmflow/postprocess/dispatch.py": {
        "postprocess",
        "overview",
        "dump_provenance",
        "compare_scenarios",
        "summarise",
        "all",
    },
    # the figures' style: the clustering's figure too
    "esmflow/postprocess/figure_style.py": {"plot_clustering", *AFTER_SOLVE, "all"}
    - {"solve_model"},
    "esmflow/postprocess/overview.py": {"overview", "compare_scenarios", "all"},
    "description": {"overview", "all"},
}


def planned_after(repo: Path, change: str) -> set[str]:
    """The rules a dry run plans after `change` (a file of the repo edited, or a config change).

    The edit is undone afterwards: the same content gives the same code hash again.
    """
    configs = ["--configfile", "tests/config.tiny.yaml"]
    edited = repo / change
    original = edited.read_text() if edited.is_file() else None
    if original is not None:
        edited.write_text(original + "\n# an edit\n")
    elif change == "solver option":
        (repo / "change.yaml").write_text(
            "scenarios: {tiny: {solver: {options: {time_limit: 60}}}}"
        )
        configs.append("change.yaml")
    elif change == "description":
        (repo / "change.yaml").write_text("scenarios: {tiny: {description: Another text.}}")
        configs.append("change.yaml")
    try:
        done = snakemake(repo, "-n", *configs)
    finally:
        if original is not None:
            edited.write_text(original)
    assert done.returncode == 0, report(done)
    # the job table lists every planned job, those of group jobs included
    return set(re.findall(r"^(\w+) +\d+$", done.stdout, flags=re.MULTILINE)) - {"total"}


def test_dry_run_plans_every_step(repo_copy: Path) -> None:
    done = snakemake(repo_copy, "-n", *TINY)
    assert done.returncode == 0, report(done)
    for rule in (
        "prepare_inputs",
        "compute_distances",
        "cluster_time",
        "build_model",
        "solve_model",
        "postprocess",
        "dump_provenance",
    ):
        assert f"rule {rule}:" in done.stdout, rule


def test_default_config_dry_run(repo_copy: Path) -> None:
    done = snakemake(repo_copy, "-n")
    assert done.returncode == 0, report(done)


def test_slurm_profile_parses(repo_copy: Path) -> None:
    # the pinned SLURM executor plugin makes the profile's dry run work anywhere, with or without
    # SLURM_ACCOUNT (unset: no account, the plugin guesses one; set: passed on)
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLURM_")}
    done = snakemake(repo_copy, "-n", "--workflow-profile", "profiles/slurm", *TINY, env=env)
    assert done.returncode == 0, report(done)
    assert "slurm_account=," in done.stdout and "slurm_partition=," in done.stdout
    # every job but the local ones asks for memory and time; the solve's memory waits for the
    # built program (<TBD> in a dry run)
    jobs = re.findall(r"^(?:local)?rule (\w+):.*?resources: ([^\n]*)", done.stdout, re.M | re.S)
    assert {rule for rule, _ in jobs} >= {"build_model", "solve_model", "postprocess"}
    resources = dict(jobs)
    assert "mem_mb=<TBD>" in resources["solve_model"] and "runtime=120" in resources["solve_model"]
    assert "mem_mb=4000" in resources["postprocess"]
    env["SLURM_ACCOUNT"], env["SLURM_SOLVE_PARTITION"] = "abc", "bigmem"
    done = snakemake(repo_copy, "-n", "--workflow-profile", "profiles/slurm", *TINY, env=env)
    assert done.returncode == 0, report(done)
    assert "slurm_account=abc" in done.stdout and "slurm_partition=bigmem" in done.stdout


def test_lint_and_format() -> None:
    done = snakemake(ROOT, "--lint")
    assert done.returncode == 0, report(done)
    formatted = subprocess.run(
        [sys.executable, "-m", "snakefmt", "--check", "Snakefile", "rules/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert formatted.returncode == 0, formatted.stderr


def test_unknown_scenario_fails_before_any_job(repo_copy: Path) -> None:
    done = snakemake(repo_copy, "-n", "--config", "run={'scenarios': ['nationl_week']}")
    assert done.returncode != 0
    assert "Did you mean 'national_week'?" in done.stdout + done.stderr


def test_end_to_end_on_the_tiny_model(repo_copy: Path) -> None:
    done = snakemake(repo_copy, "--cores", "2", *TINY)
    assert done.returncode == 0, report(done)
    folder = repo_copy / "results" / "tiny"
    missing = [name for name in OUTPUTS if not (folder / name).is_file()]
    assert not missing, missing

    status = yaml.safe_load((folder / "solve_status.yaml").read_text())
    assert status["termination"] == "optimal" and status["warnings"] == []
    # Calliope 0.7.0 with HiGHS gives 150.93498019705828 for this model
    assert status["objective"] == pytest.approx(150.93498019705828, rel=1e-6)
    assert status["solver"] == "highs" and status["threads"] == 2

    with xr.open_dataset(folder / "results.nc") as results:
        assert {"sink_use_equals", "timestep_weights"} <= set(results.data_vars)  # inputs
        assert results["flow_cap"].attrs["is_result"] == 1  # results
        assert results["storage_cap"].sel(nodes="south", techs="battery") == pytest.approx(200.0)
        for attr in (
            "config",
            "model_files",
            "workflow_config",
            "package_versions",
            "git_commit",
            "esmflow_code_hash",
            "termination",
        ):
            assert attr in results.attrs, attr
        assert "model.yaml" in results.attrs["model_files"]
        record = stored_record(results.attrs)
    # results.nc and provenance/config.yaml: the same record, with the model files' hashes,
    # the solve's outcome and the code hash of each step
    assert yaml.safe_load((folder / "provenance" / "config.yaml").read_text()) == record
    assert record["solve"]["termination"] == "optimal"
    assert record["solve"]["objective"] == status["objective"]
    assert any(path.endswith("tiny/model.yaml") for path in record["model_files"])
    assert record["rule_code_hashes"]["solve_model"] == script_code_hash(
        repo_copy / "scripts" / "solve_model.py", repo_copy / "esmflow"
    )
    assert "description" not in record["config"]  # the overview page's, not the results'
    with xr.open_dataset(folder / "results.nc") as results:
        # the rules' code hash (rules/common.smk) is the library's
        assert results.attrs["esmflow_code_hash"] == code_hash(repo_copy / "esmflow")

    distances = (folder / "distances.csv").read_text()
    assert "north_to_south" in distances and "distance_km" in distances
    assert (folder / "plots" / "dispatch.png").read_bytes()[:4] == b"\x89PNG"
    assert (
        "Solving" in (repo_copy / "logs" / "tiny" / "solve_model_solver.log").read_text()
        or (repo_copy / "logs" / "tiny" / "solve_model_solver.log").stat().st_size > 0
    )

    again = snakemake(repo_copy, "-n", *TINY)
    assert again.returncode == 0, report(again)
    assert "Nothing to be done" in again.stdout + again.stderr, report(again)

    # the self-contained report with the plots builds offline
    built = snakemake(repo_copy, "--report", "results/report.html", *TINY)
    assert built.returncode == 0, report(built)
    assert (repo_copy / "results" / "report.html").stat().st_size > 10_000

    # what re-runs after each kind of change (the README's table): the dry run's job table
    for change, expected in RERUNS.items():
        assert planned_after(repo_copy, change) == expected, change

    # a warning (here an option HiGHS does not know) is listed in solve_status.yaml, in
    # results.nc and printed at the end of the run
    (repo_copy / "solver.yaml").write_text(
        "scenarios: {tiny: {solver: {options: {mip_rel_gp: 0.01}}}}"
    )
    warned = snakemake(
        repo_copy, "--cores", "2", "--configfile", "tests/config.tiny.yaml", "solver.yaml"
    )
    assert warned.returncode == 0, report(warned)
    status = yaml.safe_load((folder / "solve_status.yaml").read_text())
    assert [record["stage"] for record in status["warnings"]] == ["solve_model"]
    assert "mip_rel_gp" in status["warnings"][0]["message"]
    assert "scenario tiny: 1 warning(s)" in warned.stderr, report(warned)
    with xr.open_dataset(folder / "results.nc") as results:
        assert "mip_rel_gp" in results.attrs["warnings"]
    record = yaml.safe_load((folder / "provenance" / "config.yaml").read_text())
    assert record["solve"]["termination"] == "optimal" and record["solve"]["warnings"] == 1


def test_a_clustered_scenario_runs_end_to_end(repo_copy: Path) -> None:
    # the tiny model's two days clustered into one representative day (weight 2); storage is
    # tracked across both days; changing the clustering re-runs from cluster_time on
    def scenario(n_periods: int) -> str:
        return yaml.safe_dump(
            {
                "run": {"scenarios": ["tiny_clustered"]},
                "scenarios": {
                    "tiny_clustered": {
                        "model": "tests/data/tiny/model.yaml",
                        "clustering": {"n_periods": n_periods},
                        "solver": {"threads": 1},
                    }
                },
            }
        )

    (repo_copy / "clustered.yaml").write_text(scenario(1))
    done = snakemake(repo_copy, "--cores", "2", "--configfile", "clustered.yaml")
    assert done.returncode == 0, report(done)
    folder = repo_copy / "results" / "tiny_clustered"
    missing = [name for name in OUTPUTS if not (folder / name).is_file()]
    assert not missing, missing
    with xr.open_dataset(folder / "model_inputs.nc") as inputs:
        assert inputs.sizes["timesteps"] == 24 and inputs.sizes["datesteps"] == 2
        assert (inputs["timestep_weights"] == 2).all()
        assert "storage_inter_cluster" in inputs.attrs["math"]
    with xr.open_dataset(folder / "results_full_year.nc") as full:
        assert full.sizes["timesteps"] == 48
        assert float(full["storage"].sel(nodes="south", techs="battery").max()) > 0
    levels = (folder / "summaries" / "storage_levels.csv").read_text().splitlines()
    assert levels[0] == "timesteps,nodes,techs,storage" and len(levels) == 1 + 48

    (repo_copy / "clustered.yaml").write_text(scenario(2))
    changed = snakemake(repo_copy, "-n", "--configfile", "clustered.yaml")
    assert changed.returncode == 0, report(changed)
    # the job table (cluster_time runs in the group "prep", shown apart from other rules)
    planned = set(re.findall(r"^(\w+) +\d+$", changed.stdout, flags=re.MULTILINE)) - {"total"}
    assert planned == {
        "cluster_time",
        "plot_clustering",
        "build_model",
        "solve_model",
        "postprocess",
        "overview",
        "dump_provenance",
        "compare_scenarios",
        "summarise",
        "all",
    }, report(changed)


def test_bad_model_stops_in_prepare_inputs(repo_copy: Path) -> None:
    model = repo_copy / "tests" / "data" / "tiny" / "model.yaml"
    model.write_text(
        model.read_text().replace("    flow_out_eff: 0.5\n", "    flow_out_eff: -0.5\n")
    )
    done = snakemake(repo_copy, "results/tiny/inputs.nc", "--cores", "1", *TINY)
    assert done.returncode != 0
    log = (repo_copy / "logs" / "tiny" / "prepare_inputs.log").read_text()
    assert "ModelError" in log and "flow_out_eff" in log and "Traceback" not in log
    assert not (repo_copy / "results" / "tiny" / "inputs.nc").exists()


def test_infeasible_model_fails_the_solve_with_a_diagnosis(repo_copy: Path) -> None:
    # 1 kW of gas and no solar cannot meet a 30 kW demand, and unmet demand is not allowed
    (repo_copy / "infeasible.yaml").write_text(
        yaml.safe_dump(
            {
                "run": {"scenarios": ["tiny_infeasible"]},
                "scenarios": {
                    "tiny_infeasible": {
                        "model": "tests/data/tiny/model.yaml",
                        "set": {"techs.gas.flow_cap_max": 1, "techs.solar.flow_cap_max": 0},
                    }
                },
            }
        )
    )
    done = snakemake(repo_copy, "--cores", "1", "--configfile", "infeasible.yaml")
    assert done.returncode != 0
    log = (repo_copy / "logs" / "tiny_infeasible" / "solve_model.log").read_text()
    assert "ModelError" in log and "infeasible" in log
    folder = repo_copy / "results" / "tiny_infeasible"
    assert not (folder / "solution.nc").exists() and not (folder / "solve_status.yaml").exists()
    # nothing that looks like a finished scenario: no results, no provenance record
    assert not (folder / "results.nc").exists()
    assert not (folder / "provenance" / "config.yaml").exists()
    # the diagnosis stays (Snakemake deletes only declared outputs) and names the bound
    diagnosis = (folder / "diagnosis.txt").read_text()
    assert diagnosis.startswith("Scenario 'tiny_infeasible' stopped in solve_model")
    assert "at most 1 (flow_cap_max = 1)" in diagnosis, diagnosis
    # and the end of the run points to it
    assert "scenario tiny_infeasible FAILED" in done.stdout + done.stderr, report(done)
