"""The math a model switches on: load it once per distinct set of files, and what inputs need from it.

`prepare_inputs` embeds the merged math (as YAML text) in the inputs and reads three things from
it: which lookups pivot their values into a dimension (`carrier_in: [gas]` → carriers), each
parameter's resampling method, and every name the math knows (for the misspelt-key check).
Loading and dumping the math costs a few tenths of a second, so results are kept per distinct
(mode, extra_math, file contents) — tests and scenario runs reuse them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from esmflow.errors import ModelError, ProblemCollector
from esmflow.io.yaml_files import sha256_of
from esmflow.math import schema
from esmflow.math.schema import (
    MathDefinition,
    builtin_extensions,
    load_math,
    merge_math,
    read_builtin,
    triggered_extensions,
)

_CACHE: dict[tuple[Any, ...], tuple[MathDefinition, str]] = {}
_CACHE_SIZE = 16


def load_model_math(
    init: Mapping[str, Any],
    model_dir: Path,
    files: dict[str, str],
    problems: ProblemCollector,
    defined_inputs: set[str] | frozenset[str] = frozenset(),
) -> tuple[MathDefinition, str]:
    """Base math, the mode's math, the extensions `defined_inputs` switch on, then `extra_math`.

    Returns the math and its YAML text. `extra_math` entries are built-in names or keys of
    `math_paths` (paths relative to the model file). User math files are added to `files`
    (provenance). Problems are collected.
    """
    paths = {
        str(name): (model_dir / str(path)).resolve()
        for name, path in (init.get("math_paths") or {}).items()
    }
    for name, path in paths.items():
        if not path.is_file():
            problems.add(
                "Math file not found", key_path=f"config.init.math_paths.{name}", got=str(path)
            )
            return MathDefinition({}), ""
    digests = {name: sha256_of(path) for name, path in paths.items()}
    files.update({str(paths[name]): digest for name, digest in digests.items()})
    key = (
        str(init.get("mode", "base")),
        tuple(str(name) for name in init.get("extra_math") or []),
        tuple(triggered_extensions(defined_inputs)),
        tuple(sorted((name, str(paths[name]), digest) for name, digest in digests.items())),
        _builtin_state(),
    )
    if key not in _CACHE:
        try:
            math = load_math(list(key[1]), paths, mode=key[0], extensions=key[2])
        except ModelError as err:
            problems.extend(err)
            return MathDefinition({}), ""
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = (math, math.to_yaml())
    return _CACHE[key]


def _builtin_state() -> tuple[tuple[str, int], ...]:
    """Names and modification times of the shipped math files (a change invalidates the cache)."""
    directory = Path(schema.BUILTIN_MATH_DIR)
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in directory.glob("*.yaml")))


def pivot_dims(math: MathDefinition) -> dict[str, str]:
    """Lookups whose YAML value names items of a dimension (`carrier_in: [gas]` → carriers).

    Those of every built-in extension count too: the data is read before it is known which
    extensions it switches on, and a lookup is read the same way whichever file declares it.
    """
    pivots = {"carrier_in": "carriers", "carrier_out": "carriers", "carrier_export": "carriers"}
    lookups = [*_extension_lookups(), *math.lookups.items()]
    for name, lookup in lookups:
        if isinstance(lookup, Mapping) and lookup.get("pivot_values_to_dim"):
            pivots[str(name)] = str(lookup["pivot_values_to_dim"])
    return pivots


def _extension_lookups() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name in builtin_extensions():
        found.extend((read_builtin(name).get("lookups") or {}).items())
    return found


def resample_methods(math: MathDefinition) -> dict[str, str]:
    """`resample_method` of every declared parameter and lookup (`first` when not declared)."""
    methods: dict[str, str] = {}
    for section in (math.parameters, math.lookups):
        for name, declaration in section.items():
            if isinstance(declaration, Mapping):
                methods[str(name)] = str(declaration.get("resample_method", "first"))
    return methods


def merge_triggered_extensions(math_text: str, defined_inputs: set[str] | frozenset[str]) -> str:
    """The stored math with every built-in extension that `defined_inputs` newly switch on.

    For stages after `prepare_inputs` that add inputs, such as time clustering (its lookups
    switch on `storage_inter_cluster`). An extension already in the math (all its triggers
    declared there) is left where it is. New ones are merged over the stored math in file-name
    order, i.e. after the model's own `extra_math`: a model whose math file changes one of our
    extension's components must list that extension in `extra_math` before its own file, so
    that the extension is loaded (and overridden) at `prepare_inputs` already.
    """
    math = MathDefinition.from_yaml_text(math_text, source="inputs.attrs['math']")
    declared = set(math.data["parameters"]) | set(math.data["lookups"])
    extensions = builtin_extensions()
    new = [
        name for name in triggered_extensions(defined_inputs) if not extensions[name] <= declared
    ]
    if not new:
        return math_text
    merged: dict[str, Any] = {key: value for key, value in math.data.items() if value}
    origins = dict(math.origins)
    for name in new:
        text = read_builtin(name)
        merged = merge_math(merged, text)
        origins.update(
            {
                f"{sec}.{comp}": f"{name}.yaml"
                for sec in schema.SECTIONS
                for comp in text.get(sec) or {}
            }
        )
    return MathDefinition(merged, origins).to_yaml()
