"""Fingerprint built programs: one sha256 per array, so a refactor can show it changes nothing.

    .venv/bin/python bench/program_fingerprint.py --out bench/out/before.json   # on the old code
    .venv/bin/python bench/program_fingerprint.py --compare bench/out/before.json  # on the new code

Every model below is built (not solved) and every array of its program is hashed: each
variable's labels, bounds and attributes (integrality); each constraint's coeffs, vars, sign
and rhs as linopy reconstructs them, plus the raw CSR arrays linopy stores for a frozen
constraint; the objective's terms and sense and the constant the build keeps aside; every
global expression's coeffs, vars and const; the component register; and the whole matrix form
linopy hands to a solver (`model.matrices`: A, b, sense, lb, ub, c, vtypes, labels). A digest
covers dims, coordinates, dtype, shape and the bytes of the values, so "identical" means
bit-identical. A model whose build fails records the error message instead (also compared).

Models: our two examples with each override/scenario of their model files (two or three days),
tests/data's models, Calliope 0.7.0's shipped examples and their variants (when `.venv-calliope`
exists), and every program the math and build tests build (tests/test_math_*.py, test_build.py,
test_program_file.py, run in this process with `build_program` recorded; keyed by test id and
build number).

`--compare` exits 1 and lists every array that differs, is missing or is new in a model (models
new since the reference, e.g. from a new test, are listed but not a difference). With
`--solver-view` it leaves out the layout of what the solver never sees: each constraint's own
arrays, the constraint labels, and how the terms of a global expression or of the objective sit
in their `_term` slots (their constants are compared). What must stay identical is then what the
solver receives (`model.matrices`: A, b, senses, bounds, costs, column labels, in that order),
every variable, and every expression's constant. That is the check for a change of layout, e.g.
engine/support.py evaluating a constraint only on the techs where it exists (the same rows,
numbered by linopy over fewer cells) or term.compact_terms cutting empty term slots. `--twice` builds
every model twice and stops if the two fingerprints differ (the build must be deterministic for
the comparison to mean anything).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse
import xarray as xr

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for folder in (ROOT, HERE):  # esmflow from this checkout; sibling bench modules
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import esmflow.math.engine.build  # noqa: E402
import esmflow.modes.operate  # noqa: E402
import esmflow.modes.plan  # noqa: E402
from esmflow import Model  # noqa: E402

NATIONAL = ROOT / "examples" / "national_scale" / "model.yaml"
URBAN = ROOT / "examples" / "urban_scale" / "model.yaml"
CALLIOPE_EXAMPLES = (
    ROOT / ".venv-calliope"
).resolve() / "lib/python3.12/site-packages/calliope/example_models"
SUBSET = "config.init.subset.timesteps"
# (label, model file, overrides/scenarios, set values): examples restricted to two or three days
EXAMPLE_CASES: list[tuple[str, Path, list[str], dict[str, Any]]] = [
    ("national/base", NATIONAL, [], {SUBSET: ["2030-01-01", "2030-01-02"]}),
    ("national/no_battery", NATIONAL, ["no_battery"], {SUBSET: ["2030-01-01", "2030-01-02"]}),
    ("national/expensive_gas", NATIONAL, ["expensive_gas"], {SUBSET: ["2030-01-01", "2030-01-02"]}),
    ("national/six_hourly", NATIONAL, ["six_hourly"], {SUBSET: ["2030-01-01", "2030-01-03"]}),
    ("national/resampled_6h", NATIONAL, ["resampled_6h"], {SUBSET: ["2030-03-01", "2030-03-03"]}),
    (
        "national/no_battery_summer",
        NATIONAL,
        ["no_battery_summer"],
        {SUBSET: ["2030-07-15", "2030-07-16"]},
    ),
    ("urban/base", URBAN, [], {SUBSET: ["2030-01-14", "2030-01-15"]}),
    ("urban/two_days", URBAN, ["two_days"], {}),
    ("urban/no_chp", URBAN, ["no_chp"], {SUBSET: ["2030-01-14", "2030-01-15"]}),
    ("urban/cheap_gas", URBAN, ["cheap_gas"], {SUBSET: ["2030-01-14", "2030-01-15"]}),
    (
        "urban/summer_without_chp",
        URBAN,
        ["summer_without_chp"],
        {SUBSET: ["2030-07-08", "2030-07-10"]},
    ),
    ("tests/tiny", ROOT / "tests" / "data" / "tiny" / "model.yaml", [], {}),
    *[
        (f"tests/loader/{path.parent.name}", path, [], {})
        for path in sorted((ROOT / "tests" / "data" / "loader").glob("*/model.yaml"))
    ],
]
CALLIOPE_DAYS = {SUBSET: ["2005-01-01", "2005-01-02"]}
CALLIOPE_MATH = CALLIOPE_EXAMPLES.parent / "math"
# (label, shipped example, overrides, set values); Calliope's own math files where the variant
# needs them (esmflow ships base math only)
CALLIOPE_CASES: list[tuple[str, str, list[str], dict[str, Any]]] = [
    ("calliope/national_scale", "national_scale", [], CALLIOPE_DAYS),
    (
        "calliope/national_scale/time_resampling",
        "national_scale",
        ["time_resampling"],
        {SUBSET: ["2005-01-01", "2005-01-03"]},
    ),
    ("calliope/national_scale/time_clustering", "national_scale", ["time_clustering"], {}),
    (
        "calliope/national_scale/time_clustering_inter_cluster",
        "national_scale",
        ["time_clustering"],
        {
            "config.init.math_paths.storage_inter_cluster": str(
                CALLIOPE_MATH / "storage_inter_cluster.yaml"
            ),
            "config.init.extra_math": ["storage_inter_cluster"],
        },
    ),
    ("calliope/national_scale/check_feasibility", "national_scale", ["check_feasibility"], {}),
    ("calliope/national_scale/reserve_margin", "national_scale", ["reserve_margin"], CALLIOPE_DAYS),
    ("calliope/national_scale/capacity_factor", "national_scale", ["capacity_factor"], {}),
    ("calliope/urban_scale", "urban_scale", [], {}),
    (
        "calliope/urban_scale/milp",
        "urban_scale",
        ["milp"],
        {"config.init.math_paths.milp": str(CALLIOPE_MATH / "milp.yaml")},
    ),
]
# tests whose programs are recorded: built through the façade (the modes) or `build_program`
RECORDED_TESTS = [
    *sorted(str(path) for path in (ROOT / "tests").glob("test_math_*.py")),
    str(ROOT / "tests" / "test_build.py"),
    str(ROOT / "tests" / "test_program_file.py"),
]


# --- digests -----------------------------------------------------------------------------
def _values_digest(hasher: Any, values: np.ndarray) -> None:
    values = np.asarray(values)
    hasher.update(f"{values.dtype.str}|{values.shape}|".encode())
    if values.dtype.kind == "O":
        hasher.update(repr(values.tolist()).encode())
    else:
        hasher.update(np.ascontiguousarray(values).tobytes())


def digest(item: Any) -> str:
    """sha256 of an array with its dims and coordinates (DataArray), or of a plain value."""
    hasher = hashlib.sha256()
    if isinstance(item, xr.DataArray):
        hasher.update(f"dims={item.dims}|".encode())
        for name in sorted(map(str, item.coords)):
            coord = item.coords[name]
            hasher.update(f"coord={name}{coord.dims}|".encode())
            _values_digest(hasher, coord.values)
        _values_digest(hasher, item.values)
    elif scipy.sparse.issparse(item):
        csr = scipy.sparse.csr_array(item) if item.format != "csr" else item
        hasher.update(f"sparse{csr.shape}|".encode())
        for part in (csr.data, csr.indices, csr.indptr):
            _values_digest(hasher, part)
    elif isinstance(item, np.ndarray):
        _values_digest(hasher, item)
    elif isinstance(item, float):
        hasher.update(f"float={item.hex()}".encode())
    else:
        hasher.update(json.dumps(item, sort_keys=True, default=repr).encode())
    return hasher.hexdigest()


def _dataset_digests(prefix: str, data: xr.Dataset) -> Iterator[tuple[str, str]]:
    for name in data.data_vars:
        yield f"{prefix}.{name}", digest(data[name])
    yield f"{prefix}.attrs", digest({str(k): repr(v) for k, v in data.attrs.items()})


def program_fingerprint(program: Any) -> dict[str, str]:
    """Every array of a built `Program` → its digest."""
    model = program.model
    found: dict[str, str] = {
        "order.variables": digest(list(model.variables)),
        "order.constraints": digest(list(model.constraints)),
        "program.components": digest(program.components),
        "program.objective_name": digest(program.objective_name),
        "program.objective_constant": digest(float(program.objective_constant)),
    }
    for name in model.variables:
        variable = model.variables[name]
        found.update(_dataset_digests(f"variables.{name}", variable.data))
        found[f"variables.{name}.integrality"] = digest(
            {
                "integer": bool(variable.attrs.get("integer")),
                "binary": bool(variable.attrs.get("binary")),
            }
        )
    for name in model.constraints:
        constraint = model.constraints[name]
        data = constraint.data
        for field in ("coeffs", "vars", "sign", "rhs"):
            found[f"constraints.{name}.{field}"] = digest(xr.DataArray(data[field]))
        if hasattr(constraint, "to_netcdf_ds"):  # frozen (CSR): what linopy really stores
            found.update(_dataset_digests(f"constraints.{name}.csr", constraint.to_netcdf_ds()))
    objective = model.objective
    for field in ("coeffs", "vars", "const"):
        if field in objective.expression.data:
            found[f"objective.{field}"] = digest(objective.expression.data[field])
    found["objective.sense"] = digest(str(objective.sense))
    for name, expression in program.expressions.items():
        if isinstance(expression, xr.DataArray):
            found[f"expressions.{name}.values"] = digest(expression)
        else:
            for field in ("coeffs", "vars", "const"):
                found[f"expressions.{name}.{field}"] = digest(expression.data[field])
    matrices = model.matrices
    for field in ("vlabels", "clabels", "A", "b", "sense", "lb", "ub", "c", "vtypes"):
        found[f"matrices.{field}"] = digest(getattr(matrices, field))
    return found


# --- models ------------------------------------------------------------------------------
# pytest's temporary folders change from run to run; they are not part of an error's meaning
_TEMPORARY = re.compile(r"/tmp/pytest-of-[^/]+/pytest-[0-9]+/[^/ ]+/")


def _error(err: Exception) -> str:
    return _TEMPORARY.sub("<tmp>/", f"{type(err).__name__}: {err}")


def _built(build: Callable[[], Any]) -> dict[str, Any]:
    """The fingerprint of one build, or the error it raised."""
    try:
        program = build()
    except Exception as err:  # noqa: BLE001 - a failing build is recorded and compared too
        return {"error": _error(err)}
    return {"arrays": program_fingerprint(program)}


def _from_yaml(path: Path, overrides: list[str], set_values: dict[str, Any]) -> Callable[[], Any]:
    return lambda: Model.from_yaml(path, overrides=overrides, set=set_values).build()


def file_models(with_calliope: bool) -> Iterator[tuple[str, Callable[[], Any]]]:
    """(label, build) of every model read from a file."""
    for label, path, overrides, set_values in EXAMPLE_CASES:
        yield label, _from_yaml(path, overrides, set_values)
    if with_calliope and CALLIOPE_EXAMPLES.is_dir():
        for label, example, overrides, set_values in CALLIOPE_CASES:
            yield (
                label,
                _from_yaml(CALLIOPE_EXAMPLES / example / "model.yaml", overrides, set_values),
            )


class RecordBuilds:
    """A pytest plugin: fingerprint every program built while a test runs, keyed by test id."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.installed = False
        self._test = "?"
        self._count = 0

    def pytest_runtest_setup(self, item: Any) -> None:
        self._test, self._count = item.nodeid, 0

    def wrap(self, build_program: Callable[..., Any]) -> Callable[..., Any]:
        def recording(*args: Any, **kwargs: Any) -> Any:
            try:
                program = build_program(*args, **kwargs)
            except Exception as err:
                self._store({"error": _error(err)})
                raise
            self._store({"arrays": program_fingerprint(program)})
            return program

        return recording

    def _store(self, record: dict[str, Any]) -> None:
        self.records[f"pytest/{self._test}#{self._count}"] = record
        self._count += 1


RECORDER = RecordBuilds()


def recorded_test_builds(selection: list[str]) -> dict[str, dict[str, Any]]:
    """Run the tests in this process, recording every program they build."""
    RECORDER.records = {}
    if not RECORDER.installed:
        # every name a program is built through: the modes' (the façade's path) and the
        # engine's (test modules import it when pytest collects them; a second run reuses
        # those imported modules, so the wrappers stay for the process)
        original = esmflow.math.engine.build.build_program
        for module in (esmflow.modes.plan, esmflow.modes.operate, esmflow.math.engine.build):
            module.build_program = RECORDER.wrap(original)
        RECORDER.installed = True
    code = pytest.main(
        ["-q", "-m", "not slow", "-p", "no:cacheprovider", "--rootdir", str(ROOT), *selection],
        plugins=[RECORDER],
    )
    if code not in (0, 5):
        print(f"warning: the recorded tests exited with {code}", file=sys.stderr)
    return dict(RECORDER.records)


def fingerprints(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Fingerprint of every selected model (each built twice with --twice)."""
    found: dict[str, dict[str, Any]] = {}
    for label, build in file_models(not args.no_calliope):
        if args.only and not any(part in label for part in args.only):
            continue
        start = time.perf_counter()
        found[label] = _built(build)
        if args.twice and _built(build) != found[label]:
            raise SystemExit(f"{label}: two builds give different fingerprints (not deterministic)")
        size = len(found[label].get("arrays", {}))
        state = f"{size} arrays" if size else found[label]["error"][:100]
        print(f"{label}: {state} ({time.perf_counter() - start:.1f} s)", flush=True)
    if not args.no_tests and not args.only:
        records = recorded_test_builds(RECORDED_TESTS)
        if args.twice and recorded_test_builds(RECORDED_TESTS) != records:
            raise SystemExit("the tests' builds give different fingerprints on a second run")
        print(f"tests: {len(records)} builds recorded", flush=True)
        found.update(records)
    return found


def solver_view(key: str) -> bool:
    """True for an array `--solver-view` compares (all but the constraints' own layout)."""
    if key.startswith("constraints.") or key == "matrices.clabels":
        return False
    term_layout = key.endswith((".coeffs", ".vars"))
    return not (term_layout and key.startswith(("expressions.", "objective.")))


def compare(
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    keep: Callable[[str], bool] = lambda key: True,
) -> list[str]:
    """Every difference between two fingerprint sets, one line each (new models are not one)."""
    problems = []
    for label in sorted(before):
        if label not in after:
            problems.append(f"{label}: model missing now")
            continue
        old, new = before[label], after[label]
        if old.get("error") != new.get("error"):
            problems.append(f"{label}: error was {old.get('error')!r}, now {new.get('error')!r}")
        old_arrays, new_arrays = old.get("arrays", {}), new.get("arrays", {})
        for key in sorted(key for key in set(old_arrays) | set(new_arrays) if keep(key)):
            if key not in new_arrays:
                problems.append(f"{label}: {key} missing now")
            elif key not in old_arrays:
                problems.append(f"{label}: {key} new")
            elif old_arrays[key] != new_arrays[key]:
                problems.append(f"{label}: {key} differs")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the fingerprints to this JSON file")
    parser.add_argument("--compare", type=Path, help="compare with a fingerprint JSON file")
    parser.add_argument("--only", nargs="*", help="only models whose label contains one of these")
    parser.add_argument("--twice", action="store_true", help="build twice, check determinism")
    parser.add_argument("--no-tests", action="store_true", help="skip the math tests' models")
    parser.add_argument("--no-calliope", action="store_true", help="skip Calliope's examples")
    parser.add_argument(
        "--solver-view", action="store_true", help="compare what the solver gets, not the layout"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    found = fingerprints(args)
    arrays = sum(len(record.get("arrays", {})) for record in found.values())
    print(f"{len(found)} models, {arrays} arrays fingerprinted")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"models": found}, indent=1, sort_keys=True))
    if args.compare:
        before = json.loads(args.compare.read_text())["models"]
        if args.only or args.no_tests or args.no_calliope:
            before = {label: before[label] for label in found if label in before}
        problems = compare(before, found, solver_view if args.solver_view else lambda key: True)
        for line in problems:
            print(line)
        for label in sorted(set(found) - set(before)):
            print(f"{label}: new model, nothing to compare it with")
        keep = solver_view if args.solver_view else (lambda key: True)
        compared = sum(
            sum(1 for key in before[label].get("arrays", {}) if keep(key)) for label in before
        )
        if problems:
            print(f"{len(problems)} differences ({len(before)} models, {compared} arrays)")
            return 1
        print(f"identical: {len(before)} models, {compared} arrays compared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
