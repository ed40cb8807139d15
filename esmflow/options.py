"""Frozen option sets that carry config into the build and solve stages.

Config goes in at the edge: the façade, the scripts and the CLI turn the model's `config.build` /
`config.solve` and the workflow's `solver` block into these, and the stages take them as arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)
SUPPORTED_SOLVERS = ("highs",)
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
