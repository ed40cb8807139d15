"""esmflow is an installable package: `pip install -e .` (what `make` does) lets any Python import it.

The install goes into a throwaway virtual environment that sees this environment's packages
(a `.pth` file), the way the Makefile installs into `.venv`: no build isolation, no download.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with esmflow installed editable from this checkout."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})["purelib"])
    (site / "shared_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    python = venv / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--disable-pip-version-check", "-e", str(ROOT)],
        check=True,
        capture_output=True,
    )
    return venv


@pytest.mark.slow
def test_esmflow_imports_from_outside_the_repository(installed: Path, tmp_path: Path) -> None:
    probe = "import esmflow, esmflow.math; print(esmflow.__file__); print(esmflow.Model.__name__)"
    done = subprocess.run(
        [installed / "bin" / "python", "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    path, name = done.stdout.split()
    assert Path(path) == ROOT / "esmflow" / "__init__.py"
    assert name == "Model"


@pytest.mark.slow
def test_the_esmflow_command_exists(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [installed / "bin" / "esmflow", "math", "list", "system_balance"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "system_balance" in done.stdout


def test_the_math_files_ship_as_package_data() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"math/*.yaml"' in pyproject
    assert 'esmflow = "esmflow.cli:main"' in pyproject
    assert "--no-build-isolation -e ." in (ROOT / "Makefile").read_text()
