"""Why does an interior point stall on a stored LP? One HiGHS run with the LP changed on purpose.

    .venv/bin/python bench/solver_sweep.py export calliope_national_year       # LP + names map
    .venv/bin/python bench/stall_probe.py calliope_national_year --set solver=hipo \\
        --set simplex_iteration_limit=1 --change lossless_storage > probe.log 2>&1

The LP is `solver_sweep.py`'s stored copy, every |cost| capped at `--cap` (default 1e3: only the
bigM slack columns change). Each `--change` is one of CHANGES below; the ones marked "another
LP" are diagnoses (they change the optimum), the others keep every optimum. HiGHS's console log
(HiPO prints its iterations there only) goes to stdout; the last line is `RESULT {json}` with
CPU seconds and iteration counts. `--dump FILE.npz` stores the final primal and dual values
(with `run_crossover=off` and `ipm_iteration_limit`, HiPO's iterate). Measurements of
1 December 2026: bench/README.md, "Why interior points stall on national_scale".
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from solver_sweep import OUT, describe, highs_with, load_lp, lp_path, parse_value  # noqa: E402


def _matrix(lp: Any) -> sp.csc_matrix:
    m = lp.a_matrix_
    shape = (lp.num_row_, lp.num_col_)
    return sp.csc_matrix((np.array(m.value_), np.array(m.index_), np.array(m.start_)), shape=shape)


def _set_matrix(lp: Any, matrix: sp.spmatrix) -> Any:
    matrix = matrix.tocsc()
    matrix.eliminate_zeros()
    matrix.sort_indices()
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    return lp


def _columns_of(case: str, variable: str, node: str | None = None) -> np.ndarray:
    """A boolean mask of the HiGHS columns of `variable` (at `node` if given)."""
    names = np.load(OUT / f"names_{case}.npz")
    meta = json.loads(str(names["col_meta"]))
    which = names["col_which"] == [m["name"] for m in meta].index(variable)
    if node is not None:
        at = np.flatnonzero(which)
        keep = [f"nodes={node}," in text for text in describe(names, "col", at)]
        which = np.zeros_like(which)
        which[at[keep]] = True
    return which


def _storage_loss(lp: Any, case: str, factor: float, node: str | None = None) -> Any:
    """Another LP: the storage columns' standing-loss entries (−(1 − loss), in (−1, 0)) set."""
    matrix = _matrix(lp)
    columns = _columns_of(case, "storage", node)
    column_of = np.repeat(np.arange(matrix.shape[1]), np.diff(matrix.indptr))
    hit = columns[column_of] & (matrix.data < 0) & (matrix.data > -1.0)
    print(f"storage loss: {hit.sum()} entries {np.unique(matrix.data[hit])} -> {-factor}")
    matrix.data[hit] = -factor
    return _set_matrix(lp, matrix)


def lossless_storage(lp: Any, case: str) -> Any:
    """Another LP: no standing loss at any store."""
    return _storage_loss(lp, case, 1.0)


def half_loss_storage(lp: Any, case: str) -> Any:
    """Another LP: standing loss 0.002/h halved (0.998 → 0.999)."""
    return _storage_loss(lp, case, 0.999)


def lossless_region1_1(lp: Any, case: str) -> Any:
    """Another LP: no standing loss at region1_1's store only (national_scale's seasonal one)."""
    return _storage_loss(lp, case, 1.0, node="region1_1")


def drop_tiny(lp: Any, case: str, threshold: float = 1e-3) -> Any:
    """Another LP: matrix entries below `threshold` in magnitude removed."""
    matrix = _matrix(lp)
    small = np.abs(matrix.data) < threshold
    print(f"drop_tiny: {small.sum()} entries below {threshold} dropped")
    matrix.data[small] = 0.0
    return _set_matrix(lp, matrix)


def implied_upper_bounds(lp: Any, case: str) -> Any:
    """Keeps the optima: x ≤ (b/a)·ub(K) for every row a·x − b·K ≤ 0 (two entries, a, b > 0,
    x, K ≥ 0) whose K has a finite upper bound (a flow bounded by its capacity's maximum)."""
    matrix = _matrix(lp).tocsr()
    row_lower, row_upper = np.array(lp.row_lower_), np.array(lp.row_upper_)
    lower, upper = np.array(lp.col_lower_), np.array(lp.col_upper_)
    rows = np.flatnonzero((np.diff(matrix.indptr) == 2) & (row_upper == 0) & np.isinf(row_lower))
    first = matrix.indptr[rows]
    col1, col2 = matrix.indices[first], matrix.indices[first + 1]
    val1, val2 = matrix.data[first], matrix.data[first + 1]
    bounded = upper.copy()
    for x, a, k, b in ((col1, val1, col2, val2), (col2, val2, col1, val1)):
        ok = (a > 0) & (b < 0) & np.isfinite(upper[k]) & (lower[x] >= 0) & (lower[k] >= 0)
        np.minimum.at(bounded, x[ok], (-b[ok] / a[ok]) * upper[k[ok]])
    print(f"implied_upper_bounds: {(bounded < upper).sum()} column upper bounds")
    lp.col_upper_ = bounded
    return lp


def geometric_scaling(lp: Any, case: str, passes: int = 8) -> Any:
    """Keeps the optima (undone by x = D_c·x'): rows and columns scaled by powers of 2 so that
    each one's largest and smallest |entry| straddle 1 (A' = D_r·A·D_c, c' = D_c·c, column bounds
    / D_c, row bounds · D_r)."""
    matrix = _matrix(lp)
    n_row, n_col = matrix.shape
    coo = abs(matrix).tocoo()
    logs = np.log2(coo.data)
    log_row, log_col = np.zeros(n_row), np.zeros(n_col)
    for _ in range(passes):
        for index, size, shift in ((coo.row, n_row, log_row), (coo.col, n_col, log_col)):
            values = logs + log_row[coo.row] + log_col[coo.col]
            high, low = np.full(size, -np.inf), np.full(size, np.inf)
            np.maximum.at(high, index, values)
            np.minimum.at(low, index, values)
            shift -= np.where(np.isfinite(high), (high + low) / 2, 0.0)
    row_scale, col_scale = 2.0 ** np.round(log_row), 2.0 ** np.round(log_col)
    scaled = sp.diags(row_scale) @ matrix @ sp.diags(col_scale)
    print(
        f"geometric_scaling: |a| {np.abs(matrix.data).min():.2g}..{np.abs(matrix.data).max():.2g}"
    )
    lp.col_cost_ = np.array(lp.col_cost_) * col_scale
    lp.col_lower_ = np.array(lp.col_lower_) / col_scale
    lp.col_upper_ = np.array(lp.col_upper_) / col_scale
    lp.row_lower_ = np.array(lp.row_lower_) * row_scale
    lp.row_upper_ = np.array(lp.row_upper_) * row_scale
    return _set_matrix(lp, scaled)


CHANGES: dict[str, Callable[[Any, str], Any]] = {
    change.__name__: change
    for change in (
        lossless_storage,
        half_loss_storage,
        lossless_region1_1,
        drop_tiny,
        implied_upper_bounds,
        geometric_scaling,
    )
}


def main(argv: list[str] | None = None) -> int:

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case")
    parser.add_argument("--set", action="append", default=[], metavar="OPTION=VALUE")
    parser.add_argument("--cap", type=float, default=1e3, help="cap |cost| (0: no cap)")
    parser.add_argument("--change", action="append", default=[], choices=sorted(CHANGES))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dump", type=Path, help="store the final primal/dual values here")
    args = parser.parse_args(argv)
    lp, _ = load_lp(lp_path(args.case), None, cost_cap=args.cap if args.cap > 0 else None)
    for change in args.change:
        lp = CHANGES[change](lp, args.case)
    options = {name: parse_value(value) for name, _, value in (p.partition("=") for p in args.set)}
    highs = highs_with(options, args.threads)
    highs.passModel(lp)
    start_cpu, start = time.process_time(), time.perf_counter()
    highs.run()
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
    info = highs.getInfo()
    record = {
        "case": args.case,
        "set": args.set,
        "change": args.change,
        "cap": args.cap,
        "status": highs.modelStatusToString(highs.getModelStatus()),
        "objective": float(info.objective_function_value),
        "cpu": cpu,
        "wall": wall,
        "simplex_iterations": int(info.simplex_iteration_count),
        "ipm_iterations": int(info.ipm_iteration_count),
        "crossover_iterations": int(info.crossover_iteration_count),
    }
    if args.dump:
        solution = highs.getSolution()
        np.savez(
            args.dump,
            x=np.array(solution.col_value),
            z=np.array(solution.col_dual),
            row_value=np.array(solution.row_value),
            y=np.array(solution.row_dual),
        )
    print("RESULT " + json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
