"""Command line: solve one model without Snakemake.

    python -m esmflow solve examples/national_scale/model.yaml --out results/try \\
        --set 'config.init.subset.timesteps=["2030-01-01", "2030-01-02"]' --threads 2

writes the same files as the workflow's `solve_model` and `postprocess` rules (results.nc,
solve_status.yaml, summaries/*.csv, plots/*.png) into one folder. For several scenarios, caching
and clusters, use the workflow (`snakemake`).

    esmflow plot results/try/results.nc      # an interactive page: results/try/plots/explore.html
    python -m esmflow math list              # every math component: file, Macro's names, parameters
    python -m esmflow math list --markdown   # the same with formulas: the page docs/math.md
    python -m esmflow convert-v06 old/model.yaml new/   # a Calliope 0.6 model as an esmflow model
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr
import yaml

from esmflow.errors import ModelError
from esmflow.io.calliope06 import convert_v06
from esmflow.io.results_file import write_csv, write_netcdf, write_yaml
from esmflow.math import catalog
from esmflow.model import Model
from esmflow.options import SolveOptions
from esmflow.postprocess import plots, summaries
from esmflow.postprocess.explore import write_explorer
from esmflow.postprocess.provenance import code_hash, provenance_attrs
from esmflow.postprocess.results import solve_status

logger = logging.getLogger("esmflow")


def parse_assignments(items: Sequence[str]) -> dict[str, Any]:
    """`KEY=VALUE` strings → {KEY: VALUE}, each VALUE read as YAML (`2`, `true`, `[a, b]`)."""
    values = {}
    for item in items:
        key, has_value, text = item.partition("=")
        if not has_value or not key:
            raise ModelError(
                "expected KEY=VALUE", got=item, expected="e.g. techs.gas.flow_cap_max=10"
            )
        values[key.strip()] = yaml.safe_load(text)
    return values


def solve(args: argparse.Namespace) -> Path:
    """Read, build and solve one model; write its result files; return the output folder."""
    out = Path(args.out or Path("results") / Path(args.model).stem)
    settings = {
        "model": str(args.model),
        "overrides": list(args.override),
        "set": parse_assignments(args.set),
        "solver": {
            "name": "highs",
            "options": parse_assignments(args.option),
            "threads": args.threads,
        },
    }
    model = Model.from_yaml(args.model, overrides=settings["overrides"], set=settings["set"])
    out.mkdir(parents=True, exist_ok=True)
    solver = {**settings["solver"], "log_file": str(out / "solver.log")}
    options = SolveOptions.from_model_config(model.config, override=solver)
    settings["backend"] = options.backend
    results = model.solve(options)
    assert model.solve_result is not None
    package = Path(__file__).resolve().parent
    results.attrs.update(
        provenance_attrs(out.name, settings, code_hash(package), folder=package.parent)
    )
    write_netcdf(results, out / "results.nc")
    status = {**solve_status(model.solve_result, options), "warnings": model.warnings}
    write_yaml(status, out / "solve_status.yaml")
    for name, make_table in summaries.TABLES.items():
        write_csv(make_table(results), out / "summaries" / f"{name}.csv", index=False)
    for name, figure in plots.draw_figures(results):
        plots.save_figure(figure, out / "plots" / f"{name}.png")
    write_explorer(results, out / "plots" / "explore.html")
    logger.info(
        "%s: objective %.10g; results in %s",
        model.solve_result.termination,
        model.solve_result.objective,
        out,
    )
    return out


def plot(args: argparse.Namespace) -> Path:
    """Write the interactive page of a results file (default: `plots/explore.html` beside it)."""
    results_file = Path(args.results)
    if not results_file.is_file():
        raise ModelError(
            "No results file there",
            got=str(results_file),
            expected="a results.nc written by the workflow or `esmflow solve`",
        )
    out = Path(args.out) if args.out else results_file.parent / "plots" / "explore.html"
    with xr.open_dataset(results_file) as stored:
        write_explorer(stored.load(), out)
    logger.info("interactive page: %s", out)
    return out


def list_math(args: argparse.Namespace) -> None:
    """Print every component of the shipped math (a table, or the Markdown docs page)."""
    entries = catalog.catalog()
    if args.component:
        wanted = set(args.component)
        entries = [e for e in entries if e.name in wanted or set(e.aliases) & wanted]
    text = catalog.as_markdown(entries) if args.markdown else catalog.as_text(entries) + "\n"
    sys.stdout.write(text)


def convert_calliope06(args: argparse.Namespace) -> Path:
    """Write the esmflow version of a Calliope 0.6 model (and its conversion report)."""
    dataframes = {}
    for name, path in parse_assignments(args.dataframe).items():
        dataframes[name] = pd.read_csv(str(path), index_col=0)
    result = convert_v06(args.model, args.out, dataframes=dataframes)
    logger.info(
        "wrote %s; what was mapped and what was not: %s", result.model_file, result.report_file
    )
    return result.model_file


def parser() -> argparse.ArgumentParser:
    """The `esmflow` command and its subcommands."""
    main_parser = argparse.ArgumentParser(prog="esmflow", description=__doc__.split("\n")[0])
    commands = main_parser.add_subparsers(dest="command", required=True)
    solve_parser = commands.add_parser("solve", help="read, build and solve one model")
    solve_parser.add_argument("model", help="the model's YAML file")
    solve_parser.add_argument("--out", help="output folder (default: results/<model file stem>)")
    solve_parser.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="NAME",
        help="an override or scenario of the model file (repeatable)",
    )
    solve_parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a dotted model key and a YAML value, applied last (repeatable)",
    )
    solve_parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a HiGHS option (repeatable)",
    )
    solve_parser.add_argument(
        "--threads", type=int, help="solver threads (default: every core this process may use)"
    )
    solve_parser.set_defaults(run=solve)
    plot_parser = commands.add_parser(
        "plot", help="an interactive HTML page (dispatch, storage, capacity) of a results file"
    )
    plot_parser.add_argument("results", help="results.nc of a scenario")
    plot_parser.add_argument(
        "--out", help="the HTML file to write (default: plots/explore.html beside results.nc)"
    )
    plot_parser.set_defaults(run=plot)
    math_parser = commands.add_parser("math", help="the math components esmflow ships")
    math_commands = math_parser.add_subparsers(dest="math_command", required=True)
    list_parser = math_commands.add_parser(
        "list", help="every component: file, Macro's names, parameters (and formula, switch)"
    )
    list_parser.add_argument(
        "component", nargs="*", help="only these components (or Macro constraint names)"
    )
    list_parser.add_argument(
        "--markdown", action="store_true", help="formulas and switches too, as Markdown"
    )
    list_parser.set_defaults(run=list_math)
    convert_parser = commands.add_parser(
        "convert-v06", help="convert a Calliope 0.6 model into an esmflow model folder"
    )
    convert_parser.add_argument("model", help="the 0.6 model's YAML file")
    convert_parser.add_argument("out", help="the folder to write the esmflow model into")
    convert_parser.add_argument(
        "--dataframe",
        action="append",
        default=[],
        metavar="NAME=FILE.csv",
        help="a CSV file for the 0.6 time series `df=NAME:column` (repeatable)",
    )
    convert_parser.set_defaults(run=convert_calliope06)
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; a ModelError becomes its message on stderr and exit status 1."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        args.run(args)
    except ModelError as error:
        logger.error("ModelError: %s", error)
        return 1
    return 0
