"""The `Model` façade: load a model, build its program, solve it, read its results.

It only chains the stages that the workflow's rules run one by one (see `rules/*.smk`):
prepare inputs → distances → time clustering → build → solve → results. Build and solve go
through the model's mode (`config.init.mode`, esmflow/modes/): base (plan) builds and solves
once; operate builds the first window and solves window by window; spores solves the baseline
and every spore. Each stage lives in its own module and is usable without this class. The ModelWarnings of every stage reach the caller as
Python warnings and are also listed in `Model.warnings` and the results' `warnings` attribute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xarray as xr

from esmflow import stage_warnings
from esmflow.io.read_model import read_model
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions, ClusteringOptions, ModeOptions, SolveOptions
from esmflow.preprocess.clustering import cluster_time
from esmflow.preprocess.distances import add_distances
from esmflow.preprocess.inputs import prepare_inputs, resolved_config

if TYPE_CHECKING:
    from esmflow.backends.result import SolveResult
    from esmflow.math.program import Program
    from esmflow.model_backend import ModelBackend

# The solve side (backends, duals, results, figures) is imported where it is used, not here, so
# that loading and building a model import only what they need: `import esmflow` and a build
# stay lean in time and memory (issue 14).


class Model:
    """An energy-system model: its inputs, and once built and solved, its program and results.

    Examples
    --------
    >>> model = Model.from_yaml("examples/national_scale/model.yaml", set={"config.init.subset.timesteps": ["2005-01-01", "2005-01-02"]})
    >>> model.build()
    >>> model.solve()
    >>> model.results["flow_cap"]
    """

    def __init__(self, inputs: xr.Dataset) -> None:
        self.inputs = inputs
        self.math = MathDefinition.from_inputs(inputs)
        self.config: dict[str, Any] = resolved_config(inputs)
        self.mode = ModeOptions.from_model_config(self.config)
        self.build_options = BuildOptions.from_model_config(self.config)
        self.program: Program | None = None
        self.solve_result: SolveResult | None = None
        self.results: xr.Dataset | None = None
        self.warnings: list[dict[str, str]] = stage_warnings.stored(inputs.attrs)
        self._backend: ModelBackend | None = None

    @classmethod
    def from_yaml(
        cls,
        path: str | Path,
        overrides: Sequence[str] = (),
        set: Mapping[str, Any] | None = None,  # noqa: A002 - the config interface's name
        scenario: str | None = None,
        clustering: ClusteringOptions | Mapping[str, Any] | None = None,
    ) -> Model:
        """Read a Calliope 0.7 model file, apply overrides/scenarios and `set`, and prepare inputs.

        Parameters
        ----------
        path
            The model YAML file.
        overrides
            Names of overrides or scenarios defined in the model file, applied in order.
        set
            Dotted keys and values applied last (e.g. ``{"config.init.subset.timesteps": [...]}``).
        scenario
            A scenario name; shorthand for ``overrides=[scenario]``.
        clustering
            Representative periods to cluster time into, as the workflow's `clustering`
            settings (e.g. ``{"n_periods": 8}``); without it, time is clustered only if the
            model's `config.init.time_cluster` asks for it.

        Raises
        ------
        ModelError
            Anything wrong with the model definition or its data, all problems listed at once.
        """
        names = [*([scenario] if scenario else []), *overrides]
        with stage_warnings.recording("prepare_inputs") as found:
            definition = read_model(path, overrides=names, set_values=dict(set or {}))
            inputs = prepare_inputs(definition)
        with stage_warnings.recording("compute_distances") as found_later:
            inputs = add_distances(inputs)
        if not isinstance(clustering, ClusteringOptions):
            clustering = ClusteringOptions.from_config(clustering)
        with stage_warnings.recording("cluster_time") as found_last:
            inputs = cluster_time(inputs, clustering)
        inputs.attrs = stage_warnings.with_records(
            inputs.attrs, [*found, *found_later, *found_last]
        )
        return cls(inputs)

    def build(self, options: BuildOptions | None = None) -> Program:
        """Turn inputs and math into the linear (or mixed-integer) program.

        In operate mode, the program of the first window's horizon (`solve` runs the rest).
        """
        from esmflow.modes.run import build_for_mode

        options = options or BuildOptions.from_model_config(self.config)
        self.build_options = options
        with stage_warnings.recording("build_model") as found:
            self.program = build_for_mode(self.inputs, self.math, options, self.mode)
        self.warnings = stage_warnings.unique([*self.warnings, *found])
        return self.program

    def solve(self, options: SolveOptions | None = None) -> xr.Dataset:
        """Solve the built program (building it first if needed) and return the results Dataset.

        Operate mode solves every window and SPORES every spore; the results hold them all
        (operate: one time axis; SPORES: a `spores` dimension).
        """
        from esmflow.backends.duals import shadow_prices, with_duals
        from esmflow.modes.run import run_mode
        from esmflow.postprocess.results import make_results

        if self.program is None:
            self.build()
        assert self.program is not None
        options = options or SolveOptions.from_model_config(self.config)
        with stage_warnings.recording("solve_model") as found:
            self.solve_result = run_mode(
                self.program, self.inputs, self.math, self.build_options, options, self.mode
            )
            if self.mode.mode == "base":  # a plan's prices; operate and SPORES solve many programs
                self.solve_result = with_duals(
                    self.solve_result, self.program, shadow_prices(self.config)
                )
        self.warnings = stage_warnings.unique([*self.warnings, *found])
        self.results = make_results(self.inputs, self.solve_result)
        self.results.attrs[stage_warnings.WARNINGS_ATTR] = stage_warnings.encoded(self.warnings)
        return self.results

    @property
    def backend(self) -> ModelBackend:
        """The program held in its backend (built and handed over on first use), to change and re-run.

        `model.backend.add_constraint(name, sets, rule)` adds a Pyomo rule (Pyomo backend),
        `model.backend.rerun()` solves again without building again; see `esmflow.model_backend`.
        """
        return self._backend or self.open_backend()

    def open_backend(self, options: SolveOptions | None = None) -> ModelBackend:
        """Hand the built program (built first if needed) to the backend `options` name."""
        from esmflow.backends.solve import open_session
        from esmflow.model_backend import ModelBackend

        if self.program is None:
            self.build()
        assert self.program is not None
        options = options or SolveOptions.from_model_config(self.config)
        with stage_warnings.recording("solve_model") as found:
            session = open_session(self.program, options, self.inputs, self.math)
        self.warnings = stage_warnings.unique([*self.warnings, *found])
        self._backend = ModelBackend(self, session, options.backend)
        return self._backend
