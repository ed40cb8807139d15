"""Property test: a mutated model either loads or stops with a ModelError, never anything else.

Hypothesis mutates the bad-input corpus's valid base model (tests/bad_inputs/base: two nodes,
six hourly steps, three CSV tables): it drops, renames and retypes YAML keys, swaps values,
truncates and corrupts the YAML text and the CSV files, drops and repeats CSV lines, and runs
with overrides and scenarios. Reading the result (`read_model` + `prepare_inputs`) must either
succeed or raise `ModelError`, whose every problem names a file; any other exception is a bug to
fix at its root. Each example runs under a deadline and an alarm, so a hang fails too.

CI runs `EXAMPLES` derandomized examples (the same ones every run); set `ESMFLOW_FUZZ_EXAMPLES`
and `ESMFLOW_FUZZ_SEED` to search further by hand.
"""

from __future__ import annotations

import copy
import os
import shutil
import signal
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from esmflow.errors import ModelError
from esmflow.io.read_model import read_model
from esmflow.io.yaml_files import dump_yaml, parse_yaml, set_dotted
from esmflow.preprocess.inputs import prepare_inputs
from tests.bad_inputs.corpus import BASE

EXAMPLES = int(os.environ.get("ESMFLOW_FUZZ_EXAMPLES", "500"))
SEED = os.environ.get("ESMFLOW_FUZZ_SEED")
HANG_SECONDS = 60  # an example that runs this long is a hang (a normal one takes ~0.1 s)
CSVS = ("demand.csv", "solar.csv", "costs.csv")
ANY = st.integers(min_value=0, max_value=10**6)  # picks a key, line or position (modulo)

values = st.one_of(
    st.sampled_from(
        [0, 1, -1, 0.5, -0.5, 1e300, float("inf"), float("-inf"), float("nan"), True, False]
    ),
    st.sampled_from([None, "", "power", "monetary", "north", "gas_plant", "2005-01-01 00:00"]),
    st.sampled_from([[], [1, 2], ["power", "heat"], {}, {"data": 1}, {"a": {"b": 1}}]),
    st.sampled_from(["0h", "2h", "3h", "1D", "-1h", "x.y", "a b", "supply", "demand", "storage"]),
    st.sampled_from(
        [
            ["2005-01-01 01:00", "2005-01-01 04:00"],
            ["2005-01-02", "2005-01-01"],
            ["north"],
            ["south", "east"],
            {"techs": ["gas_plant"]},
            {"nodes": "node"},
            {"base_tech": "supply", "carrier_out": "power"},
            {"base_tech": "conversion", "carrier_in": "power", "carrier_out": "heat"},
        ]
    ),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.text(max_size=8),
)
names = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.0123456789 ", min_size=1, max_size=12),
    st.sampled_from(["techs", "nodes", "data", "index", "dims", "base_tech", "template", "import"]),
)
junk = st.text(alphabet="0123456789,.-:+T Zabc\n\"'#{}[]", max_size=6)
# keys the base model does not set, where a value changes what the loader does
KEYS = (
    "config.init.resample.timesteps",
    "config.init.subset.timesteps",
    "config.init.subset.nodes",
    "config.init.retain_inactive",
    "config.init.broadcast_input_data",
    "config.init.extra_math",
    "config.init.mode",
    "techs.gas_plant.active",
    "techs.gas_plant.template",
    "techs.battery.cyclic_storage",
    "techs.power_line.one_way",
    "techs.power_line.distance",
    "techs.new_tech",
    "nodes.north.active",
    "nodes.east",
    "nodes.south.techs.gas_plant",
    "data_definitions.flow_cap_min",
    "data_tables.demand.select",
    "data_tables.costs.drop",
    "data_tables.solar_yield.rename_dims",
    "templates.t",
    "overrides",
    "scenarios",
    "import",
)
mutations = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(KEYS), values),
    st.tuples(st.just("drop"), ANY),
    st.tuples(st.just("rename"), ANY, names),
    st.tuples(st.just("retype"), ANY, values),
    st.tuples(st.just("swap"), ANY, ANY),
    st.tuples(st.just("corrupt_yaml"), ANY, junk),
    st.tuples(st.just("truncate_yaml"), ANY),
    st.tuples(st.just("truncate_csv"), st.sampled_from(CSVS), ANY),
    st.tuples(st.just("corrupt_csv"), st.sampled_from(CSVS), ANY, junk),
    st.tuples(st.just("drop_line"), st.sampled_from(CSVS), ANY),
    st.tuples(st.just("repeat_line"), st.sampled_from(CSVS), ANY),
    st.tuples(st.just("run"), st.sampled_from(["bigger_plant", "first_hours", "big", "bigg"])),
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path and list position in nested YAML data, depth first."""
    found: list[tuple[Any, ...]] = []
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else []
    )
    for key, value in items:
        found.append((*prefix, key))
        found.extend(_paths(value, (*prefix, key)))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


def _mutate_model(model: dict[str, Any], mutation: tuple[Any, ...]) -> None:
    if mutation[0] == "set":
        try:
            set_dotted(model, mutation[1], copy.deepcopy(mutation[2]))
        except ModelError:
            pass  # a key below a value that is not a mapping: nothing to set
        return
    paths = _paths(model)
    if not paths:
        return
    kind, pick = mutation[0], mutation[1]
    path = paths[pick % len(paths)]
    parent = _parent(model, path)
    if kind == "drop":
        del parent[path[-1]]
    elif kind == "rename" and isinstance(parent, dict):
        parent[mutation[2]] = parent.pop(path[-1])
    elif kind == "retype":
        parent[path[-1]] = copy.deepcopy(mutation[2])  # never one object in two places
    elif kind == "swap":
        other = paths[mutation[2] % len(paths)]
        if other[: len(path)] != path and path[: len(other)] != other:  # neither holds the other
            other_parent = _parent(model, other)
            parent[path[-1]], other_parent[other[-1]] = other_parent[other[-1]], parent[path[-1]]


def _mutate_text(text: str, mutation: tuple[Any, ...]) -> str:
    kind = mutation[0]
    position = (
        mutation[-2 if kind == "corrupt_csv" else -1] if kind != "corrupt_yaml" else mutation[1]
    )
    if kind in ("truncate_yaml", "truncate_csv"):
        return text[: position % (len(text) + 1)]
    if kind in ("corrupt_yaml", "corrupt_csv"):
        start = position % (len(text) + 1)
        return text[:start] + mutation[-1] + text[start + len(mutation[-1]) :]
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    line = position % len(lines)
    if kind == "drop_line":
        return "".join(lines[:line] + lines[line + 1 :])
    return "".join(lines[: line + 1] + lines[line:])  # repeat_line


def _make_model(folder: Path, changes: list[tuple[Any, ...]]) -> Path:
    shutil.copytree(BASE, folder)
    model_file = folder / "model.yaml"
    model = parse_yaml(model_file.read_text(encoding="utf-8"), str(model_file))
    for change in changes:
        if change[0] in ("set", "drop", "rename", "retype", "swap"):
            _mutate_model(model, change)
    model_file.write_text(dump_yaml(model), encoding="utf-8")
    for change in changes:
        if change[0] in ("corrupt_yaml", "truncate_yaml"):
            model_file.write_text(_mutate_text(model_file.read_text(), change), encoding="utf-8")
        elif change[0] in ("truncate_csv", "corrupt_csv", "drop_line", "repeat_line"):
            table = folder / change[1]
            table.write_text(_mutate_text(table.read_text(), change), encoding="utf-8")
    return model_file


@contextmanager
def _alarm(seconds: int) -> Iterator[None]:
    """Fail (TimeoutError) instead of hanging: the per-example guard behind the deadline."""

    def fire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"an example ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _load(changes: list[tuple[Any, ...]]) -> str:
    """Make the mutated model and read it: 'ok' or 'error'; any other exception propagates."""
    with tempfile.TemporaryDirectory() as folder, _alarm(HANG_SECONDS):
        model_file = _make_model(Path(folder) / "model", changes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                runs = [change[1] for change in changes if change[0] == "run"]
                prepare_inputs(read_model(model_file, overrides=runs))
            except ModelError as err:
                assert "Traceback" not in str(err)
                assert all(problem.file for problem in err.problems), str(err)
                return "error"
    return "ok"


@pytest.mark.slow
def test_mutated_models_load_or_raise_a_model_error(record_property: Any) -> None:
    outcomes: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=SEED is None,
        database=None,
        deadline=timedelta(seconds=10),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )
    @given(st.lists(mutations, min_size=1, max_size=3))
    def load_mutated(changes: list[tuple[Any, ...]]) -> None:
        outcomes.append(_load(changes))

    if SEED is not None:
        load_mutated = seed(int(SEED))(load_mutated)
    load_mutated()
    counts = {outcome: outcomes.count(outcome) for outcome in ("ok", "error")}
    print(
        f"hypothesis: {len(outcomes)} mutated models ({counts['ok']} loaded, {counts['error']} ModelError)"
    )
    record_property("hypothesis_examples", len(outcomes))  # in the JUnit report, when asked for
    assert len(outcomes) >= EXAMPLES
    assert counts["ok"] and counts["error"]  # the mutations neither all pass nor all fail
