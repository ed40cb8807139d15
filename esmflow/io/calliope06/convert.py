"""`esmflow convert-v06 IN/model.yaml OUT/`: a Calliope 0.6 model as an esmflow model folder.

Writes OUT/model.yaml (Calliope 0.7 YAML plus esmflow's extensions, with the 0.6 overrides and
scenarios converted), OUT/data_tables/*.csv (the 0.6 time series rewritten as esmflow tables),
OUT/math/*.yaml where a 0.6 setting needs math (a maximising objective), OUT/clustering*.yaml
where 0.6 clustered time (a workflow setting in esmflow), and OUT/conversion_report.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from esmflow.errors import ModelError
from esmflow.io.calliope06.model import Converted, convert_model
from esmflow.io.calliope06.overrides import applied, difference, same_model
from esmflow.io.calliope06.report import Report, render
from esmflow.io.calliope06.source import read_source
from esmflow.io.results_file import atomic_path

REPORT_FILE = "conversion_report.md"
TABLE_FOLDER = "data_tables"


@dataclass
class ConversionResult:
    """Where the converted model went, and the report behind conversion_report.md."""

    model_file: Path
    report_file: Path
    report: Report
    override_reports: dict[str, Report] = field(default_factory=dict)
    clustering: dict[str, dict[str, Any]] = field(default_factory=dict)


def convert_v06(
    path: str | Path,
    out: str | Path,
    dataframes: Mapping[str, pd.DataFrame] | None = None,
    extra_overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> ConversionResult:
    """Convert the 0.6 model at `path` into the folder `out`.

    Parameters
    ----------
    path
        The 0.6 model YAML file (its imports and time series files are read from beside it).
    out
        The folder to write into (created if needed).
    dataframes
        The DataFrames 0.6's `df=name:column` time series name (0.6 took them as
        `timeseries_dataframes`).
    extra_overrides
        More overrides, in 0.6 syntax, added to the model's own before converting.

    Raises
    ------
    ModelError
        A 0.6 model the converter cannot read (an unknown parent, a missing time series file, …).
    """
    source = read_source(path)
    for name, override in (extra_overrides or {}).items():
        source.overrides[str(name)] = dict(override)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ModelError("The output path is a file", file=str(out), expected="a folder")
    base = convert_model(source.model, source.path, dataframes)
    writer = _TableWriter(out, {name: frame for name, (frame, _) in base.tables.items()})
    model = _with_tables(base, writer, "")
    overrides: dict[str, Any] = {}
    reports: dict[str, Report] = {}
    clustering: dict[str, dict[str, Any]] = {}
    if base.clustering:
        clustering[""] = base.clustering
    math_files = dict(base.math_files)
    converted: dict[str, dict[str, Any]] = {}
    for name in source.overrides:
        variant = convert_model(source.with_overrides([name]), source.path, dataframes)
        converted[name] = _with_tables(variant, writer, name)
        overrides[name] = difference(model, converted[name])
        reports[name] = variant.report.new_since(base.report)
        math_files.update(variant.math_files)
        if variant.clustering and variant.clustering != base.clustering:
            clustering[name] = variant.clustering
    scenarios, notes = _convert_scenarios(
        source, model, overrides, dataframes, writer, reports, base.report
    )
    document = dict(model)
    if overrides:
        document["overrides"] = overrides
    if scenarios:
        document["scenarios"] = scenarios
    out.mkdir(parents=True, exist_ok=True)
    model_file = out / "model.yaml"
    header = f"# Converted from Calliope 0.6 ({source.path.name}) by esmflow convert-v06.\n"
    header += f"# What was mapped, what was not and why: {REPORT_FILE}\n"
    _write_text(model_file, header + dump_yaml(document))
    for relative, text in math_files.items():
        _write_text(out / relative, text)
        base.report.file(relative, "math for a 0.6 setting (see config.init.math_paths)")
    for name, settings in clustering.items():
        file = f"clustering{'__' + name if name else ''}.yaml"
        _write_text(out / file, dump_yaml(settings))
        (reports.get(name) or base.report).file(
            file, "time clustering settings: the scenario's `clustering:` in the workflow"
        )
    writer.write(base.report)
    report_file = out / REPORT_FILE
    _write_text(report_file, render(str(source.path), base.report, reports, notes))
    base.report.warn()
    for name, report in reports.items():
        report.warn(f"override {name}")
    return ConversionResult(model_file, report_file, base.report, reports, clustering)


def _convert_scenarios(
    source: Any,
    model: dict[str, Any],
    overrides: dict[str, Any],
    dataframes: Mapping[str, pd.DataFrame] | None,
    writer: _TableWriter,
    reports: dict[str, Report],
    base_report: Report,
) -> tuple[dict[str, list[str]], dict[str, str]]:
    scenarios: dict[str, list[str]] = {}
    notes: dict[str, str] = {}
    for name, members in source.scenarios.items():
        names = source.expand([name])
        variant = convert_model(source.with_overrides(names), source.path, dataframes)
        whole = _with_tables(variant, writer, name)
        if same_model(applied(model, [overrides[n] for n in names]), whole):
            scenarios[name] = list(members)
            notes[name] = f"scenario of {', '.join(members)}, as in 0.6"
            continue
        combined = f"{name}_combined"
        overrides[combined] = difference(model, whole)
        scenarios[name] = [combined]
        reports[combined] = variant.report.new_since(base_report)
        notes[combined] = (
            f"Scenario `{name}` ({', '.join(members)}): its overrides convert differently "
            "together than one by one (one refers to what another adds), so the scenario is "
            f"this one override, `{combined}`."
        )
    return scenarios, notes


def _with_tables(converted: Converted, writer: _TableWriter, variant: str) -> dict[str, Any]:
    """The model with its `data_tables` pointing at the files the writer keeps for them."""
    model = dict(converted.model)
    if converted.tables:
        tables = {}
        for name, (frame, entry) in converted.tables.items():
            tables[name] = {"table": writer.file_for(name, frame, variant), **entry}
        model = {**{k: v for k, v in model.items() if k != "config"}, "data_tables": tables}
        model = {"config": converted.model["config"], **model}
    return model


class _TableWriter:
    """Names and writes table files: the model's as `<name>.csv`, an override's other data
    as `<name>__<hash>.csv` (content-addressed, so two overrides with the same data share)."""

    def __init__(self, out: Path, base: Mapping[str, pd.DataFrame]) -> None:
        self.out = out
        self.base = dict(base)
        self.files: dict[str, tuple[pd.DataFrame, str]] = {}

    def file_for(self, name: str, frame: pd.DataFrame, variant: str) -> str:
        if name in self.base and frame.equals(self.base[name]):
            relative = f"{TABLE_FOLDER}/{name}.csv"
        else:
            digest = hashlib.sha256(frame.to_csv().encode()).hexdigest()[:8]
            relative = f"{TABLE_FOLDER}/{name}__{digest}.csv"
        self.files.setdefault(relative, (frame, variant))
        return relative

    def write(self, report: Report) -> None:
        for relative, (frame, variant) in self.files.items():
            with atomic_path(self.out / relative) as temporary:
                frame.to_csv(temporary)
            owner = f" (override {variant})" if variant else ""
            report.file(relative, f"time series rewritten from the 0.6 files{owner}")


class _Dumper(yaml.SafeDumper):
    """Block YAML, except that `{data, index, dims}` values and short lists fit on one line."""


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    inline = bool(data) and set(data) <= {"data", "index", "dims"}
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=inline)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    inline = all(not isinstance(item, dict | list) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=inline)


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def dump_yaml(data: Mapping[str, Any]) -> str:
    """The converted model as YAML text (keys in order, `.inf` for infinity)."""
    return yaml.dump(dict(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
