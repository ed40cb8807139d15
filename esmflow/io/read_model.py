"""Read a Calliope 0.7 model definition: imports, overrides/scenarios, `set` values.

The order of priority is Calliope's: the files (the model file over what it imports), then the
named overrides in the order given (a scenario expands to its list of overrides), then `set_values`
last. Templates and data tables are left for `prepare_inputs`, so an override may still change a
template or a table's definition.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from esmflow.errors import ModelError, closest_name
from esmflow.io.yaml_files import (
    expand_dotted,
    merge,
    read_yaml_file,
    set_dotted,
    sha256_of,
    union_no_overlap,
)


@dataclass(frozen=True)
class ModelDefinition:
    """A model's YAML after imports, overrides and `set` values, plus what was read to get it.

    `data` still holds `templates:` and `data_tables:` unexpanded; `prepare_inputs` turns it into the
    inputs Dataset. `files` maps every YAML file read (absolute paths) to its sha256, for
    provenance; `prepare_inputs` adds the CSV and user math files it reads to the inputs'
    `model_files` attribute. `introduced` names the techs and nodes that an override added
    (`techs.X` → (override, file defining it)), so that a misspelt name in an override is reported
    as such rather than as a new, incomplete tech.
    """

    path: Path
    data: dict[str, Any]
    applied_overrides: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)
    introduced: dict[str, tuple[str, str]] = field(default_factory=dict)


def read_model(
    path: str | Path,
    overrides: list[str] | tuple[str, ...] = (),
    set_values: dict[str, Any] | None = None,
) -> ModelDefinition:
    """Read `path`, merge its imports, apply the named overrides/scenarios in order, then `set_values`.

    Parameters
    ----------
    path
        The model YAML file; `import:` entries are relative to the file that names them.
    overrides
        Names of entries of the model's `overrides:` or `scenarios:` sections, applied in order.
        A scenario is a list of override (or scenario) names.
    set_values
        Dotted keys and their values (``{"config.init.subset.timesteps": None}``), applied last.

    Raises
    ------
    ModelError
        A missing or unparsable file, an import clash or an unknown override name.
    """
    model_path = Path(path).resolve()
    files: dict[str, str] = {}
    origins: dict[str, str] = {}
    data = _read_with_imports(model_path, files, stack=(), origins=origins)
    if not data:
        raise ModelError(
            "The model file is empty",
            file=str(model_path),
            expected="a model definition: `techs:`, `nodes:`, `data_tables:`, `config:` …",
        )
    override_defs = _section(data.pop("overrides", None), "overrides", origins, model_path)
    scenario_defs = _section(data.pop("scenarios", None), "scenarios", origins, model_path)
    names = _expand_override_names(
        list(overrides), override_defs, scenario_defs, origins=origins, model_path=model_path
    )
    introduced: dict[str, tuple[str, str]] = {}
    for name in names:
        override = override_defs[name]
        origin = origins.get(f"overrides.{name}", str(model_path))
        if not isinstance(override, Mapping):
            raise ModelError(
                "An override must be a mapping of keys to new values",
                file=origin,
                key_path=f"overrides.{name}",
                got=repr(override),
            )
        override = _resolve_override_imports(dict(override), model_path, files, name)
        introduced.update(_new_entries(data, override, name, origin))
        data = merge(data, override)
    for key, value in (set_values or {}).items():
        try:
            set_dotted(data, str(key), expand_dotted(copy.deepcopy(value)))
        except ModelError as err:
            raise ModelError(
                f"A `set` value for this model does not fit it: {err.problems[0].message}",
                file=str(model_path),
                key_path=str(key),
                got=err.got,
            ) from err
    return ModelDefinition(model_path, data, tuple(names), files, introduced)


def _section(value: Any, name: str, origins: dict[str, str], model_path: Path) -> dict[str, Any]:
    """`overrides:` or `scenarios:` as a mapping (a ModelError naming its file otherwise)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ModelError(
            f"`{name}` must be a mapping of names to definitions",
            file=origins.get(name, str(model_path)),
            key_path=name,
            got=repr(value),
        )
    return dict(value)


def _new_entries(
    data: Mapping[str, Any], override: Mapping[str, Any], name: str, origin: str
) -> dict[str, tuple[str, str]]:
    """`techs.X` / `nodes.X` keys that the override adds to the model (not defined before it)."""
    added: dict[str, tuple[str, str]] = {}
    for section in ("techs", "nodes"):
        existing, changes = data.get(section), override.get(section)
        if not isinstance(changes, Mapping):
            continue
        for entry in changes:
            if not isinstance(existing, Mapping) or entry not in existing:
                added[f"{section}.{entry}"] = (name, origin)
    return added


def _read_with_imports(
    path: Path,
    files: dict[str, str],
    stack: tuple[Path, ...],
    origins: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Read `path` and, depth first, the files it imports; the importing file's keys must be new.

    `origins` collects which file defines `overrides`, `scenarios` and each entry of them, so
    that errors about an override name its file.
    """
    if path in stack:
        chain = " → ".join(p.name for p in (*stack, path))
        raise ModelError("Circular import", file=str(path), key_path="import", got=chain)
    data = read_yaml_file(path)
    files[str(path)] = sha256_of(path)
    if origins is not None:
        for section in ("overrides", "scenarios"):
            if isinstance(data.get(section), Mapping):
                origins.setdefault(section, str(path))
                for entry in data[section]:
                    origins.setdefault(f"{section}.{entry}", str(path))
    imports = data.pop("import", None) or []
    if isinstance(imports, str):
        imports = [imports]
    if not isinstance(imports, list):
        raise ModelError("`import` must be a list of file paths", file=str(path), key_path="import")
    for entry in imports:
        imported_path = (path.parent / str(entry)).resolve()
        if not imported_path.is_file():
            raise ModelError(
                "Imported file not found",
                file=str(path),
                key_path="import",
                got=str(entry),
                expected=f"a path relative to {path.parent}",
            )
        imported = _read_with_imports(imported_path, files, (*stack, path), origins)
        data = union_no_overlap(data, imported, source=str(imported_path))
    return data


def _resolve_override_imports(
    override: dict[str, Any], model_path: Path, files: dict[str, str], name: str
) -> dict[str, Any]:
    """An override may `import:` files too (relative to the model file); they sit under it."""
    imports = override.pop("import", None) or []
    for entry in [imports] if isinstance(imports, str) else imports:
        imported_path = (model_path.parent / str(entry)).resolve()
        if not imported_path.is_file():
            raise ModelError(
                "Imported file not found",
                file=str(model_path),
                key_path=f"overrides.{name}.import",
                got=str(entry),
            )
        override = merge(_read_with_imports(imported_path, files, (model_path,)), override)
    return override


def _expand_override_names(
    requested: Sequence[str],
    override_defs: Mapping[str, Any],
    scenario_defs: Mapping[str, Any],
    stack: tuple[str, ...] = (),
    *,
    origins: Mapping[str, str],
    model_path: Path,
) -> list[str]:
    """Expand scenario names into override names, keeping the order given."""
    names: list[str] = []
    where = origins.get(f"scenarios.{stack[-1]}") if stack else None
    for requested_name in requested:
        for name in (
            str(requested_name).split(",") if "," in str(requested_name) else [requested_name]
        ):
            name = str(name).strip()
            if name in scenario_defs:
                if name in stack:
                    raise ModelError(
                        "A scenario refers to itself",
                        file=origins.get(f"scenarios.{name}", str(model_path)),
                        key_path=f"scenarios.{name}",
                        got=" → ".join((*stack, name)),
                    )
                members = scenario_defs[name]
                if isinstance(members, str | int | float):
                    members = [members]
                if not isinstance(members, list | tuple | type(None)):
                    raise ModelError(
                        "A scenario is a list of override (or scenario) names",
                        file=origins.get(f"scenarios.{name}", str(model_path)),
                        key_path=f"scenarios.{name}",
                        got=repr(members),
                    )
                names.extend(
                    _expand_override_names(
                        [str(member) for member in members or []],
                        override_defs,
                        scenario_defs,
                        (*stack, name),
                        origins=origins,
                        model_path=model_path,
                    )
                )
            elif name in override_defs:
                names.append(name)
            else:
                known = [*override_defs, *scenario_defs]
                raise ModelError(
                    f"Unknown override or scenario '{name}'",
                    file=where or origins.get("overrides") or str(model_path),
                    key_path=f"scenarios.{stack[-1]}" if stack else "overrides",
                    expected="a name defined under `overrides:` or `scenarios:` ("
                    + (", ".join(sorted(known)) or "none defined")
                    + ")",
                    got=name,
                    closest=closest_name(name, known),
                )
    return names
