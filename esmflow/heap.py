"""The C heap set up for large builds: freed arrays reused, not handed back to the kernel.

A build makes and drops thousands of large numpy arrays (a variable's labels, a constraint's
rows, the pieces of a sum over a year). With glibc's defaults each array above a few MiB is a
fresh `mmap`, returned to the kernel by `munmap` when it is freed, so the next array faults its
pages in again and the kernel zeroes them (2 MiB at a time, and compacting memory to find them,
since numpy asks for transparent huge pages). On the synthetic family at N = 50 (44.8 M
nonzeros) about half of the build's 22–36 CPU seconds were the kernel's. Here glibc keeps freed
memory in its heap for the next array (no trimming, mmap only from 256 MiB up): in alternating
runs the same build took 23 CPU seconds against 33–36, N = 20 4.5 against 5.2, its peak within
4 % (bench/README.md, "Issue 14, fourth pass"). Arrays of 256 MiB and more still come from mmap
and go back at once: they are few, and with them in the heap too, the holes they left pushed
the N = 100 build past its 16 GiB.

The cost: a process holds on to memory it freed until it exits instead of handing it back at
once. esmflow's workflow steps are short processes, so that changes nothing for them; a
long-lived session (a notebook) that wants memory back sets `ESMFLOW_HEAP=system` before
importing esmflow. Other C libraries than glibc (macOS, musl) are left as they are.
"""

from __future__ import annotations

import ctypes
import os
import platform
import warnings

# mallopt's parameter numbers (glibc's malloc.h); -1 for the trim threshold is "never" (mallopt(3))
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_NEVER_TRIM = -1
MMAP_FROM_BYTES = 256 * 2**20

ENVIRONMENT_SWITCH = "ESMFLOW_HEAP"
SYSTEM_DEFAULTS = "system"


def keep_freed_memory() -> bool:
    """Set glibc's heap as the module docstring says; False if it was left alone."""
    switch = os.environ.get(ENVIRONMENT_SWITCH, "").strip()
    if switch.lower() == SYSTEM_DEFAULTS:
        return False
    if switch:
        warnings.warn(
            f"{ENVIRONMENT_SWITCH}={switch!r} is not a setting esmflow knows: expected"
            f" {SYSTEM_DEFAULTS!r} (glibc's own heap settings) or the variable unset (esmflow's);"
            " using esmflow's",
            RuntimeWarning,
            stacklevel=2,
        )
    if not on_glibc():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_TRIM_THRESHOLD, _NEVER_TRIM)) and bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_FROM_BYTES)
    )


def on_glibc() -> bool:
    """This process runs on Linux with glibc, the only C library whose heap is set here."""
    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
