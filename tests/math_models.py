"""Tiny inline models for the math tests: write a model dict to a folder, build and solve it.

Each math test describes a one- or two-node model with two to four hourly timesteps as a plain
dict (Calliope 0.7 YAML), works out the optimum by hand in a comment, and solves it here through
the public façade (`esmflow.Model.from_yaml` → `.build()` → `.solve()`).

Investment costs are charged for the share of a year the model covers, Σ Δt·w / 8760, so with
two hourly steps a `cost_flow_cap` of 4380 costs 1 per unit of capacity (three steps: 2920,
four steps: 2190), once the tech has `cost_depreciation_rate: 1`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from esmflow import Model

TIMESTEPS = [f"2005-01-01 {hour:02d}:00" for hour in range(6)]
# Capacity cost per unit that annualises to exactly 1 when the model spans this many hours
# (with `cost_depreciation_rate: 1`): 8760 / hours.
COST_ONE_PER_UNIT = {hours: 8760 / hours for hours in (1, 2, 3, 4, 6)}


def timeseries(*values: float, timesteps: Sequence[str] = TIMESTEPS) -> dict[str, Any]:
    """A parameter over `timesteps`, one value per step from the first step on."""
    return {"data": list(values), "index": list(timesteps[: len(values)]), "dims": ["timesteps"]}


def per_cost(value: float, cost: str = "monetary") -> dict[str, Any]:
    """A parameter value for one cost class (e.g. `cost_flow_cap: per_cost(10)`)."""
    return {"data": value, "index": [cost], "dims": ["costs"]}


def per_carrier_cost(value: float, carrier: str, cost: str = "monetary") -> dict[str, Any]:
    """A cost that applies to one carrier of a multi-carrier tech."""
    return {"data": value, "index": [[cost, carrier]], "dims": ["costs", "carriers"]}


def demand(carrier: str, *values: float) -> dict[str, Any]:
    """A demand tech that must take exactly `values` (energy per step) of `carrier`."""
    return {"base_tech": "demand", "carrier_in": carrier, "sink_use_equals": timeseries(*values)}


def supply(
    carrier: str = "power", cost_per_unit: float | None = None, **params: Any
) -> dict[str, Any]:
    """A supply tech; `cost_per_unit` is a monetary cost per unit of source drawn."""
    tech: dict[str, Any] = {"base_tech": "supply", "carrier_out": carrier}
    if cost_per_unit is not None:
        tech["cost_source_use"] = per_cost(cost_per_unit)
    tech.update(params)
    return tech


def model_definition(
    techs: Mapping[str, Any],
    nodes: Mapping[str, Any] | None = None,
    *,
    config: Mapping[str, Any] | None = None,
    **top_level: Any,
) -> dict[str, Any]:
    """A whole model: `techs`, by default all non-transmission techs at one node `A`."""
    if nodes is None:
        at_node = {name: None for name, tech in techs.items() if "link_from" not in tech}
        nodes = {"A": {"techs": at_node}}
    definition: dict[str, Any] = {
        "config": {"init": {"name": "tiny math test"}, "build": {}, "solve": {}},
        "techs": copy.deepcopy(dict(techs)),
        "nodes": copy.deepcopy(dict(nodes)),
    }
    for section, values in (config or {}).items():
        definition["config"][section].update(values)
    definition.update(copy.deepcopy(top_level))
    return definition


def write_model(
    folder: Path, definition: Mapping[str, Any], files: Mapping[str, str] | None = None
) -> Path:
    """Write `model.yaml` (and any extra files, e.g. user math or CSV) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    path = folder / "model.yaml"
    path.write_text(yaml.safe_dump(dict(definition), sort_keys=False))
    return path


def solve_model(
    folder: Path,
    definition: Mapping[str, Any],
    files: Mapping[str, str] | None = None,
    **from_yaml: Any,
) -> Model:
    """Write, load, build and solve a model; return the solved `Model`."""
    model = Model.from_yaml(write_model(folder, definition, files), **from_yaml)
    model.build()
    model.solve()
    return model


def objective(model: Model) -> float:
    """The optimal objective value of a solved model."""
    assert model.solve_result is not None
    return float(model.solve_result.objective)


def value(model: Model, name: str, **selection: Any) -> float:
    """One number from the results (a variable or expression by its Calliope name)."""
    assert model.results is not None
    array = model.results[name]
    selection = {dim: _as_label(array, dim, label) for dim, label in selection.items()}
    return float(array.sel(selection).squeeze())


def values(model: Model, name: str, **selection: Any) -> list[float]:
    """A time series (or other 1-D slice) from the results, as a list."""
    assert model.results is not None
    array = model.results[name]
    selection = {dim: _as_label(array, dim, label) for dim, label in selection.items()}
    return [float(item) for item in array.sel(selection).fillna(0).values.ravel()]


def _as_label(array: Any, dim: str, label: Any) -> Any:
    """Timesteps may be given as strings or as integer positions; other labels pass through."""
    if dim == "timesteps" and isinstance(label, int):
        return array.coords["timesteps"].values[label]
    return label


def solve_with_weights(
    folder: Path, definition: Mapping[str, Any], weights: Sequence[float]
) -> Model:
    """Solve with `timestep_weights` replaced, as time clustering would set them.

    The loader sets every weight to 1 (as Calliope does; a model file cannot set them), so the
    weights go into the prepared inputs directly.
    """
    loaded = Model.from_yaml(write_model(folder, definition))
    inputs = loaded.inputs.copy()
    inputs["timestep_weights"] = inputs["timestep_weights"].copy(data=list(weights))
    model = Model(inputs)
    model.build()
    model.solve()
    return model
