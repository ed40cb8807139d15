"""Write result files atomically: to a temporary file next to the target, then rename.

A reader (or Snakemake after a crash) then sees either the old file or the complete new one, never
half a netCDF file. `os.replace` is atomic on POSIX when source and target share a file system,
which is why the temporary file sits in the target's own folder.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr
import yaml


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
        os.replace(temporary_path, target)
    finally:
        temporary_path.unlink(missing_ok=True)


def write_netcdf(dataset: xr.Dataset, path: str | Path) -> None:
    """Write a Dataset as netCDF4, compressed, atomically."""
    encoding = {
        name: {"zlib": True, "complevel": 4}
        for name, variable in dataset.data_vars.items()
        if variable.dtype.kind in "fiub" and variable.ndim > 0
    }
    # Encodings inherited from a file the data came from (chunk sizes, source path) can clash with
    # the new layout; let xarray choose afresh.
    with atomic_path(path) as temporary:
        dataset.drop_encoding().to_netcdf(temporary, engine="netcdf4", encoding=encoding)


def write_csv(table: pd.DataFrame | pd.Series, path: str | Path, index: bool = True) -> None:
    """Write a table as CSV, atomically."""
    with atomic_path(path) as temporary:
        table.to_csv(temporary, index=index)


def write_yaml(data: Mapping[str, Any], path: str | Path) -> None:
    """Write a mapping as block-style YAML (keys in the given order), atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(yaml.safe_dump(dict(data), sort_keys=False, default_flow_style=False))
