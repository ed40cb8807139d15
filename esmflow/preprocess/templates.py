"""Expand `templates:` and every `template:` call in a model definition (Calliope 0.7 semantics).

A mapping that says `template: name` starts from the resolved template and its own keys merge
over it (a later key wins). Templates may call templates; a cycle is a ModelError naming the chain.
Calls may appear anywhere: in techs, nodes, node-level tech entries and config.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from esmflow.errors import ModelError, ProblemCollector, closest_name
from esmflow.io.yaml_files import merge

TEMPLATES_KEY = "templates"
CALL_KEY = "template"


def resolve_templates(data: Mapping[str, Any], source: str | None = None) -> dict[str, Any]:
    """Return `data` without `templates:`, each `template:` call replaced by what it names."""
    raw_templates = data.get(TEMPLATES_KEY) or {}
    if not isinstance(raw_templates, Mapping):
        raise ModelError(
            "`templates` must be a mapping of named templates", file=source, key_path=TEMPLATES_KEY
        )
    resolver = _TemplateResolver(raw_templates, source)
    problems = ProblemCollector()
    reported_cycles: set[frozenset[str]] = set()

    def record(err: ModelError) -> None:
        cycle = frozenset((err.got or "").split(" → ")) if isinstance(err, _CycleError) else None
        if cycle is None or cycle not in reported_cycles:
            problems.extend(err)
        if cycle is not None:
            reported_cycles.add(cycle)

    for name in raw_templates:
        try:
            resolver.template(str(name), f"{TEMPLATES_KEY}.{name}", ())
        except ModelError as err:
            record(err)
    result: dict[str, Any] = {}
    for key, value in data.items():
        if key == TEMPLATES_KEY:
            continue
        # resolve entry by entry (each tech, each node) so every broken call is reported
        entries = (
            value.items()
            if isinstance(value, Mapping) and CALL_KEY not in value
            else [(None, value)]
        )
        if entry_wise := isinstance(value, Mapping) and CALL_KEY not in value:
            result[key] = {}
        for entry, entry_value in entries:
            path = str(key) if entry is None else f"{key}.{entry}"
            try:
                resolved = resolver.apply(entry_value, path, ())
            except ModelError as err:
                record(err)
                continue
            if not entry_wise:
                result[key] = resolved
            else:
                result.setdefault(key, {})[entry] = resolved
    problems.raise_if_any()
    return result


class _CycleError(ModelError):
    """A template that (indirectly) inherits from itself."""


class _TemplateResolver:
    """Resolves templates once each (memoised), following `template:` chains with a cycle guard."""

    def __init__(self, raw_templates: Mapping[str, Any], source: str | None) -> None:
        self.raw = raw_templates
        self.source = source
        self.resolved: dict[str, dict[str, Any]] = {}

    def template(self, name: str, call_path: str, stack: tuple[str, ...]) -> dict[str, Any]:
        """The fully resolved template `name` (its parents merged under it)."""
        if name in self.resolved:
            return self.resolved[name]
        if name in stack:
            chain = " → ".join((*stack[stack.index(name) :], name))
            raise _CycleError(
                f"Template cycle: {chain}",
                file=self.source,
                key_path=call_path,
                expected="templates that do not inherit from themselves",
                got=chain,
            )
        if name not in self.raw:
            raise ModelError(
                f"Unknown template '{name}'",
                file=self.source,
                key_path=call_path,
                expected="a name defined under `templates:` ("
                + ", ".join(sorted(map(str, self.raw)))
                + ")",
                got=name,
                closest=closest_name(name, self.raw),
            )
        raw = self.raw[name]
        if not isinstance(raw, Mapping):
            raise ModelError(
                "A template must be a mapping",
                file=self.source,
                key_path=f"{TEMPLATES_KEY}.{name}",
                got=repr(raw),
            )
        self.resolved[name] = self.apply(raw, f"{TEMPLATES_KEY}.{name}", (*stack, name))
        return self.resolved[name]

    def apply(self, section: Any, key_path: str, stack: tuple[str, ...]) -> Any:
        """`section` with every `template:` call in it (at any depth) replaced."""
        if not isinstance(section, Mapping):
            return section
        local = {
            key: self.apply(value, f"{key_path}.{key}", stack)
            for key, value in section.items()
            if key != CALL_KEY
        }
        if CALL_KEY not in section or section[CALL_KEY] is None:
            return local
        template = self.template(str(section[CALL_KEY]), f"{key_path}.{CALL_KEY}", stack)
        return merge(template, local)
