"""One whole Calliope 0.6 model (overrides already merged) → one esmflow model definition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from esmflow.io.calliope06.groups import convert_groups
from esmflow.io.calliope06.locations import convert_places
from esmflow.io.calliope06.report import Report
from esmflow.io.calliope06.settings import Settings, convert_settings
from esmflow.io.calliope06.source import TOP_LEVEL
from esmflow.io.calliope06.techs import CostValues, resolve_techs
from esmflow.io.calliope06.timeseries import TimeSeries


@dataclass
class Converted:
    """An esmflow model definition, its tables (name → data, entry) and extras."""

    model: dict[str, Any]
    tables: dict[str, tuple[pd.DataFrame, dict[str, Any]]]
    report: Report
    clustering: dict[str, Any] | None = None
    math_files: dict[str, str] = field(default_factory=dict)


def convert_model(
    model: Mapping[str, Any],
    source: Path,
    dataframes: Mapping[str, pd.DataFrame] | None = None,
) -> Converted:
    """Convert `model` (a 0.6 model read from `source`, overrides merged)."""
    report = Report()
    settings = convert_settings(model.get("model") or {}, model.get("run") or {}, report)
    model_section = model.get("model") or {}
    folder = source.parent / str(model_section.get("timeseries_data_path") or ".")
    series = TimeSeries(
        folder=folder,
        date_format=model_section.get("timeseries_dateformat"),
        dataframes=dict(dataframes or {}),
    )
    techs = resolve_techs(model, str(source))
    operate = (model.get("run") or {}).get("mode") == "operate"
    esm_techs, templates, nodes, layout = convert_places(
        model, techs, series, report, str(source), operate
    )
    groups = convert_groups(model.get("group_constraints"), layout, report)
    if any("link_from" in tech for tech in esm_techs.values()):
        _per_direction_transmission(settings, report)
    for name in model.get("tech_groups") or {}:
        report.mapped(f"tech_groups.{name}", "techs", "merged into each tech that inherits it")
    for key in model:
        if key not in TOP_LEVEL:
            report.not_mapped(key, "not a top-level key of a 0.6 model (0.6 ignored it too)")
    converted: dict[str, Any] = {"config": settings.config}
    if settings.data_definitions:
        converted["data_definitions"] = settings.data_definitions
    if templates:
        converted["templates"] = templates
    converted["techs"] = esm_techs
    converted["nodes"] = nodes
    if groups:
        converted["group_constraints"] = groups
    if settings.group_share is not None:
        converted["group_share"] = settings.group_share
    _differences_for_groups(groups, settings.clustering is not None, report)
    return Converted(
        model=as_yaml_data(converted),
        tables=series.tables(),
        report=report,
        clustering=settings.clustering,
        math_files=settings.math_files,
    )


TRANSMISSION_MATH = "transmission_per_direction"
TRANSMISSION_TEXT = """\
# Written by esmflow convert-v06: Calliope 0.6's transmission balance, one per direction.
constraints:
  balance_transmission:
    active: false
  balance_transmission_forward:
    description: >-
      What a link delivers at its `link_to` node is what it takes in at its `link_from` node
      after losses (Calliope 0.6: P(B::T:A) = -C(A::T:B) x efficiency). Unit: energy.
    foreach: [techs, timesteps]
    where: base_tech==transmission
    equations:
      - expression: >-
          sum(where(flow_out_inc_eff, map_dim(nodes, link_to)), over=[nodes, carriers])
          == sum(where(flow_in_inc_eff, map_dim(nodes, link_from)), over=[nodes, carriers])
  balance_transmission_backward:
    description: >-
      What a link delivers at its `link_from` node is what it takes in at its `link_to` node
      after losses (the other direction of `balance_transmission_forward`). Unit: energy.
    foreach: [techs, timesteps]
    where: base_tech==transmission
    equations:
      - expression: >-
          sum(where(flow_out_inc_eff, map_dim(nodes, link_from)), over=[nodes, carriers])
          == sum(where(flow_in_inc_eff, map_dim(nodes, link_to)), over=[nodes, carriers])
"""


def _per_direction_transmission(settings: Settings, report: Report) -> None:
    """Calliope 0.6 balanced each direction of a link on its own; esmflow's (Calliope 0.7's)
    `balance_transmission` balances the two ends together, which lets a link take energy in
    at one node and give it back, less one loss, at the same node: a way to spend surplus
    (e.g. heat a CHP must make) that 0.6 did not have. A math file puts 0.6's balance back."""
    init = settings.config.setdefault("init", {})
    init.setdefault("math_paths", {})[TRANSMISSION_MATH] = f"math/{TRANSMISSION_MATH}.yaml"
    init["extra_math"] = [*init.get("extra_math", []), TRANSMISSION_MATH]
    settings.math_files[f"math/{TRANSMISSION_MATH}.yaml"] = TRANSMISSION_TEXT
    report.difference(
        "Transmission balance per direction",
        "0.6 balanced each direction of a link on its own (what arrives at B is what left A, "
        "less losses); esmflow's own balance (Calliope 0.7's) sums both ends, so a link could "
        "take energy in at a node and return it there less one loss. The converted model "
        f"keeps 0.6's balance (math/{TRANSMISSION_MATH}.yaml).",
    )


def _differences_for_groups(groups: Mapping[str, Any], clustered: bool, report: Report) -> None:
    if not groups:
        return
    if not clustered:
        report.difference(
            "Time-weighted group sums",
            "esmflow weights group-constraint sums over time by `timestep_weights`, 0.6 did not "
            "(math-calliope06.md §12.1); this model does not cluster time, so every weight is 1 "
            "and the results are the same.",
        )
    keys = {key for group in groups.values() for key in group}
    if any(k.startswith("flow_out_share") for k in keys):
        report.difference(
            "flow_out_share denominators",
            "as 0.6.10's code (not its docs): supply and conversion techs at the group's nodes "
            "(math-calliope06.md §12.2).",
        )
    if any(k.startswith("net_import_share") for k in keys):
        report.difference(
            "net_import_share with one-way links",
            "a one-way link's missing flow counts as zero; 0.6 failed on such links (§12.5).",
        )
    if any(k.startswith("flow_cap_") and "share" not in k for k in keys):
        report.difference(
            "flow_cap of links in groups",
            "a link counts once (each end with weight 0.5), as in 0.6 (§12.4).",
        )


def as_yaml_data(value: Any) -> Any:
    """Plain YAML-ready data: cost values as `{data, index, dims}`, floats for numbers."""
    if isinstance(value, CostValues):
        if len(value) == 1:
            ((cost, single),) = value.items()
            return {"data": as_yaml_data(single), "index": cost, "dims": "costs"}
        return {
            "data": [as_yaml_data(v) for v in value.values()],
            "index": list(value),
            "dims": "costs",
        }
    if isinstance(value, Mapping):
        return {str(k): as_yaml_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_yaml_data(v) for v in value]
    return value
