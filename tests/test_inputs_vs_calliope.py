"""esmflow's inputs for Calliope's own example models equal Calliope 0.7.0's `model.inputs`.

The references are written by Calliope itself on demand (tests/calliope_reference.py); the
example models are read unchanged from the Calliope install. Every variable is compared: names, dims (as
sets; order may differ) and values (NaN equal to NaN). Calliope's `__active` is a build-time
artefact (its `build()` writes it into `inputs`), so it is not expected from us. Skips cleanly on a
machine without those files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from esmflow.errors import ModelError
from esmflow.io.read_model import read_model
from esmflow.preprocess.distances import add_distances
from esmflow.preprocess.inputs import prepare_inputs
from tests import calliope_reference

EXAMPLES = calliope_reference.EXAMPLES
LOADER_DATA = Path(__file__).parent / "data" / "loader"
NOT_EXPECTED = {"__active"}  # written into Calliope's inputs by its build step, not an input


def _assert_same_inputs(
    ours: xr.Dataset, reference: xr.Dataset, not_expected: set[str] = NOT_EXPECTED
) -> None:
    expected_names = set(reference.data_vars) - not_expected
    assert set(ours.data_vars) == expected_names
    for dim in reference.dims:
        assert list(ours[dim].values) == list(reference[dim].values), dim
    for name in sorted(expected_names):
        theirs, mine = reference[name], ours[name]
        assert set(mine.dims) == set(theirs.dims), name
        mine = mine.transpose(*theirs.dims)
        if theirs.dtype.kind == "f":
            assert mine.dtype == np.float64, name
            np.testing.assert_allclose(mine.values, theirs.values, rtol=1e-12, err_msg=name)
        else:
            assert mine.dtype.kind == theirs.dtype.kind, name
            np.testing.assert_array_equal(mine.values, theirs.values, err_msg=name)


@pytest.mark.calliope
@pytest.mark.parametrize("example", ["national_scale", "urban_scale"])
def test_example_inputs_equal_calliope(example: str) -> None:
    reference_file = calliope_reference.inputs_file(example)
    ours = add_distances(prepare_inputs(read_model(EXAMPLES / example / "model.yaml")))
    with xr.open_dataset(reference_file) as reference:
        _assert_same_inputs(ours, reference.load())


@pytest.mark.calliope
def test_national_scale_distances_match_calliope() -> None:
    """Geodesic link lengths (geopy) agree with Calliope's (geographiclib) to the last digits."""
    calliope_reference.require()
    model_file = EXAMPLES / "national_scale" / "model.yaml"
    distance = add_distances(prepare_inputs(read_model(model_file)))["distance"]
    assert distance.sel(techs="region1_to_region1_3").item() == pytest.approx(
        111.02504554650886, rel=1e-12
    )
    assert distance.sel(techs="region1_to_region2").item() == pytest.approx(
        512.2663552306421, rel=1e-12
    )


@pytest.mark.calliope
def test_national_scale_full_year_loads() -> None:
    """Without a subset the whole year of hourly data is read (timing lives in bench/)."""
    calliope_reference.require()
    model_file = EXAMPLES / "national_scale" / "model.yaml"
    definition = read_model(model_file, set_values={"config.init.subset.timesteps": None})
    inputs = add_distances(prepare_inputs(definition))
    assert inputs.sizes["timesteps"] == 8760
    assert inputs["sink_use_equals"].notnull().sum() == 8760 * 2  # demand at two nodes


OVERRIDE_CASES = {
    # reference file in tests/data/loader/calliope_refs → (example, overrides, set values)
    "national_time_resampling": ("national_scale", ["time_resampling"], {}),
    "urban_resample_3h": ("urban_scale", [], {"config.init.resample.timesteps": "3h"}),
}


@pytest.mark.calliope
@pytest.mark.parametrize("case", sorted(OVERRIDE_CASES))
def test_example_overrides_equal_calliope(case: str) -> None:
    """Resampling (sum/mean per parameter), node-level `active: false` and capacities, subsets.

    References are written by Calliope 0.7.0 (tests/data/loader/calliope_refs/make_refs.py);
    the `operate` overrides are read with `mode: base` (modes are not part of the loader).
    """
    example, overrides, set_values = OVERRIDE_CASES[case]
    reference_file = calliope_reference.inputs_file(case)
    model_file = EXAMPLES / example / "model.yaml"
    ours = add_distances(prepare_inputs(read_model(model_file, overrides, set_values)))
    with xr.open_dataset(reference_file) as reference:
        _assert_same_inputs(ours, reference.load())


@pytest.mark.calliope
@pytest.mark.parametrize("example", ["national_scale", "urban_scale"])
def test_operate_capacities_in_base_mode_are_an_error(example: str) -> None:
    """Calliope's `operate` overrides give capacities (`flow_cap`, …) as data; read in base mode,
    no math reads them (Calliope 0.7 keeps them silently), so esmflow stops and says why. Operate
    mode itself (where they are read) is not built yet.
    """
    calliope_reference.require()
    model_file = EXAMPLES / example / "model.yaml"
    with pytest.raises(ModelError, match=r"(?s)'flow_cap' is a decision variable.*flow_cap_max"):
        prepare_inputs(read_model(model_file, ["operate"], {"config.init.mode": "base"}))


def test_edge_model_equals_calliope() -> None:
    """Our own corner-case model (tables defining techs, carriers and scalars; node-level
    templates and indexed overrides; data_definitions over nodes × techs; an inactive node
    whose link disappears; a tech switched off; one-way link with a given distance) against the
    inputs Calliope 0.7.0 made from it. `color` is left out: Calliope fills missing colours from
    its own palette, esmflow leaves them undefined.
    """
    ours = add_distances(prepare_inputs(read_model(LOADER_DATA / "edge" / "model.yaml")))
    with xr.open_dataset(LOADER_DATA / "calliope_refs" / "edge.nc") as reference:
        _assert_same_inputs(ours, reference.load(), NOT_EXPECTED | {"color"})
