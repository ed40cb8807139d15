"""The model's `units:` block: checked when read, then named on results, tables and plots."""

from __future__ import annotations

import json

import pytest
from math_models import demand, model_definition, per_cost, supply, write_model

from esmflow import Model, ModelError
from esmflow.math.schema import MathDefinition
from esmflow.postprocess.units import ModelUnits, annotate, horizon


def tiny(**top_level) -> dict:
    techs = {"gas": supply(cost_per_unit=2), "load": demand("power", 1, 2)}
    return model_definition(techs, **top_level)


def test_units_are_stored_with_the_inputs(tmp_path):
    units = {"power": "MW", "energy": "MWh", "cost": "kUSD"}
    model = Model.from_yaml(write_model(tmp_path, tiny(units=units)))
    stored = json.loads(model.inputs.attrs["units"])
    assert stored == {
        "power": "MW",
        "energy": "MWh",
        "cost": {"monetary": "kUSD"},
        "distance": "km",
    }


def test_a_model_without_units_keeps_the_generic_words(tmp_path):
    model = Model.from_yaml(write_model(tmp_path, tiny()))
    units = ModelUnits.of(model.inputs)
    assert units.concrete("cost/energy") == "cost/energy"
    assert units.distance == "km"


@pytest.mark.parametrize(
    ("units", "words"),
    [
        ({"powr": "MW"}, r"units\.powr.*Did you mean 'power'"),
        ({"cost": {"monetray": "EUR"}}, r"units\.cost\.monetray.*Did you mean 'monetary'"),
        ({"distance": "mi"}, r"units\.distance.*config\.init\.distance_unit"),
        ({"energy": 3}, r"units\.energy.*a string"),
        (["MW"], r"`units` must map"),
    ],
)
def test_a_bad_units_block_is_an_error(tmp_path, units, words):
    with pytest.raises(ModelError, match=rf"(?s){words}"):
        Model.from_yaml(write_model(tmp_path, tiny(units=units)))


def test_math_units_become_the_models():
    units = ModelUnits(power="MW", energy="MWh", cost={"monetary": "kUSD", "co2": "t"})
    assert units.concrete("cost/energy", "monetary") == "kUSD/MWh"
    assert units.concrete("cost/(power × year)", "co2") == "t/(MW × year)"
    assert units.concrete("energy (or energy/area, energy/power; see `source_unit`)") == "MWh"
    assert units.cost_unit() == "cost"  # two classes in different units share none


def test_every_result_carries_description_and_unit(tmp_path):
    definition = tiny(units={"power": "kW", "energy": "kWh", "cost": "EUR"})
    definition["techs"]["gas"]["cost_flow_cap"] = per_cost(1)
    model = Model.from_yaml(write_model(tmp_path, definition))
    results = model.solve()
    assert results["flow_cap"].attrs["unit"] == "kW"
    assert results["flow_out"].attrs["unit"] == "kWh"
    assert results["cost"].attrs["unit"] == "EUR"
    assert "capacity" in results["flow_cap"].attrs["description"]
    is_result = [name for name, array in results.data_vars.items() if array.attrs.get("is_result")]
    assert is_result
    for name in is_result:
        assert results[name].attrs.get("description"), name
        assert results[name].attrs.get("unit"), name
    assert results.attrs["horizon"] == "2005-01-01 00:00 to 2005-01-01 02:00 (2 h)"
    assert horizon(results).per_year == pytest.approx(4380.0)
    # annotating again changes nothing (idempotent)
    again = annotate(results, MathDefinition.from_inputs(model.inputs))
    assert again["flow_cap"].attrs == results["flow_cap"].attrs
