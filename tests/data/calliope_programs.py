"""Write Calliope 0.7.0's inputs and per-component sizes for the engine's comparison cases.

Runs with the Python of `.venv-calliope` (never imported by esmflow's tests):

    .venv-calliope/bin/python tests/data/calliope_programs.py --out DIR CASE

writes DIR/CASE_inputs.nc (Calliope's `model.inputs`) and DIR/CASE_sizes.json (entries per
variable, global expression and constraint of the program Calliope builds; its LP files carry no
names, so the counts come from its backend).
"""

import argparse
import json
from pathlib import Path

import calliope

INTER_CLUSTER = {"override_dict": {"config.init.extra_math": ["storage_inter_cluster"]}}
CASES = {
    # case: (calliope.examples function, keyword arguments)
    "national_scale": ("national_scale", {}),
    "urban_scale": ("urban_scale", {}),
    "urban_scale_milp": ("urban_scale", {"scenario": "milp"}),
    "time_clustering": ("time_clustering", {}),
    "time_clustering_inter_cluster": ("time_clustering", INTER_CLUSTER),
    "time_resampling": ("time_resampling", {}),
}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("case", choices=sorted(CASES))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    calliope.set_log_verbosity("ERROR")
    function, kwargs = CASES[args.case]
    model = getattr(calliope.examples, function)(**kwargs)
    model.inputs.to_netcdf(args.out / f"{args.case}_inputs.nc")
    model.build(backend="pyomo")
    counts = {
        f"{kind}.{name}": int(array.notnull().sum())
        for kind in ("variables", "global_expressions", "constraints")
        for name, array in getattr(model.backend, kind).items()
    }
    (args.out / f"{args.case}_sizes.json").write_text(json.dumps(counts, indent=1, sort_keys=True))
