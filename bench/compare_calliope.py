"""Solve the same model with Calliope 0.7.0 and with esmflow; print objectives and flow_cap side by side.

By default it runs the two example models shipped inside the installed Calliope package
(national_scale and urban_scale, default configuration, the package's own unchanged files).
Calliope runs in `.venv-calliope` (created with python3.12 and `pip install calliope==0.7.0` if
missing) with its HiGHS backend; esmflow runs in this process.

    .venv/bin/python bench/compare_calliope.py                      # both shipped examples
    .venv/bin/python bench/compare_calliope.py --model examples/national_scale/model.yaml \\
        --set 'config.init.subset.timesteps=[2030-01-01, 2030-01-02]'

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
    args = parser.parse_args()
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
