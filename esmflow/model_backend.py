"""`model.backend`: the built program held in its backend, changed by the user and solved again.

As the Calliope 0.6 guide does it: build, add a Pyomo constraint, re-run, without building again.

    model = Model.from_yaml("model.yaml", set={"config.build.backend": "pyomo"})
    model.build()

    def flow_cap_90_rule(m, node, tech, carrier):
        if m.base_tech[tech] != "supply":
            return Constraint.Skip
        return m.flow_cap[node, tech, carrier] <= 0.9 * m.flow_cap_max[node, tech]

    model.backend.add_constraint("flow_cap_90", ["flow_cap_index"], flow_cap_90_rule)
    results = model.backend.rerun()

Custom constraints are Pyomo rules, so they need the Pyomo backend; on the HiGHS backend
`add_constraint` is a ModelError that says so (and that math YAML works on every backend).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import xarray as xr

from esmflow import stage_warnings
from esmflow.errors import ModelError
from esmflow.postprocess.results import make_results

if TYPE_CHECKING:
    from esmflow.model import Model


class ModelBackend:
    """A model's open backend session: add constraints (Pyomo), re-run, read the Pyomo model."""

    def __init__(self, model: Model, session: Any, backend: str) -> None:
        self._model = model
        self.session = session
        self.name = backend

    @property
    def pyomo_model(self) -> Any:
        """The Pyomo `ConcreteModel` (Pyomo backend only): its Vars, Constraints, Sets and Params."""
        return self._pyomo_session("There is a Pyomo model only on the Pyomo backend").model

    def add_constraint(self, name: str, sets: Iterable[Any], rule: Callable[..., Any]) -> Any:
        """Add `Constraint(*sets, rule=rule)` to the Pyomo model as `name` (see the module doc).

        `sets` are names of sets on the Pyomo model (a dim such as `"techs"`, or a variable's
        index such as `"flow_cap_index"`), Pyomo sets, or lists of index values.
        """
        return self._pyomo_session(
            "Custom constraints (Pyomo rules) need the Pyomo backend"
        ).add_constraint(name, sets, rule)

    def rerun(self) -> xr.Dataset:
        """Solve the program as the backend holds it now (user constraints included); new results."""
        model = self._model
        with stage_warnings.recording("solve_model") as found:
            model.solve_result = self.session.solve()
        model.warnings = stage_warnings.unique([*model.warnings, *found])
        model.results = make_results(model.inputs, model.solve_result)
        model.results.attrs[stage_warnings.WARNINGS_ATTR] = stage_warnings.encoded(model.warnings)
        return model.results

    def _pyomo_session(self, reason: str) -> Any:
        if not hasattr(self.session, "add_constraint"):
            raise ModelError(
                f"{reason}; this model is on the '{self.name}' backend",
                key_path="config.build.backend",
                expected="pyomo (`config.build.backend: pyomo`, or `backend: pyomo` in the "
                "workflow scenario), or the constraint written as math YAML "
                "(`config.init.extra_math`), which every backend builds",
                got=self.name,
            )
        return self.session
