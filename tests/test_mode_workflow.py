"""Plan then operate in one `snakemake` call: a scenario with `operate_from` operates the
capacities its plan scenario decided, window by window.

The tiny model (tests/data/tiny) is planned over its two days; the operate scenario then
dispatches the planned capacities in 12 h windows with a 24 h horizon. Its battery must not be
cyclic in operate mode (`set`). The operate run cannot do better than the plan's dispatch of the
same capacities (which saw both days at once), and here it does exactly as well: every window
sees the whole of the next half day, and the plan's own dispatch is optimal for each of them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr
import yaml

pytestmark = pytest.mark.slow


def test_plan_then_operate_is_one_snakemake_call(repo_copy: Path) -> None:
    config = {
        "run": {"scenarios": ["tiny_operate"]},
        "scenarios": {
            "tiny_plan": {
                "model": "tests/data/tiny/model.yaml",
                "set": {"techs.battery.cyclic_storage": False},
                "solver": {"threads": 1},
            },
            "tiny_operate": {
                "model": "tests/data/tiny/model.yaml",
                "operate_from": "tiny_plan",
                "set": {
                    "techs.battery.cyclic_storage": False,
                    "config.build.operate.window": "12h",
                    "config.build.operate.horizon": "24h",
                },
                "solver": {"threads": 1},
            },
        },
    }
    (repo_copy / "operate.yaml").write_text(yaml.safe_dump(config))
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "operate.yaml"],
        cwd=repo_copy,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-6000:]
    results = repo_copy / "results"
    assert (results / "tiny_plan" / "solution.nc").is_file()  # the plan ran first
    with (
        xr.open_dataset(results / "tiny_plan" / "solution.nc") as plan,
        xr.open_dataset(results / "tiny_operate" / "operate_inputs.nc") as operated,
    ):
        given = operated["flow_cap"].sel(nodes="north", techs="gas", carriers="power")
        assert float(given) == pytest.approx(
            float(plan["flow_cap"].sel(nodes="north", techs="gas", carriers="power"))
        )
        assert "mode: operate" in operated.attrs["config"]
    status = yaml.safe_load((results / "tiny_operate" / "solve_status.yaml").read_text())
    assert status["termination"] == "optimal"
    assert [w["window"] for w in status["windows"]] == [1, 2, 3, 4]
    with xr.open_dataset(results / "tiny_operate" / "results.nc") as operate_results:
        assert operate_results.sizes["timesteps"] == 48
