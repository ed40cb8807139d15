"""The model's units: what "power", "energy", "cost" and "distance" stand for in its numbers.

The math files give every parameter and result a unit in these generic words (`flow_cap`: power,
`flow_out`: energy per timestep, `cost_flow_cap`: cost/power). A model names them once, in a
top-level `units:` block (an esmflow extension; Calliope 0.7 has no place for units):

    units:
      power: MW
      energy: MWh
      cost: kUSD                       # or per cost class: {monetary: kUSD, co2: t}
      area: km2
      distance: km                     # must agree with config.init.distance_unit

so that plot axes, CSV headers and the attributes of `results.nc` say "MW" instead of "power".
Nothing is converted: the units only name what the numbers already are. Where a model gives no
units, the generic words stay (`power`, `energy`, …), which is still true, only less helpful.
Calliope 0.7 rejects unknown top-level keys, so a model that must also run in Calliope can take
its units from the workflow instead (`set: {units: {...}}` of a scenario).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from esmflow.errors import ProblemCollector, closest_name

UNIT_KEYS = ("power", "energy", "cost", "area", "distance")


def read_units(
    block: Any, init: Mapping[str, Any], cost_classes: Iterable[str], problems: ProblemCollector
) -> dict[str, Any]:
    """The checked `units:` block: {power, energy, area, distance: str; cost: {class: str}}.

    Missing entries are left out (readers fall back to the generic word), except `distance`,
    which is `config.init.distance_unit`'s: derived link lengths are in that unit.
    """
    distance_unit = str(init.get("distance_unit") or "km")
    if block is None:
        return {"distance": distance_unit}
    if not isinstance(block, Mapping):
        problems.add(
            "`units` must map quantities to unit names",
            key_path="units",
            expected="e.g. {power: MW, energy: MWh, cost: kUSD}",
            got=repr(block),
        )
        return {"distance": distance_unit}
    units: dict[str, Any] = {}
    for key, value in block.items():
        if key not in UNIT_KEYS:
            problems.add(
                f"Unknown quantity '{key}' in `units`",
                key_path=f"units.{key}",
                expected=", ".join(UNIT_KEYS),
                closest=closest_name(str(key), UNIT_KEYS),
            )
        elif key == "cost":
            units["cost"] = _cost_units(value, sorted(set(cost_classes)), problems)
        elif not isinstance(value, str) or not value.strip():
            problems.add(
                f"The unit of {key} must be a name",
                key_path=f"units.{key}",
                expected="a string such as MW",
                got=repr(value),
            )
        else:
            units[key] = value.strip()
    if units.get("distance", distance_unit) != distance_unit:
        problems.add(
            "The distance unit differs from the one link lengths are derived in",
            key_path="units.distance",
            expected=f"'{distance_unit}' (config.init.distance_unit decides it; set that instead)",
            got=repr(units["distance"]),
        )
    units["distance"] = distance_unit
    return units


def _cost_units(value: Any, cost_classes: list[str], problems: ProblemCollector) -> dict[str, str]:
    """`cost: kUSD` (every cost class) or `cost: {monetary: kUSD, co2: t}` → {class: unit}."""
    if isinstance(value, str) and value.strip():
        return {cost: value.strip() for cost in cost_classes}
    if not isinstance(value, Mapping):
        problems.add(
            "The cost unit must be a name, or a name per cost class",
            key_path="units.cost",
            expected="e.g. kUSD, or {monetary: kUSD, co2: t}",
            got=repr(value),
        )
        return {}
    per_class = {}
    for cost, unit in value.items():
        if str(cost) not in cost_classes:
            problems.add(
                f"'{cost}' is not a cost class of this model",
                key_path=f"units.cost.{cost}",
                expected=", ".join(cost_classes) or "a cost class the model's costs use",
                closest=closest_name(str(cost), cost_classes),
            )
        elif not isinstance(unit, str) or not unit.strip():
            problems.add(
                "A cost unit must be a name",
                key_path=f"units.cost.{cost}",
                expected="a string such as kUSD",
                got=repr(unit),
            )
        else:
            per_class[str(cost)] = unit.strip()
    return per_class
