"""Account for every name a model sets: each is used by active math, or an error, or a warning.

A model that sets a parameter no math reads is solved as if it were not there: the worst thing
esmflow can do is return that "optimum" without a word. So after the model is read, each name
it sets (top-level sections, tech and node keys, data-table inputs, config keys) is either

- read by the math that is active (declared by it or named in one of its strings), or
- an error that says what the modeller meant:
  a Calliope 0.6 name (→ esmflow's name), a parameter of a mode that is not on (→ how
  to switch it on), a parameter of a feature esmflow does not build yet, a decision variable
  given as data, a near miss of a known name (→ the closest one); or
- a `ModelWarning` naming it and the closest known name (user data that only post-processing
  or the modeller's own scripts read is legitimate, as in Calliope).

Macro's names are not reported here: `aliases.py` has renamed them to esmflow's before.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from esmflow.errors import ModelWarning, ProblemCollector, closest_name
from esmflow.math.schema import MathDefinition, builtin_extensions, mode_math_declaring
from esmflow.options import BACKENDS
from esmflow.preprocess.parameters import ParameterDefinitions
from esmflow.vocabulary import (
    CALLIOPE06_NAMES,
    CALLIOPE06_TECH_KEYS,
    CALLIOPE06_TOP_LEVEL,
    MACRO_NAMES,
    SWITCH_NAMES,
    planned_feature_of,
)

# Keys of tech/node definitions that are not math parameters (names, colours, structure).
STRUCTURAL_KEYS = frozenset(
    {
        "active",
        "base_tech",
        "carrier_in",
        "carrier_out",
        "carrier_export",
        "name",
        "color",
        "link_from",
        "link_to",
        "one_way",
        "latitude",
        "longitude",
    }
)
# A name this close to a known one is taken for a misspelling of it (an error); farther names
# are kept with a warning.
MISSPELLING_CUTOFF = 0.85
SUGGESTION_CUTOFF = 0.6
CONVERTER_HINT = (
    "Calliope 0.6 models need converting (`esmflow convert-v06`, not supported yet); "
    "or rewrite the model in Calliope 0.7's format"
)


def account_for_top_level(model: Mapping[str, Any], problems: ProblemCollector) -> None:
    """Top-level sections a model may set but that nothing reads yet, or that belong to 0.6."""
    is_v06 = any(key in model for key in CALLIOPE06_TOP_LEVEL if key != "locations")
    for key in model:
        if key in CALLIOPE06_TOP_LEVEL and (is_v06 or key != "locations"):
            problems.add(
                f"'{key}' is a section of Calliope 0.6's model format",
                key_path=str(key),
                expected=CONVERTER_HINT,
            )
        feature = planned_feature_of(str(key))
        if feature:
            problems.add(_not_yet(str(key), feature), key_path=str(key))


def drop_foreign_tech_keys(model: Mapping[str, Any], problems: ProblemCollector) -> dict[str, Any]:
    """Report Calliope 0.6's nested tech keys (`essentials`, `constraints`, `costs`) and drop them.

    Dropping them keeps later stages from reporting the same mistake again in stranger words
    (a mapping that is not `{data, index, dims}`); the model still fails here.
    """
    cleaned = dict(model)
    techs = model.get("techs")
    if not isinstance(techs, Mapping):
        return cleaned
    new_techs: dict[str, Any] = {}
    for tech, definition in techs.items():
        if isinstance(definition, Mapping):
            for key in CALLIOPE06_TECH_KEYS:
                if key in definition:
                    problems.add(
                        f"'{key}' groups a tech's settings in Calliope 0.6's format",
                        key_path=f"techs.{tech}.{key}",
                        expected="Calliope 0.7's flat tech keys (`base_tech`, `carrier_in`, "
                        "`flow_cap_max`, `cost_flow_cap: {data, index, dims: costs}`, …); "
                        + CONVERTER_HINT,
                    )
            definition = {k: v for k, v in definition.items() if k not in CALLIOPE06_TECH_KEYS}
        new_techs[tech] = definition
    cleaned["techs"] = new_techs
    return cleaned


def account_for_config(config: Any, problems: ProblemCollector) -> None:
    """Config values that select something esmflow does not do yet, or that it does not read."""
    if not isinstance(config, Mapping):
        return
    init = config.get("init") if isinstance(config.get("init"), Mapping) else {}
    build = config.get("build") if isinstance(config.get("build"), Mapping) else {}
    solve = config.get("solve") if isinstance(config.get("solve"), Mapping) else {}
    backend = build.get("backend")
    if backend is not None and str(backend) not in BACKENDS:
        problems.add(
            f"The '{backend}' backend is not supported yet; esmflow builds for "
            + ", ".join(BACKENDS)
            + " only (the pyomo backend runs any solver Pyomo reaches, e.g. `solver.name: "
            "gurobi` in the workflow scenario)",
            key_path="config.build.backend",
            expected=" or ".join(BACKENDS) + " (or leave it out)",
            got=str(backend),
            closest=closest_name(str(backend), BACKENDS),
        )
    for key in ("datetime_format", "date_format"):
        if init.get(key) not in (None, "ISO8601"):
            problems.add(
                f"Only ISO 8601 dates are read yet ({key} is not supported)",
                key_path=f"config.init.{key}",
                expected="ISO8601 (write dates as 2005-01-01 00:00)",
                got=repr(init[key]),
            )
    # `solve.shadow_prices` is read after the solve (esmflow.backends.duals), names checked there
    for key in ("save_logs", "solver_io"):
        if solve.get(key) is not None:
            warnings.warn(
                f"config.solve.{key} is not read by esmflow: the solver log is written to the "
                "workflow's logs/<scenario>/solve_model_solver.log",
                ModelWarning,
                stacklevel=2,
            )


def account_for_parameters(
    definitions: ParameterDefinitions,
    math: MathDefinition,
    problems: ProblemCollector,
    read_by_config: Mapping[str, Any] | None = None,
) -> None:
    """Every parameter the model defines is read by the active math, or reported (see module).

    `read_by_config` maps config key paths to the parameters they name (e.g.
    `config.init.time_cluster` → the representative-day lookup): those are read, and must exist.
    """
    named = {key: str(name) for key, name in (read_by_config or {}).items() if name is not None}
    for key_path, name in named.items():
        if name not in definitions.names():
            problems.add(
                f"'{name}' is not a parameter of this model",
                key_path=key_path,
                expected="the name of a parameter the model defines (e.g. from a data table)",
                closest=closest_name(name, definitions.names()),
            )
    known = math.known_names() | STRUCTURAL_KEYS | set(named.values())
    results = set(math.variables) | set(math.global_expressions)
    unread: list[tuple[str, dict[str, str | None]]] = []
    for name in definitions.names():
        if name in known and name not in results:
            continue
        location = first_location(definitions, name)
        message, expected = _explain(name, results)
        if message is not None:
            problems.add(message, expected=expected, got=name, **location)
            continue
        # a near miss of a name only an inactive extension (or Macro) reads is a misspelling too:
        # spelt right, it would have switched that math on
        closest = closest_name(name, known | _extension_inputs(), cutoff=MISSPELLING_CUTOFF)
        if closest:
            problems.add(
                f"'{name}' is not used by any active math",
                expected="a parameter the math uses",
                got=name,
                closest=closest,
                **location,
            )
            continue
        unread.append((name, location))
    for name, location in unread:
        closest = closest_name(name, known - results, cutoff=SUGGESTION_CUTOFF)
        hint = f" (did you mean '{closest}'?)" if closest else ""
        place = " › ".join(str(part) for part in location.values() if part)
        warnings.warn(
            f"'{name}' ({place}) is read by no active math and has no effect on the "
            f"optimisation{hint}",
            ModelWarning,
            stacklevel=2,
        )


def _extension_inputs() -> set[str]:
    """Every input a built-in extension declares, and Macro's names for them."""
    return set().union(*builtin_extensions().values()) | set(MACRO_NAMES)


def _explain(name: str, results: set[str]) -> tuple[str | None, str | None]:
    """(message, expected) for a name we can explain, else (None, None)."""
    if name in CALLIOPE06_NAMES:
        return (
            f"'{name}' is Calliope 0.6's name",
            "esmflow's (Calliope 0.7's) name: " + CALLIOPE06_NAMES[name].suggestion(),
        )
    if name in SWITCH_NAMES:
        return (
            f"'{name}' is a decision variable of the storage_inter_cluster math, not a switch",
            "esmflow's switch: " + SWITCH_NAMES[name].suggestion(),
        )
    mode = mode_math_declaring(name)
    if mode is not None and name in results:  # a capacity: decided here, given in operate mode
        return (
            f"'{name}' is a decision variable of the math; as data it is read only in "
            f"{mode} mode (given capacities)",
            f"config.init.mode: {mode} to run the model with it given, or its bounds "
            f"('{name}_min', '{name}_max') to fix or limit it here",
        )
    if mode is not None:
        return (
            f"'{name}' is read by the {mode} mode's math, which is not active",
            f"config.init.mode: {mode} (or remove '{name}')",
        )
    feature = planned_feature_of(name)
    if feature is not None:
        return _not_yet(name, feature), None
    if name in results:
        return (
            f"'{name}' is a decision variable (or a result) of the math, not an input",
            f"its bounds ('{name}_min', '{name}_max') to fix or limit it",
        )
    return None, None


def _not_yet(name: str, feature: str) -> str:
    return (
        f"'{name}' belongs to {feature}, which esmflow does not support yet: the model would "
        "be solved as if it were not there"
    )


def first_location(definitions: ParameterDefinitions, name: str) -> dict[str, str | None]:
    """Where a parameter is first defined: its YAML key path, or its data table and file."""
    if definitions.records.get(name):
        return {"file": None, "key_path": definitions.records[name][0].key_path}
    table = definitions.tables[name][0]
    return {"file": table.file, "key_path": f"{table.key_path}.inputs.{name}"}
