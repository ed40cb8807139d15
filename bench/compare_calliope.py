"""Solve the same model with Calliope 0.7.0 and with esmflow; print objectives and flow_cap side by side.

By default it runs the two example models shipped inside the installed Calliope package
(national_scale and urban_scale, default configuration, the package's own unchanged files).
Calliope runs in `.venv-calliope` (created with python3.12 and `pip install calliope==0.7.0` if
missing) with its HiGHS backend; esmflow runs in this process.

    .venv/bin/python bench/compare_calliope.py                      # both shipped examples
    .venv/bin/python bench/compare_calliope.py --model examples/national_scale/model.yaml \\
        --set 'config.init.subset.timesteps=[2030-01-01, 2030-01-02]'

    .venv/bin/python bench/compare_calliope.py --all                # every override and scenario

`--all` runs every override and scenario of both shipped examples (`CASES`, below), each kept
to a few days, and prints one row per case: the objective in each tool, their relative
difference, the largest flow_cap and storage_cap differences, and the time each took (wall
seconds, then CPU seconds of both: Calliope's read, build and solve, esmflow's whole run). Operate
cases are compared window by window (operating cost of each window's kept steps), SPORES cases
spore by spore (cost and capacities). A case one tool cannot run lists its message.

Exit status: 0 if every objective agrees within --rel-tol (default 1e-6, relative), 1 if one
does not (or a run fails), 2 if Calliope cannot be set up here. flow_cap differences are shown
but do not fail the comparison: a degenerate LP can have several optimal capacity mixes.
Records go to bench/out/compare_<model>.json.
"""

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

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
    shipped_example,
)

SHIPPED = ["national_scale", "urban_scale"]
OUT = HERE / "out"
ZERO = 1e-9  # capacities below this count as zero when comparing


def run_esmflow(model: Path, scenario: str | None, set_values: dict[str, Any]) -> dict[str, Any]:
    """Load, build and solve with esmflow; the same record fields as `calliope_worker.py`."""
    from esmflow import Model

    start = time.perf_counter()
    overrides = scenario.split(",") if scenario else []
    esm = Model.from_yaml(model, overrides=overrides, set=set_values)
    loaded = time.perf_counter()
    esm.build()
    built = time.perf_counter()
    esm.solve()
    solved = time.perf_counter()
    flow_cap = esm.results["flow_cap"].to_series().dropna()
    return {
        "termination": str(esm.solve_result.termination),
        "objective": float(esm.solve_result.objective),
        "timings": {"read": loaded - start, "build": built - loaded, "solve": solved - built},
        "flow_cap": [[*map(str, key), float(value)] for key, value in flow_cap.items()],
    }


def relative_difference(a: float, b: float) -> float:
    """|a − b| relative to the larger magnitude; 0 when both are (numerically) zero."""
    scale = max(abs(a), abs(b))
    return 0.0 if scale < ZERO else abs(a - b) / scale


def flow_cap_table(
    calliope_rows: list, esmflow_rows: list
) -> list[tuple[str, str, str, float, float]]:
    """Join both runs' flow_cap rows on (node, tech, carrier); a missing side is NaN."""
    reference = {tuple(row[:3]): row[3] for row in calliope_rows}
    ours = {tuple(row[:3]): row[3] for row in esmflow_rows}
    keys = sorted(set(reference) | set(ours))
    return [(*key, reference.get(key, math.nan), ours.get(key, math.nan)) for key in keys]


def print_comparison(label: str, record: dict[str, Any], rel_tol: float) -> None:
    """Objectives, timings and the flow_cap table, side by side."""
    ref, ours = record["calliope"], record["esmflow"]
    verdict = "OK" if record["objective_rel_diff"] <= rel_tol else f"DIFFERS (> {rel_tol:g})"
    print(f"\n== {label}: {record['model']}")
    print(f"{'':24}{'Calliope ' + ref['calliope_version']:>20}{'esmflow':>20}{'rel diff':>12}")
    print(
        f"{'objective':24}{ref['objective']:>20.10e}{ours['objective']:>20.10e}"
        f"{record['objective_rel_diff']:>12.2e}  {verdict}"
    )
    print(f"{'termination':24}{ref['termination']:>20}{ours['termination']:>20}")
    for step in ("read", "build", "solve"):
        print(f"{step + ' time (s)':24}{ref['timings'][step]:>20.2f}{ours['timings'][step]:>20.2f}")
    print(
        f"\n{'flow_cap: node':16}{'tech':28}{'carrier':13}{'Calliope':>14}{'esmflow':>14}{'rel diff':>10}"
    )
    for node, tech, carrier, a, b in flow_cap_table(ref["flow_cap"], ours["flow_cap"]):
        diff = "missing" if math.isnan(a) or math.isnan(b) else f"{relative_difference(a, b):.1e}"
        print(f"{node:16}{tech:28}{carrier:13}{a:>14.4f}{b:>14.4f}{diff:>10}")


def compare(
    python: Path, model: Path, scenario: str | None = None, set_values: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run one model through both and return {model, calliope, esmflow, objective_rel_diff}."""
    set_values = dict(set_values or {})
    reference = run_calliope(python, model, scenario, set_values)
    ours = run_esmflow(model, scenario, set_values)
    return {
        "model": str(model),
        "scenario": scenario,
        "set": set_values,
        "calliope": reference,
        "esmflow": ours,
        "objective_rel_diff": relative_difference(reference["objective"], ours["objective"]),
    }


# --- every override and scenario of the shipped examples ------------------------------------
@dataclass(frozen=True)
class Case:
    """One run of a shipped example: which scenario, with which extra `set` values, and why."""

    model: str  # national_scale or urban_scale
    scenario: str | None
    set_values: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.model.split('_')[0]}:{self.scenario or 'base'}"


FIVE_DAYS = {"config.init.subset.timesteps": ["2005-01-01", "2005-01-05"]}
CASES = [
    Case("national_scale", None),
    Case("national_scale", "profiling", FIVE_DAYS, "15 days cut to 5"),
    Case("national_scale", "time_resampling", note="January at 6 h"),
    Case(
        "national_scale",
        "time_clustering",
        note="as shipped: Calliope keeps each day cyclic, esmflow carries storage across days",
    ),
    Case(
        "national_scale",
        "time_clustering",
        {"config.init.extra_math": ["storage_inter_cluster"]},
        "with Calliope's storage_inter_cluster math",
    ),
    Case(
        "national_scale",
        "time_clustering",
        {"techs.battery.inter_cluster_storage": False, "techs.csp.inter_cluster_storage": False},
        "each day cyclic in both (esmflow: inter_cluster_storage false)",
    ),
    Case("national_scale", "spores", note="3 spores, spore by spore"),
    Case("national_scale", "operate", note="10 days, 12 h windows, 24 h horizon"),
    Case("national_scale", "check_feasibility", note="no objective"),
    Case("national_scale", "reserve_margin"),
    Case("national_scale", "run1", FIVE_DAYS, "January cut to 5 days"),
    Case("national_scale", "run2", note="2005-02-31 does not exist"),
    Case("national_scale", "run3", FIVE_DAYS, "January cut to 5 days"),
    Case("national_scale", "run4", note="2005-02-31 does not exist"),
    Case("national_scale", "cold_fusion"),
    Case("national_scale", "cold_fusion_with_production_share", note="names a missing override"),
    Case("national_scale", "cold_fusion_with_capacity_share", note="names a missing override"),
    Case("national_scale", "minimize_emissions_costs"),
    Case("national_scale", "maximize_utility_costs"),
    Case("national_scale", "capacity_factor"),
    Case("urban_scale", None),
    Case(
        "urban_scale",
        "milp",
        {"config.solve.solver_options": {"mip_rel_gap": 0.05}},
        "5 % gap as asked (`mipgap`), given to Calliope by HiGHS's name",
    ),
    Case(
        "urban_scale",
        "milp",
        {
            "config.solve.solver_options": {"mip_rel_gap": 1e-4},
            "config.init.subset.timesteps": ["2005-07-01", "2005-07-02"],
        },
        "two days at a 1e-4 gap",
    ),
    Case("urban_scale", "operate", note="10 days, 12 h windows, 48 h horizon"),
]


def run_esmflow_case(model: Path, case: Case) -> dict[str, Any]:
    """esmflow's record for a case (the worker's fields), or {error} with its message."""
    from esmflow import Model
    from esmflow.errors import ModelError

    start, start_cpu = time.perf_counter(), time.process_time()
    try:
        esm = Model.from_yaml(
            model, overrides=case.scenario.split(",") if case.scenario else [], set=case.set_values
        )
        esm.build()
        esm.solve()
    except ModelError as err:
        return {
            "error": " ".join(str(err).split()),
            "timings": {"total": time.perf_counter() - start},
            "cpu_timings": {"total": time.process_time() - start_cpu},
        }
    results = esm.results
    assert results is not None and esm.solve_result is not None
    first = results.isel(spores=0) if "spores" in results.dims else results
    weights = results.get("objective_cost_weights", xr.DataArray(1.0)).fillna(0)
    details: dict[str, Any] = {"mode": esm.mode.mode}
    if esm.mode.mode == "operate":
        variable = results["cost_operation_variable"]
        per_step = (variable.fillna(0) * weights).sum(
            [d for d in variable.dims if d != "timesteps"]
        )
        details["operating_cost"] = [[str(t), float(v)] for t, v in per_step.to_series().items()]
        details["window"] = esm.mode.operate.window
    if "spores" in results.dims:
        details["spores"] = [
            {
                "spore": int(spore),
                "cost": float((results["cost"].sel(spores=spore).fillna(0) * weights).sum()),
                "flow_cap": _rows(results["flow_cap"].sel(spores=spore)),
            }
            for spore in results.spores.values
        ]
    return {
        "termination": str(esm.solve_result.termination),
        "objective": float(esm.solve_result.objective),
        "flow_cap": _rows(first["flow_cap"]),
        "storage_cap": _rows(first["storage_cap"]) if "storage_cap" in first else [],
        "details": details,
        "timings": {"total": time.perf_counter() - start},
        "cpu_timings": {"total": time.process_time() - start_cpu},
        "mode_wall_time": esm.solve_result.mode_wall_time,
    }


def _rows(values: xr.DataArray) -> list[list]:
    series = values.to_series().dropna()
    return [
        [*map(str, key if isinstance(key, tuple) else (key,)), float(v)]
        for key, v in series.items()
    ]


def largest_difference(reference: list, ours: list) -> tuple[float, str]:
    """The largest |difference| of two capacity tables and where (a missing side counts as 0)."""
    left = {tuple(row[:-1]): row[-1] for row in reference}
    right = {tuple(row[:-1]): row[-1] for row in ours}
    worst, where = 0.0, ""
    for key in set(left) | set(right):
        diff = abs(left.get(key, 0.0) - right.get(key, 0.0))
        if diff > worst:
            worst, where = diff, "/".join(key)
    return worst, where


def window_costs(rows: list, window: str) -> list[float]:
    """Operating cost summed over each window's kept steps."""
    series = pd.Series({pd.Timestamp(t): v for t, v in rows}).sort_index()
    start = series.index[0]
    number = ((series.index - start) // pd.Timedelta(window)).astype(int)
    return [float(v) for v in series.groupby(number).sum().values]


def compare_case(python: Path, case: Case) -> dict[str, Any]:
    """Both tools on one case: their records and what differs."""
    model = shipped_example(python, case.model)
    start = time.perf_counter()
    reference = run_calliope(python, model, case.scenario, case.set_values, catch=True)
    reference.setdefault("timings", {})["total"] = time.perf_counter() - start
    ours = run_esmflow_case(model, case)
    row: dict[str, Any] = {
        "case": case.label,
        "note": case.note,
        "calliope": reference,
        "esmflow": ours,
    }
    if "error" in reference or "error" in ours:
        return row
    mode = ours["details"]["mode"]
    if mode == "operate":  # no one objective: the total operating cost, and window by window
        window = ours["details"]["window"]
        ref_windows = window_costs(reference["details"]["operating_cost"], window)
        our_windows = window_costs(ours["details"]["operating_cost"], window)
        reference["objective"], ours["objective"] = sum(ref_windows), sum(our_windows)
        row["windows"] = len(our_windows)
        row["worst_window_rel_diff"] = max(
            (relative_difference(a, b) for a, b in zip(ref_windows, our_windows, strict=False)),
            default=math.nan,
        )
        if len(ref_windows) != len(our_windows):
            row["worst_window_rel_diff"] = math.inf
    if mode == "spores":
        pairs = list(zip(reference["details"]["spores"], ours["details"]["spores"], strict=False))
        row["spores"] = [
            {
                "spore": a["spore"],
                "cost_rel_diff": relative_difference(a["cost"], b["cost"]),
                "flow_cap_diff": largest_difference(a["flow_cap"], b["flow_cap"])[0],
            }
            for a, b in pairs
        ]
    row["objective_rel_diff"] = relative_difference(reference["objective"], ours["objective"])
    if mode == "operate":  # capacities are given, not decided
        row["flow_cap_diff"] = row["storage_cap_diff"] = (math.nan, "given")
        return row
    row["flow_cap_diff"] = largest_difference(reference["flow_cap"], ours["flow_cap"])
    row["storage_cap_diff"] = largest_difference(
        reference.get("storage_cap", []), ours.get("storage_cap", [])
    )
    return row


def cpu_seconds(record: dict[str, Any]) -> float:
    """CPU seconds of one tool's run (all its threads): Calliope's read, build and solve as its
    worker measured them (not the start-up of its process), esmflow's whole `run_esmflow_case`."""
    return float(sum(record.get("cpu_timings", {}).values()) or math.nan)


def print_all(rows: list[dict[str, Any]]) -> None:
    """One line per case, then the messages of the cases a tool could not run."""
    header = (
        f"{'case':42}{'Calliope':>16}{'esmflow':>16}{'rel diff':>10}"
        f"{'max Δflow_cap':>15}{'max Δstorage_cap':>18}{'Calliope s':>11}{'esmflow s':>10}"
        f"{'CPU s C/e':>14}  note"
    )
    print(header)
    for row in rows:
        ref, ours = row["calliope"], row["esmflow"]
        times = f"{ref['timings']['total']:>11.1f}{ours['timings']['total']:>10.1f}"
        times += f"{cpu_seconds(ref):>7.1f}/{cpu_seconds(ours):<6.2f}"
        if "error" in ref or "error" in ours:
            left = "fails" if "error" in ref else f"{ref['objective']:.6g}"
            right = "fails" if "error" in ours else f"{ours['objective']:.6g}"
            print(
                f"{row['case']:42}{left:>16}{right:>16}{'':>10}{'':>15}{'':>18}{times}  {row['note']}"
            )
            continue
        extra = row["note"]
        if "windows" in row:
            extra += f"; {row['windows']} windows, worst window rel diff {row['worst_window_rel_diff']:.1e}"
        if "spores" in row:
            extra += "; per spore cost rel diff " + ", ".join(
                f"{s['cost_rel_diff']:.0e}" for s in row["spores"]
            )
        print(
            f"{row['case']:42}{ref['objective']:>16.8g}{ours['objective']:>16.8g}"
            f"{row['objective_rel_diff']:>10.1e}{row['flow_cap_diff'][0]:>15.3g}"
            f"{row['storage_cap_diff'][0]:>18.3g}{times}  {extra}"
        )
    failures = [row for row in rows if "error" in row["calliope"] or "error" in row["esmflow"]]
    for row in failures:
        print(f"\n{row['case']}:")
        for tool in ("calliope", "esmflow"):
            message = row[tool].get("error", "runs")
            print(f"  {tool:9} {message[:600]}")


def run_all(python: Path, only: list[str] | None = None) -> list[dict[str, Any]]:
    rows = []
    for case in CASES:
        if only and not any(part in case.label for part in only):
            continue
        print(f"running {case.label} …", file=sys.stderr, flush=True)
        rows.append(compare_case(python, case))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        action="append",
        help="model YAML, or the name of an example shipped with Calliope (default: "
        + " and ".join(SHIPPED)
        + ")",
    )
    parser.add_argument("--scenario", help="scenario/override names, comma-separated")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--rel-tol", type=float, default=1e-6)
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--all", action="store_true", help="every override and scenario")
    parser.add_argument("--only", action="append", help="with --all: cases whose label has this")
    args = parser.parse_args()
    if args.all:
        try:
            python = ensure_calliope_venv(args.venv)
        except CalliopeUnavailable as err:
            print(f"cannot run Calliope: {err}", file=sys.stderr)
            return 2
        rows = run_all(python, args.only)
        OUT.mkdir(exist_ok=True)
        (OUT / "compare_all.json").write_text(json.dumps(rows, indent=1, default=str))
        print_all(rows)
        return 0
    try:
        python = ensure_calliope_venv(args.venv)
        models = [
            shipped_example(python, name) if name in SHIPPED else Path(name)
            for name in (args.model or SHIPPED)
        ]
    except CalliopeUnavailable as err:
        print(f"cannot run Calliope: {err}", file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    failed = []
    for model in models:
        label = model.parent.name
        try:
            record = compare(python, model, args.scenario, parse_set_values(args.set))
        except Exception as err:  # report every model, then fail
            print(f"\n== {label}: FAILED\n{type(err).__name__}: {err}", file=sys.stderr)
            failed.append(label)
            continue
        (OUT / f"compare_{label}.json").write_text(json.dumps(record, indent=1))
        print_comparison(label, record, args.rel_tol)
        if not record["objective_rel_diff"] <= args.rel_tol:
            failed.append(label)
    print(f"\n{len(models) - len(failed)}/{len(models)} objectives agree within {args.rel_tol:g}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
