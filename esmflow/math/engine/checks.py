"""The math's `checks`: data validations written in the where language, run before the build.

A check fires where its `where` is True at some active (node, tech) — as in Calliope 0.7, which
runs them when the backend is created. `errors: raise` checks are collected and raised as one
ModelError; `errors: warn` checks become ModelWarnings.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import xarray as xr

from esmflow.errors import ModelError, ModelWarning, ProblemCollector
from esmflow.math.engine.context import Context
from esmflow.math.engine.grammar import parse
from esmflow.math.engine.where import evaluate_where
from esmflow.math.schema import MathDefinition


def run_checks(math: MathDefinition, ctx: Context) -> None:
    """Evaluate every active check; raise one ModelError for all failing `raise` checks."""
    problems = ProblemCollector()
    active = ctx.raw("active") if "active" in ctx.inputs else xr.DataArray(True)
    for name, check in math.checks.items():
        text = str(check.get("where", "False"))
        key_path = f"checks.{name}.where"
        local = replace(ctx, source=text, key_path=key_path)
        try:
            fired = evaluate_where(parse(text, "where", key_path), local)
        except ModelError as err:
            problems.extend(err)
            continue
        if not (bool(fired.any()) and bool((fired & active).any())):
            continue
        message = str(check.get("message", f"Check '{name}' failed"))
        if str(check.get("errors", "raise")) == "warn":
            warnings.warn(f"{message} (checks.{name})", ModelWarning, stacklevel=3)
        else:
            problems.add(message, key_path=f"checks.{name}", got=_where_it_fires(fired & active))
    problems.raise_if_any()


def _where_it_fires(fired: xr.DataArray, limit: int = 5) -> str:
    """A few of the entries where a check is True, for the message."""
    if fired.ndim == 0:
        return "everywhere"
    series = fired.to_series()
    entries = [str(key) for key in series[series].index[:limit]]
    more = f" and {int(series.sum()) - limit} more" if int(series.sum()) > limit else ""
    return ", ".join(entries) + more
