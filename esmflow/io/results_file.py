"""Write result files atomically: to a temporary file next to the target, then rename.

A reader (or Snakemake after a crash) then sees either the old file or the complete new one, never
half a netCDF file. `os.replace` is atomic on POSIX when source and target share a file system,
which is why the temporary file sits in the target's own folder.

`tempfile.mkstemp` creates its file readable by the owner only; a result file gets the mode any
newly created file would get (0o666 minus the umask), so colleagues sharing a cluster folder can
read the results when the user's umask lets them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # annotations only: every rule script imports this module (scripts/_job.py),
    # and one that only copies an attribute (dump_provenance) then needs no xarray (~0.5 s)
    import pandas as pd
    import xarray as xr


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces `path`, on error it is removed."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        # The writer may have replaced the temporary file by its own (e.g. another atomic write),
        # so the mode is set on whatever is there now, just before it takes the target's place.
        os.chmod(temporary_path, new_file_mode())
        os.replace(temporary_path, target)
    finally:
        temporary_path.unlink(missing_ok=True)


def new_file_mode() -> int:
    """The mode `open()` would give a new file: rw for everyone, minus the process's umask."""
    return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows (Linux ≥ 4.7).

    `os.umask` can only be read by setting it, which for a moment affects files other threads
    create; /proc avoids that.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_netcdf(dataset: xr.Dataset, path: str | Path) -> None:
    """Write a Dataset as netCDF4, compressed, atomically."""
    encoding = {
        name: {"zlib": True, "complevel": 4}
        for name, variable in dataset.data_vars.items()
        if variable.dtype.kind in "fiub" and variable.ndim > 0
    }
    # Encodings inherited from a file the data came from (chunk sizes, source path) can clash with
    # the new layout; let xarray choose afresh.
    with atomic_path(path) as temporary, small_chunk_cache():
        dataset.drop_encoding().to_netcdf(temporary, engine="netcdf4", encoding=encoding)


# netCDF's chunk cache per array while esmflow writes a file: one default chunk fits.
WRITE_CHUNK_CACHE_BYTES = 4 * 2**20


@contextlib.contextmanager
def small_chunk_cache(size: int = WRITE_CHUNK_CACHE_BYTES) -> Iterator[None]:
    """netCDF's chunk cache per array kept small while a file is written, then restored.

    netCDF-C gives every array of an open file its own chunk cache, 64 MiB by default in the
    library netCDF4 ships, and the caches of the arrays already written stay filled while the
    rest are written: writing the synthetic 20-node family's program (~80 arrays) held 1.1 GB
    more than its build (peak 2 270 → 1 311 MiB with this, the same write time, 4.1–4.4 s).
    xarray writes each array whole, in one call, so a small cache costs no extra work.
    """
    import netCDF4  # xarray's engine for every file esmflow writes; loaded by the write anyway

    before = netCDF4.get_chunk_cache()
    netCDF4.set_chunk_cache(size, before[1], before[2])
    try:
        yield
    finally:
        netCDF4.set_chunk_cache(*before)


def write_csv(table: pd.DataFrame | pd.Series, path: str | Path, index: bool = True) -> None:
    """Write a table as CSV, atomically."""
    with atomic_path(path) as temporary:
        table.to_csv(temporary, index=index)


def write_yaml(data: Mapping[str, Any], path: str | Path) -> None:
    """Write a mapping as block-style YAML (keys in the given order), atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(yaml.safe_dump(dict(data), sort_keys=False, default_flow_style=False))


def set_netcdf_attribute(path: str | Path, name: str, value: str, group: str | None = None) -> None:
    """Set one text attribute of a netCDF file in place (of its root, or of one of its groups).

    For files another library wrote whole (the program: linopy's dataset plus our group), where
    rewriting the file to add one attribute would cost a second write of all its arrays.
    """
    import netCDF4  # only for attributes; xarray reads and writes the arrays

    with netCDF4.Dataset(path, mode="a") as stored:
        target = stored.groups[group] if group else stored
        target.setncattr(name, value)


def read_netcdf_attributes(path: str | Path, group: str | None = None) -> dict[str, Any]:
    """The attributes of a netCDF file's root (or of one of its groups), without its arrays."""
    import netCDF4  # only for attributes; xarray reads and writes the arrays

    with netCDF4.Dataset(path, mode="r") as stored:
        source = stored.groups[group] if group else stored
        return {name: source.getncattr(name) for name in source.ncattrs()}
