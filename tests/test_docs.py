"""Every Python snippet of the READMEs runs as written, so none can break unnoticed again.

Each ```python block is run on its own, from the repository root (the snippets' paths are
relative to it), in a fresh interpreter as a reader would run it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "examples").glob("**/README.md"))]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def snippets() -> list[tuple[str, str]]:
    """(id, code) of every ```python block of the documents."""
    found = []
    for document in DOCUMENTS:
        for number, match in enumerate(PYTHON_BLOCK.finditer(document.read_text()), start=1):
            found.append((f"{document.relative_to(ROOT)}#{number}", match.group(1)))
    return found


def test_the_documents_have_snippets() -> None:
    names = [name for name, _ in snippets()]
    assert "README.md#1" in names
    assert "examples/README.md#1" in names


@pytest.mark.slow
@pytest.mark.parametrize(("name", "code"), snippets(), ids=[name for name, _ in snippets()])
def test_snippet_runs(name: str, code: str) -> None:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{name} failed:\n{done.stderr[-3000:]}"
