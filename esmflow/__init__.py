"""esmflow: least-cost energy-system optimisation from Calliope 0.7 YAML, as a Snakemake workflow."""

from esmflow.errors import ModelError, ModelWarning
from esmflow.model import Model

__all__ = ["Model", "ModelError", "ModelWarning"]
__version__ = "0.1.0"
