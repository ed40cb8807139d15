"""0.6 `model` and `run` settings → esmflow's `config`, `data_definitions` and extras.

Most become `config.init`/`config.build`/`config.solve` keys or model-wide parameters
(`objective_cost_weights`, `bigM`, `cyclic_storage`, `reserve_margin`). Two have no place in a
model file and are handed back separately: time clustering (a workflow setting in esmflow,
`clustering:` of a scenario) and a maximising objective (a small math file).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from esmflow.errors import ModelError, closest_name
from esmflow.io.calliope06.report import Report

MODES = {"plan": "base", "operate": "operate", "spores": "spores"}
SOLVER_OPTIONS = {"mipgap": "mip_rel_gap", "threads": "threads", "time_limit": "time_limit"}
CLUSTER_METHODS = {"kmeans": "kmeans", "hierarchical": "hierarchical"}
CLUSTER_REPRESENTATIONS = {"closest": "medoid", "mean": "mean"}
BIG_M_06 = 1e9  # 0.6's default `run.bigM`
MAXIMISE_MATH = "maximise_cost"
MAXIMISE_OBJECTIVE = "max_cost_optimisation"
MAXIMISE_TEXT = """\
# Written by esmflow convert-v06: Calliope 0.6's `run.objective_options.sense: maximize`.
objectives:
  max_cost_optimisation:
    description: >-
      Maximise the weighted sum of the cost classes (Calliope 0.6's `minmax_cost_optimization`
      with `sense: maximize`), less `bigM` per unit of unmet demand or unused supply.
    sense: maximise
    equations:
      - expression: >-
          sum(objective_cost_weights * sum(cost, over=[nodes, techs]), over=costs)
          - $feasibility_penalty
    sub_expressions:
      feasibility_penalty:
        - expression: >-
            bigM * sum(
              timestep_weights * sum(unmet_demand - unused_supply, over=[nodes, carriers]),
              over=timesteps
            )
"""


@dataclass
class Settings:
    """esmflow `config`, model-wide parameters, and what lives beside the model file."""

    config: dict[str, Any] = field(default_factory=dict)
    data_definitions: dict[str, Any] = field(default_factory=dict)
    clustering: dict[str, Any] | None = None
    math_files: dict[str, str] = field(default_factory=dict)
    group_share: Any = None
    resolution_hours: float = 1.0


def convert_settings(model: Mapping[str, Any], run: Mapping[str, Any], report: Report) -> Settings:
    """Both sections, every key reported."""
    settings = Settings(config={"init": {"calliope_version": "0.7.0"}, "build": {}, "solve": {}})
    _convert_model(dict(model or {}), settings, report)
    _convert_run(dict(run or {}), settings, report)
    return settings


def _convert_model(model: dict[str, Any], settings: Settings, report: Report) -> None:
    init = settings.config["init"]
    for key, value in model.items():
        path = f"model.{key}"
        if key == "name":
            init["name"] = value
            report.mapped(path, "config.init.name")
        elif key == "calliope_version":
            report.mapped(
                path, "config.init.calliope_version", "the converted model is 0.7.0's format"
            )
        elif key in ("timeseries_data_path", "timeseries_dateformat"):
            report.mapped(path, "data_tables", "read by the converter, which rewrote the CSV files")
        elif key == "subset_time":
            if value is not None:
                bounds = [value, value] if isinstance(value, str) else [str(v) for v in value]
                init["subset"] = {"timesteps": [_valid_date(str(b), report) for b in bounds]}
            report.mapped(path, "config.init.subset.timesteps")
        elif key == "time":
            if value:
                _convert_time(value, model.get("random_seed"), settings, report)
        elif key == "random_seed":
            report.mapped(path, "clustering.seed", "used by time clustering only")
        elif key == "reserve_margin":
            carriers = dict(value or {})
            settings.data_definitions["reserve_margin"] = {
                "data": [float(v) for v in carriers.values()],
                "index": list(carriers),
                "dims": "carriers",
            }
            report.mapped(path, "data_definitions.reserve_margin", "esmflow's reserve_margin math")
        elif key == "group_share":
            settings.group_share = value
            report.mapped(
                path,
                "group_share",
                "kept as a top-level `group_share`, which esmflow turns into group constraints "
                "(with a warning, as 0.6 deprecated it)",
            )
        elif key == "timeseries_data":
            report.not_mapped(
                path, "0.6's in-memory time series; pass DataFrames with `df=` instead"
            )
        else:
            report.not_mapped(path, "not a Calliope 0.6.10 `model` key")


def _convert_time(time: Mapping[str, Any], seed: Any, settings: Settings, report: Report) -> None:
    function = time.get("function")
    options = dict(time.get("function_options") or {})
    if time.get("masks"):
        report.gap(
            "model.time.masks",
            "config.init.resample.timesteps",
            "esmflow has no time masks (keeping extreme periods at full resolution while "
            "resampling the rest); the whole horizon is treated as `function` says",
        )
    if function == "resample":
        resolution = str(options.get("resolution", ""))
        frequency = resolution.replace("H", "h").replace("T", "min")
        settings.config["init"]["resample"] = {"timesteps": frequency}
        hours = _hours(frequency)
        if hours is not None:
            settings.resolution_hours = hours
        report.mapped(
            "model.time.function_options.resolution",
            "config.init.resample.timesteps",
            "resource/demand series summed, the rest averaged, as 0.6",
        )
        report.mapped("model.time.function", "config.init.resample")
    elif function == "apply_clustering":
        _convert_clustering(options, seed, settings, report)
    elif function is not None:
        report.not_mapped("model.time.function", f"esmflow has no time function '{function}'")
    for key in time:
        if key not in ("function", "function_options", "masks"):
            report.not_mapped(f"model.time.{key}", "not a key of 0.6's `model.time`")


def _convert_clustering(
    options: Mapping[str, Any], seed: Any, settings: Settings, report: Report
) -> None:
    func = str(options.get("clustering_func", "kmeans"))
    clustering: dict[str, Any] = {}
    if func in CLUSTER_METHODS:
        clustering["method"] = CLUSTER_METHODS[func]
    else:
        report.not_mapped(
            "model.time.function_options.clustering_func",
            f"'{func}': esmflow clusters with tsam (kmeans, hierarchical, …) or reads a "
            "datestep lookup as config.init.time_cluster; a 0.6 cluster file needs rewriting",
        )
        return
    if options.get("k") is None:
        report.not_mapped(
            "model.time.function_options.k",
            "0.6 chose k by Hartigan's rule when it was missing; esmflow needs a number of periods",
        )
        return
    clustering["n_periods"] = int(options["k"])
    how = str(options.get("how", "mean"))
    clustering["representation"] = CLUSTER_REPRESENTATIONS.get(how, "mean")
    if seed is not None:
        clustering["seed"] = int(seed)
    settings.clustering = clustering
    report.gap(
        "model.time",
        "clustering (a workflow setting)",
        "esmflow clusters in the workflow's `cluster_time` step with tsam: the converter wrote "
        "the settings to clustering.yaml (use them as the scenario's `clustering:` or "
        "Model.from_yaml(..., clustering=...)). tsam's k-means is not scikit-learn's, so the "
        "representative days, and the objective, differ from 0.6's",
    )
    if options.get("storage_inter_cluster") is False:
        report.gap(
            "model.time.function_options.storage_inter_cluster",
            "storage_inter_cluster math",
            "esmflow always carries storage across representative periods when clustering",
        )
    for key in options:
        if key not in ("clustering_func", "k", "how", "storage_inter_cluster"):
            report.not_mapped(f"model.time.function_options.{key}", "no tsam setting matches it")
    report.difference(
        "Time-weighted group sums",
        "with clustered time, esmflow weights group-constraint sums over time by "
        "`timestep_weights`; 0.6 summed them unweighted (math-calliope06.md §12.1).",
    )


def _valid_date(text: str, report: Report) -> str:
    """`2005-02-31` (which 0.6, through pandas, read as the end of February) → `2005-02-28`."""
    parts = text.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return text
    year, month, day = (int(p) for p in parts)
    if not 1 <= month <= 12:
        return text
    last = calendar.monthrange(year, month)[1]
    if day <= last:
        return text
    fixed = f"{year:04d}-{month:02d}-{last:02d}"
    report.difference(
        "Time subset past the end of a month",
        f"0.6 accepted `{text}` as the end of the month; the converter wrote `{fixed}`.",
    )
    return fixed


def _hours(frequency: str) -> float | None:
    number, unit = frequency.rstrip("hD"), frequency[len(frequency.rstrip("hD")) :]
    try:
        value = float(number or 1)
    except ValueError:
        return None
    return value * (24 if unit == "D" else 1) if unit in ("h", "D") else None


def _convert_run(run: dict[str, Any], settings: Settings, report: Report) -> None:
    init, build, solve = (settings.config[k] for k in ("init", "build", "solve"))
    definitions = settings.data_definitions
    cost_classes: Mapping[str, Any] = {"monetary": 1}
    sense = "minimize"
    mode = str(run.get("mode", "plan"))
    for key, value in run.items():
        path = f"run.{key}"
        if key == "mode":
            if mode not in MODES:
                raise ModelError(
                    f"Unknown run mode '{mode}'",
                    key_path=path,
                    expected=", ".join(MODES),
                    closest=closest_name(mode, MODES),
                )
            init["mode"] = MODES[mode]
            report.mapped(path, "config.init.mode", f"{mode} → {MODES[mode]}")
        elif key == "solver":
            solve["solver"] = value
            report.mapped(
                path, "config.solve.solver", "esmflow solves with HiGHS whatever it names"
            )
        elif key == "solver_options":
            _convert_solver_options(dict(value or {}), solve, report)
        elif key == "zero_threshold":
            solve["zero_threshold"] = float(value)
            report.mapped(path, "config.solve.zero_threshold")
        elif key == "ensure_feasibility":
            build["ensure_feasibility"] = bool(value)
            report.mapped(path, "config.build.ensure_feasibility")
        elif key == "bigM":
            definitions["bigM"] = float(value)
            report.mapped(path, "data_definitions.bigM")
        elif key == "cyclic_storage":
            if value is False:
                definitions["cyclic_storage"] = False
            report.mapped(path, "data_definitions.cyclic_storage")
        elif key == "objective":
            if value == "check_feasibility":
                build["objective"] = "check_feasibility"
                report.mapped(path, "config.build.objective")
            elif value in ("minmax_cost_optimization", None):
                report.mapped(path, "config.build.objective", "min_cost_optimisation")
            else:
                report.not_mapped(path, f"esmflow has no objective '{value}'")
        elif key == "objective_options":
            options = dict(value or {})
            cost_classes = options.pop("cost_class", None) or {"monetary": 1}
            report.mapped(f"{path}.cost_class", "data_definitions.objective_cost_weights")
            if "sense" in options:
                sense = str(options.pop("sense"))
                report.mapped(f"{path}.sense", "config.build.objective", "maximize: a math file")
            for other in options:
                report.not_mapped(f"{path}.{other}", "not a 0.6.10 objective option")
        elif key == "operation":
            _convert_operation(dict(value or {}), build, settings, report)
        elif key == "spores_options":
            _convert_spores(dict(value or {}), settings, report)
        elif key == "relax_constraint":
            report.gap(
                path,
                "group_demand_share_per_timestep_decision",
                "esmflow's demand_share_per_timestep_decision has no relaxation factor: it is "
                "an equality as with 0.6's default of 0",
            )
        elif key in ("solver_io", "save_logs", "persistent_solver"):
            report.not_mapped(
                path,
                "esmflow hands HiGHS its matrices in memory; logs go to the workflow's log files",
            )
        else:
            report.not_mapped(path, "not a Calliope 0.6.10 `run` key")
    if not isinstance(cost_classes, Mapping):
        raise ModelError(
            "`run.objective_options.cost_class` is a mapping of cost classes to weights",
            key_path="run.objective_options.cost_class",
            got=repr(cost_classes),
        )
    weights = {str(k): 1.0 if v is None else float(v) for k, v in cost_classes.items()}
    definitions["objective_cost_weights"] = {
        "data": list(weights.values()),
        "index": list(weights),
        "dims": "costs",
    }
    definitions.setdefault("bigM", BIG_M_06)
    if sense.startswith("max"):
        init["math_paths"] = {MAXIMISE_MATH: f"math/{MAXIMISE_MATH}.yaml"}
        init["extra_math"] = [MAXIMISE_MATH]
        build["objective"] = MAXIMISE_OBJECTIVE
        settings.math_files[f"math/{MAXIMISE_MATH}.yaml"] = MAXIMISE_TEXT
    elif not sense.startswith("min"):
        raise ModelError(
            f"Unknown objective sense '{sense}'",
            key_path="run.objective_options.sense",
            expected="minimize or maximize",
        )
    if mode == "operate":
        definitions["cyclic_storage"] = False
        report.difference(
            "Operate mode",
            "0.6 switched cyclic storage off in operate mode with a warning; the converter "
            "sets cyclic_storage: false. Capacities are inputs (`flow_cap`, `storage_cap`, "
            "`area_use`, `source_cap`) taken from the 0.6 `_equals`, else `_max`, values.",
        )


def _convert_solver_options(options: dict[str, Any], solve: dict[str, Any], report: Report) -> None:
    converted = {}
    for key, value in options.items():
        path = f"run.solver_options.{key}"
        if key in SOLVER_OPTIONS:
            converted[SOLVER_OPTIONS[key]] = value
            report.mapped(
                path, f"config.solve.solver_options.{SOLVER_OPTIONS[key]}", "HiGHS's name"
            )
        else:
            report.not_mapped(path, "an option of another solver; HiGHS has no option of that name")
    if converted:
        solve["solver_options"] = converted


def _convert_operation(
    operation: dict[str, Any], build: dict[str, Any], settings: Settings, report: Report
) -> None:
    operate: dict[str, Any] = {}
    for key, value in operation.items():
        path = f"run.operation.{key}"
        if key in ("window", "horizon"):
            hours = float(value) * settings.resolution_hours
            operate[key] = f"{hours:g}h"
            report.mapped(
                path, f"config.build.operate.{key}", "0.6 counted timesteps; esmflow hours"
            )
        else:
            report.not_mapped(path, "esmflow's operate mode takes a window and a horizon only")
    if operate:
        build["operate"] = operate


def _convert_spores(options: dict[str, Any], settings: Settings, report: Report) -> None:
    for key, value in options.items():
        path = f"run.spores_options.{key}"
        if key == "spores_number":
            settings.config["solve"].setdefault("spores", {})["number"] = int(value)
            report.mapped(path, "config.solve.spores.number")
        elif key == "slack":
            settings.data_definitions["spores_slack"] = float(value)
            report.mapped(path, "data_definitions.spores_slack")
        else:
            report.gap(
                path,
                "config.solve.spores",
                "Calliope 0.7's SPORES (esmflow's) scores capacities itself, not through a "
                "0.6 cost class and slack group",
            )


def is_finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)
