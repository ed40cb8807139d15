"""A workflow scenario may name a Calliope 0.6 model file: it is converted on the fly.

The rule `convert_v06` (rules/convert.smk) writes results/{scenario}/converted/, and
prepare_inputs reads the conversion; rules/common.smk tells 0.6 files from 0.7 ones with the
same test as esmflow.io.calliope06.detect, without importing esmflow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from esmflow.io.calliope06 import detect
from tests.calliope06_archive import calliope06_package
from tests.test_workflow import snakemake

ROOT = Path(__file__).resolve().parents[1]


def test_workflow_detects_0_6_files_as_esmflow_does() -> None:
    text = (ROOT / "rules" / "common.smk").read_text()
    for name, markers in (("CALLIOPE06", detect.MARKERS_06), ("CALLIOPE07", detect.MARKERS_07)):
        found = re.search(rf"^{name}_MARKERS = (\(.*\))$", text, re.MULTILINE)
        assert found is not None and eval(found.group(1)) == markers  # noqa: S307 - a tuple literal


@pytest.mark.slow
def test_a_0_6_scenario_is_converted_then_prepared(repo_copy: Path) -> None:
    model = calliope06_package() / "example_models" / "national_scale" / "model.yaml"
    config = {
        "run": {"scenarios": ["old_national"]},
        "scenarios": {
            "old_national": {
                "model": str(model),
                "overrides": ["reserve_margin"],
                "set": {"config.init.subset.timesteps": ["2005-01-01", "2005-01-01"]},
            }
        },
    }
    (repo_copy / "old.yaml").write_text(yaml.safe_dump(config))
    planned = snakemake(repo_copy, "-n", "--configfile", "old.yaml")
    assert planned.returncode == 0, planned.stderr
    assert "convert_v06" in planned.stdout + planned.stderr
    done = snakemake(
        repo_copy, "results/old_national/inputs.nc", "--cores", "1", "--configfile", "old.yaml"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    converted = repo_copy / "results" / "old_national" / "converted"
    assert (converted / "conversion_report.md").is_file()
    assert (converted / "data_tables" / "sink_use_equals.csv").is_file()
    assert (repo_copy / "results" / "old_national" / "inputs.nc").is_file()
