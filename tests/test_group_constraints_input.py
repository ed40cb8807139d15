"""Reading `group_constraints`: esmflow's names and Calliope 0.6's, membership, `exists`, the
deprecated `group_share`, and every mistake as a ModelError naming the key path and the closest
valid name (esmflow/preprocess/group_constraints.py).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from math_models import demand, model_definition, objective, solve_model, supply, write_model

from esmflow import Model
from esmflow.errors import ModelError, ModelWarning
from esmflow.vocabulary import CALLIOPE06_GROUP_CONSTRAINTS


def supplies(**top_level: Any) -> dict[str, Any]:
    """`cheap` (1 per unit) and `clean` (3), demand 4 then 6 (all cheap: 10)."""
    techs = {
        "cheap": supply(cost_per_unit=1),
        "clean": supply(cost_per_unit=3),
        "load": demand("power", 4, 6),
    }
    return model_definition(techs, **top_level)


def prepare(tmp_path: Path, definition: dict[str, Any]) -> Model:
    return Model.from_yaml(write_model(tmp_path, definition))


def test_inputs_of_a_group(tmp_path):
    groups = {
        "g": {"techs": ["clean"], "flow_out_share_min": {"power": 0.5}, "flow_cap_max": 9},
        "everywhere": {"cost_max": {"monetary": 100}},
    }
    inputs = prepare(tmp_path, supplies(group_constraints=groups)).inputs
    assert sorted(inputs["group_constraints"].values) == ["everywhere", "g"]
    assert inputs["group_flow_out_share_min"].sel(group_constraints="g", carriers="power") == 0.5
    assert inputs["group_flow_cap_max"].sel(group_constraints="g") == 9
    assert inputs["group_cost_max"].sel(group_constraints="everywhere", costs="monetary") == 100
    techs = inputs["group_techs"]
    assert list(techs.sel(group_constraints="g").values) == [
        tech == "clean" for tech in techs.techs.values
    ]
    assert bool(techs.sel(group_constraints="everywhere").all())  # every tech where none listed


def test_calliope_06_names_are_read_as_ours_and_reported_once(tmp_path):
    # carrier_prod_share_min (0.6) = flow_out_share_min; `locs` = `nodes`. clean ≥ 5 → 20.
    groups = {
        "old": {"techs": ["clean"], "locs": ["A"], "carrier_prod_share_min": {"power": 0.5}},
        "old_too": {"techs": ["clean"], "locs": ["A"], "carrier_prod_share_min": {"power": 0.1}},
    }
    with pytest.warns(ModelWarning) as caught:
        model = solve_model(tmp_path, supplies(group_constraints=groups))
    assert objective(model) == pytest.approx(20)
    messages = [str(w.message) for w in caught if issubclass(w.category, ModelWarning)]
    read_as = [m for m in messages if "0.6 name 'carrier_prod_share_min' read as" in m]
    assert len(read_as) == 1 and "'flow_out_share_min'" in read_as[0]
    assert sum("0.6 name 'locs' read as 'nodes'" in m for m in messages) == 1


def test_calliope_06_carrier_con_is_a_negative_flow_in(tmp_path):
    # 0.6: carrier_con_max: -1 lets the heater consume at most 1: 1 + 3 × 3 = 10 (as flow_in_max 1)
    techs = {
        "boiler": supply("heat", cost_per_unit=3),
        "grid": supply("power", cost_per_unit=1),
        "heater": {"base_tech": "conversion", "carrier_in": "power", "carrier_out": "heat"},
        "load": demand("heat", 2, 2),
    }
    groups = {"g": {"techs": ["heater"], "carrier_con_max": {"power": -1}}}
    with pytest.warns(ModelWarning, match="carrier_con_max' read as 'flow_in_max'"):
        model = solve_model(tmp_path, model_definition(techs, group_constraints=groups))
    assert objective(model) == pytest.approx(10)


def test_every_06_name_maps_to_one_of_ours():
    from esmflow.preprocess.group_constraints import CONSTRAINTS

    assert set(CALLIOPE06_GROUP_CONSTRAINTS.values()) <= set(CONSTRAINTS)
    assert len(CONSTRAINTS) == 43  # the guide's 37, plus flow_in_* and storage_cap_*


def test_a_group_that_does_not_exist_is_left_out(tmp_path):
    groups = {"off": {"exists": False, "techs": ["clean"], "flow_out_min": {"power": 7}}}
    model = solve_model(tmp_path, supplies(group_constraints=groups))
    assert objective(model) == pytest.approx(10)


def test_group_share_becomes_groups_with_a_warning(tmp_path):
    # 0.6's deprecated `model.group_share`, as a top-level key: clean makes ≥ 50 % → 20.
    share = {"clean": {"carrier_prod_min": {"power": 0.5}}}
    with pytest.warns(ModelWarning, match=r"`group_share` is deprecated.*group_share_clean"):
        model = solve_model(tmp_path, supplies(group_share=share))
    assert objective(model) == pytest.approx(20)
    assert "group_flow_out_share_min" in model.program.components


def test_a_constraint_no_tech_counts_for_is_left_out_with_a_warning(tmp_path):
    # a demand tech does not count for `flow_out_max`: the group has no member
    groups = {"g": {"techs": ["load"], "flow_out_max": {"power": 1}}}
    with pytest.warns(ModelWarning, match=r"Group 'g': no tech counts for 'flow_out_max'"):
        model = solve_model(tmp_path, supplies(group_constraints=groups))
    assert objective(model) == pytest.approx(10)


def test_a_listed_tech_that_does_not_count_is_named(tmp_path):
    groups = {"g": {"techs": ["load", "clean"], "flow_out_min": {"power": 1}}}
    with pytest.warns(ModelWarning, match=r"'flow_out_min' leaves out load"):
        prepare(tmp_path, supplies(group_constraints=groups))


@pytest.mark.parametrize(
    ("groups", "words"),
    [
        (
            {"g": {"flow_out_shre_min": {"power": 0.5}}},
            r"group_constraints\.g\.flow_out_shre_min.*Unknown group constraint.*flow_out_share_min",
        ),
        (
            {"g": {"techs": ["claen"], "flow_cap_max": 1}},
            r"group_constraints\.g\.techs.*Unknown tech 'claen'.*Did you mean 'clean'",
        ),
        ({"g": {"nodes": ["B"], "flow_cap_max": 1}}, r"Unknown node 'B'"),
        (
            {"g": {"flow_out_min": {"powr": 1}}},
            r"group_constraints\.g\.flow_out_min\.powr.*Unknown carrier 'powr'.*'power'",
        ),
        ({"g": {"cost_max": {"monetery": 1}}}, r"Unknown cost class 'monetery'.*'monetary'"),
        ({"g": {"flow_out_min": 5}}, r"'flow_out_min' is given per carrier"),
        ({"g": {"flow_cap_max": "lots"}}, r"'flow_cap_max' needs a number"),
        ({"g": {"demand_share_min": {"power": -0.1}}}, r"cannot be negative"),
        ({"g": {"carrier_con_max": {"power": 5}}}, r"0\.6's 'carrier_con_max' is a negative"),
        ({"g": {"techs": ["clean"]}}, r"A group needs at least one constraint"),
        ({"g": {"flow_cap_max": 1, "energy_cap_max": 2}}, r"are the same constraint"),
        ({"g": [1, 2]}, r"A group is a mapping"),
    ],
)
def test_mistakes_name_the_key_path_and_the_closest_name(tmp_path, groups, words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        with pytest.raises(ModelError, match=rf"(?s){words}"):
            prepare(tmp_path, supplies(group_constraints=groups))
