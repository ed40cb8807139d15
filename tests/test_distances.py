"""Link lengths from coordinates: geopy's WGS-84 geodesic, in km (default) or m, only where missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from esmflow.errors import ModelError
from esmflow.io.read_model import read_model
from esmflow.preprocess.distances import add_distances
from esmflow.preprocess.inputs import prepare_inputs

TINY = Path(__file__).parent / "data" / "loader" / "tiny"


def _inputs(**set_values: object):
    values = {key.replace("__", "."): value for key, value in set_values.items()}
    return prepare_inputs(read_model(TINY / "model.yaml", set_values=values))


def test_berlin_munich_is_about_504_km() -> None:
    # A = Berlin (52.52 N, 13.405 E), B = Munich (48.137 N, 11.575 E)
    distance = add_distances(_inputs())["distance"]
    assert distance.sel(techs="power_line").item() == pytest.approx(504.6127, abs=1e-3)
    assert distance.sel(techs="gas_plant").isnull()  # not a link


def test_distance_unit_metres() -> None:
    distance = add_distances(_inputs(config__init__distance_unit="m"))["distance"]
    assert distance.sel(techs="power_line").item() == pytest.approx(504612.7, abs=1)


def test_a_given_distance_is_kept() -> None:
    distance = add_distances(_inputs(techs__power_line__distance=600))["distance"]
    assert distance.sel(techs="power_line").item() == 600


def test_without_coordinates_nothing_is_added() -> None:
    inputs = _inputs(
        nodes__A__latitude=None,
        nodes__A__longitude=None,
        nodes__B__latitude=None,
        nodes__B__longitude=None,
    )
    assert "distance" not in add_distances(inputs)


def test_link_end_without_coordinates_is_an_error() -> None:
    inputs = _inputs(nodes__B__latitude=None, nodes__B__longitude=None)
    with pytest.raises(ModelError, match=r"techs\.power_line\.distance"):
        add_distances(inputs)
