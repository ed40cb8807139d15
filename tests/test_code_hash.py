"""Which files a rule script runs (its code hash's files), on a small package made here."""

from __future__ import annotations

from pathlib import Path

from esmflow.code_hash import package_code_hash, script_code_hash, source_files

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def make_package(root: Path) -> Path:
    """pkg/: a imports b (inside a function) and c's module name as a string; d stands alone.

    pkg/__init__.py imports `d` only in a module `__getattr__` (a lazy attribute, as esmflow's
    `Model`) and under `if TYPE_CHECKING:`, neither of which runs for a script; sub/b.py has a
    YAML file beside it.
    """
    package = root / "pkg"
    write(
        package / "__init__.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.d import X\n"
        "def __getattr__(name):\n    import pkg.d\n    return pkg.d\n",
    )
    write(package / "a.py", "def f():\n    from pkg.sub import b\n    return b\n")
    write(package / "sub" / "__init__.py", "")
    write(package / "sub" / "b.py", "import importlib\nM = importlib.import_module('pkg.c')\n")
    write(package / "sub" / "math.yaml", "x: 1\n")
    write(package / "c.py", "X = 1\n")
    write(package / "d.py", "import pkg.a\n")
    write(root / "scripts" / "_helper.py", "import os\n")
    write(root / "scripts" / "run.py", "import _helper\nfrom pkg.a import f\n")
    write(root / "scripts" / "other.py", "import pkg.d\n")
    return package


def names(files: list[Path], root: Path) -> set[str]:
    return {path.relative_to(root.resolve()).as_posix() for path in files}


def test_a_script_runs_its_imports_their_parents_and_their_data(tmp_path: Path) -> None:
    package = make_package(tmp_path)
    # run.py → _helper (beside it), pkg.a (and pkg/__init__), pkg.sub.b (function-level import,
    # and pkg/sub/__init__), pkg.c (a module name in a string), math.yaml beside b; not pkg.d
    assert names(source_files([tmp_path / "scripts" / "run.py"], package), tmp_path) == {
        "scripts/run.py",
        "scripts/_helper.py",
        "pkg/__init__.py",
        "pkg/a.py",
        "pkg/sub/__init__.py",
        "pkg/sub/b.py",
        "pkg/sub/math.yaml",
        "pkg/c.py",
    }


def test_the_hash_changes_with_what_the_script_runs_only(tmp_path: Path) -> None:
    package = make_package(tmp_path)
    run, other = tmp_path / "scripts" / "run.py", tmp_path / "scripts" / "other.py"
    before = script_code_hash(run, package), script_code_hash(other, package)
    whole = package_code_hash(package)
    # pkg.d: run by other.py only
    write(package / "d.py", "import pkg.a\n# edited\n")
    after = script_code_hash(run, package), script_code_hash(other, package)
    assert after[0] == before[0] and after[1] != before[1]
    assert package_code_hash(package) != whole
    # the YAML beside b: run by both (other.py reaches b through d → a → b)
    write(package / "sub" / "math.yaml", "x: 2\n")
    assert script_code_hash(run, package) != after[0]
    assert script_code_hash(other, package) != after[1]


def test_no_rule_script_runs_plotting_code_before_postprocessing() -> None:
    # an edit to a figure must not re-run a model step (README, "What re-runs after a change")
    package = ROOT / "esmflow"
    plotting = {
        "esmflow/postprocess/plots.py",
        "esmflow/postprocess/figure_style.py",
        "esmflow/postprocess/dispatch.py",
        "esmflow/postprocess/capacity.py",
        "esmflow/postprocess/price_plot.py",
        "esmflow/postprocess/network_map.py",
    }
    for step in ("prepare_inputs", "compute_distances", "cluster_time", "build_model"):
        files = names(source_files([ROOT / "scripts" / f"{step}.py"], package), ROOT)
        assert not files & plotting, step
    solve = names(source_files([ROOT / "scripts" / "solve_model.py"], package), ROOT)
    assert not solve & plotting
    # … and the solve does run the solver interface and the math
    assert {"esmflow/backends/highs.py", "esmflow/math/base.yaml", "scripts/_job.py"} <= solve
