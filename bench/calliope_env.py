"""The Calliope 0.7 reference environment: find or create `.venv-calliope`, run models through it.

Calliope 0.7.0 needs Python ≥ 3.12 while esmflow runs on 3.11, so Calliope lives in its own
virtual environment and is driven as a subprocess (`calliope_worker.py`), never imported here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VENV = ROOT / ".venv-calliope"
WORKER = Path(__file__).resolve().parent / "calliope_worker.py"
CALLIOPE_VERSION = "0.7.0"


def esmflow_pin(package: str) -> str:
    """`package==version` as esmflow's environment pins it (envs/requirements.txt)."""
    for line in (ROOT / "envs" / "requirements.txt").read_text().splitlines():
        if line.split("==")[0].strip().lower() == package:
            return line.split("#")[0].strip()
    raise RuntimeError(f"envs/requirements.txt pins no {package}")


# Calliope's Pyomo backend breaks with Pyomo 6.10; we only use its HiGHS backend, but keep the
# reference environment identical to the one the project's reference numbers came from.
# HiGHS is esmflow's own pin (Calliope 0.7.0 asks for highspy >= 1.15): a side-by-side timing
# means the same solver version (1.16.0 takes another pivot path and did not finish
# national_scale's year in 1 800 s).
PIP_PACKAGES = [f"calliope=={CALLIOPE_VERSION}", "pyomo==6.9.4", esmflow_pin("highspy")]
# Where python3.12 lives on the project's machines when it is not on PATH.
KNOWN_PYTHON312 = [Path("/root/.pyenv/versions/3.12.1/bin/python3.12")]


class CalliopeUnavailable(RuntimeError):
    """Calliope 0.7 cannot be run here (no Python 3.12, no network for pip, …); the message says why."""


def venv_python(venv: Path) -> Path:
    """The Python interpreter inside a virtual environment."""
    return venv / "bin" / "python"


def runs_python312(python: Path) -> bool:
    """True if `python` starts and is Python ≥ 3.12 (a pyenv shim may exist and still fail)."""
    try:
        check = subprocess.run(
            [str(python), "-c", "import sys; print(sys.version_info >= (3, 12))"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError:
        return False
    return check.returncode == 0 and check.stdout.strip() == "True"


def find_python312() -> Path | None:
    """A working Python 3.12 interpreter: `python3.12` on PATH, else the known pyenv location."""
    on_path = shutil.which("python3.12")
    candidates = ([Path(on_path)] if on_path else []) + KNOWN_PYTHON312
    return next((path for path in candidates if path.exists() and runs_python312(path)), None)


def has_calliope(python: Path) -> bool:
    """True if `python` imports Calliope at the expected version, with esmflow's HiGHS."""
    if not python.exists():
        return False
    check = subprocess.run(
        [
            str(python),
            "-c",
            "import calliope; from importlib.metadata import version; "
            "print(calliope.__version__, version('highspy'))",
        ],
        capture_output=True,
        text=True,
    )
    expected = f"{CALLIOPE_VERSION} {esmflow_pin('highspy').partition('==')[2]}"
    return check.returncode == 0 and check.stdout.strip() == expected


def looks_installed(venv: Path = DEFAULT_VENV) -> bool:
    """Cheap check (no interpreter start): the venv has Calliope's package metadata at our version."""
    pattern = f"lib/python3.*/site-packages/calliope-{CALLIOPE_VERSION}.dist-info"
    return venv_python(venv).exists() and any(venv.glob(pattern))


def ensure_calliope_venv(venv: Path = DEFAULT_VENV, create: bool = True) -> Path:
    """Return the Python of a venv with Calliope 0.7.0, creating it (`pip install`) if needed.

    Raises CalliopeUnavailable with an explanation when it cannot be had.
    """
    python = venv_python(venv)
    if has_calliope(python):
        return python
    if not create:
        raise CalliopeUnavailable(f"{venv} does not hold Calliope {CALLIOPE_VERSION}")
    if python.exists() and _reinstall(python):  # an older env: only its pins were wrong
        return python
    base = find_python312()
    if base is None:
        raise CalliopeUnavailable(
            "Calliope 0.7.0 needs Python >= 3.12, and no python3.12 was found on PATH or in "
            f"{', '.join(map(str, KNOWN_PYTHON312))}. Install Python 3.12 and rerun, or create "
            f"{venv} yourself: python3.12 -m venv {venv} && {python} -m pip install "
            + " ".join(PIP_PACKAGES)
        )
    print(f"creating {venv} with {base} and installing {' '.join(PIP_PACKAGES)} …", file=sys.stderr)
    steps = [
        [str(base), "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        [str(python), "-m", "pip", "install", "--quiet", *PIP_PACKAGES],
    ]
    for step in steps:
        done = subprocess.run(step)
        if done.returncode != 0:
            raise CalliopeUnavailable(f"setting up {venv} failed at: {' '.join(step)}")
    if not has_calliope(python):
        raise CalliopeUnavailable(
            f"{venv} was created but does not import Calliope {CALLIOPE_VERSION}"
        )
    return python


def _reinstall(python: Path) -> bool:
    """Bring an existing environment to our pins (e.g. another HiGHS); True if it then fits."""
    print(f"installing {' '.join(PIP_PACKAGES)} into {python.parent.parent} …", file=sys.stderr)
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PIP_PACKAGES])
    return done.returncode == 0 and has_calliope(python)


def shipped_example(python: Path, name: str) -> Path:
    """Path of an example model shipped inside the installed Calliope package (unchanged files)."""
    query = subprocess.run(
        [
            str(python),
            "-c",
            "import calliope, pathlib; print(pathlib.Path(calliope.__file__).parent)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    path = Path(query.stdout.strip()) / "example_models" / name / "model.yaml"
    if not path.exists():
        raise CalliopeUnavailable(f"Calliope has no shipped example {name!r} (looked for {path})")
    return path


def run_calliope(
    python: Path,
    model: Path,
    scenario: str | None = None,
    set_values: Mapping[str, Any] | None = None,
    build_only: bool = False,
    timeout: float | None = None,
    catch: bool = False,
) -> dict[str, Any]:
    """Run `calliope_worker.py` on one model in its own process and return its JSON record."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "calliope.json"
        command = [str(python), str(WORKER), "--model", str(model), "--out", str(out)]
        command += ["--set", json.dumps(dict(set_values or {}))]
        command += ["--scenario", scenario] if scenario else []
        command += ["--build-only"] if build_only else []
        command += ["--catch"] if catch else []
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
        if done.returncode != 0 or not out.exists():
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            raise RuntimeError(f"Calliope run failed ({' '.join(command)}):\n{tail}")
        return json.loads(out.read_text())


def parse_set_values(pairs: Sequence[str]) -> dict[str, Any]:
    """`KEY=VALUE` strings (VALUE in YAML, e.g. `[2005-01-01, 2005-01-02]`) → {dotted key: value}."""
    import yaml  # esmflow's environment has PyYAML

    values = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set expects KEY=VALUE, got {pair!r}")
        value = yaml.safe_load(raw)
        # YAML reads 2005-01-01 as a date; models and Calliope expect the string
        values[key.strip()] = json.loads(json.dumps(value, default=str))
    return values
