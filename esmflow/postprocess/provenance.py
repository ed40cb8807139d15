"""What produced a result: config, code, data, software, time.

Recorded twice: as `results/{scenario}/provenance/config.yaml` (readable) and as string attributes
of `results.nc` (travels with the numbers). Everything here is best-effort: a missing `git` or an
uninstalled package gives "unknown", never a failed run.
"""

from __future__ import annotations

import datetime
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from esmflow.code_hash import package_code_hash

# The packages whose versions can change a result (numbers, files or solver behaviour).
PACKAGES = (
    "esmflow",
    "snakemake",
    "numpy",
    "pandas",
    "xarray",
    "netCDF4",
    "linopy",
    "highspy",
    "pyomo",
    "geopy",
    "pyparsing",
    "PyYAML",
    "jsonschema",
    "matplotlib",
    "tsam",
)


def code_hash(package: str | Path) -> str:
    """sha256 (16 hex digits) over all of a package's Python and YAML sources, math included.

    The whole package; each rule's params hold the hash of only the code it runs
    (`esmflow.code_hash.script_code_hash`, called by `rules/common.smk`).
    """
    return package_code_hash(package)


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Installed version of each package, "not installed" where it is missing."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    if versions.get("esmflow") == "not installed":
        import esmflow  # a source checkout on sys.path rather than an installed package

        versions["esmflow"] = esmflow.__version__
    return versions


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_state(folder: str | Path = ".") -> dict[str, Any]:
    """Commit and dirty flag of the git checkout at `folder` (not of a repository above it)."""
    folder = Path(folder).resolve()
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != folder:
        return {"commit": "unknown", "dirty": None}
    status = _git(folder, "status", "--porcelain", "--untracked-files=no")
    return {"commit": _git(folder, "rev-parse", "HEAD") or "unknown", "dirty": bool(status)}


def utc_now() -> str:
    """Current UTC time, ISO 8601 to the second."""
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()


def provenance_record(
    scenario: str,
    scenario_config: Mapping[str, Any],
    code_hash: str,
    folder: str | Path = ".",
    solve_status: Mapping[str, Any] | None = None,
    model_files: Mapping[str, str] | None = None,
    rule_code: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The provenance of one scenario run: written to `provenance/config.yaml` and `results.nc`.

    With the solve's status (`solve_status.yaml`) it also records the outcome the record belongs
    to: termination, objective, solver, and how many warnings the run raised; with the inputs'
    `model_files` the sha256 of every model file read; with `rule_code` the code hash of each
    step that made the results (`rules/common.smk`'s `code_hash`).
    """
    record: dict[str, Any] = {
        "scenario": scenario,
        "config": dict(scenario_config),
        "esmflow_code_hash": code_hash,
        "git": git_state(folder),
        "versions": package_versions(),
        "platform": platform.platform(),
        "created_utc": utc_now(),
    }
    if rule_code is not None:
        record["rule_code_hashes"] = dict(rule_code)
    if model_files is not None:
        record["model_files"] = dict(model_files)
    if solve_status is not None:
        record["solve"] = {
            key: solve_status[key]
            for key in ("termination", "objective", "solver", "solver_version")
            if key in solve_status
        }
        record["solve"]["warnings"] = len(solve_status.get("warnings") or [])
    return record


PROVENANCE_ATTR = "provenance"  # results.nc: the whole record as JSON, as in provenance/config.yaml


def provenance_attrs(
    scenario: str,
    scenario_config: Mapping[str, Any],
    code_hash: str,
    folder: str | Path = ".",
    record: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """A provenance record as netCDF attributes (strings, so they round-trip in any netCDF reader).

    The record is `record` when given (the workflow's, with the solve's outcome and file hashes;
    the other arguments are then not used), else the one `provenance_record` makes of them.
    `provenance` holds the whole record as JSON (the workflow writes the same record to
    `provenance/config.yaml`); the other attributes repeat its main entries for quick reading.
    The model's resolved config (`config`) and input file hashes (`model_files`) are already
    attributes of the inputs and stay as they are.
    """
    if record is None:
        record = provenance_record(scenario, scenario_config, code_hash, folder)
    return {
        "scenario": record["scenario"],
        "workflow_config": yaml.safe_dump(record["config"], sort_keys=False),
        "esmflow_code_hash": record["esmflow_code_hash"],
        "git_commit": str(record["git"]["commit"]),
        "git_dirty": str(record["git"]["dirty"]),
        "package_versions": json.dumps(record["versions"]),
        "created_utc": record["created_utc"],
        PROVENANCE_ATTR: json.dumps(record),
    }


def stored_record(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The provenance record `provenance_attrs` put into a results file's attributes."""
    return json.loads(attrs[PROVENANCE_ATTR])
