"""0.6 overrides and scenarios → esmflow overrides and scenarios.

An override of a 0.6 model is not converted key by key: what a key becomes depends on the
rest of the model (a tech's parent, `force_resource`, the link a transmission tech sits on).
Instead the model with the override merged in is converted whole, and the esmflow override is
the difference between that and the converted model. A scenario lists its overrides as in 0.6
when applying their converted differences in turn gives the scenario's own conversion;
otherwise (an override that needs another to make sense, e.g. a group naming a tech another
override adds) the scenario gets one override of its own, `<scenario>_combined`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from esmflow.io.yaml_files import merge

REPLACE = "_REPLACE_"
VALUE_KEYS = {"data", "index", "dims"}


def difference(
    base: Mapping[str, Any], changed: Mapping[str, Any], path: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The override that turns `base` into `changed` under esmflow's merge."""
    patch: dict[str, Any] = {}
    for key, value in changed.items():
        if key not in base:
            patch[key] = value
        elif _is_section(base[key]) and _is_section(value):
            inner = difference(base[key], value, (*path, key))
            if inner:
                patch[key] = inner
        elif base[key] != value:
            patch[key] = _replacing(base[key], value)
    for key, value in base.items():
        if key not in changed:
            patch[key] = _removed(value, (*path, key))
    return patch


def _is_section(value: Any) -> bool:
    return isinstance(value, Mapping) and not (set(value) and set(value) <= VALUE_KEYS)


def _replacing(old: Any, new: Any) -> Any:
    """A mapping replaced by a non-mapping (or the other way) must not merge with the old one."""
    if isinstance(old, Mapping) and isinstance(new, Mapping) and not _is_section(new):
        return new if set(old) <= set(new) else {REPLACE: new}
    if isinstance(old, Mapping) and not isinstance(new, Mapping):
        return {REPLACE: new}
    return new


def _removed(old: Any, path: tuple[str, ...]) -> Any:
    """How an override takes something away: a tech or node is switched off, a value unset."""
    is_entry = (len(path) == 2 and path[0] in ("techs", "nodes")) or (
        len(path) == 4 and path[0] == "nodes" and path[2] == "techs"
    )
    if is_entry:
        return {"active": False}
    if _is_section(old):
        return {REPLACE: {}}
    return None


def applied(base: Mapping[str, Any], patches: list[Mapping[str, Any]]) -> dict[str, Any]:
    """`base` with the patches merged in turn, as esmflow's reader applies overrides."""
    result = dict(base)
    for patch in patches:
        result = merge(result, patch)
    return result


def same_model(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    """Equal once switched-off entries and unset values are dropped."""
    return _pruned(first) == _pruned(second)


def _pruned(value: Any) -> Any:
    if isinstance(value, Mapping):
        if value.get("active") is False:
            return None
        items = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in items.items() if v is not None}
    return value
