"""Stage warnings: recorded per step, carried in file attributes, never hidden from the caller."""

from __future__ import annotations

import json
import warnings

import pytest
from math_models import demand, model_definition, per_cost, supply, write_model

from esmflow import Model, stage_warnings
from esmflow.errors import ModelError, ModelWarning


def test_recording_keeps_model_warnings_and_passes_every_warning_on():
    with pytest.warns(Warning) as seen:
        with stage_warnings.recording("build_model") as found:
            warnings.warn("unused parameter 'x'", ModelWarning, stacklevel=1)
            warnings.warn("unused parameter 'x'", ModelWarning, stacklevel=1)  # once only
            warnings.warn("a pandas deprecation", FutureWarning, stacklevel=1)
    assert found == [{"stage": "build_model", "message": "unused parameter 'x'"}]
    # the caller still sees each warning (once), ModelWarning or not
    assert [(w.category, str(w.message)) for w in seen] == [
        (ModelWarning, "unused parameter 'x'"),
        (FutureWarning, "a pandas deprecation"),
    ]


def test_recording_survives_a_failing_stage():
    found: list = []
    with pytest.warns(ModelWarning, match="before the error"), pytest.raises(ModelError):
        with stage_warnings.recording("solve_model") as found:
            warnings.warn("before the error", ModelWarning, stacklevel=1)
            raise ModelError("infeasible")
    assert found == [{"stage": "solve_model", "message": "before the error"}]


def test_records_append_through_file_attributes():
    attrs = {"name": "m"}
    first = stage_warnings.with_records(attrs, [{"stage": "prepare_inputs", "message": "a"}])
    second = stage_warnings.with_records(
        first,
        [{"stage": "prepare_inputs", "message": "a"}, {"stage": "build_model", "message": "b"}],
    )
    assert second["name"] == "m" and "warnings" not in attrs
    assert json.loads(second["warnings"]) == [
        {"stage": "prepare_inputs", "message": "a"},
        {"stage": "build_model", "message": "b"},
    ]
    assert stage_warnings.stored(second)[1] == {"stage": "build_model", "message": "b"}
    assert stage_warnings.stored({}) == []
    assert stage_warnings.as_lines(stage_warnings.stored(second)) == [
        "[prepare_inputs] a",
        "[build_model] b",
    ]


def test_model_users_get_warnings_as_warnings_and_on_the_results(tmp_path):
    # `cost_flow_in` on a supply tech has no effect (a base.yaml check that warns, at build);
    # `mip_rel_gp` is not a HiGHS option (dropped with a warning, at solve)
    definition = model_definition(
        {
            "gas": supply(cost_per_unit=1, cost_flow_in=per_cost(1)),
            "load": demand("power", 1, 1),
        },
        config={"solve": {"solver_options": {"mip_rel_gp": 0.01}}},
    )
    model = Model.from_yaml(write_model(tmp_path, definition))
    with pytest.warns(ModelWarning, match="cost_flow_in"):
        model.build()
    with pytest.warns(ModelWarning, match="mip_rel_gp"):
        model.solve()
    stages = [record["stage"] for record in json.loads(model.results.attrs["warnings"])]
    assert stages == ["build_model", "solve_model"]
    assert model.warnings[0]["message"].startswith("`cost_flow_in` has no effect")
