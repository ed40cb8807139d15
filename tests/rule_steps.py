"""The model steps of one scenario run here, one after the other, through the rule scripts' `main`.

What Snakemake would run for the scenario (prepare → distances → clustering → build → solve),
with the params the rules give the scripts, but without Snakemake or a second process: tests
compare a workflow's results with these, or look at the logs and files each step leaves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def run_rule_steps(
    folder: Path,
    scenario: str,
    model: Path,
    *,
    set_values: dict[str, Any],
    solver: dict[str, Any],
    backend: str | None,
) -> Path:
    """Run the steps under `folder` (results/<scenario>/, logs/<scenario>/); the results folder."""
    import build_model
    import cluster_time
    import compute_distances
    import prepare_inputs
    import solve_model
    from _job import parse_job

    out, logs = folder / "results" / scenario, folder / "logs" / scenario

    def job(rule: str, *args: str) -> object:
        return parse_job([*args, "--wildcards", f"scenario={scenario}"], rule=rule)

    params = {"model": str(model), "overrides": [], "set": set_values}
    prepare_inputs.main(
        job(
            "prepare_inputs",
            *("--output", f"inputs={out}/inputs.nc", "--log", f"{logs}/prepare_inputs.log"),
            *("--params", json.dumps(params)),
        )
    )
    compute_distances.main(
        job(
            "compute_distances",
            *("--input", f"inputs={out}/inputs.nc", "--output"),
            *(f"inputs={out}/inputs_with_distances.nc", f"distances={out}/distances.csv"),
            *("--log", f"{logs}/compute_distances.log"),
        )
    )
    cluster_time.main(
        job(
            "cluster_time",
            *("--input", f"inputs={out}/inputs_with_distances.nc"),
            *("--output", f"inputs={out}/model_inputs.nc", "--log", f"{logs}/cluster_time.log"),
            *("--params", json.dumps({"clustering": None})),
        )
    )
    build_model.main(
        job(
            "build_model",
            *("--input", f"inputs={out}/model_inputs.nc", "--output", f"program={out}/model.nc"),
            *("--log", f"{logs}/build_model.log"),
        )
    )
    solve_model.main(
        job(
            "solve_model",
            *("--input", f"program={out}/model.nc", f"inputs={out}/model_inputs.nc"),
            *("--output", f"solution={out}/solution.nc", f"status={out}/solve_status.yaml"),
            *("--log", f"python={logs}/solve_model.log", f"solver={logs}/solve_model_solver.log"),
            *("--params", json.dumps({"solver": solver, "backend": backend})),
        )
    )
    return out
