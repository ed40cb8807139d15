"""Read a Calliope 0.7 model definition: imports, overrides/scenarios, `set` values. (CONTRACT STUB)"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ModelDefinition:
    """A model's YAML after imports, overrides and `set` values, plus what was read to get it.

    `data` still holds `templates:` and `data_tables:` unexpanded; `prepare_inputs` turns it into the
    inputs Dataset. `files` maps every file read (YAML and CSV, absolute paths) to its sha256, for
    provenance.
    """

    path: Path
    data: dict[str, Any]
    applied_overrides: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)


def read_model(path: str | Path, overrides: list[str] | tuple[str, ...] = (), set_values: dict[str, Any] | None = None) -> ModelDefinition:
    """Read `path`, merge its imports, apply the named overrides/scenarios in order, then `set_values`."""
    raise NotImplementedError
