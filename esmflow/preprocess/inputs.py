"""Turn a model definition into the validated inputs Dataset (THE INPUTS CONTRACT).

Steps, as Calliope 0.7.0 `read_yaml` + model initialisation: expand templates → resolve config and
load the math → read data tables → place techs at nodes → combine every parameter's definitions
→ check them (all problems reported together) → `active` and clean-up (values only where a tech is
active at a node with that carrier; unused nodes, techs, carriers and empty parameters dropped) →
time subset / resample → `timestep_resolution` and `timestep_weights` → provenance attributes.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from esmflow.errors import ModelError, ModelWarning, ProblemCollector, closest_name
from esmflow.io.read_model import ModelDefinition
from esmflow.io.yaml_files import dump_yaml, parse_yaml
from esmflow.math.schema import MathDefinition
from esmflow.options import BuildOptions
from esmflow.preprocess.accounting import (
    account_for_config,
    account_for_parameters,
    account_for_top_level,
    drop_foreign_tech_keys,
)
from esmflow.preprocess.aliases import rename_aliases
from esmflow.preprocess.carrier_tiers import (
    add_tier_carriers,
    complete_carrier_tiers,
    normalise_carrier_ratios,
)
from esmflow.preprocess.checks import (
    attach_files,
    check_definitions,
    check_top_level_keys,
    parameter_kinds,
)
from esmflow.preprocess.config import resolve_config
from esmflow.preprocess.data_tables import load_data_tables
from esmflow.preprocess.group_constraints import add_group_constraints
from esmflow.preprocess.label_checks import check_labels, warn_ignored_data
from esmflow.preprocess.model_math import load_model_math, pivot_dims, resample_methods
from esmflow.preprocess.parameters import ParameterDefinitions
from esmflow.preprocess.semantic_checks import check_semantics
from esmflow.preprocess.switches import (
    Switch,
    check_forced_switches,
    check_switch_names,
    take_switches,
    with_switches,
)
from esmflow.preprocess.techs_nodes import (
    Layout,
    add_table_definitions,
    add_yaml_definitions,
    build_layout,
)
from esmflow.preprocess.templates import resolve_templates
from esmflow.preprocess.time import (
    add_time_parameters,
    check_table_times,
    check_time_config,
    resample_time,
    subset_time,
)
from esmflow.preprocess.units import read_units
from esmflow.preprocess.windows import check_windows

DEFINITION_DIMS = ("nodes", "techs", "carriers")  # dims of the "is defined here" matrix


@dataclass(frozen=True)
class _CheckedDefinition:
    """Everything read and checked from a definition, before any array is built."""

    config: dict[str, Any]
    math: MathDefinition
    math_text: str
    layout: Layout
    definitions: ParameterDefinitions
    kinds: dict[str, str]
    files: dict[str, str]
    switches: list[Switch]
    units: dict[str, Any] = dataclasses.field(default_factory=dict)


def prepare_inputs(definition: ModelDefinition) -> xr.Dataset:
    """Resolve templates, nodes, data tables and math; validate; return Calliope-named inputs.

    Raises
    ------
    ModelError
        Every problem found in the definition and its data, listed together.
    """
    checked = _read_and_check(definition)
    try:
        return _build_inputs(definition, checked)
    except ModelError as err:
        problems = ProblemCollector()
        problems.extend(err)
        _raise_with_files(problems, definition)
        raise


def _build_inputs(definition: ModelDefinition, checked: _CheckedDefinition) -> xr.Dataset:
    """The inputs Dataset from checked definitions: combine, `active`, clean-up, time, attributes."""
    init = checked.config["init"]
    inputs = _combine(checked.definitions, checked.layout, checked.kinds)
    inputs = with_switches(inputs, checked.switches)
    inputs = complete_carrier_tiers(inputs)
    inputs = _apply_active(inputs, checked.layout)
    retain_inactive = bool(init.get("retain_inactive"))
    if not retain_inactive:
        inputs = drop_undefined(inputs, _definition_matrix(inputs), mask_values=True)
    if not inputs["active"].any():
        raise ModelError(
            "No tech is active at any node with a carrier",
            expected="techs listed under nodes.<node>.techs (or linked), with carrier_in/carrier_out",
        )
    inputs = _select_dims(inputs, init, checked.math, retain_inactive)
    warn_ignored_data(checked.layout, checked.definitions, inputs, init)
    inputs = add_time_parameters(inputs)
    _check_switches_and_windows(inputs, checked)
    inputs = inputs.assign_coords(
        {dim: inputs[dim].values.astype(str) for dim in inputs.dims if dim != "timesteps"}
    )
    inputs.attrs = {
        "name": str(init.get("name") or ""),
        "config": dump_yaml(checked.config),
        "math": checked.math_text,
        "model_files": json.dumps(checked.files, sort_keys=True),
        "applied_overrides": json.dumps(list(definition.applied_overrides)),
        "units": json.dumps(checked.units, sort_keys=True),
    }
    return inputs


def _read_and_check(definition: ModelDefinition) -> _CheckedDefinition:
    """Templates, config, math, tables, layout and parameter definitions; all problems raised once."""
    problems = ProblemCollector()
    try:
        model = _renamed_locations(resolve_templates(definition.data))
    except ModelError as err:
        problems.extend(err)
        _raise_with_files(problems, definition)
    check_top_level_keys(model, problems)
    account_for_top_level(model, problems)
    model = drop_foreign_tech_keys(model, problems)
    model = normalise_carrier_ratios(model, problems)
    config = resolve_config(model.get("config"), problems)
    account_for_config(model.get("config"), problems)
    init = config["init"]
    files = dict(definition.files)
    math, math_text = load_model_math(init, definition.path.parent, files, problems)
    _raise_with_files(problems, definition)
    pivots = pivot_dims(math)
    tables = load_data_tables(
        model.get("data_tables") or {}, definition.path.parent, files, problems
    )
    layout = build_layout(model, tables, pivots, problems)
    switches = take_switches(layout, problems)
    definitions = ParameterDefinitions()
    add_table_definitions(definitions, tables, pivots, problems)
    broadcast = bool(init["broadcast_input_data"])
    data_definitions = model.get("data_definitions") or {}
    add_yaml_definitions(definitions, layout, data_definitions, pivots, broadcast, problems)
    rename_aliases(definitions, problems)
    add_tier_carriers(definitions, problems)
    add_group_constraints(model, layout, definitions, problems)
    # the data known, load the math again with the extensions it switches on (cached)
    defined = frozenset(definitions.names())
    math, math_text = load_model_math(init, definition.path.parent, files, problems, defined)
    kinds = parameter_kinds(definitions, math)
    check_switch_names(switches, math, problems)
    check_definitions(definitions, kinds, math, problems)
    named = {"config.init.time_cluster": init.get("time_cluster")}
    if init.get("mode") == "spores":  # the parameter that says which techs SPORES scores
        spores = (config.get("solve") or {}).get("spores") or {}
        named["config.solve.spores.tracking_parameter"] = spores.get("tracking_parameter")
    account_for_parameters(definitions, math, problems, read_by_config=named)
    check_labels(model, layout, definitions, tables, definition.introduced, problems)
    check_semantics(definitions, layout, tables, problems)
    check_table_times(tables, definitions, init, problems)
    timesteps = definitions.labels_by_dim().get("timesteps")
    if timesteps is not None and len(timesteps):
        check_time_config(init, pd.DatetimeIndex(timesteps), problems)
    cost_classes = definitions.labels_by_dim().get("costs", [])
    units = read_units(model.get("units"), init, [str(c) for c in cost_classes], problems)
    _raise_with_files(problems, definition)
    return _CheckedDefinition(
        config, math, math_text, layout, definitions, kinds, files, switches, units
    )


def _check_switches_and_windows(inputs: xr.Dataset, checked: _CheckedDefinition) -> None:
    """Switches set to true apply where set; minimum up/down times fit the horizon."""
    problems = ProblemCollector()
    options = BuildOptions.from_model_config(checked.config)
    check_forced_switches(inputs, checked.switches, checked.math, options, problems)
    check_windows(inputs, problems)
    problems.raise_if_any()


def _raise_with_files(problems: ProblemCollector, definition: ModelDefinition) -> None:
    """Raise every collected problem, each naming the YAML file its key path comes from."""
    if problems.problems:
        yaml_files = [Path(f) for f in definition.files if f.endswith((".yaml", ".yml"))]
        attach_files(problems, yaml_files, default=str(definition.path))
        problems.problems = [
            p if p.file else dataclasses.replace(p, file=str(definition.path))
            for p in problems.problems
        ]
    problems.raise_if_any()


def resolved_config(inputs: xr.Dataset) -> dict[str, Any]:
    """The model's resolved `config` mapping (`init`, `build`, `solve`) stored with the inputs."""
    if "config" not in inputs.attrs:
        raise ModelError(
            "The inputs carry no config (attribute 'config' missing)",
            expected="inputs from prepare_inputs",
        )
    return parse_yaml(str(inputs.attrs["config"]), source="inputs.attrs['config']")


def _coords(definitions: ParameterDefinitions, layout: Layout) -> dict[str, Any]:
    labels = definitions.labels_by_dim()
    for dim, names in (("nodes", layout.nodes), ("techs", layout.techs)):
        labels[dim] = labels.get(dim, pd.Index([])).append(pd.Index(list(names), dtype=object))
    coords: dict[str, Any] = {}
    for dim, items in labels.items():
        if dim == "timesteps":
            coords[dim] = pd.DatetimeIndex(items).astype("datetime64[ns]")
        else:
            coords[dim] = np.array(sorted(set(items.astype(str))), dtype=str)
    return coords


def _combine(
    definitions: ParameterDefinitions, layout: Layout, kinds: Mapping[str, str]
) -> xr.Dataset:
    """One typed array per parameter: float (NaN undefined), bool (False undefined), str ("" undefined)."""
    coords = _coords(definitions, layout)
    variables: dict[str, xr.DataArray] = {}
    for name in definitions.names():
        kind = kinds.get(name, "float")
        array = definitions.assemble(name, coords, numeric=kind == "float")
        if kind == "bool" and name != "active":
            array = array.fillna(False).astype(bool)
        elif kind == "string":
            array = xr.where(array.notnull(), array.astype(str), "").astype(str)
        elif kind == "float":
            array = array.astype(float, copy=False)
        variables[name] = array
    return xr.Dataset(variables, coords={d: coords[d] for d in ("nodes", "techs")})


def _apply_active(inputs: xr.Dataset, layout: Layout) -> xr.Dataset:
    """`active`(nodes, techs): placed there, not switched off at tech, node-tech or node level."""
    pairs = layout.placements()
    placed = xr.zeros_like(
        xr.DataArray(
            np.zeros((inputs.sizes["nodes"], inputs.sizes["techs"]), dtype=bool),
            coords=[inputs.nodes, inputs.techs],
        )
    )
    if pairs:
        nodes, techs = zip(*pairs, strict=True)
        flags = pd.Series(
            True, index=pd.MultiIndex.from_arrays([nodes, techs], names=["nodes", "techs"])
        )
        placed = xr.DataArray.from_series(flags).reindex_like(placed).fillna(False).astype(bool)
    switched = inputs["active"] if "active" in inputs else xr.DataArray(True)
    switched = switched.where(switched.notnull(), True).astype(bool)
    node_on = xr.DataArray(
        np.array([node not in layout.inactive_nodes for node in inputs.nodes.values], dtype=bool),
        coords=[inputs.nodes],
    )
    inputs["active"] = (placed & switched & node_on).transpose("nodes", "techs")
    for name in ("carrier_in", "carrier_out"):
        if name in inputs and "nodes" not in inputs[name].dims:
            inputs[name] = inputs[name].broadcast_like(inputs.nodes)
    return inputs


def _definition_matrix(inputs: xr.Dataset) -> xr.DataArray:
    """(nodes, techs, carriers): the tech is active at the node and has that carrier in or out."""
    has_carrier = xr.DataArray(False)
    for name in ("carrier_in", "carrier_out"):
        if name in inputs:
            has_carrier = has_carrier | inputs[name]
    return (has_carrier & inputs["active"]).transpose(
        *[d for d in DEFINITION_DIMS if d in has_carrier.dims or d in inputs["active"].dims]
    )


def drop_undefined(inputs: xr.Dataset, defined: xr.DataArray, mask_values: bool) -> xr.Dataset:
    """Blank values where nothing is defined, drop unused dimension items and empty variables."""
    if mask_values:
        for name, variable in inputs.data_vars.items():
            other = [d for d in defined.dims if d not in variable.dims]
            mask = defined.any(other) if other else defined
            inputs[name] = _blank(variable, mask)
    keep = {dim: defined.any([d for d in defined.dims if d != dim]) for dim in defined.dims}
    dropped = {dim: np.flatnonzero(flags.values) for dim, flags in keep.items() if not flags.all()}
    if dropped:
        inputs = inputs.isel(dropped)
    empty = [name for name, variable in inputs.data_vars.items() if _is_empty(variable)]
    return inputs.drop_vars(empty)


def _blank(variable: xr.DataArray, mask: xr.DataArray) -> xr.DataArray:
    """Set `variable` to its "undefined" value (NaN, False, "") where `mask` is False.

    Writes in place over the slices that are undefined (the mask's dims lead), so large time
    series are not copied.
    """
    undefined = ~mask.values
    if not undefined.any():
        return variable
    fill: Any = False if variable.dtype == bool else "" if variable.dtype.kind == "U" else np.nan
    others = [d for d in variable.dims if d not in mask.dims]
    leading = variable.transpose(*mask.dims, *others)
    data = leading.values if leading.values.flags.writeable else leading.values.copy()
    data[undefined] = fill
    return leading.copy(data=data).transpose(*variable.dims)


def _is_empty(variable: xr.DataArray) -> bool:
    if variable.dtype == bool:
        return False
    if variable.dtype.kind == "U":
        return not (variable != "").any()
    return bool(variable.isnull().all())


def _renamed_locations(model: dict[str, Any]) -> dict[str, Any]:
    """Calliope 0.7.0 still reads the old `locations:` key as `nodes:` (with a warning)."""
    if "locations" in model and "nodes" not in model:
        warnings.warn("`locations` is the old name of `nodes`", ModelWarning, stacklevel=3)
        model = {("nodes" if key == "locations" else key): value for key, value in model.items()}
    return model


def _select_dims(
    inputs: xr.Dataset, init: Mapping[str, Any], math: MathDefinition, retain_inactive: bool
) -> xr.Dataset:
    """Subset dims and resample time steps as config.init asks; drop links left with one end."""
    if "timesteps" not in inputs.dims:
        raise ModelError(
            "The model has no time series: at least one input must be indexed over `timesteps`",
            expected="a data table with a timesteps dimension",
        )
    for dim, items in (init.get("subset") or {}).items():
        if items is None or dim not in inputs.dims:
            continue
        inputs = (
            subset_time(inputs, items) if dim == "timesteps" else _subset_labels(inputs, dim, items)
        )
    if "link_from" in inputs:
        is_link = inputs["link_from"] != ""
        ends = inputs["active"].sum("nodes")
        hanging = (is_link & (ends == 1)).values
        if hanging.any():
            inputs = inputs.isel(techs=np.flatnonzero(~hanging))
    if not retain_inactive:
        inputs = drop_undefined(inputs, inputs["active"], mask_values=False)
    frequency = (init.get("resample") or {}).get("timesteps")
    if frequency is not None:
        inputs = resample_time(inputs, str(frequency), resample_methods(math))
    return inputs


def _subset_labels(inputs: xr.Dataset, dim: str, items: Any) -> xr.Dataset:
    """Keep the listed items of a non-time dimension (`config.init.subset.<dim>`)."""
    wanted = [str(item) for item in (items if isinstance(items, list) else [items])]
    present = [str(label) for label in inputs[dim].values]
    unknown = [item for item in wanted if item not in present]
    if unknown:
        raise ModelError(
            f"Cannot subset '{dim}' to unknown item '{unknown[0]}'",
            key_path=f"config.init.subset.{dim}",
            expected=", ".join(present),
            closest=closest_name(unknown[0], present),
        )
    return inputs.sel({dim: wanted})
