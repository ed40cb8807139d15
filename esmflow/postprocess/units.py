"""Units and descriptions for results: the model's units, each array's meaning, the horizon covered.

The math files give each parameter and result a unit in generic words (`power`, `energy`,
`cost/energy`, `fraction`, …) and a description; the model's `units:` block (see
`esmflow.preprocess.units`, stored as the inputs' `units` attribute) says what the words stand
for. `annotate` writes both onto every array of the results, so `results.nc` explains itself,
and plots and tables take their labels from here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import xarray as xr

from esmflow.math.schema import MathDefinition

HOURS_PER_YEAR = 8760.0
# Math sections whose entries may appear in the results, in the order they are looked up.
_SECTIONS = ("variables", "global_expressions", "postprocessed", "parameters", "lookups")
_WORDS = re.compile(r"\b(power|energy|cost|area|distance)\b")


@dataclass(frozen=True)
class ModelUnits:
    """What the generic unit words mean in this model (the word itself where it does not say)."""

    power: str = "power"
    energy: str = "energy"
    area: str = "area"
    distance: str = "distance"
    cost: dict[str, str] = field(default_factory=dict)  # cost class → unit

    @classmethod
    def of(cls, data: xr.Dataset) -> ModelUnits:
        """The units stored with inputs or results (attribute `units`, JSON)."""
        stored = json.loads(str(data.attrs.get("units") or "{}"))
        plain = {
            key: str(stored[key])
            for key in ("power", "energy", "area", "distance")
            if key in stored
        }
        return cls(**plain, cost=dict(stored.get("cost") or {}))

    def cost_unit(self, cost_class: str | None = None) -> str:
        """The unit of one cost class; without a class, the unit all classes share (or 'cost')."""
        if cost_class is not None:
            return self.cost.get(str(cost_class), "cost")
        shared = set(self.cost.values())
        return shared.pop() if len(shared) == 1 else "cost"

    def concrete(self, generic: str, cost_class: str | None = None) -> str:
        """A math file's unit in this model's terms: 'cost/energy' → 'kUSD/MWh'."""
        generic = str(generic).split(" (")[0].strip()  # "energy (or energy/area …)" → "energy"
        words = {
            "power": self.power,
            "energy": self.energy,
            "area": self.area,
            "distance": self.distance,
            "cost": self.cost_unit(cost_class),
        }
        return _WORDS.sub(lambda match: words[match.group(1)], generic)

    def of_array(self, generic: str, array: xr.DataArray) -> str:
        """The unit of an array: per cost class where it has costs in different units."""
        if "cost" not in generic or "costs" not in array.dims or len(set(self.cost.values())) < 2:
            return self.concrete(generic)
        classes = [str(c) for c in array["costs"].values]
        return "; ".join(f"{cost}: {self.concrete(generic, cost)}" for cost in classes)


def axis_label(text: str, unit: str) -> str:
    """An axis label with its unit: 'installed capacity (MW)'."""
    return f"{text} ({unit})"


def math_entry(math: MathDefinition, name: str) -> dict[str, Any] | None:
    """The math file's entry of a result or input by name (variable, expression, parameter …)."""
    for section in _SECTIONS:
        entry = getattr(math, section, {}).get(name)
        if isinstance(entry, dict):
            return entry
    return None


def annotate(results: xr.Dataset, math: MathDefinition) -> xr.Dataset:
    """Every array that the math describes gets `description`, `unit` and `math_unit` attributes."""
    units = ModelUnits.of(results)
    annotated = results.copy()
    for name, array in results.data_vars.items():
        entry = math_entry(math, str(name))
        if entry is None:
            continue
        attrs = {}
        if entry.get("description"):
            attrs["description"] = " ".join(str(entry["description"]).split())
        if entry.get("title"):
            attrs["long_name"] = str(entry["title"])
        if entry.get("unit"):
            attrs["math_unit"] = str(entry["unit"])
            attrs["unit"] = units.of_array(str(entry["unit"]), array)
        annotated[name] = array.assign_attrs(attrs)
    return annotated


@dataclass(frozen=True)
class Horizon:
    """The stretch of time a model covers, and how many hours of it the results stand for."""

    start: pd.Timestamp
    end: pd.Timestamp
    hours: float

    @property
    def per_year(self) -> float:
        """Factor from a horizon total to a yearly value (8760 h / modelled hours)."""
        return HOURS_PER_YEAR / self.hours if self.hours > 0 else float("nan")

    def text(self) -> str:
        """'2030-01-01 00:00 to 2030-01-08 00:00 (168 h)'."""
        return f"{self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} ({self.hours:g} h)"


def horizon(data: xr.Dataset) -> Horizon:
    """The horizon of inputs or results, weighted hours included (clustered time: the whole year)."""
    resolution = data["timestep_resolution"]
    weights = data["timestep_weights"] if "timestep_weights" in data else xr.ones_like(resolution)
    hours = float((resolution * weights.fillna(1.0)).sum())
    if "datesteps" in data.coords:
        start = pd.Timestamp(data["datesteps"].values[0])
    else:
        start = pd.Timestamp(data["timesteps"].values[0])
    return Horizon(start=start, end=start + pd.Timedelta(hours=hours), hours=hours)
