"""esmflow names for Calliope 0.6 labels: identifiers only (0.6 allowed `region1-1` and `0`)."""

from __future__ import annotations

import re

_NOT_WORD = re.compile(r"\W")


def identifier(label: str, prefix: str) -> str:
    """`region1-1` → `region1_1`; a label not starting with a letter gets `prefix` (`0` → `node_0`)."""
    name = _NOT_WORD.sub("_", str(label).strip())
    if not name or not name[0].isalpha():
        name = f"{prefix}_{name}"
    return name


def link_tech_name(tech: str, node_from: str, node_to: str) -> str:
    """The esmflow tech that carries 0.6 transmission tech `tech` on the link from → to."""
    return f"{tech}_{node_from}_to_{node_to}"


def split_list_key(key: str) -> list[str]:
    """0.6 wrote several locations as one key, `"region1-1, region1-2"`; links as `"a,b"`."""
    return [part.strip() for part in str(key).split(",") if part.strip()]
