"""Atomic result files: a reader sees the old file or the whole new one, never a partial one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import linopy
import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

from esmflow.io.results_file import (
    atomic_path,
    new_file_mode,
    small_chunk_cache,
    write_csv,
    write_netcdf,
    write_yaml,
)
from esmflow.math.program import Program


def test_netcdf_round_trip_keeps_bools_strings_and_attrs(tmp_path: Path) -> None:
    dataset = xr.Dataset(
        {
            "flow_cap_max": (("techs",), [1.5, np.nan]),
            "active": (("techs",), [True, False]),
            "base_tech": (("techs",), ["supply", ""]),
        },
        coords={"techs": ["gas", "solar"]},
        attrs={"config": "init: {}\n"},
    )
    path = tmp_path / "sub" / "inputs.nc"
    write_netcdf(dataset, path)
    with xr.open_dataset(path) as back:
        xr.testing.assert_identical(back.load(), dataset)
    assert [p.name for p in path.parent.iterdir()] == ["inputs.nc"]


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "status.yaml"
    write_yaml({"termination": "optimal"}, path)
    with pytest.raises(RuntimeError), atomic_path(path) as temporary:
        temporary.write_text("half a fi")
        raise RuntimeError("crash while writing")
    assert yaml.safe_load(path.read_text()) == {"termination": "optimal"}
    assert [p.name for p in tmp_path.iterdir()] == ["status.yaml"]


def test_rewrite_of_a_file_opened_from_disk(tmp_path: Path) -> None:
    # Writing a Dataset read from another netCDF must not trip over its stored encodings.
    first = tmp_path / "a.nc"
    write_netcdf(xr.Dataset({"x": ("t", np.arange(3.0))}), first)
    with xr.open_dataset(first) as stored:
        write_netcdf(stored.load() * 2, tmp_path / "b.nc")
    with xr.open_dataset(tmp_path / "b.nc") as back:
        assert back["x"].values.tolist() == [0.0, 2.0, 4.0]


def test_csv_and_yaml(tmp_path: Path) -> None:
    write_csv(pd.DataFrame({"techs": ["gas"], "value": [1.0]}), tmp_path / "t.csv", index=False)
    assert (tmp_path / "t.csv").read_text() == "techs,value\ngas,1.0\n"
    write_yaml({"b": 1, "a": [1, 2]}, tmp_path / "s.yaml")
    assert (tmp_path / "s.yaml").read_text() == "b: 1\na:\n- 1\n- 2\n"


@pytest.fixture(params=[0o022, 0o027])
def umask(request):
    """Run the test under this umask (as a user's shell would set it), then restore the old one."""
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_result_files_get_the_mode_the_umask_allows(tmp_path: Path, umask: int) -> None:
    # a new file is rw-rw-rw- minus the umask: 022 → rw-r--r--, 027 → rw-r-----
    expected = {0o022: 0o644, 0o027: 0o640}[umask]
    assert new_file_mode() == expected
    write_netcdf(xr.Dataset({"x": ("t", [1.0])}), tmp_path / "a.nc")
    write_csv(pd.DataFrame({"x": [1]}), tmp_path / "a.csv")
    write_yaml({"x": 1}, tmp_path / "a.yaml")
    program = Program(model=linopy.Model())
    program.model.add_variables(lower=0, name="x")
    program.to_netcdf(tmp_path / "model.nc")
    # a writer that itself writes atomically into the temporary path (as build_model does)
    with atomic_path(tmp_path / "nested.nc") as temporary:
        program.to_netcdf(temporary)
    for name in ("a.nc", "a.csv", "a.yaml", "model.nc", "nested.nc"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == expected, name


def test_files_are_written_with_a_small_chunk_cache_and_the_default_comes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """netCDF's default cache (64 MiB per array) held 1.1 GB while a large program was written;
    esmflow's writes use 4 MiB and leave the process's setting as it found it, error or not."""
    import netCDF4

    before = netCDF4.get_chunk_cache()
    seen: list[int] = []
    original = xr.Dataset.to_netcdf

    def spy(self, *args, **kwargs):
        seen.append(netCDF4.get_chunk_cache()[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(xr.Dataset, "to_netcdf", spy)
    write_netcdf(xr.Dataset({"x": (("t",), np.arange(3.0))}), tmp_path / "r.nc")
    assert seen == [4 * 2**20]
    assert netCDF4.get_chunk_cache() == before
    with pytest.raises(RuntimeError), small_chunk_cache():
        raise RuntimeError("a write that fails")
    assert netCDF4.get_chunk_cache() == before
