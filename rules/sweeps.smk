# `sweeps:` → named scenarios (rules/sweeps.py), before the config is validated: every expanded
# scenario is then validated and gets its defaults like a hand-written one. No rules here.

import importlib.util
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError


def _load_sweeps_module():
    """rules/sweeps.py by path: plain Python, so loading it keeps the Snakefile fast."""
    path = Path(workflow.basedir) / "rules" / "sweeps.py"
    spec = importlib.util.spec_from_file_location("esmflow_workflow_sweeps", path)
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = loaded  # dataclasses look their module up there
    spec.loader.exec_module(loaded)
    return loaded


sweeps = _load_sweeps_module()
try:
    _expanded, SWEEP_MEMBERS = sweeps.expand_config(config)
except sweeps.SweepError as err:
    raise WorkflowError(str(err)) from None
config["scenarios"] = _expanded["scenarios"]
config["run"] = _expanded["run"]


def swept_values(scenarios: list[str]) -> dict:
    """For the summary: each selected sweep member's sweep and axis values (others: nothing)."""
    by_name = {m.name: m for members in SWEEP_MEMBERS.values() for m in members}
    return {
        name: {"sweep": by_name[name].sweep, "values": dict(by_name[name].values)}
        for name in scenarios
        if name in by_name
    }
