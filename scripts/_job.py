"""Entry point and logging for rule scripts, under Snakemake or from the shell.

Under Snakemake a script sees the `snakemake` object; run by hand it gets the same public
attributes (`input`, `output`, `log`, `params`, `threads`, `wildcards`) parsed from argv, so every
rule script can be tried out on its own:

    python scripts/solve_model.py --input program=results/x/model.nc inputs=results/x/model_inputs.nc \
        --output solution=s.nc status=s.yaml --log python=s.log solver=highs.log \
        --params '{"solver": {"name": "highs", "options": {}}}' --threads 2

Only public attributes are used, no Snakemake internals, so a new Snakemake release cannot break it.

A rule script ends with `run(main, globals())`: `main(get_job(globals()))`, then the process exits
at once, without the interpreter's teardown of its modules (0.2–0.5 CPU s per job; `run`).

Importing this module puts the checkout's root first on `sys.path`, so rule scripts always run the
`esmflow` beside them, whether or not (and wherever) esmflow is installed.

A model step runs inside `stage(job, name)`: its ModelWarnings are recorded (for its output file
and, in the end, `solve_status.yaml`), and if it stops on a ModelError the message is also written
to `diagnosis.txt` in the scenario's results folder, which Snakemake does not delete as it deletes a
failed job's outputs.
"""

import argparse
import atexit
import contextlib
import ctypes
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

CHECKOUT = Path(__file__).resolve().parents[1]
if str(CHECKOUT) not in sys.path[:1]:
    sys.path.insert(0, str(CHECKOUT))

from esmflow import stage_warnings  # noqa: E402 - needs the checkout on sys.path first
from esmflow.errors import ModelError  # noqa: E402
from esmflow.io.results_file import atomic_path  # noqa: E402

DIAGNOSIS_FILE = "diagnosis.txt"
PROGRAM_GROUP = "esmflow"  # the netCDF group of model.nc that holds esmflow's part of the program


class _Named(list):
    """Paths as a list with attribute access by name, as Snakemake's `input`/`output`/`log`."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(value for _, value in pairs)
        self._names = dict(pairs)

    def __getattr__(self, name: str) -> str:
        try:
            return self._names[name]
        except KeyError as err:
            raise AttributeError(name) from err

    def get(self, name: str, default: Any = None) -> Any:
        return self._names.get(name, default)


def _pairs(items: list[str]) -> list[tuple[str, str]]:
    """`NAME=VALUE` → (NAME, VALUE); a bare `VALUE` becomes (`_<position>`, VALUE)."""
    pairs = []
    for position, item in enumerate(items):
        name, has_name, value = item.partition("=")
        pairs.append((name, value) if has_name else (f"_{position}", item))
    return pairs


def _read_params(text: str | None) -> dict[str, Any]:
    """`--params`: a YAML file, or inline JSON."""
    if not text:
        return {}
    path = Path(text)
    params = yaml.safe_load(path.read_text()) if path.is_file() else json.loads(text)
    if not isinstance(params, dict):
        raise SystemExit(f"--params must be a mapping, got {type(params).__name__}")
    return params


def parse_job(
    argv: list[str], description: str | None = None, rule: str = "job"
) -> SimpleNamespace:
    """Build a Snakemake-like job object from command-line arguments."""
    parser = argparse.ArgumentParser(description=description)
    for option in ("--input", "--output", "--log", "--wildcards"):
        parser.add_argument(option, nargs="*", default=[], metavar="NAME=VALUE")
    parser.add_argument("--params", help="YAML file or inline JSON mapping")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    outputs, logs = _pairs(args.output), _pairs(args.log)
    for _, path in outputs + logs:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SimpleNamespace(
        input=_Named(_pairs(args.input)),
        output=_Named(outputs),
        log=_Named(logs),
        params=SimpleNamespace(**_read_params(args.params)),
        threads=args.threads,
        wildcards=SimpleNamespace(**dict(_pairs(args.wildcards))),
        rule=rule,
    )


def get_job(namespace: dict[str, Any]) -> Any:
    """The `snakemake` object when run by Snakemake, else one parsed from `sys.argv`."""
    if "snakemake" in namespace:
        return namespace["snakemake"]
    return parse_job(sys.argv[1:], namespace.get("__doc__"), Path(sys.argv[0]).stem)


def run(main: Callable[[Any], None], namespace: dict[str, Any]) -> None:
    """Run a rule script's `main` on its job, then end the process without tearing it down.

    A finished job's process exits at once: the exit handlers run (logging's flush and close,
    temporary folders' clean-up) and every C-level output stream is flushed (a solver's log),
    but the interpreter does not tear down its ~1 600 modules one by one, which costs 0.2–0.5 s
    of CPU per job (a third of a short job's start-up; bench/README.md, "Pipeline overhead").
    A failing `main` raises as before: the exception is logged and the process exits non-zero.
    """
    main(get_job(namespace))
    exit_now()


def exit_now(code: int = 0) -> None:
    """End the process now, as Python's exit does but without its teardown of modules and objects:
    wait for other threads, run the exit handlers, flush every output stream."""
    threading._shutdown()  # what the interpreter's exit does first (CPython, every version)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).fflush(None)  # C stdio buffers: fflush(NULL) flushes all of them
    os._exit(code)


def _python_log(job: Any) -> str | None:
    """The log file for Python messages: the `python` log if named, else the first one."""
    log = job.log
    named = log.get("python") if hasattr(log, "get") else None
    return named or (log[0] if len(log) else None)


def configure_logging(job: Any) -> None:
    """Log to the rule's log file and to stderr; warnings and uncaught errors land there too.

    The level comes from the environment (`WORKFLOW_LOG_LEVEL`, default INFO), not from params,
    so changing it never re-runs a rule.
    """
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    path = _python_log(job)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path, mode="w"))
    level = os.environ.get("WORKFLOW_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else "INFO",
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)

    def log_uncaught(kind: type[BaseException], error: BaseException, trace: Any) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        logger = logging.getLogger(getattr(job, "rule", "job"))
        if isinstance(error, ModelError):
            # A modeller's mistake: the message says what to fix; a traceback would only hide it.
            logger.error("%s: %s", kind.__name__, error)
        else:
            logger.error("uncaught exception", exc_info=(kind, error, trace))

    sys.excepthook = log_uncaught


def diagnosis_path(job: Any) -> Path:
    """`diagnosis.txt` in the folder of the job's first output (`results/{scenario}/`)."""
    return Path(job.output[0]).parent / DIAGNOSIS_FILE


@contextlib.contextmanager
def stage(
    job: Any, name: str, earlier: Sequence[Mapping[str, str]] = ()
) -> Iterator[list[dict[str, str]]]:
    """Run one model step: yield the list its ModelWarnings are recorded in; explain a failure.

    A `diagnosis.txt` left by an earlier failed run is removed first (this run supersedes it);
    an error is written there (a ModelError as it is, anything else as a probable bug) with every
    warning raised so far (`earlier`, from the step's input file, and this step's own), then
    raised on, so the job still fails.
    """
    diagnosis = diagnosis_path(job)
    diagnosis.unlink(missing_ok=True)
    found: list[dict[str, str]] = []
    try:
        with stage_warnings.recording(name) as found:
            yield found
    except Exception as error:
        write_diagnosis(diagnosis, job, name, error, [*earlier, *found])
        raise


def write_diagnosis(
    path: Path, job: Any, name: str, error: Exception, records: Sequence[Mapping[str, str]]
) -> None:
    """The failure in words a modeller can act on, with the warnings that came before it."""
    scenario = getattr(getattr(job, "wildcards", None), "scenario", None)
    title = f"Scenario '{scenario}'" if scenario else "This run"
    if isinstance(error, ModelError):
        reason = str(error)
    else:  # not the model's fault: say so, and where the traceback is
        reason = (
            f"An unexpected error, probably a bug in esmflow ({type(error).__name__}: {error}). "
            f"The traceback is in the log ({_python_log(job) or 'the job output'}); please "
            "report it with that log."
        )
    lines = [f"{title} stopped in {name}; no later step ran.", "", reason]
    if records:
        lines += ["", "Warnings raised before it stopped:"]
        lines += [f"  - {line}" for line in stage_warnings.as_lines(records)]
    with atomic_path(path) as temporary:
        temporary.write_text("\n".join(lines) + "\n")
    logging.getLogger(name).error("diagnosis written to %s", path)
