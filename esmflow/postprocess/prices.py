"""Marginal prices from the duals of the node balance, labels for every shadow price.

`shadow_price_system_balance` is the dual the solve stored (`esmflow.backends.duals`): the
change of the objective per extra unit of a carrier at a node in one *modelled* timestep. With
clustered time a modelled timestep stands for `timestep_weights` real ones, so the price of one
unit of energy is the dual divided by the weight; without clustering the two are equal.
"""

from __future__ import annotations

import xarray as xr

from esmflow.backends.duals import BALANCE, PREFIX
from esmflow.postprocess.units import ModelUnits


def objective_cost_unit(results: xr.Dataset, units: ModelUnits) -> str:
    """The unit of the objective: that of the cost classes it weighs (the shared one)."""
    if "objective_cost_weights" in results and "costs" in results.dims:
        weights = results["objective_cost_weights"].fillna(0.0)
        classes = [str(c) for c in weights["costs"].values[weights.values != 0]]
        if len({units.cost_unit(c) for c in classes}) == 1:
            return units.cost_unit(classes[0])
    return units.cost_unit()


def add_prices(results: xr.Dataset) -> xr.Dataset:
    """`price` (nodes, carriers, timesteps) per unit of energy; every shadow price described."""
    units = ModelUnits.of(results)
    cost = objective_cost_unit(results, units)
    described = results.copy()
    for name in [str(n) for n in results.data_vars if str(n).startswith(PREFIX)]:
        constraint = name.removeprefix(PREFIX)
        described[name] = results[name].assign_attrs(
            description=(
                f"Dual of the constraint `{constraint}`: the change of the optimal objective per "
                "unit its right-hand side is raised (from the LP with integer decisions fixed, "
                "for a mixed-integer program). Negative for a binding upper limit."
            ),
            unit=f"{cost} per unit of the constraint's right-hand side",
        )
    balance = PREFIX + BALANCE
    if balance in results:
        weights = results["timestep_weights"].fillna(1.0) if "timestep_weights" in results else 1
        described["price"] = (results[balance] / weights).assign_attrs(
            is_result=1,
            long_name="Marginal price",
            description=(
                "Marginal price of each carrier at each node in each timestep: what one more "
                "unit of energy there would cost the system (dual of `system_balance`, divided "
                "by the timestep's weight)."
            ),
            unit=f"{cost}/{units.energy}",
        )
    return described
