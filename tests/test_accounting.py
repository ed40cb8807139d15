"""Every name a model sets is read by active math, or an error that says why, or a warning.

The tiny loader model (tests/data/loader/tiny) is changed one key at a time through `set`.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from esmflow.errors import ModelError, ModelWarning
from esmflow.io.read_model import read_model
from esmflow.io.yaml_files import read_yaml_file
from esmflow.math.engine.masks import SWITCHES
from esmflow.math.schema import MathDefinition
from esmflow.preprocess.accounting import STRUCTURAL_KEYS
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
        # features the specification names that are not built yet
        ("techs.gas_plant.resource_scale", 2, r"0\.6's name.*'source_scale'"),
        # carrier tiers belong to conversion techs
        ("techs.gas_plant.carrier_out_2", "heat", r"Carrier tiers are for conversion techs"),
        # a mode's parameter outside that mode
        ("techs.gas_plant.spores_score", 1, r"spores mode's math.*mode: spores"),
        # a decision variable given as data
        (
            "techs.gas_plant.flow_cap",
            5,
            r"'flow_cap' is a decision variable.*only in operate mode.*mode: operate.*flow_cap_max",
        ),
        # the inter-cluster storage level, meant as the switch
        (
            "techs.gas_plant.storage_inter_cluster",
            False,
            r"not a switch.*'inter_cluster_storage'",
        ),
        # near misses of known names
        ("techs.gas_plant.flow_cap_maxx", 5, r"Did you mean 'flow_cap_max'"),
        # near misses of names only an inactive extension reads (spelt right, it would load)
        ("techs.gas_plant.min_up_tme", 4, r"Did you mean 'min_up_time'"),
        ("techs.gas_plant.capacity_factor_mx", 0.5, r"Did you mean 'capacity_factor_max'"),
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


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"techs.gas_plant.must_run": True}, None),
        (
            {"techs.gas_plant.min_up_time": 4, "techs.gas_plant.flow_cap_per_unit": 5},
            "started_units",
        ),
        ({"techs.gas_plant.spill": False}, "storage_spilled"),
    ],
)
def test_macro_parameters_load_their_math(values: dict[str, object], variable: str | None) -> None:
    math = MathDefinition.from_inputs(_prepare(values))
    assert variable is None or variable in math.variables
    assert set(values) <= {f"techs.gas_plant.{name}" for name in math.known_names()}


def test_macro_names_are_read_as_esmflow_names(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="esmflow.preprocess.aliases")
    inputs = _prepare(
        {"techs.gas_plant.min_flow_fraction": 0.4, "techs.gas_plant.storage_max_duration": 4}
    )
    assert inputs["flow_out_min_relative"].sel(techs="gas_plant").item() == 0.4
    assert inputs["flow_cap_per_storage_cap_min"].sel(techs="gas_plant").item() == 0.25
    assert "min_flow_fraction" not in inputs and "storage_max_duration" not in inputs
    logged = [r.getMessage() for r in caplog.records if "Macro's name" in r.getMessage()]
    assert len(logged) == 2 and "'min_flow_fraction' is Macro's name" in logged[0]


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
        ("config.build.backend", "gurobi", r"'gurobi' backend is not supported yet"),
        ("config.init.datetime_format", "%d/%m/%Y", r"Only ISO 8601"),
    ],
)
def test_config_that_selects_what_esmflow_does_not_do_is_an_error(
    key: str, value: object, words: str
) -> None:
    with pytest.raises(ModelError, match=rf"(?s){words}"):
        _prepare({key: value})


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"group_constraints": {"g": {"flow_cap_max": 5}}}, "group_flow_cap_max"),
        ({"techs.gas_plant.capacity_factor_max": 0.5}, "flow_capacity_factor_max"),
        ({"techs.gas_plant.source_scale": 0.5}, "source_availability_supply"),
        (
            {
                "data_definitions.reserve_margin": {
                    "data": 0.1,
                    "index": "power",
                    "dims": "carriers",
                }
            },
            "reserve_margin_capacity",
        ),
    ],
)
def test_calliope_06_constraints_load_their_math(
    values: dict[str, object], constraint: str
) -> None:
    math = MathDefinition.from_inputs(_prepare(values))
    assert constraint in math.constraints


def test_time_cluster_names_a_parameter_of_the_model() -> None:
    with pytest.raises(
        ModelError, match=r"(?s)config\.init\.time_cluster.*'clusters' is not a param"
    ):
        _prepare({"config.init.time_cluster": "clusters"})


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


def _override_names(model_file: Path) -> list[str]:
    """Every override and scenario a model file (or a file it imports) defines."""
    names: list[str] = []
    pending = [model_file]
    while pending:
        path = pending.pop()
        data = read_yaml_file(path)
        names += [*(data.get("overrides") or {}), *(data.get("scenarios") or {})]
        imports = data.get("import") or []
        pending += [
            path.parent / entry for entry in ([imports] if isinstance(imports, str) else imports)
        ]
    return names


ROOT = Path(__file__).resolve().parents[1]
OUR_MODELS = sorted(
    [*ROOT.glob("examples/*/model.yaml"), *(ROOT / "tests" / "data").rglob("model.yaml")]
)
RUNS = [(path, name) for path in OUR_MODELS for name in [None, *_override_names(path)]]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("model_file", "override"),
    RUNS,
    ids=[f"{path.parent.relative_to(ROOT)}:{name or 'base'}" for path, name in RUNS],
)
def test_nothing_in_our_models_is_ignored_without_a_word(
    model_file: Path, override: str | None
) -> None:
    """Every input of every example and test model (each override and scenario too) is read by
    the model's active math, or was named in a warning (an error stops the load outright)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            inputs = prepare_inputs(read_model(model_file, [override] if override else []))
        except ModelError:
            return  # refused outright, with its reasons: nothing silently ignored
    warned = " ".join(str(w.message) for w in caught if issubclass(w.category, ModelWarning))
    math = MathDefinition.from_inputs(inputs)
    read = math.known_names() | STRUCTURAL_KEYS | {"timestep_resolution", "timestep_weights"}
    read |= {SWITCHES}  # read by the engine's masks, not by a math string
    silent = [name for name in inputs.data_vars if name not in read and f"'{name}'" not in warned]
    assert not silent, f"read by no math and named in no warning: {silent}"
