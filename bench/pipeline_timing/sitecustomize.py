"""Timings of each rule script's process, for bench/pipeline_overhead.py (not used otherwise).

bench/pipeline_overhead.py puts this folder on PYTHONPATH and names a file in
ESMFLOW_JOB_TIMES; Python imports this module at start-up in every process (Snakemake's too, which
records nothing), and a rule script's process appends one JSON line to that file when it exits:

- `started`: the process's start (Linux /proc, 10 ms resolution), `site`: this module's import
  (the interpreter is up), `main`: the rule script's `configure_logging` call, its first line of
  work (Snakemake's preamble and the script's imports are done), `end`: exit;
- `cpu_main`, `cpu`: the process's CPU seconds (user + system, its children included) at those
  points.

With ESMFLOW_JOB_PROFILE=1 the process also runs under pyinstrument (1 ms samples) and the record
gets the seconds its samples spent importing modules (`import_s`), reading and writing netCDF,
CSV and YAML files (`files_s`), rendering and saving figures and pages (`figures_s`), and the rest.
"""

import atexit
import importlib.abc
import json
import os
import resource
import sys
import time

_OUT = os.environ.get("ESMFLOW_JOB_TIMES")

# Outermost calls that read or write files between (or out of) rules
FILE_CALLS = {
    "open_dataset",
    "load",
    "to_netcdf",
    "write_netcdf",
    "from_netcdf",
    "read_netcdf_attributes",
    "set_netcdf_attribute",
    "write_csv",
    "to_csv",
    "read_csv",
    "safe_load",
    "write_yaml",
    "read_text",
    "open_mfdataset",
}
FIGURE_CALLS = {"save_figure", "savefig", "write_explorer", "write_page"}


def _cpu(children: bool = True) -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + (waited.ru_utime + waited.ru_stime if children else 0)


def _process_start() -> float:
    """The process's start, as time.time(), from /proc (clock ticks since boot)."""
    with open("/proc/self/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = int(fields[19])  # field 22 of proc(5); the first two are cut off above
    since_boot = ticks / os.sysconf("SC_CLK_TCK")
    return time.time() - (time.clock_gettime(time.CLOCK_BOOTTIME) - since_boot)


def _split(frame, totals: dict[str, float], category: str | None = None) -> None:
    """Add each outermost import / file / figure call's time to `totals`.

    An import inside a file or figure call (xarray importing dask at its first decode) counts
    as an import, not as reading or writing.
    """
    name = frame.function or ""
    path = frame.file_path or ""
    if name == "_find_and_load" or "importlib._bootstrap" in path:
        totals["import_s"] += frame.time
        if category:
            totals[category] -= frame.time
        return
    if category is None and name in FIGURE_CALLS:
        category = "figures_s"
        totals[category] += frame.time
    elif category is None and name in FILE_CALLS:
        category = "files_s"
        totals[category] += frame.time
    for child in frame.children:
        _split(child, totals, category)


class _MarkMain(importlib.abc.MetaPathFinder):
    """Once `_job` is loaded, wrap its configure_logging to note when the script's work starts."""

    def find_spec(self, name, path=None, target=None):
        if name != "_job":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original_exec = loader.exec_module

        def exec_module(module):
            original_exec(module)
            configure = module.configure_logging

            def configure_logging(*args, **kwargs):
                _RECORD.setdefault("main", time.time())
                _RECORD.setdefault("cpu_main", _cpu())
                return configure(*args, **kwargs)

            module.configure_logging = configure_logging

        loader.exec_module = exec_module
        return spec


_RECORD: dict = {}
_PROFILER = None

if _OUT:
    import importlib.util

    _RECORD["site"] = time.time()
    _RECORD["started"] = _process_start()
    sys.meta_path.insert(0, _MarkMain())
    if os.environ.get("ESMFLOW_JOB_PROFILE") == "1":
        from pyinstrument import Profiler

        _PROFILER = Profiler(interval=0.001)
        _PROFILER.start()

    def _write() -> None:
        job = getattr(sys.modules.get("__main__"), "snakemake", None)
        if job is None:  # Snakemake itself, or another Python process: its own CPU only
            record = {"rule": None, "argv": sys.argv, **_RECORD, "end": time.time()}
            record["cpu"] = _cpu(children=False)
        else:
            record = _job_record(job)
        line = json.dumps(record) + "\n"
        fd = os.open(_OUT, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def _job_record(job) -> dict:
        record = {"rule": job.rule, "wildcards": dict(job.wildcards.items()), **_RECORD}
        # the job script Snakemake wrote (its preamble + the rule script)
        record["job_script"] = getattr(sys.modules["__main__"], "__real_file__", None)
        record["end"] = time.time()
        record["cpu"] = _cpu()
        if _PROFILER is not None:
            session = _PROFILER.stop()
            totals = {"import_s": 0.0, "files_s": 0.0, "figures_s": 0.0}
            root = session.root_frame()
            if root is not None:
                _split(root, totals)
                totals["sampled_s"] = root.time
            record.update(totals)
        return record

    atexit.register(_write)
