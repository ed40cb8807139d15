"""Switches: a tech (directly, through a template, or at one node) turns math components off or on.

The engine ANDs every component whose foreach includes techs with the `switches` input
(esmflow/math/engine/masks.py); preprocessing reads the switches, checks their names and that
those set to true apply (esmflow/preprocess/switches.py). Macro's constraint names stand for
the components listed in `vocabulary.MACRO_CONSTRAINTS`.

The model: gas (1 per kWh) of 10 kW at nodes A and B, each with a demand of 4, 4 kWh and a
minimum output of 60 % (6 kWh, surplus to a dump at 5 per kWh): 2 × (6 + 2 × 5) = 32 per node.
Without the minimum: 4 + 4 per node.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from math_models import (
    demand,
    model_definition,
    objective,
    per_cost,
    solve_model,
    supply,
    write_model,
)

from esmflow import Model
from esmflow.errors import ModelError
from esmflow.io.read_model import read_model
from esmflow.math.catalog import catalog
from esmflow.preprocess.inputs import prepare_inputs
from esmflow.vocabulary import MACRO_CONSTRAINTS

WITH_MINIMUM = 32  # per node
WITHOUT_MINIMUM = 8


def two_nodes(gas_at_b: dict | None = None, **gas_params) -> dict:
    gas = supply(cost_per_unit=1, flow_cap_min=10, flow_cap_max=10, flow_out_min_relative=0.6)
    gas.update(gas_params)
    techs = {
        "gas": gas,
        "dump": {"base_tech": "demand", "carrier_in": "power", "cost_flow_in": per_cost(5)},
        "load": demand("power", 4, 4),
    }
    at_node = {"gas": None, "dump": None, "load": None}
    nodes = {"A": {"techs": dict(at_node)}, "B": {"techs": {**at_node, "gas": gas_at_b}}}
    return model_definition(techs, nodes)


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        (two_nodes(), 2 * WITH_MINIMUM),
        (two_nodes(switches={"flow_out_min": False}), 2 * WITHOUT_MINIMUM),
        # at one node only
        (two_nodes({"switches": {"flow_out_min": False}}), WITH_MINIMUM + WITHOUT_MINIMUM),
        # a node turns back on what the tech turns off
        (
            two_nodes({"switches": {"flow_out_min": True}}, switches={"flow_out_min": False}),
            WITH_MINIMUM + WITHOUT_MINIMUM,
        ),
        # Macro's name: MinFlowConstraint is flow_out_min (and flow_out_min_milp)
        (two_nodes(switches={"MinFlowConstraint": False}), 2 * WITHOUT_MINIMUM),
        # forcing on what applies anyway changes nothing
        (two_nodes(switches={"flow_out_min": True}), 2 * WITH_MINIMUM),
        # a node turns off what the tech forces on: not an error there
        (
            two_nodes({"switches": {"flow_out_min": False}}, switches={"flow_out_min": True}),
            WITH_MINIMUM + WITHOUT_MINIMUM,
        ),
    ],
    ids=["none", "tech", "one_node", "node_wins", "macro_name", "forced_on", "node_off"],
)
def test_switches_per_tech_and_node(tmp_path, definition, expected):
    assert objective(solve_model(tmp_path, definition)) == pytest.approx(expected)


def test_switches_through_a_template(tmp_path):
    definition = two_nodes(template="no_minimum")
    definition["templates"] = {"no_minimum": {"switches": {"flow_out_min": False}}}
    assert objective(solve_model(tmp_path, definition)) == pytest.approx(2 * WITHOUT_MINIMUM)


def test_a_bound_is_switched_by_its_parameter(tmp_path):
    # gas capped at 3 kW (flow_cap_max) with the peaker (10 per kWh) for the rest: 3 + 10 per
    # step and node; with the bound switched off at B, gas there covers 4: 8.
    definition = two_nodes(
        {"switches": {"flow_cap_max": False}},
        flow_cap_min=0,
        flow_cap_max=3,
        flow_out_min_relative=0,
    )
    definition["techs"]["peaker"] = supply(cost_per_unit=10)
    for node in ("A", "B"):
        definition["nodes"][node]["techs"]["peaker"] = None
    model = solve_model(tmp_path, definition)
    assert objective(model) == pytest.approx(2 * (3 + 10) + 8)


def test_the_switch_array_holds_each_component_once(tmp_path):
    definition = two_nodes(
        {"switches": {"flow_out_min": True}}, switches={"MinFlowConstraint": False}
    )
    inputs = Model.from_yaml(write_model(tmp_path, definition)).inputs
    switches = inputs["switches"].sel(techs="gas")
    assert list(switches["components"].values) == ["flow_out_min", "flow_out_min_milp"]
    assert switches.sel(components="flow_out_min").values.tolist() == [0.0, 1.0]  # A, B
    assert np.isnan(inputs["switches"].sel(techs="load")).all()


@pytest.mark.parametrize("macro_name", sorted(MACRO_CONSTRAINTS))
def test_a_macro_name_switches_exactly_its_components(tmp_path, macro_name):
    shipped = {entry.name for entry in catalog()}
    if not set(MACRO_CONSTRAINTS[macro_name]) <= shipped:
        pytest.skip("its components come with time clustering's storage_inter_cluster math")
    by_macro = two_nodes(switches={macro_name: False})
    by_ours = two_nodes(switches={name: False for name in MACRO_CONSTRAINTS[macro_name]})
    macro = prepare_inputs(read_model(write_model(tmp_path / "macro", by_macro)))
    ours = prepare_inputs(read_model(write_model(tmp_path / "ours", by_ours)))
    xr.testing.assert_identical(macro["switches"], ours["switches"])


def test_a_macro_name_gives_the_program_of_its_components(tmp_path):
    macro = Model.from_yaml(
        write_model(tmp_path / "macro", two_nodes(switches={"CapacityConstraint": False}))
    )
    names = dict.fromkeys(MACRO_CONSTRAINTS["CapacityConstraint"], False)
    ours = Model.from_yaml(write_model(tmp_path / "ours", two_nodes(switches=names)))
    first, second = macro.build().model.matrices, ours.build().model.matrices
    assert (first.A != second.A).nnz == 0
    for field in ("b", "c", "lb", "ub", "sense"):
        np.testing.assert_array_equal(getattr(first, field), getattr(second, field))


# --- mistakes --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("switches", "words"),
    [
        (
            {"flow_out_minn": False},
            r"'flow_out_minn' is not a math component.*Did you mean 'flow_out_min'",
        ),
        ({"MinFlowConstraints": False}, r"Did you mean 'MinFlowConstraint'"),
        ({"flow_out_min": "off"}, r"A switch is true or false"),
        ({"ramping_up": True}, r"ramping_up needs \(`flow_ramping` or `flow_ramping_up`\)"),
        ({"MustRunConstraint": True}, r"flow_out_must_run needs `must_run`"),
        ({"MinUpTimeConstraint": True}, r"minimum_up_time needs"),
        ({"MinFlowConstraint": False, "flow_out_min": True}, r"disagree about 'flow_out_min'"),
    ],
)
def test_switch_mistakes_are_errors(tmp_path, switches, words):
    with pytest.raises(ModelError, match=rf"(?s)techs\.gas\.switches.*{words}"):
        Model.from_yaml(write_model(tmp_path, two_nodes(switches=switches)))


def test_switches_belong_to_techs(tmp_path):
    definition = two_nodes()
    definition["nodes"]["A"]["switches"] = {"flow_out_min": False}
    with pytest.raises(ModelError, match=r"(?s)nodes\.A\.switches.*belong to a tech"):
        Model.from_yaml(write_model(tmp_path, definition))


def test_switching_off_math_that_is_not_loaded_changes_nothing(tmp_path):
    # must-run's math is not loaded here (no tech sets must_run): nothing to switch off
    model = solve_model(tmp_path, two_nodes(switches={"flow_out_must_run": False}))
    assert objective(model) == pytest.approx(2 * WITH_MINIMUM)
