"""Read a Calliope 0.6 model: its YAML with imports, its overrides and scenarios.

0.6 merged imported files under the importing one (the importing file wins), wrote dotted keys
and several locations in one key (`"region1-1, region1-2": {...}`), and applied an override by
merging it over the whole model. Scenarios are lists of overrides (a comma-separated string
in 0.6 too). Nothing here knows esmflow's format.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from esmflow.errors import ModelError, closest_name
from esmflow.io.calliope06.names import split_list_key
from esmflow.io.yaml_files import expand_dotted, merge, read_yaml_file

TOP_LEVEL = (
    "model",
    "run",
    "techs",
    "tech_groups",
    "locations",
    "links",
    "group_constraints",
    "overrides",
    "scenarios",
    "import",
)


@dataclass(frozen=True)
class Source06:
    """A 0.6 model after imports: the model, its overrides and scenarios, and where it lives."""

    path: Path
    model: dict[str, Any]
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    scenarios: dict[str, list[str]] = field(default_factory=dict)

    def with_overrides(self, names: list[str]) -> dict[str, Any]:
        """The model with the named overrides (scenarios expanded) merged over it, in order."""
        model = copy.deepcopy(self.model)
        for name in self.expand(names):
            model = merge_06(model, self.overrides[name])
        return model

    def expand(self, names: list[str], stack: tuple[str, ...] = ()) -> list[str]:
        """Override names with every scenario replaced by its overrides."""
        expanded: list[str] = []
        for name in names:
            if name in self.scenarios and name not in stack:
                expanded += self.expand(self.scenarios[name], (*stack, name))
            elif name in self.overrides:
                expanded.append(name)
            else:
                known = [*self.overrides, *self.scenarios]
                raise ModelError(
                    f"Unknown override or scenario '{name}'",
                    file=str(self.path),
                    key_path=f"scenarios.{stack[-1]}" if stack else "overrides",
                    expected=", ".join(known) or "none defined",
                    got=name,
                    closest=closest_name(name, known),
                )
        return expanded


def merge_06(base: Mapping[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """0.6's merge of an override: nested keys merged, leaves replaced; location lists split."""
    return merge(_split_location_lists(base), _split_location_lists(expand_dotted(dict(other))))


def read_source(path: str | Path) -> Source06:
    """Read the 0.6 model file and everything it imports."""
    model_path = Path(path).resolve()
    if not model_path.is_file():
        raise ModelError("Model file not found", file=str(model_path))
    data = _read_with_imports(model_path, ())
    overrides = data.pop("overrides", None) or {}
    scenarios = data.pop("scenarios", None) or {}
    if not isinstance(overrides, Mapping):
        raise ModelError(
            "`overrides` must be a mapping", file=str(model_path), key_path="overrides"
        )
    if not isinstance(scenarios, Mapping):
        raise ModelError(
            "`scenarios` must be a mapping", file=str(model_path), key_path="scenarios"
        )
    problems = [key for key in data if key not in TOP_LEVEL]
    if problems:
        raise ModelError(
            f"Unknown top-level key '{problems[0]}' in a Calliope 0.6 model",
            file=str(model_path),
            key_path=str(problems[0]),
            expected=", ".join(TOP_LEVEL),
            closest=closest_name(str(problems[0]), TOP_LEVEL),
        )
    for name, override in overrides.items():
        if not isinstance(override, Mapping):
            raise ModelError(
                "An override must be a mapping of keys to new values",
                file=str(model_path),
                key_path=f"overrides.{name}",
                got=repr(override),
            )
    return Source06(
        path=model_path,
        model=_split_location_lists(data),
        overrides={str(k): dict(v) for k, v in overrides.items()},
        scenarios={str(k): _scenario_list(k, v, model_path) for k, v in scenarios.items()},
    )


def _scenario_list(name: Any, value: Any, path: Path) -> list[str]:
    if isinstance(value, str):
        return split_list_key(value)
    if isinstance(value, list):
        return [str(item) for item in value]
    raise ModelError(
        "A scenario is a list of override names",
        file=str(path),
        key_path=f"scenarios.{name}",
        got=repr(value),
    )


def _read_with_imports(path: Path, stack: tuple[Path, ...]) -> dict[str, Any]:
    if path in stack:
        raise ModelError("Circular import", file=str(path), key_path="import")
    data = read_yaml_file(path)
    imports = data.pop("import", None) or []
    if isinstance(imports, str):
        imports = [imports]
    merged: dict[str, Any] = {}
    for entry in imports:
        imported = (path.parent / str(entry)).resolve()
        if not imported.is_file():
            raise ModelError(
                "Imported file not found",
                file=str(path),
                key_path="import",
                got=str(entry),
                expected=f"a path relative to {path.parent}",
            )
        merged = merge(merged, _read_with_imports(imported, (*stack, path)))
    return merge(merged, data)


def _split_location_lists(data: Mapping[str, Any]) -> dict[str, Any]:
    """`locations: {"a, b": {...}}` → the same settings under `a` and under `b`."""
    result = dict(data)
    locations = result.get("locations")
    if isinstance(locations, Mapping):
        split: dict[str, Any] = {}
        for key, value in locations.items():
            for name in split_list_key(str(key)):
                split = (
                    merge(split, {name: copy.deepcopy(value)})
                    if value is not None
                    else ({**split, name: split.get(name)})
                )
        result["locations"] = split
    return result
