"""Input checks of base.yaml (`checks`): bad data stops with a ModelError naming the parameter,
suspicious data warns with a ModelWarning.
"""

from __future__ import annotations

import pytest
from clustering_models import seasonal_model, solve_clustered
from math_models import demand, model_definition, per_cost, supply, write_model

from esmflow import Model
from esmflow.errors import ModelError, ModelWarning
from esmflow.math.engine.build import build_program
from esmflow.math.schema import BUILTIN_MATH_DIR, MathDefinition, read_math_yaml
from esmflow.options import BuildOptions


def load_and_build(folder, definition) -> Model:
    """Checks may run while preparing inputs or at build time; either is fine here."""
    model = Model.from_yaml(write_model(folder, definition))
    model.build()
    return model


def with_gas(**gas_params) -> dict:
    return model_definition({"gas": supply(**gas_params), "load": demand("power", 1, 1)})


RAISING = {
    "must_have_base": (
        model_definition({"gas": {"carrier_out": "power"}, "load": demand("power", 1, 1)}),
        "base_tech",
    ),
    "distance_only_for_transmission": (with_gas(distance=5), "distance"),
    "unbounded_flow_cap_cost": (with_gas(cost_flow_cap=per_cost(-1)), "cost_flow_cap"),
    "unbounded_source_use_cost": (with_gas(cost_source_cap=per_cost(-1)), "cost_source_cap"),
    "unbounded_area_use_cost": (
        with_gas(cost_area_use=per_cost(-1), area_use_per_flow_cap=1),
        "cost_area_use",
    ),
    "unbounded_storage_cap_cost": (
        model_definition(
            {
                "gas": supply(),
                "battery": {
                    "base_tech": "storage",
                    "carrier_in": "power",
                    "carrier_out": "power",
                    "cost_storage_cap": per_cost(-1),
                },
                "load": demand("power", 1, 1),
            }
        ),
        "cost_storage_cap",
    ),
    "finite_source_use": (with_gas(source_use_equals=float("inf")), "source_use_equals"),
    "storage_initial_max": (
        model_definition(
            {
                "gas": supply(),
                "battery": {
                    "base_tech": "storage",
                    "carrier_in": "power",
                    "carrier_out": "power",
                    "storage_initial": 1.5,
                },
                "load": demand("power", 1, 1),
            }
        ),
        "storage_initial",
    ),
    "export_only_for_outflows": (
        model_definition(
            {
                "gas": supply(carrier_export="heat"),
                "boiler": {"base_tech": "conversion", "carrier_in": "power", "carrier_out": "heat"},
                "load": demand("power", 1, 1),
            }
        ),
        "export",
    ),
    "all_or_nothing_lat_lon": (
        model_definition(
            {"gas": supply(), "load": demand("power", 1, 1)},
            {
                "A": {"latitude": 40, "longitude": -2, "techs": {"gas": None, "load": None}},
                "B": {"techs": {"gas": None, "load": None}},
            },
        ),
        "latitude",
    ),
}


@pytest.mark.parametrize("check", sorted(RAISING))
def test_raising_checks(tmp_path, check):
    definition, names = RAISING[check]
    with pytest.raises(ModelError, match=names):
        load_and_build(tmp_path, definition)


WARNING = {
    "flow_in_for_supply_tech": (with_gas(cost_flow_in=per_cost(1)), "cost_flow_in"),
    "flow_out_for_demand_tech": (
        model_definition(
            {"gas": supply(), "load": {**demand("power", 1, 1), "cost_flow_out": per_cost(1)}}
        ),
        "cost_flow_out",
    ),
}


@pytest.mark.parametrize("check", sorted(WARNING))
def test_warning_checks(tmp_path, check):
    definition, names = WARNING[check]
    with pytest.warns(ModelWarning, match=names):
        load_and_build(tmp_path, definition)


CLUSTERING = {
    "no_storage_discharge_depth_when_clustering": (
        {"storage_discharge_depth": 0.1, "cyclic_storage": False},
        pytest.warns(ModelWarning, match="storage_discharge_depth"),
    ),
    "cyclic_storage_needs_inter_cluster": (
        {},
        pytest.raises(ModelError, match="cyclic_storage_needs_inter_cluster"),
    ),
}


@pytest.mark.parametrize("check", sorted(CLUSTERING))
def test_clustering_checks(tmp_path, check):
    """`no_storage_discharge_depth_when_clustering` (warn), `cyclic_storage_needs_inter_cluster`
    (raise): base math alone on clustered inputs, as Calliope without its storage_inter_cluster
    math. (esmflow always merges storage_inter_cluster.yaml once time is clustered; it honours
    discharge depth and cyclic storage, so it switches both checks off.)"""
    store_params, expectation = CLUSTERING[check]
    clustered = solve_clustered(tmp_path, seasonal_model(store_params))
    base_only = MathDefinition(read_math_yaml((BUILTIN_MATH_DIR / "base.yaml").read_text()))
    assert check not in clustered.math.checks  # switched off by the extension
    with expectation:
        build_program(clustered.inputs, base_only, BuildOptions.from_model_config({}))
