"""Parse trees kept on disk between processes, so that a workflow step does not parse the math again.

Parsing one math string with the pyparsing grammar costs ~3 ms, a model's math has ~200 of them,
and every step that reads the math (prepare_inputs checks every name, build_model builds, the
modes link the program back to its inputs) is a fresh Python process: about 0.5 CPU-s per step,
a fifth of loading and building Calliope's national_scale over a whole year. A tree depends only
on its string and on the parser's code, so the trees are stored in the user's cache directory,
in a file named after grammar.py, tree.py, pyparsing's version and Python's: a change to any of
them starts a new file.

Safe by construction: only successful parses are stored (a syntax error is parsed, and reported,
every time); an unreadable, truncated or foreign file is ignored and the strings are parsed
again; the file is written at exit to a temporary name and renamed over the old one, so processes
running side by side never see half a file (the last writer wins; an entry it did not know is
only parsed again next time). `ESMFLOW_CACHE_DIR` moves the directory (default
`$XDG_CACHE_HOME/esmflow`, else `~/.cache/esmflow`); `ESMFLOW_CACHE_DIR=off` turns the store off.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any

CACHE_DIR_VARIABLE = "ESMFLOW_CACHE_DIR"
_LARGEST = 20_000  # entries; a store that grew past this (many generated strings) starts afresh


def cache_dir() -> Path | None:
    """Where esmflow keeps what it can compute again (None: switched off)."""
    chosen = os.environ.get(CACHE_DIR_VARIABLE)
    if chosen is not None:
        off = chosen.strip().lower() in ("", "off", "0", "false", "no")
        return None if off else Path(chosen).expanduser()  # `~/cache` means the home folder
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "esmflow"


def store_name(sources: list[Path], *versions: str) -> str:
    """The file name for trees made by these source files under these versions."""
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.read_bytes())
    for version in versions:
        digest.update(version.encode())
    return f"parse-trees-{digest.hexdigest()[:16]}.pickle"


class ParseStore:
    """Trees by string, read from `path` on first use and written back at exit if any were added."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._trees: dict[str, Any] | None = None
        self._added = 0

    def get(self, text: str) -> Any | None:
        """The stored tree of `text`, or None."""
        return self._loaded().get(text)

    def put(self, text: str, node: Any) -> None:
        """Keep a freshly parsed tree (written to disk when the process exits)."""
        trees = self._loaded()
        trees[text] = node
        if self.path is not None and not self._added:
            atexit.register(self.save)
        self._added += 1

    def save(self) -> None:
        """Merge with what is on disk now and write atomically; never raises (a cache is optional)."""
        if self.path is None or not self._added or self._trees is None:
            return
        merged = {**_read(self.path), **self._trees}
        if len(merged) > _LARGEST:
            merged = dict(self._trees)
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "wb") as handle:
                pickle.dump(merged, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
            self._added = 0
        except (OSError, pickle.PicklingError):  # read-only home, full disk: parse next time
            temporary.unlink(missing_ok=True)

    def _loaded(self) -> dict[str, Any]:
        if self._trees is None:
            self._trees = _read(self.path) if self.path is not None else {}
        return self._trees


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            found = pickle.load(handle)
    except FileNotFoundError:
        return {}
    except Exception:  # noqa: BLE001 - a damaged or foreign cache file is only ignored
        return {}
    return found if isinstance(found, dict) else {}


def store_for(sources: list[Path]) -> ParseStore:
    """The store of the trees these parser sources make (off if the cache directory is)."""
    directory = cache_dir()
    if directory is None:
        return ParseStore(None)
    import pyparsing  # the parser's own version is part of the key

    name = store_name(sources, pyparsing.__version__, sys.version)
    return ParseStore(directory / name)
