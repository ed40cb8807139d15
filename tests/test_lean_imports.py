"""Loading and building a model import only what they need (issue 14: lean imports).

tsam pulls in scikit-learn and scipy.stats (~1 s and ~90 MB), matplotlib ~30 MB; netCDF4,
geopy, plotly and Pyomo are only needed by clustering, distances, figures, program files and the
Pyomo backend. A fresh interpreter that imports the modules of the load + build path, and
`esmflow` itself, must not have loaded any of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("tsam", "sklearn", "matplotlib", "netCDF4", "geopy", "plotly", "pyomo", "scipy.stats")
LOAD_AND_BUILD = """
import json, sys
import esmflow
from esmflow.io.read_model import read_model
from esmflow.math.engine.build import build_program
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions
from esmflow.preprocess.clustering import cluster_time
from esmflow.preprocess.distances import add_distances
from esmflow.preprocess.inputs import prepare_inputs, resolved_config
from esmflow.model import Model
print(json.dumps(sorted(sys.modules)))
"""


def test_load_and_build_modules_do_not_import_heavy_libraries():
    done = subprocess.run(
        [sys.executable, "-c", LOAD_AND_BUILD],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        check=True,
    )
    loaded = set(json.loads(done.stdout))
    assert "esmflow.math.engine.build" in loaded  # the snippet did import the build path
    assert [name for name in HEAVY if name in loaded] == []


def test_model_is_still_reachable_from_the_package():
    import esmflow
    from esmflow.model import Model

    assert esmflow.Model is Model
    assert "Model" in esmflow.__all__


BUILD_TINY = """
import json, sys
from pathlib import Path
from esmflow.io.read_model import read_model
from esmflow.math.engine.build import build_program
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions
from esmflow.preprocess.inputs import prepare_inputs, resolved_config
inputs = prepare_inputs(read_model(Path(sys.argv[1])))
config = resolved_config(inputs)
program = build_program(inputs, MathDefinition.from_inputs(inputs), BuildOptions.from_model_config(config))
print(json.dumps([sorted(sys.modules), int(program.model.nvars)]))
"""


def test_a_build_does_not_import_dask_array():
    """xarray's dask check is answered without importing dask.array (esmflow/lazy_dask.py).

    Without it, the first xarray array of every process imports dask.array and scipy.fft
    (0.2-0.3 CPU-s, ~18 MB): this test then fails.
    """
    tiny = ROOT / "tests" / "data" / "loader" / "tiny" / "model.yaml"
    done = subprocess.run(
        [sys.executable, "-c", BUILD_TINY, str(tiny)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "", "ESMFLOW_CACHE_DIR": "off"},
        check=True,
    )
    loaded, columns = json.loads(done.stdout.strip().splitlines()[-1])
    assert columns > 0  # the model was built
    assert "dask.array" not in loaded
    assert "scipy.fft" not in loaded
