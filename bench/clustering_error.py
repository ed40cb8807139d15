"""How much does clustering the year cost in accuracy, and what does it save in time?

Runs the national example over the full year with a long-duration hydrogen store
(`examples/national_scale`, scenario `seasonal_hydrogen`) unclustered, and clustered into 8, 16,
32 and 64 representative days with each storage formulation applied to every storing tech
(the CSP heat stores, the batteries and the hydrogen store):

- `inter_cluster`: Calliope 0.7's inter-cluster storage (esmflow's default);
- `long_duration`: the long-duration formulation of Parolin et al. 2024 (`long_duration_storage`);
- `within_period`: each representative day cyclic on its own (`inter_cluster_storage: false`).

    .venv/bin/python bench/clustering_error.py                        # everything, threads 1
    .venv/bin/python bench/clustering_error.py --days 8 16 --no-full  # a quick look
    .venv/bin/python bench/clustering_error.py --table bench/out/clustering_error.json

Each run happens in a fresh Python process. Clustered runs come first and the full-year one
(many minutes with HiGHS) last; every finished run is saved to bench/out/clustering_error.json
at once, so an interrupted bench still has its rows. The table (also written as Markdown next
to the JSON) gives each run's objective and its error against the full-year optimum, the
installed storage capacity per storing tech and its difference from the full year's, and the
wall time of loading + clustering + building + solving.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = HERE / "out" / "clustering_error.json"
MODEL = ROOT / "examples" / "national_scale" / "model.yaml"
SCENARIO = "seasonal_hydrogen"
STORES = ("csp_tower", "battery", "hydrogen_store")
FORMULATIONS = {
    "inter_cluster": {"long_duration_storage": False},
    "long_duration": {"long_duration_storage": True},
    "within_period": {"long_duration_storage": False, "inter_cluster_storage": False},
}


def switches(formulation: str) -> dict[str, Any]:
    """`set` values putting every storing tech on one formulation."""
    return {
        f"techs.{tech}.{key}": value
        for tech in STORES
        for key, value in FORMULATIONS[formulation].items()
    }


def run_one(spec: dict[str, Any]) -> dict[str, Any]:
    """Load (and cluster), build and solve one case; its objective, capacities and times."""
    from esmflow import Model
    from esmflow.options import SolveOptions

    start = time.perf_counter()
    model = Model.from_yaml(
        spec["model"], scenario=spec["scenario"], set=spec["set"], clustering=spec["clustering"]
    )
    loaded = time.perf_counter()
    model.build()
    built = time.perf_counter()
    model.solve(SolveOptions(threads=spec["threads"], options=spec["solver_options"]))
    solved = time.perf_counter()
    assert model.results is not None and model.solve_result is not None
    storage_cap = model.results["storage_cap"].sum("nodes", min_count=1).to_series().dropna()
    return {
        "termination": str(model.solve_result.termination),
        "objective": float(model.solve_result.objective),
        "storage_cap": {str(tech): float(value) for tech, value in storage_cap.items()},
        "timesteps": int(model.inputs.sizes["timesteps"]),
        "seconds": {
            "load_and_cluster": loaded - start,
            "build": built - loaded,
            "solve": solved - built,
            "total": solved - start,
        },
    }


def run_in_fresh_process(spec: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "run.json"
        done = subprocess.run(
            [sys.executable, __file__, "--one", json.dumps(spec), "--record", str(out)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not out.exists():
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            return {"failed": tail}
        return json.loads(out.read_text())


def cases(args: argparse.Namespace) -> list[dict[str, Any]]:
    common = {
        "model": str(MODEL),
        "scenario": SCENARIO,
        "threads": args.threads,
        "solver_options": dict(item.split("=", 1) for item in args.solver_option),
    }
    clustered = [
        {
            **common,
            "label": f"{days} days, {formulation}",
            "days": days,
            "formulation": formulation,
            "set": switches(formulation),
            "clustering": {"n_periods": days, "method": args.method},
        }
        for days in args.days
        for formulation in args.formulations
    ]
    full = {
        **common,
        "label": "full year",
        "days": 365,
        "formulation": "full year",
        "set": {},
        "clustering": None,
    }
    return clustered + ([] if args.no_full else [full])


def table(records: list[dict[str, Any]]) -> str:
    """The Markdown table: error against the full-year run, capacities, wall time."""
    full = next((r for r in records if r["formulation"] == "full year" and "objective" in r), None)
    header = ["days", "storage", "objective", "error"]
    header += [f"{tech} cap" for tech in STORES]
    header += ["build+solve s", "total s"]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for record in records:
        if "objective" not in record:
            lines.append(f"| {record['days']} | {record['formulation']} | failed |")
            continue
        row = [str(record["days"]), record["formulation"], f"{record['objective']:.6g}"]
        row.append(_relative(record["objective"], full["objective"] if full else None))
        for tech in STORES:
            value = record["storage_cap"].get(tech, 0.0)
            reference = full["storage_cap"].get(tech, 0.0) if full else None
            difference = "" if record is full else f" ({_relative(value, reference)})"
            row.append(f"{value:.4g}{difference}")
        seconds = record["seconds"]
        row += [f"{seconds['build'] + seconds['solve']:.0f}", f"{seconds['total']:.0f}"]
        lines.append("| " + " | ".join(row) + " |")
    if full is None:
        lines.append("")
        lines.append("The full-year reference run is missing: errors are not available.")
    return "\n".join(lines)


def _relative(value: float, reference: float | None) -> str:
    if reference is None:
        return "n/a"
    if abs(reference) < 1e-9:
        return "0 %" if abs(value) < 1e-9 else "new"
    return f"{100 * (value - reference) / abs(reference):+.1f} %"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="*", default=[8, 16, 32, 64])
    parser.add_argument("--formulations", nargs="*", default=list(FORMULATIONS))
    parser.add_argument("--method", default="hierarchical")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--solver-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="HiGHS option for every run, e.g. solver=ipm (default: HiGHS's own choice)",
    )
    parser.add_argument("--no-full", action="store_true", help="skip the full-year reference")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--table", type=Path, help="only print the table of a saved JSON")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--record", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        args.record.write_text(json.dumps(run_one(json.loads(args.one))))
        return 0
    if args.table:
        print(table(json.loads(args.table.read_text())))
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    for spec in cases(args):
        print(f"== {spec['label']}", flush=True)
        result = run_in_fresh_process(spec)
        records.append({**spec, **result})
        args.out.write_text(json.dumps(records, indent=1))
        if "failed" in result:
            print(f"   failed:\n{result['failed']}", flush=True)
        else:
            print(
                f"   objective {result['objective']:.8g}, {result['seconds']['total']:.0f} s",
                flush=True,
            )
    text = table(records)
    args.out.with_suffix(".md").write_text(text + "\n")
    print(text)
    return 0 if all("objective" in record for record in records) else 1


if __name__ == "__main__":
    sys.exit(main())
