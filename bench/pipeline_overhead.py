"""Pipeline overhead of one scenario: Snakemake end to end against the same jobs in one process.

In a private copy of the repository, from clean results/, logs/, benchmarks/ and .snakemake/
each time, it runs

- `snakemake --cores N --config "run={scenarios: [S]}"` `--repeats` times: the run's wall and CPU
  seconds (the CPU of Snakemake and every job), and per job (bench/pipeline_timing/sitecustomize.py
  records it from inside each job's process): wall, CPU, start-up (process start → the rule
  script's first line of work: interpreter, Snakemake's preamble, the script's imports) and work;
- with `--profile`, once more with every job under pyinstrument: per job the seconds in imports,
  in reading and writing files (netCDF, CSV, YAML) and in rendering and saving figures and pages;
- `snakemake -n` (`--repeats` times): Snakemake's own start-up and DAG, no job run;
- the run's job scripts (kept with --skip-script-cleanup), all in one Python process, in the order
  Snakemake ran them, from clean results: the same work and outputs without the pipeline
  (`--repeats` times).

It prints the medians and the overhead share, (Snakemake end to end − one process) / Snakemake
end to end, and writes every record to bench/out/pipeline_overhead_<UTC time>.json.
The machine's load average is printed before each run: compare CPU seconds on a busy machine.

    .venv/bin/python bench/pipeline_overhead.py                          # national_week, 3 repeats
    .venv/bin/python bench/pipeline_overhead.py --repeats 1 --profile
    .venv/bin/python bench/pipeline_overhead.py --compare BEFORE.json AFTER.json   # README table
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from sweep_throughput import IGNORE  # noqa: E402 - the same private copy of the repository

TIMING = ROOT / "bench" / "pipeline_timing"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def clean(repo: Path) -> None:
    for folder in ("results", "logs", "benchmarks", ".snakemake"):
        shutil.rmtree(repo / folder, ignore_errors=True)
        if folder != ".snakemake":
            (repo / folder).mkdir()


def timed(command: list[str], repo: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (the command and all its children) of one run; fails loudly."""
    cpu = children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-4000:]}")
    return wall, children_cpu() - cpu


def snakemake_run(repo: Path, args, *, profile: bool = False, keep_scripts: bool = False) -> dict:
    clean(repo)
    times = repo / "job_times.jsonl"
    times.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(TIMING),
        "ESMFLOW_JOB_TIMES": str(times),
        "ESMFLOW_JOB_PROFILE": "1" if profile else "0",
    }
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--cores",
        str(args.cores),
        "--config",
        f"run={{scenarios: [{args.scenario}]}}",
        *(["--skip-script-cleanup"] if keep_scripts else []),
    ]
    load = os.getloadavg()[0]
    launched = time.time()
    wall, cpu = timed(command, repo, env)
    records = [json.loads(line) for line in times.read_text().splitlines()]
    jobs = [record for record in records if record["rule"]]
    others = [record for record in records if not record["rule"]]
    jobs.sort(key=lambda job: job["started"])
    for job in jobs:
        job["wall_s"] = job["end"] - job["started"]
        job["startup_s"] = job["main"] - job["started"]
        job["work_s"] = job["end"] - job["main"]
        job["cpu_startup_s"] = job["cpu_main"]
        job["cpu_s"] = job["cpu"]
    busy = sum(job["wall_s"] for job in jobs)
    return {
        "load": load,
        "wall_s": wall,
        "cpu_s": cpu,
        "jobs": jobs,
        "jobs_cpu_s": sum(job["cpu_s"] for job in jobs),
        # Snakemake's own process (other Python processes, if any, are listed in the JSON)
        "snakemake_process_cpu_s": sum(
            record["cpu"] for record in others if "snakemake" in " ".join(record["argv"][:1])
        ),
        "other_processes": others,
        "jobs_wall_s": busy,
        # launch → first job's process; last job's exit → Snakemake's exit
        "until_first_job_s": jobs[0]["started"] - launched,
        "after_last_job_s": launched + wall - max(job["end"] for job in jobs),
    }


def dry_run(repo: Path, args) -> dict:
    clean(repo)
    command = [
        *(sys.executable, "-m", "snakemake", "-n", "--cores", str(args.cores)),
        *("--config", f"run={{scenarios: [{args.scenario}]}}"),
    ]
    load = os.getloadavg()[0]
    wall, cpu = timed(command, repo, dict(os.environ))
    return {"load": load, "wall_s": wall, "cpu_s": cpu}


def in_process(repo: Path, jobs: list[dict]) -> dict:
    """The kept job scripts of `jobs`, in their order, in one fresh Python process."""
    kept = repo.parent / "scripts"
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir()
    for position, job in enumerate(jobs):
        shutil.copy(repo / job["job_script"], kept / f"{position:02d}.{job['rule']}.py")
    clean(repo)
    load = os.getloadavg()[0]
    command = [sys.executable, str(Path(__file__).resolve()), "--run-scripts", str(kept)]
    wall, cpu = timed(command, repo, dict(os.environ))
    return {"load": load, "wall_s": wall, "cpu_s": cpu}


def run_scripts(folder: Path) -> None:
    """Run each job script of `folder` (Snakemake's preamble + the rule script) in this process."""
    for path in sorted(folder.glob("*.py")):
        namespace = {"__name__": "job", "__file__": str(path)}
        exec(compile(path.read_text(), str(path), "exec"), namespace)
        job = namespace["snakemake"]
        for name in [*job.output, *job.log]:
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        namespace["main"](job)


def median(values) -> float:
    return statistics.median(values)


def job_table(runs: list[dict], profiled: dict | None) -> list[dict]:
    rules = [job["rule"] for job in runs[0]["jobs"]]
    rows = []
    for rule in rules:
        per_run = [next(job for job in run["jobs"] if job["rule"] == rule) for run in runs]
        row = {"rule": rule}
        for key in ("wall_s", "cpu_s", "startup_s", "cpu_startup_s", "work_s"):
            row[key] = median(job[key] for job in per_run)
        if profiled:
            job = next(job for job in profiled["jobs"] if job["rule"] == rule)
            for key in ("import_s", "files_s", "figures_s", "sampled_s"):
                row[key] = job.get(key)
        rows.append(row)
    return rows


def print_table(rows: list[dict]) -> None:
    columns = ["wall_s", "cpu_s", "startup_s", "cpu_startup_s", "work_s"]
    if rows and rows[0].get("sampled_s") is not None:
        columns += ["import_s", "files_s", "figures_s", "sampled_s"]
    print("| job | " + " | ".join(columns) + " |")
    print("| --- |" + " ---: |" * len(columns))
    for row in rows:
        print(f"| {row['rule']} | " + " | ".join(f"{row[c]:.2f}" for c in columns) + " |")
    print("| sum | " + " | ".join(f"{sum(row[c] for row in rows):.2f}" for c in columns) + " |")


def compare(before_path: Path, after_path: Path) -> None:
    """Two runs' JSON records side by side, as the markdown table of bench/README.md."""
    before, after = (json.loads(Path(path).read_text()) for path in (before_path, after_path))
    jobs = {row["rule"]: row for row in after["jobs"]}
    print("| job | wall s before | wall s after | CPU s before | CPU s after |", end="")
    print(" start-up CPU s before | start-up CPU s after |")
    print("| --- |" + " ---: |" * 6)
    for row in before["jobs"]:
        new = jobs[row["rule"]]
        cells = [row["wall_s"], new["wall_s"], row["cpu_s"], new["cpu_s"]]
        cells += [row["cpu_startup_s"], new["cpu_startup_s"]]
        print(f"| {row['rule']} | " + " | ".join(f"{cell:.2f}" for cell in cells) + " |")
    b, a = before["summary"], after["summary"]

    def unattributed(summary: dict) -> float:
        # process teardown after the job's last exit handler, the shells Snakemake starts
        return (
            summary["snakemake_cpu_s"] - summary["jobs_cpu_s"] - summary["snakemake_process_cpu_s"]
        )

    lines = [
        ("sum of the jobs", b["jobs_wall_s"], a["jobs_wall_s"], b["jobs_cpu_s"], a["jobs_cpu_s"]),
        (
            "Snakemake's own process",
            None,
            None,
            b["snakemake_process_cpu_s"],
            a["snakemake_process_cpu_s"],
        ),
        ("teardown and shells (rest)", None, None, unattributed(b), unattributed(a)),
        (
            "**Snakemake end to end**",
            b["snakemake_wall_s"],
            a["snakemake_wall_s"],
            b["snakemake_cpu_s"],
            a["snakemake_cpu_s"],
        ),
        (
            "same jobs in one process",
            b["one_process_wall_s"],
            a["one_process_wall_s"],
            b["one_process_cpu_s"],
            a["one_process_cpu_s"],
        ),
        (
            "`snakemake -n`",
            b["dry_run_wall_s"],
            a["dry_run_wall_s"],
            b["dry_run_cpu_s"],
            a["dry_run_cpu_s"],
        ),
    ]
    for label, *cells in lines:
        text = " | ".join("" if cell is None else f"{cell:.2f}" for cell in cells)
        print(f"| {label} | {text} | | |")
    for kind in ("wall", "cpu"):
        print(
            f"overhead share ({kind}): before {b[f'overhead_share_{kind}']:.0%},"
            f" after {a[f'overhead_share_{kind}']:.0%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="national_week")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="one more run under pyinstrument")
    parser.add_argument("--run-scripts", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"), help="two runs' JSON"
    )
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
        return
    if args.run_scripts:
        run_scripts(args.run_scripts)
        return

    record: dict = {
        "args": {
            k: v for k, v in vars(args).items() if k in ("scenario", "cores", "repeats", "profile")
        }
    }
    with tempfile.TemporaryDirectory(prefix="pipeline_overhead_") as folder:
        repo = Path(folder) / "repo"
        shutil.copytree(ROOT, repo, ignore=IGNORE, symlinks=True)
        runs, dry, single = [], [], []
        for repeat in range(args.repeats):
            run = snakemake_run(repo, args, keep_scripts=repeat == 0)
            if repeat == 0:  # the kept job scripts are copied beside the repository, run below
                scripts = in_process(repo, run["jobs"])
            runs.append(run)
            print(
                f"snakemake run {repeat + 1}: load {run['load']:.2f}, wall {run['wall_s']:.2f} s,"
                f" CPU {run['cpu_s']:.2f} s ({len(run['jobs'])} jobs: CPU"
                f" {run['jobs_cpu_s']:.2f} s; Snakemake's process {run['snakemake_process_cpu_s']:.2f} s)",
                flush=True,
            )
        single.append(scripts)
        for _ in range(args.repeats - 1):
            clean(repo)
            load = os.getloadavg()[0]
            command = [
                *(sys.executable, str(Path(__file__).resolve())),
                *("--run-scripts", str(Path(folder) / "scripts")),
            ]
            wall, cpu = timed(command, repo, dict(os.environ))
            single.append({"load": load, "wall_s": wall, "cpu_s": cpu})
        for entry in single:
            print(
                f"one process: load {entry['load']:.2f}, wall {entry['wall_s']:.2f} s,"
                f" CPU {entry['cpu_s']:.2f} s",
                flush=True,
            )
        for _ in range(args.repeats):
            dry.append(dry_run(repo, args))
            print(
                f"snakemake -n: load {dry[-1]['load']:.2f}, wall {dry[-1]['wall_s']:.2f} s,"
                f" CPU {dry[-1]['cpu_s']:.2f} s",
                flush=True,
            )
        profiled = snakemake_run(repo, args, profile=True) if args.profile else None

    rows = job_table(runs, profiled)
    summary = {
        "snakemake_wall_s": median(run["wall_s"] for run in runs),
        "snakemake_cpu_s": median(run["cpu_s"] for run in runs),
        "jobs_cpu_s": median(run["jobs_cpu_s"] for run in runs),
        "jobs_wall_s": median(run["jobs_wall_s"] for run in runs),
        "snakemake_process_cpu_s": median(run["snakemake_process_cpu_s"] for run in runs),
        "until_first_job_s": median(run["until_first_job_s"] for run in runs),
        "after_last_job_s": median(run["after_last_job_s"] for run in runs),
        "dry_run_wall_s": median(entry["wall_s"] for entry in dry),
        "dry_run_cpu_s": median(entry["cpu_s"] for entry in dry),
        "one_process_wall_s": median(entry["wall_s"] for entry in single),
        "one_process_cpu_s": median(entry["cpu_s"] for entry in single),
    }
    for kind in ("wall", "cpu"):
        total = summary[f"snakemake_{kind}_s"]
        summary[f"overhead_share_{kind}"] = (total - summary[f"one_process_{kind}_s"]) / total
    print(f"\nmedians of {args.repeats}, scenario {args.scenario}, --cores {args.cores}:")
    print_table(rows)
    print()
    for key, value in summary.items():
        print(f"{key}: {value:.3f}")
    record.update({"runs": runs, "dry_runs": dry, "one_process": single, "profiled": profiled})
    record.update({"jobs": rows, "summary": summary, "cpus": os.cpu_count()})
    out = ROOT / "bench" / "out" / f"pipeline_overhead_{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
