"""The engine's shortcuts around linopy give exactly linopy's arrays, and cached masks follow the build.

`linear_op`, `linear_sum` and the read-as-0 variable skip linopy's alignment and constructor
where it would change nothing; these checks pin that against linopy itself (any linopy
upgrade that changes its layout fails here first). The where cache is keyed on the objects a
string reads, so a string naming a variable reads False before the variable exists and its
mask after.
"""

from __future__ import annotations

from dataclasses import replace

import linopy
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from esmflow.math.engine import term
from esmflow.math.engine.context import make_context
from esmflow.math.engine.masks import where_mask
from esmflow.math.program import LINOPY_SEMANTICS
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions

NODES = pd.Index(["a", "b"], name="nodes")
TIMESTEPS = pd.Index([0, 1, 2], name="timesteps")


@pytest.fixture
def v1():
    with linopy.options as settings:
        settings(semantics=LINOPY_SEMANTICS)
        yield


def _model() -> tuple[linopy.Model, linopy.Variable, linopy.Variable]:
    model = linopy.Model()
    mask = xr.DataArray([[True, True, False], [True, False, True]], coords=[NODES, TIMESTEPS])
    x = model.add_variables(lower=xr.zeros_like(mask, dtype=float), name="x", mask=mask)
    y = model.add_variables(lower=xr.zeros_like(mask, dtype=float), name="y")
    return model, x, y


def _same(ours: linopy.LinearExpression, theirs: linopy.LinearExpression) -> None:
    assert ours.data.identical(theirs.data)
    dtypes = {name: array.dtype for name, array in theirs.data.variables.items()}
    assert {name: array.dtype for name, array in ours.data.variables.items()} == dtypes


def test_variable_read_as_zero_matches_linopy_fillna(v1):
    """linopy's arrays, but for the coefficient of an absent entry's term (label -1, never
    read): 1 instead of NaN, so that the coefficients can be one shared value."""
    _, x, _ = _model()
    ours, theirs = term.linear_filled(x, 0), x.fillna(0)
    for field in ("vars", "const"):
        assert ours.data[field].identical(theirs.data[field])
    present = theirs.data["vars"] != -1
    xr.testing.assert_identical(
        ours.data["coeffs"].where(present), theirs.data["coeffs"].where(present)
    )
    assert bool((ours.data["coeffs"] == 1).all())
    assert ours.data["coeffs"].values.strides == (0, 0, 0)  # one shared value


def test_constant_operations_match_linopy(v1, monkeypatch):
    monkeypatch.setattr(term, "_OPERATORS", {})  # the shortcut must be taken
    _, x, y = _model()
    expr = x.fillna(0) + 2 * y
    per_node = xr.DataArray([2.0, 3.0], coords=[NODES])  # a subset of the dims, same labels
    for op, other in [("*", per_node), ("*", -1), ("+", per_node), ("-", 1.5), ("-", per_node)]:
        theirs = {"*": expr * other, "+": expr + other, "-": expr - other}[op]
        _same(term.linear_op(op, expr, other), theirs)


def test_sum_and_difference_match_linopy_merge(v1):
    _, x, y = _model()
    a = x.fillna(0) * 2
    b = y.to_linexpr().where(xr.DataArray([True, False], coords=[NODES]))  # absent at node b
    assert term._same_grid(a, b)  # the shortcut is taken
    _same(term.linear_sum(a, b), a + b)
    _same(term.linear_sum(a, b, negate=True), a - b)


def test_where_and_fillna_match_linopy(v1):
    _, x, y = _model()
    expr = x.fillna(0) + y
    keep = xr.DataArray([[True, False, True], [False, True, True]], coords=[NODES, TIMESTEPS])
    assert term._on_grid(expr, keep)  # the shortcut is taken
    _same(term.linear_where(expr, keep), expr.where(keep))
    masked = expr.where(keep)
    _same(term.linear_fillna(masked, 0), masked.fillna(0))
    _same(term.linear_filled(masked, 2.5), masked.fillna(2.5))


def test_where_cache_follows_what_the_string_reads():
    inputs = xr.Dataset(coords={"nodes": NODES})
    math = MathDefinition({"variables": {"x": {"foreach": ["nodes"]}}})
    ctx = make_context(inputs, math, BuildOptions({}))
    before = where_mask("x", "constraints.c.where", ctx)  # x not built yet: False
    built = replace(ctx, exists={"x": xr.DataArray([True, False], coords=[NODES])})
    after = where_mask("x", "constraints.c.where", built)
    assert not bool(before.any())
    assert after.values.tolist() == [True, False]
    assert where_mask("x", "constraints.d.where", built) is after  # evaluated once per state
    np.testing.assert_array_equal(where_mask("x", "k", ctx).values, before.values)


def test_compact_terms_keeps_every_cells_terms_in_order(v1):
    """A sum over a long dim leaves most term slots empty; compacting moves each cell's terms to
    the front (in their order) and cuts the tail: same terms, same constants, fewer slots."""
    model = linopy.Model()
    steps = pd.Index(range(40), name="steps")
    # cell a has x at steps 0, 7, 14, …; cell b only at step 3 and 5 (2 terms)
    mask = xr.DataArray(
        [[s % 7 == 0 for s in steps], [s in (3, 5) for s in steps]], coords=[NODES, steps]
    )
    x = model.add_variables(lower=0, coords=[NODES, steps], name="x", mask=mask)
    summed = (2 * x.fillna(0)).sum("steps")
    compacted = term.compact_terms(summed)
    assert summed.data.sizes["_term"] == 40
    assert compacted.data.sizes["_term"] == 6  # steps 0, 7, 14, 21, 28, 35 in cell a
    labels = x.labels.values
    assert compacted.vars.values[0].tolist() == labels[0, ::7].tolist()
    assert compacted.vars.values[1].tolist() == [labels[1, 3], labels[1, 5], -1, -1, -1, -1]
    assert np.all(compacted.coeffs.values[compacted.vars.values != -1] == 2)
    xr.testing.assert_equal(compacted.const, summed.const)
    # few term slots: left as it is (nothing worth cutting)
    short = 2 * x
    assert term.compact_terms(short) is short


def test_summed_compact_gives_the_arrays_of_linopys_sum_then_compact(v1):
    """The sum that takes the live terms straight from the summed arrays (no stacked copy)
    gives linopy's sum, compacted, array for array: over one dim, two dims, and where the
    result is mostly full (then linopy's own sum is used)."""
    model = linopy.Model()
    techs = pd.Index(["p", "q", "r"], name="techs")
    steps = pd.Index(range(30), name="steps")
    exists = xr.DataArray(
        [[[(n + t + s) % 11 == 0 for s in steps] for t in range(3)] for n in range(2)],
        coords=[NODES, techs, steps],
    )
    x = model.add_variables(lower=0, coords=exists.coords, name="x", mask=exists)
    cost = xr.DataArray(np.arange(1.0, 31.0), coords=[steps])
    sparse = term.linear_filled(x, 0) * cost + 5
    for dims in (["steps"], ["nodes", "steps"], ["techs", "nodes"], ["nodes", "techs", "steps"]):
        _same(term.summed_compact(sparse, dims), term.compact_terms(sparse.sum(dims)))
    full = term.linear_filled(model.add_variables(lower=0, coords=exists.coords, name="y"), 0)
    _same(term.summed_compact(full, ["steps"]), term.compact_terms(full.sum(["steps"])))
    assert term.summed_compact(sparse, ["steps"]).data.sizes["_term"] == 3  # fullest cell


def test_stored_once_keeps_what_repeats_once_and_nothing_of_the_original():
    steps = 50
    values = np.zeros((3, 4, steps))
    values[1] = np.nan  # NaN equals NaN
    values[2, :, :] = np.arange(4.0)[:, np.newaxis]  # varies along axis 1 only
    stored = term.stored_once(values)
    np.testing.assert_array_equal(stored, values)  # (NaN in the same places)
    assert stored.strides[2] == 0 and stored.strides[0] != 0 and stored.strides[1] != 0
    assert not stored.flags.writeable  # a write raises instead of changing every repeat
    assert not np.shares_memory(stored, values)  # the full array is not kept alive
    varying = np.arange(24.0).reshape(2, 3, 4)
    assert term.stored_once(varying) is varying
    labels = np.full((3, steps), -1)
    assert term.stored_once(labels).base.size == 1  # a variable that exists nowhere: one -1


def test_stored_expression_points_at_the_variables_labels(v1):
    """A one-term expression whose labels are a variable's shares that variable's array; its
    repeated coefficients and constants are held once; the arrays read the same."""
    model, x, y = _model()
    efficiency = xr.DataArray([0.5, 0.25], coords=[NODES])
    expression = term.linear_where(term.linear_filled(x, 0) * efficiency, x.labels != -1)
    stored = term.stored_expression(expression, [y.labels, x.labels])
    xr.testing.assert_identical(stored.data, expression.data)
    assert np.shares_memory(stored.data.vars.values, x.labels.values)
    everywhere = term.stored_expression(term.linear_filled(y, 0) * efficiency, [])
    coeffs = everywhere.data.coeffs.transpose("nodes", "timesteps", "_term").values
    assert coeffs.strides[1] == 0  # the same efficiency at every timestep, held once
    assert everywhere.data.const.values.strides == (0, 0)  # constant 0 everywhere: one 0
    two_terms = term.linear_sum(term.linear_filled(x, 0), term.linear_filled(y, 0))
    kept = term.stored_expression(two_terms, [x.labels, y.labels])
    assert not np.shares_memory(kept.data.vars.values, x.labels.values)
    xr.testing.assert_identical(kept.data, two_terms.data)


def test_a_product_linopy_broadcasts_keeps_linopys_arrays_with_repeats_held_once(v1):
    """`flow_cap * timestep_resolution`: linopy spreads the capacity over the timesteps; the
    arrays are linopy's, its repeated coefficients and constants held once."""
    model = linopy.Model()
    cap = model.add_variables(lower=0, coords=[NODES], name="cap")
    hours = xr.DataArray([1.0, 1.0, 2.0], coords=[TIMESTEPS])
    expression = term.linear_filled(cap, 0)
    assert not term._on_grid(expression, hours)  # linopy's own product
    ours = term.linear_op("*", expression, hours)
    _same(ours, expression * hours)
    assert set(ours.data.const.values.strides) == {0}  # 0 everywhere: one shared 0
    coeffs = ours.data.coeffs.transpose("nodes", "timesteps", "_term").values
    assert coeffs.strides[0] == 0 and coeffs.strides[1] != 0  # the same hours at every node


def test_stored_once_keeps_negative_zeros_apart():
    """-0.0 equals 0.0 but is not the same bits: an array mixing them is not one repeated value."""
    mixed = np.array([[0.0, -0.0, 0.0], [0.0, -0.0, 0.0]])
    held = term.stored_once(mixed)
    assert np.signbit(held).tolist() == np.signbit(mixed).tolist()
    assert held.strides[0] == 0 and held.strides[1] != 0
