"""Frozen option sets that carry config into the build and solve stages.

Config goes in at the edge: the façade, the scripts and the CLI turn the model's `config.build` /
`config.solve` and the workflow's `solver` block into these, and the stages take them as arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)
SUPPORTED_SOLVERS = ("highs",)
MODES = ("base", "operate", "spores")
SPORES_SCORING = ("integer", "relative_deployment", "random", "evolving_average")
# The backends esmflow builds for (`esmflow.backends.solve.BACKENDS` maps each to its code).
BACKENDS = ("highs",)
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


@dataclass(frozen=True)
class SolveOptions:
    """Which backend and solver, with which options and threads; where its log goes."""

    name: str = "highs"
    options: Mapping[str, Any] = field(default_factory=dict)
    threads: int = 1
    log_file: str | None = None
    zero_threshold: float = 1e-10
    backend: str = DEFAULT_BACKEND

    @classmethod
    def from_model_config(
        cls, model_config: Mapping[str, Any], override: Mapping[str, Any] | None = None
    ) -> SolveOptions:
        """Merge the model's `config.solve` with a workflow `solver` block (which wins).

        `override` may also name the workflow scenario's `backend` (see `chosen_backend`).
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
            threads=int(override.get("threads", 1)),
            log_file=override.get("log_file"),
            zero_threshold=float(solve.get("zero_threshold", 1e-10)),
            backend=chosen_backend(model_config, override.get("backend")),
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
