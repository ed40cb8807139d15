"""The workflow config: the committed default and every scenario validate; typos are errors."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import update_config, validate

from esmflow.io.read_model import read_model

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = str(ROOT / "config" / "schema.yaml")


def load(path: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / path).read_text())


@pytest.fixture
def config() -> dict[str, Any]:
    return load("config/config.yaml")


def test_default_config_validates_and_its_models_exist(config: dict[str, Any]) -> None:
    validate(config, SCHEMA)
    assert config["run"]["scenarios"], "rule all needs at least one scenario"
    for name in config["run"]["scenarios"]:
        assert name in config["scenarios"]
    for name, scenario in config["scenarios"].items():
        assert (ROOT / scenario["model"]).is_file(), f"scenario {name}: {scenario['model']} missing"


@pytest.mark.parametrize("name", sorted(load("config/config.yaml")["scenarios"]))
def test_every_scenario_reads_its_model(name: str) -> None:
    # the overrides and set keys a scenario names exist in its model file
    scenario = load("config/config.yaml")["scenarios"][name]
    overrides = scenario.get("overrides", [])
    definition = read_model(ROOT / scenario["model"], overrides, scenario.get("set", {}))
    assert len(definition.applied_overrides) >= len(overrides)


def test_every_scenario_gets_the_defaults(config: dict[str, Any]) -> None:
    validate(config, SCHEMA)
    for scenario in config["scenarios"].values():
        assert scenario["backend"] in (None, "highs")  # None: the model file chooses
        assert isinstance(scenario["overrides"], list) and isinstance(scenario["set"], dict)
        assert scenario["solver"]["name"] == "highs" and scenario["solver"]["threads"] >= 1


def test_tiny_test_config_merges_over_the_default(config: dict[str, Any]) -> None:
    update_config(config, load("tests/config.tiny.yaml"))
    validate(config, SCHEMA)
    assert config["run"]["scenarios"] == ["tiny"]
    assert config["scenarios"]["tiny"]["solver"]["threads"] == 2
    assert config["scenarios"]["tiny"]["overrides"] == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["scenarios"]["national_week"].update(solvr={}), "solvr"),
        (lambda c: c["scenarios"]["national_week"]["solver"].update(thread=2), "thread"),
        (lambda c: c["run"].update(scenario=["x"]), "scenario"),
        (lambda c: c["scenarios"]["national_week"].update(backend="gurobi"), "gurobi"),
        (lambda c: c["scenarios"]["national_week"]["solver"].update(threads=0), "minimum"),
        (lambda c: c["scenarios"].update({"Bad Name": {"model": "m.yaml"}}), "Bad Name"),
        (lambda c: c["scenarios"].update({"no_model": {}}), "model"),
        (lambda c: c["scenarios"]["national_week"]["set"].update({"a..b": 1}), "a..b"),
    ],
)
def test_a_mistake_is_an_error_that_names_it(config: dict[str, Any], change, message: str) -> None:
    broken = copy.deepcopy(config)
    change(broken)
    with pytest.raises(WorkflowError) as error:
        validate(broken, SCHEMA)
    assert message in str(error.value)


def test_every_schema_key_is_described() -> None:
    schema = load("config/schema.yaml")

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                assert node.get("additionalProperties") is False, f"{path}: additionalProperties"
            for key, sub in (node.get("properties") or {}).items():
                assert "description" in sub or "$ref" in sub, f"{path}.{key}: no description"
            for key, sub in node.items():
                walk(sub, f"{path}.{key}")

    walk(schema, "schema")


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        match = re.fullmatch(r"\s*-?\s*([A-Za-z0-9_.\-]+)==(\S+)\s*", line)
        if match:
            pins[match[1].lower()] = match[2]
    return pins


def test_pip_and_conda_pins_agree() -> None:
    requirements = _pins((ROOT / "envs" / "requirements.txt").read_text().splitlines())
    environment = load("envs/environment.yaml")
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert _pins(pip_section) == requirements
    assert "snakemake" in requirements and "snakefmt" in requirements


def test_snakefile_min_version_matches_the_pin() -> None:
    pinned = _pins((ROOT / "envs" / "requirements.txt").read_text().splitlines())["snakemake"]
    minimum = re.search(r'min_version\("([\d.]+)"\)', (ROOT / "Snakefile").read_text())[1]
    assert pinned.startswith(minimum)
