"""The math engine: math strings → parse tree → checked names → masks and linear expressions.

grammar.py   pyparsing grammar (built once; any identifier), `parse()` cached by string
tree.py      frozen dataclass nodes with character spans
resolve.py   every name/helper/`$ref` checked before evaluation, closest-name errors
context.py   the frozen view of inputs, defaults and built components the evaluators read,
             plus a per-build memo (filled/defined inputs, evaluated where strings)
where.py     where strings → boolean xarray masks
expression.py expression strings → linopy expressions / xarray arrays (with undefined masks)
             (and linear_op/linear_sum/linear_where/linear_fillna: linopy's arithmetic without
             its alignment work where labels already match; tests/test_engine_fast_paths.py)
helpers.py   sum, roll, where, select_from_lookup_arrays, get_val_at_index, … (plain dicts)
checks.py    the math's `checks`, run before the build
build.py     components in order → `Program` (linopy model + named expressions)
postprocessed.py the math's `postprocessed` arrays from a solution
"""
