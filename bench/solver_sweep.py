"""HiGHS options, row/column orders and scalings tried on one stored LP, each in a fresh process.

    # 1. store the LP esmflow hands HiGHS for a bench case (run_bench.py's case names)
    .venv/bin/python bench/solver_sweep.py export national_month
    # 2. solve it with each setting (one fresh, niced process each; results appended as JSON lines)
    .venv/bin/python bench/solver_sweep.py run national_month --set solver=ipm --set run_crossover=off
    .venv/bin/python bench/solver_sweep.py sweep national_month            # the standard list
    .venv/bin/python bench/solver_sweep.py table national_month            # what was measured

The LP is stored as HiGHS holds it after esmflow's hand-over (`Highs.getLp()`: costs, bounds,
column-wise matrix) in `bench/out/lp_<case>.npz`, so every setting solves exactly the same
numbers, and the build is not repeated. `--order` permutes the rows and columns before the
hand-over (`random`, `reverse`, `rows-random`, `cols-random`), to see how much of a solve time is
the pivot path one order happens to take. The objective of every run is compared with the first
optimum recorded for the case.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
for folder in (ROOT, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

# The settings `sweep` tries, in this order (cheapest and most informative first).
SWEEP: list[dict[str, Any]] = [
    {"label": "dual simplex (HiGHS default), 1 thread", "set": {}, "threads": 1},
    {"label": "dual simplex, 2 threads", "set": {}, "threads": 2},
    {"label": "simplex_strategy=4 (primal)", "set": {"simplex_strategy": 4}, "threads": 1},
    {"label": "ipx + crossover", "set": {"solver": "ipx"}, "threads": 2},
    {
        "label": "ipx, no crossover",
        "set": {"solver": "ipx", "run_crossover": "off"},
        "threads": 2,
    },
    {"label": "hipo + crossover", "set": {"solver": "hipo"}, "threads": 2},
    {
        "label": "hipo, no crossover",
        "set": {"solver": "hipo", "run_crossover": "off"},
        "threads": 2,
    },
    {"label": "dual simplex, order random", "set": {}, "threads": 1, "order": "random"},
    {"label": "dual simplex, order reverse", "set": {}, "threads": 1, "order": "reverse"},
    {"label": "simplex_scale_strategy=0 (off)", "set": {"simplex_scale_strategy": 0}, "threads": 1},
    {"label": "simplex_scale_strategy=4", "set": {"simplex_scale_strategy": 4}, "threads": 1},
    {"label": "user_objective_scale=-3", "set": {"user_objective_scale": -3}, "threads": 1},
    {"label": "presolve off", "set": {"presolve": "off"}, "threads": 1},
]


def lp_path(case: str) -> Path:
    return OUT / f"lp_{case}.npz"


def export(case_name: str, subset: list[str] | None = None, name: str | None = None) -> Path:
    """Build the case with esmflow, hand it to HiGHS as a solve would, store HiGHS's copy.

    `subset` (first, last timestep) replaces the case's time subset; the LP is then stored
    under `name`. Beside the LP, `names_<case>.npz` maps every HiGHS column and row back to
    its variable or constraint and coordinates (to tell what a column or row of the log is).
    """
    import warnings

    from run_bench import CASES, build_case

    from esmflow.backends.highs import HighsSession
    from esmflow.options import SolveOptions

    case = dict(CASES[case_name])
    if subset:
        case["set"] = {**case["set"], "config.init.subset.timesteps": list(subset)}
        case_name = name or f"{case_name}_{subset[0]}_{subset[1]}"
    program, config, *_ = build_case(case)
    OUT.mkdir(exist_ok=True)
    write_names(program.model, OUT / f"names_{case_name}.npz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = HighsSession(program, SolveOptions.from_model_config(config, {}))
    lp = session.highs.getLp()
    matrix = lp.a_matrix_
    path = lp_path(case_name)
    OUT.mkdir(exist_ok=True)
    np.savez(
        path,
        col_cost=np.asarray(lp.col_cost_),
        col_lower=np.asarray(lp.col_lower_),
        col_upper=np.asarray(lp.col_upper_),
        row_lower=np.asarray(lp.row_lower_),
        row_upper=np.asarray(lp.row_upper_),
        start=np.asarray(matrix.start_),
        index=np.asarray(matrix.index_),
        value=np.asarray(matrix.value_),
        rowwise=int(matrix.format_ == type(matrix.format_).kRowwise),
        sense=int(lp.sense_ == lp.sense_.kMaximize) if hasattr(lp, "sense_") else 0,
        offset=float(getattr(lp, "offset_", 0.0)),
    )
    print(f"{case_name}: {lp.num_col_} columns, {lp.num_row_} rows, {len(matrix.value_)} nonzeros")
    print(f"written: {path.relative_to(ROOT)}")
    return path


def write_names(model: Any, path: Path) -> None:
    """Column and row positions (as handed to HiGHS: label order) → name and coordinates.

    Stored per position: the index of its variable/constraint name and its flat index in that
    variable's/constraint's array; per name: dims and coordinates (JSON), to unravel it.
    """
    out: dict[str, Any] = {}
    for kind, container in (("col", model.variables), ("row", model.constraints)):
        to_pos = container.label_index.label_to_pos
        n = int(to_pos.max()) + 1 if len(to_pos) else 0
        which = np.full(n, -1, dtype=np.int32)
        flat = np.full(n, -1, dtype=np.int64)
        meta = []
        for i, (name, item) in enumerate(container.items()):
            labels = np.asarray(item.labels.values).ravel()
            keep = np.flatnonzero(labels >= 0)
            at = to_pos[labels[keep]]
            ok = at >= 0
            which[at[ok]] = i
            flat[at[ok]] = keep[ok]
            meta.append(
                {
                    "name": name,
                    "dims": list(item.labels.dims),
                    "shape": list(item.labels.shape),
                    "coords": {
                        d: [str(v) for v in item.labels.coords[d].values] for d in item.labels.dims
                    },
                }
            )
        out[f"{kind}_which"], out[f"{kind}_flat"] = which, flat
        out[f"{kind}_meta"] = np.array(json.dumps(meta))
    np.savez(path, **out)


def describe(names: Any, kind: str, positions: Any) -> list[str]:
    """'variable[dim=value,...]' for HiGHS column (kind 'col') or row ('row') positions."""
    meta = json.loads(str(names[f"{kind}_meta"]))
    found = []
    for pos in np.atleast_1d(positions):
        item = meta[int(names[f"{kind}_which"][pos])]
        index = np.unravel_index(int(names[f"{kind}_flat"][pos]), item["shape"])
        where = ",".join(
            f"{d}={item['coords'][d][i]}" for d, i in zip(item["dims"], index, strict=True)
        )
        found.append(f"{item['name']}[{where}]")
    return found


def load_lp(
    path: Path, order: str | None, seed: int = 0, cost_cap: float | None = None
) -> tuple[Any, dict[str, Any]]:
    """The stored LP as a highspy HighsLp, its rows and columns permuted as `order` says."""
    import highspy
    import scipy.sparse as sp

    data = np.load(path)
    n_col, n_row = len(data["col_cost"]), len(data["row_lower"])
    kind = sp.csr_matrix if int(data["rowwise"]) else sp.csc_matrix
    matrix = kind((data["value"], data["index"], data["start"]), shape=(n_row, n_col)).tocsc()
    rows, cols = np.arange(n_row), np.arange(n_col)
    rng = np.random.default_rng(seed)
    if order in ("random", "rows-random"):
        rows = rng.permutation(n_row)
    if order in ("random", "cols-random"):
        cols = rng.permutation(n_col)
    if order == "reverse":
        rows, cols = rows[::-1], cols[::-1]
    matrix = matrix[rows][:, cols].tocsc()
    matrix.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_ = data["col_cost"][cols]
    lp.col_lower_, lp.col_upper_ = data["col_lower"][cols], data["col_upper"][cols]
    lp.row_lower_, lp.row_upper_ = data["row_lower"][rows], data["row_upper"][rows]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    if cost_cap is not None:  # diagnostic only: changes the LP (bigM slack cheaper)
        lp.col_cost_ = np.clip(lp.col_cost_, -cost_cap, cost_cap)
    lp.offset_ = float(data["offset"])
    if int(data["sense"]):
        lp.sense_ = highspy.ObjSense.kMaximize
    size = {"columns": n_col, "rows": n_row, "nonzeros": int(matrix.nnz)}
    return lp, size


def highs_with(options: dict[str, Any], threads: int) -> Any:
    """A fresh HiGHS with `threads` and every option set (a refused option stops the run)."""
    import highspy

    highs = highspy.Highs()
    highs.setOptionValue("threads", int(threads))
    for name, value in options.items():
        if highs.setOptionValue(str(name), value) != highspy.HighsStatus.kOk:
            raise SystemExit(f"HiGHS refused option {name}={value!r}")
    return highs


def solve_one(
    case: str,
    options: dict[str, Any],
    threads: int,
    order: str | None,
    cost_cap: float | None = None,
) -> dict:
    """Solve the stored LP once in this process; HiGHS's own numbers."""

    lp, size = load_lp(lp_path(case), order, cost_cap=cost_cap)
    log = OUT / f"highs_{case}_{time.strftime('%H%M%S')}.log"  # HiGHS's own log of this run
    highs = highs_with({"log_to_console": False, "log_file": str(log), **options}, threads)
    highs.passModel(lp)
    start, start_cpu = time.perf_counter(), time.process_time()
    highs.run()
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    info = highs.getInfo()
    return {
        **size,
        "status": highs.modelStatusToString(highs.getModelStatus()),
        "objective": float(info.objective_function_value),
        "highs_time": float(highs.getRunTime()),
        "wall": wall,
        "cpu": cpu,
        "simplex_iterations": int(info.simplex_iteration_count),
        "ipm_iterations": int(info.ipm_iteration_count),
        "crossover_iterations": int(info.crossover_iteration_count),
        "pdlp_iterations": int(info.pdlp_iteration_count),
        "max_primal_infeasibility": float(info.max_primal_infeasibility),
        "max_dual_infeasibility": float(info.max_dual_infeasibility),
        "primal_status": int(info.primal_solution_status),
        "dual_status": int(info.dual_solution_status),
        "basis_valid": bool(info.basis_validity),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "log": str(log.relative_to(ROOT)),
    }


def results_path(case: str) -> Path:
    return OUT / f"sweep_{case}.jsonl"


def run_fresh(case: str, setting: dict[str, Any], timeout: float | None) -> dict:
    """One setting in a fresh process (niced: the machine is shared); append its record."""
    import highspy  # noqa: F401 - version only

    from esmflow.backends.highs import highs_version

    command = [sys.executable, __file__, "one", case, "--spec", json.dumps(setting)]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            ["nice", "-n", "2", *command], capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            record = {"error": "\n".join(done.stderr.strip().splitlines()[-5:])}
        else:
            record = json.loads(done.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        record = {"error": f"timeout after {timeout:.0f} s"}
    record.update(
        label=setting.get("label", json.dumps(setting)),
        setting=setting,
        highspy=highs_version(),
        process_wall=time.perf_counter() - started,
        load=os.getloadavg()[0],
        when=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    with results_path(case).open("a") as out:
        out.write(json.dumps(record) + "\n")
    print(_row(record, _reference(case)), flush=True)
    return record


def _reference(case: str) -> float | None:
    """The first optimal objective recorded for the case (the one every run must reach)."""
    path = results_path(case)
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        record = json.loads(line)
        if record.get("status") == "Optimal":
            return record["objective"]
    return None


def _row(record: dict[str, Any], reference: float | None) -> str:
    if "error" in record:
        return f"{record['label'][:44]:44} {record['error'].splitlines()[-1][:80]}"
    rel = (
        abs(record["objective"] - reference) / max(abs(reference), 1e-12)
        if reference is not None
        else float("nan")
    )
    iterations = (
        f"{record['simplex_iterations']}s/{record['ipm_iterations']}i"
        f"/{record['crossover_iterations']}x"
    )
    return (
        f"{record['label'][:44]:44} {record['status'][:10]:10} {record['highs_time']:9.1f}"
        f" {record['cpu']:8.1f} {iterations:>22} {record['objective']:16.9g} {rel:9.1e}"
        f" {record['max_primal_infeasibility']:8.1e} {record['max_dual_infeasibility']:8.1e}"
    )


HEADER = (
    f"{'setting':44} {'status':10} {'HiGHS s':>9} {'CPU s':>8} {'simplex/ipm/crossover it':>22}"
    f" {'objective':>16} {'rel diff':>9} {'primal inf':>8} {'dual inf':>8}"
)


def table(case: str) -> None:
    reference = _reference(case)
    print(HEADER)
    for line in results_path(case).read_text().splitlines():
        print(_row(json.loads(line), reference))


def parse_value(text: str) -> Any:
    """A number if it reads as one, else the text (HiGHS's on/off options are strings)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["export", "run", "sweep", "table", "one"])
    parser.add_argument("case")
    parser.add_argument("--set", action="append", default=[], metavar="OPTION=VALUE")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--order", choices=["random", "reverse", "rows-random", "cols-random"])
    parser.add_argument("--label")
    parser.add_argument(
        "--cost-cap", type=float, help="diagnostic: cap |cost| (the bigM slack) at this value"
    )
    parser.add_argument("--only", type=int, nargs="*", help="indices of the standard sweep")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--subset", nargs=2, metavar=("FIRST", "LAST"), help="export: timesteps")
    parser.add_argument("--name", help="export: the name to store a --subset LP under")
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.action == "export":
        export(args.case, args.subset, args.name)
    elif args.action == "one":
        spec = json.loads(args.spec)
        record = solve_one(
            args.case,
            spec.get("set", {}),
            spec.get("threads", 1),
            spec.get("order"),
            spec.get("cost_cap"),
        )
        print(json.dumps(record))
    elif args.action == "run":
        options = {}
        for pair in args.set:
            key, _, value = pair.partition("=")
            options[key] = parse_value(value)
        label = args.label or (" ".join(args.set) or "defaults") + f", {args.threads} thread(s)" + (
            f", order {args.order}" if args.order else ""
        )
        setting = {"label": label, "set": options, "threads": args.threads, "order": args.order}
        if args.cost_cap is not None:
            setting["cost_cap"] = args.cost_cap
            setting["label"] += f", costs capped at {args.cost_cap:g} (another LP)"
        print(HEADER)
        run_fresh(args.case, setting, args.timeout)
    elif args.action == "sweep":
        print(HEADER)
        chosen = [SWEEP[i] for i in args.only] if args.only else SWEEP
        for setting in chosen:
            run_fresh(args.case, setting, args.timeout)
    else:
        table(args.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
