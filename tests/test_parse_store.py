"""Parse trees stored on disk between processes (esmflow/math/engine/parse_store.py)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from esmflow.errors import ModelError
from esmflow.math.engine import tree
from esmflow.math.engine.parse_store import ParseStore, cache_dir

ROOT = Path(__file__).resolve().parents[1]
# parses two strings, reports the trees (as text) and how often pyparsing's grammar was used
PARSE = """
import json, sys
from esmflow.math.engine import grammar
trees = [repr(grammar.parse(text)) for text in sys.argv[1:]]
print(json.dumps([trees, grammar._grammar.cache_info().misses]))
"""
TEXTS = ["flow_cap * 2 <= flow_cap_max", "sum(flow_out, over=techs) >= 0"]


def _parse_in_a_fresh_process(directory: str) -> tuple[list[str], int]:
    done = subprocess.run(
        [sys.executable, "-c", PARSE, *TEXTS],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "", "ESMFLOW_CACHE_DIR": directory},
        check=True,
    )
    trees, grammar_built = json.loads(done.stdout.strip().splitlines()[-1])
    return trees, grammar_built


def test_a_second_process_reads_the_trees_instead_of_parsing(tmp_path):
    first, built_first = _parse_in_a_fresh_process(str(tmp_path))
    assert built_first == 1  # parsed: the grammar was built
    assert len(list(tmp_path.glob("parse-trees-*.pickle"))) == 1
    second, built_second = _parse_in_a_fresh_process(str(tmp_path))
    assert built_second == 0  # every tree came from the store
    assert second == first


def test_a_damaged_store_is_ignored_and_replaced(tmp_path):
    _parse_in_a_fresh_process(str(tmp_path))
    (stored,) = tmp_path.glob("parse-trees-*.pickle")
    stored.write_bytes(b"not a pickle")
    trees, built = _parse_in_a_fresh_process(str(tmp_path))
    assert built == 1 and len(trees) == 2
    assert isinstance(pickle.loads(stored.read_bytes()), dict)  # written again, whole


def test_switched_off_nothing_is_written(tmp_path, monkeypatch):
    trees, built = _parse_in_a_fresh_process("off")
    assert built == 1 and len(trees) == 2
    monkeypatch.setenv("ESMFLOW_CACHE_DIR", "off")
    assert cache_dir() is None


def test_only_successful_parses_are_stored(tmp_path):
    from esmflow.math.engine import grammar

    store = ParseStore(tmp_path / "trees.pickle")
    original = grammar._STORE
    grammar._STORE = store
    grammar._parse_cached.cache_clear()
    try:
        with pytest.raises(ModelError, match="Could not parse"):
            grammar.parse("flow_cap +* 2")
        node = grammar.parse("flow_cap + 3")
    finally:
        grammar._STORE = original
        grammar._parse_cached.cache_clear()
    store.save()
    kept = pickle.loads((tmp_path / "trees.pickle").read_bytes())
    assert list(kept) == ["flow_cap + 3"]
    assert isinstance(kept["flow_cap + 3"], tree.BinaryOp) and kept["flow_cap + 3"] == node


def test_a_store_merges_with_what_another_process_wrote(tmp_path):
    path = tmp_path / "trees.pickle"
    one, other = ParseStore(path), ParseStore(path)
    one.put("a", tree.Name("a"))
    other.put("b", tree.Name("b"))
    one.save()
    other.save()  # reads what `one` wrote and keeps it
    assert set(pickle.loads(path.read_bytes())) == {"a", "b"}


def test_a_cache_folder_under_home_is_expanded(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ESMFLOW_CACHE_DIR", "~/esmflow-cache")
    assert cache_dir() == tmp_path / "esmflow-cache"  # not a folder named "~" in the working dir
