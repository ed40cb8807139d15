"""Warnings that cannot be missed: each stage's ModelWarnings travel with its output files.

A ModelWarning (an unused parameter, a dropped solver option, badly scaled numbers …) is easy to
miss in a rule's log among a dozen scenarios. So each stage records the ModelWarnings it raises,
appends them to the list its output carries (the `warnings` attribute of `inputs.nc`,
`model_inputs.nc` and `model.nc`: a JSON list), and the solve lists all of them under `warnings:`
in `solve_status.yaml`, which the workflow prints at the end of a run. `esmflow.Model` keeps them on
its results as well.

Recording never hides a warning: it only looks at each warning on its usual way to the rule's log
(through `logging.captureWarnings`), pytest, or a notebook.
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
    """Yield a list that receives a record of every ModelWarning shown inside the block.

    Warnings go their usual way (the caller's filters, `logging.captureWarnings`, pytest); this
    only looks at each one as it is shown. A ModelWarning is shown every time it is raised in a
    stage (Python would show it once per code location and process, so a second model built in
    the same session would lose it) but once per message; a filter that turns ModelWarnings into
    errors or ignores them is left as the caller set it.
    """
    records: list[Record] = []
    show = warnings.showwarning
    shown: set[str] = set()

    def record_and_show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, ModelWarning):
            if str(message) in shown:
                return
            shown.add(str(message))
            records.append({"stage": stage, "message": str(message)})
        show(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        if _shown_once_at_most():
            warnings.simplefilter("always", ModelWarning)
        warnings.showwarning = record_and_show
        yield records


def _shown_once_at_most() -> bool:
    """Whether the filters in force would show a ModelWarning only once per location or module."""
    for action, message, category, module, lineno in warnings.filters:
        if message is None and module is None and not lineno and issubclass(ModelWarning, category):
            return action in ("default", "once", "module")
    return True


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
