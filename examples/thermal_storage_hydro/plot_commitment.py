"""Draw the week's dispatch and the gas units' commitment schedule: `commitment.png`.

    .venv/bin/python examples/thermal_storage_hydro/plot_commitment.py [results.nc]

Reads the results of the workflow's `thermal_storage_hydro_week` scenario when given (or when
`results/thermal_storage_hydro_week/results.nc` exists), else solves the model here (seconds).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import xarray as xr  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from esmflow import Model  # noqa: E402

WORKFLOW_RESULTS = ROOT / "results" / "thermal_storage_hydro_week" / "results.nc"
ORDER = ["nuclear", "hydro", "ccgt", "solar", "battery", "ocgt"]
COLORS = {
    "nuclear": "#7B4F9D",
    "hydro": "#2E86C1",
    "ccgt": "#E67E22",
    "solar": "#F4D03F",
    "battery": "#16A085",
    "ocgt": "#C0392B",
}


def results(path: Path | None) -> xr.Dataset:
    """Solved results: from a file, or by solving the example."""
    if path is not None:
        return xr.open_dataset(path)
    model = Model.from_yaml(HERE / "model.yaml")
    return model.solve()


def draw(solved: xr.Dataset) -> plt.Figure:
    """Dispatch by tech (top), committed, started and stopped gas units (middle), and the
    reservoir's level and spill (bottom)."""
    hours = solved["timesteps"].values
    out = solved["flow_out"].sel(carriers="power").sum("nodes").fillna(0)
    charge = solved["flow_in"].sel(carriers="power", techs="battery").sum("nodes").fillna(0)
    demand = solved["flow_in"].sel(carriers="power", techs="demand_power").sum("nodes")
    figure, (top, bottom, water) = plt.subplots(
        3, 1, figsize=(11, 8.5), sharex=True, gridspec_kw={"height_ratios": [3, 1.4, 1.2]}
    )
    techs = [tech for tech in ORDER if tech in out["techs"].values]
    top.stackplot(
        hours,
        [out.sel(techs=tech).values for tech in techs],
        labels=techs,
        colors=[COLORS[tech] for tech in techs],
        step="post",
    )
    top.fill_between(hours, 0, -charge.values, step="post", color=COLORS["battery"], alpha=0.5)
    top.step(hours, demand.values, where="post", color="black", lw=1.2, label="demand")
    top.set_ylabel("MW")
    top.set_title("Thermal + storage + hydro: one March week")
    top.legend(loc="upper left", ncol=7, fontsize=8)
    units = solved["operating_units"].sel(techs="ccgt").sum("nodes")
    started = solved["started_units"].sel(techs="ccgt").sum("nodes")
    stopped = solved["shut_down_units"].sel(techs="ccgt").sum("nodes")
    bottom.step(hours, units.values, where="post", color=COLORS["ccgt"], lw=2, label="committed")
    bottom.bar(hours, started.values, width=0.03, color="green", label="started", align="edge")
    bottom.bar(hours, -stopped.values, width=0.03, color="grey", label="shut down", align="edge")
    bottom.set_ylabel("gas units (200 MW)")
    bottom.set_yticks(range(-3, 4))
    bottom.axhline(0, color="black", lw=0.5)
    bottom.legend(loc="lower left", ncol=3, fontsize=8)
    level = solved["storage"].sel(techs="hydro").sum("nodes")
    spilled = solved["storage_spilled"].sel(techs="hydro").sum("nodes")
    water.step(hours, level.values, where="post", color=COLORS["hydro"], label="reservoir level")
    water.set_ylabel("MWh")
    spill_axis = water.twinx()
    spill_axis.fill_between(
        hours, 0, spilled.values, step="post", color="grey", alpha=0.5, label="spill"
    )
    spill_axis.set_ylabel("spill, MWh per hour")
    water.legend(loc="upper left", fontsize=8)
    spill_axis.legend(loc="upper right", fontsize=8)
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure


def main() -> None:
    given = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    path = given or (WORKFLOW_RESULTS if WORKFLOW_RESULTS.exists() else None)
    figure = draw(results(path))
    figure.savefig(HERE / "commitment.png", dpi=110)
    print(f"wrote {HERE / 'commitment.png'}")


if __name__ == "__main__":
    main()
