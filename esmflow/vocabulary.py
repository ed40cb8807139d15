"""Names a modeller may write that are not (or not yet) esmflow's own: a shared leaf module.

Four tables, each a plain dict, read by the checks that account for every key of a model
(`esmflow.preprocess.accounting`) and, later, by the Calliope 0.6 converter:

- `CALLIOPE06_NAMES`: a Calliope 0.6 tech/cost key → what esmflow (Calliope 0.7 vocabulary) calls it;
  `CALLIOPE06_MODEL_SETTINGS` and `CALLIOPE06_GROUP_CONSTRAINTS` do the same for 0.6's `model.*`
  settings and group constraint names.
- `MACRO_NAMES`: a Macro (MacroEnergy.jl) attribute → esmflow's parameter, accepted as an alias;
  `MACRO_CONSTRAINTS`: a Macro constraint name → the math components a switch by it names.
- `SWITCH_NAMES`: a decision variable's name a modeller may set as if it were a switch → the switch.
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
    "resource_scale": _rename(
        "source_scale", "sink_scale", note="source_scale for supply techs, sink_scale for demand"
    ),
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
# 0.6 `model.*` settings that are model inputs in esmflow.
CALLIOPE06_MODEL_SETTINGS: dict[str, Rename] = {
    "reserve_margin": _rename("reserve_margin", note="in data_definitions, over carriers"),
    "group_share": _rename("group_constraints", note="a top-level `group_share` is converted"),
}
# 0.6 group constraint names (model-format §2.1) → esmflow's; the others keep their name.
_FORMS = ("min", "max", "equals")
CALLIOPE06_GROUP_CONSTRAINTS: dict[str, str] = {
    f"{old}_{form}": f"{new}_{form}"
    for old, new in (
        ("carrier_prod_share_per_timestep", "flow_out_share_per_timestep"),
        ("carrier_prod_share", "flow_out_share"),
        ("carrier_prod", "flow_out"),
        ("carrier_con", "flow_in"),  # 0.6 gave consumption as a negative number
        ("cost_var", "cost_operation_variable"),
        ("energy_cap_share", "flow_cap_share"),
        ("energy_cap", "flow_cap"),
        ("resource_area", "area_use"),
    )
    for form in _FORMS
}
# Keys that only a Calliope 0.6 model has, at the top level or inside a tech.
CALLIOPE06_TOP_LEVEL = ("model", "run", "locations", "links", "tech_groups")
CALLIOPE06_TECH_KEYS = ("essentials", "constraints", "costs")


# --- Macro → esmflow ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Alias:
    """A foreign name esmflow accepts for one of its own parameters.

    `inverse`: the foreign value is the reciprocal of ours (Macro's storage duration, hours of
    discharge at full power, is 1 / `flow_cap_per_storage_cap_*`).
    """

    name: str
    inverse: bool = False


# Macro's attribute names (and esmflow's own spellings of Macro's durations) accepted as
# aliases: preprocessing renames them (and inverts the durations) and says so once in the log.
# Macro's `availability`, `min_up_time` and `min_down_time` are esmflow's names too.
MACRO_NAMES: dict[str, Alias] = {
    "min_flow_fraction": Alias("flow_out_min_relative"),
    "ramp_up_fraction": Alias("flow_ramping_up"),
    "ramp_down_fraction": Alias("flow_ramping_down"),
    "max_capacity": Alias("flow_cap_max"),
    "min_capacity": Alias("flow_cap_min"),
    "min_storage_level": Alias("storage_discharge_depth"),
    "max_storage_level": Alias("storage_level_max_relative"),
    "storage_charge_discharge_ratio": Alias("flow_in_cap_ratio"),
    "storage_max_duration": Alias("flow_cap_per_storage_cap_min", inverse=True),
    "storage_min_duration": Alias("flow_cap_per_storage_cap_max", inverse=True),
    "storage_duration_max": Alias("flow_cap_per_storage_cap_min", inverse=True),
    "storage_duration_min": Alias("flow_cap_per_storage_cap_max", inverse=True),
    "min_outflow_fraction": Alias("outflow_min_relative"),
    "storage_long_duration": Alias("long_duration_storage"),
    "capacity_size": Alias("flow_cap_per_unit"),
    "startup_cost": Alias("cost_startup"),
    "uc": Alias("unit_commitment"),
}

# Macro's constraint names (every one in its guide to asset constraints) → the math components
# that do the same here; a `switches:` entry may use either name. A Macro constraint can map to
# several components (the forms with and without unit commitment, or one per kind of tech).
# Switches also take the parameters that bound variables (`flow_cap_max`: flow_cap ≤ it).
MACRO_CONSTRAINTS: dict[str, tuple[str, ...]] = {
    "BalanceConstraint": (
        "balance_supply_no_storage",
        "balance_supply_with_storage",
        "balance_demand",
        "balance_conversion",
        "balance_storage",
        "balance_transmission",
    ),
    "CapacityConstraint": (
        "flow_out_max",
        "flow_in_max",
        "flow_out_max_milp",
        "flow_in_max_milp",
        "storage_charge_max",
        "flow_capacity_bidirectional",
    ),
    "MaxCapacityConstraint": ("flow_cap_max", "storage_cap_max"),
    "MinCapacityConstraint": (
        "flow_cap_min",
        "storage_cap_min",
        "flow_capacity_minimum",
        "storage_capacity_minimum",
    ),
    "MinFlowConstraint": ("flow_out_min", "flow_out_min_milp"),
    "MinUpTimeConstraint": ("minimum_up_time",),
    "MinDownTimeConstraint": ("minimum_down_time",),
    "MustRunConstraint": ("flow_out_must_run",),
    "RampingLimitConstraint": (
        "ramping_up",
        "ramping_down",
        "ramping_up_committed",
        "ramping_down_committed",
    ),
    "StorageCapacityConstraint": ("storage_max",),
    "MaxStorageLevelConstraint": ("storage_level_max",),
    "MinStorageLevelConstraint": ("storage_discharge_depth_limit",),
    "StorageChargeDischargeRatioConstraint": ("storage_charge_max",),
    "StorageDischargeLimitConstraint": ("storage_discharge_max",),
    "StorageMaxDurationConstraint": ("flow_capacity_per_storage_capacity_min",),
    "StorageMaximumDurationConstraint": ("flow_capacity_per_storage_capacity_min",),
    "StorageMinDurationConstraint": ("flow_capacity_per_storage_capacity_max",),
    "StorageSymmetricCapacityConstraint": ("storage_flow_symmetric_max",),
    "MinStorageOutflowConstraint": ("storage_outflow_min",),
    # the long-duration formulation (time clustering's storage_inter_cluster math)
    "LongDurationStorageImplicitMinMaxConstraint": (
        "storage_period_implicit_max",
        "storage_period_implicit_min",
    ),
}


def macro_aliases_of(component: str) -> list[str]:
    """Macro's constraint names that switch this component."""
    return [macro for macro, names in MACRO_CONSTRAINTS.items() if component in names]


# --- results whose names read like switches ----------------------------------------------------
# A model that sets one of these on a tech means a switch, not the decision variable.
SWITCH_NAMES: dict[str, Rename] = {
    "storage_inter_cluster": _rename(
        "inter_cluster_storage",
        note="`false` keeps each representative period cyclic on its own; "
        "`storage_inter_cluster` is the stored energy carried between periods, a result",
    ),
}

# --- features the specification names that are not built yet ----------------------------------
PLANNED_FEATURES: dict[str, tuple[str, ...]] = {}
# Calliope 0.7's built-in math files (mode and extra math names) that esmflow does not build yet.
PLANNED_MATH: dict[str, str] = {}


def planned_feature_of(name: str) -> str | None:
    """The not-yet-built feature a name belongs to, or None."""
    for feature, names in PLANNED_FEATURES.items():
        if name in names:
            return feature
    return None
