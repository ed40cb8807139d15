"""The source a rule script runs, and one hash over it: a step re-runs exactly when its code changed.

Snakemake tracks a rule's script file but not the package it imports. Each rule therefore takes as
a param the hash of the files its script can execute: the script, the helper modules beside it it
imports (`_job.py`), every esmflow module reachable through imports (found statically, also
imports inside functions and `importlib.import_module("esmflow.…")` names, so nothing that may run
is left out), and the data files (the math YAML) in the folders of those modules. An edit to a
plotting module then re-runs the postprocessing, not the solve; an edit to the math re-runs the
build and everything after it.

Standard library only, and no import of esmflow's other modules: `rules/common.smk` loads this
file by path at every `snakemake` call, and the provenance record uses the same functions.
"""

import ast
import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

DATA_SUFFIXES = (".yaml", ".yml")


@cache
def _modules(package: Path) -> dict[str, Path]:
    """Dotted module name → file, for every Python module of the package."""
    modules = {}
    for path in package.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        parts = [package.name, *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _names(path: Path) -> frozenset[str]:
    """Every module name `path` may import: import statements anywhere, and module-name strings."""
    stat = path.stat()
    return _names_of(path, stat.st_mtime_ns, stat.st_size)


def _is_type_checking_block(node: ast.stmt) -> bool:
    """`if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`): imports for type checkers only."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@cache
def _names_of(path: Path, mtime_ns: int, size: int) -> frozenset[str]:
    # cached per file version: each file parsed once per snakemake call, however many rules
    tree = ast.parse(path.read_bytes(), filename=str(path))
    # A module-level `__getattr__` (PEP 562) imports only when its attribute is used: esmflow's
    # `esmflow.Model`, which no rule script uses; walking it would make every rule run everything.
    # An `if TYPE_CHECKING:` block imports nothing at run time either.
    tree.body = [
        node
        for node in tree.body
        if not (isinstance(node, ast.FunctionDef) and node.name == "__getattr__")
        and not _is_type_checking_block(node)
    ]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)  # importlib.import_module("esmflow.backends.pyomo_backend")
    return frozenset(names)


def source_files(scripts: Iterable[str | Path], package: str | Path) -> list[Path]:
    """The scripts, their helpers, the package modules they reach and those modules' data files."""
    package = Path(package).resolve()
    modules = _modules(package)
    todo = [Path(script).resolve() for script in scripts]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        in_package = package in path.parents
        for name in _names(path):
            parts = name.split(".")
            # importing a.b.c runs a/__init__.py and a/b/__init__.py too
            todo.extend(
                modules[prefix]
                for prefix in (".".join(parts[:n]) for n in range(1, len(parts) + 1))
                if prefix in modules
            )
            helper = path.parent / f"{name}.py"
            if not in_package and "." not in name and helper.is_file():
                todo.append(helper.resolve())  # a script's `from _job import …`
    folders = {path.parent for path in seen if package in path.parents}
    data = {
        path for folder in folders for suffix in DATA_SUFFIXES for path in folder.glob(f"*{suffix}")
    }
    return sorted(seen | data)


def files_hash(files: Iterable[Path], root: str | Path) -> str:
    """sha256 (16 hex digits) over the files' paths relative to `root` and their contents."""
    root = Path(root).resolve()
    digest = hashlib.sha256()
    for path in sorted(Path(file).resolve() for file in files):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(_content_digest(path))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _content_digest(path: Path) -> bytes:
    stat = path.stat()
    return _digest_of(path, stat.st_mtime_ns, stat.st_size)


@cache
def _digest_of(path: Path, mtime_ns: int, size: int) -> bytes:
    # cached per file version: each file read once per snakemake call, however many rules
    return hashlib.sha256(path.read_bytes()).digest()


def script_code_hash(script: str | Path, package: str | Path) -> str:
    """The hash of everything `script` runs (paths relative to the package's parent folder)."""
    package = Path(package).resolve()
    return files_hash(source_files([script], package), package.parent)


def package_code_hash(package: str | Path) -> str:
    """sha256 (16 hex digits) over all of a package's Python and YAML sources, math included."""
    package = Path(package)
    files = (
        path
        for path in package.rglob("*")
        if path.suffix in (".py", *DATA_SUFFIXES) and "__pycache__" not in path.parts
    )
    return files_hash(files, package)
