# Helpers for the rules: scenario lookup, parameter functions, the code hash. No rules here.

import difflib
import hashlib
import os
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.logging import logger

ROOT = Path(workflow.basedir)


wildcard_constraints:
    scenario=r"[a-z0-9_-]+",


def code_hash(package: Path) -> str:
    """sha256 over the package's Python and YAML sources (the math files included).

    Snakemake does not notice edits to an imported package, so rules that run model logic take
    this hash as a param: an edit to the engine or the math re-runs exactly those rules.
    Same as `esmflow.postprocess.provenance.code_hash`, which importing here would make every
    snakemake call slow (tests/test_workflow.py checks that both agree).
    """
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yaml", ".yml") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


ESMFLOW_CODE_HASH = code_hash(ROOT / "esmflow")


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


def solve_memory(wildcards, input, attempt) -> int:
    """MB for the solve job: a multiple of the stored program's size, more on each retry."""
    return int(max(2000, 10 * input.size_mb) * attempt)


def build_memory(wildcards, input, attempt) -> int:
    """MB for the build job: a multiple of the model inputs' size, more on each retry."""
    return int(max(2000, 40 * input.size_mb) * attempt)


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
