"""What produced a result: config, code, data, software, time.

Recorded twice: as `results/{scenario}/provenance/config.yaml` (readable) and as string attributes
of `results.nc` (travels with the numbers). Everything here is best-effort: a missing `git` or an
uninstalled package gives "unknown", never a failed run.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

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
    """sha256 (16 hex digits) over a package's Python and YAML sources, math files included.

    `rules/common.smk` computes the same hash (it cannot import esmflow cheaply at parse time);
    the end-to-end test checks that both agree.
    """
    package = Path(package)
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yaml", ".yml") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


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
) -> dict[str, Any]:
    """The readable provenance of one scenario run (written to `provenance/config.yaml`).

    With the solve's status (`solve_status.yaml`) it also records the outcome the record belongs
    to: termination, objective, solver, and how many warnings the run raised.
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
    if solve_status is not None:
        record["solve"] = {
            key: solve_status[key]
            for key in ("termination", "objective", "solver", "solver_version")
            if key in solve_status
        }
        record["solve"]["warnings"] = len(solve_status.get("warnings") or [])
    return record


def provenance_attrs(
    scenario: str, scenario_config: Mapping[str, Any], code_hash: str, folder: str | Path = "."
) -> dict[str, str]:
    """The same record as netCDF attributes (strings, so they round-trip in any netCDF reader).

    The model's resolved config (`config`) and input file hashes (`model_files`) are already
    attributes of the inputs and stay as they are.
    """
    git = git_state(folder)
    return {
        "scenario": scenario,
        "workflow_config": yaml.safe_dump(dict(scenario_config), sort_keys=False),
        "esmflow_code_hash": code_hash,
        "git_commit": str(git["commit"]),
        "git_dirty": str(git["dirty"]),
        "package_versions": json.dumps(package_versions()),
        "created_utc": utc_now(),
    }
