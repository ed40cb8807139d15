"""`make bench`: every stage of each bench case timed in a fresh process, written to bench/results/.

    make bench                                   # every case (hours: the full years solve for long)
    make bench CASES=national_week               # a quick subset, comma-separated
    .venv/bin/python bench/run_bench.py --cases national_month,calliope_national_month
    .venv/bin/python bench/run_bench.py --list   # the cases
    .venv/bin/python bench/run_bench.py --model examples/urban_scale/model.yaml --scenario full_year
    .venv/bin/python bench/run_bench.py --cases national_month --solver-option solver=ipx --threads 1

Each run of a case is one fresh Python process (so its peak memory, `ru_maxrss`, is its own and
nothing is cached), launched from here; the stages it records:

- import:    interpreter start-up and esmflow's imports (launch → ready)
- prepare:   read_model + prepare_inputs + add_distances + cluster_time (YAML/CSV → inputs)
- build:     load the math + build_program (inputs → linopy program); rows/columns/nonzeros
- handover:  opening the HiGHS session (pre-solve checks, matrix to highspy), and reading the
             solution back after HiGHS (the solve's wall time less HiGHS's own)
- highs:     HiGHS's own run time (`Highs.getRunTime()`), iteration counts, objective
- end_to_end: launch → solution in hand, wall clock; CPU of the whole process

A case marked `calliope` also runs Calliope 0.7.0 on the same files with HiGHS's defaults
(`.venv-calliope`, bench/calliope_worker.py): read, build (its hand-over included), solve (HiGHS
and its result processing), end_to_end (its process, launch to results, imports included).

Every row goes to `bench/results/<UTC date and time>.csv` (committed: one file per run, with the
highspy version, solver settings and commit), and a table is printed. `bench/check_bench.py`
compares a run with the previous run of each case and flags slowdowns.
"""

import argparse
import csv
import json
import os
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

from build_scaling import program_size  # noqa: E402
from calliope_env import (  # noqa: E402
    DEFAULT_VENV,
    CalliopeUnavailable,
    ensure_calliope_venv,
    parse_set_values,
    run_calliope,
)

OUT = HERE / "out"
RESULTS = HERE / "results"
NATIONAL = ROOT / "examples" / "national_scale" / "model.yaml"
URBAN = ROOT / "examples" / "urban_scale" / "model.yaml"


def calliope_example(name: str) -> Path:
    """A model shipped inside `.venv-calliope`'s Calliope package (its files, unchanged)."""
    found = sorted(DEFAULT_VENV.glob(f"lib/python3.*/site-packages/calliope/example_models/{name}"))
    return (found[-1] if found else DEFAULT_VENV / "missing" / name) / "model.yaml"


def _subset(first: str, last: str) -> dict[str, Any]:
    return {"config.init.subset.timesteps": [first, last]}


# Every case `make bench` knows: label → model, scenario, set values; `calliope`: also run
# Calliope 0.7 on the same files; `solve`: False for a build-only case (its solve would take
# hours); `synthetic`: N of bench/synthetic_family.py's ring-and-chord model.
CASES: dict[str, dict[str, Any]] = {
    "national_week": {"model": str(NATIONAL), "scenario": None, "set": {}, "repeats": 3},
    "national_month": {
        "model": str(NATIONAL),
        "scenario": None,
        "set": _subset("2030-01-01", "2030-01-31"),
    },
    "national_year": {"model": str(NATIONAL), "scenario": "full_year", "set": {}},
    "urban_year": {"model": str(URBAN), "scenario": "full_year", "set": {}},
    "calliope_national_month": {
        "model": "calliope:national_scale",
        "scenario": None,
        "set": _subset("2005-01-01", "2005-01-31"),
        "calliope": True,
    },
    "calliope_national_year": {
        "model": "calliope:national_scale",
        "scenario": None,
        "set": _subset("2005-01-01", "2005-12-31"),
        "calliope": True,
    },
    **{
        f"synthetic_{n}": {"model": f"synthetic:{n}", "scenario": None, "set": {}, "synthetic": n}
        for n in (5, 20, 50, 100)
    },
}
# The large synthetic models are built, not solved: their dual simplex would take hours here.
for _n in (50, 100):
    CASES[f"synthetic_{_n}"]["solve"] = False
for _label, _case in CASES.items():
    _case["label"] = _label
# `make bench` without CASES= runs all of them (hours); the quick default is the week.
DEFAULT_CASES = list(CASES)


def model_path(case: dict[str, Any]) -> Path:
    """The model file of a case (Calliope's shipped example, or the synthetic model written now)."""
    model = str(case["model"])
    if model.startswith("calliope:"):
        return calliope_example(model.partition(":")[2])
    if model.startswith("synthetic:"):
        return synthetic_model(int(model.partition(":")[2]))
    return Path(model)


class SyntheticUnavailable(RuntimeError):
    """bench/synthetic_family.py (written on branch build-perf) is not in this checkout."""


def synthetic_model(n_nodes: int) -> Path:
    """The ring-and-chord model with `n_nodes` nodes, written by bench/synthetic_family.py."""
    try:
        import synthetic_family
    except ImportError as err:
        raise SyntheticUnavailable(
            "needs bench/synthetic_family.py (issue 14, branch build-perf)"
        ) from err
    return Path(synthetic_family.write_family(n_nodes, OUT / "synthetic" / f"n{n_nodes}"))


# One CSV row per case, tool, stage and repeat.
FIELDS = [
    "run",
    "case",
    "tool",
    "stage",
    "repeat",
    "wall_s",
    "cpu_s",
    "peak_rss_mb",
    "n_timesteps",
    "rows",
    "columns",
    "nonzeros",
    "status",
    "objective",
    "simplex_iterations",
    "ipm_iterations",
    "crossover_iterations",
    "solver",
    "threads",
    "solver_options",
    "highspy",
    "version",
    "commit",
    "load",
    "note",
]
STAGES = ("import", "prepare", "build", "handover", "highs", "end_to_end")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def highs_counts(highs: Any) -> dict[str, Any]:
    """HiGHS's own time, iteration counts and status after a run."""
    info = highs.getInfo()
    return {
        "wall_s": float(highs.getRunTime()),
        "status": highs.modelStatusToString(highs.getModelStatus()),
        "simplex_iterations": int(info.simplex_iteration_count),
        "ipm_iterations": int(info.ipm_iteration_count),
        "crossover_iterations": int(info.crossover_iteration_count),
    }


def time_stages(
    case: dict[str, Any], solve: bool, solver: dict[str, Any], launched: float
) -> list[dict[str, Any]]:
    """One esmflow run of `case` in this (fresh) process: a row per stage.

    `launched` is the parent's clock (`time.time()`) when it started this process, so that the
    import stage includes the interpreter's start-up.
    """
    import warnings

    from esmflow.backends.solve import open_session
    from esmflow.options import SolveOptions

    rows: list[dict[str, Any]] = []
    last = [time.perf_counter(), time.process_time()]

    def mark(stage: str, **extra: Any) -> dict[str, Any]:
        now = [time.perf_counter(), time.process_time()]
        row = {
            "stage": stage,
            "wall_s": now[0] - last[0],
            "cpu_s": now[1] - last[1],
            "peak_rss_mb": peak_rss_mb(),
            **extra,
        }
        last[:] = now
        rows.append(row)
        return row

    imported = time.time() - launched
    rows.append(
        {
            "stage": "import",
            "wall_s": imported,
            "cpu_s": time.process_time(),
            "peak_rss_mb": peak_rss_mb(),
        }
    )
    last[:] = [time.perf_counter(), time.process_time()]
    program, config, inputs, math = build_case(case, mark)
    model = program.model
    steps = int(inputs.sizes["timesteps"])
    if not solve:  # end to end = launch → program built
        built = rows[-1]
        size = {key: built[key] for key in ("rows", "columns", "nonzeros")}
        rows.append(
            {
                "stage": "end_to_end",
                "wall_s": time.time() - launched,
                "cpu_s": time.process_time(),
                "peak_rss_mb": peak_rss_mb(),
                **size,
            }
        )
        return _with(rows, n_timesteps=steps)
    options = SolveOptions.from_model_config(config, solver)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = open_session(program, options, inputs, math)
    highs = session.highs
    size = {"rows": highs.getNumRow(), "columns": highs.getNumCol(), "nonzeros": highs.getNumNz()}
    del model, inputs
    handover = mark("handover", **size)
    result = session.solve()
    counts = highs_counts(highs)
    solved = mark("highs", **size, **counts, objective=result.objective)
    # the solve's wall time beyond HiGHS's own run: reading the solution back
    handover["wall_s"] += solved["wall_s"] - counts["wall_s"]
    solved["wall_s"] = counts["wall_s"]
    rows.append(
        {
            "stage": "end_to_end",
            "wall_s": time.time() - launched,
            "cpu_s": time.process_time(),
            "peak_rss_mb": peak_rss_mb(),
            **size,
            **{key: counts[key] for key in counts if key != "wall_s"},
            "objective": result.objective,
        }
    )
    # what HiGHS ran with: the modeller's options and those esmflow adds for a large LP
    effective = {**getattr(session, "defaults", {}), **dict(options.options)}
    return _with(
        rows,
        n_timesteps=steps,
        solver=effective.get("solver", "choose"),
        threads=options.threads,
        solver_options=json.dumps(effective, sort_keys=True),
    )


def _with(rows: list[dict[str, Any]], **common: Any) -> list[dict[str, Any]]:
    return [{**common, **row} for row in rows]


def build_case(case: dict[str, Any], mark: Any = None) -> tuple[Any, dict[str, Any], Any, Any]:
    """Prepare and build a case in this process: program, resolved config, inputs, math.

    `mark(stage, **extra)` (if given) is called when prepare and build end.
    """
    from esmflow.io.read_model import read_model
    from esmflow.math.engine.build import build_program
    from esmflow.math.schema import MathDefinition
    from esmflow.options import BuildOptions
    from esmflow.preprocess.clustering import cluster_time
    from esmflow.preprocess.distances import add_distances
    from esmflow.preprocess.inputs import prepare_inputs, resolved_config

    mark = mark or (lambda *args, **kwargs: None)
    overrides = case["scenario"].split(",") if case["scenario"] else []
    definition = read_model(model_path(case), overrides=overrides, set_values=case["set"])
    inputs = cluster_time(add_distances(prepare_inputs(definition)))
    mark("prepare")
    config = resolved_config(inputs)
    math = MathDefinition.from_inputs(inputs)
    program = build_program(inputs, math, BuildOptions.from_model_config(config))
    # Sized from the constraints' own (CSR) storage, as build_scaling.py does: reading a frozen
    # constraint's `vars` would make its dense array, which took N = 100's peak 1.9 GB higher.
    size = program_size(program.model)
    mark("build", rows=size["rows"], columns=size["cols"], nonzeros=size["nnz"])
    return program, config, inputs, math


def run_esmflow_once(
    case: dict[str, Any], solve: bool, solver: dict[str, Any], timeout: float | None
) -> list[dict[str, Any]]:
    """`time_stages` in a fresh Python process; its rows.

    A solving run writes HiGHS's log to `bench/out/highs_<case>_<UTC time>.log` (unless the
    solver block names a log file), so that a run that fails or runs out of time still says
    which method HiGHS was in and how far it got; the error names the log and its last lines.
    """
    log = None
    if solve and not solver.get("log_file"):
        OUT.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        log = OUT / f"highs_{case['label']}_{stamp}.log"
        solver = {**solver, "log_file": str(log)}
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "run.json"
        launched = time.time()
        spec = json.dumps({"case": case, "solve": solve, "solver": solver, "launched": launched})
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--one", spec, "--out", str(out)],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as expired:
            raise RuntimeError(
                f"esmflow run of {case['label']} timed out after {expired.timeout:.0f} s"
                f"{_log_tail(log)}"
            ) from None
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0 or not out.exists():
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            raise RuntimeError(f"esmflow run of {case['label']} failed:\n{tail}{_log_tail(log)}")
        rows = json.loads(out.read_text())
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    for row in rows:
        if row["stage"] == "end_to_end":
            row["cpu_s"] = cpu  # the whole process, its start-up and exit included
    return rows


def _log_tail(log: Path | None, lines: int = 4) -> str:
    """The HiGHS log's path and last lines, to append to an error ('' without a log)."""
    if log is None or not log.exists():
        return ""
    last = log.read_text(errors="replace").strip().splitlines()[-lines:]
    return f"\nHiGHS's log: {log}\n" + "\n".join(last)


def run_calliope_once(
    python: Path, case: dict[str, Any], timeout: float | None
) -> list[dict[str, Any]]:
    """Calliope 0.7 on the case's files (HiGHS defaults) in its own process; a row per stage."""
    launched = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    record = run_calliope(
        python,
        model_path(case),
        case["scenario"],
        case["set"],
        build_only=not case.get("solve", True),
        timeout=timeout,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter() - launched
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    size = record.get("size", {})
    highs = record.get("highs", {})
    common = {
        "n_timesteps": record["n_timesteps"],
        "version": record["calliope_version"],
        "highspy": highs.get("highspy", ""),
        "solver": highs.get("solver", ""),
        "threads": highs.get("threads", ""),
        "solver_options": "{}",
        **size,
    }
    counts = {
        key: highs[key]
        for key in ("simplex_iterations", "ipm_iterations", "crossover_iterations")
        if key in highs
    }
    rows = [
        {
            "stage": stage,
            "wall_s": record["timings"][stage],
            "cpu_s": record["cpu_timings"][stage],
            **common,
        }
        for stage in ("read", "build", "solve")
        if stage in record["timings"]
    ]
    if "highs" in record:
        rows.append(
            {
                "stage": "highs",
                "wall_s": highs["time"],
                "status": record["termination"],
                "objective": record["objective"],
                **counts,
                **common,
            }
        )
    rows.append(
        {
            "stage": "end_to_end",
            "wall_s": wall,
            "cpu_s": cpu,
            "peak_rss_mb": record["peak_rss_mb"],
            "status": record.get("termination", "built"),
            "objective": record.get("objective"),
            **counts,
            **common,
        }
    )
    return rows


def git_commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    )
    return done.stdout.strip()


def bench_case(
    case: dict[str, Any], args: argparse.Namespace, calliope_python: Path | None
) -> list[dict[str, Any]]:
    """Every repeat of one case for esmflow (and Calliope if the case asks): CSV rows."""
    from esmflow.backends.highs import highs_version

    solver = {"options": parse_set_values(args.solver_option)}
    if args.threads:
        solver["threads"] = args.threads
    solve = case.get("solve", True) and not args.no_solve
    print(f"\n== {case['label']}: {case['model']} scenario={case['scenario']} set={case['set']}")
    from importlib.metadata import version

    base = {"case": case["label"], "highspy": highs_version(), "commit": git_commit()}
    base["version"] = version("esmflow")
    try:  # written once here (a synthetic model), then read by every run
        case = {**case, "model": str(model_path(case))}
    except SyntheticUnavailable as err:
        print(f"  skipped: {err}")
        return [{**base, "tool": "esmflow", "stage": "end_to_end", "note": f"skipped: {err}"}]
    note = "" if solve else "build only" + ("" if args.no_solve else " (solve would take hours)")
    rows: list[dict[str, Any]] = []
    repeats = args.repeats or case.get("repeats", 1)
    for repeat in range(repeats):
        load = os.getloadavg()[0]
        try:
            found = run_esmflow_once(case, solve, solver, args.timeout)
        except RuntimeError as err:
            print(f"  esmflow run {repeat + 1}: FAILED {err}", flush=True)
            rows.append({**base, "tool": "esmflow", "stage": "end_to_end", "note": str(err)[:300]})
            continue
        for row in found:
            rows.append(
                {**base, "tool": "esmflow", "repeat": repeat, "load": load, "note": note, **row}
            )
        print(f"  esmflow run {repeat + 1}/{repeats}: {_stage_text(found)}", flush=True)
    if case.get("calliope") and calliope_python is not None and not args.no_calliope:
        for repeat in range(args.calliope_repeats or 1):
            load = os.getloadavg()[0]
            try:
                found = run_calliope_once(calliope_python, case, args.timeout)
            except (RuntimeError, subprocess.TimeoutExpired) as err:
                print(f"  Calliope run {repeat + 1}: FAILED {err}", flush=True)
                rows.append({**base, "tool": "calliope", "stage": "end_to_end", "note": str(err)})
                continue
            for row in found:
                rows.append({**base, "tool": "calliope", "repeat": repeat, "load": load, **row})
            print(f"  Calliope run {repeat + 1}: {_stage_text(found)}", flush=True)
    return rows


def _stage_text(rows: list[dict[str, Any]]) -> str:
    return "  ".join(f"{row['stage']} {row['wall_s']:.2f}s" for row in rows)


def median_of(rows: list[dict[str, Any]], case: str, tool: str, stage: str, key: str) -> Any:
    """Median of `key` over the repeats of one case/tool/stage (None if never recorded)."""
    values = [
        row.get(key)
        for row in rows
        if row["case"] == case and row["tool"] == tool and row["stage"] == stage
    ]
    values = [value for value in values if value not in (None, "")]
    if not values:
        return None
    if isinstance(values[0], str):
        return values[0]
    return statistics.median(values)


def _cell(value: Any, width: int, digits: int = 1) -> str:
    if value is None or value == "":
        return f"{'-':>{width}}"
    if isinstance(value, str):
        return f"{value[:width]:>{width}}"
    if abs(value) >= 1e5 or digits == 0:
        return f"{value:>{width},.0f}"
    return f"{value:>{width}.{digits}f}"


def print_table(rows: list[dict[str, Any]]) -> str:
    """The run as a table (medians over repeats): a line per case and tool; returns the text."""
    header = (
        f"{'case':24}{'tool':9}{'steps':>6}{'rows':>11}{'cols':>11}{'nnz':>11}{'import':>7}"
        f"{'prepare':>8}{'build':>7}{'handover':>9}{'HiGHS':>8}{'iters':>9}{'end2end':>8}"
        f"{'CPU':>8}{'peak MB':>8}  objective / note"
    )
    lines = ["wall-clock seconds (medians over repeats), CPU = whole process", header]
    lines.append("-" * len(header))
    seen: list[tuple[str, str]] = []
    for row in rows:
        if (row["case"], row["tool"]) not in seen:
            seen.append((row["case"], row["tool"]))
    for case, tool in seen:

        def get(stage: str, key: str = "wall_s", case: str = case, tool: str = tool) -> Any:
            return median_of(rows, case, tool, stage, key)

        calliope = tool == "calliope"
        iterations = None
        if get("end_to_end", "simplex_iterations") is not None:
            iterations = (get("end_to_end", "simplex_iterations") or 0) + (
                get("end_to_end", "ipm_iterations") or 0
            )
        objective = get("end_to_end", "objective")
        note = get("end_to_end", "note")
        tail = f"{objective:.10g}" if isinstance(objective, float) else ""
        tail += f" {note}" if note else ""
        # Calliope's stages: read → "prepare", build (its hand-over included), solve → HiGHS
        lines.append(
            f"{case:24}{tool:9}{_cell(get('end_to_end', 'n_timesteps'), 6, 0)}"
            f"{_cell(get('end_to_end', 'rows') or get('build', 'rows'), 11, 0)}"
            f"{_cell(get('end_to_end', 'columns') or get('build', 'columns'), 11, 0)}"
            f"{_cell(get('end_to_end', 'nonzeros') or get('build', 'nonzeros'), 11, 0)}"
            f"{_cell(None if calliope else get('import'), 7)}"
            f"{_cell(get('read' if calliope else 'prepare'), 8)}{_cell(get('build'), 7)}"
            f"{_cell(None if calliope else get('handover'), 9)}{_cell(get('highs'), 8)}"
            f"{_cell(iterations, 9, 0)}{_cell(get('end_to_end'), 8)}"
            f"{_cell(get('end_to_end', 'cpu_s'), 8)}{_cell(get('end_to_end', 'peak_rss_mb'), 8, 0)}"
            f"  {tail}"
        )
    lines += _ratios(rows, seen)
    text = "\n".join(lines)
    print(text)
    return text


def _ratios(rows: list[dict[str, Any]], seen: list[tuple[str, str]]) -> list[str]:
    """esmflow ÷ Calliope for each case run by both: load+build, end to end, memory, objective."""
    lines = []
    for case in dict.fromkeys(case for case, tool in seen if tool == "calliope"):

        def both(stage: str, key: str = "wall_s", case: str = case) -> tuple[Any, Any]:
            return (
                median_of(rows, case, "esmflow", stage, key),
                median_of(rows, case, "calliope", stage, key),
            )

        ours_prep, ref_read = both("prepare")[0], both("read")[1]
        ours_build, ref_build = both("build")
        ours_e2e, ref_e2e = both("end_to_end")
        ours_mem, ref_mem = both("end_to_end", "peak_rss_mb")
        ours_obj, ref_obj = both("end_to_end", "objective")
        parts = [f"{case}: esmflow ÷ Calliope"]
        if None not in (ours_prep, ours_build, ref_read, ref_build):
            ratio = (ours_prep + ours_build) / (ref_read + ref_build)
            parts.append(f"load+build {ratio:.3f}")
        if ours_e2e and ref_e2e:
            parts.append(
                f"end to end {ours_e2e / ref_e2e:.3f} (speed-up {ref_e2e / ours_e2e:.2f}×)"
            )
        if ours_mem and ref_mem:
            parts.append(f"peak memory {ours_mem / ref_mem:.2f}")
        if isinstance(ours_obj, float) and isinstance(ref_obj, float):
            parts.append(f"objective rel. diff {abs(ours_obj - ref_obj) / abs(ref_obj):.1e}")
        lines.append("  ".join(parts))
    return lines


def write_csv(rows: list[dict[str, Any]], stamp: str) -> Path:
    """bench/results/<stamp>.csv, written to a temporary name first."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{stamp}.csv"
    temporary = path.with_suffix(".csv.tmp")
    with temporary.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _csv_value(row.get(key)) for key in FIELDS})
    temporary.replace(path)
    return path


def _csv_value(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.10g}"
    return "" if value is None else value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", help="comma-separated case names (default: all; see --list)")
    parser.add_argument("--list", action="store_true", help="list the cases and stop")
    parser.add_argument("--model", type=Path, help="a model of your own instead of the cases")
    parser.add_argument("--scenario", help="with --model: scenario/override names, comma-separated")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--label", help="with --model: the case's name in the output")
    parser.add_argument("--calliope", action="store_true", help="with --model: run Calliope too")
    parser.add_argument("--repeats", type=int, help="repeats per case (default: the case's, 1–3)")
    parser.add_argument("--calliope-repeats", type=int, help="repeats for Calliope (default 1)")
    parser.add_argument("--no-calliope", action="store_true", help="skip Calliope's runs")
    parser.add_argument("--no-solve", action="store_true", help="prepare and build only")
    parser.add_argument(
        "--solver-option", action="append", default=[], metavar="KEY=VALUE", help="HiGHS option"
    )
    parser.add_argument("--threads", type=int, help="HiGHS threads (default: esmflow's default)")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds per run")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="Calliope 0.7 environment")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one timed run (JSON spec)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def chosen_cases(args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.model:
        label = (
            args.label or f"{args.model.parent.name}{'_' + args.scenario if args.scenario else ''}"
        )
        return [
            {
                "label": label,
                "model": str(args.model),
                "scenario": args.scenario,
                "set": parse_set_values(args.set),
                "calliope": args.calliope,
            }
        ]
    names = [name.strip() for name in (args.cases or "").split(",") if name.strip()]
    unknown = [name for name in names if name not in CASES]
    if unknown:
        raise SystemExit(f"unknown case(s) {', '.join(unknown)}; the cases are: {', '.join(CASES)}")
    return [CASES[name] for name in (names or DEFAULT_CASES)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.one:
        spec = json.loads(args.one)
        rows = time_stages(spec["case"], spec["solve"], spec["solver"], spec["launched"])
        args.out.write_text(json.dumps(rows))
        return 0
    if args.list:
        for name, case in CASES.items():
            extra = " + Calliope 0.7" if case.get("calliope") else ""
            extra += "" if case.get("solve", True) else " (build only)"
            print(f"{name:26}{case['model']} {case['scenario'] or ''} {case['set'] or ''}{extra}")
        return 0
    cases = chosen_cases(args)
    calliope_python = None
    if any(case.get("calliope") for case in cases) and not args.no_calliope:
        try:
            calliope_python = ensure_calliope_venv(args.venv)
        except CalliopeUnavailable as err:
            print(f"Calliope runs skipped: {err}", file=sys.stderr)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%MZ")
    rows: list[dict[str, Any]] = []
    for case in cases:
        rows += [{"run": stamp, **row} for row in bench_case(case, args, calliope_python)]
        path = write_csv(rows, stamp)  # after every case: a long run keeps what it measured
    print()
    print_table(rows)
    print(f"written: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
