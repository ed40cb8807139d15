"""Write Calliope 0.7.0's `model.inputs` for the loader's comparison cases (run with .venv-calliope).

    .venv-calliope/bin/python tests/data/loader/calliope_refs/make_refs.py [--out DIR] [CASE ...]

Cases: Calliope's own example models, plain and with some of their overrides, and our `edge` model
(tests/data/loader/edge), which exercises the corners of the format. Only `edge.nc` is committed
(our own data); the example cases carry Calliope's example data, so tests write them on demand
into a cache (tests/calliope_reference.py). Files are zlib-compressed.
"""

import argparse
from pathlib import Path

import calliope

HERE = Path(__file__).parent
EXAMPLES = Path(calliope.__file__).parent / "example_models"
CASES = {
    "edge": (HERE.parent / "edge" / "model.yaml", None, None),
    "national_scale": (EXAMPLES / "national_scale" / "model.yaml", None, None),
    "urban_scale": (EXAMPLES / "urban_scale" / "model.yaml", None, None),
    "national_time_resampling": (
        EXAMPLES / "national_scale" / "model.yaml",
        "time_resampling",
        None,
    ),
    "national_operate_as_base": (
        EXAMPLES / "national_scale" / "model.yaml",
        "operate",
        {"config.init.mode": "base"},
    ),
    "urban_operate_as_base": (
        EXAMPLES / "urban_scale" / "model.yaml",
        "operate",
        {"config.init.mode": "base"},
    ),
    "urban_resample_3h": (
        EXAMPLES / "urban_scale" / "model.yaml",
        None,
        {"config.init.resample.timesteps": "3h"},
    ),
}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("cases", nargs="*", default=list(CASES))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    calliope.set_log_verbosity("ERROR")
    for name in args.cases:
        path, scenario, override = CASES[name]
        inputs = calliope.read_yaml(path, scenario=scenario, override_dict=override).inputs
        encoding = {
            v: {"zlib": True, "complevel": 6}
            for v in inputs.data_vars
            if inputs[v].dtype.kind in "fb"
        }
        inputs.to_netcdf(args.out / f"{name}.nc", encoding=encoding)
        print(name, dict(inputs.sizes))
