"""Scenario sweeps: the config's `sweeps:` expanded into ordinary, named scenarios.

A sweep takes one hand-written scenario (`base`), optional fixed `set` values, and axes; each
axis varies one scenario key (a model `set` key, a solver option, a clustering setting, or extra
model overrides) over a list of values. `grid:` takes every combination of the axes' values,
`zip:` pairs the i-th values of all axes. Each combination becomes a scenario named
`<sweep>__<axis>=<value>__…` (e.g. `battery_cost__storage=140__gas=co2price`), which from then on
is a scenario like any other: it writes `results/<name>/`, and `run.scenarios` selects it by its
name, by the sweep's name (all members), or by a glob (`battery_cost__gas=co2price*`, `*`).

Plain Python on purpose (only the standard library): the Snakefile loads this module every time
Snakemake starts, so it must import fast and must not import the esmflow package.
`rules/sweeps.smk` calls `expand_config` before the config is validated against the schema, so
every expanded scenario is validated (and gets its defaults) like a hand-written one.
"""

import copy
import difflib
import fnmatch
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Keys of a sweep and of an axis (config/schema.yaml documents the same keys; a test compares).
SWEEP_KEYS = ("description", "base", "set", "grid", "zip")
AXIS_KEYS = ("key", "values", "labels")
# What an axis may vary: `<prefix><rest>` (rest non-empty) or exactly `overrides`.
KEY_PREFIXES = ("set.", "solver.options.", "clustering.")
OVERRIDES_KEY = "overrides"

SEPARATOR = "__"  # between the sweep's name and each axis=value
# Scenario names (the `scenario` wildcard, a folder name): lower case, digits, `_ - . =`; never
# starting with `.`, `-` or `=` (no hidden folders, `..`, or names read as command-line options).
SCENARIO_NAME = r"[a-z0-9][a-z0-9_.=-]*"
MAX_NAME_LENGTH = 200  # most file systems allow 255 bytes per folder name
# Folders of results/ that hold the run-wide outputs (rules/summary.smk, rules/postprocess.smk):
# a scenario of that name would write its results among them.
RESERVED_NAMES = ("summary", "comparison")
SWEEP_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")  # no `=`, `.` (it starts member names)
AXIS_LABEL = re.compile(r"[a-z][a-z0-9_]*")
VALUE_PIECE = re.compile(r"[a-z0-9][a-z0-9_.-]*|-[0-9][a-z0-9_.-]*")  # a number may be negative


class SweepError(ValueError):
    """`sweeps:` cannot be expanded, or `run.scenarios` names nothing known; every problem is listed."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("Invalid workflow configuration:\n  - " + "\n  - ".join(self.problems))


@dataclass(frozen=True)
class Member:
    """One expanded scenario of a sweep: its name and the value of each axis.

    `values` holds what the summary's axis columns show: the value itself when it is a number,
    string or boolean, else (a list of overrides, a mapping) its label in the name.
    """

    name: str
    sweep: str
    values: dict[str, Any] = field(default_factory=dict)


def _closest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


def _unknown_keys(where: str, given: Mapping, allowed: Sequence[str]) -> list[str]:
    return [
        f"{where}: unknown key '{key}' (expected one of {', '.join(allowed)}).{_closest(key, allowed)}"
        for key in given
        if key not in allowed
    ]


def value_piece(value: Any) -> str | None:
    """How a value reads in a scenario name (None: it cannot be written there; give `labels`).

    Numbers compactly (`200`, `0.5`, `1e-05` → `1e-5`, `1e+06` → `1e6`), strings in lower case
    with anything but letters, digits, `.`, `-` and single `_` turned into `-`, lists (of
    overrides) joined by `-`, empty lists and null as `none`.
    """
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e6:
            return str(int(value))
        text = format(value, ".6g")
        mantissa, has_exponent, exponent = text.partition("e")
        if has_exponent:
            sign = "-" if exponent.startswith("-") else ""
            text = f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"
        return text
    if isinstance(value, str):
        text = re.sub(r"[^a-z0-9_.-]+", "-", value.lower())
        text = re.sub(r"_{2,}", "_", text).strip("-_.")
        return text or None
    if isinstance(value, (list, tuple)):
        if not value:
            return "none"
        pieces = [value_piece(item) for item in value]
        if any(
            piece is None or isinstance(item, (list, tuple, dict))
            for piece, item in zip(pieces, value, strict=True)
        ):
            return None
        return "-".join(pieces)
    return None


# what YAML 1.1 (PyYAML, Snakemake's config reader) leaves a string: `1e5`, `-2E-3`
_LOOKS_NUMERIC = re.compile(r"[-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+")


def _as_yaml_float(text: str) -> str:
    mantissa, _, exponent = text.strip().lower().partition("e")
    mantissa = mantissa if "." in mantissa else f"{mantissa}.0"
    sign = "-" if exponent.startswith("-") else "+"
    return f"{mantissa}e{sign}{exponent.lstrip('+-')}"


def _column_value(value: Any, piece: str) -> Any:
    """The summary column's entry: a scalar as it is, anything else by its label."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return piece


@dataclass
class _Axis:
    label: str
    key: str
    values: list[Any]
    pieces: list[str]


def _check_axis(where: str, label: Any, spec: Any) -> tuple[_Axis | None, list[str]]:
    """One axis of a sweep, or the problems with it."""
    problems = []
    if not isinstance(label, str) or not AXIS_LABEL.fullmatch(label) or SEPARATOR in label:
        problems.append(
            f"{where}: axis name '{label}' must be lower-case letters, digits and single `_`,"
            " starting with a letter (it becomes part of scenario names), e.g. `battery_cost`"
        )
    if not isinstance(spec, Mapping):
        return None, [
            *problems,
            f"{where}.{label}: expected a mapping with `key` and `values`, got {spec!r}",
        ]
    problems += _unknown_keys(f"{where}.{label}", spec, AXIS_KEYS)
    key = spec.get("key")
    if key is None:
        problems.append(
            f"{where}.{label}.key: missing (what the axis varies, e.g. `set.techs.battery.flow_cap_max`)"
        )
    elif not isinstance(key, str) or not (
        key == OVERRIDES_KEY
        or any(key.startswith(prefix) and len(key) > len(prefix) for prefix in KEY_PREFIXES)
    ):
        choices = [OVERRIDES_KEY, *(f"{prefix}…" for prefix in KEY_PREFIXES)]
        hint = _closest(str(key).split(".")[0], ["overrides", "set", "solver", "clustering"])
        problems.append(
            f"{where}.{label}.key: '{key}' is not something a sweep can vary (expected "
            f"{', '.join(choices)}).{hint}"
        )
    values = spec.get("values")
    if values is None:
        problems.append(f"{where}.{label}.values: missing (the list of values to sweep)")
        values = []
    elif not isinstance(values, list):
        problems.append(f"{where}.{label}.values: expected a list, got {values!r}")
        values = []
    elif not values:
        problems.append(f"{where}.{label}.values: empty; give at least one value")
    if key != OVERRIDES_KEY:
        for value in values:
            if isinstance(value, str) and _LOOKS_NUMERIC.fullmatch(value.strip()):
                problems.append(
                    f"{where}.{label}.values: '{value}' is a string to YAML (its floats need a"
                    f" dot: `{_as_yaml_float(value)}`); write it so, or quote it if a string is meant"
                )
    if key == OVERRIDES_KEY:
        for value in values:
            names = [value] if isinstance(value, str) else value
            if names is not None and not (
                isinstance(names, list) and all(isinstance(n, str) and n for n in names)
            ):
                problems.append(
                    f"{where}.{label}.values: {value!r} is not an override name or a list of names"
                )
    labels = spec.get("labels")
    if labels is not None:
        if not isinstance(labels, list) or len(labels) != len(values):
            problems.append(
                f"{where}.{label}.labels: expected a list of {len(values)} labels (one per value),"
                f" got {labels!r}"
            )
            labels = None
        else:
            for text in labels:
                if (
                    not isinstance(text, (str, int, float))
                    or isinstance(text, bool)
                    or not VALUE_PIECE.fullmatch(str(text))
                    or SEPARATOR in str(text)
                ):
                    problems.append(
                        f"{where}.{label}.labels: '{text}' must be lower-case letters, digits,"
                        " `.`, `-` and single `_` (it becomes part of scenario names)"
                    )
    pieces = [str(text) for text in labels] if labels is not None else []
    if labels is None:
        for value in values:
            piece = value_piece(value)
            if piece is None:
                problems.append(
                    f"{where}.{label}.values: {value!r} cannot be written in a scenario name;"
                    " give `labels:` (one short label per value)"
                )
            pieces.append(piece or "")
    if problems:
        return None, problems
    return _Axis(label, key, list(values), pieces), []


def _apply(scenario: dict[str, Any], key: str, value: Any) -> None:
    """Set one axis value in a scenario's settings (a copy owned by the member)."""
    if key == OVERRIDES_KEY:
        extra = [] if value is None else [value] if isinstance(value, str) else list(value)
        scenario["overrides"] = [*(scenario.get("overrides") or []), *extra]
    elif key.startswith("set."):
        scenario.setdefault("set", {})
        scenario["set"] = {**(scenario["set"] or {}), key[len("set.") :]: copy.deepcopy(value)}
    elif key.startswith("solver.options."):
        solver = scenario.setdefault("solver", {}) or {}
        scenario["solver"] = solver
        solver["options"] = {**(solver.get("options") or {}), key[len("solver.options.") :]: value}
    else:  # clustering.<setting>
        clustering = scenario.get("clustering") or {}
        scenario["clustering"] = {**clustering, key[len("clustering.") :]: value}


def expand_sweeps(
    scenarios: Mapping[str, Any], sweeps: Mapping[str, Any] | None
) -> tuple[dict[str, dict[str, Any]], dict[str, list[Member]]]:
    """The scenarios each sweep expands to, by name, and each sweep's members in order.

    Pure: `scenarios` and `sweeps` are not changed. Raises SweepError listing every problem
    (unknown keys with the closest valid one, unknown base scenarios, empty axes, zip axes of
    unequal length, names that clash with each other or with existing scenarios).
    """
    problems: list[str] = []
    expanded: dict[str, dict[str, Any]] = {}
    members: dict[str, list[Member]] = {}
    origin: dict[str, str] = {}  # member name → the sweep and values that made it
    if sweeps is None:
        return expanded, members
    if not isinstance(sweeps, Mapping):
        raise SweepError([f"sweeps: expected a mapping of sweep names to sweeps, got {sweeps!r}"])
    for sweep, spec in sweeps.items():
        where = f"sweeps.{sweep}"
        if not isinstance(sweep, str) or not SWEEP_NAME.fullmatch(sweep) or SEPARATOR in sweep:
            problems.append(
                f"{where}: a sweep's name must be lower-case letters, digits, `-` and single `_`"
                " (it starts its scenarios' names)"
            )
            continue
        if sweep in scenarios:
            problems.append(f"{where}: a scenario has the same name; rename the sweep")
        if not isinstance(spec, Mapping):
            problems.append(
                f"{where}: expected a mapping with `base` and `grid` or `zip`, got {spec!r}"
            )
            continue
        problems += _unknown_keys(where, spec, SWEEP_KEYS)
        base = spec.get("base")
        if base is None:
            problems.append(f"{where}.base: missing (the scenario the sweep varies)")
        elif base not in scenarios:
            problems.append(
                f"{where}.base: '{base}' is not a scenario (a key of `scenarios:`).{_closest(base, list(scenarios))}"
            )
        fixed = spec.get("set") or {}
        if not isinstance(fixed, Mapping):
            problems.append(
                f"{where}.set: expected a mapping of model keys to values, got {fixed!r}"
            )
            fixed = {}
        modes = [mode for mode in ("grid", "zip") if mode in spec]
        if len(modes) != 1:
            problems.append(
                f"{where}: give exactly one of `grid:` (every combination) or `zip:` (values paired"
                f" by position), got {' and '.join(modes) or 'neither'}"
            )
            continue
        mode = modes[0]
        axes_spec = spec[mode]
        if not isinstance(axes_spec, Mapping) or not axes_spec:
            problems.append(
                f"{where}.{mode}: expected a mapping of axis names to axes, got {axes_spec!r}"
            )
            continue
        axes = []
        for label, axis_spec in axes_spec.items():
            axis, found = _check_axis(f"{where}.{mode}", label, axis_spec)
            problems += found
            if axis is not None:
                axes.append(axis)
        if len(axes) != len(axes_spec):
            continue
        keys = [axis.key for axis in axes if axis.key != OVERRIDES_KEY]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            twice = [axis.label for axis in axes if axis.key == key]
            problems.append(f"{where}.{mode}: axes {', '.join(twice)} all vary `{key}`; use one")
        if mode == "zip" and len({len(axis.values) for axis in axes}) > 1:
            lengths = ", ".join(f"{axis.label}: {len(axis.values)}" for axis in axes)
            problems.append(
                f"{where}.zip: the axes' value lists must have equal length (paired by position),"
                f" got {lengths}"
            )
            continue
        if base not in scenarios:
            continue
        if mode == "grid":
            combinations = itertools.product(*(range(len(axis.values)) for axis in axes))
        else:
            combinations = ((i,) * len(axes) for i in range(len(axes[0].values)))
        members[sweep] = []
        for positions in combinations:
            chosen = [
                (axis, axis.values[i], axis.pieces[i])
                for axis, i in zip(axes, positions, strict=True)
            ]
            name = SEPARATOR.join([sweep, *(f"{axis.label}={piece}" for axis, _, piece in chosen)])
            said = ", ".join(f"{axis.label}={value!r}" for axis, value, _ in chosen)
            if len(name) > MAX_NAME_LENGTH:
                problems.append(
                    f"{where}: member '{name}' is {len(name)} characters long (at most"
                    f" {MAX_NAME_LENGTH}: it is a folder name); use shorter axis names or `labels:`"
                )
                continue
            if name in scenarios:
                problems.append(
                    f"{where}: member '{name}' ({said}) has the name of an existing scenario"
                )
                continue
            if name in origin:
                problems.append(
                    f"{where}: two members would be named '{name}' ({origin[name]}; {sweep}: {said});"
                    " give the axis `labels:` that tell the values apart"
                )
                continue
            origin[name] = f"{sweep}: {said}"
            scenario = copy.deepcopy(dict(scenarios[base]))
            scenario["set"] = {**(scenario.get("set") or {}), **copy.deepcopy(dict(fixed))}
            for axis, value, _ in chosen:
                _apply(scenario, axis.key, value)
            text = scenario.get("description") or f"Scenario {base}."
            scenario["description"] = f"{text.rstrip()} Sweep {sweep} over {base}: {said}."
            expanded[name] = scenario
            members[sweep].append(
                Member(
                    name,
                    sweep,
                    {axis.label: _column_value(value, piece) for axis, value, piece in chosen},
                )
            )
    if problems:
        raise SweepError(problems)
    return expanded, members


def select_scenarios(
    names: Sequence[str], scenarios: Sequence[str], members: Mapping[str, Sequence[Member]]
) -> list[str]:
    """`run.scenarios` resolved: a sweep's name → its members, a glob → the scenarios it matches.

    Order kept, duplicates dropped. A glob (`*`, `?`, `[…]`) matches scenario names, expanded
    ones included (`*` = everything). A name that is neither is an error naming the closest
    scenario or sweep.
    """
    selected: list[str] = []
    for name in names:
        if name in members:
            found = [member.name for member in members[name]]
        elif any(char in str(name) for char in "*?["):
            found = fnmatch.filter(list(scenarios), str(name))
            if not found:
                raise SweepError(
                    [
                        f"run.scenarios: the pattern '{name}' matches no scenario (nor a sweep's member)"
                    ]
                )
        elif name in scenarios:
            found = [name]
        else:
            choices = [*scenarios, *members]
            raise SweepError(
                [
                    f"run.scenarios: '{name}' is neither a scenario nor a sweep.{_closest(name, choices)}"
                ]
            )
        selected += [item for item in found if item not in selected]
    return selected


def expand_config(config: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[Member]]]:
    """The workflow config with sweeps expanded into `scenarios` and resolved in `run.scenarios`.

    Returns a new config (the given one is not changed) and each sweep's members.
    """
    if not isinstance(config.get("scenarios"), Mapping) or not isinstance(
        config.get("run", {}), Mapping
    ):
        return dict(config), {}  # not a config to expand: the schema says what is wrong
    scenarios = dict(config["scenarios"])
    reserved = [name for name in RESERVED_NAMES if name in scenarios]
    if reserved:
        raise SweepError(
            [
                f"scenarios.{name}: results/{name}/ holds the outputs of the whole run; rename"
                " the scenario"
                for name in reserved
            ]
        )
    expanded, members = expand_sweeps(scenarios, config.get("sweeps"))
    result = dict(config)
    result["scenarios"] = {**scenarios, **expanded}
    run = dict(config.get("run") or {})
    if isinstance(run.get("scenarios"), list):  # anything else: the schema says what is wrong
        run["scenarios"] = select_scenarios(
            list(run["scenarios"]), list(result["scenarios"]), members
        )
    result["run"] = run
    return result, members
