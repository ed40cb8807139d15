"""Modes: how a model's program is built and solved.

- `plan` (Calliope's `base` mode): one build, one solve — capacities and dispatch together.
- `operate`: given capacities dispatched window by window over a rolling horizon; the program
  is built once and each window changes only its bounds, right-hand sides and costs.
- `spores`: alternatives near the least-cost design; the program is built once, and each
  iteration changes its objective's scores.

`run.py` chooses by `config.init.mode`. The modes drive the engine (`esmflow.math`) and the
backends (`esmflow.backends`); neither knows about modes. The façade (`esmflow.Model`), the CLI
and the workflow's scripts call `esmflow.modes.run`.
"""
