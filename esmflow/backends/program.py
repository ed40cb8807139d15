"""The built program, backend-neutral and storable on disk. (CONTRACT STUB)"""

from __future__ import annotations


class Program:
    """A linopy model plus the named global expressions, readable back from netCDF."""
