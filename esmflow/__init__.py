"""esmflow: least-cost energy-system optimisation from Calliope 0.7 YAML, as a Snakemake workflow."""

from typing import TYPE_CHECKING, Any

from esmflow import heap, lazy_dask
from esmflow.errors import ModelError, ModelWarning

lazy_dask.watch()  # xarray's dask check without importing dask.array (lazy_dask.py)
heap.keep_freed_memory()  # freed arrays reused, not handed back to the kernel (heap.py)

if TYPE_CHECKING:
    from esmflow.model import Model

__all__ = ["Model", "ModelError", "ModelWarning"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """`esmflow.Model` on first use (PEP 562): importing any esmflow module (the workflow's rules
    import `esmflow.io...`, `esmflow.math...`) then does not import the whole model façade and
    everything it reaches."""
    if name == "Model":
        from esmflow.model import Model

        return Model
    raise AttributeError(f"module 'esmflow' has no attribute {name!r}")
