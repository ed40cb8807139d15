"""Time esmflow's stages — prepare, build, solve — on a model, next to Calliope 0.7's build if asked.

    .venv/bin/python bench/run_bench.py            # the issue's numbers: our national example over
                                                   # one week and over the full year, with Calliope
    .venv/bin/python bench/run_bench.py --model examples/urban_scale/model.yaml --repeats 5
    .venv/bin/python bench/run_bench.py --model examples/national_scale/model.yaml \\
        --scenario full_year --calliope --solver-option solver=ipm

Every repeat runs in a fresh process (imports excluded from the timings), so timings do not profit
from caches and the peak memory (`ru_maxrss`) is that run's own. Stages:

- prepare: read_model + prepare_inputs + add_distances + cluster_time (YAML/CSV → inputs Dataset)
- build:   load the math + build_program (inputs → linopy program)
- solve:   solve_program, split into the hand-over to HiGHS plus reading the solution back
           (`handover`) and HiGHS's own run time (`highs`)
- Calliope 0.7.0 (with --calliope, through `.venv-calliope`): read_yaml, and build with its HiGHS
  backend, which includes its own hand-over to HiGHS.

Medians over the repeats are printed and everything is written to bench/out/bench_<time>.json.
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for folder in (ROOT, HERE):  # esmflow from this checkout; sibling bench modules
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from calliope_env import (  # noqa: E402
    DEFAULT_VENV,
    CalliopeUnavailable,
    ensure_calliope_venv,
    parse_set_values,
    run_calliope,
)

OUT = HERE / "out"
NATIONAL = ROOT / "examples" / "national_scale" / "model.yaml"
# The numbers the foundation issue asks for: the national example over one week and one year.
# The full year is solved once: HiGHS's dual simplex needs many minutes for it.
ISSUE_CASES = [
    {"label": "national_week", "model": str(NATIONAL), "scenario": None, "set": {}},
    {
        "label": "national_full_year",
        "model": str(NATIONAL),
        "scenario": "full_year",
        "set": {},
        "repeats": 1,
    },
]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class StageClock:
    """Wall-clock and CPU seconds of consecutive stages.

    CPU time (`time.process_time`, all threads of this process) hardly changes when other jobs
    share the machine, while wall time does; the summary shows both.
    """

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._last = (time.perf_counter(), time.process_time())

    def mark(self, stage: str) -> float:
        """End `stage` now; return its wall time."""
        now = (time.perf_counter(), time.process_time())
        self.wall[stage] = now[0] - self._last[0]
        self.cpu[stage] = now[1] - self._last[1]
        self._last = now
        return self.wall[stage]


def highs_run_time(program: Any) -> float | None:
    """Seconds HiGHS itself spent in its last run, if linopy kept the solver object."""
    solver = getattr(program.model, "solver_model", None)
    return (
        float(solver.getRunTime()) if solver is not None and hasattr(solver, "getRunTime") else None
    )


def time_stages(case: dict[str, Any], solve: bool, solver: dict[str, Any]) -> dict[str, Any]:
    """One esmflow run of `case`, stage by stage (called in a fresh process by `--one`)."""
    from esmflow.backends.highs import solve_program
    from esmflow.io.read_model import read_model
    from esmflow.math.engine.build import build_program
    from esmflow.math.schema import MathDefinition
    from esmflow.options import BuildOptions, SolveOptions
    from esmflow.preprocess.clustering import cluster_time
    from esmflow.preprocess.distances import add_distances
    from esmflow.preprocess.inputs import prepare_inputs, resolved_config

    overrides = case["scenario"].split(",") if case["scenario"] else []
    clock = StageClock()
    definition = read_model(case["model"], overrides=overrides, set_values=case["set"])
    inputs = cluster_time(add_distances(prepare_inputs(definition)))
    clock.mark("prepare")
    record: dict[str, Any] = {"n_timesteps": int(inputs.sizes["timesteps"])}
    record["peak_rss_mb"] = {"prepare": peak_rss_mb()}
    config = resolved_config(inputs)
    program = build_program(
        inputs, MathDefinition.from_inputs(inputs), BuildOptions.from_model_config(config)
    )
    clock.mark("build")
    record["peak_rss_mb"]["build"] = peak_rss_mb()
    record["size"] = {
        "variables": int(program.model.nvars),
        "constraints": int(program.model.ncons),
    }
    record["timings"], record["cpu_timings"] = clock.wall, clock.cpu
    if solve:
        options = SolveOptions.from_model_config(config, solver)
        result = solve_program(program, options)
        solve_time = clock.mark("solve")
        highs = highs_run_time(program)
        record["timings"].update(solve=solve_time, highs=highs)
        record["timings"]["handover"] = solve_time - highs if highs is not None else None
        record["objective"] = result.objective
        record["peak_rss_mb"]["solve"] = peak_rss_mb()
    return record


def run_esmflow_once(case: dict[str, Any], solve: bool, solver: dict[str, Any]) -> dict[str, Any]:
    """`time_stages` in a fresh Python process; returns its record."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "run.json"
        spec = json.dumps({"case": case, "solve": solve, "solver": solver})
        done = subprocess.run(
            [sys.executable, __file__, "--one", spec, "--out", str(out)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not out.exists():
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            raise RuntimeError(f"esmflow run of {case['label']} failed:\n{tail}")
        return json.loads(out.read_text())


def median_timings(runs: list[dict[str, Any]], key: str = "timings") -> dict[str, float | None]:
    """Median of each timing (`timings` = wall, `cpu_timings` = CPU) over repeats; None if unrecorded."""
    names = {name for run in runs for name in run.get(key, {})}
    medians = {}
    for name in sorted(names):
        values = [run[key].get(name) for run in runs]
        values = [value for value in values if value is not None]
        medians[name] = statistics.median(values) if values else None
    return medians


def bench_case(
    case: dict[str, Any], args: argparse.Namespace, calliope_python: Path | None
) -> dict[str, Any]:
    """All repeats of one case for esmflow (and Calliope's build if asked); medians and ratios."""
    solver = {"options": parse_set_values(args.solver_option), "threads": args.threads}
    print(
        f"\n== {case['label']}: {case['model']} scenario={case['scenario']} set={case['set']}",
        flush=True,
    )
    repeats = case.get("repeats") or args.repeats
    runs = []
    for repeat in range(repeats):
        runs.append(run_esmflow_once(case, not args.no_solve, solver))
        print(
            f"  esmflow run {repeat + 1}/{repeats}: " + _format_timings(runs[-1]["timings"]),
            flush=True,
        )
    record: dict[str, Any] = {
        **case,
        "esmflow": {
            "runs": runs,
            "median": median_timings(runs),
            "median_cpu": median_timings(runs, "cpu_timings"),
        },
    }
    record["esmflow"]["peak_rss_mb"] = max(max(run["peak_rss_mb"].values()) for run in runs)
    if calliope_python is not None:
        calliope_runs = []
        for repeat in range(args.calliope_repeats or repeats):
            calliope_runs.append(
                run_calliope(
                    calliope_python,
                    Path(case["model"]),
                    case["scenario"],
                    case["set"],
                    build_only=True,
                )
            )
            print(
                f"  Calliope build {repeat + 1}: " + _format_timings(calliope_runs[-1]["timings"]),
                flush=True,
            )
        record["calliope"] = {
            "runs": calliope_runs,
            "median": median_timings(calliope_runs),
            "median_cpu": median_timings(calliope_runs, "cpu_timings"),
            "peak_rss_mb": max(run["peak_rss_mb"] for run in calliope_runs),
        }
    return record


def _format_timings(timings: dict[str, float | None]) -> str:
    """`stage 1.23s  stage 4.56s` for one run's wall-clock timings."""
    return "  ".join(f"{name} {value:.2f}s" for name, value in timings.items() if value is not None)


def _cell(value: float | None, width: int) -> str:
    return f"{value:>{width}.2f}" if value is not None else f"{'-':>{width}}"


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def print_summary(records: list[dict[str, Any]]) -> None:
    """Median seconds per stage (wall clock, then CPU), build/solve ratios, peak memory."""
    header = (
        f"{'case':22}{'steps':>7}{'prepare':>9}{'build':>8}{'handover':>9}{'HiGHS':>8}{'solve':>8}"
        f"{'build/HiGHS':>12}{'Calliope build':>15}{'esm/Cal':>8}{'peak MB':>9}"
    )
    print("\nwall-clock seconds (medians)\n" + header + "\n" + "-" * len(header))
    for record in records:
        ours, ref = record["esmflow"]["median"], record.get("calliope", {}).get("median", {})
        print(
            f"{record['label']:22}{record['esmflow']['runs'][0]['n_timesteps']:>7}"
            f"{_cell(ours['prepare'], 9)}{_cell(ours['build'], 8)}{_cell(ours.get('handover'), 9)}"
            f"{_cell(ours.get('highs'), 8)}{_cell(ours.get('solve'), 8)}"
            f"{_cell(_ratio(ours['build'], ours.get('highs')), 12)}{_cell(ref.get('build'), 15)}"
            f"{_cell(_ratio(ours['build'], ref.get('build')), 8)}{record['esmflow']['peak_rss_mb']:>9.0f}"
        )
    header = (
        f"{'case':22}{'prepare':>9}{'build':>8}{'solve':>8}{'build/solve':>12}"
        f"{'Calliope build':>15}{'esm/Cal':>8}"
    )
    print("\nCPU seconds (medians; robust to other jobs on the machine)\n" + header)
    print("-" * len(header))
    for record in records:
        ours = record["esmflow"].get("median_cpu", {})
        ref = record.get("calliope", {}).get("median_cpu", {})
        print(
            f"{record['label']:22}{_cell(ours.get('prepare'), 9)}{_cell(ours.get('build'), 8)}"
            f"{_cell(ours.get('solve'), 8)}{_cell(_ratio(ours.get('build'), ours.get('solve')), 12)}"
            f"{_cell(ref.get('build'), 15)}{_cell(_ratio(ours.get('build'), ref.get('build')), 8)}"
        )
    print(
        "build/HiGHS = esmflow build ÷ HiGHS run; build/solve = esmflow build ÷ (hand-over + HiGHS);"
        " esm/Cal = esmflow build ÷ Calliope build (which includes Calliope's hand-over to HiGHS)"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", type=Path, help="model YAML (default: the issue's national cases)"
    )
    parser.add_argument(
        "--only",
        choices=[case["label"] for case in ISSUE_CASES],
        help="run one of the issue's cases",
    )
    parser.add_argument("--scenario", help="scenario/override names, comma-separated")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="YAML value"
    )
    parser.add_argument("--label", help="name of the case in the output")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--calliope", action="store_true", help="also time Calliope 0.7's build")
    parser.add_argument(
        "--calliope-repeats", type=int, help="repeats for Calliope (default: --repeats)"
    )
    parser.add_argument("--no-solve", action="store_true", help="time prepare and build only")
    parser.add_argument(
        "--solver-option", action="append", default=[], metavar="KEY=VALUE", help="HiGHS option"
    )
    parser.add_argument("--threads", type=int, default=1, help="HiGHS threads")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="Calliope 0.7 environment")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one timed run (JSON spec)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.one:
        spec = json.loads(args.one)
        record = time_stages(spec["case"], spec["solve"], spec["solver"])
        args.out.write_text(json.dumps(record))
        return 0
    if args.model:
        label = (
            args.label or f"{args.model.parent.name}{'_' + args.scenario if args.scenario else ''}"
        )
        cases = [
            {
                "label": label,
                "model": str(args.model),
                "scenario": args.scenario,
                "set": parse_set_values(args.set),
            }
        ]
        with_calliope = args.calliope
    else:  # the issue's numbers, always side by side with Calliope when it is available
        cases = [case for case in ISSUE_CASES if args.only in (None, case["label"])]
        with_calliope = True
    calliope_python = None
    if with_calliope:
        try:
            calliope_python = ensure_calliope_venv(args.venv)
        except CalliopeUnavailable as err:
            print(f"Calliope timings skipped: {err}", file=sys.stderr)
    records = [bench_case(case, args, calliope_python) for case in cases]
    print_summary(records)
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = OUT / f"bench_{stamp}.json"
    path.write_text(
        json.dumps({"created": stamp, "argv": sys.argv[1:], "cases": records}, indent=1)
    )
    print(f"written: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
