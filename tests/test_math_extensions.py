"""Optional math has one mechanism: a built-in extension file loads where the data uses it.

An extension declares inputs that base math does not (its triggers); a model that defines any
of them gets the extension merged after base (and the mode's math), before its own extra math.
Here a throw-away extension is put beside a copy of the shipped base math.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from math_models import demand, model_definition, objective, solve_model, supply

from esmflow.math import schema
from esmflow.math.schema import builtin_extensions, load_math, triggered_extensions

# A cap on a tech's total output over the horizon, in our math syntax.
OUTPUT_CAP_MATH = """
parameters:
  demo_output_max:
    default: .inf
    description: Largest total outflow of a tech over the horizon.
constraints:
  demo_output_limit:
    foreach: [nodes, techs, carriers]
    where: carrier_out AND demo_output_max
    equations:
      - expression: sum(flow_out, over=timesteps) <= demo_output_max
"""


@pytest.fixture
def math_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "math"
    folder.mkdir()
    shutil.copy(schema.BUILTIN_MATH_DIR / "base.yaml", folder / "base.yaml")
    (folder / "demo_output.yaml").write_text(OUTPUT_CAP_MATH)
    monkeypatch.setattr(schema, "BUILTIN_MATH_DIR", folder)
    return folder


def test_triggers_are_what_an_extension_declares_beyond_base(math_dir: Path) -> None:
    assert builtin_extensions() == {"demo_output": frozenset({"demo_output_max"})}
    assert triggered_extensions({"flow_cap_max", "demo_output_max"}) == ["demo_output"]
    assert triggered_extensions({"flow_cap_max"}) == []


def test_an_extension_named_in_extra_math_as_well_is_merged_once(math_dir: Path) -> None:
    math = load_math(["demo_output"], {}, extensions=["demo_output"])
    assert "demo_output_limit" in math.constraints
    assert math.origins["constraints.demo_output_limit"] == "demo_output.yaml"


def test_the_extension_applies_only_where_the_data_uses_it(math_dir: Path, tmp_path: Path) -> None:
    # Demand 2 + 2. Cheap gas (1 per unit) alone: 4. With its total output capped at 3, the
    # expensive peaker (10 per unit) covers the last unit: 3 + 10 = 13.
    techs = {
        "gas": supply(cost_per_unit=1),
        "peaker": supply(cost_per_unit=10),
        "load": demand("power", 2, 2),
    }
    plain = solve_model(tmp_path / "plain", model_definition(techs))
    assert objective(plain) == pytest.approx(4)
    assert "demo_output_limit" not in plain.math.constraints

    techs["gas"]["demo_output_max"] = 3
    capped = solve_model(tmp_path / "capped", model_definition(techs))
    assert objective(capped) == pytest.approx(13)
    assert "demo_output_limit" in capped.math.constraints


def _changed_fields(data: dict, base: dict) -> set[str]:
    """Key paths (section.component.field…) a math file sets on components base already has."""
    paths: set[str] = set()

    def walk(node: object, prefix: str) -> None:
        if isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, f"{prefix}.{key}")
        else:
            paths.add(prefix)

    for section in schema.SECTIONS:
        for name, component in (data.get(section) or {}).items():
            if name in (base.get(section) or {}):
                walk(component, f"{section}.{name}")
    return paths


def test_no_two_shipped_extensions_change_the_same_field_of_a_base_component() -> None:
    """Extensions load in any combination, merged in file-name order: if two of them set the
    same field of a base component (say `constraints.flow_out_max.where`), the later one would
    silently undo the other wherever both are loaded. Each field has at most one owner; an
    extension that must change a component another one owns builds on it instead (reads the
    other's lookups or variables with a default) and the owner's file says so.
    """
    base = schema.read_builtin("base")
    owners: dict[str, str] = {}
    clashes = []
    for name in builtin_extensions():
        for path in _changed_fields(schema.read_builtin(name), base):
            if path in owners:
                clashes.append(f"{path}: {owners[path]} and {name}")
            owners.setdefault(path, name)
    assert not clashes, "fields of base components changed by two extensions:\n" + "\n".join(
        clashes
    )


def test_an_extension_loads_the_extensions_it_builds_on() -> None:
    # unit commitment widens MILP math's `operating_units`: a model that sets only
    # `min_up_time` gets both files, MILP math first
    assert schema.extension_dependencies()["unit_commitment"] == frozenset({"milp"})
    assert schema.triggered_extensions({"min_up_time"}) == ["milp", "unit_commitment"]
    assert schema.triggered_extensions({"cap_method"}) == ["milp"]
    assert all("unit_commitment" not in needs for needs in schema.extension_dependencies().values())


def test_only_switched_on_extensions_are_parsed_for_their_needs(monkeypatch) -> None:
    # a model that switches no extension on must not pay for parsing the extensions' strings
    # (issue 14: ~0.5 CPU-s of every load); one that sets `min_up_time` parses unit commitment
    # (to find that it needs MILP math) and MILP math (whose needs are then looked up), no other
    parsed: list[object] = []
    referenced_in = schema._referenced_in

    def counting(data):
        parsed.append(data)
        return referenced_in(data)

    monkeypatch.setattr(schema, "_EXTENSIONS_CACHE", {})
    monkeypatch.setattr(schema, "_referenced_in", counting)
    assert schema.triggered_extensions({"flow_cap_max"}) == []
    assert parsed == []
    assert schema.triggered_extensions({"min_up_time"}) == ["milp", "unit_commitment"]
    assert parsed == [schema.read_builtin("unit_commitment"), schema.read_builtin("milp")]


def test_no_two_shipped_extensions_change_the_same_field_of_an_extension_component() -> None:
    """An extension that builds on another (unit commitment on MILP math) may change the
    other's components; each such field has one owner too."""
    owners: dict[str, str] = {}
    clashes = []
    dependencies = schema.extension_dependencies()
    for name in builtin_extensions():
        for needed in dependencies[name]:
            for path in _changed_fields(schema.read_builtin(name), schema.read_builtin(needed)):
                if path in owners:
                    clashes.append(f"{path}: {owners[path]} and {name}")
                owners.setdefault(path, name)
    assert not clashes


def test_base_fields_an_extension_rewrites_keep_base_math_as_it_is() -> None:
    """Extensions that rewrite a base equation to add a term (the reservoir's spill, the
    storage charge ratio's exclusion) repeat base math's expression: they must follow it."""
    base = schema.read_builtin("base")["constraints"]
    reservoir = schema.read_builtin("reservoir")["constraints"]["balance_supply_with_storage"]
    written = " ".join(reservoir["equations"][0]["expression"].split())
    original = " ".join(base["balance_supply_with_storage"]["equations"][0]["expression"].split())
    assert written == f"{original} - $spilled"
    limits = schema.read_builtin("storage_limits")["constraints"]["flow_in_max"]
    assert [e["expression"] for e in limits["equations"]] == [
        e["expression"] for e in base["flow_in_max"]["equations"]
    ]
