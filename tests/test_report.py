"""The Snakemake report of a run: per scenario an overview, tables and captioned figures; a comparison.

Two variants of the tiny model run in a private copy of the repository; `snakemake --report` then
writes one HTML file, whose embedded result list (`var results = {...}`) and categories are read
here, and whose overview and comparison pages are decoded and checked.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import COPY_IGNORE, ROOT

from esmflow.postprocess.plots import FIGURES

pytestmark = pytest.mark.slow

CONFIG = """
run:
  scenarios: [tiny, tiny_dear_gas]
scenarios:
  tiny:
    description: Two nodes, two days hourly.
    model: tests/data/tiny/model.yaml
    solver: {threads: 1}
  tiny_dear_gas:
    description: The tiny model with gas fuel at twice the price.
    model: tests/data/tiny/model.yaml
    set:
      techs.gas.cost_source_use: {data: 0.08, index: monetary, dims: costs}
    solver: {threads: 1}
"""


def snakemake(folder: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-5000:]}"


def embedded(page: str, name: str) -> dict:
    """A JSON object the report assigns to `var <name> = …`."""
    starts = list(re.finditer(rf"var {name} = (?={{)", page))  # the report's, after the libraries'
    assert starts, name
    value, _ = json.JSONDecoder().raw_decode(page, starts[-1].end())
    return value


def decoded(entry: dict) -> str:
    """The text of a file embedded in the report (a base64 data URI)."""
    return base64.b64decode(entry["data_uri"].split(",", 1)[1]).decode()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    copy = tmp_path_factory.mktemp("report") / "repo"
    shutil.copytree(ROOT, copy, ignore=COPY_IGNORE, symlinks=True)
    (copy / "study.yaml").write_text(CONFIG)
    snakemake(copy, "--cores", "2", "--configfile", "study.yaml")
    snakemake(copy, "--configfile", "study.yaml", "--report", "report.html")
    return (copy / "report.html").read_text()


def test_every_scenario_has_its_sections(report: str) -> None:
    categories = embedded(report, "categories")
    assert {"tiny", "tiny_dear_gas", "all scenarios"} <= set(categories)
    for scenario in ("tiny", "tiny_dear_gas"):
        sections = categories[scenario]
        assert {"1 overview", "2 tables", "3 figures", "4 interactive"} <= set(sections)
        figures = {Path(path).stem for path in sections["3 figures"]}
        assert set(FIGURES) | {"clustering"} <= figures
        tables = {Path(path).stem for path in sections["2 tables"]}
        assert tables == {"capacities", "costs_by_class", "costs_by_tech", "flows_by_carrier"}


def test_every_entry_has_a_caption(report: str) -> None:
    results = embedded(report, "results")
    for path, entry in results.items():
        caption = re.sub(r"<[^>]+>", "", entry.get("caption") or "").strip()
        assert len(caption) > 60, path
    assert "tiny_dear_gas" in results["results/tiny_dear_gas/report/overview.html"]["caption"]


def test_the_overview_gives_description_status_and_tables(report: str) -> None:
    results = embedded(report, "results")
    page = decoded(results["results/tiny_dear_gas/report/overview.html"])
    assert "The tiny model with gas fuel at twice the price." in page
    for words in (
        "termination",
        "optimal",
        "LP (no gap)",
        "highs",
        "wall time",
        "Warnings (0)",
    ):
        assert words in page, words
    assert "MIP gap: inf" not in page and "inf" not in re.sub(r"<[^>]+>", " ", page).split()
    for heading in ("capacities", "costs by class", "costs by tech", "flows by carrier"):
        assert f"<h2>{heading}</h2>" in page
    assert "2025-06-01 00:00 to 2025-06-03 00:00 (48 h)" in page
    assert "power kW, energy kWh, cost monetary: EUR" in page


def test_the_comparison_lists_every_scenario(report: str) -> None:
    results = embedded(report, "results")
    page = decoded(results["results/comparison/comparison.html"])
    objectives = re.findall(r"<td>(tiny[a-z_]*)</td>\s*<td>optimal</td>\s*<td>([0-9.]+)</td>", page)
    assert [name for name, _ in objectives] == ["tiny", "tiny_dear_gas"]
    cheap, dear = (float(value) for _, value in objectives)
    assert dear > cheap  # dearer fuel, dearer system
    assert "Installed capacity" in page and "power output (kW)" in page
