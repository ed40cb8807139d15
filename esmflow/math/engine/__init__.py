"""The math engine: math strings → parse tree → checked names → masks and linear expressions.

grammar.py    pyparsing grammar (built once; any identifier), `parse()` cached by string
parse_store.py parse trees kept on disk between processes (a workflow step parses no string twice)
tree.py       frozen dataclass nodes with character spans
term.py       `Term` (evaluated data + its undefined mask) and linopy's arithmetic on one grid
              without its alignment work (linear_op/sum/where/fillna/filled;
              tests/test_engine_fast_paths.py)
context.py    `make_context` and the frozen view of inputs, defaults and built components the
              evaluators read, plus a per-build memo (filled/defined inputs, evaluated wheres)
helpers.py    `HELPERS`: each helper (sum, roll, where, select_from_lookup_arrays, …) declared
              once with its argument kinds and its where/expression functions (a plain dict)
where.py      where strings → boolean xarray masks
expression.py expression strings → `Term`s (linopy expressions or xarray arrays)
resolve.py    every name/helper/`$ref` checked before evaluation, closest-name errors
checks.py     the math's `checks`, run before the build
masks.py      where a component exists: active ∧ foreach ∧ `where` ∧ switches, memoised per build
variants.py   equations × sub-expression × slice cases, their masks, each term on its mask
rows.py       constraint rows in linopy's layout, constant-row checks, objective constant
support.py    a constraint pointwise along techs/nodes evaluated only on the items where it exists
build.py      `build_program`: components in order → `Program` (math/program.py)
existence.py  where each component would exist, without building it (switch checks)
postprocessed.py the math's `postprocessed` arrays from a solution

Imports run one way: tree, term, parse_store → grammar → context → helpers → where → expression → masks →
variants → rows, support, checks, resolve → build → existence; postprocessed uses context/expression/masks/variants.
Helpers never evaluate trees: the evaluators evaluate their arguments and pass values in.
"""
