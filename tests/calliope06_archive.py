"""Where the tests find Calliope 0.6.10's source distribution (its example models and tests).

Nothing of it is vendored. In order: the folder in `ESMFLOW_CALLIOPE06_SOURCE` (the unpacked
sdist, or its `calliope` package folder), `/work/ref/calliope-0.6.10`, a cache
(`~/.cache/esmflow/calliope-0.6.10`, or `ESMFLOW_CACHE`), and last a download of the sdist
into that cache with `pip download --no-deps --no-binary :all: calliope==0.6.10`. Without any
of them, the tests that need it skip and say why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

VERSION = "0.6.10"
KNOWN_PLACES = (Path("/work/ref/calliope-0.6.10"),)


def _package(folder: Path) -> Path | None:
    for candidate in (folder, folder / "calliope"):
        if (candidate / "example_models" / "national_scale" / "model.yaml").is_file():
            return candidate
    return None


def _cache() -> Path:
    root = os.environ.get("ESMFLOW_CACHE") or Path.home() / ".cache" / "esmflow"
    return Path(root) / f"calliope-{VERSION}"


def _download(cache: Path) -> str | None:
    """Fetch and unpack the sdist into `cache`; the reason it failed, or None.

    Downloaded and unpacked in a folder of its own, then renamed into place: test workers
    running side by side (pytest-xdist) never see half an archive, and the one that loses the
    race keeps the other's.
    """
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache.parent, prefix=".download-"))
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
    command += ["--dest", str(staging), f"calliope=={VERSION}", "--quiet"]
    try:
        try:
            subprocess.run(command, check=True, capture_output=True, text=True, timeout=180)
        except (subprocess.SubprocessError, OSError) as err:
            return f"could not download calliope=={VERSION} ({type(err).__name__})"
        archives = sorted(staging.glob(f"calliope-{VERSION}.tar.gz"))
        if not archives:
            return f"pip download left no calliope-{VERSION}.tar.gz"
        with tarfile.open(archives[0]) as archive:
            archive.extractall(staging, filter="data")
        try:
            os.rename(staging / cache.name, cache)
        except OSError:
            if _package(cache) is None:
                return f"could not move the unpacked archive to {cache}"
        return None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def calliope06_package() -> Path:
    """The `calliope` package folder of 0.6.10's sdist, or a pytest skip with the reason."""
    given = os.environ.get("ESMFLOW_CALLIOPE06_SOURCE")
    for folder in [*([Path(given)] if given else []), *KNOWN_PLACES, _cache()]:
        found = _package(folder)
        if found is not None:
            return found
    reason = _download(_cache())
    found = _package(_cache())
    if found is None:
        pytest.skip(
            f"Calliope {VERSION}'s source distribution is not available ({reason}); set "
            "ESMFLOW_CALLIOPE06_SOURCE to an unpacked sdist to run these tests"
        )
    return found
