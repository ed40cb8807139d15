"""The model's `config` with the defaults Calliope 0.7 applies, and the math it switches on.

Defaults follow Calliope 0.7.0's config schema, with one deliberate difference: `build.backend`
defaults to `highs`, the backend esmflow solves with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from esmflow.errors import ProblemCollector, closest_name
from esmflow.io.yaml_files import merge

CONFIG_DEFAULTS: dict[str, Any] = {
    "init": {
        "name": None,
        "calliope_version": None,
        "broadcast_input_data": False,
        "retain_inactive": False,
        "subset": {},
        "resample": {},
        "time_cluster": None,
        "datetime_format": "ISO8601",
        "date_format": "ISO8601",
        "distance_unit": "km",
        "mode": "base",
        "extra_math": [],
        "math_paths": {},
        "pre_validate_math_strings": False,
    },
    "build": {
        "backend": "highs",
        "ensure_feasibility": False,
        "objective": "min_cost_optimisation",
        "operate": {"window": "24h", "horizon": "48h"},
    },
    "solve": {
        "postprocessing_active": True,
        "save_logs": None,
        "shadow_prices": [],
        "solver": "cbc",
        "solver_io": None,
        "solver_options": {},
        "spores": {
            "scoring_algorithm": "integer",
            "number": 3,
            "save_per_spore_path": None,
            "use_latest_results": False,
            "tracking_parameter": None,
            "score_threshold_factor": 0.1,
            "random_seed": 0,  # esmflow's: `random` scoring repeats (Calliope draws unseeded)
        },
        "zero_threshold": 1e-10,
    },
}
MODES = ("base", "operate", "spores")
SPORES_SCORING = ("integer", "relative_deployment", "random", "evolving_average")
DISTANCE_UNITS = ("km", "m")


def resolve_config(config: Any, problems: ProblemCollector) -> dict[str, Any]:
    """The model's config merged over the defaults; misspelt keys and bad choices are problems."""
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        problems.add("`config` must be a mapping", key_path="config", got=repr(config))
        config = {}
    _check_keys(config, CONFIG_DEFAULTS, "config", problems)
    resolved = merge(CONFIG_DEFAULTS, _without_bad_sections(config, CONFIG_DEFAULTS))
    init = resolved["init"]
    if init["mode"] not in MODES:
        problems.add(
            f"Unknown mode '{init['mode']}'",
            key_path="config.init.mode",
            expected=", ".join(MODES),
            closest=closest_name(str(init["mode"]), MODES),
        )
    _check_mode_settings(resolved, problems)
    if init["distance_unit"] not in DISTANCE_UNITS:
        problems.add(
            f"Unknown distance unit '{init['distance_unit']}'",
            key_path="config.init.distance_unit",
            expected=", ".join(DISTANCE_UNITS),
        )
    for key in ("subset", "resample", "math_paths", "solver_options"):
        section = resolved["solve" if key == "solver_options" else "init"]
        if section.get(key) is None:
            section[key] = {}
    if isinstance(init.get("extra_math"), str):
        init["extra_math"] = [init["extra_math"]]
    extra_math = init.get("extra_math") or []
    if not isinstance(extra_math, list) or not all(isinstance(m, str) for m in extra_math):
        problems.add(
            "`extra_math` must be a list of math names",
            key_path="config.init.extra_math",
            expected="built-in math names or keys of config.init.math_paths",
            got=repr(extra_math),
        )
        extra_math = []
    init["extra_math"] = list(extra_math)
    for name in [k for k, v in init["math_paths"].items() if not isinstance(v, str)]:
        problems.add(
            f"`math_paths.{name}` must be a file path",
            key_path=f"config.init.math_paths.{name}",
            got=repr(init["math_paths"].pop(name)),
        )
    for key in ("broadcast_input_data", "retain_inactive"):
        if not isinstance(init.get(key), bool):
            problems.add(
                f"`{key}` must be true or false",
                key_path=f"config.init.{key}",
                got=repr(init.get(key)),
            )
            init[key] = bool(CONFIG_DEFAULTS["init"][key])
    return resolved


def _check_mode_settings(resolved: Mapping[str, Any], problems: ProblemCollector) -> None:
    """Operate's window and horizon are durations, the horizon no shorter; SPORES's settings."""
    operate = resolved["build"].get("operate") or {}
    lengths = {}
    for key in ("window", "horizon"):
        try:
            lengths[key] = pd.Timedelta(str(operate.get(key)))
        except ValueError:
            problems.add(
                f"The operate {key} must be a duration",
                key_path=f"config.build.operate.{key}",
                expected="a pandas duration such as 12h or 1D",
                got=repr(operate.get(key)),
            )
    if len(lengths) == 2 and not pd.Timedelta(0) < lengths["window"] <= lengths["horizon"]:
        problems.add(
            "The operate window must be positive and no longer than the horizon",
            key_path="config.build.operate",
            got=f"window {operate.get('window')}, horizon {operate.get('horizon')}",
        )
    spores = resolved["solve"].get("spores") or {}
    algorithm = spores.get("scoring_algorithm")
    if algorithm not in SPORES_SCORING:
        problems.add(
            f"Unknown SPORES scoring algorithm '{algorithm}'",
            key_path="config.solve.spores.scoring_algorithm",
            expected=", ".join(SPORES_SCORING),
            closest=closest_name(str(algorithm), SPORES_SCORING),
        )
    number = spores.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        problems.add(
            "The number of spores must be a whole number, 0 or more",
            key_path="config.solve.spores.number",
            got=repr(number),
        )
    if spores.get("use_latest_results") or spores.get("save_per_spore_path") is not None:
        key = "use_latest_results" if spores.get("use_latest_results") else "save_per_spore_path"
        problems.add(
            f"esmflow does not restart SPORES from earlier results or save spores one by one "
            f"(`{key}`): every spore is in the one results file, along `spores`",
            key_path=f"config.solve.spores.{key}",
            expected="leave it out",
        )


def _without_bad_sections(config: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """`config` without the sections that should be mappings but are not (already reported)."""
    kept: dict[str, Any] = {}
    for key, value in config.items():
        default = defaults.get(key)
        if isinstance(default, dict) and value is not None and not isinstance(value, Mapping):
            continue
        kept[key] = (
            _without_bad_sections(value, default)
            if isinstance(default, dict) and isinstance(value, Mapping)
            else value
        )
    return kept


def _check_keys(
    config: Mapping[str, Any], defaults: Mapping[str, Any], path: str, problems: ProblemCollector
) -> None:
    """Unknown keys in the fixed parts of config (not in subset/resample/math_paths/solver_options)."""
    for key, value in list(config.items()):
        if isinstance(defaults.get(key), dict) and not isinstance(value, Mapping | None):
            problems.add(
                f"`{path}.{key}` must be a mapping",
                key_path=f"{path}.{key}",
                expected="keys " + ", ".join(defaults[key]) if defaults[key] else "a mapping",
                got=repr(value),
            )
            continue
        if key not in defaults:
            problems.add(
                f"Unknown config key '{key}'",
                key_path=f"{path}.{key}",
                expected=", ".join(defaults),
                closest=closest_name(str(key), defaults),
            )
        elif isinstance(defaults[key], dict) and defaults[key] and isinstance(value, Mapping):
            _check_keys(value, defaults[key], f"{path}.{key}", problems)
