"""Read model YAML the way Calliope 0.7 does, and merge nested mappings with its rules.

Calliope reads YAML 1.2 (ruamel): `1e6` is a number, `yes`/`no` and unquoted dates stay strings.
PyYAML's safe loader follows YAML 1.1, so we swap in 1.2-style resolvers for floats, booleans
and timestamps. Dotted keys (`config.init.name: x`) are nested mappings in Calliope's
`AttrDict`; `expand_dotted` does the same, and `merge` reproduces `AttrDict.union`: leaves of
`other` overwrite, a `null` never wipes a whole sub-mapping, and `key._REPLACE_: value` replaces
`key` as a whole.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from esmflow.errors import ModelError

REPLACE_KEY = "_REPLACE_"


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when available


class _ModelYamlLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """Safe loader with YAML 1.2 core-schema scalars (as Calliope's ruamel reader)."""


_YAML11_ONLY = {
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:int",
}
_ModelYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag not in _YAML11_ONLY]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ModelYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_ModelYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9][0-9_]*|0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_ModelYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def parse_yaml(text: str, source: str) -> dict[str, Any]:
    """Parse YAML text into a dict with dotted keys expanded; errors name the file and line."""
    try:
        data = yaml.load(text, Loader=_ModelYamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ModelError(f"Could not parse YAML{where}: {problem}", file=source) from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ModelError(
            "A model YAML file must hold a mapping at its top level",
            file=source,
            got=type(data).__name__,
        )
    return expand_dotted(data)


def dump_yaml(data: Mapping[str, Any]) -> str:
    """YAML text of plain data (keys in order; `.inf`/`.nan` read back as numbers by `parse_yaml`)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(dict(data), Dumper=dumper, sort_keys=False, allow_unicode=True)


def read_yaml_file(path: Path) -> dict[str, Any]:
    """Read one YAML file (no imports resolved); a missing file is a ModelError."""
    if not path.is_file():
        raise ModelError("YAML file not found", file=str(path))
    return parse_yaml(path.read_text(encoding="utf-8"), source=str(path))


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes, for the provenance record."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expand_dotted(data: Any) -> Any:
    """Turn dotted keys into nested mappings, recursively (`a.b: 1` → `a: {b: 1}`)."""
    if isinstance(data, list):
        return [expand_dotted(item) for item in data]
    if not isinstance(data, Mapping):
        return data
    result: dict[str, Any] = {}
    for key, value in data.items():
        set_dotted(result, str(key), expand_dotted(value))
    return result


def set_dotted(target: dict[str, Any], key: str, value: Any) -> None:
    """Set `a.b.c` in `target`; a mapping set onto an existing mapping is merged into it."""
    head, _, rest = key.partition(".")
    if rest:
        if not isinstance(target.get(head), dict):
            if head in target and target[head] is not None:
                raise ModelError(
                    "Cannot set a nested key below a value that is not a mapping",
                    key_path=key,
                    got=repr(target[head]),
                )
            target[head] = {}
        set_dotted(target[head], rest, value)
    elif isinstance(value, dict) and isinstance(target.get(head), dict):
        for sub_key, sub_value in value.items():
            set_dotted(target[head], sub_key, sub_value)
    else:
        target[head] = value


def get_dotted(data: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """Look up `a.b.c`; `default` when any part is missing."""
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def merge(base: Mapping[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """Return `base` with `other` merged over it (Calliope's `union` with override and `_REPLACE_`)."""
    result = copy.deepcopy(dict(base))
    _merge_into(result, copy.deepcopy(dict(other)))
    return result


def _merge_into(target: dict[str, Any], other: Mapping[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, Mapping) and REPLACE_KEY in value:
            target[key] = value[REPLACE_KEY]
        elif isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge_into(target[key], value)
        elif value is None and isinstance(target.get(key), dict):
            continue  # a null leaf never wipes a whole sub-mapping
        else:
            target[key] = value


def union_no_overlap(base: dict[str, Any], other: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Merge `other` under `base` for `import:`: a leaf defined in both is a ModelError."""
    clashes = sorted(set(_leaf_keys(base)) & set(_leaf_keys(other)))
    if clashes:
        raise ModelError(
            "Key defined in both an imported file and the file importing it",
            file=source,
            key_path=clashes[0],
            expected="each key defined once across imported files (use overrides to change values)",
        )
    return merge(other, base)


def _leaf_keys(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            keys.extend(_leaf_keys(value, path + "."))
        else:
            keys.append(path)
    return keys
