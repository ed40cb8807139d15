"""Names a modeller may write that are not (or not yet) esmflow's own: a shared leaf module.

Three tables, each a plain dict, read by the checks that account for every key of a model
(`esmflow.preprocess.accounting`) and, later, by the Calliope 0.6 converter:

- `CALLIOPE06_NAMES`: a Calliope 0.6 tech/cost key → what esmflow (Calliope 0.7 vocabulary) calls it.
- `MACRO_NAMES`: a Macro (MacroEnergy.jl) attribute → esmflow's parameter.
- `PLANNED_FEATURES`: a feature the specification names but esmflow does not build yet → the
  parameter names that belong to it. A model that sets one of them must not be solved as if the
  feature were not there, so it is an error until the feature lands; each feature's issue removes
  its entry when its math file declares those names.

Imports nothing from esmflow: every stage may use it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rename:
    """Where an old or foreign name went: esmflow's name(s) and a note on what differs."""

    names: tuple[str, ...]
    note: str = ""

    def suggestion(self) -> str:
        """'flow_cap_max' or 'flow_cap_min and flow_cap_max', with the note if any."""
        joined = " and ".join(f"'{name}'" for name in self.names) if self.names else ""
        if joined and self.note:
            return f"{joined} ({self.note})"
        return joined or self.note


def _rename(*names: str, note: str = "") -> Rename:
    return Rename(tuple(names), note)


# --- Calliope 0.6 → esmflow (Calliope 0.7 vocabulary) ------------------------------------------
# Tech constraints (0.6 `constraints.*`) and essentials.
_CONSTRAINTS_06: dict[str, Rename] = {
    "energy_cap_max": _rename("flow_cap_max"),
    "energy_cap_min": _rename("flow_cap_min"),
    "energy_cap_equals": _rename("flow_cap_min", "flow_cap_max", note="set both to the value"),
    "energy_cap_max_systemwide": _rename("flow_cap_max_systemwide"),
    "energy_cap_equals_systemwide": _rename(
        "flow_cap_min_systemwide", "flow_cap_max_systemwide", note="set both to the value"
    ),
    "energy_cap_scale": _rename(note="no equivalent: scale the capacity bounds themselves"),
    "energy_cap_min_use": _rename("flow_out_min_relative"),
    "energy_cap_per_storage_cap_max": _rename("flow_cap_per_storage_cap_max"),
    "energy_cap_per_storage_cap_min": _rename("flow_cap_per_storage_cap_min"),
    "energy_cap_per_storage_cap_equals": _rename(
        "flow_cap_per_storage_cap_min", "flow_cap_per_storage_cap_max", note="set both"
    ),
    "charge_rate": _rename("flow_cap_per_storage_cap_max"),
    "energy_cap_per_unit": _rename("flow_cap_per_unit"),
    "energy_eff": _rename(
        "flow_out_eff", note="storage and transmission: also 'flow_in_eff' for the inflow side"
    ),
    "energy_eff_per_distance": _rename("flow_out_eff_per_distance"),
    "energy_ramping": _rename("flow_ramping"),
    "energy_con": _rename("carrier_in", note="name the consumed carriers"),
    "energy_prod": _rename("carrier_out", note="name the produced carriers"),
    "carrier": _rename("carrier_in", "carrier_out", note="name the carrier on each side"),
    "parasitic_eff": _rename("flow_out_parasitic_eff"),
    "resource": _rename(
        "source_use_max",
        "sink_use_max",
        note="source_use_max for supply techs, sink_use_max (a positive number) for demand; "
        "'_equals' instead of '_max' where 0.6 had force_resource: true",
    ),
    "force_resource": _rename(
        "source_use_equals", "sink_use_equals", note="give the resource as '_equals'"
    ),
    "resource_min_use": _rename("source_use_min"),
    "resource_eff": _rename("source_eff"),
    "resource_unit": _rename(
        "source_unit",
        "sink_unit",
        note="energy → absolute, energy_per_area → per_area, energy_per_cap → per_cap",
    ),
    "resource_cap_max": _rename("source_cap_max"),
    "resource_cap_min": _rename("source_cap_min"),
    "resource_cap_equals": _rename("source_cap_min", "source_cap_max", note="set both"),
    "resource_cap_equals_energy_cap": _rename("source_cap_equals_flow_cap"),
    "resource_area_max": _rename("area_use_max"),
    "resource_area_min": _rename("area_use_min"),
    "resource_area_equals": _rename("area_use_min", "area_use_max", note="set both"),
    "resource_area_per_energy_cap": _rename("area_use_per_flow_cap"),
    "storage_cap_equals": _rename("storage_cap_min", "storage_cap_max", note="set both"),
    "export_carrier": _rename("carrier_export"),
    "export_cap": _rename("export_max"),
    "units_max": _rename("purchased_units_max"),
    "units_min": _rename("purchased_units_min"),
    "units_equals": _rename("purchased_units_min", "purchased_units_max", note="set both"),
    "units_max_systemwide": _rename("purchased_units_max_systemwide"),
    "units_equals_systemwide": _rename(
        "purchased_units_min_systemwide", "purchased_units_max_systemwide", note="set both"
    ),
    "force_asynchronous_prod_con": _rename("force_async_flow"),
    "storage_cap_per_unit": _rename("storage_cap_per_unit"),
}
# Cost keys (0.6 `costs.<class>.*`) → cost parameters indexed over `costs`.
_COSTS_06: dict[str, Rename] = {
    "energy_cap": _rename("cost_flow_cap"),
    "energy_cap_per_distance": _rename("cost_flow_cap_per_distance"),
    "storage_cap": _rename("cost_storage_cap"),
    "resource_cap": _rename("cost_source_cap"),
    "resource_area": _rename("cost_area_use"),
    "om_annual": _rename("cost_om_annual"),
    "om_annual_investment_fraction": _rename("cost_om_annual_investment_fraction"),
    "om_prod": _rename("cost_flow_out"),
    "om_con": _rename("cost_flow_in", note="'cost_source_use' on supply techs"),
    "export": _rename("cost_export"),
    "purchase": _rename("cost_purchase"),
    "purchase_per_distance": _rename("cost_purchase_per_distance"),
    "interest_rate": _rename("cost_interest_rate"),
    "depreciation_rate": _rename("cost_depreciation_rate"),
}
CALLIOPE06_NAMES: dict[str, Rename] = {**_CONSTRAINTS_06}
CALLIOPE06_COST_NAMES: dict[str, Rename] = dict(_COSTS_06)
# Keys that only a Calliope 0.6 model has, at the top level or inside a tech.
CALLIOPE06_TOP_LEVEL = ("model", "run", "locations", "links", "tech_groups")
CALLIOPE06_TECH_KEYS = ("essentials", "constraints", "costs")

# --- Macro → esmflow ---------------------------------------------------------------------------
MACRO_NAMES: dict[str, Rename] = {
    "min_flow_fraction": _rename("flow_out_min_relative"),
    "max_capacity": _rename("flow_cap_max"),
    "min_capacity": _rename("flow_cap_min"),
    "min_storage_level": _rename("storage_discharge_depth"),
    "max_storage_level": _rename("storage_level_max_relative"),
    "ramp_up_fraction": _rename("flow_ramping_up"),
    "ramp_down_fraction": _rename("flow_ramping_down"),
    "storage_charge_discharge_ratio": _rename("flow_in_cap_ratio"),
    "storage_max_duration": _rename("storage_duration_max"),
    "storage_min_duration": _rename("storage_duration_min"),
    "min_outflow_fraction": _rename("outflow_min_relative"),
    "storage_long_duration": _rename("long_duration_storage"),
    "capacity_size": _rename("flow_cap_per_unit"),
    "startup_cost": _rename("cost_startup"),
}

# --- features the specification names that are not built yet ----------------------------------
PLANNED_FEATURES: dict[str, tuple[str, ...]] = {
    "group constraints (Calliope 0.6 `group_constraints`)": ("group_constraints",),
    "carrier tiers and ratios (Calliope 0.6 conversion_plus)": (
        "carrier_in_2",
        "carrier_in_3",
        "carrier_out_2",
        "carrier_out_3",
        "primary_carrier_in",
        "primary_carrier_out",
        "carrier_ratios",
    ),
    "Calliope 0.6 constraints that 0.7 dropped": (
        "reserve_margin",
        "capacity_factor_min",
        "capacity_factor_max",
        "resource_scale",
    ),
    "Macro's asset constraints (unit commitment, must-run, storage limits)": (
        "availability",
        "must_run",
        "flow_ramping_up",
        "flow_ramping_down",
        "unit_commitment",
        "cost_startup",
        "min_up_time",
        "min_down_time",
        "storage_level_max_relative",
        "flow_in_cap_ratio",
        "storage_discharge_limit",
        "storage_duration_min",
        "storage_duration_max",
        "storage_symmetric_flow",
        "outflow_min_relative",
        "spill",
        "switches",
    ),
    "storage across representative periods (time clustering)": (
        "long_duration_storage",
        "storage_inter_cluster",
    ),
    "SPORES mode": ("spores_slack", "spores_score", "spores_baseline_cost"),
}
# Calliope 0.7's built-in math files (mode and extra math names) that esmflow does not build yet.
PLANNED_MATH: dict[str, str] = {
    "spores": "SPORES mode: alternatives near the optimum",
    "storage_inter_cluster": "storage across representative days of a clustered year",
}


def planned_feature_of(name: str) -> str | None:
    """The not-yet-built feature a name belongs to, or None."""
    for feature, names in PLANNED_FEATURES.items():
        if name in names:
            return feature
    return None
