"""esmflow: least-cost energy-system optimisation from Calliope 0.7 YAML, as a Snakemake workflow."""

from esmflow.errors import ModelError, ModelWarning

__all__ = ["Model", "ModelError", "ModelWarning"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # `esmflow.Model` is imported on first use: importing any part of the package (as the rule
    # scripts do) must not load all of it, so that each rule's code hash (rules/common.smk) can
    # cover only the parts the rule runs.
    if name == "Model":
        from esmflow.model import Model

        return Model
    raise AttributeError(f"module 'esmflow' has no attribute {name!r}")
