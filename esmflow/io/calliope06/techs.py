"""Calliope 0.6 techs → esmflow tech parameters (Calliope 0.7 names plus our extensions).

A 0.6 tech inherits from `tech_groups` up to one of seven abstract parents; its settings sit
in `essentials`, `constraints` and `costs.<cost class>`. esmflow has five base techs, so
`supply_plus` becomes `supply` (with `include_storage` where it stores) and `conversion_plus`
becomes `conversion` with carrier tiers. Which esmflow name a 0.6 key gets depends on the
parent (`energy_eff` of a storage tech is both `flow_in_eff` and `flow_out_eff`; `resource` of a
demand tech is a `sink_use_*`, with the sign turned) and on other keys (`force_resource` makes
`resource` an `_equals`). `convert_tech` does it for one set of merged settings; time series
(`file=`/`df=`) stay as `SeriesRef` for `timeseries.py` to turn into data tables.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from esmflow.errors import ModelError, closest_name
from esmflow.io.calliope06.report import Report
from esmflow.io.yaml_files import merge

KINDS = (
    "supply",
    "supply_plus",
    "demand",
    "storage",
    "transmission",
    "conversion",
    "conversion_plus",
)
BASE_TECH = {
    "supply": "supply",
    "supply_plus": "supply",
    "demand": "demand",
    "storage": "storage",
    "transmission": "transmission",
    "conversion": "conversion",
    "conversion_plus": "conversion",
}
SUPPLY_KINDS = ("supply", "supply_plus")
STORING_KINDS = ("storage", "supply_plus")
# Keys that differ only in name (any parent that allows them).
RENAMED = {
    "energy_cap_max_systemwide": "flow_cap_max_systemwide",
    "energy_cap_min_use": "flow_out_min_relative",
    "energy_cap_per_storage_cap_max": "flow_cap_per_storage_cap_max",
    "energy_cap_per_storage_cap_min": "flow_cap_per_storage_cap_min",
    "charge_rate": "flow_cap_per_storage_cap_max",
    "energy_eff_per_distance": "flow_out_eff_per_distance",
    "energy_ramping": "flow_ramping",
    "parasitic_eff": "flow_out_parasitic_eff",
    "resource_eff": "source_eff",
    "resource_cap_max": "source_cap_max",
    "resource_cap_min": "source_cap_min",
    "resource_cap_equals_energy_cap": "source_cap_equals_flow_cap",
    "resource_area_max": "area_use_max",
    "resource_area_min": "area_use_min",
    "resource_area_per_energy_cap": "area_use_per_flow_cap",
    "storage_cap_max": "storage_cap_max",
    "storage_cap_min": "storage_cap_min",
    "storage_initial": "storage_initial",
    "storage_loss": "storage_loss",
    "storage_discharge_depth": "storage_discharge_depth",
    "storage_cap_per_unit": "storage_cap_per_unit",
    "export_cap": "export_max",
    "lifetime": "lifetime",
    "units_max_systemwide": "purchased_units_max_systemwide",
    "energy_cap_per_unit": "flow_cap_per_unit",
    "one_way": "one_way",
    "capacity_factor_min": "capacity_factor_min",
    "capacity_factor_max": "capacity_factor_max",
}
# Keys whose `_equals` sets both bounds.
EQUALS = {
    "energy_cap_equals": ("flow_cap_min", "flow_cap_max"),
    "storage_cap_equals": ("storage_cap_min", "storage_cap_max"),
    "resource_cap_equals": ("source_cap_min", "source_cap_max"),
    "resource_area_equals": ("area_use_min", "area_use_max"),
    "energy_cap_per_storage_cap_equals": (
        "flow_cap_per_storage_cap_min",
        "flow_cap_per_storage_cap_max",
    ),
    "units_equals": ("purchased_units_min", "purchased_units_max"),
    "units_equals_systemwide": (
        "purchased_units_min_systemwide",
        "purchased_units_max_systemwide",
    ),
    "energy_cap_equals_systemwide": ("flow_cap_min_systemwide", "flow_cap_max_systemwide"),
}
COSTS = {
    "energy_cap": "cost_flow_cap",
    "energy_cap_per_distance": "cost_flow_cap_per_distance",
    "storage_cap": "cost_storage_cap",
    "resource_cap": "cost_source_cap",
    "resource_area": "cost_area_use",
    "om_annual": "cost_om_annual",
    "om_annual_investment_fraction": "cost_om_annual_investment_fraction",
    "om_prod": "cost_flow_out",
    "export": "cost_export",
    "purchase": "cost_purchase",
    "purchase_per_distance": "cost_purchase_per_distance",
    "interest_rate": "cost_interest_rate",
    "depreciation_rate": "cost_depreciation_rate",
}
ESSENTIALS = {
    "name": "name",
    "color": "color",
    "carrier_in_2": "carrier_in_2",
    "carrier_in_3": "carrier_in_3",
    "carrier_out_2": "carrier_out_2",
    "carrier_out_3": "carrier_out_3",
}
# Keys 0.6 read for nothing a model can see, or that esmflow has no use for.
NO_EFFECT = {
    "energy_con": "0.6 set it from the parent; esmflow reads a tech's flows from its carriers",
    "energy_prod": "0.6 set it from the parent; esmflow reads a tech's flows from its carriers",
    "stack_weight": "plotting order of 0.6's own plots; esmflow's plots order techs themselves",
    "aggregate_tech": "0.6 plotting only",
}
UNIT_NAMES = {"energy": "absolute", "energy_per_area": "per_area", "energy_per_cap": "per_cap"}
UNITS_KEYS = ("units_max", "units_min", "units_equals")
CAPACITY_BOUNDS = ("flow_cap_max", "flow_cap_min", "storage_cap_max", "storage_cap_min")


@dataclass(frozen=True)
class SeriesRef:
    """A 0.6 time series reference (`file=x.csv:col` or `df=name:col`) for one parameter.

    `negate` turns the sign (0.6 demand was negative); `cost` is the cost class of a cost.
    """

    text: str
    key: str
    negate: bool = False
    cost: str | None = None


class CostValues(dict):
    """A cost parameter's values by cost class (written as `{data, index, dims: costs}`)."""


@dataclass(frozen=True)
class Tech06:
    """A 0.6 tech with its inheritance resolved: parent kind and merged settings."""

    name: str
    kind: str
    settings: dict[str, Any]


def resolve_techs(model: Mapping[str, Any], file: str) -> dict[str, Tech06]:
    """Every tech of `techs:` with its `tech_groups` chain merged in (root first)."""
    groups = model.get("tech_groups") or {}
    techs = model.get("techs") or {}
    resolved = {}
    for name, definition in techs.items():
        if definition is None:
            definition = {}
        if definition.get("exists", True) is False:
            continue
        chain: list[Mapping[str, Any]] = [definition]
        parent = (definition.get("essentials") or {}).get("parent")
        seen = {name}
        while parent not in KINDS:
            if parent in groups and parent not in seen:
                seen.add(parent)
                group = groups[parent] or {}
                chain.append(group)
                parent = (group.get("essentials") or {}).get("parent")
                continue
            raise ModelError(
                f"Tech '{name}' has no known parent",
                file=file,
                key_path=f"techs.{name}.essentials.parent",
                expected="one of " + ", ".join(KINDS) + " or a name under tech_groups",
                got=repr(parent),
                closest=closest_name(str(parent), [*KINDS, *groups]),
            )
        settings: dict[str, Any] = {}
        for part in reversed(chain):
            settings = merge(settings, _without_exists(part))
        resolved[name] = Tech06(name, parent, settings)
    return resolved


def _without_exists(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in settings.items() if k != "exists"}


Origin = Callable[[str], str]  # 0.6 key within a tech (`constraints.resource`) → its full path


def convert_tech(
    kind: str,
    settings: Mapping[str, Any],
    origin: Origin,
    report: Report,
    operate: bool = False,
) -> dict[str, Any]:
    """One tech's merged 0.6 settings → esmflow parameters (SeriesRef for time series).

    With `operate` (0.6 `run.mode: operate`), capacities become given inputs as 0.6 operate
    mode read them: the `_equals` value, else the `_max` one.
    """
    essentials = dict(settings.get("essentials") or {})
    constraints = dict(settings.get("constraints") or {})
    costs = dict(settings.get("costs") or {})
    params: dict[str, Any] = {}
    _convert_essentials(kind, essentials, params, origin, report)
    _convert_constraints(kind, constraints, costs, params, origin, report)
    _convert_costs(kind, costs, params, origin, report)
    for key in settings:
        if key not in ("essentials", "constraints", "costs", "distance"):
            report.not_mapped(origin(key), f"not a key of a 0.6 tech ({_KNOWN_SECTIONS})")
    if "distance" in settings:
        params["distance"] = _number(settings["distance"])
        report.mapped(origin("distance"), "distance")
    if operate:
        _capacities_as_inputs(params, origin, report)
        if kind in SUPPLY_KINDS:
            _forced_source_frees_capacities(params, origin, report)
    if kind == "conversion":
        _capacity_on_output(params, params.get("carrier_out"), ON_OUTPUT_CAPACITY)
    elif kind == "conversion_plus":
        _capacity_on_output(params, params.get("primary_carrier_out"), ON_PRIMARY_OUTPUT)
    return params


# A plain conversion tech's 0.6 `energy_cap` is its output capacity; esmflow gives a conversion
# tech a `flow_cap` per carrier, so everything about that capacity names the output carrier
# (otherwise the inflow would get the same bounds and costs).
ON_OUTPUT_CAPACITY = (
    "flow_cap_max",
    "flow_cap_min",
    "flow_cap_max_systemwide",
    "flow_cap_min_systemwide",
    "flow_cap_per_unit",
    "flow_cap",
    "cost_flow_cap",
    "cost_om_annual",
)


# A conversion_plus tech's capacity already sits on its primary output carrier; its unit size
# and minimum use are read per carrier, so they name that carrier too (0.6 applied them to the
# primary tier's sum, which follows the primary carrier).
ON_PRIMARY_OUTPUT = ("flow_cap_per_unit", "flow_out_min_relative")


def _capacity_on_output(params: dict[str, Any], carrier: Any, names: tuple[str, ...]) -> None:
    if not isinstance(carrier, str):
        return
    for name in names:
        value = params.get(name)
        if isinstance(value, CostValues):
            params[name] = {
                "data": list(value.values()),
                "index": [[cost, carrier] for cost in value],
                "dims": ["costs", "carriers"],
            }
        elif isinstance(value, int | float) and not isinstance(value, bool):
            params[name] = {"data": value, "index": carrier, "dims": "carriers"}


OPERATE_CAPACITIES = {
    "flow_cap": "energy_cap",
    "storage_cap": "storage_cap",
    "area_use": "resource_area",
    "source_cap": "resource_cap",
}


def _capacities_as_inputs(params: dict[str, Any], origin: Origin, report: Report) -> None:
    """0.6 operate mode fixed each capacity at its `_equals`, else at its finite `_max`."""
    for name, old in OPERATE_CAPACITIES.items():
        low, high = params.get(f"{name}_min"), params.get(f"{name}_max")
        if high is None or isinstance(high, SeriesRef):
            continue
        if low == high or (isinstance(high, int | float) and math.isfinite(high)):
            params[name] = high
            params.pop(f"{name}_min", None)
            params.pop(f"{name}_max", None)
            note = "operate mode: the capacity is an input" + (
                "" if low == high else f" (0.6 used {old}_max when no {old}_equals was given)"
            )
            report.mapped(origin(f"constraints.{old}_max"), name, note)


# 0.6 operate mode (backend/checks.py) let a forced resource override the capacities that do
# not scale it: it set them to infinity, with a warning.
FREED_BY_FORCED_SOURCE = {
    "per_area": ("flow_cap",),
    "per_cap": ("area_use",),
    "absolute": ("flow_cap", "area_use"),
}


def _forced_source_frees_capacities(params: dict[str, Any], origin: Origin, report: Report) -> None:
    """A supply tech without storage whose source is forced (`source_use_equals`): in 0.6
    operate mode the capacities its source does not scale were set to infinity."""
    if "source_use_equals" not in params or params.get("include_storage"):
        return
    for name in FREED_BY_FORCED_SOURCE[str(params.get("source_unit", "absolute"))]:
        if params.pop(name, None) is not None:
            old = OPERATE_CAPACITIES[name]
            report.mapped(
                origin(f"constraints.{old}_max"),
                f"{name} (infinite)",
                f"0.6 operate mode removed the {old} limit where force_resource applies",
            )


_KNOWN_SECTIONS = "essentials, constraints, costs, and distance on a link"


def _convert_essentials(
    kind: str, essentials: dict[str, Any], params: dict[str, Any], origin: Origin, report: Report
) -> None:
    params["base_tech"] = BASE_TECH[kind]
    report.mapped(
        origin("essentials.parent"),
        "base_tech",
        _PARENT_NOTES.get(kind, ""),
    )
    carrier = essentials.pop("carrier", None)
    carrier_in = essentials.pop("carrier_in", None)
    carrier_out = essentials.pop("carrier_out", None)
    if carrier is not None:
        if kind in ("storage", "transmission"):
            carrier_in = carrier_out = carrier
            report.mapped(origin("essentials.carrier"), "carrier_in, carrier_out")
        elif kind == "demand":
            carrier_in = carrier
            report.mapped(origin("essentials.carrier"), "carrier_in")
        else:
            carrier_out = carrier
            report.mapped(origin("essentials.carrier"), "carrier_out")
    for name, value in (("carrier_in", carrier_in), ("carrier_out", carrier_out)):
        if value is None:
            continue
        params[name] = value
        if carrier is None:
            report.mapped(origin(f"essentials.{name}"), name)
    essentials.pop("parent", None)
    for key in ("primary_carrier_in", "primary_carrier_out"):
        if key in essentials:
            value = essentials.pop(key)
            if kind == "conversion_plus" and value is not None:
                params[key] = value
                report.mapped(origin(f"essentials.{key}"), key)
            elif value is not None:
                report.not_mapped(origin(f"essentials.{key}"), "only conversion_plus techs have it")
    if kind == "conversion_plus":
        _primary_carriers(essentials, params)
    for key, value in essentials.items():
        if key in ESSENTIALS:
            if value is not None:
                params[ESSENTIALS[key]] = value
            report.mapped(origin(f"essentials.{key}"), ESSENTIALS[key])
        elif key in NO_EFFECT:
            report.not_mapped(origin(f"essentials.{key}"), NO_EFFECT[key])
        else:
            report.not_mapped(origin(f"essentials.{key}"), "not a 0.6 essentials key")


_PARENT_NOTES = {
    "supply_plus": "supply, with include_storage where it defines a storage_* constraint",
    "conversion_plus": "conversion with carrier tiers (esmflow's conversion_plus math)",
}


def _primary_carriers(essentials: Mapping[str, Any], params: dict[str, Any]) -> None:
    """A conversion_plus tech names its primary carriers, which switches on the tier math.

    0.6 took the only carrier of a side as its primary one; esmflow does too, but only for techs
    it already knows have tiers, so the converter names them (a plain esmflow conversion tech
    with two outputs would put out the full amount of each).
    """
    for side in ("in", "out"):
        key = f"primary_carrier_{side}"
        if key in params:
            continue
        carriers = []
        for tier in (f"carrier_{side}", f"carrier_{side}_2", f"carrier_{side}_3"):
            value = params.get(tier, essentials.get(tier))
            carriers += [value] if isinstance(value, str) else list(value or [])
        if len(carriers) == 1:
            params[key] = carriers[0]


def _convert_constraints(
    kind: str,
    constraints: dict[str, Any],
    costs: Mapping[str, Any],
    params: dict[str, Any],
    origin: Origin,
    report: Report,
) -> None:
    def key_of(name: str) -> str:
        return origin(f"constraints.{name}")

    constraints = dict(constraints)
    scale = constraints.pop("energy_cap_scale", None)
    is_units = any(constraints.get(k) is not None for k in UNITS_KEYS)
    has_purchase = any(
        isinstance(per_class, Mapping) and per_class.get("purchase") is not None
        for per_class in costs.values()
    )
    force = constraints.pop("force_resource", None)
    resource = constraints.pop("resource", None)
    unit = constraints.pop("resource_unit", None)
    resource_scale = constraints.pop("resource_scale", None)
    ratios = constraints.pop("carrier_ratios", None)
    _convert_resource(kind, resource, force, key_of, params, report)
    if unit is not None:
        _convert_unit(kind, unit, key_of, params, report)
    if resource_scale is not None:
        name = "sink_scale" if kind == "demand" else "source_scale"
        params[name] = _value(resource_scale, key_of("resource_scale"))
        report.mapped(key_of("resource_scale"), name)
    if ratios is not None:
        if kind == "conversion_plus":
            params["carrier_ratios"] = ratios
            report.mapped(key_of("carrier_ratios"), "carrier_ratios", "same nesting by tier")
        else:
            report.not_mapped(key_of("carrier_ratios"), "only conversion_plus techs have it")
    for key, value in constraints.items():
        _convert_constraint(kind, key, value, key_of, params, report)
    if scale is not None and _number(scale) != 1:
        _apply_scale(_number(scale), params)
        report.mapped(
            key_of("energy_cap_scale"),
            "flow_cap_min, flow_cap_max, flow_cap_max_systemwide",
            "esmflow has no capacity scale: the converter multiplied the capacity bounds by it",
        )
    elif scale is not None:
        report.mapped(key_of("energy_cap_scale"), "(default)", "1 is no scaling")
    if kind == "supply_plus" and any(k.startswith("storage_") for k in constraints):
        params["include_storage"] = True
    if is_units:
        params["cap_method"] = "integer"
        params["integer_dispatch"] = True
        for bound in CAPACITY_BOUNDS:
            if params.pop(bound, None) is not None:
                report.difference(
                    "Capacity bounds of techs bought in units",
                    "0.6 did not build energy_cap_*/storage_cap_* bounds for techs with units_* "
                    "(the units replace them); the converter left them out too.",
                )
    elif has_purchase:
        params["cap_method"] = "integer"
        params["purchased_units_max"] = 1
        if not math.isfinite(_finite_or_inf(params.get("flow_cap_max"))):
            report.difference(
                "Purchase without a finite energy_cap_max",
                "0.6 did not tie the purchase binary to capacity when energy_cap_max was "
                "infinite (math-calliope06.md §12.12); esmflow limits capacity to bigM per "
                "unit bought, so the purchase cost is always paid for capacity.",
            )
    if kind == "storage" and "flow_out_eff" in params and "flow_in_eff" not in params:
        params["flow_in_eff"] = params["flow_out_eff"]


def _convert_resource(
    kind: str,
    resource: Any,
    force: Any,
    key_of: Callable[[str], str],
    params: dict[str, Any],
    report: Report,
) -> None:
    """0.6 `resource` (+ `force_resource`) → source_use_* or sink_use_* (demand: sign turned)."""
    if kind == "demand":
        forced = True if force is None else bool(force)
        name = "sink_use_equals" if forced else "sink_use_max"
        if resource is not None:
            params[name] = _negated(resource, key_of("resource"))
            report.mapped(key_of("resource"), name, "sign turned: 0.6 demand was negative")
        if force is not None:
            report.mapped(key_of("force_resource"), name, "decides _equals or _max")
        return
    if kind in SUPPLY_KINDS:
        forced = bool(force) if force is not None else False
        name = "source_use_equals" if forced else "source_use_max"
        if resource is not None:
            value = _value(resource, key_of("resource"))
            if forced and isinstance(value, float) and math.isinf(value):
                name = "source_use_max"  # 0.6 only forced a finite resource
            params[name] = value
            report.mapped(key_of("resource"), name)
        if force is not None:
            report.mapped(key_of("force_resource"), name, "decides _equals or _max")
        return
    for key, value in (("resource", resource), ("force_resource", force)):
        if value is not None:
            report.not_mapped(key_of(key), f"a {kind} tech has no resource in 0.6 either")


def _convert_unit(
    kind: str, unit: Any, key_of: Callable[[str], str], params: dict[str, Any], report: Report
) -> None:
    if unit not in UNIT_NAMES:
        raise ModelError(
            f"Unknown resource_unit '{unit}'",
            key_path=key_of("resource_unit"),
            expected=", ".join(UNIT_NAMES),
            closest=closest_name(str(unit), UNIT_NAMES),
        )
    name = "sink_unit" if kind == "demand" else "source_unit"
    if kind not in (*SUPPLY_KINDS, "demand"):
        report.not_mapped(key_of("resource_unit"), f"a {kind} tech has no resource")
        return
    if UNIT_NAMES[unit] != "absolute":
        params[name] = UNIT_NAMES[unit]
    report.mapped(key_of("resource_unit"), name, f"{unit} → {UNIT_NAMES[unit]}")


def _convert_constraint(
    kind: str,
    key: str,
    value: Any,
    key_of: Callable[[str], str],
    params: dict[str, Any],
    report: Report,
) -> None:
    path = key_of(key)
    if value is None:
        report.mapped(path, "(default)", "null: the 0.6 default")
        return
    if key == "energy_eff":
        names = {
            "storage": ("flow_in_eff", "flow_out_eff"),
            "demand": ("flow_in_eff",),
        }.get(kind, ("flow_out_eff",))
        for name in names:
            params[name] = _value(value, path)
        note = "storage: both charging and discharging, as 0.6" if kind == "storage" else ""
        report.mapped(path, ", ".join(names), note)
    elif key == "energy_cap_max":
        params["flow_cap_max"] = _value(value, path)
        report.mapped(path, "flow_cap_max")
    elif key == "energy_cap_min":
        params["flow_cap_min"] = _value(value, path)
        report.mapped(path, "flow_cap_min")
    elif key in EQUALS:
        if isinstance(value, float) and math.isinf(value):
            raise ModelError(
                f"`{key}` cannot be infinite (0.6 refused it too)",
                key_path=path,
                expected="a finite number",
                got=repr(value),
            )
        for name in EQUALS[key]:
            params[name] = _value(value, path)
        report.mapped(path, ", ".join(EQUALS[key]), "both bounds set to the value")
    elif key in ("units_max", "units_min"):
        params[f"purchased_{key}"] = _value(value, path)
        report.mapped(
            path,
            f"purchased_{key}, cap_method, integer_dispatch",
            "cap_method: integer and integer_dispatch: true (0.6 units operate in whole units)",
        )
    elif key == "force_asynchronous_prod_con":
        params["force_async_flow"] = bool(value)
        if not value:
            report.difference(
                "force_asynchronous_prod_con: false",
                "0.6 built the binary constraint whenever the key was present, even set to "
                "false (math-calliope06.md §12.13); esmflow only when it is true.",
            )
        report.mapped(path, "force_async_flow")
    elif key == "export_carrier":
        params["carrier_export"] = value
        report.mapped(path, "carrier_export")
    elif key == "resource_min_use":
        report.not_mapped(
            path,
            "inert in 0.6.10 (its value was stored for supply_plus techs but only read for "
            "supply techs, where it fell back to 0; math-calliope06.md §12.15); converting it "
            "to source_use_min would change the results 0.6 gave",
        )
    elif key in RENAMED:
        params[RENAMED[key]] = _value(value, path)
        note = ""
        if key in ("capacity_factor_min", "capacity_factor_max"):
            note = "0.6.10 accepted but ignored this key; esmflow's capacity_factor math applies it"
            report.difference("Capacity factors", note)
        if key == "charge_rate":
            note = "0.6's deprecated name of energy_cap_per_storage_cap_max"
        report.mapped(path, RENAMED[key], note)
    elif key in NO_EFFECT:
        report.not_mapped(path, NO_EFFECT[key])
    elif key == "storage_time_max":
        report.not_mapped(path, "0.6.10 accepted it but built no constraint from it")
    elif key == "link_con_to_prod":
        report.not_mapped(
            path, "not a Calliope 0.6.10 constraint (0.6.10 ignored it with a warning)"
        )
    else:
        report.not_mapped(path, "not a Calliope 0.6.10 tech constraint")


def _convert_costs(
    kind: str, costs: Mapping[str, Any], params: dict[str, Any], origin: Origin, report: Report
) -> None:
    for cost_class, per_class in costs.items():
        if per_class is None:
            continue
        if not isinstance(per_class, Mapping):
            raise ModelError(
                "A 0.6 cost class holds a mapping of cost keys",
                key_path=origin(f"costs.{cost_class}"),
                got=repr(per_class),
            )
        for key, value in per_class.items():
            path = origin(f"costs.{cost_class}.{key}")
            name = COSTS.get(key)
            if key == "om_con":
                name = "cost_source_use" if kind in SUPPLY_KINDS else "cost_flow_in"
            if name is None:
                report.not_mapped(path, "not a Calliope 0.6.10 cost")
                continue
            if value is None:
                report.mapped(path, "(default)", "null: the 0.6 default")
                continue
            target = params.setdefault(name, CostValues())
            target[str(cost_class)] = _value(value, path, cost=str(cost_class))
            note = ""
            if key == "om_con" and kind == "supply":
                note = "per unit of source used (0.6: om_con × carrier_prod / energy_eff)"
            elif key == "om_annual_investment_fraction":
                note = "esmflow applies it to the undepreciated investment"
                report.difference(
                    "om_annual_investment_fraction",
                    "0.6 multiplied the depreciated capacity cost by (1 + fraction); esmflow "
                    "adds fraction × investment × modelled share of a year (Calliope 0.7).",
                )
            report.mapped(path, f"{name}[costs={cost_class}]", note)


def _apply_scale(scale: float, params: dict[str, Any]) -> None:
    for name in ("flow_cap_min", "flow_cap_max", "flow_cap_max_systemwide"):
        if isinstance(params.get(name), int | float):
            params[name] = params[name] * scale


def _value(value: Any, key: str, cost: str | None = None) -> Any:
    """A 0.6 value as esmflow's: numbers (`inf` as text too) or a SeriesRef."""
    if isinstance(value, str) and value.startswith(("file=", "df=")):
        return SeriesRef(value, key, cost=cost)
    return _maybe_number(value)


def _negated(value: Any, key: str) -> Any:
    if isinstance(value, str) and value.startswith(("file=", "df=")):
        return SeriesRef(value, key, negate=True)
    number = _maybe_number(value)
    if isinstance(number, int | float) and not isinstance(number, bool):
        return -number
    raise ModelError(
        "A 0.6 demand resource is a number or a time series",
        key_path=key,
        got=repr(value),
    )


def _maybe_number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _number(value: Any) -> float:
    number = _maybe_number(value)
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise ModelError("Expected a number", got=repr(value))
    return number


def _finite_or_inf(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else math.inf
