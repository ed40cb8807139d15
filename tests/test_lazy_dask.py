"""xarray still recognises dask arrays after esmflow answers its dask check lazily (lazy_dask.py)."""

from __future__ import annotations

import numpy as np
import xarray as xr

import esmflow  # noqa: F401 - installs the lazy check
from esmflow import lazy_dask


def test_the_lazy_entry_is_what_xarray_uses():
    from xarray.namedarray.pycompat import _cached_duck_array_modules, array_type

    lazy_dask.watch()  # xarray is loaded by now: installs at once unless dask.array was imported
    if _cached_duck_array_modules["dask"].type != (lazy_dask.DaskArray,):
        # another test imported dask.array first: xarray's own entry is in place, nothing to check
        assert "dask" in _cached_duck_array_modules
        return
    assert array_type("dask") == (lazy_dask.DaskArray,)
    assert not isinstance(np.arange(3), lazy_dask.DaskArray)


def test_dask_arrays_still_work_through_xarray():
    import dask.array as da

    assert isinstance(da.ones(4, chunks=2), lazy_dask.DaskArray)
    lazy = xr.DataArray(da.ones((4, 2), chunks=(2, 2)), dims=("a", "b"))
    assert lazy.chunks == ((2, 2), (2,))  # still a chunked (dask) array for xarray
    assert float(lazy.sum().compute()) == 8.0
    masked = np.ma.masked_array([1.0, 2.0], mask=[False, True])
    assert np.isnan(xr.DataArray(masked).values[1])  # the masked-array path is untouched
