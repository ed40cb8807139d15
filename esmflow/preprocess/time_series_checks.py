"""Checks of the time series in data tables: together they must form the model's series.

Every time label is an ISO 8601 local time without a time-zone offset (the model has no time
zones; an offset would shift or mix the hours), and each appears once. Within a table the steps
are regular where the table is meant to be: in a series that steps every hour but for a few
exceptions, a jump of two hours is a missing hour (its demand would be lost and the step before would silently last
two hours). A column of a time series has a value in every step: an empty cell would fall back
to the parameter's default there (no demand, an unlimited resource). And all tables cover the same
steps, so that no parameter is undefined in steps only another table has.

All checks work on whole label arrays (unique labels, `diff`, group-wise `any`), never per row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from esmflow.errors import Problem, ProblemCollector

TIME_DIM = "timesteps"
# an offset after a clock time: `…00:00Z`, `…00:00+01:00`, `…00:00-0500`
TIMEZONE_SUFFIX = re.compile(
    r"(?:\dZ|\d:\d{1,2}(?::\d{1,2}(?:[.,]\d*)?)?\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?))$", re.I
)
LISTED = 3  # how many offending labels a message lists before "and N more"
ISO_EXAMPLE = "ISO 8601 local times such as 2005-01-01 00:00 (no time-zone offset)"


def parse_time_labels(labels: Sequence[Any] | pd.Index) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Parse labels as ISO 8601 times: (times with NaT where a label is bad, reason per label).

    Reasons are "" (good), "empty", "offset" (a time-zone offset) or "not a date". Only the
    distinct labels are parsed, so a long column costs one parse per distinct label.
    """
    labels = pd.Index(labels)
    if isinstance(labels, pd.DatetimeIndex) and labels.tz is None and not labels.hasnans:
        return labels.as_unit("ns"), np.full(len(labels), "", dtype=object)
    try:  # the common case, all good: one vectorised parse of text labels
        if labels.dtype.kind not in "OSUT":
            raise TypeError("not text")
        times = pd.to_datetime(labels, format="ISO8601")
        if getattr(times, "tz", None) is None and not times.isna().any():
            return pd.DatetimeIndex(times).as_unit("ns"), np.full(len(times), "", dtype=object)
    except (ValueError, TypeError, OverflowError):
        pass
    codes, unique = pd.factorize(pd.Index(labels), use_na_sentinel=True)
    text = pd.Index(unique).astype(str)
    reasons = np.full(len(unique), "", dtype=object)
    reasons[np.asarray(text.str.contains(TIMEZONE_SUFFIX), dtype=bool)] = "offset"
    parseable = reasons == ""
    parsed = pd.DatetimeIndex(np.full(len(unique), np.datetime64("NaT"), dtype="datetime64[ns]"))
    if parseable.any():
        try:
            times = pd.to_datetime(pd.Index(text[parseable]), format="ISO8601", errors="coerce")
        except ValueError:  # offsets the pattern did not see, mixed with local times
            times = None
        if times is None or getattr(times, "tz", None) is not None:
            # rare (a corrupted file): find them label by label
            for position in np.flatnonzero(parseable):
                reasons[position] = _reason_of(text[position])
            parseable = reasons == ""
            times = pd.to_datetime(pd.Index(text[parseable]), format="ISO8601", errors="coerce")
        if parseable.any():
            values = parsed.to_numpy(copy=True)
            values[parseable] = times.to_numpy(dtype="datetime64[ns]")
            parsed = pd.DatetimeIndex(values)
            reasons[parseable & parsed.isna()] = "not a date"
    all_times = pd.DatetimeIndex(
        np.where(codes >= 0, parsed.to_numpy()[np.maximum(codes, 0)], np.datetime64("NaT"))
    )
    all_reasons = np.where(codes >= 0, reasons[np.maximum(codes, 0)], "empty")
    return all_times, all_reasons


def _reason_of(label: str) -> str:
    """Why one label is not a local time ("" if it is one)."""
    try:
        stamp = pd.Timestamp(label)
    except (ValueError, TypeError, OverflowError):
        return "not a date"
    return "offset" if stamp.tz is not None else ""


def time_label_problems(
    labels: Sequence[Any] | pd.Index, *, file: str, key_path: str, where: str
) -> list[Problem]:
    """Problems with a table's time labels (`where` says which axis holds them), one per kind."""
    _, reasons = parse_time_labels(labels)
    labels = pd.Index(labels)
    messages = {
        "offset": "Time steps carry a time-zone offset, which esmflow does not read",
        "not a date": "Time steps that are not ISO 8601 dates",
        "empty": "A time step label is empty",
    }
    problems = []
    for reason, message in messages.items():
        flagged = labels[reasons == reason]
        if len(flagged):
            problems.append(
                Problem(
                    f"{message} ({where})",
                    file=file,
                    key_path=key_path,
                    expected=ISO_EXAMPLE
                    + ("; convert the data to one local time first" if reason == "offset" else ""),
                    got=_listed(
                        ["(an empty cell)" if pd.isna(label) else str(label) for label in flagged]
                    ),
                )
            )
    return problems


def with_parsed_times(tidy: pd.Series) -> pd.Series:
    """`tidy` with its `timesteps` level as datetimes (labels already checked by the caller)."""
    index = tidy.index
    if not isinstance(index, pd.MultiIndex):
        return tidy.set_axis(pd.DatetimeIndex(parse_time_labels(index)[0], name=index.name))
    level = index.names.index(TIME_DIM)
    times, _ = parse_time_labels(index.levels[level])
    if times.has_duplicates:  # two spellings of one instant: keep the codes apart, then merge
        arrays = [index.get_level_values(n) for n in index.names]
        arrays[level] = pd.DatetimeIndex(parse_time_labels(arrays[level])[0])
        return tidy.set_axis(pd.MultiIndex.from_arrays(arrays, names=index.names))
    return tidy.set_axis(index.set_levels(times, level=level, verify_integrity=False))


def time_series_problems(
    tidy: pd.Series, steps: pd.DatetimeIndex, *, file: str, key_path: str
) -> list[Problem]:
    """Gaps in a regular series and empty cells of one table (NaN kept; `steps` its steps)."""
    problems = step_problems(steps, file=file, key_path=key_path)
    problems.extend(_empty_cell_problems(tidy, file, key_path))
    return problems


def table_steps(tidy: pd.Series) -> pd.DatetimeIndex:
    """The sorted distinct time steps of a table (from the level's codes, not every row)."""
    index = tidy.index
    if not isinstance(index, pd.MultiIndex):
        return pd.DatetimeIndex(index.unique()).sort_values()
    level = index.names.index(TIME_DIM)
    codes = np.asarray(index.codes[level])
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(index.levels[level])))
    return pd.DatetimeIndex(index.levels[level].take(used)).sort_values()


def duplicate_time_problems(
    labels: pd.Index, times: pd.DatetimeIndex, *, file: str, key_path: str
) -> list[Problem]:
    """A time step written twice along a table's axis (`labels`: the axis, `times`: parsed)."""
    if isinstance(labels, pd.MultiIndex):
        level = [str(n) for n in labels.names].index(TIME_DIM)
        arrays = [labels.get_level_values(i) for i in range(labels.nlevels)]
        arrays[level] = times
        duplicated = pd.MultiIndex.from_arrays(arrays).duplicated()
    else:
        duplicated = times.duplicated()
    if not duplicated.any():
        return []
    return [
        Problem(
            "Time step given more than once",
            file=file,
            key_path=key_path,
            expected="each time step once (a repeated hour, e.g. from a change of "
            "daylight-saving time, would be silently overwritten)",
            got=_listed(_format_times(pd.DatetimeIndex(times[duplicated].unique()))),
        )
    ]


IRREGULAR_SHARE = 0.1  # more odd steps than this share: a deliberately irregular series


def regular_step(steps: pd.DatetimeIndex) -> pd.Timedelta | None:
    """The step of an otherwise regular series (sorted `steps`), or None if it is irregular.

    Otherwise regular: all gaps but a few (one, or up to a tenth of them) have the commonest
    length. A series with more odd steps is taken as irregular on purpose and left alone.
    """
    if len(steps) < 2:
        return None
    gaps = pd.Series(np.diff(_nanoseconds(steps)))
    counts = gaps.value_counts()
    commonest = counts[counts == counts.max()].index.min()  # ties: the shorter step
    odd = len(gaps) - counts[commonest]
    if odd > max(1, IRREGULAR_SHARE * len(gaps)) or commonest <= 0:
        return None
    return pd.Timedelta(int(commonest), unit="ns")


def step_problems(steps: pd.DatetimeIndex, *, file: str, key_path: str) -> list[Problem]:
    """Gaps (missing steps) and odd steps in a series that is otherwise regular."""
    step = regular_step(steps)
    if step is None:
        return []
    gaps = np.diff(_nanoseconds(steps))
    odd = np.flatnonzero(gaps != step.value)
    if not len(odd):
        return []
    missing = odd[gaps[odd] % step.value == 0]
    irregular = odd[gaps[odd] % step.value != 0]
    problems = []
    if len(missing):
        count = int((gaps[missing] // step.value - 1).sum())
        problems.append(
            Problem(
                f"{count} time step(s) missing from a series that steps every {format_duration(step)}",
                file=file,
                key_path=key_path,
                expected=f"a row every {format_duration(step)} (a gap makes the step before it "
                "silently longer and drops the values of the missing steps)",
                got=_listed(
                    [f"{a} → {b}" for a, b in zip(*_pairs(steps, missing), strict=True)],
                    noun="jump",
                ),
            )
        )
    if len(irregular):
        problems.append(
            Problem(
                f"Time steps off the regular {format_duration(step)} grid of the series",
                file=file,
                key_path=key_path,
                expected=f"a row every {format_duration(step)}",
                got=_listed(
                    [f"{a} → {b}" for a, b in zip(*_pairs(steps, irregular), strict=True)],
                    noun="step",
                ),
            )
        )
    return problems


def _empty_cell_problems(tidy: pd.Series, file: str, key_path: str) -> list[Problem]:
    """A column with values in some steps but not in others (one problem per column)."""
    is_empty = tidy.isna()
    if not is_empty.any():
        return []
    others = [n for n in tidy.index.names if n != TIME_DIM]
    if not others:
        columns = pd.DataFrame({"any": [True], "all": [bool(is_empty.all())]}, index=[()])
    else:
        grouped = is_empty.groupby(level=others, sort=False)
        columns = pd.DataFrame({"any": grouped.any(), "all": grouped.all()})
    partial = columns.index[columns["any"] & ~columns["all"]]
    problems = []
    for column in partial[:LISTED]:
        labels = column if isinstance(column, tuple) else (column,)
        in_column = is_empty
        for name, label in zip(others, labels, strict=True):
            in_column = in_column & (tidy.index.get_level_values(name) == label)
        times = pd.DatetimeIndex(tidy.index.get_level_values(TIME_DIM)[in_column.to_numpy()])
        problems.append(
            Problem(
                f"Empty cell(s) in the time series of {_column_name(others, labels)}",
                file=file,
                key_path=key_path,
                expected="a value in every time step (an empty cell would silently fall back "
                "to the parameter's default there: no demand, an unlimited resource, …)",
                got="no value at " + _listed(_format_times(times.sort_values())),
            )
        )
    if len(partial) > LISTED:
        problems.append(
            Problem(
                f"… and {len(partial) - LISTED} more column(s) with empty cells",
                file=file,
                key_path=key_path,
            )
        )
    return problems


def check_tables_agree(
    table_steps: Mapping[tuple[str, str], pd.DatetimeIndex],
    yaml_steps: Mapping[str, pd.DatetimeIndex],
    window: tuple[str, str] | None,
    problems: ProblemCollector,
) -> None:
    """Every time table covers the same steps (within the time subset, if one is set).

    `table_steps` maps (data table key path, file) to the table's steps; `yaml_steps` maps a
    YAML key path to the steps its index names, which must be steps of the tables.
    """
    if not table_steps:
        return
    windowed = {key: _in_window(steps, window) for key, steps in table_steps.items()}
    union = _union(windowed.values())
    if len(windowed) > 1:
        for (key_path, file), steps in windowed.items():
            missing = union.difference(steps.as_unit("ns"))
            if len(missing):
                problems.add(
                    f"This table lacks {len(missing)} of the model's {len(union)} time steps "
                    "that other tables have",
                    file=file,
                    key_path=key_path,
                    expected="every data table over `timesteps` covering the same steps "
                    "(in a step a table lacks, its parameters would fall back to defaults)",
                    got="missing " + _listed(_format_times(missing)),
                )
    known = _union(table_steps.values())
    for key_path, steps in yaml_steps.items():
        unknown = pd.DatetimeIndex(steps).as_unit("ns").difference(known)
        if len(unknown):
            problems.add(
                "A time step in this index is not a time step of the data tables",
                key_path=key_path,
                expected=f"steps between {known.min()} and {known.max()} that the tables have",
                got=_listed(_format_times(unknown)),
            )


def _in_window(steps: pd.DatetimeIndex, window: tuple[str, str] | None) -> pd.DatetimeIndex:
    if window is None:
        return steps
    try:
        return pd.Series(0, index=steps.sort_values()).loc[window[0] : window[1]].index
    except (KeyError, ValueError, TypeError):  # a bad subset is reported by the time config check
        return steps


def _nanoseconds(times: pd.DatetimeIndex) -> np.ndarray:
    return pd.DatetimeIndex(times).as_unit("ns").asi8


def _union(indexes: Iterable[pd.DatetimeIndex]) -> pd.DatetimeIndex:
    stamps = np.unique(np.concatenate([_nanoseconds(index) for index in indexes]))
    return pd.DatetimeIndex(stamps.astype("datetime64[ns]"))


def _pairs(steps: pd.DatetimeIndex, positions: np.ndarray) -> tuple[list[str], list[str]]:
    return _format_times(steps[positions]), _format_times(steps[positions + 1])


def _format_times(times: Iterable[pd.Timestamp]) -> list[str]:
    return [
        t.strftime("%Y-%m-%d %H:%M") if t.second == 0 and t.microsecond == 0 else str(t)
        for t in times
    ]


def format_duration(step: pd.Timedelta) -> str:
    """`1h`, `6h`, `30min`-like text of a step length."""
    minutes = step / pd.Timedelta(minutes=1)
    if minutes >= 60 and minutes % 60 == 0:
        return f"{int(minutes // 60)}h"
    if minutes >= 1 and minutes == int(minutes):
        return f"{int(minutes)}min"
    return str(step)


def _column_name(dims: Sequence[Any], labels: Sequence[Any]) -> str:
    return ", ".join(f"{dim}={label}" for dim, label in zip(dims, labels, strict=True))


def _listed(items: Sequence[str], noun: str = "") -> str:
    shown = ", ".join(items[:LISTED])
    more = len(items) - LISTED
    return shown + (f" (and {more} more{' ' + noun + 's' if noun else ''})" if more > 0 else "")
