"""Write Calliope 0.7.0's `model.inputs` for the loader's comparison cases (run with .venv-calliope).

    /work/main/.venv-calliope/bin/python tests/data/loader/calliope_refs/make_refs.py

Cases: Calliope's own example models with some of their overrides, and our `edge` model
(tests/data/loader/edge), which exercises the corners of the format. Files are zlib-compressed.
"""

from pathlib import Path

import calliope

HERE = Path(__file__).parent
EXAMPLES = Path(calliope.__file__).parent / "example_models"
CASES = {
    "edge": (HERE.parent / "edge" / "model.yaml", None, None),
    "national_time_resampling": (EXAMPLES / "national_scale" / "model.yaml", "time_resampling", None),
    "national_operate_as_base": (EXAMPLES / "national_scale" / "model.yaml", "operate", {"config.init.mode": "base"}),
    "urban_operate_as_base": (EXAMPLES / "urban_scale" / "model.yaml", "operate", {"config.init.mode": "base"}),
    "urban_resample_3h": (EXAMPLES / "urban_scale" / "model.yaml", None, {"config.init.resample.timesteps": "3h"}),
}

if __name__ == "__main__":
    calliope.set_log_verbosity("ERROR")
    for name, (path, scenario, override) in CASES.items():
        inputs = calliope.read_yaml(path, scenario=scenario, override_dict=override).inputs
        encoding = {v: {"zlib": True, "complevel": 6} for v in inputs.data_vars if inputs[v].dtype.kind in "fb"}
        inputs.to_netcdf(HERE / f"{name}.nc", encoding=encoding)
        print(name, dict(inputs.sizes))
