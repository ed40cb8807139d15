"""Constraints evaluated only where they exist (engine/support.py): same program, smaller arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from esmflow.io.read_model import read_model
from esmflow.math.engine import support
from esmflow.math.engine.build import build_program
from esmflow.math.engine.grammar import parse
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions
from esmflow.preprocess.inputs import prepare_inputs, resolved_config

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(
    ("text", "dim", "pointwise"),
    [
        # a storage balance: each row reads its own tech (roll runs along time)
        ("storage == roll(storage, timesteps=1) * (1 - storage_loss) + flow_in", "techs", True),
        ("flow_out <= flow_cap * reduce_carrier_dim(flow_out_eff, out)", "techs", True),
        ("base_tech == storage AND [battery, csp] in techs", "techs", True),
        # sums, selections and lookups along the dim read other items
        ("sum(flow_out, over=techs) >= demand", "techs", False),
        ("sum(flow_out, over=techs) >= demand", "nodes", True),
        ("sum(flow_out, over=[nodes, techs]) >= 0", "nodes", False),
        ("flow_out[techs=battery] <= 1", "techs", False),
        ("select_from_lookup_arrays(flow_out, techs=link_remote_techs) >= 0", "techs", False),
        ("roll(flow_out, nodes=1) >= 0", "nodes", False),
        ("defined(techs=[battery], within=nodes)", "techs", False),  # reads other techs
        ("group_sum(flow_out, groups, group) >= 0", "techs", False),  # groups anything
    ],
)
def test_which_strings_are_pointwise(text: str, dim: str, pointwise: bool) -> None:
    kind = "where" if "defined" in text or "base_tech" in text else "expression"
    assert support._pointwise(parse(text, kind), dim) is pointwise


def _built(model: Path, subset: list[str], narrow_below: float, monkeypatch) -> object:
    monkeypatch.setattr(support, "NARROW_BELOW", narrow_below)
    inputs = prepare_inputs(read_model(model, set_values={"config.init.subset.timesteps": subset}))
    math = MathDefinition.from_inputs(inputs)
    return build_program(inputs, math, BuildOptions.from_model_config(resolved_config(inputs)))


@pytest.mark.slow
@pytest.mark.parametrize(
    "model",
    [EXAMPLES / "national_scale" / "model.yaml", EXAMPLES / "urban_scale" / "model.yaml"],
    ids=["national", "urban"],
)
def test_the_solver_gets_the_same_program_in_the_same_order(model: Path, monkeypatch) -> None:
    """Narrowed or not, the matrices HiGHS receives are identical entry for entry (A, b, row
    senses, costs, bounds); at least one constraint was narrowed (else this checks nothing)."""
    subset = ["2030-01-14", "2030-01-15"]
    default = support.NARROW_BELOW
    whole = _built(model, subset, 0.0, monkeypatch)  # a share of 0: nothing is narrowed
    cut = _built(model, subset, default, monkeypatch)
    narrower = [
        name
        for name in whole.model.constraints
        if cut.model.constraints[name].labels.size < whole.model.constraints[name].labels.size
    ]
    assert narrower, "no constraint was narrowed: the example no longer exercises support.py"
    first, second = whole.model.matrices, cut.model.matrices
    a, b = first.A.tocsr(), second.A.tocsr()
    assert a.shape == b.shape
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(a, part), getattr(b, part)), part
    for vector in ("b", "sense", "c", "lb", "ub"):
        assert np.array_equal(getattr(first, vector), getattr(second, vector)), vector
