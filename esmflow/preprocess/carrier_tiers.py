"""Carrier tiers of a conversion tech (Calliope 0.6's `conversion_plus`), made ready for the math.

A conversion tech may set `carrier_in_2`, `carrier_in_3`, `carrier_out_2`, `carrier_out_3`,
`primary_carrier_in`, `primary_carrier_out` and `carrier_ratios` (conversion_plus.yaml). Three
steps, one per stage of `prepare_inputs`:

1. `normalise_carrier_ratios` (model dict): `carrier_ratios` as the Calliope 0.6 guide writes it,
   nested by tier and carrier (`carrier_ratios.carrier_out_2.heat: 0.8`, or
   `carrier_ratios: {carrier_out: {heat: 5, cooling: 3}}`), becomes Calliope 0.7's
   `{data, index, dims: [carrier_tiers, carriers]}`. Tier labels are `in`, `in_2`, `in_3`, `out`,
   `out_2`, `out_3`; the guide's `carrier_in`, … `carrier_out_3` are read as those.
2. `add_tier_carriers` (parameter definitions): the carriers of tiers 2 and 3 are carriers of the
   tech, so they join its `carrier_in`/`carrier_out` (flows, the carrier balance and every check
   of carrier names then see them). A carrier may sit in one tier per side only.
3. `complete_carrier_tiers` (inputs Dataset): `has_carrier_tiers` per tech, ratio 1 for every
   carrier of a tier the model gave no ratio, the primary carriers where a tech has one carrier on
   a side; and what cannot be right: a ratio for a carrier outside its tier, a missing
   `primary_carrier_out`, a primary carrier that is not one of the tech's, tiers on a tech that is
   not a conversion tech, tiers with `include_storage`.

A model without any tier input passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from esmflow.errors import ProblemCollector, closest_name
from esmflow.preprocess.parameters import ParameterDefinitions, Record

TIERS = ("in", "in_2", "in_3", "out", "out_2", "out_3")
# The guide's keys (and the short ones) → tier labels.
TIER_NAMES = {**{f"carrier_{tier}": tier for tier in TIERS}, **{tier: tier for tier in TIERS}}
# Lookups naming the carriers of tiers 2 and 3, and the side they belong to.
FURTHER_TIERS = {
    "carrier_in_2": "carrier_in",
    "carrier_in_3": "carrier_in",
    "carrier_out_2": "carrier_out",
    "carrier_out_3": "carrier_out",
}
PRIMARY = {"carrier_in": "primary_carrier_in", "carrier_out": "primary_carrier_out"}
TIER_INPUTS = (*FURTHER_TIERS, *PRIMARY.values(), "carrier_ratios")
SET_BY_ESMFLOW = "has_carrier_tiers"


# --- 1. the model dict --------------------------------------------------------------------------
def normalise_carrier_ratios(
    model: Mapping[str, Any], problems: ProblemCollector
) -> dict[str, Any]:
    """`carrier_ratios` nested by tier and carrier → `{data, index, dims}` (see module)."""
    cleaned = dict(model)
    techs = model.get("techs")
    if isinstance(techs, Mapping):
        cleaned["techs"] = {
            tech: _tech_with_ratios(definition, f"techs.{tech}", problems)
            for tech, definition in techs.items()
        }
    nodes = model.get("nodes")
    if isinstance(nodes, Mapping):
        cleaned["nodes"] = {
            node: _node_with_ratios(definition, f"nodes.{node}", problems)
            for node, definition in nodes.items()
        }
    return cleaned


def _node_with_ratios(definition: Any, key_path: str, problems: ProblemCollector) -> Any:
    if not isinstance(definition, Mapping) or not isinstance(definition.get("techs"), Mapping):
        return definition
    techs = {
        tech: _tech_with_ratios(entry, f"{key_path}.techs.{tech}", problems)
        for tech, entry in definition["techs"].items()
    }
    return {**definition, "techs": techs}


def _tech_with_ratios(definition: Any, key_path: str, problems: ProblemCollector) -> Any:
    if not isinstance(definition, Mapping) or "carrier_ratios" not in definition:
        return definition
    value = definition["carrier_ratios"]
    if isinstance(value, Mapping) and "data" in value:
        return definition  # already Calliope 0.7's indexed form
    indexed = _indexed_ratios(value, f"{key_path}.carrier_ratios", problems)
    return {**definition, "carrier_ratios": indexed}


def _indexed_ratios(value: Any, key_path: str, problems: ProblemCollector) -> Any:
    expected = (
        "ratios by tier and carrier, e.g. `carrier_ratios.carrier_out_2.heat: 0.8` or "
        "`carrier_ratios: {carrier_out: {heat: 5, cooling: 3}}`"
    )
    if not isinstance(value, Mapping):
        problems.add(
            "`carrier_ratios` needs a tier and a carrier",
            key_path=key_path,
            expected=expected,
            got=repr(value),
        )
        return None
    index: list[list[str]] = []
    data: list[float] = []
    for tier_key, by_carrier in value.items():
        tier = TIER_NAMES.get(str(tier_key))
        if tier is None:
            problems.add(
                f"Unknown carrier tier '{tier_key}'",
                key_path=f"{key_path}.{tier_key}",
                expected="one of " + ", ".join(f"carrier_{t}" for t in TIERS),
                closest=closest_name(str(tier_key), TIER_NAMES),
            )
            continue
        if not isinstance(by_carrier, Mapping):
            problems.add(
                "A tier's ratios are given per carrier",
                key_path=f"{key_path}.{tier_key}",
                expected=expected,
                got=repr(by_carrier),
            )
            continue
        for carrier, ratio in by_carrier.items():
            if not _is_ratio(ratio):
                problems.add(
                    "A carrier ratio is a number ≥ 0",
                    key_path=f"{key_path}.{tier_key}.{carrier}",
                    expected="a number ≥ 0 (0 switches the carrier off)",
                    got=repr(ratio),
                )
                continue
            index.append([tier, str(carrier)])
            data.append(float(ratio))
    if not index:
        return None
    return {"data": data, "index": index, "dims": ["carrier_tiers", "carriers"]}


def _is_ratio(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return False
    try:
        number = float(value)
    except ValueError:
        return False
    return bool(np.isfinite(number) and number >= 0)


# --- 2. the parameter definitions ---------------------------------------------------------------
def add_tier_carriers(definitions: ParameterDefinitions, problems: ProblemCollector) -> None:
    """Carriers of tiers 2 and 3 join `carrier_in`/`carrier_out`; tier labels normalised."""
    if SET_BY_ESMFLOW in definitions.names():
        record = _first_record(definitions, SET_BY_ESMFLOW)
        problems.add(
            f"`{SET_BY_ESMFLOW}` is set by esmflow from a tech's carrier tiers",
            key_path=record.key_path if record else None,
            expected="carrier_in_2, carrier_out_2, … or carrier_ratios on the conversion tech",
        )
    sides = {side: _carriers_by_place(definitions, side) for side in PRIMARY}
    seen: dict[tuple[str, tuple[Any, ...]], str] = {}
    for name, side in FURTHER_TIERS.items():
        for record in list(definitions.records.get(name, [])):
            if not record.value:
                continue
            place = _place(record)
            carrier = str(record.labels[record.dims.index("carriers")])
            other = seen.get((carrier, place)) or (
                side if carrier in sides[side].get(place, set()) else None
            )
            if other is not None and other != name:
                problems.add(
                    f"Carrier '{carrier}' is in two tiers of one side ({other} and {name})",
                    key_path=record.key_path,
                    expected="each carrier in one tier of its side",
                    got=carrier,
                )
                continue
            seen[(carrier, place)] = name
            definitions.records[side].append(
                Record(record.rank, record.dims, record.labels, True, record.key_path)
            )
    _normalise_tier_labels(definitions, problems)


def _place(record: Record) -> tuple[Any, ...]:
    """Where a record sits apart from its carrier: (tech,) or (node, tech)."""
    return tuple(
        label
        for dim, label in zip(record.dims, record.labels, strict=True)
        if dim in ("nodes", "techs")
    )


def _carriers_by_place(
    definitions: ParameterDefinitions, side: str
) -> dict[tuple[Any, ...], set[str]]:
    found: dict[tuple[Any, ...], set[str]] = {}
    for record in definitions.records.get(side, []):
        if record.value and "carriers" in record.dims:
            carrier = str(record.labels[record.dims.index("carriers")])
            found.setdefault(_place(record), set()).add(carrier)
    return found


def _first_record(definitions: ParameterDefinitions, name: str) -> Record | None:
    records = definitions.records.get(name) or []
    return records[0] if records else None


def _normalise_tier_labels(definitions: ParameterDefinitions, problems: ProblemCollector) -> None:
    """`carrier_tiers` labels of `carrier_ratios` in `{data, index, dims}` and tables."""
    records = definitions.records.get("carrier_ratios", [])
    for position, record in enumerate(records):
        if "carrier_tiers" not in record.dims:
            continue
        at = record.dims.index("carrier_tiers")
        label = str(record.labels[at])
        if label not in TIER_NAMES:
            problems.add(
                f"Unknown carrier tier '{label}'",
                key_path=record.key_path,
                expected="one of " + ", ".join(TIERS),
                closest=closest_name(label, TIER_NAMES),
            )
            continue
        labels = (*record.labels[:at], TIER_NAMES[label], *record.labels[at + 1 :])
        records[position] = Record(record.rank, record.dims, labels, record.value, record.key_path)
    for table in definitions.tables.get("carrier_ratios", []):
        if "carrier_tiers" not in (table.series.index.names or []):
            continue
        index = table.series.index
        labels = index.get_level_values("carrier_tiers").astype(str)
        unknown = sorted(set(labels) - set(TIER_NAMES))
        if unknown:
            problems.add(
                f"Unknown carrier tier '{unknown[0]}'",
                file=table.file,
                key_path=f"{table.key_path}.inputs.carrier_ratios",
                expected="one of " + ", ".join(TIERS),
                closest=closest_name(unknown[0], TIER_NAMES),
            )
            continue
        levels = [
            labels.map(TIER_NAMES) if name == "carrier_tiers" else index.get_level_values(name)
            for name in index.names
        ]
        table.series = table.series.set_axis(pd.MultiIndex.from_arrays(levels, names=index.names))


# --- 3. the inputs Dataset ----------------------------------------------------------------------
def complete_carrier_tiers(inputs: xr.Dataset) -> xr.Dataset:
    """`has_carrier_tiers`, default ratios and primary carriers; errors for what cannot be right."""
    if not any(name in inputs for name in TIER_INPUTS):
        return inputs
    problems = ProblemCollector()
    techs = inputs["techs"]
    has_tiers = xr.zeros_like(techs, dtype=bool)
    for name in TIER_INPUTS:
        if name in inputs:
            has_tiers = has_tiers | _defined_for_tech(inputs[name])
    base_tech = inputs["base_tech"] if "base_tech" in inputs else xr.full_like(techs, "", dtype=str)
    for tech in techs.values[(has_tiers & (base_tech != "conversion")).values]:
        name = next(
            n
            for n in TIER_INPUTS
            if n in inputs and bool(_defined_for_tech(inputs[n]).sel(techs=tech))
        )
        problems.add(
            "Carrier tiers are for conversion techs",
            key_path=f"techs.{tech}.{name}",
            expected="base_tech: conversion (or remove the tier keys)",
            got=f"base_tech: {base_tech.sel(techs=tech).item() or 'not set'}",
        )
    has_tiers = has_tiers & (base_tech == "conversion")
    if "include_storage" in inputs:
        stored = _defined_for_tech(inputs["include_storage"].where(inputs["include_storage"]))
        for tech in techs.values[(has_tiers & stored).values]:
            problems.add(
                "A conversion tech with carrier tiers cannot have `include_storage`",
                key_path=f"techs.{tech}.include_storage",
                expected="include_storage: false (or no carrier tiers)",
            )
    members = _tier_members(inputs, has_tiers)
    ratios = _ratios(inputs, members, has_tiers, problems)
    # (a new variable, not an assignment: the old one's tier labels must not trim the new ones)
    inputs = inputs.drop_vars(["carrier_ratios", "carrier_tiers"], errors="ignore")
    inputs["carrier_ratios"] = ratios
    for side, primary in PRIMARY.items():
        inputs[primary] = _primary(inputs, side, primary, has_tiers, problems)
    inputs[SET_BY_ESMFLOW] = has_tiers
    problems.raise_if_any()
    return inputs


def _defined_for_tech(array: xr.DataArray) -> xr.DataArray:
    """(techs,): the input is set (True, a number, a string) anywhere for the tech."""
    if array.dtype == bool:
        defined = array
    elif array.dtype.kind in "OUS":
        defined = array.notnull() & (array != "")
    else:
        defined = array.notnull()
    other = [dim for dim in defined.dims if dim != "techs"]
    return defined.any(other) if other else defined


def _side(inputs: xr.Dataset, name: str) -> xr.DataArray:
    return inputs[name].astype(bool) if name in inputs else xr.DataArray(False)


def _tier_members(inputs: xr.Dataset, has_tiers: xr.DataArray) -> xr.DataArray:
    """(carrier_tiers, [nodes,] techs, carriers): the carrier belongs to that tier of the tech."""
    tiers = {}
    for side, short in (("carrier_in", "in"), ("carrier_out", "out")):
        second, third = _side(inputs, f"{side}_2"), _side(inputs, f"{side}_3")
        tiers[short] = _side(inputs, side) & ~second & ~third
        tiers[f"{short}_2"], tiers[f"{short}_3"] = second, third
    aligned = xr.broadcast(*(xr.DataArray(tiers[tier]) for tier in TIERS))
    stacked = xr.concat(aligned, dim="carrier_tiers").assign_coords(carrier_tiers=list(TIERS))
    return stacked & has_tiers


def _ratios(
    inputs: xr.Dataset, members: xr.DataArray, has_tiers: xr.DataArray, problems: ProblemCollector
) -> xr.DataArray:
    """Given ratios on their tier's carriers, 1 where a carrier of a tier has none, else NaN."""
    given = inputs["carrier_ratios"] if "carrier_ratios" in inputs else xr.DataArray(np.nan)
    if "carrier_tiers" in given.dims:
        given = given.reindex(carrier_tiers=list(TIERS))
    given, members = xr.broadcast(given, members)
    outside = given.notnull() & ~members & has_tiers
    found = outside.any(
        [d for d in outside.dims if d not in ("carrier_tiers", "techs", "carriers")]
    )
    for tier, tech, carrier in zip(
        *np.nonzero(found.transpose("carrier_tiers", "techs", "carriers").values), strict=True
    ):
        tier_name, tech_name = TIERS[tier], str(inputs["techs"].values[tech])
        carrier_name = str(found["carriers"].values[carrier])
        problems.add(
            f"Carrier '{carrier_name}' has a ratio in tier carrier_{tier_name} of tech "
            f"'{tech_name}' but is not in that tier",
            key_path=f"techs.{tech_name}.carrier_ratios.carrier_{tier_name}.{carrier_name}",
            expected=f"a carrier of the tech's carrier_{tier_name}",
            got=carrier_name,
        )
    return given.where(members).fillna(1).where(members)


def _primary(
    inputs: xr.Dataset,
    side: str,
    primary: str,
    has_tiers: xr.DataArray,
    problems: ProblemCollector,
) -> xr.DataArray:
    """The primary carrier of a side (techs, carriers): as given, or the side's only carrier."""
    carriers = _side(inputs, side)
    carriers = carriers.any("nodes") if "nodes" in carriers.dims else carriers
    given = _side(inputs, primary)
    given = given.any("nodes") if "nodes" in given.dims else given
    given, carriers = xr.broadcast(given & has_tiers, carriers & has_tiers)
    how_many = carriers.sum("carriers")
    only = carriers & (how_many == 1)
    chosen = given.any("carriers")
    costed = _defined_for_tech(inputs["cost_flow_in"]) if "cost_flow_in" in inputs else False
    for tech in inputs["techs"].values[(given.sum("carriers") > 1).values]:
        problems.add(
            f"`{primary}` names one carrier",
            key_path=f"techs.{tech}.{primary}",
            got=", ".join(map(str, given["carriers"].values[given.sel(techs=tech).values])),
        )
    for tech in inputs["techs"].values[(given & ~carriers).any("carriers").values]:
        own = [str(c) for c in carriers["carriers"].values[carriers.sel(techs=tech).values]]
        named = str(given["carriers"].values[given.sel(techs=tech).values][0])
        problems.add(
            f"`{primary}` of tech '{tech}' is not one of its {side} carriers",
            key_path=f"techs.{tech}.{primary}",
            expected="one of " + ", ".join(own),
            got=named,
            closest=closest_name(named, own),
        )
    needed = has_tiers & ~chosen & (how_many > 1)
    if side == "carrier_in":
        needed = needed & costed
    for tech in inputs["techs"].values[needed.values]:
        own = [str(c) for c in carriers["carriers"].values[carriers.sel(techs=tech).values]]
        why = "holds its flow capacity" if side == "carrier_out" else "`cost_flow_in` is charged on"
        problems.add(
            f"Tech '{tech}' has several {side} carriers: `{primary}` names the one that {why}",
            key_path=f"techs.{tech}.{primary}",
            expected="one of " + ", ".join(own),
        )
    return (given | (only & ~chosen)).transpose("techs", "carriers")
