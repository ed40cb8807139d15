"""0.6 `locations` and `links` → esmflow `nodes`, techs at nodes, and one tech per link.

A location's tech settings are merged over the tech's (as 0.6 did) and only what differs from
the tech is written at the node. A 0.6 transmission tech becomes a template; every link and tech
becomes a tech `<tech>_<from>_to_<to>` using that template, with `link_from`, `link_to`, the
link's own settings and, where a per-distance key needs one and the link gives none, the
distance 0.6 would have computed: Euclidean between x/y coordinates, the WGS-84 geodesic in
metres (rounded, as 0.6) between lat/lon ones.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from geopy.distance import geodesic

from esmflow.errors import ModelError, closest_name
from esmflow.io.calliope06.names import identifier, link_tech_name, split_list_key
from esmflow.io.calliope06.report import Report
from esmflow.io.calliope06.techs import CostValues, SeriesRef, Tech06, convert_tech
from esmflow.io.calliope06.timeseries import TimeSeries
from esmflow.io.yaml_files import get_dotted, merge

PER_DISTANCE = (
    "flow_out_eff_per_distance",
    "cost_flow_cap_per_distance",
    "cost_purchase_per_distance",
)
LOCATION_KEYS = ("techs", "coordinates", "available_area", "exists")


@dataclass
class Layout:
    """What the converter made of techs and places: esmflow names and the link techs."""

    node_names: dict[str, str] = field(default_factory=dict)  # 0.6 location → node
    tech_names: dict[str, str] = field(default_factory=dict)  # 0.6 tech → tech/template
    link_techs: dict[str, list[str]] = field(default_factory=dict)  # 0.6 tech → link techs
    coordinates: dict[str, dict[str, float]] = field(default_factory=dict)
    placed: set[str] = field(default_factory=set)  # 0.6 techs placed at some location


def convert_places(
    model: Mapping[str, Any],
    techs: dict[str, Tech06],
    series: TimeSeries,
    report: Report,
    file: str,
    operate: bool = False,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], Layout]:
    """(techs, templates, nodes, layout) in esmflow's format."""
    layout = Layout(tech_names={name: identifier(name, "tech") for name in techs})
    for name, esm in layout.tech_names.items():
        if esm != name:
            report.mapped(f"techs.{name}", f"techs.{esm}", "renamed: esmflow names are identifiers")
    tech_params = {
        name: convert_tech(
            tech.kind, tech.settings, lambda key, n=name: f"techs.{n}.{key}", report, operate
        )
        for name, tech in techs.items()
    }
    locations = {
        name: value or {}
        for name, value in (model.get("locations") or {}).items()
        if (value or {}).get("exists", True) is not False
    }
    layout.node_names = {name: identifier(name, "node") for name in locations}
    nodes = {layout.node_names[name]: {} for name in locations}
    placed: dict[str, dict[str, dict[str, Any]]] = {}  # tech → node → effective params
    for location, settings in locations.items():
        node = layout.node_names[location]
        if node != location:
            report.mapped(f"locations.{location}", f"nodes.{node}", "renamed: identifiers only")
        _convert_location_keys(location, settings, nodes[node], layout, report)
        for tech, tech_settings in (settings.get("techs") or {}).items():
            if (tech_settings or {}).get("exists", True) is False:
                report.mapped(f"locations.{location}.techs.{tech}.exists", "(left out)")
                continue
            if tech not in techs:
                raise ModelError(
                    f"Tech '{tech}' at location '{location}' is not defined under `techs`",
                    file=file,
                    key_path=f"locations.{location}.techs.{tech}",
                    expected="a tech defined under `techs`",
                    closest=closest_name(str(tech), techs),
                )
            if techs[tech].kind == "transmission":
                raise ModelError(
                    "A transmission tech is placed on a link, not at a location",
                    file=file,
                    key_path=f"locations.{location}.techs.{tech}",
                    expected=f"links: {{'{location},<other location>': {{techs: {{{tech}: ...}}}}}}",
                )
            local = {k: v for k, v in (tech_settings or {}).items() if k != "exists"}
            effective = merge(techs[tech].settings, local)
            base_path = f"locations.{location}.techs.{tech}"

            def origin(key: str, t: str = tech, local: dict = local, base: str = base_path) -> str:
                return f"{base}.{key}" if get_dotted(local, key) is not None else f"techs.{t}.{key}"

            placed.setdefault(tech, {})[location] = convert_tech(
                techs[tech].kind, effective, origin, report, operate
            )
    layout.placed = set(placed)
    esm_techs: dict[str, Any] = {}
    for tech, params in tech_params.items():
        if techs[tech].kind == "transmission":
            continue
        by_location = placed.get(tech, {})
        varying = {
            p for v in [params, *by_location.values()] for p, x in v.items() if _has_series(x)
        }
        tech_level = {p: v for p, v in params.items() if p not in varying}
        esm_techs[layout.tech_names[tech]] = tech_level
        for location, effective in by_location.items():
            node = layout.node_names[location]
            local = _difference(effective, tech_level)
            local = _take_series(local, layout.tech_names[tech], node, location, series)
            nodes[node].setdefault("techs", {})[layout.tech_names[tech]] = local or None
        if not by_location:
            report.not_mapped(f"techs.{tech}", "placed at no location: esmflow leaves it out too")
    templates, link_techs = _convert_links(model, techs, tech_params, layout, report, file, operate)
    esm_techs.update(link_techs)
    return esm_techs, templates, nodes, layout


def _convert_location_keys(
    location: str, settings: Mapping[str, Any], node: dict[str, Any], layout: Layout, report: Report
) -> None:
    path = f"locations.{location}"
    coordinates = settings.get("coordinates")
    if isinstance(coordinates, Mapping):
        if {"lat", "lon"} <= set(coordinates):
            node["latitude"], node["longitude"] = (
                float(coordinates["lat"]),
                float(coordinates["lon"]),
            )
            report.mapped(f"{path}.coordinates", "latitude, longitude")
        elif {"x", "y"} <= set(coordinates):
            report.mapped(
                f"{path}.coordinates",
                "distance",
                "x/y: esmflow nodes have only latitude/longitude; the converter used x/y for "
                "Euclidean link distances, as 0.6",
            )
        else:
            raise ModelError(
                "Coordinates are {lat, lon} or {x, y}",
                key_path=f"{path}.coordinates",
                got=repr(dict(coordinates)),
            )
        layout.coordinates[location] = {k: float(v) for k, v in coordinates.items()}
    if settings.get("available_area") is not None:
        node["available_area"] = float(settings["available_area"])
        report.mapped(f"{path}.available_area", "available_area")
    for key in settings:
        if key not in LOCATION_KEYS:
            report.not_mapped(f"{path}.{key}", "not a key of a 0.6 location")


def _convert_links(
    model: Mapping[str, Any],
    techs: dict[str, Tech06],
    tech_params: dict[str, dict[str, Any]],
    layout: Layout,
    report: Report,
    file: str,
    operate: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    # Every transmission tech is a template, linked or not, so that an override switching a
    # link off leaves the template its (switched-off) link tech names.
    templates = {
        layout.tech_names[name]: tech_params[name]
        for name, tech in techs.items()
        if tech.kind == "transmission"
    }
    link_techs: dict[str, Any] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    for key, settings in (model.get("links") or {}).items():
        settings = settings or {}
        ends = split_list_key(key)
        if len(ends) != 2:
            raise ModelError(
                "A 0.6 link joins two locations", file=file, key_path=f"links.{key}", got=key
            )
        if settings.get("exists", True) is False:
            report.mapped(f"links.{key}.exists", "(left out)")
            continue
        for end in ends:
            if end not in layout.node_names:
                raise ModelError(
                    f"Link end '{end}' is not a location",
                    file=file,
                    key_path=f"links.{key}",
                    closest=closest_name(end, layout.node_names),
                )
        for other in settings:
            if other not in ("techs", "exists"):
                report.not_mapped(f"links.{key}.{other}", "not a key of a 0.6 link")
        for tech, link_settings in (settings.get("techs") or {}).items():
            link_settings = link_settings or {}
            path = f"links.{key}.techs.{tech}"
            if link_settings.get("exists", True) is False:
                report.mapped(f"{path}.exists", "(left out)")
                continue
            if tech not in techs or techs[tech].kind != "transmission":
                raise ModelError(
                    f"'{tech}' on link '{key}' is not a transmission tech",
                    file=file,
                    key_path=path,
                    closest=closest_name(
                        str(tech), [n for n, t in techs.items() if t.kind == "transmission"]
                    ),
                )
            if (tech, frozenset(ends)) in seen:
                raise ModelError(
                    f"Tech '{tech}' is defined twice on the link between {ends[0]} and {ends[1]}",
                    file=file,
                    key_path=path,
                )
            seen.add((tech, frozenset(ends)))
            template = layout.tech_names[tech]
            local = {k: v for k, v in link_settings.items() if k != "exists"}

            def origin(k: str, local: dict = local, path: str = path, t: str = tech) -> str:
                return f"{path}.{k}" if get_dotted(local, k) is not None else f"techs.{t}.{k}"

            effective = convert_tech(
                "transmission", merge(techs[tech].settings, local), origin, report, operate
            )
            node_from, node_to = (layout.node_names[end] for end in ends)
            name = link_tech_name(template, node_from, node_to)
            entry = {"template": template, "link_from": node_from, "link_to": node_to}
            entry.update(_difference(effective, tech_params[tech]))
            if any(effective.get(p) for p in PER_DISTANCE) and "distance" not in effective:
                entry["distance"] = _distance(ends, layout, report, path)
            for param, value in list(entry.items()):
                if _has_series(value):
                    report.not_mapped(f"{path}", f"a time series for {param} on a link")
                    entry.pop(param)
            link_techs[name] = entry
            layout.link_techs.setdefault(tech, []).append(name)
            report.mapped(path, f"techs.{name}", "one esmflow tech per link and tech")
    for tech, t in techs.items():
        if t.kind == "transmission" and tech not in layout.link_techs:
            report.not_mapped(f"techs.{tech}", "a transmission tech on no link")
    return templates, link_techs


def _distance(ends: list[str], layout: Layout, report: Report, path: str) -> float:
    first, second = (layout.coordinates.get(end) for end in ends)
    if first is None or second is None:
        raise ModelError(
            "A link with per-distance costs or efficiency needs a distance",
            key_path=f"{path}.distance",
            expected="`distance` on the link, or coordinates at both of its locations",
        )
    if "x" in first and "x" in second:
        report.mapped(f"{path}.distance", "distance", "computed: Euclidean between x/y (as 0.6)")
        return math.hypot(first["x"] - second["x"], first["y"] - second["y"])
    if "lat" in first and "lat" in second:
        report.difference(
            "Link distances from lat/lon",
            "0.6 computed them in metres with its own Vincenty formula and rounded them to "
            "whole metres; the converter writes the WGS-84 geodesic (geopy) in metres, rounded "
            "the same way (the two agree to far below a metre).",
        )
        report.mapped(
            f"{path}.distance", "distance", "computed: WGS-84 geodesic in metres (as 0.6)"
        )
        metres = geodesic((first["lat"], first["lon"]), (second["lat"], second["lon"])).meters
        return float(round(metres))
    raise ModelError(
        "All locations of a 0.6 model use one coordinate system",
        key_path=path,
        expected="lat/lon at both ends, or x/y at both ends",
    )


def _has_series(value: Any) -> bool:
    if isinstance(value, SeriesRef):
        return True
    return isinstance(value, CostValues) and any(isinstance(v, SeriesRef) for v in value.values())


def _difference(effective: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """What a place sets differently from the tech (None where it removes a tech-level key)."""
    changed = {k: v for k, v in effective.items() if k not in base or base[k] != v}
    changed.update({k: None for k in base if k not in effective})
    return changed


def _take_series(
    params: dict[str, Any], tech: str, node: str, location: str, series: TimeSeries
) -> dict[str, Any]:
    """Move time series out of the node's parameters into the data tables."""
    kept = {}
    for name, value in params.items():
        if isinstance(value, SeriesRef):
            series.add(name, tech, node, value, location)
        elif isinstance(value, CostValues):
            scalars = CostValues()
            for cost, item in value.items():
                if isinstance(item, SeriesRef):
                    series.add(name, tech, node, item, location)
                else:
                    scalars[cost] = item
            if scalars:
                kept[name] = scalars
        else:
            kept[name] = value
    return kept
