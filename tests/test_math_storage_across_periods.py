"""Storage across the representative periods of a clustered year (storage_inter_cluster.yaml).

The seasonal model (tests/clustering_models.py): 4 hours of summer with 1 unit of free solar to
spare per hour, then 4 hours of winter short of 1 unit per hour. Gas costs 10, storage capacity 1
per unit. Clustered into two 2-hour representative periods (summer ×2, winter ×2).

By hand, with the store carrying energy over the year (cyclic): it charges 1 per summer hour and
discharges 1 per winter hour; its level runs 0 → 4 → 0, so storage_cap = 4 and the cost is 4
(gas is never used). Kept within each period (a representative period must end where it began)
the store cannot move summer energy to winter: winter's 4 units come from gas, cost 40.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import yaml
from clustering_models import TWO_PERIODS, seasonal_model, solve_clustered
from math_models import objective, solve_model, value, values

from esmflow.errors import ModelWarning
from esmflow.math.schema import BUILTIN_MATH_DIR

EXTENSION = yaml.safe_load((BUILTIN_MATH_DIR / "storage_inter_cluster.yaml").read_text())
WINTER_FIRST = [0, 0, 0, 0, 2, 2, 2, 2]
# the formulations, by the switches a tech sets
INTER_CLUSTER: dict = {}
LONG_DURATION = {"long_duration_storage": True}
WITHIN_PERIOD = {"inter_cluster_storage": False}


@pytest.mark.parametrize(
    ("switches", "cost", "storage_cap"),
    [
        (INTER_CLUSTER, 4, 4),
        (LONG_DURATION, 4, 4),
        ({"storage_long_duration": True}, 4, 4),  # Macro's name for long_duration_storage
        (WITHIN_PERIOD, 40, 0),
    ],
)
def test_only_storage_across_periods_carries_summer_to_winter(
    tmp_path, switches, cost, storage_cap
):
    model = solve_clustered(tmp_path, seasonal_model(switches))
    assert objective(model) == pytest.approx(cost)
    assert value(model, "storage_cap", techs="store") == pytest.approx(storage_cap)
    assert model.inputs["timestep_weights"].values.tolist() == [2, 2, 2, 2]
    results = model.results
    assert results is not None
    if switches is INTER_CLUSTER:
        # inter-cluster levels at the start of each original period: 0, 2, 4, 2; the relative
        # level in the summer day rises 1, 2, in the winter day falls -1, -2
        assert values(model, "storage_inter_cluster", techs="store") == pytest.approx([0, 2, 4, 2])
        assert values(model, "storage", techs="store") == pytest.approx([1, 2, -1, -2])
        # the highest / lowest relative levels are bounds (any value past the levels will do)
        highest = np.array(values(model, "storage_intra_cluster_max", techs="store"))
        lowest = np.array(values(model, "storage_intra_cluster_min", techs="store"))
        assert (highest >= np.array([2, -1]) - 1e-9).all()
        assert (lowest <= np.array([1, -2]) + 1e-9).all()
    elif switches:
        assert (
            "storage_inter_cluster" not in results
            or results["storage_inter_cluster"].isnull().all()
        )
    if switches in (LONG_DURATION,):
        # absolute levels; the winter day starts from a virtual 4 (its end 2 minus change -2)
        assert values(model, "storage_period_initial", techs="store") == pytest.approx([0, 2, 4, 2])
        assert values(model, "storage_period_change", techs="store") == pytest.approx([2, -2])
        assert values(model, "storage", techs="store") == pytest.approx([1, 2, 3, 2])
        maximum = values(model, "storage_period_max", techs="store")
        assert maximum[0] >= 2 - 1e-9 and maximum[1] >= 3 - 1e-9


def test_unclustered_model_needs_the_same_store(tmp_path):
    model = solve_model(tmp_path, seasonal_model())
    assert objective(model) == pytest.approx(4)
    assert values(model, "storage", techs="store") == pytest.approx([1, 2, 3, 4, 3, 2, 1, 0])


# Four different periods; a lossy store (5 % per hour) and a lossless one.
VARIED_SOLAR = [3, 0.5, 2.5, 1, 0, 0.2, 0.4, 0]
VARIED_DEMAND = [1, 1.5, 0.5, 1, 2, 1, 1.2, 0.8]


@pytest.mark.slow  # eight models
@pytest.mark.parametrize(
    ("switches", "loss"),
    [(INTER_CLUSTER, 0.0), (LONG_DURATION, 0.0), (LONG_DURATION, 0.05), (WITHIN_PERIOD, 0.05)],
)
def test_as_many_representative_periods_as_periods_reproduce_the_full_model(
    tmp_path, switches, loss
):
    # each period is its own representative: with storage across periods the clustered program
    # is the full one rewritten, so the optima agree. (Inter-cluster storage with losses is not
    # exact: Calliope's bounds leave the start level undecayed for the upper bound and fully
    # decayed for the lower one, erring on the safe side.) Storage within each period cannot
    # move energy between periods, which the full model does: it costs more.
    definition = seasonal_model(
        {**switches, "storage_loss": loss}, solar=VARIED_SOLAR, demand=VARIED_DEMAND
    )
    full = solve_model(tmp_path / "full", definition)
    clustered = solve_clustered(tmp_path / "clustered", definition, {**TWO_PERIODS, "n_periods": 4})
    assert clustered.inputs.sizes["timesteps"] == 8
    if switches is WITHIN_PERIOD:
        assert objective(clustered) > objective(full)  # no energy between periods
    else:
        assert objective(clustered) == pytest.approx(objective(full), rel=1e-9)


@pytest.mark.parametrize("switches", [INTER_CLUSTER, LONG_DURATION])
@pytest.mark.parametrize(
    ("store_params", "cost"),
    [
        # cyclic, winter first: the store fills in summer for the next winter, as before: 4
        ({}, 4),
        # not cyclic, starting empty: the first winter has nothing stored: 4 units of gas, 40
        ({"cyclic_storage": False}, 40),
        # not cyclic, starting half full: winter's 4 units come from the initial 0.5 C, so
        # C = 8 (cost 8 < 4 units of gas at 10); summer refills nothing that is needed
        ({"cyclic_storage": False, "storage_initial": 0.5}, 8),
        # cyclic and half full at the year's start (and end): the level falls by 4 in winter
        # from 0.5 C, so C = 8; summer brings it back to 0.5 C
        ({"storage_initial": 0.5}, 8),
    ],
)
def test_where_the_year_starts(tmp_path, switches, store_params, cost):
    definition = seasonal_model({**switches, **store_params}, solar=WINTER_FIRST)
    model = solve_clustered(tmp_path, definition)
    assert objective(model) == pytest.approx(cost)


@pytest.mark.parametrize("switches", [INTER_CLUSTER, LONG_DURATION])
def test_discharge_depth_holds_across_periods(tmp_path, switches):
    # the level spans 4 over the year and may not fall below a quarter of C:
    # a ≥ C/4 and a + 4 ≤ C → C = 16/3 (cheaper than any gas at 10 per unit)
    model = solve_clustered(tmp_path, seasonal_model({**switches, "storage_discharge_depth": 0.25}))
    assert objective(model) == pytest.approx(16 / 3)
    assert value(model, "storage_cap", techs="store") == pytest.approx(16 / 3)


def test_a_lossy_store_decays_over_whole_periods(tmp_path):
    # Long-duration storage losing 10 % per hour: the chain over periods decays the difference
    # of start levels over each 2-hour period (0.81). The periods' data repeat, but a lossy store
    # would rather charge in the second summer period than in the first (less time to lose it),
    # which clustering cannot express: both summer periods replay one dispatch. That dispatch is
    # a feasible one of the full model (tests/test_full_year.py rebuilds it), so the clustered
    # optimum lies between the full one and gas alone (40).
    definition = seasonal_model({**LONG_DURATION, "storage_loss": 0.1})
    clustered = solve_clustered(tmp_path, definition)
    full = solve_model(tmp_path / "full", definition)
    assert objective(full) - 1e-9 <= objective(clustered) < 40
    assert objective(full) > 4  # losses cost something


def test_switches_without_clustering_warn_and_change_nothing(tmp_path):
    with pytest.warns(ModelWarning, match="only matter when time is clustered"):
        model = solve_model(tmp_path, seasonal_model(LONG_DURATION))
    assert objective(model) == pytest.approx(4)
    assert "storage_period_initial" not in model.program.components


def test_calliope_models_naming_the_math_work_unclustered_too(tmp_path):
    definition = seasonal_model(config={"init": {"extra_math": ["storage_inter_cluster"]}})
    model = solve_model(tmp_path, definition)
    assert objective(model) == pytest.approx(4)
    assert "storage_inter_cluster" in model.math.variables


# Which test pins each component of storage_inter_cluster.yaml (its own registry; base.yaml's
# is tests/test_math_registry.py). Base components it changes are listed too.
THIS = "test_math_storage_across_periods.py"
SEASONAL = f"{THIS}::test_only_storage_across_periods_carries_summer_to_winter"
COVERAGE = {
    **{name: SEASONAL for name in EXTENSION["variables"]},
    **{
        name: SEASONAL
        for name in (
            "storage_max",
            "storage_min",
            "balance_storage",
            "storage_intra_max",
            "storage_intra_min",
            "storage_inter_max",
            "storage_inter_min",
            "balance_storage_inter",
            "storage_period_initial_max",
            "balance_storage_period",
            "storage_period_representative",
            "storage_period_level_max",
            "storage_period_level_min",
            "storage_period_implicit_max",
            "storage_period_implicit_min",
        )
    },
    "storage_discharge_depth_limit": f"{THIS}::test_discharge_depth_holds_across_periods",
    "set_storage_initial": f"{THIS}::test_where_the_year_starts",
    "set_storage_initial_across_periods": f"{THIS}::test_where_the_year_starts",
    "balance_supply_with_storage": "test_clustering_vs_calliope.py::test_calliope_time_clustering",
    "cyclic_storage_needs_inter_cluster": "test_math_checks.py::test_clustering_checks",
    "no_storage_discharge_depth_when_clustering": "test_math_checks.py::test_clustering_checks",
    "storage_across_periods_needs_clustering": (
        f"{THIS}::test_switches_without_clustering_warn_and_change_nothing"
    ),
}


def test_every_component_of_the_extension_has_a_test():
    sections = ("variables", "global_expressions", "constraints", "objectives", "checks")
    components = {name for section in sections for name in EXTENSION.get(section) or {}}
    assert sorted(components - COVERAGE.keys()) == []
    assert sorted(COVERAGE.keys() - components) == []


@pytest.mark.parametrize("component", sorted(COVERAGE))
def test_mapped_test_exists_and_names_the_component(component):
    file_name, test_name = COVERAGE[component].split("::")
    source = (Path(__file__).parent / file_name).read_text()
    functions = {
        node.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.FunctionDef)
    }
    assert test_name in functions, f"{file_name} has no {test_name}"
    assert component in source or file_name == THIS, f"{file_name} never names {component}"


def test_built_components_have_their_foreach_dims(tmp_path):
    # the seasonal model builds every component mapped to it, with its foreach dims
    built_anywhere: set[str] = set()
    for switches in (INTER_CLUSTER, LONG_DURATION):
        model = solve_clustered(tmp_path / str(len(switches)), seasonal_model(switches))
        assert model.program is not None
        built = model.program.components
        built_anywhere |= set(built)
        for section in ("variables", "constraints"):
            for name, component in EXTENSION[section].items():
                if name in built and "foreach" in component:
                    assert set(built[name]["dims"]) == set(component["foreach"]), name
    seasonal = {name for name, test in COVERAGE.items() if test == SEASONAL}
    assert sorted(seasonal - built_anywhere) == []
