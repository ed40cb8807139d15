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
import dataclasses
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from esmflow.errors import ModelError, Problem

REPLACE_KEY = "_REPLACE_"


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when available


class _ModelYamlLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """Safe loader with YAML 1.2 core-schema scalars (as Calliope's ruamel reader).

    It also records every key written twice in one mapping: PyYAML keeps the last one without a
    word, Calliope's reader refuses the file, and so do we (`parse_yaml`).
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[tuple[Any, int, int]] = []  # (key, first line, repeated line)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` merges defaults; explicit keys may override them
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in first_line:
                    self.duplicate_keys.append((key, first_line[key], line))
                else:
                    first_line[key] = line
            except TypeError:  # an unhashable key: the base constructor reports it
                continue
        return super().construct_mapping(node, deep=deep)


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


IMPLICIT_KEY_LIMIT = 1024  # YAML's longest plain (implicit) mapping key, in characters


def parse_yaml(text: str, source: str) -> dict[str, Any]:
    """Parse YAML text into a dict with dotted keys expanded; errors name the file and line.

    A key written twice in one mapping, or twice through dotted and nested spelling
    (`a.b: 1` beside `a: {b: 2}`), is a ModelError: YAML readers silently keep one of them.
    """
    loader = _ModelYamlLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as err:
        raise _parse_error(err, text, source) from err
    except (ValueError, TypeError, OverflowError) as err:  # e.g. an unhashable (list) key
        raise ModelError(f"Could not read YAML: {err}", file=source) from err
    finally:
        loader.dispose()
    if loader.duplicate_keys:
        raise ModelError(
            problems=[
                Problem(
                    f"Key '{key}' is written twice in one mapping (lines {first} and {again})",
                    file=source,
                    expected="each key once per mapping (YAML readers would silently keep one)",
                    got=str(key),
                )
                for key, first, again in sorted(loader.duplicate_keys, key=lambda d: d[2])
            ]
        )
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ModelError(
            "A model YAML file must hold a mapping at its top level",
            file=source,
            got=type(data).__name__,
        )
    try:
        return expand_dotted(data, strict=True)
    except ModelError as err:
        raise ModelError(
            problems=[dataclasses.replace(p, file=p.file or source) for p in err.problems]
        ) from err


def _parse_error(err: yaml.YAMLError, text: str, source: str) -> ModelError:
    """The parser's complaint in words, with its line; explains YAML's 1024-character key limit."""
    mark = getattr(err, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
    problem = getattr(err, "problem", None) or str(err)
    context_mark = getattr(err, "context_mark", None)
    if "simple key" in str(getattr(err, "context", "")) and context_mark is not None:
        lines = text.splitlines()
        line = lines[context_mark.line] if context_mark.line < len(lines) else ""
        if len(line) - context_mark.column > IMPLICIT_KEY_LIMIT:
            return ModelError(
                f"Line {context_mark.line + 1} is read as a mapping key longer than YAML allows",
                file=source,
                expected=(
                    f"a key of at most {IMPLICIT_KEY_LIMIT} characters (YAML's limit for a plain "
                    "key): shorten it, or if a long list or mapping was meant, check the "
                    "indentation and the `:` after the key"
                ),
                got=f"{len(line) - context_mark.column} characters before the expected ':'",
            )
    return ModelError(f"Could not parse YAML{where}: {problem}", file=source)


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


def expand_dotted(data: Any, strict: bool = False, _inside: frozenset[int] = frozenset()) -> Any:
    """Turn dotted keys into nested mappings, recursively (`a.b: 1` → `a: {b: 1}`).

    With `strict`, two keys of one mapping that reach the same leaf (`a.b: 1` and `a: {b: 2}`)
    are a ModelError instead of the later one winning. A YAML alias inside the mapping or list
    it names (`a: &x {b: *x}`) would nest forever: a ModelError too.
    """
    if not isinstance(data, list | Mapping):
        return data
    if id(data) in _inside:
        raise ModelError(
            "A YAML alias (`*name`) refers to a mapping or list that contains it",
            expected="aliases of values defined outside them (no cycles)",
        )
    inside = _inside | {id(data)}
    if isinstance(data, list):
        return [expand_dotted(item, strict, inside) for item in data]
    result: dict[str, Any] = {}
    for key, value in data.items():
        expanded = expand_dotted(value, strict, inside)
        if strict:
            clash = _first_shared_leaf(result, str(key), expanded)
            if clash is not None:
                raise ModelError(
                    f"Key '{clash}' is given twice in one mapping (once through a dotted key)",
                    key_path=clash,
                    expected="each key once: `a.b: 1` and `a: {b: 2}` both set `a.b`",
                )
        set_dotted(result, str(key), expanded)
    return result


def _first_shared_leaf(target: Mapping[str, Any], key: str, value: Any) -> str | None:
    """The first dotted path that setting `key: value` on `target` would overwrite, if any."""
    existing = get_dotted(target, key, _MISSING)
    if existing is _MISSING or (existing is None and isinstance(value, Mapping)):
        return None  # new, or a null placeholder (`gas_plant:`) filled in
    if isinstance(existing, Mapping) and isinstance(value, Mapping):
        for sub_key, sub_value in value.items():
            clash = _first_shared_leaf(existing, str(sub_key), sub_value)
            if clash is not None:
                return f"{key}.{clash}"
        return None
    return key


_MISSING = object()


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
