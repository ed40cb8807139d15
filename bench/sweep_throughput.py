"""Throughput of a scenario sweep: the same sweep at `--cores 1` and `--cores 2`, from clean results.

A sweep of N (default 16) short scenarios of the national example (one day, hourly; the battery's
storage cost varied) runs through the whole workflow (`rule all`: prepare … postprocess,
provenance, comparison, summary) in a private copy of the repository, once per core count,
each time from empty results/, logs/, benchmarks/ and .snakemake/. The solver gets one thread,
so under `--cores 2` two scenarios' jobs run side by side. Printed: the load average before
each run, wall time, the sum of the jobs' own wall and CPU times (benchmarks/*.tsv), and the
wall-time ratio cores 1 / cores 2 (2 = throughput scales with the cores), and how many jobs ran
at once on average (sum of job wall times / run wall time). Everything is also
written to bench/out/sweep_throughput_<UTC time>.json.

    .venv/bin/python bench/sweep_throughput.py                  # 16 scenarios, cores 1 then 2
    .venv/bin/python bench/sweep_throughput.py --scenarios 4 --cores 1 2 --repeats 2
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv*",
    "results",
    "logs",
    "benchmarks",
    ".snakemake",
    "__pycache__",
    "out",
    ".*_cache",
)


def study(n_scenarios: int, days: int) -> dict:
    """The study config: a one-thread base scenario and a sweep of `n_scenarios` storage costs."""
    last = f"2030-01-{days:02d}"
    return {
        "run": {"scenarios": ["throughput"]},
        "scenarios": {
            "throughput_base": {
                "description": f"The national example over {days} day(s), one solver thread.",
                "model": "examples/national_scale/model.yaml",
                "set": {
                    "config.init.subset.timesteps": ["2030-01-01", last],
                    "units": {"power": "MW", "energy": "MWh", "cost": "kUSD", "area": "km²"},
                },
                "solver": {"name": "highs", "options": {}, "threads": 1},
            }
        },
        "sweeps": {
            "throughput": {
                "base": "throughput_base",
                "set": {"techs.battery.cost_storage_cap": {"index": "monetary", "dims": "costs"}},
                "grid": {
                    "storage": {
                        "key": "set.techs.battery.cost_storage_cap.data",
                        # kUSD per MWh: 20, 40, … around the example's 140
                        "values": [20 * (i + 1) for i in range(n_scenarios)],
                    }
                },
            }
        },
    }


def job_times(benchmarks: Path) -> tuple[float, float, int]:
    """Sum of the jobs' wall seconds and CPU seconds, and the number of jobs (benchmarks/**.tsv)."""
    wall = cpu = 0.0
    count = 0
    for path in benchmarks.rglob("*.tsv"):
        with path.open() as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                wall += float(row["s"])
                cpu += float(row["cpu_time"]) if row.get("cpu_time") not in (None, "NA") else 0.0
                count += 1
    return wall, cpu, count


def run_once(repo: Path, cores: int, config: Path) -> dict:
    """One run from clean results; returns its timings."""
    for folder in ("results", "logs", "benchmarks", ".snakemake"):
        shutil.rmtree(repo / folder, ignore_errors=True)
        if folder != ".snakemake":
            (repo / folder).mkdir()
    load = os.getloadavg()
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", str(cores), "--configfile", str(config)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"snakemake --cores {cores} failed:\n{done.stderr[-4000:]}")
    jobs_wall, jobs_cpu, jobs = job_times(repo / "benchmarks")
    load_after = os.getloadavg()
    return {
        "cores": cores,
        "wall_s": round(wall, 1),
        "load_before": [round(x, 2) for x in load],
        "load_after": [round(x, 2) for x in load_after],
        "jobs": jobs,
        "jobs_wall_sum_s": round(jobs_wall, 1),
        "jobs_cpu_sum_s": round(jobs_cpu, 1),
        # how many jobs ran side by side on average (job wall times over the run's wall time):
        # unlike the wall time, hardly changed by other load on the machine
        "mean_concurrency": round(jobs_wall / wall, 2),
        "summary_rows": sum(1 for _ in (repo / "results" / "summary.csv").open()) - 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=16, help="members of the sweep")
    parser.add_argument("--days", type=int, default=1, help="days of the national example")
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=1, help="rounds over --cores")
    args = parser.parse_args()

    runs = []
    with tempfile.TemporaryDirectory(prefix="sweep_throughput_") as folder:
        repo = Path(folder) / "repo"
        shutil.copytree(ROOT, repo, ignore=IGNORE, symlinks=True)
        config = repo / "throughput.yaml"
        config.write_text(yaml.safe_dump(study(args.scenarios, args.days), sort_keys=False))
        for round_ in range(args.repeats):
            for cores in args.cores:
                record = run_once(repo, cores, config)
                record["round"] = round_ + 1
                runs.append(record)
                print(
                    f"round {round_ + 1} cores {cores}: wall {record['wall_s']:.1f} s, load before"
                    f" {record['load_before'][0]:.2f} (1 min) {record['load_before'][1]:.2f} (5 min);"
                    f" {record['jobs']} jobs, job wall sum {record['jobs_wall_sum_s']:.0f} s,"
                    f" job CPU sum {record['jobs_cpu_sum_s']:.0f} s; jobs running at once on"
                    f" average {record['mean_concurrency']:.2f}",
                    flush=True,
                )
    by_round: dict[int, dict[int, float]] = {}
    for record in runs:
        by_round.setdefault(record["round"], {})[record["cores"]] = record["wall_s"]
    ratios = {
        round_: walls[1] / walls[2]
        for round_, walls in by_round.items()
        if 1 in walls and 2 in walls
    }
    for round_, ratio in ratios.items():
        print(f"round {round_}: wall(cores 1) / wall(cores 2) = {ratio:.2f}")
    out = ROOT / "bench" / "out" / f"sweep_throughput_{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"args": vars(args), "cpus": os.cpu_count(), "runs": runs, "ratios": ratios}
    out.write_text(json.dumps(record, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
