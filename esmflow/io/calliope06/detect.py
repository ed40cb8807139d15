"""Is a model file Calliope 0.6's? (Its own top-level keys, not 0.7's `config`/`nodes`.)

Kept to plain YAML so that the workflow can ask cheaply; `rules/common.smk` repeats the same
test without importing esmflow (tests/test_convert_v06_workflow.py checks that both agree).
"""

from __future__ import annotations

from pathlib import Path

import yaml

MARKERS_06 = ("model", "run", "locations", "links", "tech_groups")
MARKERS_07 = ("config", "nodes", "data_tables", "templates", "data_definitions")


def is_calliope06(path: str | Path) -> bool:
    """True if the file's top level has a 0.6 section (`model`, `run`, `locations`, …) and no 0.7 one."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    if not isinstance(data, dict):
        return False
    keys = {str(key).split(".")[0] for key in data}
    return bool(keys & set(MARKERS_06)) and not keys & set(MARKERS_07)
