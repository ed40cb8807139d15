"""Write the synthetic hourly time series of esmflow's example models.

Everything here is invented: a simple weather generator (temperature, cloudiness, sun position)
drives electricity and heat demand, concentrated-solar heat yield and rooftop PV yield, for one
non-leap year (2030) at hourly resolution. The numbers are plausible in shape and size, not a
description of any real place or year. A fixed seed makes the output byte-for-byte reproducible:

    .venv/bin/python examples/generate_data.py

rewrites `examples/national_scale/data_tables/*.csv`, `examples/urban_scale/data_tables/*.csv` and
`examples/thermal_storage_hydro/data_tables/*.csv`.
Only numpy and pandas are used, so it runs in esmflow's own environment.
"""

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20300101
YEAR = 2030
HERE = Path(__file__).resolve().parent
TIME_FORMAT = "%Y-%m-%d %H:%M"


def hourly_index(year: int = YEAR) -> pd.DatetimeIndex:
    """Every hour of one year (naive local standard time)."""
    return pd.date_range(f"{year}-01-01 00:00", f"{year}-12-31 23:00", freq="h")


def smooth_noise(rng: np.random.Generator, size: int, memory: float, scale: float) -> np.ndarray:
    """Autocorrelated noise: white noise filtered by an exponential kernel of `memory` steps.

    Scaled so its standard deviation is roughly `scale`; a stand-in for an AR(1) process that
    needs no loop over steps.
    """
    kernel = np.exp(-np.arange(int(6 * memory) + 1) / memory)
    kernel /= np.sqrt((kernel**2).sum())
    white = rng.standard_normal(size + kernel.size - 1)
    return scale * np.convolve(white, kernel, mode="valid")


def daily_to_hourly(daily: np.ndarray) -> np.ndarray:
    """Repeat one value per day for each of its 24 hours."""
    return np.repeat(daily, 24)


def solar_elevation(index: pd.DatetimeIndex, latitude: float) -> np.ndarray:
    """Sine of the sun's elevation (clipped at 0) from day of year and solar hour.

    Textbook approximation: declination from the day of year, hour angle 15° per hour from
    solar noon (timestamps are taken as solar time).
    """
    day = index.dayofyear.to_numpy()
    solar_hour = index.hour.to_numpy() + 0.5  # mid-hour
    declination = np.radians(23.44) * np.sin(2 * np.pi * (284 + day) / 365)
    hour_angle = np.radians(15 * (solar_hour - 12))
    lat = np.radians(latitude)
    sin_elev = np.sin(lat) * np.sin(declination) + np.cos(lat) * np.cos(declination) * np.cos(
        hour_angle
    )
    return np.clip(sin_elev, 0, None)


def clear_sky_beam(sin_elev: np.ndarray) -> np.ndarray:
    """Direct normal irradiance on a clear day in kW/m² (Meinel-style air-mass attenuation)."""
    air_mass = 1 / np.maximum(sin_elev, 0.035)
    return np.where(sin_elev > 0.01, 1.353 * 0.7 ** (air_mass**0.678), 0.0)


def clearness(
    rng: np.random.Generator, index: pd.DatetimeIndex, cloudy_season: np.ndarray, shared: np.ndarray
) -> np.ndarray:
    """Fraction of clear-sky sun reaching the ground, per hour, between 0.05 and 1.

    `cloudy_season` (per day) raises the chance of clouds; `shared` (per day) is weather common to
    all sites of a region, so nearby sites see the same storms.
    """
    n_days = index.size // 24
    local = smooth_noise(rng, n_days, memory=2.0, scale=1.0)
    cloudiness = 0.6 * shared + 0.4 * local + cloudy_season  # per day, roughly N(season, 1)
    daily_clear = 1 / (1 + np.exp(2.2 * (cloudiness - 0.2)))  # logistic squashing to (0, 1)
    hourly = daily_to_hourly(daily_clear) + smooth_noise(rng, index.size, memory=3.0, scale=0.08)
    return np.clip(hourly, 0.05, 1.0)


def seasonal_wave(index: pd.DatetimeIndex, peak_day: int) -> np.ndarray:
    """cos wave over the year, +1 on `peak_day`, -1 half a year later (per hour)."""
    day = index.dayofyear.to_numpy() + index.hour.to_numpy() / 24
    return np.cos(2 * np.pi * (day - peak_day) / 365)


def temperature(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    mean: float,
    seasonal_amp: float,
    daily_amp: float,
) -> np.ndarray:
    """Air temperature in °C: seasonal cycle (warmest late July), daily cycle (warmest 15:00), weather."""
    daily_cycle = np.cos(2 * np.pi * (index.hour.to_numpy() - 15) / 24)
    weather = daily_to_hourly(smooth_noise(rng, index.size // 24, memory=3.0, scale=2.5))
    return mean + seasonal_amp * seasonal_wave(index, 205) + daily_amp * daily_cycle + weather


def activity_profile(index: pd.DatetimeIndex) -> np.ndarray:
    """Relative electricity use from human activity: low at night, morning and evening peaks, quieter weekends."""
    hour = index.hour.to_numpy()
    profile = (
        0.78
        + 0.16 * np.exp(-(((hour - 8.5) / 2.0) ** 2))
        + 0.10 * np.exp(-(((hour - 13) / 3.5) ** 2))
        + 0.24 * np.exp(-(((hour - 19.5) / 2.2) ** 2))
        - 0.12 * np.exp(-(((hour - 3.5) / 2.5) ** 2))
    )
    is_weekend = index.dayofweek.to_numpy() >= 5
    return profile * np.where(is_weekend, 0.92, 1.0)


def electricity_demand(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    temp: np.ndarray,
    base: float,
    cooling: float,
    heating: float,
) -> np.ndarray:
    """Hourly electricity demand: activity × base + air-conditioning above 24 °C + electric heating below 12 °C."""
    cooling_load = cooling * np.clip(temp - 24, 0, None)
    heating_load = heating * np.clip(12 - temp, 0, None)
    noise = 1 + smooth_noise(rng, index.size, memory=4.0, scale=0.02)
    return (base * activity_profile(index) + cooling_load + heating_load) * noise


def heat_demand(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    temp: np.ndarray,
    hot_water: float,
    per_degree: float,
) -> np.ndarray:
    """Hourly space-heat + hot-water demand: degree-hours below 15.5 °C, morning/evening hot-water peaks."""
    hour = index.hour.to_numpy()
    hot_water_shape = (
        0.6 + 0.9 * np.exp(-(((hour - 7) / 1.5) ** 2)) + 0.7 * np.exp(-(((hour - 19) / 2) ** 2))
    )
    space_heat = per_degree * np.clip(15.5 - temp, 0, None)
    setback = np.where((hour >= 23) | (hour < 5), 0.75, 1.0)  # thermostats turned down at night
    noise = 1 + smooth_noise(rng, index.size, memory=4.0, scale=0.03)
    return (hot_water * hot_water_shape + space_heat * setback) * noise


def national_tables(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Demand (MWh per hour) at three load centres and CSP heat yield (MWh_th per km² per hour) at two sites.

    Desert-like climate: hot summers drive an afternoon cooling peak; a late-summer cloudy season
    and winter storms dim the sun.
    """
    index = hourly_index()
    n_days = index.size // 24
    load_centres = {  # node: (mean temp, base load MW, MW per K of cooling, MW per K of heating)
        "phoenix": (24.0, 1900.0, 120.0, 25.0),
        "tucson": (21.5, 650.0, 38.0, 10.0),
        "las_vegas": (20.5, 1300.0, 85.0, 22.0),
    }
    demand = {}
    for node, (mean, base, cooling, heating) in load_centres.items():
        temp = temperature(rng, index, mean, seasonal_amp=10.5, daily_amp=7.0)
        demand[("sink_use_equals", "demand_power", node)] = electricity_demand(
            rng, index, temp, base, cooling, heating
        )
    day = np.arange(n_days)
    cloudy_season = (
        1.1 * np.exp(-(((day - 215) / 25) ** 2))  # late-summer thunderstorms
        + 0.6 * np.exp(-(((day - 20) / 40) ** 2))  # winter storms
        + 0.6 * np.exp(-(((day - 350) / 30) ** 2))
        - 0.9
    )
    shared = smooth_noise(rng, n_days, memory=2.5, scale=1.0)
    csp_sites = {"gila_bend": 32.95, "mojave": 35.05}
    field_yield = 0.1 * 1000  # land-use efficiency (mirror cover × optics) × MW per km² at 1 kW/m²
    for node, latitude in csp_sites.items():
        sin_elev = solar_elevation(index, latitude)
        # a two-axis-tracked heliostat field sees the beam with a cosine loss that eases at high sun
        beam_on_field = clear_sky_beam(sin_elev) * (0.75 + 0.25 * sin_elev)
        sky = clearness(rng, index, cloudy_season, shared)
        demand[("source_use_max", "csp_tower", node)] = field_yield * beam_on_field * sky
    table = pd.DataFrame(demand, index=index)
    table.columns.names = ["inputs", "techs", "nodes"]
    table.index.name = "timesteps"
    return {"time_series": table}


def urban_tables(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Electricity and heat demand (kWh per hour) of three districts, PV yield (kWh per m²) and an export tariff.

    Temperate climate with cold winters: heat demand dominates in winter, PV in summer.
    """
    index = hourly_index()
    n_days = index.size // 24
    temp = temperature(rng, index, 10.0, seasonal_amp=9.5, daily_amp=4.0)
    districts = {  # node: (electric base kW, heat hot-water base kW, heat kW per K below 15.5 °C)
        "old_town": (420.0, 160.0, 95.0),
        "campus": (650.0, 110.0, 70.0),
        "riverside": (260.0, 120.0, 60.0),
    }
    columns = {}
    for node, (elec_base, hot_water, per_degree) in districts.items():
        columns[("sink_use_equals", "demand_electricity", node)] = electricity_demand(
            rng, index, temp, elec_base, cooling=4.0, heating=3.0
        )
        columns[("sink_use_equals", "demand_heat", node)] = heat_demand(
            rng, index, temp, hot_water, per_degree
        )
    day = np.arange(n_days)
    cloudy_season = 0.9 * np.cos(2 * np.pi * day / 365) - 0.1  # cloudier winters
    sky = clearness(rng, index, cloudy_season, smooth_noise(rng, n_days, memory=2.0, scale=1.0))
    sin_elev = solar_elevation(index, 48.2)
    # tilted roof panels: plane-of-array kW/m² ≈ beam + diffuse, times 19 % module efficiency
    plane_of_array = 0.8 * (
        clear_sky_beam(sin_elev) * (0.35 + 0.65 * sin_elev) * sky + 0.12 * sin_elev
    )
    pv_yield = pd.DataFrame({"pv": 0.19 * plane_of_array}, index=index)
    pv_yield.index.name = "timesteps"
    table = pd.DataFrame(columns, index=index)
    table.columns.names = ["inputs", "techs", "nodes"]
    table.index.name = "timesteps"
    hour = index.hour.to_numpy()
    # export tariff (EUR/kWh, negative = revenue): pays more in the evening peak, less at midday
    tariff = -(
        0.055
        + 0.02 * np.exp(-(((hour - 19) / 2.5) ** 2))
        - 0.015 * np.exp(-(((hour - 13) / 2.5) ** 2))
    )
    export = pd.DataFrame({"energy_centre": tariff}, index=index)
    export.index.name = "timesteps"
    return {"demand": table, "pv_yield": pv_yield, "export_tariff": export}


def thermal_storage_hydro_tables(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """One March week of a valley's power system (MW per hour): demand, solar and nuclear
    availability, and the inflow to a hydro reservoir.

    Cool weather (electric heating in the mornings); solar on clear and cloudy days; one of the
    two nuclear units off for a day (availability 0.5 on Thursday); a storm on Friday and
    Saturday that floods the reservoir's inflow.
    """
    index = pd.date_range("2030-03-04 00:00", periods=7 * 24, freq="h")
    temp = temperature(rng, index, 7.0, seasonal_amp=0.0, daily_amp=4.0)
    demand = electricity_demand(rng, index, temp, base=1000.0, cooling=0.0, heating=12.0)
    sky = np.clip(
        np.repeat([0.95, 0.9, 0.45, 0.6, 0.95, 0.3, 0.5], 24)
        + smooth_noise(rng, index.size, memory=3.0, scale=0.05),
        0.05,
        1.0,
    )
    sin_elev = solar_elevation(index, 40.0)
    solar = np.clip(clear_sky_beam(sin_elev) * (0.35 + 0.65 * sin_elev) * sky, 0, 1)
    nuclear = np.where(index.dayofweek == 3, 0.5, 1.0)
    storm = np.exp(-(((np.arange(index.size) - 5.0 * 24) / 20.0) ** 2))
    inflow = 120 * (1 + smooth_noise(rng, index.size, memory=12.0, scale=0.05)) + 420 * storm
    table = pd.DataFrame(
        {
            ("sink_use_equals", "demand_power"): demand,
            ("availability", "solar"): solar,
            ("availability", "nuclear"): nuclear,
            ("source_use_equals", "hydro"): inflow,
        },
        index=index,
    )
    table.columns.names = ["inputs", "techs"]
    table.index.name = "timesteps"
    return {"time_series": table}


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, decimals: dict[str, int]) -> None:
    """Write each table as `<folder>/<name>.csv`, rounded to its number of decimals (keeps files small)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.round(decimals[name]).to_csv(
            folder / f"{name}.csv", float_format=f"%.{decimals[name]}f", date_format=TIME_FORMAT
        )


def main() -> None:
    """Write both examples' tables; one random stream, so the order of calls is part of the seed."""
    rng = np.random.default_rng(SEED)
    national = HERE / "national_scale" / "data_tables"
    write_tables(national_tables(rng), national, decimals={"time_series": 2})
    urban = HERE / "urban_scale" / "data_tables"
    write_tables(
        urban_tables(rng), urban, decimals={"demand": 2, "pv_yield": 4, "export_tariff": 4}
    )
    valley = HERE / "thermal_storage_hydro" / "data_tables"
    # its own stream, so adding this example changed nothing in the two above
    valley_rng = np.random.default_rng(SEED + 1)
    write_tables(thermal_storage_hydro_tables(valley_rng), valley, decimals={"time_series": 3})


if __name__ == "__main__":
    main()
