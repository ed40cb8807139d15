"""Bad input stops in prepare_inputs with one ModelError: file, key path, expectation, closest name.

Every problem of the stage is collected and raised together, and nothing is returned (so no
partial output can be written by the workflow).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from esmflow.errors import ModelError
from esmflow.io.read_model import read_model
from esmflow.preprocess.inputs import prepare_inputs

TINY = Path(__file__).parent / "data" / "loader" / "tiny"


def _prepare(model: Path = TINY / "model.yaml", **set_values: object):
    values = {key.replace("__", "."): value for key, value in set_values.items()}
    return prepare_inputs(read_model(model, set_values=values))


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(TINY, tmp_path / "tiny")
    return tmp_path / "tiny"


def test_misspelt_parameter_names_file_key_path_and_closest() -> None:
    with pytest.raises(
        ModelError,
        match=r"(?s)techs\.yaml › techs\.gas_plant\.flow_cap_maxx.*Did you mean 'flow_cap_max'",
    ):
        _prepare(techs__gas_plant__flow_cap_maxx=5)


def test_misspelt_node_level_parameter() -> None:
    with pytest.raises(
        ModelError,
        match=r"(?s)nodes\.A\.techs\.gas_plant\.flow_out_ef\b.*Did you mean 'flow_out_eff'",
    ):
        _prepare(nodes__A__techs__gas_plant__flow_out_ef=0.3)


def test_unknown_names_far_from_any_known_name_are_kept() -> None:
    inputs = _prepare(techs__gas_plant__commissioning_year=1999)
    assert inputs["commissioning_year"].sel(techs="gas_plant").item() == 1999


def test_user_parameter_used_by_user_math_is_not_misspelt(tmp_path: Path) -> None:
    # the docs' nuclear example: `waste_per_flow_out` is only known to a user math file
    folder = _copy(tmp_path)
    (folder / "waste.yaml").write_text(
        "parameters:\n  waste_per_flow_out: {default: 0}\n"
        "global_expressions:\n  waste:\n    foreach: [nodes, techs, timesteps]\n"
        "    where: waste_per_flow_out\n    equations:\n"
        "      - expression: waste_per_flow_out * sum(flow_out, over=carriers)\n"
    )
    model = folder / "model.yaml"
    values = {
        "config.init.math_paths": {"waste": "waste.yaml"},
        "config.init.extra_math": ["waste"],
        "techs.gas_plant.waste_per_flow_out": 0.1,
    }
    inputs = prepare_inputs(read_model(model, set_values=values))
    assert inputs["waste_per_flow_out"].sel(techs="gas_plant").item() == 0.1
    assert "waste_per_flow_out" in inputs.attrs["math"]
    # without the user math switched on, the same name is close to nothing the base math uses
    # and so is kept silently, as Calliope keeps it
    assert "waste_per_flow_out" in _prepare(techs__gas_plant__waste_per_flow_out=0.1)


def test_missing_csv(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "demand.csv").unlink()
    with pytest.raises(
        ModelError, match=r"(?s)data_tables\.demand\.table.*not found.*got: demand\.csv"
    ):
        _prepare(folder / "model.yaml")


def test_csv_header_that_does_not_match_the_columns_spec(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    text = (folder / "demand.csv").read_text().replace("nodes,A,B", "nodse,A,B")
    (folder / "demand.csv").write_text(text)
    with pytest.raises(
        ModelError,
        match=r"(?s)demand\.csv › data_tables\.demand\.columns.*'nodse'.*Did you mean 'nodes'",
    ):
        _prepare(folder / "model.yaml")


def test_csv_with_fewer_header_rows_than_the_spec(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    with pytest.raises(ModelError, match=r"(?s)data_tables\.demand\.columns"):
        _prepare(folder / "model.yaml", data_tables__demand__columns=["techs", "nodes", "carriers"])


def test_non_numeric_value_in_yaml_and_csv(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    text = (
        (folder / "demand.csv")
        .read_text()
        .replace("2005-01-30 03:00,4,8", "2005-01-30 03:00,four,8")
    )
    (folder / "demand.csv").write_text(text)
    with pytest.raises(ModelError) as err:
        _prepare(folder / "model.yaml", techs__gas_plant__flow_cap_max="lots")
    message = str(err.value)
    assert "techs.gas_plant.flow_cap_max" in message and "'lots'" in message
    assert (
        "demand.csv › data_tables.demand.inputs.sink_use_equals" in message and "'four'" in message
    )


def test_link_to_unknown_node() -> None:
    with pytest.raises(
        ModelError,
        match=r"(?s)techs\.power_line\.link_to.*unknown node 'Munih'.*Did you mean 'Munich'",
    ):
        _prepare(
            nodes__Munich={"latitude": 48.1, "longitude": 11.6}, techs__power_line__link_to="Munih"
        )


def test_misspelt_carrier_that_could_never_balance() -> None:
    with pytest.raises(
        ModelError, match=r"(?s)techs\.demand_power\.carrier_in.*'powr'.*Did you mean 'power'"
    ):
        _prepare(techs__demand_power__carrier_in="powr")


def test_carrier_in_a_parameter_index_must_belong_to_the_tech() -> None:
    cap = {"data": 5, "index": "powr", "dims": "carriers"}
    with pytest.raises(
        ModelError,
        match=r"(?s)techs\.gas_plant\.flow_cap_max.*Unknown carrier 'powr'.*Did you mean 'power'",
    ):
        _prepare(techs__gas_plant__flow_cap_max=cap)
    heat = {"base_tech": "supply", "carrier_out": "heat"}
    cap = {"data": 5, "index": "heat", "dims": "carriers"}
    with pytest.raises(
        ModelError,
        match=r"(?s)techs\.gas_plant\.flow_cap_max.*'heat'.*not an input or output of tech 'gas_plant'",
    ):
        _prepare(
            techs__boiler=heat, nodes__A__techs__boiler=None, techs__gas_plant__flow_cap_max=cap
        )


def test_negative_efficiency() -> None:
    with pytest.raises(
        ModelError, match=r"(?s)techs\.yaml › techs\.gas_plant\.flow_out_eff.*negative.*got: -0\.5"
    ):
        _prepare(techs__gas_plant__flow_out_eff=-0.5)


def test_time_subset_outside_the_data() -> None:
    with pytest.raises(
        ModelError, match=r"(?s)config\.init\.subset\.timesteps.*outside.*2005-01-30"
    ):
        _prepare(config__init__subset__timesteps=["2004-01-01", "2004-12-31"])


def test_template_cycle_names_the_file_and_chain(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    values = {"templates.priced.template": "thermal"}  # thermal → priced → thermal
    with pytest.raises(
        ModelError, match=r"(?s)model\.yaml|techs\.yaml.*templates\..*\.template.*cycle"
    ) as err:
        prepare_inputs(read_model(folder / "model.yaml", set_values=values))
    assert "thermal → priced → thermal" in str(err.value) or "priced → thermal → priced" in str(
        err.value
    )


def test_unknown_tech_at_a_node() -> None:
    with pytest.raises(
        ModelError, match=r"(?s)nodes\.B\.techs\.gas_plnt.*Did you mean 'gas_plant'"
    ):
        _prepare(nodes__B__techs__gas_plnt=None)


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(ModelError) as err:
        _prepare(
            techs__gas_plant__flow_cap_maxx=5,
            techs__gas_plant__flow_out_eff=-1,
            techs__power_line__link_to="C",
        )
    assert len(err.value.problems) == 3
    message = str(err.value)
    assert message.startswith("3 problems:")
    for key_path in ("flow_cap_maxx", "flow_out_eff", "power_line.link_to"):
        assert key_path in message


def test_lookup_value_outside_its_choices() -> None:
    with pytest.raises(
        ModelError, match=r"(?s)techs\.gas_plant\.base_tech.*'suply'.*Did you mean 'supply'"
    ):
        _prepare(techs__gas_plant__base_tech="suply")


def test_latitude_out_of_range() -> None:
    with pytest.raises(ModelError, match=r"(?s)nodes\.A\.latitude.*out of range"):
        _prepare(nodes__A__latitude=152.52)


def test_unknown_top_level_key() -> None:
    with pytest.raises(ModelError, match=r"(?s)teks.*Did you mean 'techs'"):
        _prepare(teks={"x": {}})


def test_model_without_any_active_tech(tmp_path: Path) -> None:
    (tmp_path / "model.yaml").write_text("techs: {}\nnodes: {A: {}}\n")
    with pytest.raises(ModelError, match="No tech is active"):
        prepare_inputs(read_model(tmp_path / "model.yaml"))


def test_time_problems_are_reported_with_the_others() -> None:
    with pytest.raises(ModelError) as err:
        _prepare(
            techs__gas_plant__flow_out_eff=-1,
            config__init__subset__timesteps=["2006-01-01", "2006-01-02"],
            config__init__resample__timesteps="6 parsecs",
        )
    message = str(err.value)
    assert len(err.value.problems) == 3
    assert "config.init.subset.timesteps" in message and "config.init.resample.timesteps" in message
