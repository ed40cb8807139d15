"""A synthetic family of national-scale models of any size, for scaling benchmarks.

    .venv/bin/python bench/synthetic_family.py --nodes 20 --out bench/out/family/n20
    .venv/bin/python bench/synthetic_family.py --nodes 5 --out /tmp/n5 --hours 168

or from Python: `write_family(n_nodes, out_dir, hours=8760, seed=0)` returns the path of the
written `model.yaml`.

Why synthetic: the benchmarks need one model whose size grows with a single knob (the number of
nodes) while everything else (techs per node, time series shape, network density) stays the same,
so that build time and memory per nonzero can be compared from N = 5 to N = 100. Shipped models
cannot do that.

What is written (Calliope 0.7 YAML + CSV, the format esmflow reads):

- `model.yaml`: config, data definitions, the techs, the nodes and the links, in one file;
- `data_tables/time_series.csv`: hourly demand (MWh) per node and the capacity factors of wind
  and solar per node (`source_use_max` with `source_unit: per_cap`), `hours` rows;
- `data_tables/costs.csv`: investment and operating costs, one row per tech.

The network: N nodes on a ring (about 2 degrees of arc apart, around 45 N 10 E), each joined to
its two neighbours, plus `max(1, N // 4)` chords between nodes that are not neighbours, drawn
with `numpy.random.default_rng(seed)`. Each node has the same eight techs: ccgt, ocgt, nuclear,
wind, solar, battery, hydrogen_store (a long-duration store) and demand_power; every link is an
AC line. Unmet demand is allowed (`config.build.ensure_feasibility`) at the price `bigM`. The
same (n_nodes, hours, seed) always writes the same files.

All data are invented; they only need to look like a power system (daily and seasonal demand,
night-time zero solar, persistent wind) so that the LP has the structure of a real one.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

START = np.datetime64("2030-01-01T00:00")
# degrees of arc between ring neighbours; the ring's radius grows with N so that the lines stay
# a few hundred km long whatever the size of the model
SPACING_DEG = 2.0
CENTRE = (45.0, 10.0)  # latitude, longitude of the ring's centre

# cost rows (kUSD per MW, kUSD per MWh stored, kUSD per MWh of fuel, kUSD per MWh generated)
COSTS = {
    "ccgt": (900, None, 0.045, 0.003),
    "ocgt": (450, None, 0.08, 0.005),
    "nuclear": (5500, None, 0.01, 0.004),
    "wind": (1300, None, None, 0.001),
    "solar": (700, None, None, None),
    "battery": (250, 180, None, None),
    "hydrogen_store": (1400, 0.4, None, None),
}

TECHS_YAML = """\
techs:
  ccgt:
    name: Combined-cycle gas turbine
    base_tech: supply
    carrier_out: power
    flow_out_eff: 0.55
    flow_ramping: 0.5
    source_use_max: .inf
    lifetime: 30
  ocgt:
    name: Open-cycle gas turbine
    base_tech: supply
    carrier_out: power
    flow_out_eff: 0.38
    source_use_max: .inf
    lifetime: 25
  nuclear:
    name: Nuclear plant
    base_tech: supply
    carrier_out: power
    flow_out_eff: 0.33
    flow_out_min_relative: 0.3
    flow_ramping: 0.1
    source_use_max: .inf
    flow_cap_max: 3000
    lifetime: 50
  wind:
    name: Onshore wind
    base_tech: supply
    carrier_out: power
    source_unit: per_cap  # the series is a capacity factor
    flow_cap_max: 8000
    lifetime: 25
  solar:
    name: Solar PV
    base_tech: supply
    carrier_out: power
    source_unit: per_cap
    flow_cap_max: 10000
    lifetime: 25
  battery:
    name: Lithium-ion battery
    base_tech: storage
    carrier_in: power
    carrier_out: power
    flow_in_eff: 0.95
    flow_out_eff: 0.95
    storage_loss: 0.0001
    flow_cap_per_storage_cap_max: 0.25  # at least four hours
    flow_cap_max: 4000
    lifetime: 15
  hydrogen_store:
    name: Hydrogen in a salt cavern
    base_tech: storage
    carrier_in: power
    carrier_out: power
    flow_in_eff: 0.7
    flow_out_eff: 0.55
    storage_loss: 0
    flow_cap_max: 3000
    lifetime: 30
  demand_power:
    name: Electricity demand
    base_tech: demand
    carrier_in: power
"""

LINE_TEMPLATE = """\
templates:
  ac_line:
    name: High-voltage AC line
    base_tech: transmission
    carrier_in: power
    carrier_out: power
    flow_out_eff: 0.995
    flow_out_eff_per_distance: 0.99993
    cost_flow_cap_per_distance: {data: 1.1, index: monetary, dims: costs}
    flow_cap_max: 6000
    lifetime: 50
"""


def ring_and_chords(n_nodes: int, seed: int) -> list[tuple[int, int]]:
    """Links as (from, to) node indices: the ring, then `max(1, n // 4)` random chords.

    A chord joins two nodes that are not already linked; with fewer than four nodes there is no
    such pair and the ring alone is returned.
    """
    if n_nodes < 2:
        return []
    ring = [(i, (i + 1) % n_nodes) for i in range(n_nodes)] if n_nodes > 2 else [(0, 1)]
    linked = {frozenset(pair) for pair in ring}
    candidates = [
        (i, j)
        for i in range(n_nodes)
        for j in range(i + 1, n_nodes)
        if frozenset((i, j)) not in linked
    ]
    if not candidates:
        return ring
    rng = np.random.default_rng(seed)
    wanted = min(max(1, n_nodes // 4), len(candidates))
    picked = rng.choice(len(candidates), size=wanted, replace=False)
    return ring + [candidates[k] for k in sorted(picked)]


def node_coordinates(n_nodes: int) -> np.ndarray:
    """(n, 2) latitudes and longitudes of nodes evenly spaced on a ring around `CENTRE`."""
    radius = max(1.0, SPACING_DEG * n_nodes / (2 * np.pi))
    angle = 2 * np.pi * np.arange(n_nodes) / max(n_nodes, 1)
    lat = CENTRE[0] + radius * np.sin(angle)
    # a degree of longitude is shorter away from the equator: widen it so the ring stays round
    lon = CENTRE[1] + radius * np.cos(angle) / np.cos(np.radians(CENTRE[0]))
    return np.round(np.column_stack([lat, lon]), 4)


def time_series(n_nodes: int, hours: int, seed: int, lon: np.ndarray) -> dict[str, np.ndarray]:
    """(hours, n) arrays: demand in MWh, wind and solar capacity factors in [0, 1]."""
    rng = np.random.default_rng(seed + 1)
    t = np.arange(hours)[:, None]
    hour_of_day = (t + lon[None, :] / 15.0) % 24  # local solar time
    day_of_year = (t / 24.0) % 365
    # demand: a peak in the evening and in winter, node sizes between 0.5 and 3 GW on average
    size = rng.uniform(500, 3000, n_nodes)[None, :]
    daily = 1 + 0.2 * np.sin(2 * np.pi * (hour_of_day - 12) / 24)
    seasonal = 1 + 0.15 * np.cos(2 * np.pi * day_of_year / 365)
    demand = size * daily * seasonal * (1 + 0.03 * rng.standard_normal((hours, n_nodes)))
    # solar: the sun's height, longer days in summer, some cloudy hours
    season = -np.cos(2 * np.pi * (day_of_year + 10) / 365)  # -1 in winter, +1 in summer
    height = np.sin(np.pi * (hour_of_day - 6 - season) / (12 + 2 * season))
    clouds = rng.uniform(0.5, 1.0, (hours, n_nodes))
    solar = np.clip(height, 0, None) * (0.7 + 0.2 * season) * clouds
    # wind: an AR(1) process per node, windier in winter
    shocks = rng.standard_normal((hours, n_nodes))
    level = np.empty((hours, n_nodes))
    level[0] = shocks[0]
    for h in range(1, hours):  # one step per hour over all nodes at once
        level[h] = 0.97 * level[h - 1] + 0.243 * shocks[h]
    wind = 1 / (1 + np.exp(-(level - 0.6 + 0.4 * np.cos(2 * np.pi * day_of_year / 365))))
    return {
        "demand": np.round(demand, 1),
        "wind": np.round(np.clip(wind, 0, 1), 4),
        "solar": np.round(np.clip(solar, 0, 1), 4),
    }


def _write_atomic(path: Path, text: str) -> None:
    """Write `text` to a temporary file next to `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(scratch, path)


def _series_csv(names: list[str], series: dict[str, np.ndarray], hours: int) -> str:
    """The time-series table: three header rows (inputs, techs, nodes), then one row per hour."""
    blocks = [
        ("sink_use_equals", "demand_power", series["demand"]),
        ("source_use_max", "wind", series["wind"]),
        ("source_use_max", "solar", series["solar"]),
    ]
    header = [
        "inputs," + ",".join(param for param, _, _ in blocks for _ in names),
        "techs," + ",".join(tech for _, tech, _ in blocks for _ in names),
        "nodes," + ",".join(name for _ in blocks for name in names),
    ]
    stamps = (START + np.arange(hours).astype("timedelta64[h]")).astype(str)
    stamps = np.char.replace(stamps, "T", " ")
    values = np.hstack([block for _, _, block in blocks])
    body = [
        stamp + "," + ",".join(f"{v:g}" for v in row)
        for stamp, row in zip(stamps, values, strict=True)
    ]
    return "\n".join(header + body) + "\n"


def _costs_csv() -> str:
    """One row per tech; empty cells where a cost does not apply."""
    lines = ["techs,cost_flow_cap,cost_storage_cap,cost_source_use,cost_flow_out"]
    for tech, values in COSTS.items():
        cells = ["" if value is None else f"{value:g}" for value in values]
        lines.append(",".join([tech, *cells]))
    return "\n".join(lines) + "\n"


def _model_yaml(n_nodes: int, hours: int, seed: int, names: list[str], coords: np.ndarray) -> str:
    """model.yaml: config, data definitions, tables, techs, links and nodes."""
    head = f"""\
# A synthetic model of the esmflow benchmark family: {n_nodes} nodes on a ring with chords,
# {hours} hourly steps, seed {seed}. Written by bench/synthetic_family.py; do not edit.
# Units: power MW, energy MWh, money kUSD.

config:
  init:
    name: synthetic family N={n_nodes} H={hours} seed={seed}
    calliope_version: 0.7.0
    broadcast_input_data: true
    mode: base
  build:
    ensure_feasibility: true  # unmet demand at the price bigM
  solve:
    solver: highs
    zero_threshold: 1e-10

data_definitions:
  objective_cost_weights: {{data: 1, index: monetary, dims: costs}}
  bigM: 1e5
  cost_interest_rate: {{data: 0.07, index: monetary, dims: costs}}

data_tables:
  hourly_series:
    table: data_tables/time_series.csv
    rows: timesteps
    columns: [inputs, techs, nodes]
  tech_costs:
    table: data_tables/costs.csv
    rows: techs
    columns: inputs
    add_dims:
      costs: monetary

"""
    links = ring_and_chords(n_nodes, seed)
    link_lines = [
        f"  {names[a]}_to_{names[b]}:\n"
        f"    template: ac_line\n    link_from: {names[a]}\n    link_to: {names[b]}"
        for a, b in links
    ]
    tech_names = [*COSTS, "demand_power"]
    node_techs = "".join(f"      {tech}:\n" for tech in tech_names)
    node_lines = [
        f"  {name}:\n    latitude: {lat:g}\n    longitude: {lon:g}\n    techs:\n{node_techs}"
        for name, (lat, lon) in zip(names, coords, strict=True)
    ]
    return (
        head
        + LINE_TEMPLATE
        + "\n"
        + TECHS_YAML
        + "\n".join(link_lines)
        + "\n\nnodes:\n"
        + "".join(node_lines)
    )


def write_family(n_nodes: int, out_dir: str | Path, hours: int = 8760, seed: int = 0) -> Path:
    """Write the family member with `n_nodes` nodes and `hours` hourly steps; return model.yaml.

    Files already in `out_dir` are overwritten; each file is written to a temporary name first
    and then renamed, so a reader never sees half a file.
    """
    if n_nodes < 2:
        raise ValueError(f"synthetic family: --nodes must be at least 2 (got {n_nodes})")
    if not 1 <= hours <= 8760:
        raise ValueError(f"synthetic family: --hours must be between 1 and 8760 (got {hours})")
    out = Path(out_dir)
    width = len(str(n_nodes - 1))
    names = [f"n{i:0{width}d}" for i in range(n_nodes)]
    coords = node_coordinates(n_nodes)
    series = time_series(n_nodes, hours, seed, coords[:, 1])
    _write_atomic(out / "data_tables" / "time_series.csv", _series_csv(names, series, hours))
    _write_atomic(out / "data_tables" / "costs.csv", _costs_csv())
    model = out / "model.yaml"
    _write_atomic(model, _model_yaml(n_nodes, hours, seed, names, coords))
    return model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, required=True, help="number of nodes N (>= 2)")
    parser.add_argument("--out", required=True, help="folder to write model.yaml and data into")
    parser.add_argument("--hours", type=int, default=8760, help="hourly steps (default 8760)")
    parser.add_argument("--seed", type=int, default=0, help="seed of chords and time series")
    args = parser.parse_args(argv)
    try:
        print(write_family(args.nodes, args.out, hours=args.hours, seed=args.seed))
    except ValueError as error:
        parser.error(str(error))


if __name__ == "__main__":
    main()
