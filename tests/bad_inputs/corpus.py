"""The bad-input corpus: a valid base model and one small patch per malformed case.

A case is a YAML file in `cases/` (see README.md for the keys). `materialise` copies the base
model into a folder and applies the case's patch; `run_prepare_inputs` runs the workflow's
`prepare_inputs` rule script on it, with a fake job, as Snakemake would.
"""

from __future__ import annotations

import logging
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import prepare_inputs as prepare_inputs_script  # the rule script (scripts/ on sys.path: conftest)
import yaml

from esmflow.io.yaml_files import dump_yaml, parse_yaml, set_dotted

CORPUS = Path(__file__).parent
BASE = CORPUS / "base"
CASES = CORPUS / "cases"
CASE_KEYS = {
    "description",
    "set",
    "delete",
    "replace",
    "files",
    "overrides",
    "expect",
    "file",
}


@dataclass(frozen=True)
class Case:
    """One malformed model: how to make it from the base, and what its message must say."""

    name: str
    description: str
    expect: tuple[str, ...]
    file: str = "model.yaml"
    set: dict[str, Any] = field(default_factory=dict)
    delete: tuple[str, ...] = ()
    replace: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    files: dict[str, str | None] = field(default_factory=dict)
    overrides: tuple[str, ...] = ()


def load_case(path: Path) -> Case:
    """Read one case file, checking its keys (a typo in a case would silently test nothing)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(raw) - CASE_KEYS
    if unknown:
        raise ValueError(f"{path.name}: unknown case keys {sorted(unknown)}")
    if not raw.get("expect") or not raw.get("description"):
        raise ValueError(f"{path.name}: a case needs `description` and `expect`")
    return Case(
        name=path.stem,
        description=str(raw["description"]),
        expect=tuple(str(word) for word in raw["expect"]),
        file=str(raw.get("file", "model.yaml")),
        set=dict(raw.get("set") or {}),
        delete=tuple(raw.get("delete") or ()),
        replace={
            name: [(str(old), str(new)) for old, new in pairs]
            for name, pairs in (raw.get("replace") or {}).items()
        },
        files=dict(raw.get("files") or {}),
        overrides=tuple(raw.get("overrides") or ()),
    )


def all_cases() -> list[Case]:
    """Every case of the corpus, by file name."""
    return [load_case(path) for path in sorted(CASES.glob("*.yaml"))]


def materialise(case: Case, folder: Path) -> Path:
    """The base model with the case's patch applied, in `folder`; returns the model file."""
    shutil.copytree(BASE, folder)
    for name, content in case.files.items():
        target = folder / name
        if content is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
    for name, pairs in case.replace.items():
        target = folder / name
        text = target.read_text(encoding="utf-8")
        for old, new in pairs:
            if old not in text:
                raise ValueError(f"{case.name}: '{old}' not found in {name}")
            text = text.replace(old, new, 1)
        target.write_text(text, encoding="utf-8")
    model_file = folder / "model.yaml"
    if case.set or case.delete:
        model = parse_yaml(model_file.read_text(encoding="utf-8"), str(model_file))
        for key, value in case.set.items():
            set_dotted(model, key, value)
        for key in case.delete:
            *parents, last = key.split(".")
            node = model
            for part in parents:
                node = node[part]
            del node[last]
        model_file.write_text(dump_yaml(model), encoding="utf-8")
    return model_file


def run_prepare_inputs(
    model_file: Path, output: Path, log: Path, overrides: tuple[str, ...] = ()
) -> None:
    """Run `scripts/prepare_inputs.py`'s `main` with a fake Snakemake job, then reset logging."""
    job = SimpleNamespace(
        input=[],
        output=_Log(inputs=str(output)),
        log=_Log(python=str(log)),
        params=SimpleNamespace(model=str(model_file), overrides=list(overrides), set={}),
        threads=1,
        wildcards=SimpleNamespace(scenario="case"),
        rule="prepare_inputs",
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        prepare_inputs_script.main(job)
    finally:
        sys.excepthook = sys.__excepthook__
        logging.captureWarnings(False)
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])


class _Log(list):
    """Log paths as Snakemake gives them: a list with names (`job.log.python`, `.get`)."""

    def __init__(self, **named: str) -> None:
        super().__init__(named.values())
        self._named = named

    def __getattr__(self, name: str) -> str:
        try:
            return self._named[name]
        except KeyError as err:
            raise AttributeError(name) from err

    def get(self, name: str, default: Any = None) -> Any:
        return self._named.get(name, default)
