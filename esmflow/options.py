"""Frozen option sets that carry config into the build and solve stages.

Config goes in at the edge: the façade, the scripts and the CLI turn the model's `config.build` /
`config.solve` and the workflow's `solver` block into these, and the stages take them as arguments.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from esmflow.errors import ModelError, ProblemCollector, closest_name

logger = logging.getLogger(__name__)
SUPPORTED_SOLVERS = ("highs",)
MODES = ("base", "operate", "spores")
SPORES_SCORING = ("integer", "relative_deployment", "random", "evolving_average")
# The backends esmflow builds for (`esmflow.backends.solve.BACKENDS` maps each to its code):
# `highs` hands the program to HiGHS in memory; `pyomo` builds it as a Pyomo model, for any Pyomo
# solver and for custom constraints written as Pyomo rules.
BACKENDS = ("highs", "pyomo")
# The backend that takes custom constraints (Pyomo rules).
CUSTOM_CONSTRAINTS_BACKEND = "pyomo"
DEFAULT_BACKEND = "highs"


@dataclass(frozen=True)
class BuildOptions:
    """What the math engine needs besides inputs and math.

    `config` is the model's whole `config.build` mapping: math `where` strings may test any key of
    it (`config.ensure_feasibility==True`), so the engine receives it unchanged.
    """

    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def objective(self) -> str:
        """Name of the objective to minimise or maximise."""
        return str(self.config.get("objective", "min_cost_optimisation"))

    @classmethod
    def from_model_config(cls, model_config: Mapping[str, Any]) -> BuildOptions:
        """Take `config.build` from a resolved model config (`{"init":…, "build":…, "solve":…}`)."""
        build = dict(model_config.get("build", {}) or {})
        build.setdefault("ensure_feasibility", False)
        build.setdefault("objective", "min_cost_optimisation")
        return cls(config=build)


def chosen_backend(model_config: Mapping[str, Any], workflow_backend: str | None = None) -> str:
    """The backend a run uses: the workflow's choice, else the model file's, else `highs`.

    The workflow scenario's `backend:` wins over the model's `config.build.backend`. The workflow wins for the same reason its `solver` block wins over `config.solve`: the
    model file says what the model is, the workflow how this run computes it.
    """
    if workflow_backend:
        return str(workflow_backend)
    build = model_config.get("build") or {}
    return str(build.get("backend") or DEFAULT_BACKEND)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity: a Snakemake job's or SLURM's share)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class SolveOptions:
    """Which backend and solver, with which options and threads; where its log goes.

    `name` is the solver: `highs` on the HiGHS backend; on the Pyomo backend any name Pyomo's
    SolverFactory knows (`highs`, `glpk`, `cbc`, `gurobi`, …). `custom_constraints` is a Python
    file whose functions add Pyomo constraints to the model (Pyomo backend only).
    """

    name: str = "highs"
    options: Mapping[str, Any] = field(default_factory=dict)
    threads: int = 1
    log_file: str | None = None
    zero_threshold: float = 1e-10
    backend: str = DEFAULT_BACKEND
    custom_constraints: str | None = None

    def __post_init__(self) -> None:
        if self.custom_constraints and self.backend != CUSTOM_CONSTRAINTS_BACKEND:
            raise ModelError(
                f"Custom constraints (Pyomo rules) need the Pyomo backend; this run uses "
                f"'{self.backend}'",
                file=str(self.custom_constraints),
                key_path="custom_constraints",
                expected="`backend: pyomo` in the scenario (or `config.build.backend: pyomo` in "
                "the model file), or the constraint written as math YAML "
                "(`config.init.extra_math`), which every backend builds",
                got=self.backend,
            )

    @classmethod
    def from_model_config(
        cls, model_config: Mapping[str, Any], override: Mapping[str, Any] | None = None
    ) -> SolveOptions:
        """Merge the model's `config.solve` with a workflow `solver` block (which wins).

        The solver's threads are the override's `threads` (a Snakemake job passes the cores
        its rule was given), else every core this process may use.

        `override` may also name the workflow scenario's `backend` (see `chosen_backend`) and
        its `custom_constraints` file.
        """
        solve = dict(model_config.get("solve", {}) or {})
        override = dict(override or {})
        asked = str(solve.get("solver", "highs"))
        if "name" not in override and asked not in SUPPORTED_SOLVERS:
            # Calliope files often name `cbc`; the model means "a solver", so run it with HiGHS.
            logger.info(
                "the model's config.solve.solver is %r; esmflow solves with HiGHS "
                "(choose the solver in the workflow's `solver.name`)",
                asked,
            )
        options = dict(solve.get("solver_options") or {})
        options.update(override.get("options") or {})
        return cls(
            name=str(override.get("name", "highs")),
            options=options,
            threads=int(override.get("threads") or available_cores()),
            log_file=override.get("log_file"),
            zero_threshold=float(solve.get("zero_threshold", 1e-10)),
            backend=chosen_backend(model_config, override.get("backend")),
            custom_constraints=override.get("custom_constraints"),
        )


@dataclass(frozen=True)
class OperateOptions:
    """Operate mode's rolling horizon (`config.build.operate`): the steps of each `window`
    are kept, solved with a `horizon` of steps ahead (pandas durations such as `12h`)."""

    window: str = "24h"
    horizon: str = "48h"

    @property
    def window_length(self) -> pd.Timedelta:
        """The window as a duration."""
        return pd.Timedelta(self.window)

    @property
    def horizon_length(self) -> pd.Timedelta:
        """The horizon as a duration."""
        return pd.Timedelta(self.horizon)


@dataclass(frozen=True)
class SporesOptions:
    """SPORES mode's loop (`config.solve.spores`); see esmflow/modes/spores.py."""

    number: int = 3
    scoring_algorithm: str = "integer"
    tracking_parameter: str | None = None
    score_threshold_factor: float = 0.1
    random_seed: int = 0


@dataclass(frozen=True)
class ModeOptions:
    """Which mode a model runs in (`config.init.mode`) and that mode's settings."""

    mode: str = "base"
    operate: OperateOptions = field(default_factory=OperateOptions)
    spores: SporesOptions = field(default_factory=SporesOptions)

    @classmethod
    def from_model_config(cls, model_config: Mapping[str, Any]) -> ModeOptions:
        """Take `config.init.mode`, `config.build.operate` and `config.solve.spores`."""
        init = model_config.get("init") or {}
        operate = (model_config.get("build") or {}).get("operate") or {}
        spores = (model_config.get("solve") or {}).get("spores") or {}
        tracking = spores.get("tracking_parameter")
        return cls(
            mode=str(init.get("mode", "base")),
            operate=OperateOptions(
                window=str(operate.get("window", "24h")),
                horizon=str(operate.get("horizon", "48h")),
            ),
            spores=SporesOptions(
                number=int(spores.get("number", 3)),
                scoring_algorithm=str(spores.get("scoring_algorithm", "integer")),
                tracking_parameter=None if tracking is None else str(tracking),
                score_threshold_factor=float(spores.get("score_threshold_factor", 0.1)),
                random_seed=int(spores.get("random_seed", 0) or 0),
            ),
        )


CLUSTER_METHODS = ("hierarchical", "kmeans", "kmedoids", "averaging")
CLUSTER_REPRESENTATIONS = ("medoid", "mean")
EXTREME_KINDS = ("max_value", "min_value", "max_period", "min_period")
CLUSTERING_KEYS = (
    "n_periods",
    "period_length",
    "method",
    "representation",
    "extreme_periods",
    "seed",
    "preserve_means",
)


@dataclass(frozen=True)
class ExtremePeriod:
    """Keep the period where a time series (summed over all its nodes and techs) is extreme.

    `kind` is tsam's: `max_value` (the period holding the highest single value), `min_value`,
    `max_period` (the period with the highest mean), `min_period`. `techs` narrows the sum.
    """

    input: str
    kind: str = "max_value"
    techs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClusteringOptions:
    """How `cluster_time` reduces the horizon to representative periods (the workflow's `clustering`).

    `n_periods` typical periods of `period_length` hours are chosen by tsam's `method`; each is
    represented by its medoid (a real period) or its mean. Extreme periods are added as periods
    of their own. `preserve_means` rescales the representative values so that every time
    series keeps its mean over the horizon (tsam's `preserve_column_means`).
    """

    n_periods: int
    period_length: float = 24.0
    method: str = "hierarchical"
    representation: str = "medoid"
    extreme_periods: tuple[ExtremePeriod, ...] = ()
    seed: int = 0
    preserve_means: bool = True

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> ClusteringOptions | None:
        """The workflow's `clustering` mapping (None or empty: no clustering), checked."""
        if not config:
            return None
        problems = ProblemCollector()
        for key in config:
            if key not in CLUSTERING_KEYS:
                problems.add(
                    f"Unknown clustering setting '{key}'",
                    key_path=f"clustering.{key}",
                    expected=", ".join(CLUSTERING_KEYS),
                    closest=closest_name(str(key), CLUSTERING_KEYS),
                )
        n_periods = config.get("n_periods")
        if not isinstance(n_periods, int) or isinstance(n_periods, bool) or n_periods < 1:
            problems.add(
                "The number of representative periods must be a positive whole number",
                key_path="clustering.n_periods",
                got=repr(n_periods),
            )
        period_length = config.get("period_length", 24)
        if isinstance(period_length, bool) or not isinstance(period_length, int | float):
            problems.add(
                "A period length is a number of hours", key_path="clustering.period_length"
            )
        elif period_length <= 0:
            problems.add(
                "A period length must be positive",
                key_path="clustering.period_length",
                got=repr(period_length),
            )
        for key, choices in (
            ("method", CLUSTER_METHODS),
            ("representation", CLUSTER_REPRESENTATIONS),
        ):
            value = config.get(key, getattr(cls, key))
            if value not in choices:
                problems.add(
                    f"Unknown clustering {key} '{value}'",
                    key_path=f"clustering.{key}",
                    expected=", ".join(choices),
                    closest=closest_name(str(value), choices),
                )
        seed = config.get("seed", cls.seed)
        if isinstance(seed, bool) or not isinstance(seed, int):
            problems.add("A seed is a whole number", key_path="clustering.seed", got=repr(seed))
        extremes = [
            _extreme_period(item, index, problems)
            for index, item in enumerate(config.get("extreme_periods") or [])
        ]
        problems.raise_if_any()
        return cls(
            n_periods=int(n_periods),  # type: ignore[arg-type]
            period_length=float(period_length),
            method=str(config.get("method", cls.method)),
            representation=str(config.get("representation", cls.representation)),
            extreme_periods=tuple(extreme for extreme in extremes if extreme is not None),
            seed=int(seed),  # type: ignore[arg-type]
            preserve_means=bool(config.get("preserve_means", cls.preserve_means)),
        )

    def to_config(self) -> dict[str, Any]:
        """The settings as a plain mapping (recorded with the clustered inputs)."""
        return {
            "n_periods": self.n_periods,
            "period_length": self.period_length,
            "method": self.method,
            "representation": self.representation,
            "extreme_periods": [
                {"input": e.input, "kind": e.kind, "techs": list(e.techs)}
                for e in self.extreme_periods
            ],
            "seed": self.seed,
            "preserve_means": self.preserve_means,
        }


def _extreme_period(item: Any, index: int, problems: ProblemCollector) -> ExtremePeriod | None:
    key_path = f"clustering.extreme_periods[{index}]"
    if not isinstance(item, Mapping) or "input" not in item:
        problems.add(
            "An extreme period names a time-series input and how it is extreme",
            key_path=key_path,
            expected="{input: sink_use_equals, kind: max_value, techs: [...]}",
            got=repr(item),
        )
        return None
    kind = str(item.get("kind", "max_value"))
    if kind not in EXTREME_KINDS:
        problems.add(
            f"Unknown kind of extreme period '{kind}'",
            key_path=f"{key_path}.kind",
            expected=", ".join(EXTREME_KINDS),
            closest=closest_name(kind, EXTREME_KINDS),
        )
    unknown = [key for key in item if key not in ("input", "kind", "techs")]
    if unknown:
        problems.add(
            f"Unknown extreme-period setting '{unknown[0]}'",
            key_path=f"{key_path}.{unknown[0]}",
            expected="input, kind, techs",
        )
    techs = item.get("techs") or []
    techs = [techs] if isinstance(techs, str) else list(techs)
    return ExtremePeriod(str(item["input"]), kind, tuple(str(tech) for tech in techs))
