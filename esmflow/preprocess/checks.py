"""Checks of the model definition before any array is built; every problem is collected.

- (whether each parameter name is read by some math: `accounting.py`)
- non-numeric value for a numeric parameter (YAML or CSV cell).
- negative efficiency (any parameter named `*_eff` or `*_eff_*`).
- unknown carrier. Rule: (a) a carrier named in a parameter's `carriers` index must be a carrier of
  the model (in some tech's `carrier_in`/`carrier_out`); (b) if that parameter is also indexed
  over techs, the carrier must be one of *that* tech's carriers; (c) a carrier that is only ever
  consumed or only ever produced and is within a small edit of another carrier is reported as a
  probable misspelling (it could never balance).
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from esmflow.errors import ModelError, ProblemCollector, closest_name
from esmflow.io.yaml_files import read_yaml_file
from esmflow.math.schema import MathDefinition
from esmflow.preprocess.parameters import ParameterDefinitions, TableSeries
from esmflow.vocabulary import CALLIOPE06_TOP_LEVEL

TOP_LEVEL_KEYS = (
    "config",
    "techs",
    "nodes",
    "templates",
    "data_tables",
    "data_definitions",
    "overrides",
    "scenarios",
    "import",
    "group_constraints",
    "group_share",
    "units",
)
_EFFICIENCY = re.compile(r"_eff(_|$)")
_KIND_OF_DTYPE = {"bool": "bool", "string": "string", "float": "float", "integer": "float"}


def check_top_level_keys(model: Mapping[str, Any], problems: ProblemCollector) -> None:
    """Only known sections may sit at the top level (Calliope rejects any other key too)."""
    for key in model:
        if key not in TOP_LEVEL_KEYS and key not in CALLIOPE06_TOP_LEVEL:  # those: accounting.py
            problems.add(
                f"Unknown top-level key '{key}'",
                key_path=str(key),
                expected=", ".join(TOP_LEVEL_KEYS),
                closest=closest_name(str(key), TOP_LEVEL_KEYS),
            )


def parameter_kinds(definitions: ParameterDefinitions, math: MathDefinition) -> dict[str, str]:
    """float, bool or string per parameter: as the math declares it, else from its values."""
    kinds: dict[str, str] = {"active": "bool", "name": "string", "color": "string"}
    for name in definitions.names():
        if name in kinds:
            continue
        if name in math.parameters:
            kinds[name] = "float"
        elif name in math.lookups and isinstance(math.lookups[name], Mapping):
            kinds[name] = _KIND_OF_DTYPE.get(
                str(math.lookups[name].get("dtype", "string")), "string"
            )
        else:
            kinds[name] = _inferred_kind(definitions, name)
    return kinds


def _inferred_kind(definitions: ParameterDefinitions, name: str) -> str:
    values = [r.value for r in definitions.records.get(name, []) if r.value is not None]
    for table in definitions.tables.get(name, []):
        values.extend(table.series.dropna().unique().tolist())
    if values and all(isinstance(v, bool | np.bool_) for v in values):
        return "bool"
    if all(_is_number(v) for v in values):
        return "float"
    return "string"


def _is_number(value: Any) -> bool:
    if value is None or isinstance(value, bool | int | float | np.number | np.bool_):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def check_definitions(
    definitions: ParameterDefinitions,
    kinds: Mapping[str, str],
    math: MathDefinition,
    problems: ProblemCollector,
) -> None:
    """Run every definition check, adding what is wrong to `problems`."""
    _check_choices(definitions, math, problems)
    _check_coordinates(definitions, problems)
    for name in definitions.names():
        if kinds.get(name) == "float":
            _check_numeric(definitions, name, problems)
        if _EFFICIENCY.search(name):
            _check_not_negative(definitions, name, problems)
    _check_carriers(definitions, problems)


def _check_choices(
    definitions: ParameterDefinitions, math: MathDefinition, problems: ProblemCollector
) -> None:
    """String lookups whose math declares `one_of` (e.g. `base_tech`) take one of those values."""
    for name, lookup in math.lookups.items():
        choices = (
            [str(c) for c in (lookup or {}).get("one_of") or []]
            if isinstance(lookup, Mapping)
            else []
        )
        if not choices:
            continue
        for record in definitions.records.get(name, []):
            if record.value is not None and str(record.value) not in choices:
                problems.add(
                    f"'{record.value}' is not a valid {name}",
                    key_path=record.key_path,
                    expected="one of " + ", ".join(choices),
                    got=str(record.value),
                    closest=closest_name(str(record.value), choices),
                )


def _check_coordinates(definitions: ParameterDefinitions, problems: ProblemCollector) -> None:
    """Latitude within ±90°, longitude within ±180° (WGS-84 degrees)."""
    for name, limit in (("latitude", 90), ("longitude", 180)):
        for record in definitions.records.get(name, []):
            if (
                _is_number(record.value)
                and record.value is not None
                and abs(float(record.value)) > limit
            ):
                problems.add(
                    f"{name} out of range",
                    key_path=record.key_path,
                    expected=f"degrees between -{limit} and {limit}",
                    got=repr(record.value),
                )


def _check_numeric(
    definitions: ParameterDefinitions, name: str, problems: ProblemCollector
) -> None:
    for record in definitions.records.get(name, []):
        if not _is_number(record.value):
            problems.add(
                f"'{name}' must be a number",
                key_path=record.key_path,
                expected="a number (or .inf)",
                got=repr(record.value),
            )
            return
    for table in definitions.tables.get(name, []):
        bad = pd.to_numeric(table.series, errors="coerce").isna() & table.series.notna()
        _add_first_flagged_cell(
            table,
            name,
            bad,
            f"'{name}' must be a number",
            "numbers in every non-empty cell",
            problems,
        )


def _check_not_negative(
    definitions: ParameterDefinitions, name: str, problems: ProblemCollector
) -> None:
    for record in definitions.records.get(name, []):
        if _is_number(record.value) and record.value is not None and float(record.value) < 0:
            problems.add(
                f"Efficiency '{name}' is negative",
                key_path=record.key_path,
                expected="a value ≥ 0",
                got=repr(record.value),
            )
    for table in definitions.tables.get(name, []):
        negative = pd.to_numeric(table.series, errors="coerce") < 0
        _add_first_flagged_cell(
            table, name, negative, f"Efficiency '{name}' is negative", "values ≥ 0", problems
        )


def _add_first_flagged_cell(
    table: TableSeries,
    name: str,
    flagged: pd.Series,
    message: str,
    expected: str,
    problems: ProblemCollector,
) -> None:
    """Report the first flagged cell of a data table (value and row label), if any is flagged."""
    if flagged.any():
        problems.add(
            message,
            file=table.file,
            key_path=f"{table.key_path}.inputs.{name}",
            expected=expected,
            got=f"{table.series[flagged].iloc[0]!r} at {flagged.index[flagged.to_numpy()][0]}",
        )


def _tech_carriers(
    definitions: ParameterDefinitions,
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Carriers each tech consumes or produces, and which side(s) each carrier appears on."""
    by_tech: dict[str, set[str]] = defaultdict(set)
    sides: dict[str, set[str]] = defaultdict(set)
    for name in ("carrier_in", "carrier_out"):
        for record in definitions.records.get(name, []):
            if record.value and "techs" in record.dims and "carriers" in record.dims:
                tech = str(record.labels[record.dims.index("techs")])
                carrier = str(record.labels[record.dims.index("carriers")])
                by_tech[tech].add(carrier)
                sides[carrier].add(name)
    return by_tech, sides


def _check_carriers(definitions: ParameterDefinitions, problems: ProblemCollector) -> None:
    by_tech, sides = _tech_carriers(definitions)
    carriers = set(sides)
    for carrier, where in sides.items():
        closest = closest_name(carrier, carriers - {carrier}, cutoff=0.8)
        if len(where) == 1 and closest:
            (side,) = where
            problems.add(
                f"Carrier '{carrier}' is only {'consumed' if side == 'carrier_in' else 'produced'}"
                " and looks like a misspelling",
                key_path=_key_path_naming(definitions, side, carrier),
                expected="one of the model's carriers: " + ", ".join(sorted(carriers - {carrier})),
                got=carrier,
                closest=closest,
            )
    for name in definitions.names():
        if name in ("carrier_in", "carrier_out"):
            continue
        for record in definitions.records.get(name, []):
            if "carriers" in record.dims:
                carrier = str(record.labels[record.dims.index("carriers")])
                tech = record.labels[record.dims.index("techs")] if "techs" in record.dims else None
                location = {"key_path": record.key_path}
                _check_carrier_label(name, carrier, tech, by_tech, carriers, location, problems)
        for table in definitions.tables.get(name, []):
            frame = table.series.index.to_frame(index=False)
            if "carriers" not in frame.columns:
                continue
            columns = ["carriers", "techs"] if "techs" in frame.columns else ["carriers"]
            location = {"key_path": f"{table.key_path}.inputs.{name}", "file": table.file}
            distinct = frame[columns].drop_duplicates()
            techs = distinct["techs"] if "techs" in distinct else [None] * len(distinct)
            for carrier, tech in zip(distinct["carriers"], techs, strict=True):  # distinct pairs
                _check_carrier_label(
                    name, str(carrier), tech, by_tech, carriers, location, problems
                )


def _key_path_naming(definitions: ParameterDefinitions, name: str, carrier: str) -> str | None:
    """Key path of the first YAML record of `name` on `carrier` (None if only tables name it)."""
    for record in definitions.records.get(name, []):
        if (
            "carriers" in record.dims
            and str(record.labels[record.dims.index("carriers")]) == carrier
        ):
            return record.key_path
    return None


def _check_carrier_label(
    name: str,
    carrier: str,
    tech: Any,
    by_tech: Mapping[str, set[str]],
    carriers: set[str],
    location: Mapping[str, Any],
    problems: ProblemCollector,
) -> None:
    if carrier not in carriers:
        problems.add(
            f"Unknown carrier '{carrier}' in '{name}'",
            expected="one of the model's carriers: " + ", ".join(sorted(carriers)),
            got=carrier,
            closest=closest_name(carrier, carriers),
            **location,
        )
    elif tech is not None and str(tech) in by_tech and carrier not in by_tech[str(tech)]:
        own = sorted(by_tech[str(tech)])
        problems.add(
            f"Carrier '{carrier}' in '{name}' is not an input or output of tech '{tech}'",
            expected="one of " + ", ".join(own),
            got=carrier,
            closest=closest_name(carrier, own),
            **location,
        )


def attach_files(problems: ProblemCollector, yaml_files: list[Path], default: str) -> None:
    """Name, for each problem without a file, the YAML file that defines most of its key path."""
    parsed: list[tuple[Path, dict[str, Any]]] | None = None
    for position, problem in enumerate(problems.problems):
        if problem.file or not problem.key_path:
            continue
        if parsed is None:
            parsed = []
            for path in yaml_files:
                try:
                    parsed.append((path, read_yaml_file(path)))
                except ModelError:
                    continue
        best, best_depth = default, 0
        for path, data in parsed:
            depth = _matched_depth(data, problem.key_path.split("."))
            if depth > best_depth:
                best, best_depth = str(path), depth
        problems.problems[position] = dataclasses.replace(problem, file=best)


def _matched_depth(data: Any, parts: list[str]) -> int:
    depth = 0
    for part in parts:
        if not isinstance(data, Mapping) or part not in data:
            break
        data, depth = data[part], depth + 1
    return depth
