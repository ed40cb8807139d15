"""Every name a model sets is read by active math, or an error that says why, or a warning.

The tiny loader model (tests/data/loader/tiny) is changed one key at a time through `set`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from esmflow.errors import ModelError, ModelWarning
from esmflow.io.read_model import read_model
from esmflow.math.schema import MathDefinition
from esmflow.preprocess.inputs import prepare_inputs

TINY = Path(__file__).parent / "data" / "loader" / "tiny" / "model.yaml"


def _prepare(values: dict[str, object]):
    return prepare_inputs(read_model(TINY, set_values=values))


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        # Calliope 0.6 names → esmflow's
        ("techs.gas_plant.energy_cap_max", 5, r"Calliope 0\.6's name.*'flow_cap_max'"),
        ("techs.gas_plant.energy_eff", 0.4, r"Calliope 0\.6's name.*'flow_out_eff'"),
        ("techs.demand_power.resource", -5, r"Calliope 0\.6's name.*'source_use_max'"),
        ("techs.gas_plant.resource_area_max", 5, r"0\.6's name.*'area_use_max'"),
        ("techs.gas_plant.units_max", 2, r"0\.6's name.*'purchased_units_max'"),
        ("techs.gas_plant.energy_cap_min_use", 0.2, r"0\.6's name.*'flow_out_min_relative'"),
        # Macro's names → esmflow's
        ("techs.gas_plant.min_flow_fraction", 0.4, r"Macro's name.*'flow_out_min_relative'"),
        ("techs.gas_plant.ramp_up_fraction", 0.4, r"Macro's name.*'flow_ramping_up'"),
        # features the specification names that are not built yet
        ("techs.gas_plant.must_run", True, r"Macro.*not support yet"),
        ("techs.gas_plant.min_up_time", 4, r"Macro.*not support yet"),
        ("techs.gas_plant.carrier_out_2", "heat", r"carrier tiers.*not support yet"),
        ("techs.gas_plant.capacity_factor_max", 0.5, r"dropped.*not support yet"),
        ("nodes.A.reserve_margin", 0.1, r"dropped.*not support yet"),
        ("techs.gas_plant.spores_score", 1, r"SPORES.*not support yet"),
        # a decision variable given as data
        (
            "techs.gas_plant.flow_cap",
            5,
            r"'flow_cap' is a decision variable.*only in operate mode.*mode: operate.*flow_cap_max",
        ),
        # near misses of known names
        ("techs.gas_plant.flow_cap_maxx", 5, r"Did you mean 'flow_cap_max'"),
    ],
)
def test_a_parameter_no_math_reads_is_an_error_that_says_why(
    key: str, value: object, words: str
) -> None:
    with pytest.raises(ModelError, match=rf"(?s){re.escape(key)}.*{words}"):
        _prepare({key: value})


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"techs.gas_plant.cap_method": "integer"}, "purchased_units"),
        ({"techs.gas_plant.force_async_flow": True}, "async_flow_switch"),
        ({"config.init.extra_math": ["milp"]}, "purchased_units"),  # as Calliope files name it
    ],
)
def test_milp_names_load_the_milp_math(values: dict[str, object], variable: str) -> None:
    assert variable in MathDefinition.from_inputs(_prepare(values)).variables


def test_a_name_far_from_every_known_name_warns_and_is_kept() -> None:
    with pytest.warns(ModelWarning, match=r"'commissioning_year'.*read by no active math"):
        inputs = _prepare({"techs.gas_plant.commissioning_year": 1999})
    assert inputs["commissioning_year"].sel(techs="gas_plant").item() == 1999


def test_a_name_near_a_known_one_but_not_a_typo_warns_with_the_closest_name() -> None:
    # not within a small edit of 'flow_out_eff', so possibly the modeller's own data: a warning
    # (listed in solve_status.yaml and printed at the end of the run), not an error
    with pytest.warns(ModelWarning, match=r"'flow_out_efficiency'.*did you mean 'flow_out_eff'"):
        _prepare({"techs.gas_plant.flow_out_efficiency": 0.55})


def test_an_unread_csv_column_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "extra.csv").write_text("techs,my_note\ngas_plant,3\n")
    values = {
        "data_tables.extra": {
            "table": str(tmp_path / "extra.csv"),
            "rows": "techs",
            "columns": "inputs",
        }
    }
    with pytest.warns(ModelWarning, match=r"'my_note' \(.*extra\.csv › data_tables\.extra"):
        _prepare(values)


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("config.build.backend", "pyomo", r"'pyomo' backend is not supported yet"),
        ("config.init.time_cluster", "clusters.csv", r"time clustering.*not support yet"),
        ("config.init.mode", "spores", r"'spores' math.*not supported by esmflow yet"),
        ("config.init.datetime_format", "%d/%m/%Y", r"Only ISO 8601"),
        ("config.solve.shadow_prices", ["system_balance"], r"prices.*not support yet"),
    ],
)
def test_config_that_selects_what_esmflow_does_not_do_is_an_error(
    key: str, value: object, words: str
) -> None:
    with pytest.raises(ModelError, match=rf"(?s){words}"):
        _prepare({key: value})


def test_group_constraints_are_not_silently_ignored() -> None:
    groups = {"g": {"techs": ["gas_plant"], "flow_cap_max": 5}}
    with pytest.raises(ModelError, match=r"(?s)group_constraints.*not support yet"):
        _prepare({"group_constraints": groups})


def test_a_calliope_06_model_is_recognised(tmp_path: Path) -> None:
    (tmp_path / "model.yaml").write_text(
        "model: {name: old}\n"
        "run: {solver: cbc}\n"
        "techs:\n"
        "  ccgt:\n"
        "    essentials: {parent: supply, carrier_out: power}\n"
        "    constraints: {energy_cap_max: 40}\n"
        "    costs: {monetary: {energy_cap: 750}}\n"
        "locations: {r1: {techs: {ccgt: null}}}\n"
    )
    with pytest.raises(ModelError) as caught:
        prepare_inputs(read_model(tmp_path / "model.yaml"))
    message = str(caught.value)
    for words in ("'model' is a section of Calliope 0.6", "'run' is a section", "convert-v06"):
        assert words in message
    for key in ("essentials", "constraints", "costs"):
        assert f"techs.ccgt.{key}" in message
    assert "An indexed parameter needs" not in message  # not reported again in stranger words
    assert message.startswith("5 problems")
