"""The example models in `examples/`: they load, build and solve, and their results make physical sense.

Each case solves a two-day subset (fast). Besides the objective, the tests check relations that
must hold in any correct solution, computed from the results alone: energy balances close, losses
follow the per-distance efficiency law, the CHP's heat-to-power ratio holds, areas stay within the
available roof or land.

The reference objectives were computed with Calliope 0.7.0 (HiGHS backend) on the same files and
subsets, with `bench/compare_calliope.py --model <model.yaml> --set config.init.subset.timesteps=...`.
If the example data change, recompute them the same way.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from esmflow import Model

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NATIONAL = EXAMPLES / "national_scale" / "model.yaml"
URBAN = EXAMPLES / "urban_scale" / "model.yaml"

# Calliope 0.7.0 + HiGHS on the same subsets (see the module docstring).
CALLIOPE_OBJECTIVE = {
    "national_winter_2d": 13763.74548189829,
    "urban_winter_2d": 18760.42240418098,
    "urban_summer_2d": 7902.98071733918,
}
TWO_DAYS = {
    "national_winter_2d": (NATIONAL, ["2030-01-01", "2030-01-02"]),
    "urban_winter_2d": (URBAN, ["2030-01-14", "2030-01-15"]),
    "urban_summer_2d": (URBAN, ["2030-07-15", "2030-07-16"]),
}
REL = 1e-6  # objective agreement with Calliope
# Every test here reads a full year of hourly CSV data (1–3 s) or solves (~5 s): all are `slow`.
pytestmark = pytest.mark.slow
TOL = 1e-5  # relative tolerance of balance identities (solver feasibility tolerance ~1e-7)


@functools.cache
def solved(case: str) -> Model:
    """One two-day case, solved once per test session (the tests below only read its results)."""
    path, subset = TWO_DAYS[case]
    model = Model.from_yaml(path, set={"config.init.subset.timesteps": subset})
    model.solve()
    return model


def total(array: xr.DataArray, **selection: str | list[str]) -> float:
    """Sum of `array` over everything after selecting labels (NaN = not defined = 0)."""
    return float(array.sel(selection).sum())


def approx(value: float, scale: float) -> object:
    """pytest.approx relative to a scale of the quantities being balanced (not to a near-zero result)."""
    return pytest.approx(value, abs=TOL * max(abs(scale), 1.0))


def transmission_techs(results: xr.Dataset, carrier: str) -> list[str]:
    """Names of the transmission techs carrying `carrier`."""
    is_transmission = results["base_tech"] == "transmission"
    carries = results["carrier_out"].sel(carriers=carrier).any("nodes")
    return [
        str(tech)
        for tech in results.techs.values
        if bool(is_transmission.sel(techs=tech)) and bool(carries.sel(techs=tech))
    ]


def link_efficiency(results: xr.Dataset, tech: str) -> float:
    """flow_out_eff × flow_out_eff_per_distance ** distance of one link (Calliope 0.7's loss law)."""

    def value(name: str, default: float) -> float:
        if name not in results:
            return default
        data = results[name].sel(techs=tech)
        data = data.sel(carriers=data.carriers[0]) if "carriers" in data.dims else data
        finite = data.values[np.isfinite(data.values)]
        return float(finite.flat[0]) if finite.size else default

    return value("flow_out_eff", 1.0) * value("flow_out_eff_per_distance", 1.0) ** value(
        "distance", 0.0
    )


def carrier_balance_residual(results: xr.Dataset, carrier: str) -> tuple[float, float]:
    """Σ flow_out − Σ flow_in − Σ export + unmet demand over all nodes, techs and timesteps of a carrier.

    The system balance makes this zero node by node and hour by hour; summed, it is the statement
    "supply = demand + transmission losses + storage charging − storage discharging". Returns the
    residual and the scale (total outflow) to judge it against.
    """
    outflow = total(results["flow_out"], carriers=carrier)
    inflow = total(results["flow_in"], carriers=carrier)
    virtual = sum(
        total(results[name], carriers=carrier)
        for name in ("unmet_demand", "unused_supply")
        if name in results
    )
    exported = total(results["flow_export"], carriers=carrier) if "flow_export" in results else 0.0
    return outflow - inflow - exported + virtual, outflow


# --- loading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [NATIONAL, URBAN], ids=["national", "urban"])
def test_example_loads_with_its_default_week(path: Path) -> None:
    model = Model.from_yaml(path)
    timesteps = model.inputs.timesteps.to_index()
    # default config: one week of hourly steps
    assert len(timesteps) == 7 * 24
    assert (timesteps[1:] - timesteps[:-1]).unique().tolist() == [np.timedelta64(1, "h")]
    assert {"latitude", "longitude", "sink_use_equals", "source_use_max"} <= set(model.inputs)


def test_national_distances_come_from_coordinates_unless_given() -> None:
    inputs = Model.from_yaml(
        NATIONAL, set={"config.init.subset.timesteps": ["2030-01-01", "2030-01-01"]}
    ).inputs
    distance = inputs["distance"].to_series().dropna()
    # geodesic Gila Bend (32.95 N, 112.72 W) → Phoenix (33.45 N, 112.07 W): about 82 km
    # (Calliope 0.7.0 computes 82.15 km for the same coordinates)
    assert distance["gila_bend_to_phoenix"] == pytest.approx(82.15, abs=0.05)
    assert distance["phoenix_to_las_vegas"] == pytest.approx(412.2, abs=0.2)
    assert distance["mojave_to_las_vegas"] == 260  # set explicitly in techs.yaml


@pytest.mark.parametrize("scenario", ["resampled_6h", "no_battery_summer"])
def test_national_scenarios_load(scenario: str) -> None:
    inputs = Model.from_yaml(NATIONAL, scenario=scenario).inputs
    if scenario == "resampled_6h":
        # the full non-leap year at six-hourly resolution: 365 × 4 steps of 6 h each
        assert inputs.sizes["timesteps"] == 365 * 4
        assert float(inputs["timestep_resolution"].max()) == 6
    else:
        # an inactive tech disappears from the model, as in Calliope
        assert "battery" not in inputs.techs or not bool(
            inputs["active"].sel(techs="battery").any()
        )


# --- the national-scale example ------------------------------------------------------------------


def test_national_objective_matches_calliope() -> None:
    model = solved("national_winter_2d")
    assert model.results.attrs["termination"] == "optimal"
    assert model.solve_result.objective == pytest.approx(
        CALLIOPE_OBJECTIVE["national_winter_2d"], rel=REL
    )


def test_national_power_balance_closes_with_no_unmet_demand() -> None:
    results = solved("national_winter_2d").results
    if "unmet_demand" in results:
        assert float(abs(results["unmet_demand"]).sum()) == pytest.approx(0, abs=1e-6)
    residual, scale = carrier_balance_residual(results, "power")
    assert residual == approx(0, scale)
    # demand takes exactly its series: Σ flow_in of demand = Σ sink_use_equals
    assert total(results["flow_in"], techs="demand_power") == approx(
        total(results["sink_use_equals"], techs="demand_power"), scale
    )
    # generation = demand + line losses + battery net charging (all in MWh over two days)
    generation = total(results["flow_out"], techs=["gas_turbine", "csp_tower"])
    demand = total(results["sink_use_equals"], techs="demand_power")
    lines = transmission_techs(results, "power")
    line_losses = total(results["flow_in"], techs=lines) - total(results["flow_out"], techs=lines)
    battery_net = total(results["flow_in"], techs="battery") - total(
        results["flow_out"], techs="battery"
    )
    assert line_losses > 0  # power does travel over the lines in this case
    assert (
        battery_net > 0
    )  # a battery is built and cycled (Calliope: 140 MW at Tucson); it loses 9.75 %
    # at least two hours of storage per MW of battery (flow_cap_per_storage_cap_max: 0.5)
    battery_cap = results["flow_cap"].sel(techs="battery", carriers="power").fillna(0)
    battery_store = results["storage_cap"].sel(techs="battery").fillna(0)
    assert bool((battery_cap <= 0.5 * battery_store + 1e-6).all())
    assert generation == approx(demand + line_losses + battery_net, scale)


def test_national_line_losses_follow_distance() -> None:
    results = solved("national_winter_2d").results
    for tech in transmission_techs(results, "power"):
        sent = total(results["flow_in"], techs=tech)
        received = total(results["flow_out"], techs=tech)
        # each MWh sent arrives as 0.995 × 0.99993 ** km (e.g. 82 km → 0.9893)
        assert received == approx(link_efficiency(results, tech) * sent, sent), tech


def test_national_csp_respects_field_area_and_heat_yield() -> None:
    results = solved("national_winter_2d").results
    area = results["area_use"].sel(techs="csp_tower")
    available = results["available_area"]
    assert bool((area <= available + 1e-6).where(available.notnull(), True).all())
    # winter sun is scarce, so both fields use all the land they may (Calliope: 60 and 80 km²)
    assert area.sel(nodes=["gila_bend", "mojave"]).values == pytest.approx([60, 80], rel=1e-6)
    heat_used = results["source_use"].sel(techs="csp_tower", nodes=["gila_bend", "mojave"])
    heat_available = results["source_use_max"].sel(
        techs="csp_tower", nodes=["gila_bend", "mojave"]
    ) * area.sel(nodes=["gila_bend", "mojave"])
    assert bool((heat_used <= heat_available + 1e-5).all())
    storage = results["storage"].sel(techs="csp_tower", nodes=["gila_bend", "mojave"])
    assert bool(
        (
            storage
            <= results["storage_cap"].sel(techs="csp_tower", nodes=["gila_bend", "mojave"]) + 1e-5
        ).all()
    )


def test_national_gas_turbine_ramps_within_limit() -> None:
    results = solved("national_winter_2d").results
    output = results["flow_out"].sel(
        techs="gas_turbine", carriers="power", nodes=["phoenix", "las_vegas"]
    )
    capacity = results["flow_cap"].sel(
        techs="gas_turbine", carriers="power", nodes=["phoenix", "las_vegas"]
    )
    step_change = abs(output.diff("timesteps"))  # MW per hour (hourly steps)
    assert bool((step_change <= 0.4 * capacity + 1e-5).all())


# --- the urban-scale example ---------------------------------------------------------------------


@pytest.mark.parametrize("case", ["urban_winter_2d", "urban_summer_2d"])
def test_urban_objective_matches_calliope(case: str) -> None:
    model = solved(case)
    assert model.results.attrs["termination"] == "optimal"
    assert model.solve_result.objective == pytest.approx(CALLIOPE_OBJECTIVE[case], rel=REL)


@pytest.mark.parametrize("case", ["urban_winter_2d", "urban_summer_2d"])
def test_urban_chp_splits_output_as_its_user_math_says(case: str) -> None:
    results = solved(case).results
    chp_out = results["flow_out"].sel(techs="chp", nodes="energy_centre")
    electricity, heat = chp_out.sel(carriers="electricity"), chp_out.sel(carriers="heat")
    gas = results["flow_in"].sel(techs="chp", nodes="energy_centre", carriers="gas")
    assert float(electricity.sum()) > 0  # the CHP runs
    # math/chp.yaml: heat = 1.25 × electricity, hour by hour
    np.testing.assert_allclose(heat.values, 1.25 * electricity.values, atol=1e-5)
    # base conversion balance with total efficiency 0.86: electricity + heat = 0.86 × gas
    np.testing.assert_allclose((electricity + heat).values, 0.86 * gas.values, atol=1e-5)


@pytest.mark.parametrize("case", ["urban_winter_2d", "urban_summer_2d"])
def test_urban_balances_close_for_every_carrier(case: str) -> None:
    results = solved(case).results
    if "unmet_demand" in results:
        assert float(abs(results["unmet_demand"]).sum()) == pytest.approx(0, abs=1e-6)
    for carrier in ["electricity", "heat", "gas"]:
        residual, scale = carrier_balance_residual(results, carrier)
        assert residual == approx(0, scale), carrier
    for tech in transmission_techs(results, "heat"):
        sent = total(results["flow_in"], techs=tech)
        received = total(results["flow_out"], techs=tech)
        # heat pipes lose 3 % per km: 0.97 ** km of what enters arrives
        assert received == approx(link_efficiency(results, tech) * sent, sent), tech


def test_urban_pv_fills_the_roofs_in_summer() -> None:
    results = solved("urban_summer_2d").results
    districts = ["old_town", "campus", "riverside"]
    area = results["area_use"].sel(techs="pv", nodes=districts)
    capacity = results["flow_cap"].sel(techs="pv", nodes=districts, carriers="electricity")
    # 5.5 m² of panel per kW peak
    np.testing.assert_allclose(area.values, 5.5 * capacity.values, rtol=1e-6)
    # PV beats grid power in summer, so every roof is full (Calliope: 2500, 6000, 3000 m²)
    np.testing.assert_allclose(
        area.values, results["available_area"].sel(nodes=districts).values, rtol=1e-6
    )
    exported = results["flow_export"].sel(techs=["pv", "chp"]) if "flow_export" in results else None
    if exported is not None:
        produced = results["flow_out"].sel(techs=["pv", "chp"], carriers=exported.carriers)
        assert bool((exported <= produced + 1e-6).where(exported.notnull(), True).all())
