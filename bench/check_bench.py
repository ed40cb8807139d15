"""Flag bench cases that got slower: the latest bench/results CSV against earlier runs.

    .venv/bin/python bench/check_bench.py                       # latest run vs the run before it
    .venv/bin/python bench/check_bench.py --threshold 0.5 --strict
    .venv/bin/python bench/check_bench.py --latest bench/results/2026-12-01T1200Z.csv

For every case and tool of the latest CSV, the previous CSV that holds the same case and tool
(whatever its highspy version: an upgrade that slows a case down is what this is for) is the
reference. Compared, as medians over repeats: HiGHS's iteration count (deterministic, so any
growth is real, machine load or not), HiGHS's own time, CPU seconds end to end and peak memory.
A measure more than `--threshold` (relative, default 0.25) above its reference is flagged, with
both highspy versions; a different objective (relative 1e-6) is flagged too. The exit status is
1 with `--strict` if anything was flagged (CI), else 0: on a shared machine time alone is noisy.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

# (label, stage, column): what is compared; iterations are simplex + IPM + crossover
MEASURES = [
    ("iterations", "highs", "iterations"),
    ("HiGHS s", "highs", "wall_s"),
    ("CPU s end to end", "end_to_end", "cpu_s"),
    ("peak MB", "end_to_end", "peak_rss_mb"),
]


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def summary(rows: list[dict[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(case, tool) → median of each measure, objective and highspy version."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for key in dict.fromkeys((row["case"], row["tool"]) for row in rows):
        mine = [row for row in rows if (row["case"], row["tool"]) == key]
        values: dict[str, Any] = {"highspy": next((r["highspy"] for r in mine if r["highspy"]), "")}
        for label, stage, column in MEASURES:
            numbers = []
            for row in mine:
                if row["stage"] != stage:
                    continue
                if column == "iterations":
                    parts = [
                        _number(row.get(name))
                        for name in ("simplex_iterations", "ipm_iterations", "crossover_iterations")
                    ]
                    value = sum(p for p in parts if p is not None) if any(parts) else None
                else:
                    value = _number(row.get(column))
                if value is not None:
                    numbers.append(value)
            values[label] = statistics.median(numbers) if numbers else None
        objectives = [_number(row.get("objective")) for row in mine if row["stage"] == "end_to_end"]
        objectives = [value for value in objectives if value is not None]
        values["objective"] = statistics.median(objectives) if objectives else None
        found[key] = values
    return found


def compare(
    latest: Path, earlier: list[Path], threshold: float, objective_tol: float = 1e-6
) -> list[str]:
    """A line per case and tool of `latest`; flagged lines start with `SLOWER` or `OBJECTIVE`."""
    now = summary(read_rows(latest))
    before = [(path, summary(read_rows(path))) for path in sorted(earlier, reverse=True)]
    lines = []
    for key, values in now.items():
        reference = next(((path, found[key]) for path, found in before if key in found), None)
        if reference is None:
            lines.append(f"new      {key[0]} ({key[1]}): no earlier run")
            continue
        path, old = reference
        flags, parts = [], []
        for label, _, _ in MEASURES:
            new_value, old_value = values.get(label), old.get(label)
            if new_value is None or not old_value:
                continue
            change = new_value / old_value - 1
            parts.append(f"{label} {old_value:.4g}→{new_value:.4g} ({change:+.0%})")
            if change > threshold:
                flags.append(label)
        status = "SLOWER  " if flags else "ok      "
        if values["objective"] is not None and old["objective"]:
            diff = abs(values["objective"] - old["objective"]) / abs(old["objective"])
            if diff > objective_tol:
                status = "OBJECTIVE"
                parts.append(f"objective rel. diff {diff:.1e}")
        versions = f"highspy {old['highspy']}→{values['highspy']}"
        lines.append(
            f"{status} {key[0]} ({key[1]}) vs {path.stem}, {versions}: " + "; ".join(parts)
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latest", type=Path, help="the run to check (default: the newest CSV)")
    parser.add_argument("--threshold", type=float, default=0.25, help="relative slowdown flagged")
    parser.add_argument("--strict", action="store_true", help="exit 1 if anything is flagged")
    parser.add_argument("--results", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    runs = sorted(args.results.glob("*.csv"))
    latest = args.latest or (runs[-1] if runs else None)
    if latest is None:
        print(f"no bench results in {args.results}")
        return 0
    earlier = [path for path in runs if path.resolve() != latest.resolve() and path < latest]
    lines = compare(latest, earlier, args.threshold)
    print(f"bench check of {latest.name} (threshold +{args.threshold:.0%}):")
    print("\n".join(lines))
    flagged = any(not line.startswith(("ok", "new")) for line in lines)
    return 1 if flagged and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
