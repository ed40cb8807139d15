"""Operate mode: given capacities dispatched window by window over a rolling horizon.

Calliope 0.7's operate mode, in our words. The capacities are inputs (`flow_cap`,
`storage_cap`, `source_cap`, `area_use`, `purchased_units`), which `math/operate.yaml` turns
into parameters; only operating costs count. The time axis is cut into windows of
`config.build.operate.window`; each is solved over a `horizon` that looks ahead (at least one
window long), and only the window's own steps are kept. The storage level at the end of a
window becomes the next window's `storage_initial` (as a fraction of `storage_cap`).

The program is built once, over the first horizon. Every later window relabels its time series
to the first window's steps and gives them, with the new `storage_initial`, to the linked
program (math/engine/update.py): only the components that read changed inputs are evaluated
again, and the backend applies the new bounds, right-hand sides and costs in place (HiGHS keeps
its basis, so each window starts from the last one's). Near the end of the time axis a horizon
is cut short. Calliope builds a shorter program there; we keep the long one and switch its
surplus steps off: every variable there is fixed at 0 and every row there is freed, so those
steps neither cost nor constrain anything, and the program equals the short one on the steps
that are left (the rows that tie the first surplus step to the last real one are among the
freed). Where a row outside the time axis (a sum over time) reads a time series, the surplus
steps' stale values would count in it, and a shorter program is built as Calliope does. Results
keep each window's steps; global expressions and the objective are then
evaluated over the whole time axis from the kept dispatch.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from esmflow.backends.result import OPTIMAL, TIME_LIMIT_FEASIBLE, SolveResult
from esmflow.backends.solve import open_session, solve
from esmflow.errors import ModelError
from esmflow.math.engine.build import build_program
from esmflow.math.engine.postprocessed import solved_expressions, solved_objectives
from esmflow.math.engine.update import LinkedProgram, StructureChanged
from esmflow.math.program import Program, ProgramChanges
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions, OperateOptions, SolveOptions
from esmflow.preprocess.inputs import resolved_config

logger = logging.getLogger(__name__)

# Capacities a plan's results hand to an operate run (operate.yaml's parameters).
CAPACITIES = ("flow_cap", "storage_cap", "source_cap", "area_use", "purchased_units")


@dataclass(frozen=True)
class Window:
    """One window: positions of its first step, of the step after its horizon, and after its
    last kept step (the next window's first step, or the end)."""

    number: int
    start: int
    stop: int
    keep: int

    @property
    def length(self) -> int:
        """Steps in its horizon."""
        return self.stop - self.start


def windows(timesteps: pd.DatetimeIndex, options: OperateOptions) -> list[Window]:
    """The windows of a time axis: starts every `window`, each seeing `horizon` ahead."""
    window, horizon = options.window_length, options.horizon_length
    starts = pd.date_range(timesteps[0], timesteps[-1], freq=window)
    first = np.unique(np.searchsorted(timesteps, starts))  # a window's first step
    ends = np.searchsorted(timesteps, timesteps[first] + horizon)  # after its horizon
    keeps = [*first[1:], len(timesteps)]
    return [
        Window(number, int(start), int(stop), int(keep))
        for number, (start, stop, keep) in enumerate(zip(first, ends, keeps, strict=True), 1)
    ]


def with_plan_capacities(inputs: xr.Dataset, plan: xr.Dataset, plan_name: str) -> xr.Dataset:
    """Operate inputs with the capacities a plan run decided (the workflow's `operate_from`).

    `plan` is the plan scenario's solution; every capacity it decided (`CAPACITIES`) becomes
    an input here, replacing any the operate model gives. The model must run in operate mode,
    and over the same nodes and techs as the plan.
    """
    config = resolved_config(inputs)
    mode = ((config.get("init") or {}).get("mode")) or "base"
    if mode != "operate":
        raise ModelError(
            f"operate_from: {plan_name} gives capacities to a model that runs in {mode} mode",
            key_path="config.init.mode",
            expected="operate (the workflow sets it for a scenario with `operate_from`)",
            got=mode,
        )
    if "spores" in plan.dims:
        plan = plan.isel(spores=0, drop=True)  # the least-cost design of a SPORES run
    given = {name: plan[name] for name in CAPACITIES if name in plan.data_vars}
    for name, values in given.items():
        for dim in values.dims:
            missing = sorted(set(inputs.indexes[dim]) - set(values.indexes[dim]))
            if dim in inputs.dims and missing:
                raise ModelError(
                    f"operate_from: {plan_name} decided no '{name}' for {dim} {missing}",
                    key_path="operate_from",
                    expected=f"a plan scenario of the same model (the same {dim})",
                    got=", ".join(map(str, missing)),
                )
    values = {name: array.reindex_like(inputs[list(array.dims)]) for name, array in given.items()}
    logger.info("operating the capacities of %s: %s", plan_name, ", ".join(sorted(values)))
    return inputs.assign(values)


def first_horizon(inputs: xr.Dataset, options: OperateOptions) -> xr.Dataset:
    """The inputs over the first window's horizon: what the program is built from."""
    first = windows(inputs.indexes["timesteps"], options)[0]
    return inputs.isel(timesteps=slice(first.start, first.stop))


def operate_inputs(inputs: xr.Dataset, math: MathDefinition) -> xr.Dataset:
    """The inputs with `storage_initial` given per node wherever a storage capacity is.

    Each later window hands on a level per node and tech; given in that shape from the start,
    the windows change only its values (right-hand sides), never where it is defined (which
    would make the linked program evaluate the storage balances anew).
    """
    if "storage_cap" not in inputs or "storage_initial" not in math.parameters:
        return inputs
    capacity = inputs["storage_cap"]
    capacity = xr.broadcast(capacity, *(inputs[dim] for dim in ("nodes", "techs")))[0]
    default = float(math.parameters["storage_initial"].get("default", 0) or 0)
    given = inputs.get("storage_initial", xr.DataArray(default))
    shaped = given.broadcast_like(capacity).where(capacity.notnull())
    shaped = shaped.fillna(default).where(capacity.notnull())
    return inputs.assign(storage_initial=shaped.transpose(*capacity.dims).astype(float))


def build_operate(
    inputs: xr.Dataset, math: MathDefinition, build: BuildOptions, options: OperateOptions
) -> Program:
    """The program of the first window's horizon."""
    return build_program(first_horizon(operate_inputs(inputs, math), options), math, build)


class _Horizon:
    """A program of one horizon length, linked to its inputs, in an open backend session."""

    def __init__(
        self,
        program: Program,
        inputs: xr.Dataset,
        math: MathDefinition,
        build: BuildOptions,
        solve_options: SolveOptions,
    ) -> None:
        self.linked = LinkedProgram(program, inputs, math, build)
        self.session = open_session(program, solve_options, inputs, math)
        self.length = int(inputs.sizes["timesteps"])

    def relabelled(self, values: xr.DataArray) -> xr.DataArray:
        """A window's input on the program's own steps (those of the first window this long).

        The program's array with the window's values: the very same coordinates, so that
        xarray does not align anything when the components are evaluated again. A window
        shorter than the program (the end of the time axis) fills its first steps; the
        surplus steps keep the values the program holds (they are switched off by `mask`).
        """
        name = str(values.name)
        current = self.linked.inputs.get(name)
        count = int(values.sizes["timesteps"])
        fits = current is not None and current.dims == values.dims
        if fits and count < self.length:
            data = current.values.copy()
            axis = current.dims.index("timesteps")
            head = (slice(None),) * axis + (slice(0, count),)
            data[head] = values.values
            return current.copy(data=data)
        if not fits or current.shape != values.shape:
            steps = self.linked.inputs.indexes["timesteps"][:count]
            return values.assign_coords(timesteps=steps)
        return current.copy(data=values.values)

    def can_mask(self, time_varying: list[str]) -> bool:
        """Whether surplus steps can be switched off: no row outside the time axis (a sum over
        time) reads a time series, whose surplus values would then count in it."""
        constraints = self.linked.program.model.constraints
        for name in time_varying:
            for key in self.linked.readers.get(name, frozenset()):
                section, _, component = key.partition(".")
                if section != "constraints" or component not in constraints:
                    continue
                if "timesteps" not in constraints[component].labels.dims:
                    return False
        return True

    def mask(self, count: int) -> ProgramChanges:
        """Switch off the program's steps from position `count` on: their columns fixed at 0,
        their rows free. Applied after every update of a shortened window (an update may
        have set bounds or right-hand sides there again)."""
        if count >= self.length:
            return ProgramChanges()
        model = self.linked.program.model
        columns = _labels_after(
            [variable.labels for variable in model.variables.data.values()], count
        )
        rows = _labels_after([row.labels for row in model.constraints.data.values()], count)
        zeros = np.zeros(len(columns))
        free = np.full(len(rows), np.inf)
        return ProgramChanges(
            column_bounds=[(columns, zeros, zeros)], row_bounds=[(rows, -free, free)]
        )


def _labels_after(labels: list[xr.DataArray], count: int) -> np.ndarray:
    """The linopy labels of every array at time positions `count` and later."""
    found = [
        array.isel(timesteps=slice(count, None)).values.ravel()
        for array in labels
        if "timesteps" in array.dims
    ]
    every = np.concatenate(found) if found else np.array([], dtype=int)
    return every[every >= 0]


def run_operate(
    program: Program,
    inputs: xr.Dataset,
    math: MathDefinition,
    build: BuildOptions,
    solve_options: SolveOptions,
    options: OperateOptions,
) -> SolveResult:
    """Solve every window; the kept dispatch of all windows as one result.

    `program` is `build_operate`'s (the first horizon). The result's `objective` is the
    objective evaluated over the whole time axis from the kept dispatch; each window's own
    objective (over its horizon) is in `solves`.
    """
    started = time.perf_counter()
    inputs = operate_inputs(inputs, math)
    plan = windows(inputs.indexes["timesteps"], options)
    time_varying = [name for name, array in inputs.data_vars.items() if "timesteps" in array.dims]
    horizons: dict[int, _Horizon] = {}
    kept: list[xr.Dataset] = []
    results: list[SolveResult] = []
    solves: list[dict[str, Any]] = []
    storage_initial: xr.DataArray | None = None
    for window in plan:
        window_inputs = inputs.isel(timesteps=slice(window.start, window.stop))
        longer = [
            length
            for length, horizon in horizons.items()
            if length > window.length and horizon.can_mask(time_varying)
        ]
        at_end = window.stop == len(inputs.indexes["timesteps"])
        rebuilt = window.length not in horizons and not (at_end and longer)
        if rebuilt:
            built = program if not horizons else build_program(window_inputs, math, build)
            horizons[window.length] = _Horizon(built, window_inputs, math, build, solve_options)
        # the end of the time axis: the longest program, its surplus steps switched off
        horizon = horizons[window.length if window.length in horizons else max(longer)]
        new = {name: horizon.relabelled(window_inputs[name]) for name in time_varying}
        if storage_initial is not None:
            new["storage_initial"] = storage_initial
        try:
            horizon.session.apply(horizon.linked.update_inputs(new))
            horizon.session.apply(horizon.mask(window.length))
        except StructureChanged as changed:
            logger.info("window %d: %s changes shape; building anew", window.number, changed)
            built = build_program(window_inputs.assign(new_storage(new)), math, build)
            horizons[window.length] = horizon = _Horizon(
                built, window_inputs.assign(new_storage(new)), math, build, solve_options
            )
            rebuilt = True
        result = _solve_window(horizon, window, window_inputs, new, math, build, solve_options)
        solution = result.solution.isel(timesteps=slice(0, window.length))  # not the surplus
        solution = solution.assign_coords(timesteps=window_inputs.timesteps.values)
        kept.append(_kept_steps(solution, window.keep - window.start))
        storage_initial = next_storage_initial(kept[-1], inputs)
        results.append(result)
        solves.append(_window_record(window, window_inputs, result, rebuilt))
    logger.info(
        "operate: %d windows solved in %.2f s (%d programs built)",
        len(plan),
        time.perf_counter() - started,
        sum(record["built"] for record in solves),
    )
    return _combined(kept, results, solves, inputs, math, build, started)


def new_storage(new: dict[str, xr.DataArray]) -> dict[str, xr.DataArray]:
    """Only `storage_initial` of a window's new inputs (its other arrays keep their labels)."""
    return {"storage_initial": new["storage_initial"]} if "storage_initial" in new else {}


def _solve_window(
    horizon: _Horizon,
    window: Window,
    window_inputs: xr.Dataset,
    new: dict[str, xr.DataArray],
    math: MathDefinition,
    build: BuildOptions,
    solve_options: SolveOptions,
) -> SolveResult:
    """Solve one window; a failure is diagnosed on a program built afresh for it."""
    try:
        return horizon.session.solve(with_expressions=False)  # evaluated over all steps later
    except ModelError as err:
        steps = window_inputs.timesteps.values
        where = f"operate window {window.number} ({_text(steps[0])} to {_text(steps[-1])})"
        if horizon.session.has_changed:  # diagnose on the window's own program, not an edit
            fresh_inputs = window_inputs.assign(new_storage(new))
            try:
                solve(build_program(fresh_inputs, math, build), solve_options, fresh_inputs, math)
            except ModelError as fresh:
                raise ModelError(f"In {where}: {fresh}") from fresh
        raise ModelError(f"In {where}: {err}") from err


def _kept_steps(solution: xr.Dataset, count: int) -> xr.Dataset:
    """The first `count` steps of every time-indexed array (the window's own steps)."""
    return solution.isel(timesteps=slice(0, count))


def next_storage_initial(kept: xr.Dataset, inputs: xr.Dataset) -> xr.DataArray | None:
    """The storage level at the end of the kept steps, as a fraction of `storage_cap`
    (`inputs` as `operate_inputs` shaped them)."""
    if "storage" not in kept or "storage_cap" not in inputs or "storage_initial" not in inputs:
        return None
    level = kept["storage"].isel(timesteps=-1, drop=True)
    if not bool(level.notnull().any()):
        return None
    capacity = inputs["storage_cap"]
    # where there is no level to hand on, the window keeps the given one (defined as before)
    handed_on = (level / capacity.where(capacity > 0)).combine_first(inputs["storage_initial"])
    return handed_on.transpose(*inputs["storage_initial"].dims)


def _window_record(
    window: Window, window_inputs: xr.Dataset, result: SolveResult, rebuilt: bool
) -> dict[str, Any]:
    steps = window_inputs.timesteps.values
    return {
        "window": window.number,
        "start": _text(steps[0]),
        "kept_until": _text(steps[window.keep - window.start - 1]),
        "horizon_until": _text(steps[-1]),
        "termination": result.termination,
        "objective": float(result.objective),
        "mip_gap": result.mip_gap,
        "wall_time_s": round(float(result.wall_time), 4),
        "built": rebuilt,
    }


def _text(step: Any) -> str:
    return str(pd.Timestamp(step))


def _combined(
    kept: list[xr.Dataset],
    results: list[SolveResult],
    solves: list[dict[str, Any]],
    inputs: xr.Dataset,
    math: MathDefinition,
    build: BuildOptions,
    started: float,
) -> SolveResult:
    """All windows' kept steps as one solution over the whole time axis."""
    variables = [name for name in kept[0].data_vars if name in math.variables]
    over_time = [name for name in variables if "timesteps" in kept[0][name].dims]
    solution = xr.concat([part[over_time] for part in kept], dim="timesteps")
    for name in set(variables) - set(over_time):  # not time-indexed: the last window's
        solution[name] = kept[-1][name]
    solution = solution.merge(solved_expressions(inputs, math, solution, build))
    objective = solved_objectives(inputs, math, solution, build)[build.objective]
    terminations = {result.termination for result in results}
    gaps = [result.mip_gap for result in results if result.mip_gap is not None]
    first = results[0]
    return SolveResult(
        termination=TIME_LIMIT_FEASIBLE if TIME_LIMIT_FEASIBLE in terminations else OPTIMAL,
        objective=objective,
        solution=solution,
        solver=first.solver,
        solver_version=first.solver_version,
        wall_time=sum(result.wall_time for result in results),
        mip_gap=max(gaps) if gaps else None,
        backend=first.backend,
        solves=tuple(solves),
        mode_wall_time=time.perf_counter() - started,
    )
