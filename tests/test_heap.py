"""esmflow's heap settings (heap.py): freed arrays are reused without new page faults, and
`ESMFLOW_HEAP=system` leaves glibc's defaults. Each case runs in a fresh process, since the
settings are the process's own and `import esmflow` sets them."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import pytest

from esmflow.heap import on_glibc

glibc_only = pytest.mark.skipif(not on_glibc(), reason="the settings apply to glibc's malloc only")

# A 64 MiB array (above glibc's default mmap threshold, below esmflow's 256 MiB) made, freed and
# made again: the page faults of the second one say whether its memory was handed back to the
# kernel (it faults every page again: ≥ 32 faults, at 2 MiB a page) or kept for reuse (none).
_REUSE_PROBE = """
import json, resource, sys
import esmflow
from esmflow import heap
import numpy as np
first = np.ones(8 * 2**20)
del first
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
second = np.ones(8 * 2**20)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps({"set_again": heap.keep_freed_memory(), "faults": faults}))
"""


def _probe(**environment: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _REUSE_PROBE],
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
        check=True,
    )
    return json.loads(done.stdout)


@glibc_only
def test_a_freed_array_is_reused_without_faulting_its_pages_again():
    kept = _probe(ESMFLOW_HEAP="")
    system = _probe(ESMFLOW_HEAP="system")
    assert kept["set_again"] is True
    assert system["set_again"] is False  # the switch is read each time
    assert kept["faults"] < 8
    assert system["faults"] >= 32  # glibc's defaults: a fresh mmap, every page faulted in again


def test_the_switch_leaves_other_systems_alone(monkeypatch):
    from esmflow import heap

    monkeypatch.setattr(platform, "system", lambda: "Darwin")
    monkeypatch.delenv(heap.ENVIRONMENT_SWITCH, raising=False)
    assert heap.keep_freed_memory() is False


def test_an_unknown_setting_is_named_not_ignored(monkeypatch):
    from esmflow import heap

    monkeypatch.setenv(heap.ENVIRONMENT_SWITCH, "sytem")
    with pytest.warns(RuntimeWarning, match=r"ESMFLOW_HEAP='sytem' is not a setting.*'system'"):
        heap.keep_freed_memory()
