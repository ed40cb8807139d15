"""bench/synthetic_family.py: the benchmark family's network and files.

The generator feeds the scaling benchmarks, so its promises (ring plus chords, eight techs per
node, a fixed number of hours, the same files for the same seed) are checked here on tiny sizes.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from synthetic_family import ring_and_chords, write_family  # noqa: E402

from esmflow.io.read_model import read_model  # noqa: E402
from esmflow.preprocess.inputs import prepare_inputs  # noqa: E402


def test_ring_and_chords_of_eight_nodes():
    # 8 nodes: ring 0-1, 1-2, ..., 7-0 (8 links) plus 8 // 4 = 2 chords between non-neighbours
    links = ring_and_chords(8, seed=3)
    assert links[:8] == [(i, (i + 1) % 8) for i in range(8)]
    chords = links[8:]
    assert len(chords) == 2
    pairs = {frozenset(link) for link in links}
    assert len(pairs) == 10  # no link twice
    for a, b in chords:
        assert (b - a) % 8 not in (0, 1, 7)  # never a ring neighbour
    assert ring_and_chords(8, seed=3) == links  # deterministic for a seed


def test_three_nodes_have_only_the_ring():
    # every pair of three nodes on a ring is already linked: no chord is possible
    assert ring_and_chords(3, seed=0) == [(0, 1), (1, 2), (2, 0)]


def test_written_model_loads_with_eight_techs_per_node(tmp_path):
    model = write_family(4, tmp_path / "a", hours=24, seed=1)
    again = write_family(4, tmp_path / "b", hours=24, seed=1)
    for name in ("model.yaml", "data_tables/time_series.csv", "data_tables/costs.csv"):
        assert (model.parent / name).read_bytes() == (again.parent / name).read_bytes()
    inputs = prepare_inputs(read_model(model))
    assert inputs.sizes["timesteps"] == 24
    assert inputs.sizes["nodes"] == 4
    # 8 techs per node + 4 ring links + 4 // 4 = 1 chord = 13 techs
    assert inputs.sizes["techs"] == 8 + 5
    demand = inputs["sink_use_equals"].sel(techs="demand_power")
    assert bool((demand > 0).all())  # every node has a demand in every hour
