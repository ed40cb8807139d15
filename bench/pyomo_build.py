"""Time the Pyomo backend's build next to the HiGHS backend's hand-over, on one model (no solve).

    .venv/bin/python bench/pyomo_build.py                       # national example, full year
    .venv/bin/python bench/pyomo_build.py --scenario ""         # its default week
    .venv/bin/python bench/pyomo_build.py --handover            # also Pyomo's hand-over to HiGHS

Stages, each timed in wall-clock and CPU seconds, in one process (imports not timed):

- prepare: read_model + prepare_inputs + add_distances + cluster_time (YAML/CSV → inputs)
- build:   build_program (inputs → linopy program): what both backends start from
- highs:   opening a HiGHS backend session: the pre-solve checks, then linopy hands the matrix to
           highspy (`HighsSession`)
- pyomo:   `build_pyomo_model`: the program as a Pyomo ConcreteModel (Vars, Constraints, objective,
           Sets, Params of the inputs), in bulk from the program's matrices
- pyomo→highs (with --handover): Pyomo's persistent HiGHS interface taking that model
           (`set_instance`), which walks every constraint expression in Python

The issue's bar: the Pyomo build of the national full year within Calliope 0.7's own build of it
(≈ 25 s on the shared 2-core machine). Results go to bench/out/pyomo_build_<UTC time>.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # esmflow from this checkout
    sys.path.insert(0, str(ROOT))

from pyomo.contrib.solver.common.factory import SolverFactory  # noqa: E402

from esmflow.backends.highs import HighsSession  # noqa: E402
from esmflow.backends.pyomo_build import build_pyomo_model  # noqa: E402
from esmflow.io.read_model import read_model  # noqa: E402
from esmflow.math.engine.build import build_program  # noqa: E402
from esmflow.math.schema import MathDefinition  # noqa: E402
from esmflow.options import BuildOptions, SolveOptions  # noqa: E402
from esmflow.preprocess.clustering import cluster_time  # noqa: E402
from esmflow.preprocess.distances import add_distances  # noqa: E402
from esmflow.preprocess.inputs import prepare_inputs, resolved_config  # noqa: E402

OUT = HERE / "out"
NATIONAL = ROOT / "examples" / "national_scale" / "model.yaml"


def timed(timings: dict[str, dict[str, float]], stage: str, work: Callable[[], Any]) -> Any:
    """Run `work`, record its wall-clock and CPU seconds under `stage`, print them."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    timings[stage] = {
        "wall_s": round(time.perf_counter() - wall, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
    }
    print(f"{stage:>13}: {timings[stage]['wall_s']:8.2f} s  (CPU {timings[stage]['cpu_s']:.2f} s)")
    return result


def prepare(model: Path, scenario: str) -> Any:
    overrides = [name for name in scenario.split(",") if name]
    return cluster_time(add_distances(prepare_inputs(read_model(model, overrides=overrides))), None)


def run(args: argparse.Namespace) -> dict[str, Any]:
    timings: dict[str, dict[str, float]] = {}
    inputs = timed(timings, "prepare", lambda: prepare(args.model, args.scenario))
    math = MathDefinition.from_inputs(inputs)
    options = BuildOptions.from_model_config(resolved_config(inputs))
    program = timed(timings, "build", lambda: build_program(inputs, math, options))
    linear = program.model
    size = {"variables": int(linear.nvars), "constraints": int(linear.ncons)}
    size["nonzeros"] = int(linear.matrices.A.nnz)
    print(f"{'size':>13}: {size}")
    timed(timings, "highs", lambda: HighsSession(program, SolveOptions(), inputs, math))
    built = timed(timings, "pyomo", lambda: build_pyomo_model(program, inputs, math))
    if args.handover:
        solver = SolverFactory("highs")
        timed(timings, "pyomo→highs", lambda: solver.set_instance(built.model))
    return {
        "model": str(args.model),
        "scenario": args.scenario,
        "size": size,
        "timings": timings,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "pyomo_over_highs": round(timings["pyomo"]["wall_s"] / timings["highs"]["wall_s"], 2),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=NATIONAL, help="model YAML file")
    parser.add_argument(
        "--scenario",
        default="full_year",
        help="scenario/override names of the model file, comma-separated ('' for none)",
    )
    parser.add_argument(
        "--handover", action="store_true", help="also time Pyomo's hand-over to HiGHS"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    record = run(parse_args(argv))
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = OUT / f"pyomo_build_{stamp}.json"
    path.write_text(json.dumps(record, indent=2))
    print(f"peak memory {record['peak_rss_mb']} MB; written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
