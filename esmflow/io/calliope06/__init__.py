"""Calliope 0.6 models in esmflow: `convert_v06` writes an equivalent esmflow model folder.

One module per concern: `source` (reading 0.6 YAML, imports, overrides), `techs` (tech
inheritance and parameters), `locations` (nodes, links, distances), `timeseries` (CSV and
DataFrame series → data tables), `settings` (`model`/`run` → config), `groups` (group
constraints), `model` (one whole model), `overrides` (overrides and scenarios as differences),
`report` (conversion_report.md) and `convert` (the folder). `detect` tells a 0.6 file from a
0.7 one without reading more than that file.
"""

from esmflow.io.calliope06.convert import ConversionResult, convert_v06
from esmflow.io.calliope06.detect import is_calliope06

__all__ = ["ConversionResult", "convert_v06", "is_calliope06"]
