"""Warnings that cannot be missed: each stage's ModelWarnings travel with its output files.

A ModelWarning (an unused parameter, a dropped solver option, badly scaled numbers …) is easy to
miss in a rule's log among a dozen scenarios. So each stage records the ModelWarnings it raises,
appends them to the list its output carries (the `warnings` attribute of `inputs.nc`,
`model_inputs.nc` and `model.nc`: a JSON list), and the solve lists all of them under `warnings:`
in `solve_status.yaml`, which the workflow prints at the end of a run. `esmflow.Model` keeps them on
its results as well.

Recording never hides a warning: every warning caught is issued again when the stage ends, so it
still reaches the rule's log (through `logging.captureWarnings`), pytest, or a notebook.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from esmflow.errors import ModelWarning

WARNINGS_ATTR = "warnings"
Record = dict[str, str]  # {"stage": "prepare_inputs", "message": "…"}


@contextlib.contextmanager
def recording(stage: str) -> Iterator[list[Record]]:
    """Yield a list that receives a record of every ModelWarning raised inside the block.

    The warnings are issued again on leaving the block (also when it fails), in order and each
    once, so the caller's filters and log handlers see them as if nothing had caught them.
    """
    records: list[Record] = []
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught_here:
            warnings.simplefilter("always")
            caught = caught_here
            yield records
    finally:
        for warning in caught:
            if issubclass(warning.category, ModelWarning):
                records.append({"stage": stage, "message": str(warning.message)})
        records[:] = unique(records)
        issued: set[tuple[type[Warning], str]] = set()
        for warning in caught:
            key = (warning.category, str(warning.message))
            if key not in issued:  # once each, as Python's default filter would show them
                issued.add(key)
                warnings.warn_explicit(
                    warning.message, warning.category, warning.filename, warning.lineno
                )


def unique(records: Iterable[Mapping[str, str]]) -> list[Record]:
    """Records without repeats (the same warning raised twice in a stage), first seen first."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for record in records:
        key = (str(record.get("stage", "")), str(record.get("message", "")))
        if key not in seen:
            seen.add(key)
            kept.append({"stage": key[0], "message": key[1]})
    return kept


def stored(attrs: Mapping[str, Any]) -> list[Record]:
    """The records a file's attributes carry (none if it has no `warnings` attribute)."""
    text = attrs.get(WARNINGS_ATTR)
    if not text:
        return []
    return unique(json.loads(str(text)))


def encoded(records: Iterable[Mapping[str, str]]) -> str:
    """Records as the JSON text of a `warnings` attribute."""
    return json.dumps(unique(records))


def with_records(attrs: Mapping[str, Any], records: Iterable[Mapping[str, str]]) -> dict[str, Any]:
    """A copy of `attrs` whose `warnings` attribute lists its earlier records, then `records`."""
    return {**attrs, WARNINGS_ATTR: encoded([*stored(attrs), *records])}


def as_lines(records: Iterable[Mapping[str, str]]) -> list[str]:
    """One readable line per record: `[stage] message`."""
    return [f"[{record['stage']}] {record['message']}" for record in unique(records)]
