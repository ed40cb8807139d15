# Helpers for the rules: scenario lookup, parameter functions, the code hash. No rules here.

import difflib
import functools
import importlib.util
import json
import os
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.logging import logger

ROOT = Path(workflow.basedir)


wildcard_constraints:
    scenario=sweeps.SCENARIO_NAME,  # `[a-z0-9][a-z0-9_.=-]*`: sweep members are `a__b=0.5`


def _load_code_hash():
    """esmflow/code_hash.py, loaded by path: importing the esmflow package here would be slow."""
    spec = importlib.util.spec_from_file_location(
        "esmflow_code_hash", ROOT / "esmflow" / "code_hash.py"
    )
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


_CODE_HASH = _load_code_hash()


@functools.cache
def code_hash(script: str) -> str:
    """Hash of what a script runs: itself, `_job.py`, the esmflow modules it imports, the math.

    Snakemake does not notice edits to an imported package, so every rule takes the hash of the
    code it runs as a param (`code=code_hash("scripts/x.py")`): an edit to a plotting module
    re-runs the postprocessing only, an edit to the math or the engine the build and what follows.
    Same function as the provenance record's (`esmflow.code_hash`).
    """
    return _CODE_HASH.script_code_hash(ROOT / script, ROOT / "esmflow")


def selected_scenarios() -> list[str]:
    """`run.scenarios`, each checked to exist with a model file that exists."""
    problems = []
    names = list(config["run"].get("scenarios") or [])
    for name in names:
        if name not in config["scenarios"]:
            close = difflib.get_close_matches(name, list(config["scenarios"]), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(
                f"run.scenarios: '{name}' is not a key of `scenarios:`.{hint}"
            )
        elif not (ROOT / config["scenarios"][name]["model"]).is_file():
            problems.append(
                f"scenarios.{name}.model: file not found: {config['scenarios'][name]['model']}"
            )
    if not names:
        problems.append("run.scenarios is empty: name at least one scenario to run.")
    if problems:
        raise WorkflowError(
            "Invalid workflow configuration:\n  " + "\n  ".join(problems)
        )
    return names


def scenario_config(name: str) -> dict:
    """The scenario's settings (schema defaults already filled in at load time)."""
    return config["scenarios"][name]


def from_scenario(*keys: str):
    """A `params:` function returning `scenario_config(wildcards.scenario)[keys[0]][keys[1]]…`."""

    def lookup(wildcards):
        value = scenario_config(wildcards.scenario)
        for key in keys:
            value = value[key]
        return value

    return lookup


def scenario_set(wildcards) -> dict:
    """The scenario's `set` values; an `operate_from` scenario runs in operate mode."""
    values = dict(scenario_config(wildcards.scenario)["set"])
    if scenario_config(wildcards.scenario).get("operate_from"):
        values.setdefault("config.init.mode", "operate")
    return values


def model_inputs(wildcards) -> str:
    """The inputs the model is built from: with a plan's capacities for `operate_from`."""
    if scenario_config(wildcards.scenario).get("operate_from"):
        return f"results/{wildcards.scenario}/operate_inputs.nc"
    return f"results/{wildcards.scenario}/model_inputs.nc"


def plan_solution(wildcards) -> str:
    """The solution of the plan scenario an operate scenario takes its capacities from."""
    plan = scenario_config(wildcards.scenario).get("operate_from")
    if plan not in config["scenarios"]:
        close = difflib.get_close_matches(str(plan), list(config["scenarios"]), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise WorkflowError(
            f"scenarios.{wildcards.scenario}.operate_from: '{plan}' is not a scenario.{hint}"
        )
    if plan == wildcards.scenario:
        raise WorkflowError(
            f"scenarios.{wildcards.scenario}.operate_from names the scenario itself"
        )
    return f"results/{plan}/solution.nc"


# --- Calliope 0.6 models: converted on the fly (rules/convert.smk) ----------------------------
CALLIOPE06_MARKERS = ("model", "run", "locations", "links", "tech_groups")
CALLIOPE07_MARKERS = ("config", "nodes", "data_tables", "templates", "data_definitions")


def is_calliope06(path) -> bool:
    """Same test as `esmflow.io.calliope06.detect.is_calliope06` (importing esmflow is slow)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    if not isinstance(data, dict):
        return False
    keys = {str(key).split(".")[0] for key in data}
    return bool(keys & set(CALLIOPE06_MARKERS)) and not keys & set(CALLIOPE07_MARKERS)


def configured_model(wildcards) -> str:
    """The model file the scenario names (Calliope 0.7 format, or 0.6)."""
    return scenario_config(wildcards.scenario)["model"]


def converted_model(wildcards) -> str:
    """Where a scenario's Calliope 0.6 model is converted to."""
    return f"results/{wildcards.scenario}/converted/model.yaml"


def model_file(wildcards) -> str:
    """The scenario's model YAML file: as configured, or its conversion if it is Calliope 0.6."""
    if is_calliope06(ROOT / configured_model(wildcards)):
        return converted_model(wildcards)
    return configured_model(wildcards)


def configured_model_data_files(wildcards) -> list[str]:
    """The data of the configured model file (for the conversion of a 0.6 model)."""
    return _data_files_beside(configured_model(wildcards))


def model_data_files(wildcards) -> list[str]:
    """Every YAML and CSV file beside (or below) the model file: the model's data.

    Listed as inputs so that editing any of them re-runs the scenario. Files a model imports from
    outside its folder are not tracked (use `--forcerun prepare_inputs` after editing those).
    A model file directly in the workflow folder only tracks itself (the `model` input).
    A converted 0.6 model's data are tracked by the conversion (rules/convert.smk).
    """
    if is_calliope06(ROOT / configured_model(wildcards)):
        return []
    return _data_files_beside(model_file(wildcards))


def _data_files_beside(model_path: str) -> list[str]:
    model = (ROOT / model_path).resolve()
    folder = model.parent
    if folder == ROOT.resolve():
        return []
    files = (
        path
        for path in folder.rglob("*")
        if path.suffix in (".yaml", ".yml", ".csv")
        and path.is_file()
        and path != model
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )
    return sorted(os.path.relpath(path, ROOT.resolve()) for path in files)


def custom_constraints_file(wildcards) -> list[str]:
    """The scenario's custom constraints file (Pyomo backend), if any: editing it re-runs the solve."""
    path = scenario_config(wildcards.scenario).get("custom_constraints")
    return [path] if path else []


def solver_threads(wildcards) -> int:
    """Threads of the solve job: the scenario's `solver.threads`, else every core of the run."""
    return int(
        scenario_config(wildcards.scenario)["solver"].get("threads") or workflow.cores
    )


# The solve's memory: a base for Python and the libraries plus a share per nonzero of the program's
# constraint matrix (linopy's arrays, HiGHS's copy of the matrix and its presolved copy), doubled
# on each retry. Calibrate on your models with `max_rss` of benchmarks/{scenario}/solve_model.tsv.
SOLVE_BASE_MB = 1000
SOLVE_MB_PER_NONZERO = 0.0005  # 500 bytes


def program_size(path) -> dict:
    """{variables, constraints, nonzeros} of a built program, as build_model stored it."""
    import netCDF4  # only when a solve job is about to be scheduled

    with netCDF4.Dataset(path, mode="r") as stored:
        return json.loads(stored.groups["esmflow"].getncattr("program_size"))


def solve_memory(wildcards, input, attempt) -> int:
    """MB for the solve job, from the size of the program build_model wrote, more on each retry.

    Evaluated when the solve is about to be submitted (before, the program does not exist and a
    dry run shows <TBD>).
    """
    nonzeros = program_size(input.program)["nonzeros"]
    return int((SOLVE_BASE_MB + SOLVE_MB_PER_NONZERO * nonzeros) * attempt)


def build_memory(wildcards, input, attempt) -> int:
    """MB for the build job: a multiple of the model inputs' size, more on each retry."""
    return int(max(2000, 40 * input.size_mb) * attempt)


def scenario_settings(wildcards) -> dict:
    """The scenario's settings without its `description`: editing the text re-writes the overview
    page (rule `overview`) and re-runs nothing else."""
    settings = dict(scenario_config(wildcards.scenario))
    settings.pop("description", None)
    return settings


def scenario_description(wildcards) -> str:
    return str(scenario_config(wildcards.scenario).get("description") or "")


def rule_code_hashes(wildcards) -> dict:
    """The code hash of every step that makes the scenario's results (its provenance)."""
    steps = ["prepare_inputs", "compute_distances", "cluster_time"]
    if is_calliope06(ROOT / configured_model(wildcards)):
        steps.insert(0, "convert_v06")
    if scenario_config(wildcards.scenario).get("operate_from"):
        steps.append("operate_inputs")
    steps += ["build_model", "solve_model", "postprocess"]
    return {step: code_hash(f"scripts/{step}.py") for step in steps}


def run_summary(scenarios: list[str]) -> str:
    """What every scenario left behind, for the end of a run: its warnings, or why it failed.

    Read from the files the rules write (`solve_status.yaml` lists the warnings of all steps;
    `diagnosis.txt` explains a model step that stopped), so it is cheap and needs no esmflow.
    """
    blocks = []
    for name in scenarios:
        status = Path(expand(rules.solve_model.output.status, scenario=name)[0])
        diagnosis = status.parent / "diagnosis.txt"
        try:
            if diagnosis.is_file():
                text = diagnosis.read_text().rstrip().splitlines()
                shown = "\n    ".join(text[:25] + (["…"] if len(text) > 25 else []))
                earlier = (
                    f"\n  (files in {status.parent}/ from an earlier successful run are kept;"
                    " they do not reflect this run)"
                    if status.parent.joinpath("results.nc").is_file()
                    else ""
                )
                blocks.append(
                    f"scenario {name} FAILED — {diagnosis}:\n    {shown}{earlier}"
                )
            elif status.is_file():
                records = (yaml.safe_load(status.read_text()) or {}).get(
                    "warnings"
                ) or []
                if records:
                    lines = [
                        f"[{record.get('stage', '?')}] {record.get('message', record)}"
                        for record in records
                    ]
                    blocks.append(
                        f"scenario {name}: {len(records)} warning(s) (listed in {status}):\n  - "
                        + "\n  - ".join(lines)
                    )
        except (OSError, yaml.YAMLError, AttributeError) as err:
            blocks.append(
                f"scenario {name}: could not read {status} or {diagnosis}: {err}"
            )
    return "\n".join(blocks)


def log_run_summary() -> None:
    """Print `run_summary` at the end of a run (never fails the run itself)."""
    # A summary must never turn a finished run into an error, whatever goes wrong in it.
    try:
        summary = run_summary(selected_scenarios())
    except Exception as err:
        summary = f"(no run summary: {err})"
    if summary:
        logger.warning(f"\n{summary}")
