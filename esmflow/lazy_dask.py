"""xarray's check for dask arrays, without importing dask.array in processes that never make one.

xarray asks, for (nearly) every array it wraps, whether the data is a dask array; the first time,
it answers by importing `dask.array` (installed here because linopy requires dask), which pulls
in scipy.fft and costs 0.2–0.3 CPU-s and ~18 MB in every process: every workflow step, and a
tenth of loading and building Calliope's national_scale over a year. esmflow never makes dask
arrays. This module gives xarray's cache of duck-array modules (`xarray.namedarray.pycompat`,
pinned with xarray in envs/) an entry for dask whose array type answers `isinstance` itself: an
object whose class comes from dask is checked against the real `dask.array.Array` (imported
then, so a user's dask arrays behave as before), any other object is not a dask array. Nothing
else changes: the installed dask's version is reported as it is.

`install()` runs when `xarray.namedarray.pycompat` is first imported (`watch()`, called by
`esmflow/__init__.py`, adds a finder that waits for it), or at once if xarray is loaded already.
If xarray's internals ever differ from what this expects, it leaves them alone.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.metadata
import sys
from typing import Any

_PYCOMPAT = "xarray.namedarray.pycompat"


class _DaskArrayCheck(type):
    """The metaclass whose `isinstance` imports dask.array only for objects from dask."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if not type(instance).__module__.startswith("dask"):
            return False
        from dask.array import Array

        return isinstance(instance, Array)


class DaskArray(metaclass=_DaskArrayCheck):
    """Stands for `dask.array.Array` in xarray's checks (see the module docstring)."""


def install() -> bool:
    """Put the lazy dask entry into xarray's cache; False if it was not needed or not possible."""
    pycompat = sys.modules.get(_PYCOMPAT)
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    module_type = getattr(pycompat, "DuckArrayModule", None)
    if not isinstance(cache, dict) or module_type is None or "dask" in cache:
        return False
    if "dask.array" in sys.modules:  # already paid for: xarray's own entry is as cheap
        return False
    try:
        version = importlib.metadata.version("dask")
    except importlib.metadata.PackageNotFoundError:
        return False  # no dask: xarray's own probe finds nothing, cheaply
    from packaging.version import Version

    entry = object.__new__(module_type)
    entry.module = None  # xarray reads only `type`, `version` and `available` of this entry
    entry.version = Version(version)
    entry.type = (DaskArray,)
    entry.available = True
    cache["dask"] = entry
    return True


class _InstallAfterImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself; when xarray's pycompat module is imported, installs right after."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != _PYCOMPAT:
            return None
        sys.meta_path[:] = [finder for finder in sys.meta_path if finder is not self]
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _InstallingLoader(spec.loader)
        return spec


class _InstallingLoader(importlib.abc.Loader):
    """The module's own loader (every other attribute is its), installing after execution."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def __getattr__(self, name: str) -> Any:  # get_source (tracebacks), get_code, is_package…
        return getattr(self.loader, name)

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.loader.exec_module(module)  # (already in sys.modules, as the import system does)
        install()


def watch() -> None:
    """Install now if xarray is loaded, else when it is (once per process)."""
    if _PYCOMPAT in sys.modules:
        install()
    elif not any(isinstance(finder, _InstallAfterImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _InstallAfterImport())
