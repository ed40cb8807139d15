"""Macro's attribute names are read as esmflow's (esmflow/preprocess/aliases.py).

Every alias in `vocabulary.MACRO_NAMES`, written instead of esmflow's name (and the durations as
the reciprocal), builds the same program, matrix for matrix. Given at the same place as
esmflow's name with another value, it is an error; with the same value, it is accepted.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from math_models import demand, model_definition, per_cost, supply, timeseries, write_model

from esmflow import Model
from esmflow.errors import ModelError
from esmflow.vocabulary import MACRO_NAMES

# alias → (tech the value goes on, the value as Macro writes it)
VALUES = {
    "min_flow_fraction": ("thermal", 0.4),
    "ramp_up_fraction": ("thermal", 0.5),
    "ramp_down_fraction": ("thermal", 0.25),
    "max_capacity": ("peaker", 30),
    "min_capacity": ("peaker", 1),
    "min_storage_level": ("battery", 0.1),
    "max_storage_level": ("battery", 0.9),
    "storage_charge_discharge_ratio": ("battery", 0.5),
    "storage_max_duration": ("battery", 8),
    "storage_min_duration": ("battery", 2),
    "storage_duration_max": ("battery", 8),
    "storage_duration_min": ("battery", 2),
    "min_outflow_fraction": ("hydro", 0.2),
    "capacity_size": ("thermal", 10),
    "startup_cost": ("thermal", per_cost(3)),
    "uc": ("thermal", True),
}


def system(tech: str, name: str, value: object) -> dict:
    """A thermal unit, a peaker, a battery and a reservoir; `name: value` set on `tech`."""
    thermal = supply(cost_per_unit=1, flow_cap_max=20, min_up_time=2)
    if name not in ("capacity_size", "flow_cap_per_unit"):
        thermal["flow_cap_per_unit"] = 10
    techs = {
        "thermal": thermal,
        "peaker": supply(cost_per_unit=10),
        "battery": {
            "base_tech": "storage",
            "carrier_in": "power",
            "carrier_out": "power",
            "flow_cap_max": 5,
            "storage_cap_max": 40,
            "cost_storage_cap": per_cost(1),
        },
        "hydro": supply(
            source_use_equals=timeseries(5, 0, 5),
            include_storage=True,
            spill=True,
            flow_cap_max=5,
            storage_cap_max=10,
        ),
        "load": demand("power", 10, 30, 20),
    }
    techs[tech][name] = value
    return model_definition(techs)


def matrices(folder: Path, definition: dict):
    return Model.from_yaml(write_model(folder, definition)).build().model.matrices


def esmflow_value(alias: str, value: object) -> object:
    return 1 / value if MACRO_NAMES[alias].inverse else value  # type: ignore[operator]


def test_every_alias_is_tested() -> None:
    assert set(VALUES) == set(MACRO_NAMES) - {"storage_long_duration"}


@pytest.mark.parametrize("alias", sorted(VALUES))
def test_an_alias_builds_the_program_of_esmflows_name(tmp_path, alias):
    tech, value = VALUES[alias]
    macro = matrices(tmp_path / "macro", system(tech, alias, value))
    ours = matrices(
        tmp_path / "ours", system(tech, MACRO_NAMES[alias].name, esmflow_value(alias, value))
    )
    assert macro.A.shape == ours.A.shape and (macro.A != ours.A).nnz == 0
    for field in ("b", "c", "lb", "ub", "sense", "vtypes"):
        np.testing.assert_array_equal(getattr(macro, field), getattr(ours, field))


def test_a_zero_duration_is_no_limit(tmp_path):
    # Macro's default duration 0 means "not set"; its reciprocal is .inf, which is no limit.
    model = Model.from_yaml(write_model(tmp_path, system("battery", "storage_max_duration", 0)))
    assert "flow_capacity_per_storage_capacity_min" not in model.build().components


def test_an_alias_together_with_esmflows_name(tmp_path, caplog):
    same = system("thermal", "min_flow_fraction", 0.4)
    same["techs"]["thermal"]["flow_out_min_relative"] = 0.4
    caplog.set_level(logging.INFO, logger="esmflow.preprocess.aliases")
    Model.from_yaml(write_model(tmp_path / "same", same))
    assert any("min_flow_fraction" in record.getMessage() for record in caplog.records)
    different = system("thermal", "min_flow_fraction", 0.4)
    different["techs"]["thermal"]["flow_out_min_relative"] = 0.5
    with pytest.raises(ModelError, match=r"(?s)techs\.thermal\.min_flow_fraction.*different"):
        Model.from_yaml(write_model(tmp_path / "different", different))


def test_an_alias_at_a_node_overrides_the_tech_as_esmflows_name_would(tmp_path):
    definition = system("thermal", "flow_out_min_relative", 0.4)
    definition["nodes"]["A"]["techs"]["thermal"] = {"min_flow_fraction": 0.2}
    inputs = Model.from_yaml(write_model(tmp_path, definition)).inputs
    assert inputs["flow_out_min_relative"].sel(techs="thermal", nodes="A").item() == 0.2


def test_an_alias_in_a_data_table(tmp_path):
    (tmp_path / "durations.csv").write_text("techs,storage_max_duration\nbattery,4\n")
    definition = system("battery", "flow_out_eff", 1)
    definition["data_tables"] = {
        "durations": {"table": "durations.csv", "rows": "techs", "columns": "inputs"}
    }
    inputs = Model.from_yaml(write_model(tmp_path, definition)).inputs
    assert inputs["flow_cap_per_storage_cap_min"].sel(techs="battery").item() == 0.25
