"""read_model: imports, overrides and scenarios in order, dotted keys, `_REPLACE_`, `set` values, YAML 1.2."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from esmflow.errors import ModelError
from esmflow.io.read_model import read_model
from esmflow.io.yaml_files import merge, parse_yaml

TINY = Path(__file__).parent / "data" / "loader" / "tiny"


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return folder / "model.yaml"


def test_imports_are_relative_to_the_importing_file_and_merged(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "model.yaml": "import: [parts/techs.yaml]\nnodes: {A: {techs: {plant: null}}}\n",
            "parts/techs.yaml": "import: [more/carriers.yaml]\ntechs: {plant: {base_tech: supply}}\n",
            "parts/more/carriers.yaml": "techs: {plant: {carrier_out: power}}\n",
        },
    )
    definition = read_model(path)
    assert definition.data["techs"]["plant"] == {"base_tech": "supply", "carrier_out": "power"}
    assert definition.data["nodes"] == {"A": {"techs": {"plant": None}}}
    assert "import" not in definition.data
    assert len(definition.files) == 3  # every YAML file read, with its sha256
    assert all(len(digest) == 64 for digest in definition.files.values())


def test_a_key_defined_in_an_import_and_the_importer_is_an_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "model.yaml": "import: [a.yaml]\ntechs.plant.flow_cap_max: 1\n",
            "a.yaml": "techs.plant.flow_cap_max: 2\n",
        },
    )
    with pytest.raises(ModelError, match=r"techs\.plant\.flow_cap_max"):
        read_model(path)


def test_missing_import_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, {"model.yaml": "import: [nowhere.yaml]\n"})
    with pytest.raises(ModelError, match="nowhere.yaml"):
        read_model(path)


def test_overrides_apply_in_the_order_given() -> None:
    # bigger_plant sets 200; applied after costly_plant the value is still 200, and the
    # cost's `data` changes while its index/dims stay (dotted key merges into the mapping)
    definition = read_model(TINY / "model.yaml", ["costly_plant", "bigger_plant"])
    plant = definition.data["techs"]["gas_plant"]
    assert plant["flow_cap_max"] == 200
    assert plant["cost_flow_cap"] == {"data": 5}
    assert definition.applied_overrides == ("costly_plant", "bigger_plant")
    assert "overrides" not in definition.data and "scenarios" not in definition.data


def test_scenarios_expand_to_their_overrides_recursively() -> None:
    definition = read_model(TINY / "model.yaml", ["big_costly_at_b"])
    assert definition.applied_overrides == ("bigger_plant", "costly_plant", "plant_at_b")
    assert "gas_plant" in definition.data["nodes"]["B"]["techs"]


def test_unknown_override_suggests_the_closest_name() -> None:
    with pytest.raises(ModelError, match="(?s)bigger_plnt.*Did you mean 'bigger_plant'"):
        read_model(TINY / "model.yaml", ["bigger_plnt"])


def test_set_values_apply_last_with_dotted_keys() -> None:
    definition = read_model(
        TINY / "model.yaml",
        ["bigger_plant"],
        set_values={"techs.gas_plant.flow_cap_max": 7, "config.init.subset.timesteps": None},
    )
    assert definition.data["techs"]["gas_plant"]["flow_cap_max"] == 7
    assert definition.data["config"]["init"]["subset"] == {"timesteps": None}


def test_replace_swaps_a_whole_mapping(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "model.yaml": """\
            techs:
              plant:
                cost_flow_cap: {data: 1, index: monetary, dims: costs}
            overrides:
              flat_cost:
                techs.plant.cost_flow_cap._REPLACE_: 3
              no_cost:
                techs.plant.cost_flow_cap:
                  _REPLACE_: null
            """
        },
    )
    assert read_model(path, ["flat_cost"]).data["techs"]["plant"]["cost_flow_cap"] == 3
    assert read_model(path, ["no_cost"]).data["techs"]["plant"]["cost_flow_cap"] is None


def test_null_never_wipes_a_mapping_but_replaces_a_value() -> None:
    base = {"techs": {"plant": {"flow_cap_max": 1, "cost": {"data": 2}}}}
    merged = merge(base, {"techs": {"plant": {"cost": None, "flow_cap_max": None}}})
    assert merged == {"techs": {"plant": {"flow_cap_max": None, "cost": {"data": 2}}}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1e6", 1e6),  # YAML 1.2: a number, as Calliope's ruamel reads it
        ("-1e-10", -1e-10),
        (".inf", float("inf")),
        ("yes", "yes"),  # YAML 1.1 would read a bool
        ("2005-01-01", "2005-01-01"),  # dates stay strings
        ("True", True),
        ("10", 10),
    ],
)
def test_scalars_follow_yaml_1_2(text: str, expected: object) -> None:
    assert parse_yaml(f"value: {text}", "test")["value"] == expected


def test_dotted_keys_nest_and_merge_with_mappings() -> None:
    data = parse_yaml("a.b.c: 1\na: {b: {d: 2}}\n", "test")
    assert data == {"a": {"b": {"c": 1, "d": 2}}}


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, {"model.yaml": "techs:\n  plant: [unclosed\n"})
    with pytest.raises(ModelError, match=r"(?s)model\.yaml.*line"):
        read_model(path)


def test_copy_of_tiny_model_reads_identically(tmp_path: Path) -> None:
    shutil.copytree(TINY, tmp_path / "tiny")
    assert read_model(tmp_path / "tiny" / "model.yaml").data == read_model(TINY / "model.yaml").data


def test_inputs_follow_the_contract_and_round_trip_through_netcdf(tmp_path: Path) -> None:
    import json

    import numpy as np
    import xarray as xr

    from esmflow.preprocess.distances import add_distances
    from esmflow.preprocess.inputs import prepare_inputs

    inputs = add_distances(prepare_inputs(read_model(TINY / "model.yaml", ["plant_at_b"])))
    assert inputs.timesteps.dtype == np.dtype("datetime64[ns]")
    assert all(inputs[dim].dtype.kind == "U" for dim in ("nodes", "techs", "carriers", "costs"))
    assert inputs["active"].dtype == bool and inputs["carrier_in"].dtype == bool
    assert set(inputs["carrier_in"].dims) == {"nodes", "techs", "carriers"}
    assert inputs["base_tech"].dtype.kind == "U"
    assert inputs["link_from"].sel(techs="gas_plant").item() == ""  # "" = undefined
    assert inputs["flow_cap_max"].dtype == np.float64
    assert json.loads(inputs.attrs["applied_overrides"]) == ["plant_at_b"]
    assert str(TINY / "techs.yaml") in json.loads(inputs.attrs["model_files"])
    assert inputs.attrs["name"] == "Tiny loader model"
    assert (
        "constraints:" in inputs.attrs["math"]
        and "ensure_feasibility: true" in inputs.attrs["config"]
    )
    inputs.to_netcdf(tmp_path / "inputs.nc")
    with xr.open_dataset(tmp_path / "inputs.nc") as back:
        xr.testing.assert_identical(back.load(), inputs)


def test_every_duplicate_key_is_reported_with_its_lines() -> None:
    text = "a: 1\nb:\n  c: 1\n  c: 2\na: 3\n"
    with pytest.raises(ModelError) as err:
        parse_yaml(text, "m.yaml")
    messages = [problem.message for problem in err.value.problems]
    assert messages == [
        "Key 'c' is written twice in one mapping (lines 3 and 4)",
        "Key 'a' is written twice in one mapping (lines 1 and 5)",
    ]
    assert all(problem.file == "m.yaml" for problem in err.value.problems)


def test_merge_keys_may_be_overridden_without_a_duplicate_error() -> None:
    data = parse_yaml("base: &base {b: 1, c: 2}\nx:\n  <<: *base\n  b: 5\n", "m.yaml")
    assert data["x"] == {"b": 5, "c": 2}


def test_a_dotted_and_a_nested_key_for_the_same_leaf_clash() -> None:
    with pytest.raises(ModelError, match=r"(?s)m\.yaml › a\.b\.c.*given twice"):
        parse_yaml("a.b.c: 1\na: {b: {c: 2}}\n", "m.yaml")
    # a null placeholder filled through a dotted key is not a clash
    assert parse_yaml("a: {b: }\na.b.c: 1\n", "m.yaml") == {"a": {"b": {"c": 1}}}


def test_the_1024_character_key_limit_is_explained() -> None:
    with pytest.raises(ModelError, match=r"(?s)m\.yaml.*longer than YAML allows.*1024"):
        parse_yaml("a: 1\n" + "k" * 1100 + ": 2\n", "m.yaml")


def test_an_empty_model_file_is_an_error_but_an_empty_import_is_not(tmp_path: Path) -> None:
    path = _write(tmp_path, {"model.yaml": "# to do\n"})
    with pytest.raises(ModelError, match=r"(?s)model\.yaml.*model file is empty"):
        read_model(path)
    path = _write(
        tmp_path, {"model.yaml": "import: [empty.yaml]\nnodes: {A: {}}\n", "empty.yaml": ""}
    )
    assert read_model(path).data == {"nodes": {"A": {}}}


def test_override_errors_name_the_file_that_defines_the_overrides(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "model.yaml": "import: [scenarios.yaml]\nnodes: {A: {}}\n",
            "scenarios.yaml": "overrides: {a: {nodes.A.x: 1}}\nscenarios: {s: [a, b]}\n",
        },
    )
    with pytest.raises(ModelError, match=r"(?s)scenarios\.yaml › scenarios\.s.*'b'") as err:
        read_model(path, overrides=["s"])
    assert err.value.file == str(tmp_path / "scenarios.yaml")


def test_techs_and_nodes_an_override_adds_are_recorded(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "model.yaml": """\
                techs: {plant: {base_tech: supply}}
                nodes: {A: {}}
                overrides:
                  more:
                    techs.plant.flow_cap_max: 1
                    techs.fusion: {base_tech: supply}
                    nodes.B: {}
            """
        },
    )
    introduced = read_model(path, overrides=["more"]).introduced
    assert introduced == {
        "techs.fusion": ("more", str(path)),
        "nodes.B": ("more", str(path)),
    }
