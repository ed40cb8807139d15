"""Every component of base.yaml is exercised by a hand-solved test, and each built component has
exactly the dims of its `foreach`.

`COVERAGE` maps each component to the test that pins it; adding a component to base.yaml without
a test (or renaming a test) fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from math_models import (
    COST_ONE_PER_UNIT,
    demand,
    model_definition,
    per_cost,
    solve_model,
    supply,
    timeseries,
)

import esmflow

BASE_MATH = Path(esmflow.__file__).parent / "math" / "base.yaml"
TESTS = Path(__file__).parent
SECTIONS = (
    "variables",
    "global_expressions",
    "constraints",
    "objectives",
    "postprocessed",
    "checks",
)

SUPPLY = "test_math_supply.py"
DEMAND = "test_math_demand.py"
STORAGE = "test_math_storage.py"
COSTS = "test_math_costs.py"

COVERAGE: dict[str, str] = {
    # variables
    "flow_cap": f"{SUPPLY}::test_source_use_max_limits_what_a_supply_can_draw",
    "flow_out": f"{SUPPLY}::test_source_use_max_limits_what_a_supply_can_draw",
    "flow_in": f"{DEMAND}::test_sink_use_equals_is_a_fixed_demand",
    "flow_export": "test_math_export.py::test_export_earns_revenue_up_to_export_max",
    "area_use": "test_math_area.py::test_available_area_limits_capacity",
    "source_use": f"{SUPPLY}::test_source_eff_scales_source_to_outflow",
    "source_cap": f"{SUPPLY}::test_source_cap_limits_source_use_per_hour",
    "storage_cap": f"{STORAGE}::test_storage_moves_energy_in_time",
    "storage": f"{STORAGE}::test_storage_moves_energy_in_time",
    "unmet_demand": "test_math_unmet_demand.py::test_unmet_demand_at_big_m",
    "unused_supply": "test_math_unmet_demand.py::test_unused_supply_at_big_m",
    # global expressions
    "flow_out_inc_eff": f"{SUPPLY}::test_flow_out_eff_and_parasitic_eff",
    "flow_in_inc_eff": f"{DEMAND}::test_flow_in_eff_on_a_demand",
    "cost_operation_variable": "test_math_export.py::test_export_earns_revenue_up_to_export_max",
    "cost_investment_flow_cap": "test_math_transmission.py::test_per_distance_efficiency_and_cost",
    "cost_investment_storage_cap": f"{STORAGE}::test_storage_moves_energy_in_time",
    "cost_investment_source_cap": f"{SUPPLY}::test_source_cap_limits_source_use_per_hour",
    "cost_investment_area_use": f"{SUPPLY}::test_source_unit_per_area_scales_the_source_by_area_use",
    "cost_investment": f"{COSTS}::test_interest_rate_annuity",
    "cost_investment_annualised": f"{COSTS}::test_interest_rate_annuity",
    "cost_operation_fixed": f"{COSTS}::test_fixed_om_per_capacity_and_investment_fraction",
    "cost": f"{COSTS}::test_interest_rate_annuity",
    # constraints
    "flow_capacity_per_storage_capacity_min": (
        f"{STORAGE}::test_flow_cap_per_storage_cap_min_sets_a_maximum_duration"
    ),
    "flow_capacity_per_storage_capacity_max": (
        f"{STORAGE}::test_flow_cap_per_storage_cap_max_sets_a_minimum_duration"
    ),
    "source_capacity_equals_flow_capacity": f"{SUPPLY}::test_source_cap_equals_flow_cap",
    "force_zero_area_use": "test_math_area.py::test_force_zero_area_use",
    "area_use_per_flow_capacity": "test_math_area.py::test_area_use_max_limits_capacity",
    "area_use_capacity_per_loc": "test_math_area.py::test_available_area_limits_capacity",
    "flow_capacity_systemwide_max": "test_math_systemwide.py::test_flow_cap_max_systemwide",
    "flow_capacity_systemwide_min": "test_math_systemwide.py::test_flow_cap_min_systemwide",
    "balance_conversion": "test_math_conversion.py::test_conversion_with_two_outputs_shares_its_input",
    "flow_out_max": f"{SUPPLY}::test_flow_out_eff_and_parasitic_eff",
    "flow_out_min": f"{SUPPLY}::test_flow_out_min_relative_forces_stable_output",
    "flow_in_max": "test_math_conversion.py::test_single_carrier_conversion",
    "source_max": f"{SUPPLY}::test_source_cap_limits_source_use_per_hour",
    "storage_max": f"{STORAGE}::test_storage_moves_energy_in_time",
    "storage_discharge_depth_limit": f"{STORAGE}::test_storage_discharge_depth_keeps_a_reserve",
    "system_balance": f"{DEMAND}::test_sink_use_equals_is_a_fixed_demand",
    "balance_demand": f"{DEMAND}::test_sink_use_max_caps_a_sink",
    "balance_demand_min_use": f"{DEMAND}::test_sink_use_min_sets_a_minimum_demand",
    "balance_supply_no_storage": f"{SUPPLY}::test_source_eff_scales_source_to_outflow",
    "balance_supply_with_storage": f"{STORAGE}::test_supply_with_include_storage_buffers_its_source",
    "source_availability_supply": f"{SUPPLY}::test_source_use_equals_forces_the_draw",
    "balance_supply_min_use": f"{SUPPLY}::test_source_use_min_forces_a_minimum_draw",
    "balance_storage": f"{STORAGE}::test_storage_loss_decays_over_the_previous_timestep_length",
    "set_storage_initial": f"{STORAGE}::test_storage_initial_cyclic_and_non_cyclic",
    "balance_transmission": "test_math_transmission.py::test_link_with_efficiency_and_capacity_cost",
    "symmetric_transmission": "test_math_transmission.py::test_link_with_efficiency_and_capacity_cost",
    "export_balance": "test_math_export.py::test_export_cannot_exceed_outflow",
    "ramping_up": "test_math_ramping.py::test_ramping_up_is_limited",
    "ramping_down": "test_math_ramping.py::test_ramping_down_is_limited",
    # objectives
    "min_cost_optimisation": f"{COSTS}::test_objective_cost_weights_over_cost_classes",
    "check_feasibility": f"{COSTS}::test_check_feasibility_objective_has_no_costs",
    # postprocessed
    "capacity_factor": "test_math_postprocessed.py::test_capacity_factors_generation_and_levelised_cost",
    "systemwide_capacity_factor": (
        "test_math_postprocessed.py::test_capacity_factors_generation_and_levelised_cost"
    ),
    "total_generation": "test_math_postprocessed.py::test_total_generation_is_weighted",
    "systemwide_levelised_cost": (
        "test_math_postprocessed.py::test_capacity_factors_generation_and_levelised_cost"
    ),
    "total_levelised_cost": (
        "test_math_postprocessed.py::test_capacity_factors_generation_and_levelised_cost"
    ),
    "unmet_sum": "test_math_unmet_demand.py::test_unmet_sum_reports_the_net_slack",
    "curtailment": "test_math_postprocessed.py::test_curtailment",
    "total_curtailment": "test_math_postprocessed.py::test_curtailment",
    # checks
    **{
        name: "test_math_checks.py::test_raising_checks"
        for name in (
            "must_have_base",
            "distance_only_for_transmission",
            "unbounded_flow_cap_cost",
            "unbounded_storage_cap_cost",
            "unbounded_area_use_cost",
            "unbounded_source_use_cost",
            "finite_source_use",
            "all_or_nothing_lat_lon",
            "export_only_for_outflows",
            "storage_initial_max",
        )
    },
    **{
        name: "test_unbounded.py::test_negative_cost_is_refused_before_the_solve"
        for name in (
            "unbounded_flow_cap_per_distance_cost",
            "unbounded_om_annual_cost",
            "unbounded_export_revenue",
        )
    },
    "flow_in_for_supply_tech": "test_math_checks.py::test_warning_checks",
    "flow_out_for_demand_tech": "test_math_checks.py::test_warning_checks",
    "no_storage_discharge_depth_when_clustering": "test_math_checks.py::test_clustering_checks",
    "cyclic_storage_needs_inter_cluster": "test_math_checks.py::test_clustering_checks",
}


def base_math() -> dict:
    return yaml.safe_load(BASE_MATH.read_text())


def test_every_component_has_a_test():
    math = base_math()
    components = {name for section in SECTIONS for name in math[section]}
    assert sorted(components - COVERAGE.keys()) == [], "components without a test"
    assert sorted(COVERAGE.keys() - components) == [], "tests mapped to unknown components"


@pytest.mark.parametrize("component", sorted(COVERAGE))
def test_mapped_test_exists_and_names_the_component(component):
    file_name, test_name = COVERAGE[component].split("::")
    source = (TESTS / file_name).read_text()
    functions = {
        node.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.FunctionDef)
    }
    assert test_name in functions, f"{file_name} has no {test_name}"
    assert component in source, f"{file_name} never names {component}"


def kitchen_sink() -> dict:
    """Two nodes with one of nearly everything, so that most components get built."""
    one = COST_ONE_PER_UNIT[3]
    techs = {
        "csp": supply(
            source_unit="per_area",
            source_use_max=timeseries(1, 0.5, 0),
            include_storage=True,
            area_use_max=10,
            flow_cap_per_storage_cap_max=1,
            flow_cap_per_storage_cap_min=0.01,
            cost_area_use=per_cost(one),
            cost_storage_cap=per_cost(one),
            storage_loss=0.01,
            cost_depreciation_rate=1,
        ),
        "gas": supply(
            cost_per_unit=5,
            flow_ramping=0.5,
            flow_out_min_relative=0.1,
            source_use_min=0.1,
            source_cap_equals_flow_cap=True,
            cost_flow_cap=per_cost(one),
            cost_source_cap=per_cost(one),
            cost_om_annual=per_cost(one),
            lifetime=20,
            cost_interest_rate=per_cost(0.05),
            flow_cap_max_systemwide=100,
            flow_cap_min_systemwide=0.5,
        ),
        "pv": supply(
            source_use_equals=timeseries(0.2, 0.5, 0.1),
            source_unit="per_cap",
            area_use_per_flow_cap=1,
            carrier_export="power",
            cost_export=per_cost(-0.01),
            flow_cap_max=2,
        ),
        "battery": {
            "base_tech": "storage",
            "carrier_in": "power",
            "carrier_out": "power",
            "storage_initial": 0.5,
            "storage_discharge_depth": 0.1,
            "flow_out_eff": 0.95,
            "cost_storage_cap": per_cost(one),
            "cost_depreciation_rate": 1,
        },
        "heater": {
            "base_tech": "conversion",
            "carrier_in": "power",
            "carrier_out": "heat",
            "cost_flow_in": per_cost(0.1),
        },
        "power_demand": demand("power", 1, 2, 1),
        "heat_demand": {**demand("heat", 0.5, 0.5, 0.5), "sink_use_min": 0.1},
        "flexible": {
            "base_tech": "demand",
            "carrier_in": "power",
            "sink_use_max": 1,
            "sink_use_min": 0.1,
        },
        "a_to_b": {
            "base_tech": "transmission",
            "carrier_in": "power",
            "carrier_out": "power",
            "link_from": "A",
            "link_to": "B",
            "distance": 10,
            "flow_out_eff_per_distance": 0.999,
            "cost_flow_cap_per_distance": per_cost(1),
            "cost_depreciation_rate": 1,
        },
    }
    local = ["csp", "gas", "pv", "battery", "heater", "power_demand", "heat_demand", "flexible"]
    nodes = {
        "A": {"available_area": 50, "techs": {name: None for name in local}},
        "B": {"techs": {"gas": None, "power_demand": None}},
    }
    return model_definition(
        techs, nodes, config={"build": {"ensure_feasibility": True}}, data_definitions={"bigM": 100}
    )


def test_built_components_have_their_foreach_dims(tmp_path):
    math = base_math()
    model = solve_model(tmp_path, kitchen_sink())
    assert model.program is not None and model.results is not None
    built = model.program.components
    foreach = {
        name: set(component.get("foreach", []))
        for section in ("variables", "global_expressions", "constraints")
        for name, component in math[section].items()
    }
    # all but the clustering-only / feasibility-switch ones get built in this model
    assert set(foreach) - set(built) <= {"force_zero_area_use"}
    for name, register in built.items():
        if name in foreach:
            assert set(register["dims"]) == foreach[name], name
    for name in foreach.keys() & set(model.results.data_vars):
        assert set(model.results[name].dims) == foreach[name], name
