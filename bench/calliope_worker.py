"""Run one model through Calliope 0.7 and write what the benchmarks compare as JSON.

Executed with the Python of `.venv-calliope` (Calliope 0.7.0 needs Python ≥ 3.12), never imported
by esmflow. It uses only Calliope's public API, with the HiGHS backend (Calliope's Pyomo backend
does not work with Pyomo 6.10):

    .venv-calliope/bin/python bench/calliope_worker.py --model path/to/model.yaml --out result.json
        [--scenario NAME] [--set '{"config.init.subset.timesteps": ["2005-01-01", "2005-01-02"]}']
        [--build-only]

The JSON holds the termination condition, the objective, the wall-clock and CPU timings of read
(read_yaml), build and solve, the peak resident memory of this process, and every defined `flow_cap` value as
[node, tech, carrier, value] rows.
"""

import argparse
import json
import math
import resource
import time
from pathlib import Path

import calliope
import xarray as xr


def flow_cap_rows(results: xr.Dataset) -> list[list]:
    """Every defined flow_cap value as [node, tech, carrier, value] (NaN = tech not there: skipped)."""
    if "flow_cap" not in results:  # operate mode: capacities are inputs
        return []
    series = results["flow_cap"].to_series().dropna()
    return [[*map(str, key), float(value)] for key, value in series.items()]


def storage_cap_rows(results: xr.Dataset) -> list[list]:
    """Every defined storage_cap value as [node, tech, value]."""
    if "storage_cap" not in results:
        return []
    series = results["storage_cap"].to_series().dropna()
    return [[*map(str, key), float(value)] for key, value in series.items()]


def mode_details(m, results: xr.Dataset) -> dict:
    """What the mode comparisons need: operating cost per step (operate), per spore (SPORES).

    Costs are weighted by `objective_cost_weights` and summed over nodes, techs and cost
    classes, as the least-cost objective counts them.
    """
    mode = m.config.init.mode
    details: dict = {"mode": mode}
    weights = m.inputs.get("objective_cost_weights", xr.DataArray(1.0)).fillna(0)
    if mode == "operate" and "cost_operation_variable" in results:
        per_step = (results["cost_operation_variable"].fillna(0) * weights).sum(
            [d for d in results["cost_operation_variable"].dims if d != "timesteps"]
        )
        details["operating_cost"] = [
            [str(step), float(value)] for step, value in per_step.to_series().items()
        ]
    if mode == "spores" and "spores" in results.dims:
        spores = []
        for spore in results.spores.values:
            one = results.sel(spores=spore)
            cost = float((one["cost"].fillna(0) * weights).sum()) if "cost" in one else math.nan
            spores.append({"spore": int(spore), "cost": cost, "flow_cap": flow_cap_rows(one)})
        details["spores"] = spores
    return details


def highs_size(m) -> dict:
    """Rows, columns and nonzeros of the program Calliope's HiGHS backend holds (if it is one)."""
    highs = getattr(getattr(m, "backend", None), "_instance", None)
    if highs is None or not hasattr(highs, "getNumNz"):
        return {}
    return {"rows": highs.getNumRow(), "columns": highs.getNumCol(), "nonzeros": highs.getNumNz()}


def _option(highs, name: str):
    """An option's value (highspy returns it alone or as (status, value) by version)."""
    value = highs.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


def highs_info(m) -> dict:
    """HiGHS's own run time, iteration counts and version after Calliope's solve."""
    highs = getattr(getattr(m, "backend", None), "_instance", None)
    if highs is None or not hasattr(highs, "getInfo"):
        return {}
    info = highs.getInfo()
    from importlib.metadata import version

    return {
        "time": float(highs.getRunTime()),
        "simplex_iterations": int(info.simplex_iteration_count),
        "ipm_iterations": int(info.ipm_iteration_count),
        "crossover_iterations": int(info.crossover_iteration_count),
        "threads": int(_option(highs, "threads")),
        "solver": str(_option(highs, "solver")),
        "highspy": version("highspy"),
    }


def run(model: str, scenario: str | None, overrides: dict, build_only: bool) -> dict:
    """Read, build (HiGHS backend) and, unless `build_only`, solve one model; time each step."""
    calliope.set_log_verbosity("ERROR", include_solver_output=False)
    start, start_cpu = time.perf_counter(), time.process_time()
    m = calliope.read_yaml(model, scenario=scenario, override_dict=overrides or None)
    read_done, read_cpu = time.perf_counter(), time.process_time()
    m.build(backend="highs")
    build_done, build_cpu = time.perf_counter(), time.process_time()
    record = {
        "calliope_version": calliope.__version__,
        "model": str(Path(model).resolve()),
        "scenario": scenario,
        "set": overrides,
        "n_timesteps": int(m.inputs.sizes["timesteps"]),
        "timings": {"read": read_done - start, "build": build_done - read_done},
        "cpu_timings": {"read": read_cpu - start_cpu, "build": build_cpu - read_cpu},
    }
    record["size"] = highs_size(m)
    if not build_only:
        m.solve()
        record["timings"]["solve"] = time.perf_counter() - build_done
        record["cpu_timings"]["solve"] = time.process_time() - build_cpu
        objective_name = m.config.build.objective
        objective = m.results.get(objective_name)
        last = {"spores": 0} if objective is not None and "spores" in objective.dims else {}
        if objective is not None:
            objective = objective.isel(last)
        # operate mode joins the windows along timesteps: no one objective value
        objective = math.nan if objective is None or objective.ndim else float(objective)
        results = m.results.isel(spores=0) if "spores" in m.results.dims else m.results
        record.update(
            termination=str(m.runtime.termination_condition),
            objective=objective,
            flow_cap=flow_cap_rows(results),
            storage_cap=storage_cap_rows(results),
            details=mode_details(m, m.results),
            highs=highs_info(m),
        )
    record["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model YAML file")
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument(
        "--scenario", default=None, help="scenario or override names (comma-separated)"
    )
    parser.add_argument("--set", default="{}", help="JSON mapping of dotted keys to values")
    parser.add_argument("--build-only", action="store_true", help="stop after the build")
    parser.add_argument("--catch", action="store_true", help="write a failure as {error: …}")
    args = parser.parse_args()
    if args.catch:  # a failure is a record too (the comparison lists both tools' messages)
        try:
            record = run(args.model, args.scenario, json.loads(args.set), args.build_only)
        except Exception as err:  # noqa: BLE001 - every failure of Calliope is reported
            message = " ".join(str(err).split())
            record = {
                "calliope_version": calliope.__version__,
                "error": f"{type(err).__name__}: {message}",
            }
    else:
        record = run(args.model, args.scenario, json.loads(args.set), args.build_only)
    Path(args.out).write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
