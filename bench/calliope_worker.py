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
    series = results["flow_cap"].to_series().dropna()
    return [[*map(str, key), float(value)] for key, value in series.items()]


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
    if not build_only:
        m.solve()
        record["timings"]["solve"] = time.perf_counter() - build_done
        record["cpu_timings"]["solve"] = time.process_time() - build_cpu
        objective_name = m.config.build.objective
        objective = float(m.results[objective_name]) if objective_name in m.results else math.nan
        record.update(
            termination=str(m.runtime.termination_condition),
            objective=objective,
            flow_cap=flow_cap_rows(m.results),
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
    args = parser.parse_args()
    record = run(args.model, args.scenario, json.loads(args.set), args.build_only)
    Path(args.out).write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
