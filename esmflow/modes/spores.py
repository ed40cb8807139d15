"""SPORES mode: alternative designs near the least-cost one (modelling to generate alternatives).

Calliope 0.7's SPORES loop, in our words (Lombardi et al. 2023,
https://doi.org/10.1016/j.apenergy.2023.121002). With `math/spores.yaml` loaded:

1. Spore 0 (the baseline): the model's own objective (`config.build.objective`), all scores 0.
2. The cost limit: `spores_baseline_cost` if the model gives it, else the baseline's objective.
   `total_system_cost_max` then keeps every later design within `1 + spores_slack` of it.
3. Spores 1 … `config.solve.spores.number`: the objective becomes `min_spores` (flow capacity
   weighted by `spores_score`), and before each solve the scores are updated from the designs
   found so far by the `scoring_algorithm`, for the techs the `tracking_parameter` names (all
   techs if none):

   - `integer` (default): +1000 to the score of every node–tech–carrier whose capacity in the
     last spore exceeded `score_threshold_factor` × the largest capacity of its carrier;
   - `relative_deployment`: + its capacity ÷ `flow_cap_max`, where that exceeds the factor;
   - `random`: +0 or +1000 at random for every built node–tech–carrier (seeded by
     `config.solve.spores.random_seed`, default 0, so that a run repeats; Calliope draws
     unseeded);
   - `evolving_average`: 1 ÷ (relative change of its capacity from the average of all spores so
     far), changes below 0.001 counted as 0.001; not added to earlier scores. On the first
     spore, where nothing changed yet, `integer`.

The program is built once. Between solves only the cost limit (a right-hand side) and the
scores (objective coefficients) change, in place. A spore the solver cannot solve ends the
loop with a warning, as in Calliope; the spores found so far are kept.
"""

from __future__ import annotations

import logging
import time
import warnings

import numpy as np
import pandas as pd
import xarray as xr

from esmflow.backends.result import SolveResult
from esmflow.backends.solve import open_session
from esmflow.errors import ModelError, ModelWarning, closest_name
from esmflow.math.engine.postprocessed import solved_objectives
from esmflow.math.engine.update import LinkedProgram
from esmflow.math.program import Program
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions, SolveOptions, SporesOptions

logger = logging.getLogger(__name__)

SPORES_OBJECTIVE = "min_spores"
SCORE = 1000.0  # the score `integer` and `random` add (Calliope's)
SMALLEST_CHANGE = 0.001  # `evolving_average`: smaller relative changes count as this


# --- scoring ---------------------------------------------------------------------------------
def score_integer(
    history: list[xr.DataArray], tracked: xr.DataArray, old: xr.DataArray, options: SporesOptions
) -> xr.DataArray:
    """+1000 where the last spore built more than the threshold share of its carrier's largest."""
    previous = history[-1].where(tracked)
    threshold = options.score_threshold_factor * previous.max(["nodes", "techs"])
    new = xr.where(previous > threshold, SCORE, 0.0).where(tracked)
    return new + old


def score_relative_deployment(
    history: list[xr.DataArray],
    tracked: xr.DataArray,
    old: xr.DataArray,
    options: SporesOptions,
    flow_cap_max: xr.DataArray,
) -> xr.DataArray:
    """+ capacity ÷ flow_cap_max, where that share exceeds the threshold factor."""
    share = history[-1] / flow_cap_max
    new = share.where(share > options.score_threshold_factor).fillna(0).where(tracked)
    return new + old


def score_random(
    history: list[xr.DataArray],
    tracked: xr.DataArray,
    old: xr.DataArray,
    generator: np.random.Generator,
) -> xr.DataArray:
    """+0 or +1000 at random for every node–tech–carrier that has a capacity."""
    previous = history[-1].where(tracked)
    draws = xr.DataArray(
        generator.choice([0.0, SCORE], size=previous.shape), coords=previous.coords
    )
    new = xr.where(previous.notnull(), draws, 0.0).where(tracked)
    return new + old


def score_evolving_average(
    history: list[xr.DataArray], tracked: xr.DataArray, old: xr.DataArray, options: SporesOptions
) -> xr.DataArray:
    """1 ÷ relative change from the average design so far (a fresh score, not added)."""
    average = sum(history[1:], history[0]) / len(history)
    change = abs(average - history[-1]) / average
    if float(change.sum()) == 0:  # nothing has moved yet
        return score_integer(history, tracked, old, options)
    change = change.clip(min=SMALLEST_CHANGE).fillna(0).where(tracked)
    return (1 / change).where(change > 0, 0.0)


SCORING = ("integer", "relative_deployment", "random", "evolving_average")


class Scorer:
    """The chosen scoring algorithm with what it needs from the model."""

    def __init__(self, inputs: xr.Dataset, options: SporesOptions) -> None:
        self.options = options
        self.tracked = tracked_techs(inputs, options)
        self.flow_cap_max = inputs.get("flow_cap_max", xr.DataArray(np.nan))
        self.generator = np.random.default_rng(options.random_seed)
        if options.scoring_algorithm == "relative_deployment":
            _check_relative_deployment(self.flow_cap_max, self.tracked)

    def __call__(self, history: list[xr.DataArray], old: xr.DataArray) -> xr.DataArray:
        algorithm = self.options.scoring_algorithm
        match algorithm:
            case "integer":
                return score_integer(history, self.tracked, old, self.options)
            case "relative_deployment":
                return score_relative_deployment(
                    history, self.tracked, old, self.options, self.flow_cap_max
                )
            case "random":
                return score_random(history, self.tracked, old, self.generator)
            case "evolving_average":
                return score_evolving_average(history, self.tracked, old, self.options)
        raise ModelError(
            f"Unknown SPORES scoring algorithm '{algorithm}'",
            key_path="config.solve.spores.scoring_algorithm",
            expected=", ".join(SCORING),
            closest=closest_name(algorithm, SCORING),
        )


def tracked_techs(inputs: xr.Dataset, options: SporesOptions) -> xr.DataArray:
    """Where scores may change: defined values of the tracking parameter, active node–techs."""
    active = inputs["active"] if "active" in inputs else xr.DataArray(True)
    name = options.tracking_parameter
    if name is None:
        return active.astype(bool)
    if name not in inputs.data_vars:
        raise ModelError(
            f"The SPORES tracking parameter '{name}' is not an input of the model",
            key_path="config.solve.spores.tracking_parameter",
            expected="the name of a parameter defined for the techs to score",
            got=name,
            closest=closest_name(name, [str(n) for n in inputs.data_vars]),
        )
    parameter = inputs[name]
    if parameter.dtype.kind == "b":  # a flag: tracked where true (false is how it is undefined)
        defined = parameter
    elif parameter.dtype.kind in "OUS":
        defined = parameter.notnull() & (parameter != "") & (parameter != False)  # noqa: E712
    else:
        defined = parameter.notnull()
    return defined & active.astype(bool)


def _check_relative_deployment(flow_cap_max: xr.DataArray, tracked: xr.DataArray) -> None:
    """Calliope stops where a tracked tech's flow_cap_max is infinite; undefined ones score 0."""
    limits = flow_cap_max.where(tracked)
    if bool((limits == np.inf).any()):
        raise ModelError(
            "SPORES scoring `relative_deployment` divides capacities by `flow_cap_max`, which "
            "is infinite for some tracked techs",
            key_path="config.solve.spores.scoring_algorithm",
            expected="a finite flow_cap_max for every tracked tech, or another algorithm",
        )
    if bool((limits.isnull() & tracked).any()):
        warnings.warn(
            "SPORES scoring `relative_deployment`: tracked techs without `flow_cap_max` keep a "
            "score of 0 (as in Calliope)",
            ModelWarning,
            stacklevel=3,
        )


# --- the loop --------------------------------------------------------------------------------
def run_spores(
    program: Program,
    inputs: xr.Dataset,
    math: MathDefinition,
    build: BuildOptions,
    solve_options: SolveOptions,
    options: SporesOptions,
) -> SolveResult:
    """The baseline and every spore after it, along a `spores` dimension."""
    started = time.perf_counter()
    scorer = Scorer(inputs, options)
    linked = LinkedProgram(program, inputs, math, build)
    session = open_session(program, solve_options, inputs, math)
    baseline = session.solve()
    score = xr.zeros_like(baseline.solution["flow_cap"])
    given = inputs.get("spores_baseline_cost", xr.DataArray(np.inf))
    results = [baseline]
    used = [xr.Dataset({"spores_score": score, "spores_baseline_cost": given})]
    limit = _baseline_cost(inputs, baseline)
    session.apply(linked.update_inputs({"spores_baseline_cost": xr.DataArray(limit)}))
    session.apply(linked.use_objective(SPORES_OBJECTIVE))
    for spore in range(1, options.number + 1):
        history = [result.solution["flow_cap"] for result in results]
        score = scorer(history, score.fillna(0))
        session.apply(linked.update_inputs({"spores_score": score}))
        try:
            result = session.solve()
        except ModelError as err:
            warnings.warn(
                f"SPORES stopped after spore {spore - 1}: spore {spore} has no solution ({err})",
                ModelWarning,
                stacklevel=2,
            )
            break
        results.append(result)
        used.append(_inputs_used(linked))
        logger.info("spore %d: objective %.6g", spore, result.objective)
    return _combined(results, used, inputs, math, build, started)


def _baseline_cost(inputs: xr.Dataset, baseline: SolveResult) -> float:
    """The model's own `spores_baseline_cost` if it gives a finite one, else the baseline's cost."""
    given = inputs.get("spores_baseline_cost")
    if given is not None and given.size == 1 and np.isfinite(float(given)):
        return float(given)
    return float(baseline.objective)


def _inputs_used(linked: LinkedProgram) -> xr.Dataset:
    """The SPORES inputs as the program held them for a solve."""
    names = ("spores_score", "spores_baseline_cost")
    return xr.Dataset({name: linked.inputs[name] for name in names if name in linked.inputs})


def _tracked(mode_inputs: xr.Dataset, solution: xr.Dataset) -> dict[str, xr.DataArray]:
    """The scores and cost limit each spore was solved with, under spores.yaml's
    postprocessed names (the results keep them; they differ per spore, the inputs do not)."""
    score = mode_inputs["spores_score"].fillna(0).broadcast_like(solution["flow_cap"])
    tracked = {"spores_score_cumulative": score.where(solution["flow_cap"].notnull())}
    if "spores_baseline_cost" in mode_inputs:
        cost = mode_inputs["spores_baseline_cost"].astype(float)
        tracked["spores_baseline_cost_tracked"] = cost.fillna(np.inf)
    return tracked


def _combined(
    results: list[SolveResult],
    used: list[xr.Dataset],
    inputs: xr.Dataset,
    math: MathDefinition,
    build: BuildOptions,
    started: float,
) -> SolveResult:
    spores = pd.Index(range(len(results)), name="spores")
    solution = xr.concat([result.solution for result in results], dim=spores)
    records = []
    for spore, (result, inputs_used) in enumerate(zip(results, used, strict=True)):
        objectives = solved_objectives(inputs.assign(inputs_used), math, result.solution, build)
        records.append(
            {
                "spore": spore,
                "termination": result.termination,
                "objective": float(result.objective),
                "objectives": {name: float(value) for name, value in objectives.items()},
                "mip_gap": result.mip_gap,
                "wall_time_s": round(float(result.wall_time), 4),
            }
        )
    mode_inputs = xr.concat(used, dim=spores, coords="minimal")
    solution = solution.assign(_tracked(mode_inputs, solution))
    baseline = results[0]
    return SolveResult(
        termination=baseline.termination,
        objective=baseline.objective,
        solution=solution,
        solver=baseline.solver,
        solver_version=baseline.solver_version,
        wall_time=sum(result.wall_time for result in results),
        mip_gap=max((r.mip_gap for r in results if r.mip_gap is not None), default=None),
        backend=baseline.backend,
        solves=tuple(records),
        mode_wall_time=time.perf_counter() - started,
        mode_inputs=mode_inputs,
    )
