"""Load + build cost of esmflow: the synthetic family's scaling, and Calliope's national_scale.

    .venv/bin/python bench/build_scaling.py --nodes 5 10 20           # the family, 8 760 h
    .venv/bin/python bench/build_scaling.py --nodes 100 --write --max-gb 16
    .venv/bin/python bench/build_scaling.py --calliope-national --repeats 2
    .venv/bin/python bench/build_scaling.py --nodes 5 10 20 50 100 --hours 24 --cells

Every run is a fresh Python process, so the peak resident memory (`ru_maxrss`, imports
included) is that run's own. Stages, wall-clock and CPU seconds:

- import: esmflow's load and build modules (not counted in load or build, as Calliope's worker
  does not count `import calliope`);
- load: read_model + prepare_inputs + add_distances + cluster_time (YAML and CSV → inputs);
- build: the math (MathDefinition.from_inputs) + build_program (inputs → linopy program);
- write (with --write): Program.to_netcdf, the file the workflow's build rule writes.

Size: rows and columns are linopy's active constraints and variables; nonzeros are summed over
the constraints' CSR storage (linopy's frozen constraints), which is what `model.matrices.A`
holds, without building that matrix. `--max-gb` caps the run's address space
(RLIMIT_AS), so that a size that does not fit fails alone instead of starving the machine.

With `--cells`, each run also reports how many cells the program's dense arrays have (the
linopy variables, `Program.expressions` and the objective: their cells and bytes) next to the
active columns: with a short `--hours` this shows cheaply how memory grows with N, since those
arrays are linear in the number of hours.

The family's models are written by `synthetic_family.py` into `bench/out/family/n<N>_h<H>/`
(reused when present). With `--calliope-national`, Calliope 0.7.0's shipped national_scale
model, full year (its `config.init.subset.timesteps` set to null), goes through esmflow and,
through `.venv-calliope`, through Calliope's read_yaml + build (HiGHS backend), side by side.
Results go to `bench/out/build_scaling_<UTC time>.json`.
"""

from __future__ import annotations

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

OUT = HERE / "out"
FULL_YEAR = {"config.init.subset.timesteps": None}


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def program_size(model: Any) -> dict[str, int]:
    """Active rows and columns, and nonzeros from the constraints' own storage."""
    nonzeros = 0
    for name in model.constraints:
        constraint = model.constraints[name]
        csr = getattr(constraint, "_csr", None)  # a frozen constraint (linopy's CSR storage)
        if csr is not None:
            nonzeros += int(csr.nnz)
        else:  # a dense one: count the terms that name a variable
            nonzeros += int((constraint.vars.values != -1).sum())
    return {"rows": int(model.ncons), "cols": int(model.nvars), "nnz": nonzeros}


def dense_arrays(program: Any) -> dict[str, float]:
    """Cells of the variables and MB of variables, global expressions and objective as stored."""
    model = program.model
    variables = [model.variables[name] for name in model.variables]
    expressions = [getattr(e, "data", e) for e in program.expressions.values()]
    return {
        "variable_cells": int(sum(variable.labels.size for variable in variables)),
        "variables_mb": sum(variable.data.nbytes for variable in variables) / 2**20,
        "expressions_mb": sum(getattr(e, "nbytes", 0) for e in expressions) / 2**20,
        "objective_mb": model.objective.expression.data.nbytes / 2**20,
    }


def one_run(spec: dict[str, Any]) -> dict[str, Any]:
    """Import, load, build (and write) one model in this process; timings, size and peak."""
    if spec.get("max_gb"):
        limit = int(spec["max_gb"] * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    record: dict[str, Any] = {"wall": {}, "cpu": {}, "peak_mb": {}}
    last = (time.perf_counter(), time.process_time())

    def mark(stage: str) -> None:
        nonlocal last
        now = (time.perf_counter(), time.process_time())
        record["wall"][stage] = now[0] - last[0]
        record["cpu"][stage] = now[1] - last[1]
        record["peak_mb"][stage] = peak_mb()
        last = now

    from esmflow.io.read_model import read_model
    from esmflow.math.engine.build import build_program
    from esmflow.math.schema import MathDefinition
    from esmflow.options import BuildOptions
    from esmflow.preprocess.clustering import cluster_time
    from esmflow.preprocess.distances import add_distances
    from esmflow.preprocess.inputs import prepare_inputs, resolved_config

    mark("import")
    definition = read_model(spec["model"], overrides=[], set_values=spec.get("set") or {})
    inputs = cluster_time(add_distances(prepare_inputs(definition)))
    del definition
    mark("load")
    math = MathDefinition.from_inputs(inputs)
    program = build_program(inputs, math, BuildOptions.from_model_config(resolved_config(inputs)))
    mark("build")
    record.update(program_size(program.model), timesteps=int(inputs.sizes["timesteps"]))
    if spec.get("cells"):
        record.update(
            dense_arrays(program), node_techs=inputs.sizes["nodes"] * inputs.sizes["techs"]
        )
    if spec.get("write"):
        with tempfile.TemporaryDirectory(dir=spec.get("scratch")) as scratch:
            path = Path(scratch) / "program.nc"
            last = (time.perf_counter(), time.process_time())
            program.to_netcdf(path)
            mark("write")
            record["program_file_mb"] = path.stat().st_size / 2**20
    return record


def run_fresh(spec: dict[str, Any]) -> dict[str, Any]:
    """`one_run(spec)` in a fresh Python process; a failure is returned as {error}."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "run.json"
        done = subprocess.run(
            [sys.executable, __file__, "--one", json.dumps(spec), "--out", str(out)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not out.exists():
            tail = "\n".join(done.stderr.strip().splitlines()[-6:])
            return {"error": tail or f"exit status {done.returncode}"}
        return json.loads(out.read_text())


def family_model(n_nodes: int, hours: int) -> Path:
    """The family member's model.yaml, written on first use."""
    from synthetic_family import write_family

    model = OUT / "family" / f"n{n_nodes}_h{hours}" / "model.yaml"
    return model if model.exists() else write_family(n_nodes, model.parent, hours=hours)


def scaling(args: argparse.Namespace) -> list[dict[str, Any]]:
    """One fresh run per N, smallest first; prints a row as each finishes."""
    rows = []
    print(
        f"{'N':>4}{'rows':>12}{'cols':>12}{'nnz':>12}{'load s':>9}{'build s':>9}{'cpu s':>8}"
        f"{'s/M nnz':>9}{'cpu/M nnz':>10}{'write s':>9}{'peak MB':>9}",
        flush=True,
    )
    for n_nodes in args.nodes:
        model = family_model(n_nodes, args.hours)
        spec = {"model": str(model), "write": args.write, "max_gb": args.max_gb}
        record = {"nodes": n_nodes, "hours": args.hours, **run_fresh({**spec, "cells": args.cells})}
        rows.append(record)
        if "error" in record:
            print(f"{n_nodes:>4}  failed: {record['error'].splitlines()[-1]}", flush=True)
            continue
        wall, cpu, mnnz = record["wall"], record["cpu"], record["nnz"] / 1e6
        print(
            f"{n_nodes:>4}{record['rows']:>12,}{record['cols']:>12,}{record['nnz']:>12,}"
            f"{wall['load']:>9.2f}{wall['build']:>9.2f}{cpu['load'] + cpu['build']:>8.2f}"
            f"{(wall['load'] + wall['build']) / mnnz:>9.2f}"
            f"{(cpu['load'] + cpu['build']) / mnnz:>10.2f}"
            f"{wall.get('write', float('nan')):>9.2f}{max(record['peak_mb'].values()):>9.0f}",
            flush=True,
        )
        if args.cells:
            dense = record["variables_mb"] + record["expressions_mb"] + record["objective_mb"]
            print(
                f"      node-techs {record['node_techs']:,}, variable cells "
                f"{record['variable_cells']:,} for {record['cols']:,} columns; variables "
                f"{record['variables_mb']:.1f} MB, expressions {record['expressions_mb']:.1f} MB,"
                f" objective {record['objective_mb']:.1f} MB ({dense / (record['nnz'] / 1e6):.0f}"
                " MB per M nnz)",
                flush=True,
            )
    return rows


def calliope_national(args: argparse.Namespace) -> dict[str, Any]:
    """esmflow and Calliope 0.7 on Calliope's national_scale, full year, `repeats` times each."""
    from calliope_env import DEFAULT_VENV, ensure_calliope_venv, run_calliope, shipped_example

    python = ensure_calliope_venv(DEFAULT_VENV)
    model = shipped_example(python, "national_scale")
    ours, theirs = [], []
    for repeat in range(args.repeats):
        ours.append(run_fresh({"model": str(model), "set": FULL_YEAR, "max_gb": args.max_gb}))
        if "error" in ours[-1]:
            raise SystemExit(f"esmflow failed: {ours[-1]['error']}")
        theirs.append(run_calliope(python, model, None, FULL_YEAR, build_only=True))
        print(f"  repeat {repeat + 1}/{args.repeats} done", flush=True)

    def median(runs: list[dict[str, Any]], key: str, stages: tuple[str, ...]) -> float:
        return statistics.median(sum(run[key][stage] for stage in stages) for run in runs)

    summary = {
        "esmflow_wall": median(ours, "wall", ("load", "build")),
        "esmflow_cpu": median(ours, "cpu", ("load", "build")),
        "esmflow_import_wall": median(ours, "wall", ("import",)),
        "esmflow_peak_mb": statistics.median(max(run["peak_mb"].values()) for run in ours),
        "calliope_wall": median(theirs, "timings", ("read", "build")),
        "calliope_cpu": median(theirs, "cpu_timings", ("read", "build")),
        "calliope_peak_mb": statistics.median(run["peak_rss_mb"] for run in theirs),
    }
    for key in ("wall", "cpu", "peak_mb"):
        summary[f"ratio_{key}"] = summary[f"esmflow_{key}"] / summary[f"calliope_{key}"]
    size = {key: ours[0][key] for key in ("rows", "cols", "nnz")}
    print(
        f"Calliope national_scale, full year ({size['rows']:,} rows, {size['cols']:,} columns,"
        f" {size['nnz']:,} nonzeros); medians of {args.repeats}\n"
        f"{'':24}{'esmflow':>10}{'Calliope':>10}{'ratio':>8}\n"
        f"{'load+build wall s':24}{summary['esmflow_wall']:>10.2f}"
        f"{summary['calliope_wall']:>10.2f}{summary['ratio_wall']:>8.3f}\n"
        f"{'load+build CPU s':24}{summary['esmflow_cpu']:>10.2f}"
        f"{summary['calliope_cpu']:>10.2f}{summary['ratio_cpu']:>8.3f}\n"
        f"{'peak MB':24}{summary['esmflow_peak_mb']:>10.0f}"
        f"{summary['calliope_peak_mb']:>10.0f}{summary['ratio_peak_mb']:>8.3f}\n"
        f"(esmflow's imports, not counted above: {summary['esmflow_import_wall']:.2f} s wall)"
    )
    return {"size": size, "summary": summary, "esmflow": ours, "calliope": theirs}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="*", default=[], help="family sizes N")
    parser.add_argument("--hours", type=int, default=8760, help="family's hourly steps")
    parser.add_argument("--write", action="store_true", help="also write the program file")
    parser.add_argument("--cells", action="store_true", help="also size the dense arrays")
    parser.add_argument("--calliope-national", action="store_true", help="esmflow vs Calliope")
    parser.add_argument("--repeats", type=int, default=2, help="repeats of --calliope-national")
    parser.add_argument("--max-gb", type=float, help="address-space cap of each run, in GiB")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one run (JSON spec)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.one:
        args.out.write_text(json.dumps(one_run(json.loads(args.one))))
        return 0
    if not args.nodes and not args.calliope_national:
        raise SystemExit("nothing to run: give --nodes N [N ...] and/or --calliope-national")
    record: dict[str, Any] = {"argv": sys.argv[1:]}
    if args.calliope_national:
        record["calliope_national"] = calliope_national(args)
    if args.nodes:
        record["family"] = scaling(args)
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = OUT / f"build_scaling_{stamp}.json"
    path.write_text(json.dumps({"created": stamp, **record}, indent=1))
    print(f"written: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
