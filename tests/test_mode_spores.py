"""SPORES mode: the least-cost design, then alternatives within a cost slack, scored away from
what earlier designs built.

The model: one node, one hour, a demand of 1. Two supply techs whose only cost is capacity:
`solar` 1 and `wind` 1.2 per unit (annualised over the hour). `spores_slack: 0.1`, two spores
after the baseline, `integer` scoring (the default) over both techs (`spores_tracker`).

- Spore 0 (least cost): solar 1, wind 0; cost 1. The cost limit becomes 1 × 1.1 = 1.1.
- Spore 1: solar's score is 1000 (it was built), wind's 0. Minimise 1000·s subject to
  s + w ≥ 1 (the demand) and s + 1.2·w ≤ 1.1 (the cost limit): with s = 1 − w the cost is
  1 + 0.2·w ≤ 1.1, so w ≤ 0.5 and s ≥ 0.5. Spore 1: solar 0.5, wind 0.5; objective 500, cost 1.1.
- Spore 2: both were built in spore 1 (each above 0.1 × the largest, 0.5), so each score rises
  by 1000: solar 2000, wind 1000. Minimise 2000·s + 1000·w = 2000 − 1000·w on the same line:
  w = 0.5 again. Spore 2: solar 0.5, wind 0.5; objective 1500, cost 1.1.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from math_models import COST_ONE_PER_UNIT, demand, model_definition, per_cost, supply, write_model

from esmflow import Model
from esmflow.errors import ModelError
from esmflow.modes.spores import score_evolving_average, score_integer, tracked_techs
from esmflow.options import SporesOptions
from esmflow.postprocess.spores_plot import plot_spores_capacities, spores_capacity_table


def spores_model(**spores: object) -> dict:
    techs = {
        "solar": supply(cost_flow_cap=per_cost(COST_ONE_PER_UNIT[1]), cost_depreciation_rate=1),
        "wind": supply(
            cost_flow_cap=per_cost(1.2 * COST_ONE_PER_UNIT[1]), cost_depreciation_rate=1
        ),
        "load": demand("power", 1),
    }
    config = {
        "init": {"mode": "spores"},
        "solve": {"spores": {"number": 2, "tracking_parameter": "spores_tracker", **spores}},
    }
    data = {
        "spores_slack": 0.1,
        "spores_tracker": {"data": [True, True], "index": ["solar", "wind"], "dims": "techs"},
    }
    return model_definition(techs, config=config, data_definitions=data)


def solved(tmp_path: Path, definition: dict) -> Model:
    model = Model.from_yaml(write_model(tmp_path, definition))
    model.solve()
    return model


def test_two_spores_derived_by_hand(tmp_path: Path) -> None:
    model = solved(tmp_path, spores_model())
    results, result = model.results, model.solve_result
    assert results is not None and result is not None
    assert list(results["spores"].values) == [0, 1, 2]
    cap = results["flow_cap"].sel(nodes="A", carriers="power")
    assert list(cap.sel(techs="solar").values) == pytest.approx([1, 0.5, 0.5])
    assert list(cap.sel(techs="wind").values) == pytest.approx([0, 0.5, 0.5])
    assert [s["objective"] for s in result.solves] == pytest.approx([1, 500, 1500])
    costs = [s["objectives"]["min_cost_optimisation"] for s in result.solves]
    assert costs == pytest.approx([1, 1.1, 1.1])
    assert result.objective == pytest.approx(1)  # the least cost
    score = results["spores_score_cumulative"].sel(nodes="A", carriers="power")
    assert list(score.sel(techs="solar").values) == pytest.approx([0, 1000, 2000])
    assert list(score.sel(techs="wind").values) == pytest.approx([0, 0, 1000])
    tracked = results["spores_baseline_cost_tracked"].values
    assert list(tracked) == pytest.approx([float("inf"), 1, 1])


def test_a_given_baseline_cost_is_used_as_it_is(tmp_path: Path) -> None:
    # baseline cost 1 given: the same limit 1.1 as computed, so the same spores
    definition = spores_model()
    definition["data_definitions"]["spores_baseline_cost"] = 1.0
    model = solved(tmp_path, definition)
    assert model.solve_result is not None
    assert [s["objective"] for s in model.solve_result.solves] == pytest.approx([1, 500, 1500])


def test_an_unknown_tracking_parameter_is_named(tmp_path: Path) -> None:
    # caught when the model is read, before any solve
    match = r"(?s)config.solve.spores.tracking_parameter.*'spores_trackr' is not a parameter.*'spores_tracker'"
    with pytest.raises(ModelError, match=match):
        solved(tmp_path, spores_model(tracking_parameter="spores_trackr"))


def test_integer_scores_only_what_was_built_above_the_threshold() -> None:
    import xarray as xr

    caps = xr.DataArray(
        [[[10.0], [0.5], [2.0]]],
        coords={"nodes": ["A"], "techs": ["a", "b", "c"], "carriers": ["power"]},
        dims=["nodes", "techs", "carriers"],
    )
    tracked = xr.DataArray([True, True, False], coords={"techs": ["a", "b", "c"]}, dims="techs")
    score = score_integer([caps], tracked, xr.zeros_like(caps), SporesOptions())
    # a: 10 > 0.1·10 → 1000; b: 0.5 ≤ 1 → 0; c: not tracked → undefined (read as 0)
    assert score.sel(nodes="A", carriers="power").values.tolist()[:2] == [1000.0, 0.0]
    assert bool(score.sel(nodes="A", carriers="power", techs="c").isnull())
    # evolving average: a fresh score 1 / relative change from the average of all spores
    again = caps.copy(data=[[[5.0], [0.5], [2.0]]])
    evolving = score_evolving_average([caps, again], tracked, score, SporesOptions())
    # a: average 7.5, change |7.5 − 5| / 7.5 = 1/3 → 3; b: no change → 1 / 0.001 = 1000
    assert float(evolving.sel(nodes="A", carriers="power", techs="a")) == pytest.approx(3)
    assert float(evolving.sel(nodes="A", carriers="power", techs="b")) == pytest.approx(1000)


def test_tracked_techs_are_those_the_parameter_defines() -> None:
    import xarray as xr

    inputs = xr.Dataset(
        {"marker": xr.DataArray([1.0, float("nan")], coords={"techs": ["a", "b"]}, dims="techs")}
    )
    tracked = tracked_techs(inputs, SporesOptions(tracking_parameter="marker"))
    assert tracked.values.tolist() == [True, False]


def test_the_capacities_of_every_spore_side_by_side(tmp_path: Path) -> None:
    model = solved(tmp_path, spores_model())
    assert model.results is not None
    table = spores_capacity_table(model.results)
    assert list(table.columns) == [0, 1, 2]
    assert table.loc["solar"].tolist() == pytest.approx([1, 0.5, 0.5])
    assert table.loc["wind"].tolist() == pytest.approx([0, 0.5, 0.5])
    assert "load" not in table.index  # demand left out
    figure = plot_spores_capacities(model.results)
    assert [text.get_text() for text in figure.axes[0].get_legend().get_texts()] == [
        "spore 0 (least cost)",
        "spore 1",
        "spore 2",
    ]


def test_a_run_of_another_mode_draws_its_one_design(tmp_path: Path) -> None:
    # the workflow declares the figure for every scenario: a plan run shows its one design,
    # the least-cost one of the docstring's model (solar 1, wind 0: wind left out)
    spores = spores_model()
    model = solved(tmp_path, model_definition(spores["techs"]))
    assert model.results is not None and "spores" not in model.results.dims
    figure = plot_spores_capacities(model.results)
    axes = figure.axes[0]
    assert axes.get_title() == "Capacities (one design: not a SPORES run)"
    assert [bar.get_height() for bar in axes.patches] == pytest.approx([1])
    assert [label.get_text() for label in axes.get_xticklabels()] == ["solar"]
