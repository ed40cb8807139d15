"""Math files: load, merge (later over earlier), and hold the merged components.

A model's math is `base.yaml`, then the mode's file (`operate`, `spores`, … unless the mode is
`base`), then every built-in extension file the model's data switches on (below), then every
`config.init.extra_math` entry in order.

Optional math has one mechanism. Every built-in file other than `base` and the mode files is an
*extension* (group constraints, carrier tiers, MILP, Macro's asset constraints, storage across
periods, …). An extension is switched on by the model's data: it is loaded when the model defines
any input (parameter or lookup) that the extension declares and `base.yaml` does not — its
*triggers*. An extension that names an input or component another extension declares (unit
commitment reads MILP's `operating_units`) needs that one: loading it loads the other too. Its
components then apply wherever their `where` finds those inputs. A model never
names our files (naming one in `extra_math`, as Calliope files do for `milp`, is accepted), and
a parameter of ours is never read by nothing: defining it is what loads the math that reads it. Later files merge over earlier ones
the way Calliope 0.7 merges them: mappings are united key by key (recursively), anything else —
numbers, strings and lists such as `equations` or `foreach` — is replaced whole. A component whose
merged `active` is false is kept in the merged text (a later file may switch it back on) but is
left out of the component sections the engine builds from.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import xarray as xr
import yaml

from esmflow.errors import ModelError, closest_name
from esmflow.math.engine.grammar import parse
from esmflow.math.engine.tree import referenced_names
from esmflow.vocabulary import PLANNED_MATH

BUILTIN_MATH_DIR = Path(__file__).parent
SECTIONS = (
    "dimensions",
    "parameters",
    "lookups",
    "variables",
    "global_expressions",
    "constraints",
    "piecewise_constraints",
    "objectives",
    "postprocessed",
    "checks",
)
# Which file last defined or changed each component ("constraints.x" → "base.yaml"): kept in
# the merged YAML under this key so error messages can name the file after a round trip.
ORIGINS_KEY = "origins"
# Sections whose components hold `where`/`expression` strings the engine evaluates.
COMPONENT_SECTIONS = (
    "variables",
    "global_expressions",
    "constraints",
    "piecewise_constraints",
    "objectives",
    "postprocessed",
    "checks",
)


class _MathYamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader, but reading `1e6` as a number (YAML 1.2, as Calliope's ruamel does).

    libyaml's parser when PyYAML has it: every model load reads the built-in math files, and the
    pure-Python parser takes ten times as long.
    """


_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_MathYamlLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_RE, list("-+0123456789."))


def read_math_yaml(text: str, source: str = "<math>") -> dict[str, Any]:
    """Parse one math file's text; a YAML error becomes a ModelError naming the file."""
    try:
        data = yaml.load(text, Loader=_MathYamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        raise ModelError(f"Could not read math YAML: {err}", file=source) from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ModelError(
            "A math file must be a mapping of sections", file=source, got=type(data).__name__
        )
    origins = data.pop(ORIGINS_KEY, None)
    data = _expand_dotted_keys(data)
    if origins:
        data[ORIGINS_KEY] = dict(origins)
    unknown = [key for key in data if key not in (*SECTIONS, ORIGINS_KEY)]
    if unknown:
        raise ModelError(
            f"Unknown math section '{unknown[0]}'",
            file=source,
            key_path=str(unknown[0]),
            expected=", ".join(SECTIONS),
            closest=closest_name(unknown[0], SECTIONS),
        )
    return data


def _expand_dotted_keys(data: Mapping[str, Any]) -> dict[str, Any]:
    """`{"flow_cap.active": False}` → `{"flow_cap": {"active": False}}` (Calliope allows both)."""
    expanded: dict[str, Any] = {}
    for key, value in data.items():
        value = _expand_dotted_keys(value) if isinstance(value, Mapping) else value
        head, *rest = str(key).split(".")
        for part in reversed(rest):
            value = {part: value}
        if isinstance(value, Mapping) and isinstance(expanded.get(head), Mapping):
            value = merge_math(expanded[head], value)
        expanded[head] = value
    return expanded


def merge_math(earlier: Mapping[str, Any], later: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `later` over `earlier`: mappings united recursively, everything else replaced."""
    merged = dict(earlier)
    for key, value in later.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_math(merged[key], value)
        else:
            merged[key] = value
    return merged


# Built-in files loaded by `config.init.mode` rather than by the data (mode → file name).
MODE_MATH = {"operate": "operate", "spores": "spores"}


def builtin_math_names() -> list[str]:
    """Names of the math files shipped in the package (`base`, `milp`, …)."""
    return sorted(path.stem for path in BUILTIN_MATH_DIR.glob("*.yaml"))


def builtin_extensions() -> dict[str, frozenset[str]]:
    """Each built-in extension file → its triggers (inputs it declares that base does not).

    In file-name order, which is also the order they are merged in. Read once per process per
    state of the files (edits during a session are picked up).
    """
    state = tuple(
        (path.name, path.stat().st_mtime_ns) for path in sorted(BUILTIN_MATH_DIR.glob("*.yaml"))
    )
    if _EXTENSIONS_CACHE.get("state") != state:
        base = _declared_inputs(read_builtin("base"))
        extensions = {}
        for name in builtin_math_names():
            if name == "base" or name in MODE_MATH.values():
                continue
            extensions[name] = frozenset(_declared_inputs(read_builtin(name)) - base)
        _EXTENSIONS_CACHE.clear()
        _EXTENSIONS_CACHE.update(state=state, extensions=extensions)
    return dict(_EXTENSIONS_CACHE["extensions"])


_EXTENSIONS_CACHE: dict[str, Any] = {}


def read_builtin(name: str) -> dict[str, Any]:
    """One built-in math file's content (parsed once per state of the file; do not mutate)."""
    path = BUILTIN_MATH_DIR / f"{name}.yaml"
    return _read_builtin_at(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _read_builtin_at(path: Path, mtime_ns: int) -> dict[str, Any]:
    return read_math_yaml(path.read_text(), source=str(path))


def _declared_inputs(data: Mapping[str, Any]) -> set[str]:
    return set(data.get("parameters") or {}) | set(data.get("lookups") or {})


def triggered_extensions(defined_inputs: set[str] | frozenset[str]) -> list[str]:
    """The built-in extensions that inputs defined by a model switch on, in merge order.

    Each switched-on extension brings the extensions it needs (`extension_needs`). Only the
    switched-on extensions' strings are parsed to find those: parsing every extension file costs
    about a second of each model's load, and a model that switches none on needs none of it.
    """
    wanted = {
        name for name, triggers in builtin_extensions().items() if triggers & set(defined_inputs)
    }
    pending = list(wanted)
    while pending:
        for needed in extension_needs(pending.pop()) - wanted:
            wanted.add(needed)
            pending.append(needed)
    return [name for name in builtin_extensions() if name in wanted]


def extension_dependencies() -> dict[str, frozenset[str]]:
    """Each built-in extension → the other extensions whose declared names it uses.

    An extension uses another when its strings name an input, variable or global expression
    that the other declares and base math does not, or when it changes one of the other's
    components (e.g. widens the `where` of a variable the other declares).
    """
    return {name: extension_needs(name) for name in builtin_extensions()}


def extension_needs(name: str) -> frozenset[str]:
    """The other built-in extensions that extension `name` uses (see `extension_dependencies`).

    Worked out once per process per state of the files, extension by extension.
    """
    extensions = builtin_extensions()  # (refreshes the cache when the files changed)
    needs = _EXTENSIONS_CACHE.setdefault("needs", {})
    if name not in needs:
        if "owned" not in _EXTENSIONS_CACHE:
            base = _originated(read_builtin("base"))
            _EXTENSIONS_CACHE["owned"] = {
                other: _originated(read_builtin(other)) - base for other in extensions
            }
        owned = _EXTENSIONS_CACHE["owned"]
        data = read_builtin(name)
        used = _referenced_in(data) | {c for s in SECTIONS for c in data.get(s) or {}}
        needs[name] = frozenset(
            other for other in extensions if other != name and used & owned[other]
        )
    return needs[name]


def _originated(data: Mapping[str, Any]) -> set[str]:
    """Names a math file defines (not only changes): inputs it declares, components with a foreach."""
    names = {
        name
        for section in ("parameters", "lookups")
        for name, declaration in (data.get(section) or {}).items()
        if not isinstance(declaration, Mapping) or {"default", "dtype", "unit"} & set(declaration)
    }
    for section in COMPONENT_SECTIONS:
        for component, definition in (data.get(section) or {}).items():
            if isinstance(definition, Mapping) and "foreach" in definition:
                names.add(component)
    return names


def _referenced_in(data: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for section in COMPONENT_SECTIONS:
        for component, definition in (data.get(section) or {}).items():
            if isinstance(definition, Mapping):
                for kind, key_path, text in component_strings(f"{section}.{component}", definition):
                    names |= referenced_names(parse(text, kind, key_path=key_path))
    return names


def mode_math_declaring(name: str) -> str | None:
    """The mode whose built-in math declares input `name` (and base does not), if any."""
    base = _declared_inputs(read_builtin("base"))
    for mode, file_name in MODE_MATH.items():
        if (BUILTIN_MATH_DIR / f"{file_name}.yaml").exists() and name in (
            _declared_inputs(read_builtin(file_name)) - base
        ):
            return mode
    return None


def load_math(
    extra_math: list[str],
    math_paths: Mapping[str, Path],
    mode: str = "base",
    extensions: list[str] | tuple[str, ...] = (),
) -> MathDefinition:
    """Read and merge base math, the mode's math, extensions and extra math entries, in that order.

    An `extra_math` entry is a key of `math_paths` (a user file, path already absolute) or the
    name of a built-in file. Unknown names are a ModelError with the closest known name. A file
    named twice (an extension the data switches on, also listed in `extra_math`) is merged once,
    at its first place.
    """
    names = list(
        dict.fromkeys(
            ["base", *([MODE_MATH.get(mode, mode)] if mode != "base" else []), *extensions]
            + list(extra_math)
        )
    )
    known = {"base": BUILTIN_MATH_DIR / "base.yaml"}
    known.update({name: BUILTIN_MATH_DIR / f"{name}.yaml" for name in builtin_math_names()})
    known.update({name: Path(path) for name, path in math_paths.items()})
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name in names:
        path = known.get(name)
        if path is None and name in PLANNED_MATH:
            raise ModelError(
                f"Calliope 0.7's '{name}' math ({PLANNED_MATH[name]}) is not supported by "
                "esmflow yet; without it the model would be solved as if it were not there",
                key_path="config.init.extra_math" if name in extra_math else "config.init.mode",
                got=name,
            )
        if path is None:
            raise ModelError(
                f"Unknown math '{name}'",
                key_path="config.init.extra_math" if name in extra_math else "config.init.mode",
                expected="a built-in math name or a key of config.init.math_paths: "
                + ", ".join(sorted(known)),
                got=name,
                closest=closest_name(name, known),
            )
        if not path.exists():
            raise ModelError(f"Math file for '{name}' not found", file=str(path))
        text = read_math_yaml(path.read_text(), source=str(path))
        merged = merge_math(merged, text)
        label = (
            path.name
        )  # a file name only: the merged math must not depend on where the model lives
        origins.update({f"{sec}.{comp}": label for sec in SECTIONS for comp in text.get(sec) or {}})
    return MathDefinition(merged, origins)


def _is_active(component: Any) -> bool:
    return not (isinstance(component, Mapping) and component.get("active", True) is False)


class MathDefinition:
    """The merged math of a model: parameters, lookups, variables, expressions, constraints, objectives.

    `data` is the merged mapping (inactive components included, so the YAML round-trips); the
    section attributes hold only the active components.
    """

    def __init__(self, data: Mapping[str, Any], origins: Mapping[str, str] | None = None) -> None:
        self.data: dict[str, Any] = {key: dict(data.get(key) or {}) for key in SECTIONS}
        self.origins: dict[str, str] = dict(origins or data.get(ORIGINS_KEY) or {})
        for section in SECTIONS:
            active = {k: v for k, v in self.data[section].items() if _is_active(v)}
            setattr(self, section, active)

    # these are set in __init__; declared for readers and type checkers
    dimensions: dict[str, Any]
    parameters: dict[str, Any]
    lookups: dict[str, Any]
    variables: dict[str, Any]
    global_expressions: dict[str, Any]
    constraints: dict[str, Any]
    piecewise_constraints: dict[str, Any]
    objectives: dict[str, Any]
    postprocessed: dict[str, Any]
    checks: dict[str, Any]

    @classmethod
    def from_yaml_text(cls, text: str, source: str = "<math>") -> MathDefinition:
        """Rebuild from `to_yaml()` text (already merged)."""
        return cls(read_math_yaml(text, source))

    @classmethod
    def from_inputs(cls, inputs: xr.Dataset) -> MathDefinition:
        """The math stored with the inputs (attribute `math`, YAML text)."""
        if "math" not in inputs.attrs:
            raise ModelError(
                "The inputs carry no math (attribute 'math' missing)",
                expected="inputs written by prepare_inputs",
            )
        return cls.from_yaml_text(str(inputs.attrs["math"]), source="inputs.attrs['math']")

    def to_yaml(self) -> str:
        """The merged math as YAML text (inf/nan written as .inf/.nan; reads back identically)."""
        data = {key: value for key, value in self.data.items() if value}
        if self.origins:
            data[ORIGINS_KEY] = self.origins
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: ~10× faster
        return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)

    def components(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every active component as (section, name, definition)."""
        for section in COMPONENT_SECTIONS:
            for name, definition in getattr(self, section).items():
                yield section, name, definition

    def strings(self) -> Iterator[tuple[str, str, str]]:
        """Every `where`/`expression` string of the active components as (kind, key_path, text)."""
        for section, name, definition in self.components():
            yield from component_strings(f"{section}.{name}", definition)

    def origin(self, key_path: str) -> str | None:
        """The math file a key path (`constraints.x.equations[0]…`) comes from, if known."""
        return self.origins.get(".".join(key_path.split(".")[:2]).split("[")[0])

    def default_of(self, name: str) -> float:
        """The declared default of a parameter (NaN when none is declared)."""
        value = (self.parameters.get(name) or {}).get("default", math.nan)
        return float(value) if value is not None else math.nan

    def known_names(self) -> set[str]:
        """Every declared parameter and lookup plus every name the active math strings mention."""
        names = set(self.parameters) | set(self.lookups)
        for kind, key_path, text in self.strings():
            names |= referenced_names(parse(text, kind, key_path=key_path))
        return names


def component_strings(
    key_path: str, definition: Mapping[str, Any]
) -> Iterator[tuple[str, str, str]]:
    if isinstance(definition.get("where"), str):
        yield "where", f"{key_path}.where", definition["where"]
    for index, equation in enumerate(definition.get("equations") or []):
        yield from _equation_strings(f"{key_path}.equations[{index}]", equation)
    for section in ("sub_expressions", "slices"):
        for sub_name, cases in (definition.get(section) or {}).items():
            for index, equation in enumerate(cases or []):
                yield from _equation_strings(f"{key_path}.{section}.{sub_name}[{index}]", equation)
    if isinstance(
        definition.get("expression"), str
    ):  # global expressions written without equations
        yield "expression", f"{key_path}.expression", definition["expression"]


def _equation_strings(key_path: str, equation: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    if isinstance(equation.get("where"), str):
        yield "where", f"{key_path}.where", equation["where"]
    if isinstance(equation.get("expression"), str):
        yield "expression", f"{key_path}.expression", equation["expression"]
